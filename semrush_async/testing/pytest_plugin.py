"""pytest plugin: the ``semrush_sandbox`` fixture (a running :class:`SemrushSandbox`).

Installed with the package (entry point ``pytest11``); needs pytest-asyncio.
Parametrise it with ``@pytest.mark.semrush_sandbox(latency=0.01, ...)``: the
marker's keyword arguments go to :class:`SemrushSandbox`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from semrush_async.testing._sandbox import SemrushSandbox

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the fixture needs pytest-asyncio
    _HAVE_ASYNCIO_PLUGIN = False
else:
    _HAVE_ASYNCIO_PLUGIN = True


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "semrush_sandbox(**kwargs): options for the semrush_sandbox fixture"
    )


if _HAVE_ASYNCIO_PLUGIN:

    @pytest_asyncio.fixture
    async def semrush_sandbox(request: pytest.FixtureRequest) -> AsyncIterator[SemrushSandbox]:
        """A running Semrush sandbox on 127.0.0.1; ``.client()`` gives a client for it."""
        marker = request.node.get_closest_marker("semrush_sandbox")
        kwargs = dict(marker.kwargs) if marker else {}
        async with SemrushSandbox(**kwargs) as sandbox:
            yield sandbox
