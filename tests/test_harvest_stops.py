"""Issue 21 (A3, A5, L5): how a harvest stops, and what it says is left, on v3 and v4.

Over real HTTP against the sandbox. Requests a refused credential costs are counted
by the server itself (a middleware on the sandbox app sees every request, including
those refused before the sandbox's own rate counters).
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from semrush_async import (
    AuthenticationError,
    Harvest,
    HarvestItem,
    Limit,
    SemrushClient,
)
from semrush_async.cli._harvest import write_harvest
from semrush_async.testing import DEFAULT_KEY, SemrushSandbox, report_size, row
from tests.conftest import FAST_LIMITS, FAST_RETRY
from tests.test_backlinks_v4 import _strip

SITES = [f"site{i:02d}.example" for i in range(20)]


class Seen:
    """Every request the sandbox received: (path, status), counted on arrival."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.answers: list[tuple[str, int]] = []

    def count(self, path_prefix: str) -> int:
        return sum(p.startswith(path_prefix) for p in self.requests)

    def refused(self) -> int:
        """Report requests refused for their credential (balance reads excluded)."""
        return sum(
            status in (401, 403) and not path.startswith("/users/") for path, status in self.answers
        )


def counted_sandbox(**kwargs: Any) -> tuple[SemrushSandbox, Seen]:
    kwargs.setdefault("limits", FAST_LIMITS)
    kwargs.setdefault("client_options", {"safety_margin": 0.05})
    sandbox = SemrushSandbox(**kwargs)
    seen = Seen()

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        seen.requests.append(request.path)
        response: web.StreamResponse = await handler(request)
        seen.answers.append((request.path, response.status))
        return response

    sandbox.app.middlewares.append(middleware)
    return sandbox, seen


@pytest_asyncio.fixture
async def counted(request: pytest.FixtureRequest) -> AsyncIterator[tuple[SemrushSandbox, Seen]]:
    marker = request.node.get_closest_marker("sandbox")
    sandbox, seen = counted_sandbox(**(dict(marker.kwargs) if marker else {}))
    async with sandbox:
        yield sandbox, seen


def v4_only(sandbox: SemrushSandbox, **kwargs: Any) -> SemrushClient:
    """A client with only the v4 key ("" keeps SEMRUSH_API_KEY from leaking in)."""
    return sandbox.client(api_key="", backlinks_api="v4", **kwargs)


async def consume(h: Harvest[Any], each: Callable[[HarvestItem[Any]], object]) -> None:
    async with h:
        async for item in h:
            each(item)


def assert_partition(h: Harvest[Any]) -> None:
    """completed, failed and pending hold every target, each exactly once."""
    parts = [*h.completed, *h.failed, *h.pending]
    assert collections.Counter(parts) == collections.Counter(h.targets)


def expected_urls(target: str, limit: int | None = None) -> list[str]:
    n = report_size("backlinks", 0, target)
    return [str(row("backlinks", 0, target, i, n)["source_url"]) for i in range(min(n, limit or n))]


# --- A3: pending after a budget stop ------------------------------------------------------


async def test_budget_stop_leaves_every_target_in_exactly_one_list(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    """Targets in flight when the budget ran out are pending (they were in no list),
    with a checkpoint, after a resume that stops again, and after the final resume;
    every row arrives exactly once over the three runs."""
    ckpt = str(tmp_path / "h.sqlite")
    got: dict[str, list[str | None]] = collections.defaultdict(list)

    async def run(budget: int | None) -> Harvest[Any]:
        async with (
            sandbox.client(unit_budget=budget) as c,
            c.backlinks.harvest(
                SITES, columns=["source_url"], page_size=40, workers=6, checkpoint=ckpt
            ) as h,
        ):
            async for item in h:
                got[item.target] += [r.source_url for r in item.rows]
        return h

    first = await run(40 * 600)
    assert first.budget_exceeded is not None
    assert_partition(first)
    # Several workers were part-way through a target when the budget ran out.
    started = {t for t, urls in got.items() if urls}
    assert len(started - set(first.completed)) > 1
    assert set(started) - set(first.completed) <= set(first.pending)

    second = await run(40 * 600)
    assert second.budget_exceeded is not None
    assert_partition(second)

    last = await run(None)
    assert last.budget_exceeded is None
    assert_partition(last)
    assert sorted(last.completed) == sorted(SITES)
    assert not last.pending
    assert dict(got) == {t: expected_urls(t) for t in SITES if expected_urls(t)}


async def test_budget_stop_on_v4_leaves_every_target_in_exactly_one_list(
    sandbox: SemrushSandbox,
) -> None:
    async with v4_only(sandbox, unit_budget=40 * 500) as c:
        h = c.backlinks.harvest(SITES, "backlinks_refdomains", page_size=25, workers=6)
        rows: dict[str, int] = collections.Counter()
        async for item in h:
            rows[item.target] += len(item.rows)
    assert h.budget_exceeded is not None
    assert_partition(h)
    assert len(h.pending) > 1
    for t in h.completed:
        assert rows[t] == report_size("backlinks_refdomains", 0, t)
    assert c.units.spent <= 40 * 500


async def test_budget_warning_gives_the_true_numbers(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "semrush_async")
    async with sandbox.client(unit_budget=40 * 500) as c:
        h = c.backlinks.harvest(SITES, columns=["source_url"], page_size=20, workers=6)
        async for _ in h:
            pass
    [line] = [r.getMessage() for r in caplog.records if "unit_budget" in r.getMessage()]
    m = re.search(r"(\d+) of (\d+) targets complete, (\d+) failed, (\d+) not finished", line)
    assert m is not None, line
    done, total, failed, pending = map(int, m.groups())
    assert (done, total, failed, pending) == (
        len(h.completed),
        len(SITES),
        len(h.failed),
        len(h.pending),
    )
    assert done + failed + pending == total


def test_cli_not_finished_line_agrees_with_the_output(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMRUSH_")}
    env.update(HOME=str(tmp_path), SEMRUSH_TOKEN_FILE=str(tmp_path / "tokens.json"))
    cmd = [
        sys.executable, "-m", "semrush_async.cli", "--sandbox", "--quiet",
        "backlinks", "export", "backlinks", *SITES, "--columns", "source_url",
        "--page-size", "40", "--budget", str(40 * 400), "-o", str(out),
    ]  # fmt: skip
    p = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert p.returncode == 1, p.stderr
    m = re.search(
        r"stopped by --budget: (\d+) of (\d+) targets complete, (\d+) failed, "
        r"(\d+) not finished: (.*)",
        p.stderr,
    )
    assert m is not None, p.stderr
    done, total, failed, pending = map(int, m.groups()[:4])
    names = m.group(5).split("; ")[0].split(", ")
    assert total == len(SITES)
    assert done + failed + pending == total
    assert len(names) == pending
    assert f"from {done} of {total} targets" in p.stderr
    rows: dict[str, int] = collections.Counter()
    for line in out.read_text(encoding="utf-8").splitlines()[1:]:
        rows[line.split(",", 1)[0]] += 1
    finished = [t for t in SITES if t not in names]
    assert len(finished) == done
    for t in finished:
        assert rows[t] == report_size("backlinks", 0, t), t


# --- A5: a refused credential stops the harvest ----------------------------------------------


@pytest.mark.parametrize("api", ["v3", "v4"])
async def test_wrong_key_costs_one_request_and_raises_once(
    counted: tuple[SemrushSandbox, Seen], api: str
) -> None:
    sandbox, seen = counted
    targets = [f"t{i:02d}.example" for i in range(30)]
    make = (
        sandbox.client(api_key="wrong-key-000000")
        if api == "v3"
        else sandbox.client(api_key="", v4_api_key="wrong-v4-key-000", backlinks_api="v4")
    )
    items: list[HarvestItem[Any]] = []
    async with make as c:
        h = c.backlinks.harvest(targets, limit_per_target=50)
        with pytest.raises(AuthenticationError) as info:
            await consume(h, items.append)
    assert len(seen.requests) == 1  # not one per worker, not one per target
    assert seen.refused() == 1
    assert items == []  # no per-target error items: one error, raised
    assert h.stopped_by is info.value
    assert h.failed == {}
    assert h.pending == targets  # resumable
    assert_partition(h)


async def test_refused_credential_resumes_from_the_checkpoint(
    counted: tuple[SemrushSandbox, Seen], tmp_path: Path
) -> None:
    sandbox, seen = counted
    ckpt = str(tmp_path / "k.sqlite")
    targets = ["medium.example", "small.example", "tiny.example"]
    async with sandbox.client(api_key="wrong-key-000000") as c:
        h = c.backlinks.harvest(targets, columns=["source_url"], checkpoint=ckpt)
        with pytest.raises(AuthenticationError):
            await consume(h, print)
    assert len(seen.requests) == 1
    async with sandbox.client() as c:
        h = c.backlinks.harvest(targets, columns=["source_url"], checkpoint=ckpt)
        got = {t: [] for t in targets}  # type: dict[str, list[str | None]]
        async for item in h:
            got[item.target] += [r.source_url for r in item.rows]
    assert got == {t: expected_urls(t) for t in targets}
    assert sorted(h.completed) == sorted(targets)


@pytest.mark.parametrize("api", ["v3", "v4"])
@pytest.mark.sandbox(limits={**FAST_LIMITS, "account": Limit(10, 0.25, concurrency=1)})
async def test_credential_revoked_mid_harvest_cancels_workers_waiting_for_a_permit(
    counted: tuple[SemrushSandbox, Seen], api: str
) -> None:
    """One request at a time (concurrency 1): when the key is revoked, every other
    worker is waiting for the permit. A stop flag alone would let each of them send
    and be refused; they are cancelled, so exactly one request is refused."""
    sandbox, seen = counted
    make = sandbox.client() if api == "v3" else v4_only(sandbox)
    rows: dict[str, int] = collections.Counter()

    def on_item(item: HarvestItem[Any]) -> None:
        rows[item.target] += len(item.rows)
        if h.pages == 3:  # revoke the key the harvest uses
            if api == "v3":
                del sandbox.state.balances[DEFAULT_KEY]
            else:
                del sandbox.state.v4_keys[sandbox.v4_api_key]

    async with make as c:
        h = c.backlinks.harvest(SITES, "backlinks_refdomains", page_size=10, workers=8)
        with pytest.raises(AuthenticationError):
            await consume(h, on_item)
    assert seen.refused() == 1
    assert_partition(h)
    assert h.failed == {}
    for t in h.completed:
        assert rows[t] == report_size("backlinks_refdomains", 0, t)
    assert len(h.pending) >= len(SITES) - len(h.completed)


class _Args(argparse.Namespace):
    quiet = True
    format = "csv"
    checkpoint = None


async def test_cli_prints_each_failed_target_once(
    sandbox: SemrushSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A target's own failure (not the credential's) is printed once, as it happens;
    the summary counts it."""
    sandbox.inject("account", "550", times=1)
    args = _Args(output=str(tmp_path / "o.csv"))
    async with sandbox.client(retry_policy=FAST_RETRY.__class__(max_retries=0)) as c:
        h = c.backlinks.harvest(["tiny.example", "small.example"], columns=["source_url"])
        code = await write_harvest(args, c, h, ["source_url"])
    err = capsys.readouterr().err
    assert code == 1
    [failed] = h.failed
    assert err.count(failed) == 1, err
    assert "1 targets failed" in err


@pytest.fixture
def server() -> Iterator[str]:
    """A standalone sandbox process (the CLI runs in its own process)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "semrush_async.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    try:
        yield f"http://127.0.0.1:{int(proc.stdout.readline())}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_cli_prints_a_refused_key_once(server: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMRUSH_")}
    env.update(HOME=str(tmp_path), SEMRUSH_TOKEN_FILE=str(tmp_path / "tokens.json"))
    targets = [f"t{i:02d}.example" for i in range(30)]
    cmd = [
        sys.executable, "-m", "semrush_async.cli", "--quiet", "--api-key", "wrong-key-0000",
        "--base-url", server, "--www-url", server,
        "backlinks", "export", "backlinks", *targets, "-o", str(tmp_path / "o.csv"),
    ]  # fmt: skip
    p = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("error: ")
    assert "WRONG KEY" in lines[0]
    assert "wrong-key-0000" not in p.stderr


# --- L5: backlinks_api="v4" reaches the harvest and the report-by-name call ---------------


async def test_v4_only_client_serves_every_backlinks_entry_point(
    counted: tuple[SemrushSandbox, Seen],
) -> None:
    sandbox, seen = counted
    report, targets = "backlinks_refdomains", ["medium.example", "small.example", "empty.example"]
    async with sandbox.client() as v3:
        want = {
            t: _strip(list(await v3.backlinks.refdomains(t, limit=300)), report) for t in targets
        }
    v3_requests = len(seen.requests)
    async with v4_only(sandbox) as v4:
        method = await v4.backlinks.refdomains("medium.example", limit=300)
        by_name = await v4.analytics.report(report, target="medium.example", limit=300)
        harvested: dict[str, list[Any]] = {t: [] for t in targets}
        for h in (
            v4.backlinks.harvest(targets, report, limit_per_target=300, page_size=100),
            v4.analytics.harvest(report, targets, limit_per_target=300, page_size=100),
        ):
            async for item in h:
                assert item.error is None, item.error
                harvested[item.target] += item.rows
            assert sorted(h.completed) == sorted(targets)
    assert list(method) == want["medium.example"]
    assert list(by_name) == want["medium.example"]
    assert harvested == {t: rows + rows for t, rows in want.items()}  # two harvests
    # Everything after the v3 reference went to v4 and was priced as v4.
    assert all(p.startswith("/apis/v4/backlinks/") for p in seen.requests[v3_requests:])
    assert set(v4.units.by_report) == {"v4.backlinks.ref_domains"}
