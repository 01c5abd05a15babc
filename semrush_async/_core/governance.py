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
exact log of start times (:class:`_StartLog`):

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
import enum
import math
import warnings
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Final, Protocol

import attrs

from semrush_async._core.deadline import QUEUE_DEADLINE, Deadline

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_SAFETY_MARGIN",
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

#: Default slack: starts are spaced (or windows stretched) 2% wider than the limit,
#: so up to 2% of the window can be eaten by network jitter without a 429.
DEFAULT_SAFETY_MARGIN: Final = 0.02


class Strategy(enum.Enum):
    """How an endpoint's starts are admitted."""

    SPACED = "spaced"
    SLIDING_WINDOW = "sliding_window"


@attrs.frozen(slots=True)
class Limit:
    """``rate`` request starts per ``per`` seconds, at most ``concurrency`` in flight."""

    rate: int = attrs.field(validator=attrs.validators.gt(0))
    per: float = attrs.field(validator=attrs.validators.gt(0))
    concurrency: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.gt(0))
    )
    strategy: Strategy = Strategy.SPACED


#: The one limit that is truly account-wide: "10 requests per second and 10
#: simultaneous requests per account", across every Semrush API method. Every
#: Analytics v3 report and every v4 method without a published limit of its own goes
#: through it; a v4 method with its own limit goes through its governor and then
#: through ``account``. Every other governor's limit is declared by the rows that use
#: it (an ``Endpoint``'s ``limit=``, a family's table) and learned when the client
#: binds the family (:meth:`LocalGovernance.register`).
DEFAULT_LIMITS: Final[Mapping[str, Limit]] = {
    "account": Limit(10, 1.0, concurrency=10),
}


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
    __slots__ = ("_gov", "_left", "_released", "_sent", "_slot", "waited")

    def __init__(
        self, gov: EndpointGovernor, waited: float, slot: float, report_sent: bool
    ) -> None:
        self._gov = gov
        self._released = False
        self._sent = False
        self._slot = slot
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
            self._slot = self._gov._log.sent(self._slot, asyncio.get_running_loop().time())
        self._left.set()

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


#: Clock resolution: a wait shorter than this is over (a start 1 us early is far
#: inside the safety margin; waiting for it could spin on a virtual clock).
_EPSILON: Final = 1e-6


class _StartLog:
    """Log of the last ``rate`` start slots; admits when the oldest is ``window`` old.

    A start that happens late (the event loop woke us a little after the slot opened)
    is recorded at ``max(slot, actual - catchup)``, so scheduling lateness up to
    ``catchup`` does not erode the rate (as GCRA keeps its theoretical arrival time).
    With ``catchup = margin * W / 4``, any N+1 actual starts still span at least
    ``W * (1 + 3 * margin / 4)``: the bound holds with three quarters of the margin
    left for network jitter (a strict server timestamps arrivals, not our starts).
    """

    __slots__ = ("_catchup", "_log", "_rate", "_window")

    def __init__(self, rate: int, window: float, catchup: float = 0.0) -> None:
        self._rate = rate
        self._window = window
        self._catchup = catchup
        self._log: collections.deque[float] = collections.deque(maxlen=rate)

    def queue(self, ahead: int) -> float:
        """Seconds ``ahead`` waiters take to start, at the least (fail-fast estimate)."""
        return (ahead // self._rate) * self._window

    def delay(self, loop: asyncio.AbstractEventLoop) -> float:
        full = len(self._log) == self._rate  # how long until a start is admitted
        return max(0.0, min(self._log) + self._window - loop.time()) if full else 0.0

    async def wait(self, loop: asyncio.AbstractEventLoop) -> None:
        while len(self._log) == self._rate:
            # min(), not [0]: a slot moved by sent() may no longer be the earliest.
            delay = min(self._log) + self._window - loop.time()
            if delay <= _EPSILON:
                return
            await asyncio.sleep(delay)

    def record(self, t: float) -> float:
        slot = min(self._log) + self._window if len(self._log) == self._rate else -math.inf
        recorded = max(slot, t - self._catchup)
        self._log.append(recorded)
        return recorded

    def sent(self, recorded: float, t: float) -> float:
        """Replace ``recorded`` with ``t - catchup`` when the request left late."""
        late = t - self._catchup
        if late <= recorded:
            return recorded
        for i, value in enumerate(self._log):
            if value == recorded:
                self._log[i] = late
                return late
        return recorded  # already out of the log: nothing left to protect


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
    exceeds 1 only from ``N > 4 * (1 + m) / m`` starts per window (205 with the
    default 2% margin: depth 9 for 1,000/s, 9,803 for 1,000,000/s); every published
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
        if limit.strategy is Strategy.SPACED:
            self._log = _StartLog(1, limit.per * stretch / limit.rate, catchup)
        else:
            self._log = _StartLog(limit.rate, limit.per * stretch, catchup)
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
        deadline = QUEUE_DEADLINE.get()
        if deadline is not None:
            # Fail fast: the waiters ahead alone would take longer than max_wait.
            ahead = self._log.queue(self._counters.waiting)
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
                slot = self._log.record(now)
        finally:
            self._counters.waiting -= 1
        waited = now - t0
        self._counters.start(waited)
        permit = _Permit(self, waited, slot, report_sent)
        if report_sent:
            self._unsent.append(permit)
        return permit

    async def _admit(
        self, loop: asyncio.AbstractEventLoop, deadline: Deadline | None, t0: float
    ) -> None:
        while True:
            if deadline is not None:  # the pause and the spacing run out together
                wait = max(self._paused_until - loop.time(), self._log.delay(loop))
                deadline.check(self.name, loop, t0, wait)
            await self._wait_pause(loop)
            await self._log.wait(loop)
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
        while (delay := self._paused_until - loop.time()) > _EPSILON:
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


#: Old endpoint names still accepted in ``limits=`` (with a DeprecationWarning).
RENAMED: Final[Mapping[str, str]] = {"analytics": "account"}


def _renamed(limits: Mapping[str, Limit] | None) -> dict[str, Limit]:
    given = dict(limits or {})
    for old, new in RENAMED.items():
        if old in given:
            warnings.warn(
                f"the {old!r} governor is now called {new!r} (it governs the whole account)",
                DeprecationWarning,
                stacklevel=4,
            )
            given.setdefault(new, given.pop(old))
    return given


class LimitTable:
    """The limit of every governor: the account-wide default, the published ones
    learned from the rows that declare them (``register``), and the user's overrides,
    which win.

    An override is usable at once (a governance can be used on its own); ``check()``
    (the client calls it once every family is bound) refuses one that names a
    governor no family declared, naming those that exist.
    """

    def __init__(self, overrides: Mapping[str, Limit] | None = None) -> None:
        self.overrides = _renamed(overrides)
        self.declared: set[str] = set(DEFAULT_LIMITS)
        self.limits: dict[str, Limit] = {**DEFAULT_LIMITS, **self.overrides}

    def register(self, published: Mapping[str, Limit]) -> None:
        """Learn the published limits of a family's governors (an override, or a
        governor already known, keeps its limit)."""
        for name, limit in published.items():
            self.declared.add(name)
            self.limits.setdefault(name, limit)

    def check(self) -> None:
        """Refuse overrides of governors no bound family declared."""
        unknown = set(self.overrides) - self.declared
        if unknown:
            raise ValueError(
                f"unknown endpoint name(s) {sorted(unknown)}; expected some of "
                f"{sorted(self.declared)}"
            )


def resolve_limits(limits: Mapping[str, Limit] | None) -> dict[str, Limit]:
    """Deprecated: the account-wide defaults plus ``limits`` (governors are now
    learned from the families a client binds; see :class:`LimitTable`)."""
    return dict(LimitTable(limits).limits)


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
