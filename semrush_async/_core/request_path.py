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
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any, Final

import attrs
from multidict import CIMultiDict

from semrush_async import errors
from semrush_async._core.csvfeed import CsvFeed
from semrush_async._core.governance import Governance, GovernorChain, GovernorProtocol
from semrush_async._core.price import Price
from semrush_async._core.redact import Redactor
from semrush_async._core.retry import RetryPolicy
from semrush_async._core.sansio import NOTHING_FOUND, Request, Response, decode_error
from semrush_async._core.tokens import TokenProvider
from semrush_async._core.transport import AiohttpTransport
from semrush_async._core.units import Reservation, UnitMeter

__all__ = ["Auth", "Call", "CodeTable", "Dialect", "RequestPath"]

logger: Final = logging.getLogger("semrush_async")

# An error body never needs more than this; stop reading a huge non-CSV body.
_MAX_ERROR_READ: Final = 64 * 1024


#: A product's own error codes: ``code -> (error class, hint)`` (e.g. Projects' 512).
CodeTable = Mapping[int, tuple[type[errors.APIError], str]]


class Dialect(enum.Enum):
    """Which wire format the response uses (decides error decoding)."""

    ANALYTICS = "analytics"
    V4 = "v4"
    OAUTH = "oauth"
    PLAIN = "plain"


class Auth(enum.Enum):
    """Which credential a call carries."""

    #: The Analytics v3 key, as ``key=`` in the query.
    KEY = "key"
    #: The API v4 key, as ``Authorization: Apikey <key>`` (never in the URL).
    APIKEY = "apikey"
    #: An OAuth 2.0 access token, as ``Authorization: Bearer <token>``.
    BEARER = "bearer"
    NONE = "none"


@attrs.frozen(slots=True)
class Call:
    """One logical API call: the request plus what the path needs to govern it."""

    endpoint: str
    request: Request
    dialect: Dialect
    auth: Auth = Auth.NONE
    #: What the unit meter books the call under (``units.by_report``); default: the
    #: endpoint name.
    report: str | None = None
    #: Lines requested, for per-line prices (the worst case to reserve).
    lines: int = 0
    #: The call's price, carried by the row that made it (None: the call is free).
    price: Price | None = None
    #: False for requests that must not be repeated after they may have arrived
    #: (an OAuth code exchange, a create): no retry on transport errors or 5xx.
    idempotent: bool = True
    #: For per-line prices: how many lines a response delivered (settle to that, not
    #: to the lines requested). None: settle to ``lines``.
    lines_of: Callable[[Response], int] | None = None
    #: A second governor the call also needs (``"account"`` for a v4 method with a
    #: limit of its own); None when ``endpoint`` is the only one.
    within: str | None = None
    #: The product's error codes, applied to every error this call gets.
    codes: CodeTable = attrs.field(factory=dict, hash=False)
    #: A NotFound after an attempt that may have been applied (5xx, dropped
    #: connection) means the resource is gone: report success (a DELETE retried).
    gone_ok_on_retry: bool = False
    #: How the body becomes its JSON document (None: ``json.loads``); see ``Response``.
    parse: Callable[[bytes], Any] | None = attrs.field(default=None, eq=False)


class _Attempts:
    __slots__ = ("count", "maybe_applied", "policy", "refreshed", "token")

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.count = 0
        self.refreshed = False
        self.token: str | None = None
        #: An earlier attempt may have reached the server and been applied.
        self.maybe_applied = False


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
        v4_api_key: str | None = None,
    ) -> None:
        self.transport = transport
        self.governance = governance
        self.meter = meter
        self.policy = policy
        self.redactor = redactor
        self.api_key = api_key
        self.tokens = tokens
        self.v4_api_key = v4_api_key
        self._rng = rng or random.Random()
        self._chains: dict[tuple[str, str], GovernorChain] = {}
        redactor.add(api_key)
        redactor.add(v4_api_key)

    # --- whole-body calls ---------------------------------------------------------------

    async def send(self, call: Call) -> Response:
        """Send ``call`` and return its response; raise its decoded error."""
        self._check_credentials(call)
        price = call.price
        if price is not None and not price.known and self.meter.balance_readable:
            # An unpublished price: settle from what the balance lost, not a guess.
            async with self.meter.measure(call.report or call.endpoint) as settle:
                response = await self._send(call)
                await settle()
            return response
        return await self._send(call)

    async def _send(self, call: Call) -> Response:
        state = _Attempts(self.policy)
        while True:
            reservation = await self._reserve(call, call.lines)
            gov = self._governor(call)
            status: int | None = None
            charged = False
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
                        charged = status < 400
                        if charged:
                            # The server charges when it answers (see units.py).
                            reservation.charged()
                        body = await opened.read()
                        headers = opened.headers
                response = Response(status, CIMultiDict(headers), body, parse=call.parse)
                err = self._decode_error(call, response)
                if err is not None:
                    charged = False
                    raise err
                delivered = call.lines if call.lines_of is None else call.lines_of(response)
                reservation.settle(self._price(call, delivered))
                self._log(request, status, t0, waited)
                return response
            except Exception as exc:
                # An error answer costs nothing; a success body that was cut may
                # have been charged in full.
                reservation.settle(_charged(reservation, charged))
                self._log(request, status, t0, waited, exc)
                if (
                    call.gone_ok_on_retry
                    and state.maybe_applied
                    and isinstance(exc, errors.NotFound)
                ):
                    # The earlier attempt's answer was lost; this one finds nothing
                    # left to delete, which is what was asked for.
                    logger.debug("%s: gone after a retried attempt; done", call.endpoint)
                    return Response(204, CIMultiDict(), b"")
                if isinstance(exc, errors.ServerError | errors.TransportError):
                    state.maybe_applied = True
                delay = await self._retry_delay(call, exc, state, gov)
            except BaseException:
                reservation.settle(_charged(reservation, charged))
                raise
            await asyncio.sleep(delay)

    # --- streamed CSV (Analytics) ---------------------------------------------------------

    async def stream_rows(
        self, call: Call, resume: Callable[[int], Call] | None = None
    ) -> AsyncGenerator[list[list[str]], None]:
        """Yield batches of CSV rows; the first row of the first batch is the header.

        A body cut mid-stream is retried with ``resume(rows_already_yielded)`` so no
        row is lost or yielded twice; ``ERROR 50 :: NOTHING FOUND`` yields nothing.

        Units: a complete body is settled to the rows it held. A body cut or
        abandoned after it started may have been charged in full (the server charges
        a page when it starts sending it), so its reservation stays held; when a
        retry completes, the report's length is known and each cut attempt is settled
        to the rows that existed from its start; otherwise to the whole page.
        """
        self._check_credentials(call)
        state = _Attempts(self.policy)
        seen = 0
        skip = 0
        header_sent = False
        current = call
        # Rows before ``current``'s first row (0 when it repeats the whole request).
        base = 0
        # Cut attempts the server may have charged in full: (reservation, base).
        held: list[tuple[Reservation, int]] = []
        reservation: Reservation | None = None
        charged = False
        try:
            while True:
                reservation = await self._reserve(current, current.lines)
                gov = self._governor(current)
                got = 0
                # True once a data body started: from then on the server has charged
                # for the page, whether or not all of it arrives.
                charged = False
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
                                    self._settle_held(held, current, seen)
                                    self._log(request, status, t0, waited, rows=0)
                                    return
                                raise err
                            charged = True
                            reservation.charged()
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
                    self._settle_held(held, current, seen + got)
                    return
                except Exception as exc:
                    if charged:
                        held.append((reservation, base))
                    else:
                        reservation.cancel()
                    self._log(request, status, t0, waited, exc, rows=got)
                    seen += got
                    if got and resume is not None:
                        current = resume(seen)
                        base = seen
                    elif resume is None:
                        # Without a way to ask for the remaining rows, repeat the
                        # request and drop the rows the caller already has.
                        skip = seen
                    delay = await self._retry_delay(current, exc, state, gov)
                await asyncio.sleep(delay)
        finally:
            # Failed for good, abandoned (the caller broke out) or cancelled: what
            # may have been charged stays spent.
            if reservation is not None:
                reservation.settle(_charged(reservation, charged))
            for r, _ in held:
                r.settle(r.units)

    def _settle_held(self, held: list[tuple[Reservation, int]], call: Call, total: int) -> None:
        """The body is complete and the page holds ``total`` rows from its start: a
        cut attempt that began ``b`` rows in was charged for at most ``total - b``."""
        for r, b in held:
            r.settle(self._price(call, max(0, total - b)))
        held.clear()

    # --- steps ----------------------------------------------------------------------------

    def _governor(self, call: Call) -> GovernorProtocol:
        if call.within is None:
            return self.governance.governor(call.endpoint)
        key = (call.endpoint, call.within)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = GovernorChain(
                self.governance.governor(call.endpoint), self.governance.governor(call.within)
            )
        return chain

    def _check_credentials(self, call: Call) -> None:
        if call.auth is Auth.KEY and not self.api_key:
            raise errors.AuthenticationError(
                "no Semrush API key: pass api_key= or set SEMRUSH_API_KEY; nothing was sent"
            )
        if call.auth is Auth.APIKEY and not self.v4_api_key:
            raise errors.AuthenticationError(
                "no Semrush API v4 key: pass v4_api_key= or set SEMRUSH_V4_API_KEY "
                "(an Analytics v3 key does not work on v4); nothing was sent"
            )
        if call.auth is Auth.BEARER and self.tokens is None:
            raise errors.LoginRequired(
                "API v4 needs an OAuth access token: pass token= to SemrushClient or "
                "log in with client.auth.device_login(); nothing was sent"
            )

    async def _reserve(self, call: Call, lines: int) -> Reservation:
        if call.price is None:
            return await self.meter.reserve("free", 0)
        return await self.meter.reserve(
            call.report or call.endpoint, call.price.cost(lines), known=call.price.known
        )

    @staticmethod
    def _price(call: Call, lines: int) -> int:
        return 0 if call.price is None else call.price.cost(lines)

    async def _authorize(self, call: Call, state: _Attempts) -> Request:
        request = call.request
        if call.auth is Auth.KEY:
            assert self.api_key
            return request.with_params(key=self.api_key)
        if call.auth is Auth.APIKEY:
            assert self.v4_api_key
            return request.with_header("Authorization", f"Apikey {self.v4_api_key}")
        if call.auth is Auth.BEARER:
            assert self.tokens is not None
            token = state.token = await self.tokens.access_token()
            self.redactor.add(token)
            return request.with_header("Authorization", f"Bearer {token}")
        return request

    def _decode_error(self, call: Call, response: Response) -> errors.APIError | None:
        # Redacted as it is decoded: every text from the body is masked before the
        # error exists, so no attribute, args entry, detail or pickle holds a secret
        # the server echoed; what is built from it below inherits the masked texts.
        err = decode_error(
            response, v4=call.dialect in (Dialect.V4, Dialect.OAUTH), scrub=self.redactor
        )
        if err is None:
            return None
        code = _int_code(err.code)
        rule = call.codes.get(code) if code is not None else None
        if rule is not None and not isinstance(err, errors.RateLimited):
            err = _recode(err, *rule)
        if (
            call.auth is Auth.APIKEY
            and err.status == 403
            and call.request.method not in ("GET", "HEAD")
            and type(err) is errors.PermissionDenied
        ):
            # The v4 key model: read-only keys may only GET.
            err = _recode(
                err,
                errors.ReadOnlyKey,
                message=f"{call.request.method} refused for this v4 API key (it may be "
                f"read-only): {err.message}",
            )
        elif (
            call.dialect is Dialect.V4
            and call.price is not None
            and err.status == 403
            and type(err) is errors.PermissionDenied
        ):
            # v4 reports answer a zero unit balance with a bare 403 "Forbidden"
            # (observed live, semrush-v4-backlinks-keywords.md §2.3): the same
            # situation as v3's ERROR 132.
            err = _recode(
                err,
                errors.UnitsExhausted,
                message=f"{err.message} (on a priced API v4 report a 403 means the "
                "account's unit balance is used up, or the key lacks access to this API)",
            )
        return err

    async def _retry_delay(
        self, call: Call, exc: Exception, state: _Attempts, gov: GovernorProtocol
    ) -> float:
        """Return how long to sleep before the next attempt, or re-raise ``exc``."""
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
        said = exc.retryable if isinstance(exc, errors.APIError) else None
        retryable = isinstance(exc, errors.RateLimited) or (
            call.idempotent
            and said is not False
            and (said is True or isinstance(exc, errors.ServerError | errors.TransportError))
        )
        if not retryable:
            raise exc
        if isinstance(exc, errors.RateLimited):
            gov.note_rate_limited()
        hinted = exc.retry_after if isinstance(exc, errors.APIError) else None
        if (
            isinstance(exc, errors.APIError)
            and hinted is not None
            and hinted > self.policy.max_retry_after
        ):
            # Every wait the server asks for is capped alike (429 or 5xx, seconds or
            # an HTTP date): refuse to park the call rather than sleep for a day.
            raise errors.RetryAfterTooLong(
                f"{call.endpoint}: the server answered HTTP {exc.status} and asked to wait "
                f"{hinted:.0f}s, more than max_retry_after={self.policy.max_retry_after:.0f}s",
                status=exc.status,
                code=exc.code,
                retry_after=hinted,
                request_id=exc.request_id,
            ) from None
        if state.count >= self.policy.max_retries:
            raise exc
        delay = self.policy.backoff(state.count, self._rng)
        state.count += 1
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


def _charged(reservation: Reservation, body_started: bool) -> int:
    """What a body that did not complete may have cost: the server charges a page
    when it starts sending it, so a cut or abandoned body costs the whole page
    requested (the reservation); an error answer, or none, costs nothing."""
    return reservation.units if body_started else 0


def _int_code(code: int | str | None) -> int | None:
    if isinstance(code, int):
        return code
    return int(code) if isinstance(code, str) and code.isdigit() else None


def _recode(
    err: errors.APIError,
    cls: type[errors.APIError],
    hint: str | None = None,
    message: str | None = None,
) -> errors.APIError:
    """``err`` as another class of the tree (a product's code table, a read-only key,
    a v4 zero balance), keeping its status, code, details, request id and retry hints."""
    out = cls(
        err.message if message is None else message,
        status=err.status,
        code=err.code,
        details=err.details,
        request_id=err.request_id,
        hint=hint,
    )
    out.retryable = err.retryable
    out.retry_after = err.retry_after
    return out


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
