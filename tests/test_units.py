"""The unit meter: reservations, settlement, budgets, concurrency."""

from __future__ import annotations

import asyncio

import pytest

import semrush_async
from semrush_async import BudgetExceeded
from semrush_async._core.units import UnitMeter
from semrush_async.apis.backlinks.reports import REPORTS as BACKLINKS
from semrush_async.apis.backlinks.v4 import BACKLINKS_V4
from semrush_async.apis.reports import REPORTS as ROOT

REPORTS = {**BACKLINKS, **ROOT}


def test_documented_prices_travel_with_the_rows() -> None:
    assert REPORTS["backlinks"].price.cost(100) == 4000
    assert REPORTS["backlinks_overview"].price.cost(100) == 40
    assert REPORTS["backlinks_categories"].price.cost(1) == 50
    assert REPORTS["backlinks_ascore_profile"].price.cost(1) == 100
    assert len([k for k in REPORTS if k.startswith("backlinks")]) == 15
    assert len(REPORTS) == 61  # 15 + 46 root
    assert BACKLINKS_V4["ref_ips"].endpoint.price == BACKLINKS_V4["ref_ips"].price
    assert BACKLINKS_V4["ref_ips"].price.cost(10) == 200


def test_the_old_price_table_still_answers_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="PRICES is deprecated"):
        prices = semrush_async.PRICES
    assert isinstance(prices, dict)
    assert prices["backlinks"] == REPORTS["backlinks"].price
    assert prices["v4.backlinks.links"].cost(2) == 90
    assert len(prices) == 61 + 12


async def test_reserve_settle_and_breakdown() -> None:
    m = UnitMeter(1000)
    r = await m.reserve("backlinks", 400)
    assert (m.reserved, m.spent, m.remaining) == (400, 0, 600)
    r.settle(120)
    assert (m.reserved, m.spent, m.remaining) == (0, 120, 880)
    r.settle(400)  # idempotent
    assert m.spent == 120
    assert m.by_report == {"backlinks": 120}
    c = await m.reserve("backlinks", 100)
    c.cancel()
    assert m.spent == 120


async def test_budget_is_never_overshot_by_concurrent_calls() -> None:
    m = UnitMeter(1000)
    results: list[bool] = []

    async def one() -> None:
        try:
            r = await m.reserve("backlinks", 400)
        except BudgetExceeded:
            results.append(False)
            return
        await asyncio.sleep(0.01)
        r.settle(400)
        results.append(True)

    await asyncio.gather(*(one() for _ in range(10)))
    assert results.count(True) == 2
    assert m.spent == 800
    assert m.spent + m.reserved <= 1000


async def test_budget_error_is_clear() -> None:
    m = UnitMeter(100)
    with pytest.raises(BudgetExceeded) as ei:
        await m.reserve("backlinks", 400)
    assert ei.value.needed == 400
    assert ei.value.available == 100
    assert "unit_budget" in str(ei.value)


async def test_cached_balance_subtracts_own_spending() -> None:
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        return 10_000

    m = UnitMeter(balance_fetcher=fetch)
    assert await m.cached_balance(60) == 10_000
    (await m.reserve("backlinks", 400)).settle(400)
    assert await m.cached_balance(60) == 9_600
    assert calls == 1
    assert await m.cached_balance(-1) == 10_000
    assert calls == 2


async def test_settle_books_what_the_answer_cost_even_beyond_the_reservation() -> None:
    m = UnitMeter(1000)
    r = await m.reserve("backlinks", 400)
    r.settle(600)  # the server answered more lines than the request could ask for
    assert (m.spent, m.reserved, m.remaining) == (600, 0, 400)
    assert m.by_report == {"backlinks": 600}
