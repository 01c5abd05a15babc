"""The lean path for one-request reports: an awaited overview is read whole
(``Session.fetch_rows``), not through the page stream, and behaves exactly as the
streamed pager does: same rows, same requests, same units, same retries and errors
(issue 27 item 3). Over real HTTP against the sandbox, faults injected."""

from __future__ import annotations

from typing import Any

import pytest

from semrush_async.errors import ServerError
from semrush_async.testing import SemrushSandbox
from tests.conftest import FAST_RETRY

REPORT = ("backlinks_overview", ["small.example"], ["root_domain"])


async def _awaited(sandbox: SemrushSandbox) -> tuple[Any, int, int]:
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        pager = c.backlinks.pager(c.backlinks.query(*REPORT))
        assert pager._whole is not None  # the lean path is the one taken
        rows = list(await pager)
        return rows, c.units.spent, pager.pages


async def _streamed(sandbox: SemrushSandbox) -> tuple[Any, int, int]:
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        pager = c.backlinks.pager(c.backlinks.query(*REPORT))
        rows = [row async for row in pager]
        return rows, c.units.spent, pager.pages


@pytest.mark.parametrize("fault", [None, "502", "550", "drop", "garbage", "429"])
async def test_an_awaited_overview_behaves_as_the_streamed_one(
    sandbox: SemrushSandbox, fault: str | None
) -> None:
    results = []
    for run in (_awaited, _streamed):
        sandbox.reset()
        if fault is not None:
            sandbox.inject("account", fault, seconds=0.05)  # type: ignore[arg-type]
        got = await run(sandbox)
        counters = sandbox.counters("account")
        results.append((got, counters.accepted, counters.rejected, sandbox.units_spent()))
    (awaited, *served_a), (streamed, *served_s) = results
    assert awaited[0]
    assert awaited == streamed
    assert served_a == served_s
    # The client's count is what the server charged (a body cut after it started was
    # charged, and its retry is charged again: the sandbox charges as Semrush does).
    assert awaited[1] == served_a[-1]


async def test_an_awaited_overview_raises_as_the_streamed_one(sandbox: SemrushSandbox) -> None:
    errors = []
    for run in (_awaited, _streamed):
        sandbox.reset()
        sandbox.inject("account", "550", times=50)
        with pytest.raises(ServerError) as ei:
            await run(sandbox)
        errors.append(
            (type(ei.value), ei.value.status, ei.value.code, sandbox.api_key in str(ei.value))
        )
    assert errors[0] == errors[1]
    assert errors[0][3] is False
