"""A scripted :class:`~semrush_async._core.transport.Transport` for the request path's
unit tests: each request gets the next scripted :class:`Answer`, with no server.

It lives in ``tests/`` because only the client's own tests use it: users test against
the sandbox over real HTTP (the project's rule), and the package carries no test
double it does not run itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import attrs

from semrush_async._core.sansio import Request
from semrush_async.errors import TransportError

__all__ = ["Answer", "FakeTransport"]


@attrs.frozen
class Answer:
    """One scripted answer."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: The connection fails before any answer (refused, reset, timed out).
    drop: bool = False
    #: Bytes of the body that arrive before the connection drops (None: all of it).
    cut: int | None = None
    #: The body arrives in chunks of this size...
    chunk: int = 64 * 1024
    #: ...each this many seconds after the one before.
    pause: float = 0.0


Script = Answer | Callable[[Request], Answer]


class FakeTransport:
    """Answers requests from a script, in order; records what was sent and when."""

    reports_sent = False

    def __init__(self, *script: Script) -> None:
        self.script = list(script)
        #: Every request as sent (auth included), in order.
        self.requests: list[Request] = []
        #: The event loop's time at each request.
        self.times: list[float] = []
        #: The ``timeout`` each request was opened with (None: the transport's own).
        self.timeouts: list[float | None] = []
        self.opened = 0
        self.closed = 0

    def add(self, *script: Script) -> None:
        self.script.extend(script)

    async def open(
        self,
        request: Request,
        on_sent: Callable[[], None] | None = None,
        *,
        timeout: float | None = None,
    ) -> _Opened:
        self.requests.append(request)
        self.timeouts.append(timeout)
        self.times.append(asyncio.get_running_loop().time())
        if on_sent is not None:
            on_sent()
        assert self.script, f"unexpected request {request!r}: the script is used up"
        step = self.script.pop(0)
        answer = step if isinstance(step, Answer) else step(request)
        await asyncio.sleep(0)
        if answer.drop:
            raise TransportError("ClientConnectorError: connection refused")
        self.opened += 1
        return _Opened(self, answer)

    @property
    def leaks(self) -> int:
        """Answers opened and never closed."""
        return self.opened - self.closed


class _Opened:
    def __init__(self, transport: FakeTransport, answer: Answer) -> None:
        self._transport = transport
        self._answer = answer
        self.status = answer.status
        self.headers = dict(answer.headers)

    async def read(self) -> bytes:
        a = self._answer
        await asyncio.sleep(0)
        if a.cut is not None:
            raise TransportError("ClientPayloadError: response payload is not completed")
        return a.body

    def chunks(self) -> _Chunks:
        return _Chunks(self._answer)

    async def aclose(self) -> None:
        self._transport.closed += 1


class _Chunks:
    def __init__(self, answer: Answer) -> None:
        data = answer.body if answer.cut is None else answer.body[: answer.cut]
        self._parts = [data[i : i + answer.chunk] for i in range(0, len(data), answer.chunk)]
        self._cut = answer.cut is not None
        self._pause = answer.pause

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        await asyncio.sleep(self._pause)
        if self._parts:
            return self._parts.pop(0)
        if self._cut:
            raise TransportError("ClientPayloadError: response payload is not completed")
        raise StopAsyncIteration
