"""The aiohttp adapter: moves bytes, knows nothing about Semrush."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from semrush_async._core.sansio import Request
from semrush_async.errors import TransportError

__all__ = ["AiohttpTransport"]

CHUNK = 64 * 1024


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
        #: The session carries :func:`sent_trace`; otherwise "sent" is reported as the
        #: request starts (the governor then measures from admission).
        self.reports_sent = reports_sent
        # No total timeout: a 250,000-row body may take minutes; stalls are caught
        # by the per-read (sock_read) timeout instead.
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._redact = redact

    @asynccontextmanager
    async def open(
        self, request: Request, on_sent: Callable[[], None] | None = None
    ) -> AsyncIterator[_Opened]:
        if on_sent is not None and not self.reports_sent:
            on_sent()
            on_sent = None
        failure: TransportError | None = None
        try:
            async with self.session.request(
                request.method,
                # The sans-I/O core owns the encoding; yarl must not re-encode it.
                URL(request.full_url, encoded=True),
                headers=dict(request.headers),
                data=request.body,
                timeout=self._timeout,
                allow_redirects=False,
                trace_request_ctx=_SentHook(on_sent) if on_sent else None,
            ) as resp:
                yield _Opened(resp, self._fail)
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = self._fail(exc)
        if failure is not None:
            raise failure

    def _fail(self, exc: BaseException) -> TransportError:
        # aiohttp's messages embed the full URL, query string (API key) included.
        # The caller raises the result outside its ``except`` block, so aiohttp's
        # exception is neither its __cause__ nor its __context__ (``from None`` only
        # hides the context from tracebacks; it stays reachable).
        text = self._redact(f"{type(exc).__name__}: {exc}")
        return TransportError(text)


class _SentHook:
    __slots__ = ("on_sent",)

    def __init__(self, on_sent: Callable[[], None]) -> None:
        self.on_sent = on_sent


async def _headers_sent(session: object, ctx: Any, params: object) -> None:
    hook = getattr(ctx, "trace_request_ctx", None)
    if isinstance(hook, _SentHook):
        hook.on_sent()


def sent_trace() -> aiohttp.TraceConfig:
    """Reports when request headers leave (after any connection setup) to the
    governor, which measures spacing from there (see ``Permit.sent``)."""
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_headers_sent)
    return trace


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

    async def chunks(self) -> AsyncIterator[bytes]:
        it = self._resp.content.iter_chunked(CHUNK).__aiter__()
        while True:
            try:
                chunk = await it.__anext__()
            except StopAsyncIteration:
                return
            except (TimeoutError, aiohttp.ClientError) as exc:
                failure = self._fail(exc)
            else:
                yield chunk
                continue
            raise failure
