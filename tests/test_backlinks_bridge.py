"""The ``backlinks_api="v4"`` bridge over real HTTP against the sandbox: v3's default
order is sent explicitly (issue 21 C2), and tld/geo, whose cost ``limit`` cannot
bound, are checked against the unit_budget at their worst case (issue 21 A8)."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from semrush_async import BudgetExceeded
from semrush_async import errors as errors_module
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._backlinks_v4 import v4_rows

pytestmark = pytest.mark.sandbox()

MEDIUM = "medium.example"  # 2,500 backlinks: 625 referring domains, 500 anchors, 312 pages
#: v4 prices: /overview 45 per request, /ref-domains 40 per line (§3).
PROBE, LINE = 45, 40
WORST = 625 * LINE  # every referring domain of medium.example


def _warning_class() -> type[Warning]:
    # Looked up when used, so the other tests still run where it does not exist.
    cls: type[Warning] = errors_module.UnboundedCostWarning
    return cls


# --- C2: the v4 switch returns the rows v3 would --------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("anchors", "domains_count"),
        ("pages", "domains_count"),
        ("ref_domains", "backlinks_count"),
        ("ref_ips", "domains_count"),
        ("competitors", "similarity"),
    ],
)
async def test_sandbox_v4_orders_by_its_own_documented_default(
    sandbox: SemrushSandbox, path: str, field: str
) -> None:
    """Without order_by the sandbox answers in v4's documented default order [W6W],
    not v3's: otherwise a client that forgets to send v3's order goes unnoticed."""
    async with sandbox.client() as c:
        method = getattr(c.backlinks_v4, path)
        if path == "competitors":
            rows = await method(MEDIUM, limit=100)
        else:
            rows = await method(MEDIUM, "ROOT_DOMAIN", limit=100)
    values = [getattr(r, field) for r in rows]
    assert len(values) == 100
    assert values == sorted(values, reverse=True)
    # The oracle's own rows for tests come in the same order.
    url_path = path.replace("_", "-")
    assert values == [r[field] for r in v4_rows(url_path, sandbox.state.seed, [MEDIUM])[:100]]


@pytest.mark.parametrize("method", ["anchors", "pages"])
async def test_v4_switch_picks_the_v3_rows(sandbox: SemrushSandbox, method: str) -> None:
    async with sandbox.client() as v3, sandbox.client(backlinks_api="v4") as v4:
        a = await getattr(v3.backlinks, method)(MEDIUM, limit=50)
        b = await getattr(v4.backlinks, method)(MEDIUM, limit=50)
    assert len(a) == len(b) == 50
    assert [r.backlinks_num for r in b] == [r.backlinks_num for r in a]
    assert [r.domains_num for r in b] == [r.domains_num for r in a]
    if method == "anchors":
        assert [r.anchor for r in b] == [r.anchor for r in a]
    else:
        assert [r.source_url for r in b] == [r.source_url for r in a]


async def test_every_bridged_report_keeps_v3_default_order(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as v3, sandbox.client(backlinks_api="v4") as v4:
        for method in ("refdomains", "refips", "competitors"):
            a = await getattr(v3.backlinks, method)(MEDIUM, limit=40)
            b = await getattr(v4.backlinks, method)(MEDIUM, limit=40)
            key = {"refdomains": "domain", "refips": "ip", "competitors": "neighbour"}[method]
            assert [getattr(r, key) for r in b] == [getattr(r, key) for r in a], method
        profile = await v4.backlinks.ascore_profile(MEDIUM)
        history = await v4.backlinks.historical(MEDIUM)
        with pytest.warns(_warning_class()):
            tld = await v4.backlinks.tld(MEDIUM)
    assert [p.ascore for p in profile] == list(range(101))
    dates = [h.date for h in history]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    counts = [t.domains_num or 0 for t in tld]
    assert counts == sorted(counts, reverse=True)


# --- A8: a cost its limit cannot bound --------------------------------------------------


async def test_budget_below_the_worst_case_refuses_before_the_read(
    sandbox: SemrushSandbox,
) -> None:
    async with sandbox.client(backlinks_api="v4", unit_budget=10_000) as c:
        with pytest.raises(BudgetExceeded) as info:
            await c.backlinks.tld(MEDIUM, limit=2)
    assert info.value.needed == WORST
    assert f"{WORST:,}" in str(info.value)
    # Only the size probe (one /overview) was sent and paid for.
    assert sandbox.counters("backlinks_v4.ref_domains").accepted == 0
    assert sandbox.counters("backlinks_v4.overview").accepted == 1
    assert sandbox.units_spent() == c.units.spent == PROBE


async def test_worst_case_is_announced_then_fits_the_budget_exactly(
    sandbox: SemrushSandbox,
) -> None:
    cls = _warning_class()
    async with sandbox.client(backlinks_api="v4", unit_budget=PROBE + WORST) as c:
        with pytest.warns(cls) as caught:
            geo = await c.backlinks.geo(MEDIUM, limit=2)
    assert len(geo) == 2
    [w] = caught.list
    assert w.message.worst_case == WORST  # type: ignore[union-attr]
    assert f"{WORST:,} API units" in str(w.message)
    # The worst case was held, then handed to each page: it never counted twice.
    assert sandbox.units_spent() == c.units.spent == PROBE + WORST
    assert c.units.reserved == 0


async def test_the_warning_as_an_error_stops_before_the_read(sandbox: SemrushSandbox) -> None:
    cls = _warning_class()
    async with sandbox.client(backlinks_api="v4") as c:
        with warnings.catch_warnings():
            warnings.simplefilter("error", cls)
            with pytest.raises(cls):
                await c.backlinks.tld(MEDIUM)
        assert c.units.reserved == 0
    assert sandbox.counters("backlinks_v4.ref_domains").accepted == 0
    assert sandbox.units_spent() == PROBE


async def test_concurrent_reads_cannot_share_one_worst_case(sandbox: SemrushSandbox) -> None:
    """Two grouped reads, a budget for one: the second is refused up front (the first
    holds its worst case), instead of both reading until the budget runs out."""
    budget = 2 * PROBE + WORST + 1_000
    async with sandbox.client(backlinks_api="v4", unit_budget=budget) as c:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", _warning_class())
            results = await asyncio.gather(
                c.backlinks.tld(MEDIUM), c.backlinks.geo(MEDIUM), return_exceptions=True
            )
    refused = [r for r in results if isinstance(r, BudgetExceeded)]
    done = [r for r in results if isinstance(r, list)]
    assert len(refused) == len(done) == 1
    assert refused[0].needed == WORST
    assert sum(r.domains_num or 0 for r in done[0]) == 625
    assert sandbox.units_spent() == c.units.spent == 2 * PROBE + WORST <= budget
