"""The unit meter: reservations, settlement, budgets, concurrency."""

from __future__ import annotations

import asyncio

import pytest

from semrush_async import BudgetExceeded
from semrush_async._core.units import PRICES, UnitMeter


def test_documented_prices() -> None:
    assert PRICES["backlinks"].cost(100) == 4000
    assert PRICES["backlinks_overview"].cost(100) == 40
    assert PRICES["backlinks_categories"].cost(1) == 50
    assert PRICES["backlinks_ascore_profile"].cost(1) == 100
    assert len([k for k in PRICES if k.startswith("backlinks")]) == 15
    assert len([k for k in PRICES if not k.startswith("v4.")]) == 61  # 15 + 46 root


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
