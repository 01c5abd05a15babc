"""Shared fixtures: a sandbox with shrunken windows so governance tests run fast."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from semrush_async import Limit, RetryPolicy, Strategy
from semrush_async.testing import SemrushSandbox

#: Published limits with windows shrunk 4x (same N, same concurrency).
FAST_LIMITS = {
    "account": Limit(10, 0.25, concurrency=10),
    "listings.get_locations": Limit(20, 0.25),
    "listings.get_location": Limit(20, 0.25),
    "listings.update_location": Limit(5, 0.25),
    "listings.update_locations": Limit(5, 1.5, concurrency=1, strategy=Strategy.SLIDING_WINDOW),
    "local.locations": Limit(10, 0.25),
    "local.get_location": Limit(10, 0.25),
    "local.create_location": Limit(10, 0.25, concurrency=1),
    "local.update_location": Limit(10, 0.25),
    "local.categories": Limit(10, 1.5, strategy=Strategy.SLIDING_WINDOW),
}
#: Quick retries for tests (same shape as the default policy).
FAST_RETRY = RetryPolicy(max_retries=5, base=0.01, cap=0.1, max_retry_after=5.0)


@pytest_asyncio.fixture
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[SemrushSandbox]:
    marker = request.node.get_closest_marker("sandbox")
    kwargs = dict(marker.kwargs) if marker else {}
    kwargs.setdefault("limits", FAST_LIMITS)
    # Windows are 4x shorter but arrival jitter (this loop also hosts the server) is
    # not: keep the slack in milliseconds close to a real 1 s window's.
    kwargs.setdefault("client_options", {"safety_margin": 0.05})
    async with SemrushSandbox(**kwargs) as sb:
        yield sb


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**kwargs): SemrushSandbox options")
