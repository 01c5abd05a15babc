"""Background Redis round trips that must land before the connection closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Final

__all__ = ["BackgroundTasks"]

logger: Final = logging.getLogger("semrush_async")


class BackgroundTasks:
    """Background round trips that must finish before the connection closes."""

    __slots__ = ("_tasks",)

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.add(task)
        return task

    def add(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        # Retrieved here: a failed background round trip has already been handled
        # (kept for the heartbeat to retry) and must not be reported as unhandled.
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.debug("background Redis round trip failed: %r", exc)

    async def wait(self) -> None:
        # Tasks may spawn follow-ups (a cancelled reservation's release): loop.
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
