"""What the request path needs from HTTP (:class:`Transport`), and the aiohttp adapter.

A transport moves bytes and knows nothing about Semrush: it opens a request, gives
the status and headers, then the body whole or in chunks, and says when the request
headers left (the governor spaces starts from there). Any failure to connect, send
or read is a :class:`~semrush_async.errors.TransportError` whose message holds no
secret; nothing else escapes it. The request path takes any :class:`Transport`, so
its retries, error mapping and settlement can be tested with a scripted one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextvars import ContextVar
from typing import Any, Protocol

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from semrush_async._core.sansio import Request
from semrush_async.errors import TransportError

__all__ = ["AiohttpTransport", "Opened", "SentReportingRequest", "Transport"]

CHUNK = 64 * 1024


class Opened(Protocol):
    """An answer whose head has arrived: status and headers now, the body on demand
    (``read()`` or ``chunks()``, once). ``aclose()`` releases it, read or not."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    async def read(self) -> bytes:
        """The whole body."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive (none empty)."""
        ...

    async def aclose(self) -> None:
        """Release the connection (a body not read to its end is not reused); never
        raises but CancelledError."""
        ...


class Transport(Protocol):
    """Opens requests. Every failure is a redacted TransportError."""

    @property
    def reports_sent(self) -> bool:
        """True: ``on_sent`` is called when the request headers leave (after any
        connection setup). False: it is called as the request starts."""
        ...

    async def open(
        self,
        request: Request,
        on_sent: Callable[[], None] | None = None,
        *,
        timeout: float | None = None,
    ) -> Opened:
        """Send ``request``; return once the answer's head has arrived. ``timeout``
        (seconds to connect and between reads) replaces the transport's own."""
        ...


class AiohttpTransport:
    """Sends a :class:`Request` on an aiohttp session and streams the response."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        timeout: float,
        redact: Callable[[str], str],
        *,
        reports_sent: bool = False,
    ) -> None:
        self.session = session
        #: The session's ``request_class`` is :class:`SentReportingRequest`; otherwise
        #: "sent" is reported as the request starts (the governor then measures from
        #: admission).
        self.reports_sent = reports_sent
        self._timeout = _timeout(timeout)
        self._redact = redact

    async def open(
        self,
        request: Request,
        on_sent: Callable[[], None] | None = None,
        *,
        timeout: float | None = None,
    ) -> _Opened:
        if on_sent is not None and not self.reports_sent:
            on_sent()
            on_sent = None
        token = _ON_SENT.set(on_sent)
        try:
            resp = await self.session.request(
                request.method,
                # The sans-I/O core owns the encoding; yarl must not re-encode it.
                URL(request.full_url, encoded=True),
                headers=dict(request.headers),
                data=request.body,
                timeout=self._timeout if timeout is None else _timeout(timeout),
                allow_redirects=False,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = self._fail(exc)
        else:
            return _Opened(resp, self._fail)
        finally:
            _ON_SENT.reset(token)
        raise failure

    def _fail(self, exc: BaseException) -> TransportError:
        # aiohttp's messages embed the full URL, query string (API key) included.
        # The caller raises the result outside its ``except`` block, so aiohttp's
        # exception is neither its __cause__ nor its __context__ (``from None`` only
        # hides the context from tracebacks; it stays reachable).
        text = self._redact(f"{type(exc).__name__}: {exc}")
        return TransportError(text)


def _timeout(seconds: float) -> aiohttp.ClientTimeout:
    # No total timeout: a 250,000-row body may take minutes; stalls are caught by the
    # per-read (sock_read) timeout instead.
    return aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)


#: The current request's "sent" report (set around ``session.request`` by
#: :meth:`AiohttpTransport.open`; aiohttp runs the request in the caller's task).
_ON_SENT: ContextVar[Callable[[], None] | None] = ContextVar("_semrush_on_sent", default=None)


class SentReportingRequest(aiohttp.ClientRequest):
    """Reports when the request has left (connection set up, headers and body handed
    to the socket) to the governor, which measures spacing from there (see
    ``Permit.sent``). A ``request_class`` rather than a ``TraceConfig``: any trace
    config makes aiohttp build trace objects and fire every signal of every request
    (16 to 28 us a request in issue 27's profile); this costs one context lookup."""

    async def send(self, conn: Any) -> aiohttp.ClientResponse:
        response = await super().send(conn)
        on_sent = _ON_SENT.get()
        if on_sent is not None:
            on_sent()
        return response


class _Opened:
    __slots__ = ("_fail", "_resp", "headers", "status")

    def __init__(
        self, resp: aiohttp.ClientResponse, fail: Callable[[BaseException], TransportError]
    ) -> None:
        self._resp = resp
        self._fail = fail
        self.status = resp.status
        self.headers: CIMultiDictProxy[str] = resp.headers

    async def read(self) -> bytes:
        try:
            return await self._resp.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = self._fail(exc)
        raise failure

    def chunks(self) -> _Chunks:
        return _Chunks(self._resp.content, self._fail)

    async def aclose(self) -> None:
        # As ``async with session.request(...)`` ends: an unfinished body closes the
        # connection instead of returning it to the pool.
        self._resp.release()
        # The answer is in or abandoned by now: a failure to release changes neither.
        with contextlib.suppress(TimeoutError, aiohttp.ClientError):
            await self._resp.wait_for_close()


class _Chunks:
    """The body in chunks of up to :data:`CHUNK` bytes (an iterator, not a generator:
    one awaited call per chunk, nothing to finalise when the reader stops early)."""

    __slots__ = ("_content", "_fail")

    def __init__(
        self, content: aiohttp.StreamReader, fail: Callable[[BaseException], TransportError]
    ) -> None:
        self._content = content
        self._fail = fail

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await self._content.read(CHUNK)
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = self._fail(exc)
        else:
            if chunk:
                return chunk
            raise StopAsyncIteration
        raise failure
