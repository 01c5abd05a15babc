"""Per-endpoint rate governance.

Each endpoint of one credential gets one :class:`EndpointGovernor`, shared by every
coroutine using the client. A request may start only after ``acquire()`` returns.

Guarantees (per endpoint, in one process):

* never more than ``rate`` starts inside any window of ``per`` seconds, as a server
  counting the last ``per`` seconds sees it, with ``safety_margin`` of slack for
  network jitter;
* never more than ``concurrency`` requests in flight;
* FIFO admission: a waiter never overtakes an earlier one;
* cancellation-safe: a cancelled waiter or request never leaks a slot;
* a 429 / Retry-After seen by any caller pauses the endpoint for all waiters.

Two strategies, chosen per endpoint (see :data:`DEFAULT_LIMITS`), both built on one
exact log of start times (:class:`StartLog`):

``SPACED``
    A log of one start with a window of ``per / rate``: starts evenly spaced
    ``per/rate`` apart, so no window of ``per`` can hold more than ``rate`` starts
    and no burst ever builds up. This is the admission rule of
    ``aiolimiter.AsyncLimiter(1, per / rate)``, kept exact: aiolimiter's floating
    leak leaves levels like 1e-16 above zero and reschedules its waker a
    sub-resolution instant ahead, which livelocks a virtual clock (our governance
    tests run under one). ``AsyncLimiter(rate, per)`` would be wrong outright: it
    starts full and admits up to ``2*rate - 1`` starts inside one window, which a
    strict server answers with 429 (``tests/test_governance.py`` shows it).
    Used for the high-rate endpoints (10/s, 20/s, 5/s) where even spacing costs
    nothing.

``SLIDING_WINDOW``
    A log of the last ``rate`` starts; a start waits until the oldest is ``per``
    seconds old. Allows a burst of ``rate`` back-to-back starts, which matters for
    UpdateLocations (5 per 60 s): spacing would make a user wait 12 s between every
    batch even when the window is empty.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Final, Protocol

import attrs

from semrush_async._core.deadline import QUEUE_DEADLINE, Deadline
from semrush_async._core.limits import (
    DEFAULT_LIMITS,
    Limit,
    LimitTable,
    Strategy,
    resolve_limits,
)
from semrush_async._core.startlog import EPSILON, Delays, Start, StartLog

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_SAFETY_MARGIN",
    "DELAY_CAP",
    "EndpointGovernor",
    "EndpointStats",
    "Governance",
    "GovernorChain",
    "GovernorProtocol",
    "Limit",
    "LimitTable",
    "LocalGovernance",
    "Permit",
    "Strategy",
    "resolve_limits",
]

#: Default slack: starts are spaced (or windows stretched) 0.5% wider than the limit.
#: Network jitter is not covered by it but measured (``startlog.Delays``): each
#: start counts where the server may have seen it, up to :data:`DELAY_CAP` of a window.
DEFAULT_SAFETY_MARGIN: Final = 0.005

#: The most of a window one request's measured delay may add (a slow answer's server
#: time counts as delay too: the cap keeps a slow report from halving the rate).
DELAY_CAP: Final = 0.05
#: Round trips kept to estimate a request not answered yet.
_DELAY_HISTORY: Final = 32
#: Limits up to this many starts per window measure delays (the published ones do).
_DELAYS_UP_TO_RATE: Final = 100


@attrs.frozen(slots=True)
class EndpointStats:
    """A snapshot of one endpoint's counters."""

    name: str
    limit: Limit
    strategy: Strategy
    started: int
    in_flight: int
    max_in_flight: int
    waiting: int
    total_wait: float
    max_wait: float
    rate_limited: int
    paused_for: float

    @property
    def mean_wait(self) -> float:
        return self.total_wait / self.started if self.started else 0.0


class _Counters:
    """Per-endpoint bookkeeping, shared by the local and the Redis governor."""

    __slots__ = (
        "in_flight",
        "max_in_flight",
        "max_wait",
        "rate_limited",
        "started",
        "total_wait",
        "waiting",
    )

    def __init__(self) -> None:
        self.started = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.waiting = 0
        self.total_wait = 0.0
        self.max_wait = 0.0
        self.rate_limited = 0

    def start(self, waited: float) -> None:
        self.started += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.total_wait += waited
        self.max_wait = max(self.max_wait, waited)

    def snapshot(self, name: str, limit: Limit, paused_for: float) -> EndpointStats:
        return EndpointStats(
            name=name,
            limit=limit,
            strategy=limit.strategy,
            started=self.started,
            in_flight=self.in_flight,
            max_in_flight=self.max_in_flight,
            waiting=self.waiting,
            total_wait=self.total_wait,
            max_wait=self.max_wait,
            rate_limited=self.rate_limited,
            paused_for=paused_for,
        )


class Permit(Protocol):
    """Held while a request is in flight; release exactly once."""

    waited: float

    def release(self) -> None: ...

    def sent(self) -> None:
        """Called when the request actually left (connection set up, headers sent)."""
        ...

    def answered(self) -> None:
        """Called when the answer's head arrived (the round trip is measured)."""
        ...

    async def __aenter__(self) -> Permit: ...

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class GovernorProtocol(Protocol):
    """What the request path needs from an endpoint governor (local or shared)."""

    name: str

    async def acquire(self, report_sent: bool = False) -> Permit: ...

    async def pause(self, seconds: float) -> None: ...

    def note_rate_limited(self) -> None: ...

    def stats(self) -> EndpointStats: ...


#: What :class:`GovernorChain` passes to a method governor's ``acquire(inner=...)``:
#: the account governor's acquire. The method governor runs it once it would admit a
#: start now, and releases the permit it returns if it then fails or must wait again.
_Inner = Callable[[], Awaitable[Permit]]


class Governance(Protocol):
    """A source of governors, one per endpoint name (local or shared across processes)."""

    @property
    def limits(self) -> Mapping[str, Limit]:
        """The limit of every endpoint name."""
        ...

    def governor(self, name: str) -> GovernorProtocol: ...

    def register(self, published: Mapping[str, Limit]) -> None:
        """Learn governors and their published limits (from a family's rows)."""
        ...

    def check(self) -> None:
        """Refuse overrides of governors that no bound family declared."""
        ...

    def stats(self) -> dict[str, EndpointStats]:
        """The counters of every endpoint in :attr:`limits` (zero until it is used)."""
        ...

    async def aclose(self) -> None: ...


class _Permit:
    __slots__ = ("_answered", "_gov", "_left", "_released", "_sent", "_starts", "waited")

    def __init__(
        self,
        gov: EndpointGovernor,
        waited: float,
        starts: tuple[Start, ...],
        report_sent: bool,
    ) -> None:
        self._gov = gov
        self._released = False
        self._sent = False
        self._answered = False
        self._starts = starts  # one per log of the governor, in its order
        self.waited = waited
        #: Set once the request has left (or will never leave): the send barrier.
        #: Without send reports there is nothing to wait for.
        self._left = asyncio.Event()
        if not report_sent:
            self._left.set()

    def sent(self) -> None:
        """The request went out now (e.g. after opening a connection): if that is
        later than its slot allows, move the slot so later starts keep their
        distance from what the server sees."""
        if not self._sent:
            self._sent = True
            now = asyncio.get_running_loop().time()
            for log, start in zip(self._gov._logs, self._starts, strict=True):
                log.sent(start, now)
        self._left.set()

    def answered(self) -> None:
        """The answer's head arrived now: its round trip tells how late the request
        may have reached the server (see :class:`Delays`)."""
        delays = self._gov._delays
        if delays is not None and not self._answered:
            self._answered = True
            start = self._starts[-1]
            delays.answered(start, asyncio.get_running_loop().time() - start.sent_at)

    def release(self) -> None:
        self._left.set()
        if not self._released:
            self._released = True
            self._gov._release()

    async def __aenter__(self) -> _Permit:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _barrier_depth(limit: Limit, margin: float) -> int:
    """How many admitted starts may be still unsent when the next one is admitted.

    A start whose request leaves late (a slow connection setup) reaches the server
    later than its slot. With depth 1 (the strict send barrier) the next start waits
    until it has left and keeps its distance from the moved slot, whatever the limit.
    That costs nothing at the published limits (a spacing of 50 ms or more outlasts
    most setups) but serialises every start behind the previous one's setup when the
    spacing is tiny (a relaxed limit), so the barrier is only as deep as is safe:

    SPACED starts are ``s = W * (1 + m) / N`` apart, so a server window of ``W``,
    widened by ``m * W / 2`` (the catch-up rule's ``m * W / 4`` plus as much again for
    jitter), holds at most ``floor(N * (1 + m/2) / (1 + m)) + 1`` slots; the rest of
    the ``N`` is spare. Only a start still unsent when the window opens can arrive in
    it from an earlier slot, and a depth of ``d`` keeps at most ``d`` starts unsent at
    any instant, so ``d = spare`` never puts more than ``N`` into a window. The spare
    exceeds 1 only from ``N > 4 * (1 + m) / m`` starts per window (804 with the
    default 0.5% margin: depth 2 for 1,000/s, 2,487 for 1,000,000/s); every published
    limit gets depth 1.
    SLIDING_WINDOW admits bursts of ``N`` with no spare: always depth 1.
    """
    if limit.strategy is not Strategy.SPACED:
        return 1
    held = math.floor(limit.rate * (1 + margin / 2) / (1 + margin)) + 1
    return max(1, limit.rate - held)


class EndpointGovernor:
    """Admission control for one endpoint of one credential (see module docs)."""

    def __init__(
        self, name: str, limit: Limit, *, safety_margin: float = DEFAULT_SAFETY_MARGIN
    ) -> None:
        if not 0 <= safety_margin < 1:
            raise ValueError("safety_margin must be in [0, 1)")
        self.name = name
        self.limit = limit
        self.safety_margin = safety_margin
        stretch = 1.0 + safety_margin
        catchup = safety_margin * limit.per / 4
        # Measured delays are kept for the published kind of limit (tens of starts per
        # window); a relaxed limit of thousands per second keeps the fixed margin only.
        self._delays = (
            Delays(DELAY_CAP * limit.per, _DELAY_HISTORY)
            if limit.rate <= _DELAYS_UP_TO_RATE
            else None
        )
        if limit.strategy is Strategy.SPACED:
            # Evenly spaced starts, and no more than the rate in any window as the
            # server may have counted them (the window log: the spacing alone keeps
            # that only if every request arrives equally late). A start leaves at most
            # the catch-up after its recorded slot, so the window log needs W plus the
            # catch-up; the measured excess (with its allowance for an estimated
            # minimum) covers the network. On a steady link the spacing binds.
            spacing = StartLog(1, limit.per * stretch / limit.rate, catchup)
            self._logs: tuple[StartLog, ...] = (spacing,)
            if self._delays is not None:
                window = StartLog(limit.rate, limit.per + catchup, catchup, self._delays)
                self._logs = (spacing, window)
        else:
            self._logs = (StartLog(limit.rate, limit.per * stretch, catchup, self._delays),)
        # asyncio.Lock never lets a newcomer barge past queued waiters: FIFO.
        self._turnstile = asyncio.Lock()
        self._slots = asyncio.Semaphore(limit.concurrency) if limit.concurrency else None
        self._paused_until = -math.inf
        self._depth = _barrier_depth(limit, safety_margin)
        #: Permits whose request may not have left yet (send reports only).
        self._unsent: collections.deque[_Permit] = collections.deque()
        self._counters = _Counters()

    #: :class:`GovernorChain` may pass ``inner`` to :meth:`acquire`.
    nests: Final = True

    async def acquire(self, report_sent: bool = False, inner: _Inner | None = None) -> _Permit:
        """Wait for a start slot (FIFO). The caller must ``release()`` the permit.

        With ``report_sent``, the caller promises ``permit.sent()`` when the request
        actually leaves, and later starts wait for that (the send barrier, as deep as
        :func:`_barrier_depth` allows).
        ``inner`` (another governor's acquire) runs once this endpoint admits, before
        the start is recorded, so the recorded start is when the request may leave.
        """
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        if inner is None and not self._counters.waiting and self._free_now(loop, t0):
            # Nobody waits and nothing holds a start back: admit without the turnstile
            # and the admission loop (same checks). An unlocked semaphore's acquire()
            # does not suspend, so nothing runs between the checks and the record.
            if self._slots is not None:
                await self._slots.acquire()
            return self._admitted(loop, t0, t0, report_sent)
        deadline = QUEUE_DEADLINE.get()
        if deadline is not None:
            # Fail fast: the waiters ahead alone would take longer than max_wait.
            ahead = max(log.queue(self._counters.waiting) for log in self._logs)
            deadline.check(self.name, loop, t0, ahead + max(0.0, self._paused_until - t0))
        self._counters.waiting += 1
        taken: Permit | None = None
        try:
            async with self._turnstile:
                if self._slots is not None:
                    await self._slots.acquire()
                try:
                    # Slot before start time: a start time claimed while waiting for a
                    # slot would let several waiters start together when slots free up.
                    await self._admit(loop, deadline, t0)
                    if inner is not None:
                        # Still holding the turnstile: a later caller of this endpoint
                        # cannot be admitted on a start recorded before the account
                        # governor let this one go.
                        taken = await inner()
                except BaseException:
                    if taken is not None:
                        taken.release()
                    if self._slots is not None:
                        self._slots.release()
                    raise
                now = loop.time()
                return self._admitted(loop, t0, now, report_sent)
        finally:
            self._counters.waiting -= 1

    def _free_now(self, loop: asyncio.AbstractEventLoop, now: float) -> bool:
        """True if a start may go at once: no pause, a free concurrency slot, no
        spacing or window to wait for, no send barrier."""
        if self._turnstile.locked() or now < self._paused_until:
            return False
        if self._slots is not None and self._slots.locked():
            return False
        return self._spacing_delay(loop) <= EPSILON and self._barrier() is None

    def _admitted(
        self, loop: asyncio.AbstractEventLoop, t0: float, now: float, report_sent: bool
    ) -> _Permit:
        """Record the start (the concurrency slot is held) and hand out its permit."""
        starts = tuple(log.record(now) for log in self._logs)
        waited = now - t0
        self._counters.start(waited)
        permit = _Permit(self, waited, starts, report_sent)
        if report_sent:
            self._unsent.append(permit)
        return permit

    async def _admit(
        self, loop: asyncio.AbstractEventLoop, deadline: Deadline | None, t0: float
    ) -> None:
        while True:
            if deadline is not None:  # the pause and the spacing run out together
                wait = max(self._paused_until - loop.time(), self._spacing_delay(loop))
                deadline.check(self.name, loop, t0, wait)
            await self._wait_pause(loop)
            while (delay := self._spacing_delay(loop)) > EPSILON:
                await asyncio.sleep(delay)
            blocker = self._barrier()
            if blocker is not None:
                # Send barrier: earlier starts have not left yet (they may be opening
                # connections). Starting now could put too many on the wire together;
                # wait for the oldest (at most one window), then re-check its moved slot.
                # asyncio.timeout, not wait_for: no extra task per wait (this runs for
                # nearly every start when requests follow each other closely).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.limit.per):
                        await blocker._left.wait()
                blocker._left.set()
                continue
            # A 429 may have paused the endpoint while we waited for the token.
            if loop.time() >= self._paused_until:
                return

    def _spacing_delay(self, loop: asyncio.AbstractEventLoop) -> float:
        return max(log.delay(loop) for log in self._logs)

    def _barrier(self) -> _Permit | None:
        """The oldest unsent permit if ``_depth`` of them are unsent, else None."""
        unsent = self._unsent
        while unsent and unsent[0]._left.is_set():
            unsent.popleft()
        if len(unsent) < self._depth:
            return None
        if any(p._left.is_set() for p in unsent):  # sent out of order: drop those
            self._unsent = unsent = collections.deque(p for p in unsent if not p._left.is_set())
            if len(unsent) < self._depth:
                return None
        return unsent[0]

    async def _wait_pause(self, loop: asyncio.AbstractEventLoop) -> None:
        while (delay := self._paused_until - loop.time()) > EPSILON:
            await asyncio.sleep(delay)

    def _release(self) -> None:
        self._counters.in_flight -= 1
        if self._slots is not None:
            self._slots.release()

    async def pause(self, seconds: float) -> None:
        """Hold every start on this endpoint for ``seconds`` from now."""
        until = asyncio.get_running_loop().time() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)

    def note_rate_limited(self) -> None:
        self._counters.rate_limited += 1

    def stats(self) -> EndpointStats:
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:
            now = self._paused_until
        return self._counters.snapshot(self.name, self.limit, max(0.0, self._paused_until - now))

    def __repr__(self) -> str:
        s = self.stats()
        return (
            f"<EndpointGovernor {self.name} {self.limit.rate}/{self.limit.per:g}s "
            f"{self.limit.strategy.value} in_flight={s.in_flight} waiting={s.waiting}>"
        )


class _ChainPermit:
    __slots__ = ("_permits", "waited")

    def __init__(self, permits: tuple[Permit, ...], waited: float) -> None:
        self._permits = permits
        self.waited = waited

    def sent(self) -> None:
        for p in self._permits:
            p.sent()

    def answered(self) -> None:
        for p in self._permits:
            p.answered()

    def release(self) -> None:
        for p in reversed(self._permits):
            p.release()

    async def __aenter__(self) -> _ChainPermit:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class GovernorChain:
    """A method's own governor, then the account's: both must admit a start.

    A v4 method with a published limit (Get Categories, 10 per minute) also counts
    against the account limit (10/s, 10 in flight for any method). The method's
    governor admits first; the account's is acquired while the method's turnstile is
    still held, so neither records a start earlier than the request can leave.
    Order is fixed (method, then account), so two chains can never deadlock.
    """

    def __init__(self, method: GovernorProtocol, account: GovernorProtocol) -> None:
        self.method = method
        self.account = account
        self.name = method.name

    async def acquire(self, report_sent: bool = False) -> _ChainPermit:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        held: list[Permit] = []

        async def take_account() -> Permit:
            # A nesting governor may call this again after releasing the last permit
            # (another process took its start meanwhile): keep only the newest.
            permit = await self.account.acquire(report_sent)
            held[:] = [permit]
            return permit

        if getattr(self.method, "nests", False):
            try:
                first = await self.method.acquire(report_sent, inner=take_account)  # type: ignore[call-arg]
            except BaseException:
                for p in held:  # released by the method governor already; idempotent
                    p.release()
                raise
        else:
            first = await self.method.acquire(report_sent)
            try:
                await take_account()
            except BaseException:
                first.release()
                raise
        return _ChainPermit((first, *held), loop.time() - t0)

    async def pause(self, seconds: float) -> None:
        # Semrush's 429 does not say which limit it hit; the method's own governor is
        # the one this call's traffic can slow down without stalling the account.
        await self.method.pause(seconds)

    def note_rate_limited(self) -> None:
        self.method.note_rate_limited()

    def stats(self) -> EndpointStats:
        return self.method.stats()


class LocalGovernance:
    """In-process governors, created on first use from defaults plus overrides.

    Pass one instance to several clients to make them share governors (same
    credential, same event loop).
    """

    def __init__(
        self,
        limits: Mapping[str, Limit] | None = None,
        *,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
    ) -> None:
        self._table = LimitTable(limits)
        self.safety_margin = safety_margin
        self._governors: dict[str, EndpointGovernor] = {}

    @property
    def limits(self) -> Mapping[str, Limit]:
        """The limit of every governor known so far."""
        return self._table.limits

    def register(self, published: Mapping[str, Limit]) -> None:
        """Learn governors and their published limits (the client binds each family's
        rows here); overrides given at construction win."""
        self._table.register(published)

    def check(self) -> None:
        """Refuse ``limits=`` overrides of governors no bound family declared."""
        self._table.check()

    def governor(self, name: str) -> EndpointGovernor:
        gov = self._governors.get(name)
        if gov is None:
            gov = self._governors[name] = EndpointGovernor(
                name, self.limits[name], safety_margin=self.safety_margin
            )
        return gov

    def stats(self) -> dict[str, EndpointStats]:
        """Every endpoint's counters (zero for those not used yet), in limit order."""
        return _all_stats(self.limits, self._governors)

    async def aclose(self) -> None:
        return None


def _all_stats(
    limits: Mapping[str, Limit], governors: Mapping[str, GovernorProtocol]
) -> dict[str, EndpointStats]:
    """Every endpoint of ``limits``: a governor's stats, or zeros if it was not used yet
    (a caller can read ``stats()["account"]`` before the first request)."""
    return {
        name: gov.stats()
        if (gov := governors.get(name)) is not None
        else _Counters().snapshot(name, limit, 0.0)
        for name, limit in limits.items()
    }
