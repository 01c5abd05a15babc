"""``max_wait``: the deadline by which a call's governor permit must be granted.

The request path sets :data:`QUEUE_DEADLINE` around a governor's ``acquire``; a
governor (local or Redis) that would have the call wait past it raises
:class:`~semrush_async.errors.QueueTimeout` before it records a start or reserves a
slot, so a call that times out in the queue leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Final

import attrs

from semrush_async.errors import QueueTimeout

__all__ = ["QUEUE_DEADLINE", "Deadline"]

#: Slack for the instants the code itself takes between setting the deadline and
#: checking it: ``max_wait=0`` admits a start that is free now.
_SLACK: Final = 1e-3


@attrs.frozen(slots=True)
class Deadline:
    """The event loop time by which a call's permit must be granted."""

    at: float
    max_wait: float

    def check(self, name: str, loop: asyncio.AbstractEventLoop, t0: float, delay: float) -> None:
        """Raise QueueTimeout now if waiting ``delay`` more seconds (from now) passes
        the deadline; ``t0`` is when the call began to wait."""
        now = loop.time()
        if now + delay > self.at + _SLACK:
            raise QueueTimeout(name, now - t0 + delay, self.max_wait)


#: The current call's :class:`Deadline` (None: wait as long as it takes).
QUEUE_DEADLINE: Final[ContextVar[Deadline | None]] = ContextVar(
    "semrush_async_queue_deadline", default=None
)
