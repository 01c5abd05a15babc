"""Endpoint names in the sandbox's options, ``inject`` and ``counters`` (and in the
client's ``limits=``): the old ``"analytics"`` maps to ``"account"`` with a
DeprecationWarning, anything unknown is an error naming the known names. A name that
is silently ignored makes a "no 429" assertion pass vacuously (issue 21 A6)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from semrush_async import Limit, SemrushClient
from semrush_async.testing import SemrushSandbox

OLD = pytest.warns(DeprecationWarning, match="'analytics' is now called 'account'")


async def get_overview(sandbox: SemrushSandbox, n: int = 1) -> list[int]:
    """``n`` concurrent backlinks_overview requests, straight over HTTP (no client
    governance in the way): their statuses."""
    url = f"{sandbox.url}/analytics/v1/"
    params = {"type": "backlinks_overview", "target": "small.example", "key": sandbox.api_key}
    params |= {"target_type": "root_domain", "export_columns": "total"}
    async with aiohttp.ClientSession() as s:

        async def one() -> int:
            async with s.get(url, params=params) as r:
                await r.read()
                return r.status

        return list(await asyncio.gather(*(one() for _ in range(n))))


async def test_old_name_in_limits_is_the_account_limit() -> None:
    with OLD:
        sandbox = SemrushSandbox(limits={"analytics": Limit(2, 60.0)})
    async with sandbox:
        statuses = await get_overview(sandbox, 4)
        assert sorted(statuses) == [200, 200, 429, 429]
        assert sandbox.counters("account").rejected == 2
        assert sandbox.limits["account"] == Limit(2, 60.0)


async def test_old_name_in_latency_delays_account_requests() -> None:
    with OLD:
        sandbox = SemrushSandbox(latency={"analytics": 0.5})
    async with sandbox:
        assert sandbox.state.latency_for("account") == 0.5
        t0 = time.perf_counter()
        assert await get_overview(sandbox) == [200]
        # A lower bound only: the sandbox sleeps at least this long.
        assert time.perf_counter() - t0 >= 0.5


async def test_old_name_in_inject_and_counters(semrush_sandbox: SemrushSandbox) -> None:
    with OLD:
        semrush_sandbox.inject("analytics", "502")
    assert await get_overview(semrush_sandbox) == [502]
    assert await get_overview(semrush_sandbox) == [200]
    with OLD:
        seen = semrush_sandbox.counters("analytics")
    assert seen is semrush_sandbox.counters("account")
    assert (seen.accepted, seen.faults) == (2, 1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SemrushSandbox(limits={"acount": Limit(1, 1.0)}),
        lambda: SemrushSandbox(latency={"backlinks": 0.1}),
    ],
    ids=["limits", "latency"],
)
def test_unknown_name_in_options_is_refused(make: object) -> None:
    with pytest.raises(ValueError, match=r"unknown endpoint .*account.*local\.categories"):
        make()  # type: ignore[operator]


async def test_unknown_name_in_inject_and_counters_is_refused(
    semrush_sandbox: SemrushSandbox,
) -> None:
    for call in (
        lambda: semrush_sandbox.inject("accounts", "502"),
        lambda: semrush_sandbox.counters("backlinks_overview"),
    ):
        with pytest.raises(
            ValueError, match=r"unknown endpoint '[a-z_]+'; .*account, .*map_rank\.heatmap"
        ):
            call()
    with pytest.raises(ValueError, match="unknown fault kind '500'; allowed: 502"):
        semrush_sandbox.inject("account", "500")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown fault kind"):
        SemrushSandbox(fault_rate=0.1, fault_kinds=("boom",))  # type: ignore[arg-type]


def test_old_and_new_name_together_is_refused() -> None:
    with OLD, pytest.raises(ValueError, match="given twice"):
        SemrushSandbox(limits={"account": Limit(5, 1.0), "analytics": Limit(2, 1.0)})


async def test_every_endpoint_the_sandbox_serves_is_named(semrush_sandbox: SemrushSandbox) -> None:
    names = semrush_sandbox.endpoints
    assert {
        "account",
        "units",
        "oauth",
        "listings.update_locations",
        "local.delete_location",
    } <= names
    assert {"map_rank.heatmap", "projects.rename", "projects_v0.list"} <= names
    assert {"backlinks_v4.ref_domains", "keywords_v4.metrics"} <= names
    assert "analytics" not in names
    # Each is accepted everywhere (and counts from zero).
    for name in names:
        assert semrush_sandbox.counters(name).accepted == 0


async def test_balance_endpoint_is_counted_and_injectable(semrush_sandbox: SemrushSandbox) -> None:
    semrush_sandbox.inject("units", "502")
    async with semrush_sandbox.client() as client:
        assert await client.units.balance() == semrush_sandbox.balance()
    assert (
        semrush_sandbox.counters("units").accepted,
        semrush_sandbox.counters("units").faults,
    ) == (2, 1)


async def test_sandbox_only_limit_reaches_the_server_not_the_client() -> None:
    """A limit on a method the client governs through "account" shapes the server
    only; sandbox.client() still builds."""
    async with SemrushSandbox(limits={"map_rank.limits": Limit(1, 60.0)}) as sandbox:
        async with sandbox.client(max_retries=0) as client:
            await client.map_rank.limits()
        assert sandbox.counters("map_rank.limits").accepted == 1


def test_client_limits_refuse_unknown_names_and_map_the_old_one() -> None:
    with pytest.raises(ValueError, match=r"unknown endpoint name\(s\) \['acount'\].*'account'"):
        SemrushClient(api_key="k" * 10, limits={"acount": Limit(1, 1.0)})
    with pytest.warns(DeprecationWarning, match="'analytics' governor is now called 'account'"):
        client = SemrushClient(api_key="k" * 10, limits={"analytics": Limit(3, 1.0)})
    assert client.governance_limit("account") == Limit(3, 1.0)
