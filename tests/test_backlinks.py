"""client.backlinks against the sandbox over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from semrush_async import BudgetExceeded, ValidationError
from semrush_async.apis.backlinks.rows import (
    BacklinkRow,
    BacklinksOverview,
    CategoryRow,
    ComparisonRow,
    MatrixRow,
    TargetType,
)
from semrush_async.testing import SemrushSandbox, report_size, row
from semrush_async.v3.filters import Filter, FilterOp
from tests.conftest import FAST_RETRY

REPORT_METHODS = {
    "backlinks": "backlinks",
    "backlinks_refdomains": "refdomains",
    "backlinks_refips": "refips",
    "backlinks_tld": "tld",
    "backlinks_geo": "geo",
    "backlinks_anchors": "anchors",
    "backlinks_pages": "pages",
    "backlinks_competitors": "competitors",
    "backlinks_categories_profile": "categories_profile",
    "backlinks_historical": "historical",
}


@pytest.mark.parametrize(("report", "method"), sorted(REPORT_METHODS.items()))
async def test_every_list_report_is_complete_and_typed(
    sandbox: SemrushSandbox, report: str, method: str
) -> None:
    target = "medium.example"
    n = report_size(report, 0, target)
    async with sandbox.client() as c:
        pager = getattr(c.backlinks, method)(target)
        rows = await pager
    assert len(rows) == n
    expected = [row(report, 0, target, i, n) for i in range(n)]
    first = rows[0]
    for name, raw in expected[0].items():
        value = getattr(first, name)
        if raw == "":
            assert value in ("", None)
        elif name in ("first_seen", "last_seen", "date"):
            assert value == datetime.fromtimestamp(int(raw), UTC)
            assert value.tzinfo is UTC
        elif raw in ("true", "false"):
            assert value is (raw == "true")
        elif isinstance(value, int):
            assert value == int(raw)
        else:
            assert value == raw
    assert c.units.spent == 40 * n
    assert c.units.by_report == {report: 40 * n}


async def test_offsets_limits_and_pages_follow_the_quirk(sandbox: SemrushSandbox) -> None:
    n = report_size("backlinks", 0, "medium.example")
    want = [row("backlinks", 0, "medium.example", i, n)["source_url"] for i in range(n)]
    async with sandbox.client() as c:
        got = await c.backlinks.backlinks(
            "medium.example", columns=["source_url"], offset=100, limit=1_000, page_size=300
        )
        assert [r.source_url for r in got] == want[100:1100]
        assert got.pages == 4
        tail = await c.backlinks.backlinks(
            "medium.example", columns=["source_url"], offset=n - 50, page_size=40
        )
        assert [r.source_url for r in tail] == want[-50:]
        assert tail.pages == 2  # 40 + a short page of 10
        assert not tail.units_exhausted
    starts = sandbox.counters("account").accepted
    assert starts == 6


async def test_streaming_yields_before_the_end(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        pager = c.backlinks.backlinks("big.example", columns=["source_url"], page_size=50_000)
        it = pager.__aiter__()
        first = await it.__anext__()
        assert isinstance(first, BacklinkRow)
        assert first.page_ascore is None  # not requested
        await it.aclose()  # type: ignore[attr-defined]
    # Closing early released the governor slot; the page the server charged in full
    # when it started sending it is settled in full (never less than charged).
    stats = c.governor_stats()["account"]
    assert stats.in_flight == 0
    assert c.units.spent == 40 * 50_000 == sandbox.units_spent()
    assert c.units.reserved == 0


async def test_pager_runs_once(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        p = c.backlinks.tld("small.example")
        await p
        with pytest.raises(RuntimeError, match="already consumed"):
            await p


async def test_nothing_found_is_empty(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        assert await c.backlinks.backlinks("empty.example") == []
        assert await c.backlinks.overview("empty.example") is None
        assert c.units.spent == 0


async def test_single_row_and_per_request_reports(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        ov = await c.backlinks.overview("small.example", TargetType.DOMAIN)
        assert isinstance(ov, BacklinksOverview)
        assert ov.total == 25
        prof = await c.backlinks.ascore_profile("small.example")
        assert [p.ascore for p in prof] == list(range(101))
        cats = await c.backlinks.categories("small.example")
        assert all(isinstance(x, CategoryRow) and isinstance(x.rating, float) for x in cats)
        assert c.units.by_report == {
            "backlinks_overview": 40,
            "backlinks_ascore_profile": 100,
            "backlinks_categories": 50,
        }


async def test_matrix_and_comparison(sandbox: SemrushSandbox) -> None:
    targets = ["a.example", "medium.example", "small.example"]
    async with sandbox.client() as c:
        m = await c.backlinks.matrix(targets, limit=20, sort="domain_ascore_desc")
        assert len(m) == 20
        assert isinstance(m[0], MatrixRow)
        assert m[0].backlinks is not None
        assert list(m[0].backlinks) == targets
        scores = [r.domain_ascore or 0 for r in m]
        assert scores == sorted(scores, reverse=True)
        cmp = await c.backlinks.comparison(targets, [TargetType.ROOT_DOMAIN] * 3)
        assert [r.target for r in cmp] == targets
        assert isinstance(cmp[0], ComparisonRow)
        assert cmp[0].target_type is TargetType.ROOT_DOMAIN
        big = await c.backlinks.comparison([f"t{i}.example" for i in range(200)], "domain")
        assert len(big) == 200


async def test_sorts_and_filters_reach_the_server(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        rows = await c.backlinks.backlinks(
            "medium.example",
            sort="first_seen_asc",
            filters=[
                Filter.including("type", "follow"),
                Filter.excluding("refdomain", "ref1", op=FilterOp.BEGINS_WITH),
            ],
            limit=50,
        )
    assert rows
    assert all(r.nofollow is False for r in rows)
    assert all(not (r.source_url or "").split("//")[1].startswith("ref1") for r in rows)
    seen = [r.first_seen for r in rows]
    assert seen == sorted(seen)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"columns": ["nope"]}, "allowed: page_ascore, response_code"),
        ({"sort": "bogus_desc"}, "allowed: page_ascore_asc"),
        ({"target_type": "planet"}, "allowed: root_domain, domain, url"),
        ({"filters": [Filter.including("country", "us")]}, "allowed: type, zone"),
        ({"filters": [Filter.including("anchor", "x")]}, "needs op"),
        ({"filters": [Filter.including("type", "a|b")]}, "cannot be escaped"),
        ({"filters": [Filter.including("type", "follow")] * 26}, "at most 25"),
        ({"limit": 0}, "limit must be"),
        ({"page_size": 0}, "page_size"),
    ],
)
async def test_validation_before_sending(
    sandbox: SemrushSandbox, kwargs: dict[str, object], needle: str
) -> None:
    async with sandbox.client() as c:
        with pytest.raises(ValidationError) as ei:
            await c.backlinks.backlinks("medium.example", **kwargs)  # type: ignore[arg-type]
    assert needle in str(ei.value)
    assert sandbox.counters("account").accepted == 0
    assert c.units.spent == c.units.reserved == 0
    assert not any(s.started or s.waiting for s in c.governor_stats().values())


async def test_validation_of_report_specific_rules(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        with pytest.raises(ValidationError, match="root_domain"):
            await c.backlinks.historical("small.example", "domain")
        with pytest.raises(ValidationError, match="at most 200"):
            await c.backlinks.comparison([f"t{i}.example" for i in range(201)])
        with pytest.raises(ValidationError, match="takes no display_sort"):
            c.backlinks.query("backlinks_competitors", ["x.example"], ["domain"], sort="x_asc")
        with pytest.raises(ValidationError, match="takes no offset"):
            c.backlinks.pager(
                c.backlinks.query("backlinks_historical", ["x.example"], ["root_domain"]),
                offset=5,
            )
    assert sandbox.counters("account").accepted == 0


async def test_filter_encoding() -> None:
    from semrush_async.v3.filters import encode_filters

    assert (
        encode_filters([Filter.including("type", "newlink"), "+|type||follow"], ["type"])
        == "+|type||newlink|+|type||follow"
    )
    assert Filter.excluding("refdomain", "spam.com", FilterOp.CONTAINS).encode() == (
        "-|refdomain|Co|spam.com"
    )
    assert Filter.including("backlinksnum_0", 0, "Eq").encode() == "+|backlinksnum_0|Eq|0"


async def test_budget_explicit_limit_fails_up_front(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(unit_budget=1_000) as c:
        with pytest.raises(BudgetExceeded, match="unit_budget"):
            c.backlinks.backlinks("medium.example", limit=100)
        rows = await c.backlinks.backlinks("medium.example", limit=25)
        assert len(rows) == 25
        assert c.units.remaining == 0
    assert sandbox.units_spent() == 1_000


async def test_budget_stops_open_ended_paging(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(unit_budget=4_000) as c:
        got: list[BacklinkRow] = []

        async def consume() -> None:
            async for r in c.backlinks.backlinks("medium.example", page_size=30):
                got.append(r)

        with pytest.raises(BudgetExceeded, match="more rows may exist"):
            await consume()
        assert len(got) == 100
        assert c.units.spent == 4_000
    assert sandbox.units_spent() == 4_000


async def test_short_page_from_exhausted_balance_is_flagged(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.set_balance(40 * 70)
    async with sandbox.client() as c:
        rows = await c.backlinks.backlinks("medium.example", page_size=100)
    assert len(rows) == 70
    assert rows.units_exhausted
    assert c.units.short_pages == 1
    assert "may be incomplete" in caplog.text
    sandbox.set_balance(10**9)
    async with sandbox.client() as c:
        rows = await c.backlinks.backlinks("small.example", page_size=100)
    assert len(rows) == 25
    assert not rows.units_exhausted


# --- harvest --------------------------------------------------------------------------


async def test_harvest_many_targets_within_governance(sandbox: SemrushSandbox) -> None:
    targets = [f"site{i}.example" for i in range(40)] + ["empty.example"]
    async with sandbox.client() as c:
        h = c.backlinks.harvest(
            targets, columns=["source_url"], limit_per_target=150, page_size=100
        )
        per_target: dict[str, list[str | None]] = {}
        async for item in h:
            assert item.error is None
            per_target.setdefault(item.target, []).extend(r.source_url for r in item.rows)
    assert sandbox.counters("account").rejected == 0
    assert sorted(h.completed) == sorted(targets)
    for t in targets:
        n = min(150, report_size("backlinks", 0, t))
        want = [
            row("backlinks", 0, t, i, report_size("backlinks", 0, t))["source_url"]
            for i in range(n)
        ]
        assert per_target.get(t, []) == want, t
    assert c.governor_stats()["account"].max_in_flight <= 10


async def test_harvest_reports_failures_without_stopping(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "550", times=50)
    async with sandbox.client(retry_policy=FAST_RETRY.__class__(max_retries=0)) as c:
        h = c.backlinks.harvest(["a.example", "b.example"], limit_per_target=5)
        items = [i async for i in h]
    assert len(h.failed) + len(h.completed) == 2
    assert all(i.error is not None for i in items if i.target in h.failed)


async def test_harvest_resumes_from_checkpoint_without_repaying(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    ckpt = str(tmp_path / "h.sqlite")
    targets = ["medium.example", "small.example", "tiny.example"]
    total = sum(report_size("backlinks", 0, t) for t in targets)
    want = {
        t: [
            row("backlinks", 0, t, i, report_size("backlinks", 0, t))["source_url"]
            for i in range(report_size("backlinks", 0, t))
        ]
        for t in targets
    }
    got: dict[str, list[str | None]] = {t: [] for t in targets}
    async with (
        sandbox.client() as c,
        c.backlinks.harvest(
            targets, columns=["source_url"], page_size=500, checkpoint=ckpt, workers=2
        ) as h,
    ):
        async for item in h:
            got[item.target] += [r.source_url for r in item.rows]
            await asyncio.sleep(0.2)  # a slow writer: the workers fetch ahead
            if h.pages == 2:
                break  # processed three pages, then stop (like Ctrl-C between pages)
    # Workers had fetched ahead: those pages are in the checkpoint, paid once.
    async with sandbox.client() as c:
        h2 = c.backlinks.harvest(
            targets, columns=["source_url"], page_size=500, checkpoint=ckpt, workers=2
        )
        async for item in h2:
            got[item.target] += [r.source_url for r in item.rows]
    assert got == want  # every row exactly once, in order
    assert h2.replayed_pages >= 1
    assert sorted(h2.completed) == sorted(targets)
    assert sandbox.units_spent() == 40 * total  # nothing paid twice


async def test_harvest_exception_leaves_the_page_for_replay(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    ckpt = str(tmp_path / "x.sqlite")
    async with sandbox.client() as c:

        async def fail_while_writing() -> None:
            async with c.backlinks.harvest(["small.example"], page_size=10, checkpoint=ckpt) as h:
                async for _item in h:
                    raise KeyError("disk full while writing the page")

        with pytest.raises(KeyError):
            await fail_while_writing()
        h2 = c.backlinks.harvest(["small.example"], page_size=10, checkpoint=ckpt)
        again = [(i.target, i.offset, i.replayed) async for i in h2]
    assert again[0] == ("small.example", 0, True)
    assert [o for _, o, _ in again] == [0, 10, 20]
    assert sandbox.units_spent() == 40 * 25


async def test_harvest_budget_stops_cleanly(sandbox: SemrushSandbox, tmp_path: Path) -> None:
    async with sandbox.client(unit_budget=40 * 120) as c:
        h = c.backlinks.harvest(
            ["medium.example", "small.example"],
            columns=["source_url"],
            page_size=50,
            workers=1,
            checkpoint=str(tmp_path / "b.sqlite"),
        )
        rows = sum([len(i.rows) async for i in h])
    assert rows == 120
    assert h.budget_exceeded is not None
    assert h.pending
    assert c.units.spent == 40 * 120


async def test_concurrent_callers_share_one_governor(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        await asyncio.gather(*(c.backlinks.overview(f"x{i}.example") for i in range(40)))
    counters = sandbox.counters("account")
    assert counters.rejected == 0
    assert counters.max_in_window(0.25) <= 10
