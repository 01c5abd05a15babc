"""Testing your own code against the built-in sandbox (docs/testing.md).

Real HTTP on 127.0.0.1, the client's whole request path, a server that enforces
the published rules: nothing is mocked. Needs pytest and pytest-asyncio.
"""

from __future__ import annotations

import pytest

from semrush_async import SemrushClient
from semrush_async.testing import SemrushSandbox


async def top_sources(client: SemrushClient, domain: str) -> list[str]:
    """The code under test: your own function that uses the client."""
    rows = await client.backlinks.backlinks(domain, columns=["source_url"], limit=5)
    return [row.source_url or "" for row in rows]


async def test_top_sources(semrush_sandbox: SemrushSandbox) -> None:
    async with semrush_sandbox.client() as client:
        sources = await top_sources(client, "medium.example")
    assert len(sources) == 5
    assert semrush_sandbox.units_spent() > 0  # the sandbox charges units as Semrush does


@pytest.mark.semrush_sandbox(latency=0.01)
async def test_top_sources_survives_a_rate_limit(semrush_sandbox: SemrushSandbox) -> None:
    semrush_sandbox.inject("account", "429", seconds=0.2)  # one 429, Retry-After 0.2 s
    async with semrush_sandbox.client() as client:
        assert len(await top_sources(client, "medium.example")) == 5
    assert semrush_sandbox.faults_injected == [("account", "429")]
