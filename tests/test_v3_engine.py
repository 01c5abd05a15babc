"""Issue 22, items 3 and 4: one v3 engine, and one Backlinks source behind every entry
point (the pager, the report by name, both harvests and the CLI), checkpoint included.

Over real HTTP against the sandbox. What a harvest requests is seen by the server
itself (a middleware records every report request's target and offset).
"""

from __future__ import annotations

import asyncio
import collections
import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from semrush_async import RefDomainRow, SemrushClient, ValidationError
from semrush_async._core.checkpoint import job_key
from semrush_async.apis.backlinks.reports import REPORTS, SPECS
from semrush_async.apis.backlinks.resource import BacklinksResource, options_of
from semrush_async.apis.reports import ROOT_REPORTS
from semrush_async.apis.trends.reports import SPECS as TRENDS_SPECS
from semrush_async.testing import SemrushSandbox, report_size
from tests.conftest import FAST_LIMITS

TARGETS = ["medium.example", "small.example", "tiny.example"]
REPORT = "backlinks_refdomains"
#: Backlinks v4 /ref-domains: 40 units per line (§3), as v3's backlinks_refdomains.
LINE = 40


class Requests:
    """Every Backlinks report request the sandbox received: (api, target, offset)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    def of(self, api: str) -> list[tuple[str, int]]:
        return [(t, o) for a, t, o in self.seen if a == api]


@pytest_asyncio.fixture
async def watched() -> AsyncIterator[tuple[SemrushSandbox, Requests]]:
    sandbox = SemrushSandbox(limits=FAST_LIMITS, client_options={"safety_margin": 0.05})
    requests = Requests()

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        q = request.query
        if request.path.startswith("/apis/v4/backlinks/"):
            requests.seen.append(("v4", q.get("url", ""), int(q.get("offset", "0"))))
        elif request.path.startswith("/analytics/v1"):
            requests.seen.append(("v3", q.get("target", ""), int(q.get("display_offset", "0"))))
        response: web.StreamResponse = await handler(request)
        return response

    sandbox.app.middlewares.append(middleware)
    async with sandbox:
        yield sandbox, requests


def v4_only(sandbox: SemrushSandbox, **kwargs: Any) -> SemrushClient:
    """A client with only the v4 key ("" keeps SEMRUSH_API_KEY from leaking in)."""
    return sandbox.client(api_key="", backlinks_api="v4", **kwargs)


async def reference(sandbox: SemrushSandbox) -> dict[str, list[str | None]]:
    """Each target's referring domains, whole, from v3 (what a harvest must give)."""
    async with sandbox.client() as c:
        return {t: [r.domain for r in await c.backlinks.refdomains(t)] for t in TARGETS}


# --- item 4: a v4 harvest with a checkpoint -------------------------------------------------


async def test_v4_harvest_resumes_from_its_checkpoint_without_repaying(
    watched: tuple[SemrushSandbox, Requests], tmp_path: Path
) -> None:
    sandbox, requests = watched
    want = await reference(sandbox)
    spent_before = sandbox.units_spent()
    ckpt = str(tmp_path / "v4.sqlite")
    got: dict[str, list[str | None]] = {t: [] for t in TARGETS}
    async with (
        v4_only(sandbox) as c,
        c.backlinks.harvest(TARGETS, REPORT, page_size=100, checkpoint=ckpt, workers=2) as h,
    ):
        assert h.api == "v4"
        async for item in h:
            got[item.target] += [r.domain for r in item.rows]
            await asyncio.sleep(0.2)  # a slow writer: the workers fetch ahead
            if h.pages == 2:
                break  # processed three pages, then stop (like Ctrl-C between pages)
    first_run = len(requests.of("v4"))
    async with v4_only(sandbox) as c:
        h2 = c.analytics.harvest(REPORT, TARGETS, page_size=100, checkpoint=ckpt, workers=2)
        async for item in h2:
            got[item.target] += [r.domain for r in item.rows]
    assert got == want  # every row exactly once, in order
    assert h2.replayed_pages >= 1  # fetched ahead by the first run, not requested again
    assert sorted(h2.completed) == sorted(TARGETS)
    # Nothing paid twice: every line once, and no page asked for twice.
    rows = sum(report_size(REPORT, 0, t) for t in TARGETS)
    assert sandbox.units_spent() - spent_before == LINE * rows
    pages = requests.of("v4")
    assert len(pages) == len(set(pages)) > first_run
    # A resume of a finished job asks for nothing.
    async with v4_only(sandbox) as c:
        again = c.backlinks.harvest(TARGETS, REPORT, page_size=100, checkpoint=ckpt)
        assert [i async for i in again] == []
    assert requests.of("v4") == pages


async def test_v4_checkpoint_replays_the_page_in_hand(
    watched: tuple[SemrushSandbox, Requests], tmp_path: Path
) -> None:
    sandbox, requests = watched
    ckpt = str(tmp_path / "x.sqlite")
    async with v4_only(sandbox) as c:

        async def fail_while_writing() -> None:
            async with c.backlinks.harvest(
                ["small.example"], REPORT, page_size=2, checkpoint=ckpt
            ) as h:
                async for _item in h:
                    raise KeyError("disk full while writing the page")

        with pytest.raises(KeyError):
            await fail_while_writing()
        h2 = c.backlinks.harvest(["small.example"], REPORT, page_size=2, checkpoint=ckpt)
        again = [(i.offset, len(i.rows), i.replayed) async for i in h2]
    assert again[0] == (0, 2, True)  # the page in hand, from the checkpoint
    assert [o for o, n, _ in again if n] == [0, 2, 4]
    assert sandbox.units_spent() == LINE * report_size(REPORT, 0, "small.example")
    assert collections.Counter(requests.of("v4"))[("small.example", 0)] == 1


async def test_a_v3_checkpoint_is_never_resumed_on_v4_or_the_reverse(
    watched: tuple[SemrushSandbox, Requests], tmp_path: Path
) -> None:
    sandbox, requests = watched
    ckpt = str(tmp_path / "both.sqlite")
    targets = ["small.example", "tiny.example"]

    async def run(client: SemrushClient) -> tuple[list[Any], int]:
        async with client as c:
            h = c.backlinks.harvest(targets, REPORT, checkpoint=ckpt)
            return [r async for i in h for r in i.rows], h.replayed_pages

    v3_rows, _ = await run(sandbox.client())
    v3_requests = len(requests.of("v3"))
    v4_rows, replayed = await run(v4_only(sandbox))
    assert replayed == 0  # the v3 job's pages are not v4's
    assert len(requests.of("v4")) >= len(targets)  # fetched from v4, whole
    assert [r.domain for r in v4_rows] == [r.domain for r in v3_rows]
    # Each API resumes its own finished job: nothing more is asked of either.
    seen = len(requests.seen)
    assert (await run(sandbox.client()))[0] == []
    assert (await run(v4_only(sandbox)))[0] == []
    assert len(requests.seen) == seen
    assert len(requests.of("v3")) == v3_requests


async def test_job_key_names_the_api_and_keeps_the_v3_key(sandbox: SemrushSandbox) -> None:
    """A v3 job keeps the key it had before v4 harvests existed (old checkpoints still
    resume); a v4 job's key differs by the API alone."""
    async with sandbox.client() as v3, v4_only(sandbox) as v4:
        a = v3.backlinks.harvest(["small.example"], REPORT)
        b = v4.backlinks.harvest(["small.example"], REPORT)
        template = v3.backlinks.query(REPORT, ["small.example"], ["root_domain"])
    assert a._key == job_key(**template.job_params(), limit=None)
    assert b._key == job_key(**template.job_params(), api="v4", limit=None)


async def test_v4_harvest_still_refuses_what_v4_cannot_serve_before_sending(
    watched: tuple[SemrushSandbox, Requests], tmp_path: Path
) -> None:
    sandbox, requests = watched
    ckpt = tmp_path / "no.sqlite"
    async with v4_only(sandbox) as c:
        with pytest.raises(Exception, match="no v4 endpoint"):
            c.backlinks.harvest(["small.example"], "backlinks_categories", checkpoint=str(ckpt))
        with pytest.raises(ValidationError, match="url"):
            # v4 takes no space in a target: every target is checked up front.
            c.analytics.harvest(REPORT, ["small.example", "a b.example"], checkpoint=str(ckpt))
    assert requests.seen == []
    assert not ckpt.exists()


# --- item 3: one validator, one decoder, methods from the table --------------------------


async def test_both_entry_points_build_the_same_request(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        by_method = c.backlinks.query(
            REPORT, ["small.example"], ["domain"], ["domain", "ip"], "backlinks_num_asc"
        )
        by_name = c.analytics.query(
            REPORT,
            target="small.example",
            target_type="domain",
            columns=["domain", "ip"],
            sort="backlinks_num_asc",
        )
        assert by_method.call(0, 10).request == by_name.call(0, 10).request
        for bad in ({"columns": ["nope"]}, {"sort": "nope_asc"}, {"columns": "ip,ip"}):
            with pytest.raises(ValidationError) as a:
                c.backlinks.query(REPORT, ["small.example"], ["domain"], **bad)
            with pytest.raises(ValidationError) as b:
                c.analytics.query(REPORT, target="small.example", target_type="domain", **bad)
            assert a.value.details == b.value.details
    assert sandbox.counters("account").accepted == 0


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.method)
def test_each_backlinks_method_is_its_table_row(spec: Any) -> None:
    # Generated from the row (semrush_async.v3.codegen): its call shape and options.
    method = getattr(BacklinksResource, spec.method)
    params = list(inspect.signature(method).parameters)
    lead = ["targets", "target_types"] if spec.multi_target else ["target", "target_type"]
    assert params == ["self", *lead, *options_of(spec)]
    doc = method.__doc__ or ""
    assert spec.type in doc
    assert f"{spec.units} units per" in doc


def test_the_table_decides_the_options() -> None:
    # The signatures these methods had before they became rows of the table.
    assert options_of(REPORTS["backlinks"]) == (
        "columns", "sort", "filters", "limit", "offset", "page_size",
    )  # fmt: skip
    assert options_of(REPORTS["backlinks_refips"]) == (
        "columns", "sort", "limit", "offset", "page_size",
    )  # fmt: skip
    assert options_of(REPORTS["backlinks_competitors"]) == (
        "columns", "limit", "offset", "page_size",
    )  # fmt: skip
    assert options_of(REPORTS["backlinks_historical"]) == ("columns", "limit")
    assert options_of(REPORTS["backlinks_comparison"]) == ("columns",)
    assert options_of(REPORTS["backlinks_ascore_profile"]) == ()


async def test_an_option_the_row_does_not_take_is_refused_before_sending(
    sandbox: SemrushSandbox,
) -> None:
    async with sandbox.client() as c:
        # The static type lists every option; the row decides (as the signature did).
        with pytest.raises(TypeError, match=r"refips\(\) got an unexpected keyword .*'filters'"):
            c.backlinks.refips("small.example", filters="+|zone||com")  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="offset"):
            c.backlinks.historical("small.example", offset=3)  # type: ignore[call-arg]
        rows = await c.backlinks.refdomains("small.example", "root_domain", limit=3)
        assert [type(r) for r in rows] == [RefDomainRow] * 3
    assert sandbox.counters("account").accepted == 1


async def test_report_by_name_serves_every_bound_report(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        trends = {spec.type for spec in TRENDS_SPECS}
        assert set(c.analytics.reports) == {*REPORTS, *ROOT_REPORTS, *trends}
        with pytest.raises(ValidationError, match=r"allowed: .*backlinks_refdomains"):
            c.analytics.query("backlinks_refdomainz", target="a.example")
