"""The one request path every resource goes through.

Per attempt, in this order: check credentials (no request without them), reserve
units (BudgetExceeded before any rate budget is spent), take a governor permit,
add auth, send, decode errors from the body whatever the status, settle units,
log, and decide whether to retry. Retries go back through the governor; a 429 pauses
the endpoint for every waiter; a 401 on a Bearer call refreshes the token once.

Whole bodies (:meth:`RequestPath.send`) and streamed CSV
(:meth:`RequestPath.stream_rows`) run the same attempt loop, :class:`_Loop`: each
only reads its body inside ``async with loop:``. What a body means (rows or an
error, which error, NOTHING FOUND) is decided by the pure code in ``sansio``; the
bytes come from any :class:`~semrush_async._core.transport.Transport`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from functools import partial
from types import TracebackType
from typing import Any, Final
from urllib.parse import quote

import attrs
from multidict import CIMultiDict

from semrush_async import errors
from semrush_async._core.call import Auth, Call, Dialect
from semrush_async._core.csvfeed import Lines, LinesFeed
from semrush_async._core.deadline import QUEUE_DEADLINE, Deadline
from semrush_async._core.governance import Governance, GovernorChain, GovernorProtocol, Permit
from semrush_async._core.hooks import Hooks, RequestEvent, ResponseEvent
from semrush_async._core.options import CallOptions
from semrush_async._core.redact import Redactor
from semrush_async._core.retry import RetryPolicy
from semrush_async._core.sansio import (
    CodeTable,
    CsvBody,
    Request,
    Response,
    decode_error,
    refine_error,
)
from semrush_async._core.tokens import TokenProvider
from semrush_async._core.transport import Opened, Transport
from semrush_async._core.units import Reservation, UnitMeter

__all__ = ["Auth", "Call", "CallOptions", "CodeTable", "Dialect", "RequestPath"]

logger: Final = logging.getLogger("semrush_async")


_JSON: Final = (Dialect.V4, Dialect.OAUTH)


class _Loop:
    """One call's attempts: the attempt loop ``send`` and ``stream_rows`` share.

    ``async with loop:`` is one attempt. Entering waits out the previous attempt's
    backoff, then reserves units (BudgetExceeded: nothing was sent).
    ``await loop.open()`` adds auth, takes the governor's permit and sends. The
    caller reads the body inside, calls :meth:`charge` when the server has charged
    the answer, and sets ``units`` (and ``rows``) before it leaves. Leaving releases
    the answer and the permit, then settles and logs. An exception leaving the body
    fails the attempt: what may have been charged stays spent (or is held, with
    ``hold_cut``), and the exception either propagates (final) or is suppressed so
    that the caller's ``while True`` makes the next attempt.
    """

    __slots__ = (
        "_delay",
        "_gov",
        "_hold_cut",
        "_opened",
        "_permit",
        "_request",
        "_request_id",
        "_reservation",
        "_status",
        "_t0",
        "_waited",
        "attempt",
        "base",
        "call",
        "charged",
        "count",
        "gone",
        "held",
        "maybe_applied",
        "options",
        "path",
        "policy",
        "refreshed",
        "rows",
        "token",
        "units",
    )

    _gov: GovernorProtocol
    _reservation: Reservation

    def __init__(
        self,
        path: RequestPath,
        call: Call,
        options: CallOptions | None = None,
        *,
        hold_cut: bool = False,
    ) -> None:
        self.path = path
        self.options = options or path.options
        self.policy = self.options.policy or path.policy
        #: Attempts opened so far (1 during the first).
        self.attempt = 0
        #: The call the next attempt sends (a stream resumes with another).
        self.call = call
        #: Rows before ``call``'s first row (0 when it repeats the whole request).
        self.base = 0
        #: Retries made so far (the backoff's exponent).
        self.count = 0
        #: The one token refresh after a 401 is done.
        self.refreshed = False
        #: The Bearer token the last attempt carried.
        self.token: str | None = None
        #: An earlier attempt may have reached the server and been applied.
        self.maybe_applied = False
        #: The call ended as gone (``gone_ok_on_retry``): a success without an answer.
        self.gone = False
        #: Cut bodies the server may have charged in full, with their ``base``. With
        #: ``hold_cut`` they wait for :meth:`settle_held` (once the page's length is
        #: known); otherwise they are settled in full at once.
        self.held: list[tuple[Reservation, int]] = []
        self._hold_cut = hold_cut
        self._delay = 0.0
        # The attempt in progress.
        self.charged = False
        self.units = 0
        self.rows: int | None = None
        self._permit: Permit | None = None
        self._opened: Opened | None = None
        self._request = call.request
        self._status: int | None = None
        self._request_id: str | None = None
        self._t0 = 0.0
        self._waited = 0.0

    async def __aenter__(self) -> _Loop:
        if self._delay:
            delay, self._delay = self._delay, 0.0
            await asyncio.sleep(delay)
        call = self.call
        self._gov = self.path._governor(call)
        self._reservation = await self.path._reserve(call, call.lines)
        self._request = call.request
        self._status = None
        self._request_id = None
        self._t0 = time.perf_counter()
        self._waited = 0.0
        self.charged = False
        self.units = 0
        self.rows = None
        return self

    async def open(self) -> Opened:
        """Add auth, take the governor's permit and send: the answer's head."""
        path = self.path
        request = self._request = await path._authorize(self.call, self)
        self.attempt += 1
        permit = self._permit = await self._acquire()
        self._waited = permit.waited
        if permit.waited >= path.log_waits_over:
            logger.info(
                "%s: waited %.2fs for the rate limit",
                self.call.endpoint,
                permit.waited,
                extra=self._fields(wait=permit.waited),
            )
        if path.hooks.request:
            url = path.redactor(request.redacted_url)
            path.hooks.on_request(
                RequestEvent(self.call.endpoint, request.method, url, self.attempt, self._waited)
            )
        self._t0 = time.perf_counter()
        opened = self._opened = await path.transport.open(
            request, permit.sent, timeout=self.options.timeout
        )
        permit.answered()
        self._status = opened.status
        self._request_id = opened.headers.get("X-Request-Id")
        return opened

    async def _acquire(self) -> Permit:
        """The governor's permit; the first attempt waits at most ``max_wait`` for it
        (a retry was sent once already: it waits as long as it takes)."""
        sent = self.path.transport.reports_sent
        max_wait = self.options.max_wait
        if max_wait is None or self.attempt > 1:
            return await self._gov.acquire(sent)
        loop = asyncio.get_running_loop()
        deadline = Deadline(loop.time() + max_wait, max_wait)
        token = QUEUE_DEADLINE.set(deadline)
        try:
            # The governors raise QueueTimeout themselves where they can tell ahead
            # (before they record or reserve anything); the timeout catches the rest
            # (a turnstile or a concurrency slot held past the deadline).
            async with asyncio.timeout_at(deadline.at):
                return await self._gov.acquire(sent)
        except errors.QueueTimeout:
            raise
        except TimeoutError:
            raise errors.QueueTimeout(
                self.call.endpoint, loop.time() - deadline.at + max_wait, max_wait
            ) from None
        finally:
            QUEUE_DEADLINE.reset(token)

    def _fields(self, **more: object) -> dict[str, object]:
        """The structured fields of an INFO log record (``extra=``; no secret)."""
        return {
            "endpoint": self.call.endpoint,
            "attempt": self.attempt,
            "status": self._status,
            "request_id": self._request_id,
            **more,
        }

    def _ended(self, exc: BaseException | None, units: int) -> None:
        """Log the attempt (DEBUG) and tell the response hooks."""
        if isinstance(exc, errors.SemrushError) and exc.request_id:
            self._request_id = exc.request_id
        path = self.path
        path._log(self._request, self._status, self._t0, self._waited, exc, self.rows)
        if path.hooks.response:
            request = self._request
            path.hooks.on_response(
                ResponseEvent(
                    endpoint=self.call.endpoint,
                    method=request.method,
                    url=path.redactor(request.redacted_url),
                    attempt=self.attempt,
                    status=self._status,
                    elapsed=time.perf_counter() - self._t0,
                    waited=self._waited,
                    error=None if exc is None else type(exc).__name__,
                    request_id=self._request_id,
                    units=units,
                    rows=self.rows,
                )
            )

    def charge(self) -> None:
        """The answer started: the server charged it (see units.py)."""
        self.charged = True
        self._reservation.charged()

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        reservation = self._reservation
        opened, self._opened = self._opened, None
        permit, self._permit = self._permit, None
        try:
            if opened is not None:
                await opened.aclose()
        except BaseException:
            reservation.settle(reservation.units if self.charged else 0)
            raise
        finally:
            if permit is not None:
                permit.release()
        if exc is None:
            reservation.settle(self.units)
            self._ended(None, self.units)
            return False
        if not isinstance(exc, Exception):
            # Cancelled, or the caller stopped reading a stream: a body that started
            # may have been charged in full (the server charges a page as it starts
            # sending it), so it stays spent.
            reservation.settle(reservation.units if self.charged else 0)
            return False
        if not self.charged:
            reservation.cancel()  # an error answer, or none, costs nothing
        elif self._hold_cut:
            self.held.append((reservation, self.base))
        else:
            reservation.settle(reservation.units)  # a cut body: charged in full
        self._ended(exc, reservation.units if self.charged else 0)
        call = self.call
        if call.gone_ok_on_retry and self.maybe_applied and isinstance(exc, errors.NotFound):
            # The earlier attempt's answer was lost; this one finds nothing left to
            # delete, which is what was asked for.
            logger.debug("%s: gone after a retried attempt; done", call.endpoint)
            self.gone = True
            return True
        if isinstance(exc, errors.ServerError | errors.TransportError):
            self.maybe_applied = True
        # Raises ``exc`` when it is final; otherwise the next attempt waits first.
        self._delay = await self.path._retry_delay(call, exc, self, self._gov)
        return True

    def settle_held(self, total: int) -> None:
        """The page is complete and holds ``total`` rows from its start: a cut attempt
        that began ``b`` rows in was charged for at most ``total - b``."""
        for r, b in self.held:
            r.settle(self.path._price(self.call, max(0, total - b)))
        self.held.clear()

    def close(self) -> None:
        """Failed for good, abandoned or cancelled: what may have been charged stays
        spent."""
        for r, _ in self.held:
            r.settle(r.units)
        self.held.clear()


class RequestPath:
    """Sends :class:`Call` values; see the module docstring for the order of steps."""

    def __init__(
        self,
        transport: Transport,
        governance: Governance,
        meter: UnitMeter,
        policy: RetryPolicy,
        redactor: Redactor,
        *,
        api_key: str | None,
        tokens: TokenProvider | None,
        rng: random.Random | None = None,
        v4_api_key: str | None = None,
        meters: Mapping[str, UnitMeter] | None = None,
        hooks: Hooks | None = None,
        log_waits_over: float = 1.0,
    ) -> None:
        self.transport = transport
        self.governance = governance
        self.meter = meter
        #: Meters of their own, by name (a call names its own with ``Call.meter``).
        self.meters: Mapping[str, UnitMeter] = meters or {}
        self.policy = policy
        self.redactor = redactor
        self.api_key = api_key
        self.tokens = tokens
        self.v4_api_key = v4_api_key
        #: The options of a call that brings none (the client's own).
        self.options = CallOptions(policy=policy)
        self.hooks = hooks or Hooks(None)
        #: Governor waits at least this long (seconds) are logged at INFO.
        self.log_waits_over = log_waits_over
        self._rng = rng or random.Random()
        self._chains: dict[tuple[str, str], GovernorChain] = {}
        redactor.add(api_key)
        redactor.add(v4_api_key)

    # --- whole-body calls ---------------------------------------------------------------

    async def send(self, call: Call, options: CallOptions | None = None) -> Response:
        """Send ``call`` and return its response; raise its decoded error."""
        self._check_credentials(call)
        price = call.price
        if (
            price is not None
            and not price.known
            and call.meter is None
            and self.meter.balance_readable
        ):
            # An unpublished price: settle from what the balance lost, not a guess.
            async with self.meter.measure(call.report or call.endpoint) as settle:
                response = await self._send(call, options)
                await settle()
            return response
        return await self._send(call, options)

    async def _send(self, call: Call, options: CallOptions | None) -> Response:
        loop = _Loop(self, call, options)
        while True:
            async with loop:
                opened = await loop.open()
                if opened.status < 400:
                    loop.charge()  # the server charges when it answers
                body = await opened.read()
                response = Response(
                    opened.status, CIMultiDict(opened.headers), body, parse=call.parse
                )
                err = self._decode_error(call, response)
                if err is not None:
                    loop.charged = False  # an error answer costs nothing
                    raise err
                lines = call.lines if call.lines_of is None else call.lines_of(response)
                loop.units = self._price(call, lines)
                return response
            if loop.gone:
                return Response(204, CIMultiDict(), b"")

    # --- streamed CSV (Analytics) ---------------------------------------------------------

    def stream_rows(
        self,
        call: Call,
        resume: Callable[[int], Call] | None = None,
        options: CallOptions | None = None,
    ) -> AsyncGenerator[list[list[str]], None]:
        """Yield batches of CSV rows; the first row of the first batch is the header
        (see :meth:`_stream`)."""
        return self._stream(call, resume, CsvBody, options)

    async def fetch_rows(self, call: Call, options: CallOptions | None = None) -> list[list[str]]:
        """Every CSV row of a one-page answer (header first), through the same attempt
        loop as :meth:`stream_rows` (resume, settlement and errors alike), without the
        layers a caller streaming pages needs."""
        out: list[list[str]] = []
        async with aclosing(self._stream(call, None, CsvBody, options)) as stream:
            async for rows in stream:
                out += rows
        return out

    def stream_lines(
        self,
        call: Call,
        resume: Callable[[int], Call] | None = None,
        options: CallOptions | None = None,
    ) -> AsyncGenerator[Lines, None]:
        """As :meth:`stream_rows`, each batch's rows kept as the bytes they arrived in
        (for a columnar reader); the same attempt loop, resume and settlement."""
        return self._stream(call, resume, _LinesBody, options)

    async def _stream(
        self,
        call: Call,
        resume: Callable[[int], Call] | None,
        body_of: Callable[..., Any],
        options: CallOptions | None = None,
    ) -> AsyncGenerator[Any, None]:
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
        loop = _Loop(self, call, options, hold_cut=True)
        seen = 0  # data rows the caller has
        skip = 0  # rows a repeated request (no ``resume``) drops first
        header = True  # the caller still needs the header row
        try:
            while True:
                complete = False
                async with loop:
                    opened = await loop.open()
                    current = loop.call
                    body = body_of(
                        opened.status,
                        opened.headers,
                        partial(self._decode_error, current),
                        skip=None if header else skip,
                        delimiters=current.delimiters,
                    )
                    loop.rows = 0
                    async for chunk in opened.chunks():
                        rows = body.feed(chunk)
                        if body.data and not loop.charged:
                            loop.charge()  # a data body started: the page is charged
                        if rows:
                            header = False
                            loop.rows = body.rows
                            yield rows
                        elif body.done:
                            break
                    rows = body.close()  # raises the error an error answer carries
                    if body.data and not loop.charged:
                        loop.charge()
                    if rows:
                        header = False
                        loop.rows = body.rows
                        yield rows
                    # NOTHING FOUND costs nothing (unless the price says it is charged).
                    # Otherwise the server charged every row from this attempt's
                    # start, dropped ones (``skip``) included.
                    delivered = seen + body.rows - loop.base
                    free = body.empty and not (current.price and current.price.empty_charged)
                    loop.units = 0 if free else self._price(current, delivered)
                    complete = True
                got = loop.rows or 0
                if complete or loop.gone:
                    loop.settle_held(seen + got)
                    return
                seen += got
                if got and resume is not None:
                    loop.call = resume(seen)
                    loop.base = seen
                elif resume is None:
                    # Without a way to ask for the remaining rows, repeat the
                    # request and drop the rows the caller already has.
                    skip = seen
        finally:
            loop.close()

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
        if call.auth in (Auth.KEY, Auth.KEY_PATH) and not self.api_key:
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

    def meter_of(self, call: Call) -> UnitMeter:
        """The meter that pays for ``call``."""
        if call.meter is None:
            return self.meter
        found = self.meters.get(call.meter)
        if found is None:
            raise ValueError(f"{call.endpoint}: no meter named {call.meter!r}")
        return found

    async def _reserve(self, call: Call, lines: int) -> Reservation:
        meter = self.meter_of(call)
        if call.price is None:
            return await meter.reserve("free", 0)
        return await meter.reserve(
            call.report or call.endpoint, call.price.cost(lines), known=call.price.known
        )

    @staticmethod
    def _price(call: Call, lines: int) -> int:
        return 0 if call.price is None else call.price.cost(lines)

    async def _authorize(self, call: Call, state: _Loop) -> Request:
        request = call.request
        if call.auth is Auth.KEY:
            assert self.api_key
            return request.with_params(key=self.api_key)
        if call.auth is Auth.KEY_PATH:
            assert self.api_key
            return attrs.evolve(request, url=request.url + quote(self.api_key, safe=""))
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
        # the server echoed; what is built from it inherits the masked texts.
        err = decode_error(response, v4=call.dialect in _JSON, scrub=self.redactor)
        if err is None:
            return None
        return refine_error(
            err,
            codes=call.codes,
            method=call.request.method,
            v4_key=call.auth is Auth.APIKEY,
            priced_v4=call.dialect is Dialect.V4 and call.price is not None,
        )

    async def _retry_delay(
        self, call: Call, exc: Exception, state: _Loop, gov: GovernorProtocol
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
        policy = state.policy
        hinted = exc.retry_after if isinstance(exc, errors.APIError) else None
        if (
            isinstance(exc, errors.APIError)
            and hinted is not None
            and hinted > policy.max_retry_after
        ):
            # Every wait the server asks for is capped alike (429 or 5xx, seconds or
            # an HTTP date): refuse to park the call rather than sleep for a day.
            raise errors.RetryAfterTooLong(
                f"{call.endpoint}: the server answered HTTP {exc.status} and asked to wait "
                f"{hinted:.0f}s, more than max_retry_after={policy.max_retry_after:.0f}s",
                status=exc.status,
                code=exc.code,
                retry_after=hinted,
                request_id=exc.request_id,
            ) from None
        if state.count >= policy.max_retries:
            raise exc
        delay = policy.backoff(state.count, self._rng)
        state.count += 1
        if hinted is not None:
            delay = max(delay, hinted)
        paused = isinstance(exc, errors.RateLimited)
        logger.info(
            "%s: attempt %d failed (%s%s%s); %s %.2fs, then retry %d of %d",
            call.endpoint,
            state.attempt,
            f"HTTP {state._status} " if state._status else "",
            type(exc).__name__,
            f", request id {state._request_id}" if state._request_id else "",
            "pausing the endpoint for" if paused else "waiting",
            delay,
            state.count,
            policy.max_retries,
            extra=state._fields(wait=delay, error=type(exc).__name__, paused=paused),
        )
        if paused:
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


class _LinesBody(CsvBody):
    """A :class:`CsvBody` whose rows stay bytes (:class:`Lines`): decided, counted,
    skipped and settled as CsvBody does, only not split into fields."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._feed = LinesFeed()  # type: ignore[assignment]
