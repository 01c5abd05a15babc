"""The unit budget tells the truth on v4 (issue 21: H1, M1, M2, L4), over real HTTP.

Every test compares what the client booked with what the sandbox charged. The
interleavings H1 depends on are fixed with gates in the sandbox's own app (an aiohttp
middleware that holds one answer until the test lets it go), never with timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from semrush_async import BudgetExceeded, SemrushClient
from semrush_async.apis.backlinks.rows import BacklinkRow
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._backlinks_v4 import v4_size
from tests.conftest import FAST_LIMITS

pytestmark = pytest.mark.sandbox()

BALANCE = "/users/countapiunits.html"
ANCHORS = "/apis/v4/backlinks/v1/anchors"
#: medium.example: 2,500 backlinks, 500 anchors, 625 referring domains.
M = "medium.example"
PAGE = 2000 * 40  # one v3 page of 2,000 backlinks
ANCHORS_100 = 100 * 40  # v4 anchors, limit 100, at the estimated (and sandbox) price

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def history_months() -> int:
    """Months from 2012-01 (the earliest any v4 report takes) to this one."""
    today = dt.datetime.now(dt.UTC).date()
    return (today.year - 2012) * 12 + today.month


class Gate:
    """Holds the ``nth`` answer of ``path`` (after the sandbox has handled it, so
    charged and read what it reads) until :meth:`open` is called."""

    def __init__(self, path: str, nth: int) -> None:
        self.path = path
        self.nth = nth
        self.seen = 0
        self.reached = asyncio.Event()
        self._open = asyncio.Event()

    def open(self) -> None:
        self._open.set()

    async def wait_reached(self) -> None:
        await asyncio.wait_for(self.reached.wait(), 60)

    async def __call__(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if request.path == self.path:
            self.seen += 1
            if self.seen == self.nth:
                self.reached.set()
                await self._open.wait()
        return response


@contextlib.asynccontextmanager
async def gated(gate: Gate) -> AsyncIterator[SemrushSandbox]:
    sb = SemrushSandbox(limits=FAST_LIMITS, client_options={"safety_margin": 0.05})
    sb.app.middlewares.append(web.middleware(gate))
    try:
        async with sb:
            yield sb
    finally:
        gate.open()


async def _first_batch(client: SemrushClient) -> AsyncGenerator[list[BacklinkRow], None]:
    """A 2,000-line v3 page whose first rows are in: the sandbox has charged it."""
    batches = client.backlinks.backlinks(M, limit=2000, page_size=2000).batches()
    await batches.__anext__()
    return batches


async def _drain(batches: AsyncGenerator[list[BacklinkRow], None]) -> None:
    async for _ in batches:
        pass


# --- H1: a measured call is booked at what it cost -----------------------------------


async def test_page_charged_before_a_measured_call_is_not_taken_from_it() -> None:
    # The v3 page is charged before the measured call's first balance read and read
    # to its end while the second read is on its way: it was never part of what the
    # balance lost during the call.
    gate = Gate(BALANCE, nth=2)
    async with gated(gate) as sb, sb.client(unit_budget=PAGE + ANCHORS_100) as c:
        batches = await _first_batch(c)
        call = asyncio.ensure_future(c.backlinks_v4.anchors(M, "ROOT_DOMAIN", limit=100))
        await gate.wait_reached()
        await _drain(batches)
        gate.open()
        assert len(await call) == 100
        assert c.units.by_report == {"backlinks": PAGE, "v4.backlinks.anchors": ANCHORS_100}
        assert c.units.spent == sb.units_spent() == PAGE + ANCHORS_100
        # The budget is used up, and the client knows it: the next call is refused.
        with pytest.raises(BudgetExceeded):
            await c.backlinks_v4.anchors(M, "ROOT_DOMAIN", limit=100)
        assert sb.units_spent() == PAGE + ANCHORS_100


async def test_page_charged_during_a_measured_call_is_taken_from_it_once() -> None:
    # The v3 page is charged while the measured call is in flight and read to its
    # end only after that call finished: the call's booking waits for the page's.
    gate = Gate(ANCHORS, nth=1)
    async with gated(gate) as sb, sb.client() as c:
        call = asyncio.ensure_future(c.backlinks_v4.anchors(M, "ROOT_DOMAIN", limit=100))
        await gate.wait_reached()
        batches = await _first_batch(c)
        gate.open()
        assert len(await call) == 100
        await _drain(batches)
    assert c.units.by_report == {"backlinks": PAGE, "v4.backlinks.anchors": ANCHORS_100}
    assert c.units.measured == ANCHORS_100
    assert c.units.spent == sb.units_spent() == PAGE + ANCHORS_100


async def test_cached_balance_counts_a_page_once(sandbox: SemrushSandbox) -> None:
    # A page charged before a balance read and settled after it was subtracted
    # twice from the cached balance: a later short page then looked cut by it.
    sandbox.set_balance(PAGE + 20_000)
    async with sandbox.client() as c:
        batches = await _first_batch(c)
        assert await c.units.balance() == 20_000
        await _drain(batches)
        rows = await c.backlinks.backlinks("small.example")  # 25 rows: a short page
    assert len(rows) == 25
    assert not rows.units_exhausted
    assert c.units.short_pages == 0


# --- M1: v4 pagers and short pages --------------------------------------------------


async def test_v4_balance_cut_is_flagged(sandbox: SemrushSandbox) -> None:
    # 2,500 links, a balance for 1,300: the second page is cut (meta.total says 2,500).
    sandbox.set_balance(1300 * 45 + 10)
    async with sandbox.client() as c:
        pager = c.backlinks_v4.links(M, "ROOT_DOMAIN", page_size=1000)
        rows = await pager
    assert len(rows) == 1300
    assert rows.units_exhausted
    assert pager.pages == 2  # not a third request the balance cannot pay for
    assert c.units.short_pages == 1
    assert c.units.spent == sandbox.units_spent() == 1300 * 45


@pytest.mark.sandbox(v4_max_page=500)
async def test_v4_pages_shorter_than_asked_are_followed_to_the_total(
    sandbox: SemrushSandbox,
) -> None:
    async with sandbox.client() as c:
        pager = c.backlinks_v4.links(M, "ROOT_DOMAIN", page_size=1000)
        rows = await pager
    assert len(rows) == 2500
    assert not rows.units_exhausted
    assert pager.pages == 5
    assert c.units.spent == sandbox.units_spent() == 2500 * 45


@pytest.mark.sandbox(v4_max_page=500)
async def test_v4_cut_is_flagged_after_short_pages(sandbox: SemrushSandbox) -> None:
    sandbox.set_balance(1300 * 45 + 10)
    async with sandbox.client() as c:
        rows = await c.backlinks_v4.links(M, "ROOT_DOMAIN", page_size=1000)
    assert (len(rows), rows.units_exhausted) == (1300, True)


@pytest.mark.sandbox(v4_total=False)
@pytest.mark.parametrize(("balance", "expected"), [(None, (2500, False)), (1300, (1300, True))])
async def test_v4_short_page_without_a_total_is_checked_against_the_balance(
    sandbox: SemrushSandbox, balance: int | None, expected: tuple[int, bool]
) -> None:
    if balance is not None:
        sandbox.set_balance(balance * 45 + 10)
    async with sandbox.client() as c:
        rows = await c.backlinks_v4.links(M, "ROOT_DOMAIN", page_size=1000)
    assert (len(rows), rows.units_exhausted) == expected


async def test_v4_summary_cut_is_flagged(sandbox: SemrushSandbox) -> None:
    sandbox.set_balance(5 * 40 + 1)
    async with sandbox.client() as c:
        rows = await c.backlinks_v4.summary(M, "ROOT_DOMAIN", limit=12)
    assert (len(rows), rows.units_exhausted) == (5, True)


async def test_v4_cut_is_flagged_through_the_v3_switch(sandbox: SemrushSandbox) -> None:
    sandbox.set_balance(300 * 40 + 10)
    async with sandbox.client(backlinks_api="v4") as c:
        rows = await c.backlinks.refdomains(M)
    assert (len(rows), rows.units_exhausted) == (300, True)


# --- M2: comparison reserves its worst case and books what it received --------------


async def test_comparison_reserves_every_month_of_every_target(sandbox: SemrushSandbox) -> None:
    targets = [f"t{i}.example" for i in range(10)]
    async with sandbox.client(unit_budget=5000) as c:
        with pytest.raises(BudgetExceeded) as ei:
            await c.backlinks_v4.comparison(targets, "ROOT_DOMAIN")
    assert ei.value.needed == 10 * history_months() * 40
    assert sandbox.units_spent() == 0
    assert sandbox.counters("backlinks_v4.comparison").accepted == 0


async def test_comparison_books_every_row_received(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a v3 key the balance cannot be read: the call is booked at the
    # estimated price of the rows received, all of them.
    monkeypatch.delenv("SEMRUSH_API_KEY", raising=False)
    targets = [f"t{i}.example" for i in range(10)]
    budget = 10 * history_months() * 40
    async with sandbox.client(api_key="", unit_budget=budget) as c:
        rows = await c.backlinks_v4.comparison(targets, "ROOT_DOMAIN")
    assert len(rows) == v4_size("comparison", sandbox.state.seed, targets) == 360
    assert c.units.spent == c.units.estimated == sandbox.units_spent() == 360 * 40


# --- L4: historical under a budget ----------------------------------------------------


async def test_historical_cut_by_the_budget_raises(sandbox: SemrushSandbox) -> None:
    got: list[object] = []

    async def read(c: SemrushClient) -> None:
        async for row in c.backlinks.historical("small.example"):
            got.append(row)

    async with sandbox.client(unit_budget=500) as c:
        with pytest.raises(BudgetExceeded, match="more rows may exist"):
            await read(c)
    assert len(got) == 500 // 40  # the rows the budget paid for reached the caller
    assert c.units.spent == sandbox.units_spent() == 12 * 40


async def test_historical_within_the_budget_is_whole(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(unit_budget=2000) as c:
        rows = await c.backlinks.historical("small.example")
    assert len(rows) == 36
    assert not rows.units_exhausted
    assert c.units.spent == sandbox.units_spent() == 36 * 40
