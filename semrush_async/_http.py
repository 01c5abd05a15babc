"""The one request path every resource goes through.

Per attempt, in this order: check credentials (no request without them), reserve
units (BudgetExceeded before any rate budget is spent), take a governor permit,
add auth, send, decode errors from the body whatever the status, settle units,
log, and decide whether to retry. Retries go back through the governor; a 429 pauses
the endpoint for every waiter; a 401 on v4 refreshes the token once.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Final

import attrs
from multidict import CIMultiDict

from . import errors
from ._csv import CsvFeed
from ._price import Price
from ._redact import Redactor
from ._retry import RetryPolicy
from ._sansio import NOTHING_FOUND, Request, Response, decode_error
from ._transport import AiohttpTransport
from .governance import Governance, GovernorProtocol
from .tokens import TokenProvider
from .units import PRICES, Reservation, UnitMeter

__all__ = ["Auth", "Call", "Dialect", "RequestPath"]

logger: Final = logging.getLogger("semrush_async")

# An error body never needs more than this; stop reading a huge non-CSV body.
_MAX_ERROR_READ: Final = 64 * 1024


class Dialect(enum.Enum):
    """Which wire format the response uses (decides error decoding)."""

    ANALYTICS = "analytics"
    V4 = "v4"
    OAUTH = "oauth"
    PLAIN = "plain"


class Auth(enum.Enum):
    KEY = "key"
    BEARER = "bearer"
    NONE = "none"


@attrs.frozen(slots=True)
class Call:
    """One logical API call: the request plus what the path needs to govern it."""

    endpoint: str
    request: Request
    dialect: Dialect
    auth: Auth = Auth.NONE
    #: Report type for unit metering (None: the call is free).
    report: str | None = None
    #: Lines requested, for per-line prices (the worst case to reserve).
    lines: int = 0
    #: The price when it is not the report's live one (a historical display_date).
    price: Price | None = None
    #: False for requests that must not be repeated after they may have arrived
    #: (an OAuth code exchange): no retry on transport errors or 5xx.
    idempotent: bool = True


class _Attempts:
    __slots__ = ("count", "policy", "refreshed", "token")

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.count = 0
        self.refreshed = False
        self.token: str | None = None


class RequestPath:
    """Sends :class:`Call` values; see the module docstring for the order of steps."""

    def __init__(
        self,
        transport: AiohttpTransport,
        governance: Governance,
        meter: UnitMeter,
        policy: RetryPolicy,
        redactor: Redactor,
        *,
        api_key: str | None,
        tokens: TokenProvider | None,
        rng: random.Random | None = None,
    ) -> None:
        self.transport = transport
        self.governance = governance
        self.meter = meter
        self.policy = policy
        self.redactor = redactor
        self.api_key = api_key
        self.tokens = tokens
        self._rng = rng or random.Random()
        redactor.add(api_key)

    # --- whole-body calls ---------------------------------------------------------------

    async def send(self, call: Call) -> Response:
        """Send ``call`` and return its response; raise its decoded error."""
        self._check_credentials(call)
        state = _Attempts(self.policy)
        while True:
            reservation = await self._reserve(call, call.lines)
            gov = self.governance.governor(call.endpoint)
            status: int | None = None
            t0 = time.perf_counter()
            waited = 0.0
            request = call.request
            try:
                request = await self._authorize(call, state)
                async with await gov.acquire(self.transport.reports_sent) as permit:
                    waited = permit.waited
                    t0 = time.perf_counter()
                    async with self.transport.open(request, permit.sent) as opened:
                        status = opened.status
                        body = await opened.read()
                        headers = opened.headers
                response = Response(status, CIMultiDict(headers), body)
                err = self._decode_error(call, response)
                if err is not None:
                    raise err
                reservation.settle(self._price(call, call.lines))
                self._log(request, status, t0, waited)
                return response
            except Exception as exc:
                reservation.cancel()
                self._log(request, status, t0, waited, exc)
                delay = await self._retry_delay(call, exc, state, gov)
            await asyncio.sleep(delay)

    # --- streamed CSV (Analytics) ---------------------------------------------------------

    async def stream_rows(
        self, call: Call, resume: Callable[[int], Call] | None = None
    ) -> AsyncGenerator[list[list[str]], None]:
        """Yield batches of CSV rows; the first row of the first batch is the header.

        A body cut mid-stream is retried with ``resume(rows_already_yielded)`` so no
        row is lost or yielded twice; ``ERROR 50 :: NOTHING FOUND`` yields nothing.
        """
        self._check_credentials(call)
        state = _Attempts(self.policy)
        seen = 0
        skip = 0
        header_sent = False
        current = call
        while True:
            reservation = await self._reserve(current, current.lines)
            gov = self.governance.governor(current.endpoint)
            got = 0
            status: int | None = None
            t0 = time.perf_counter()
            waited = 0.0
            request = current.request
            try:
                request = await self._authorize(current, state)
                async with await gov.acquire(self.transport.reports_sent) as permit:
                    waited = permit.waited
                    t0 = time.perf_counter()
                    async with self.transport.open(request, permit.sent) as opened:
                        status = opened.status
                        chunks = opened.chunks()
                        head = await _peek(chunks, 8)
                        if status != 200 or head.lstrip().startswith(b"ERROR"):
                            body = head + await _drain(chunks, _MAX_ERROR_READ)
                            err = self._decode_error(
                                current, Response(status, CIMultiDict(opened.headers), body)
                            )
                            if err is None:
                                err = errors.APIError("unexpected response", status=status)
                            if err.code == NOTHING_FOUND:
                                reservation.cancel()
                                self._log(request, status, t0, waited, rows=0)
                                return
                            raise err
                        # Every response starts with a header; only the first
                        # response's header reaches the caller.
                        drop_header = header_sent
                        async for rows in _parsed(head, chunks):
                            if rows and drop_header:
                                drop_header = False
                                del rows[0]
                            rows, skip = _skip(rows, skip)
                            if rows:
                                got += len(rows) - (not header_sent)
                                header_sent = True
                                yield rows
                self._log(request, status, t0, waited, rows=got)
                reservation.settle(self._price(current, got))
                return
            except Exception as exc:
                # Rows already delivered were paid for; the rest is released.
                reservation.settle(self._price(current, got) if got else 0)
                self._log(request, status, t0, waited, exc, rows=got)
                seen += got
                if got and resume is not None:
                    current = resume(seen)
                elif resume is None:
                    # Without a way to ask for the remaining rows, repeat the request
                    # and drop the rows the caller already has.
                    skip = seen
                delay = await self._retry_delay(current, exc, state, gov)
            except BaseException:
                reservation.settle(self._price(current, got) if got else 0)
                raise
            await asyncio.sleep(delay)

    # --- steps ----------------------------------------------------------------------------

    def _check_credentials(self, call: Call) -> None:
        if call.auth is Auth.KEY and not self.api_key:
            raise errors.AuthenticationError(
                "no Semrush API key: pass api_key= or set SEMRUSH_API_KEY; nothing was sent"
            )
        if call.auth is Auth.BEARER and self.tokens is None:
            raise errors.LoginRequired(
                "API v4 needs an OAuth access token: pass token= to SemrushClient or "
                "log in with client.auth.device_login(); nothing was sent"
            )

    async def _reserve(self, call: Call, lines: int) -> Reservation:
        if call.report is None:
            return await self.meter.reserve("free", 0)
        return await self.meter.reserve(call.report, self._price(call, lines))

    @staticmethod
    def _price(call: Call, lines: int) -> int:
        if call.report is None:
            return 0
        return (call.price or PRICES[call.report]).cost(lines)

    async def _authorize(self, call: Call, state: _Attempts) -> Request:
        request = call.request
        if call.auth is Auth.KEY:
            assert self.api_key
            return request.with_params(key=self.api_key)
        if call.auth is Auth.BEARER:
            assert self.tokens is not None
            token = state.token = await self.tokens.access_token()
            self.redactor.add(token)
            return request.with_header("Authorization", f"Bearer {token}")
        return request

    def _decode_error(self, call: Call, response: Response) -> errors.APIError | None:
        err = decode_error(response, v4=call.dialect in (Dialect.V4, Dialect.OAUTH))
        if err is not None:
            err.message = self.redactor(err.message)
        return err

    async def _retry_delay(
        self, call: Call, exc: Exception, state: _Attempts, gov: GovernorProtocol
    ) -> float:
        """Return how long to sleep before the next attempt, or re-raise ``exc``."""
        if isinstance(exc, errors.TransportError):
            exc.message = self.redactor(exc.message)
        if (
            isinstance(exc, errors.AuthenticationError)
            and exc.status == 401
            and call.auth is Auth.BEARER
            and not state.refreshed
            and self.tokens is not None
        ):
            state.refreshed = True
            self.redactor.add(await self.tokens.refresh(state.token or ""))
            return 0.0
        retryable = isinstance(exc, errors.RateLimited) or (
            call.idempotent and isinstance(exc, errors.ServerError | errors.TransportError)
        )
        if not retryable:
            raise exc
        if isinstance(exc, errors.RateLimited):
            gov.note_rate_limited()
            if exc.retry_after is not None and exc.retry_after > self.policy.max_retry_after:
                raise errors.RetryAfterTooLong(
                    f"{call.endpoint}: the server asked to wait {exc.retry_after:.0f}s, "
                    f"more than max_retry_after={self.policy.max_retry_after:.0f}s",
                    status=exc.status,
                    code=exc.code,
                    retry_after=exc.retry_after,
                ) from None
        if state.count >= self.policy.max_retries:
            raise exc
        delay = self.policy.backoff(state.count, self._rng)
        state.count += 1
        hinted = exc.retry_after if isinstance(exc, errors.APIError) else None
        if hinted is not None:
            delay = max(delay, hinted)
        if isinstance(exc, errors.RateLimited):
            # Pause the endpoint for every waiter, not only this caller.
            await gov.pause(delay)
            return 0.0
        return delay

    def _log(
        self,
        request: Request,
        status: int | None,
        t0: float,
        waited: float,
        exc: BaseException | None = None,
        rows: int | None = None,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        ms = (time.perf_counter() - t0) * 1000
        outcome = str(status) if status is not None else "no response"
        if exc is not None:
            outcome += f" ({type(exc).__name__})"
        extra = f", {rows} rows" if rows is not None else ""
        logger.debug(
            "%s %s -> %s in %.1f ms (governor wait %.1f ms%s)",
            request.method,
            self.redactor(request.redacted_url),
            outcome,
            ms,
            waited * 1000,
            extra,
        )


def _skip(rows: list[list[str]], skip: int) -> tuple[list[list[str]], int]:
    if not skip or not rows:
        return rows, skip
    n = min(skip, len(rows))
    return rows[n:], skip - n


async def _peek(chunks: AsyncIterator[bytes], n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        try:
            buf += await chunks.__anext__()
        except StopAsyncIteration:
            break
    return buf


async def _drain(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    out = bytearray()
    async for chunk in chunks:
        out += chunk
        if len(out) >= limit:
            break
    return bytes(out)


async def _parsed(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[list[list[str]]]:
    """CSV row batches from the peeked ``first`` bytes, the rest, and the last
    unterminated line."""
    feed = CsvFeed()
    yield feed.feed(first)
    async for chunk in rest:
        yield feed.feed(chunk)
    yield feed.close()
