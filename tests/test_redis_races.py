"""Ordering and cancellation on shared (Redis) governance, with local counterparts:
governor chains keep the method's own window, leases and locks survive a caller
cancelled mid round trip, leases are renewed while their holder waits, and
``governor_stats()`` lists every governor from the start (issue 21: M3, M4, A2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from semrush_async.governance import DEFAULT_LIMITS, Governance, LocalGovernance
from semrush_async.redis_governance import RedisGovernance
from semrush_async.testing import SemrushSandbox

from .local_servers import redis_server


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


# --- A2: governor_stats() lists every governor from the start -----------------------------


@pytest.mark.parametrize("shared", [False, True], ids=["local", "redis"])
async def test_governor_stats_lists_every_governor_before_the_first_request(
    shared: bool, request: pytest.FixtureRequest
) -> None:
    async with SemrushSandbox() as sb:
        governance: Governance = (
            RedisGovernance(request.getfixturevalue("redis_url")) if shared else LocalGovernance()
        )
        async with sb.client(governance=governance) as client:
            before = client.governor_stats()
            assert list(before) == list(DEFAULT_LIMITS)
            for name, s in before.items():
                assert s.name == name
                assert s.limit == DEFAULT_LIMITS[name]
                assert (s.started, s.in_flight, s.waiting, s.rate_limited) == (0, 0, 0, 0)
            await client.backlinks.overview("a.example")
            after = client.governor_stats()
        assert list(after) == list(DEFAULT_LIMITS)
        assert after["account"].started == 1
        assert after["local.categories"].started == 0
