"""Sandbox state shared by the handlers: strict limits, faults, accounting."""

from __future__ import annotations

import asyncio
import collections
import contextvars
import random
import warnings
from collections.abc import Collection, Mapping
from typing import Final, Literal, TypeVar

import attrs

from semrush_async._core.governance import Limit, Strategy

__all__ = ["CURRENT_FAULT", "EndpointCounters", "Fault", "FaultKind", "Faults", "StrictLimits"]

FaultKind = Literal["502", "550", "553", "554", "429", "drop", "stall", "echo", "garbage"]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = (
    "502",
    "550",
    "553",
    "554",
    "429",
    "drop",
    "stall",
    "echo",
    "garbage",
)
#: What ``fault_rate`` picks from by default (``echo`` and ``garbage`` test secrecy,
#: not resilience: only when asked for).
RANDOM_KINDS: Final[tuple[FaultKind, ...]] = ("502", "550", "553", "554", "429", "drop", "stall")

_V = TypeVar("_V")


@attrs.define
class EndpointCounters:
    """What the sandbox saw on one endpoint (all credentials together)."""

    accepted: int = 0
    rejected: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    faults: int = 0
    #: Arrival times (event-loop clock) of accepted requests.
    starts: list[float] = attrs.field(factory=list)

    def max_in_window(self, window: float) -> int:
        """The most accepted starts seen inside any window of ``window`` seconds."""
        best = 0
        lo = 0
        s = self.starts
        for hi in range(len(s)):
            while s[hi] - s[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


class StrictLimits:
    """Sliding-window log per (credential, endpoint) plus concurrency caps.

    A request is rejected (429) when accepting it would put more than N starts in the
    last W seconds, or more than the concurrency cap in flight. Rejected requests
    do not enter the log (as a server counting accepted requests would).
    """

    def __init__(self, limits: Mapping[str, Limit], *, retry_after: bool = True) -> None:
        self.limits = dict(limits)
        self.retry_after = retry_after
        self._logs: dict[tuple[str, str], collections.deque[float]] = {}
        self._flight: dict[tuple[str, str], int] = collections.defaultdict(int)
        self.counters: dict[str, EndpointCounters] = collections.defaultdict(EndpointCounters)

    def admit(
        self, credential: str, endpoint: str, *, also: tuple[str, str] | None = None
    ) -> float | None:
        """Record a start and return None, or return seconds to wait (reject).

        ``also`` is a second (endpoint, credential) the start counts against (the
        account-wide limit); the request is admitted only if both admit it.
        """
        now = asyncio.get_running_loop().time()
        pairs = [(endpoint, credential)] if also is None else [(endpoint, credential), also]
        for name, cred in pairs:
            wait = self._check(cred, name, now)
            if wait is not None:
                self.counters[name].rejected += 1
                return wait
        for name, cred in pairs:
            if name in self.limits:
                self._logs[(cred, name)].append(now)
            self._accept(self.counters[name], now, cred, name)
        return None

    def _check(self, credential: str, endpoint: str, now: float) -> float | None:
        limit = self.limits.get(endpoint)
        if limit is None:
            return None
        key = (credential, endpoint)
        log = self._logs.setdefault(key, collections.deque())
        while log and log[0] <= now - limit.per:
            log.popleft()
        if len(log) >= limit.rate:
            return max(0.001, log[0] + limit.per - now)
        if limit.concurrency is not None and self._flight[key] >= limit.concurrency:
            return 0.001
        return None

    def _accept(self, c: EndpointCounters, now: float, credential: str, endpoint: str) -> None:
        c.accepted += 1
        c.starts.append(now)
        self._flight[(credential, endpoint)] += 1
        c.in_flight += 1
        c.max_in_flight = max(c.max_in_flight, c.in_flight)

    def done(self, credential: str, endpoint: str, *, also: tuple[str, str] | None = None) -> None:
        pairs = [(endpoint, credential)] if also is None else [(endpoint, credential), also]
        for name, cred in pairs:
            self._flight[(cred, name)] -= 1
            self.counters[name].in_flight -= 1

    def reset(self) -> None:
        self._logs.clear()
        self._flight.clear()
        self.counters.clear()


@attrs.frozen
class Fault:
    """One injected fault."""

    kind: FaultKind
    #: For ``429``: the Retry-After value sent; for ``stall``: seconds to stall.
    seconds: float = 1.0
    #: For a 5xx: a Retry-After header to send with it (seconds or an HTTP date).
    retry_after: str | None = None
    #: For ``echo``: the HTTP status (None: the endpoint format's usual one).
    status: int | None = None


#: The fault chosen for the request being handled (handlers run in its task).
CURRENT_FAULT: contextvars.ContextVar[Fault | None] = contextvars.ContextVar(
    "semrush_sandbox_fault", default=None
)


class Faults:
    """Queued faults (deterministic) and random faults (seeded)."""

    def __init__(
        self,
        rate: float = 0.0,
        seed: int = 0,
        kinds: tuple[FaultKind, ...] = RANDOM_KINDS,
        stall_seconds: float = 2.0,
    ) -> None:
        self.rate = rate
        self.kinds = kinds
        self.stall_seconds = stall_seconds
        self._rng = random.Random(seed)
        self._queued: dict[str, collections.deque[Fault]] = collections.defaultdict(
            collections.deque
        )
        self.injected: list[tuple[str, FaultKind]] = []

    def queue(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        for _ in range(times):
            self._queued[endpoint].append(fault)

    def next(self, endpoint: str) -> Fault | None:
        q = self._queued.get(endpoint)
        fault: Fault | None = None
        if q:
            fault = q.popleft()
        elif self.rate and self._rng.random() < self.rate:
            kind = self._rng.choice(self.kinds)
            fault = Fault(kind, self.stall_seconds if kind == "stall" else 1.0)
        if fault is not None:
            self.injected.append((endpoint, fault.kind))
        return fault

    def reset(self) -> None:
        self._queued.clear()
        self.injected.clear()


#: The published limits, stated here (the sandbox is an oracle: it never reads the
#: client's table). "10 requests per second and 10 simultaneous requests per account"
#: [OFF-LIM]; Listing Management: GetLocations/GetLocation 20/s, UpdateLocation 5/s,
#: UpdateLocations "one such request at a time, making up to 5 requests per minute";
#: Local API: 10/s per location method, Create Location one at a time, Get Categories
#: 10 per minute ([OFF-LIM] + [AE]). OAuth and the balance endpoint publish none.
#: The server applies one rule to all (a sliding log); ``strategy`` only tells a client
#: handed ``sandbox.limits`` how to pace (bursts where the window is a minute).
PUBLISHED_LIMITS: Final[Mapping[str, Limit]] = {
    "account": Limit(10, 1.0, concurrency=10),
    "listings.get_locations": Limit(20, 1.0),
    "listings.get_location": Limit(20, 1.0),
    "listings.update_location": Limit(5, 1.0),
    "listings.update_locations": Limit(5, 60.0, concurrency=1, strategy=Strategy.SLIDING_WINDOW),
    "local.locations": Limit(10, 1.0),
    "local.get_location": Limit(10, 1.0),
    "local.create_location": Limit(10, 1.0, concurrency=1),
    "local.update_location": Limit(10, 1.0),
    "local.categories": Limit(10, 60.0, strategy=Strategy.SLIDING_WINDOW),
}

#: Endpoint names that were renamed: old -> new (a DeprecationWarning, then the new).
RENAMED: Final[Mapping[str, str]] = {"analytics": "account"}


def endpoint_name(name: object, known: Collection[str], *, what: str, stacklevel: int) -> str:
    """``name`` as the sandbox calls it: an old name maps to its new one with a
    DeprecationWarning; anything unknown is a ValueError naming every known name
    (an ignored name would make "no 429" assertions pass vacuously)."""
    if not isinstance(name, str):
        raise TypeError(f"{what}: an endpoint name must be a str, not {type(name).__name__}")
    if name in RENAMED and name not in known:
        new = RENAMED[name]
        warnings.warn(
            f"{what}: the endpoint {name!r} is now called {new!r} (every Analytics v3 "
            f"report and every v4 method counts against the account-wide limit)",
            DeprecationWarning,
            stacklevel=stacklevel + 1,
        )
        name = new
    if name not in known:
        raise ValueError(
            f"{what}: unknown endpoint {name!r}; the sandbox's endpoints are "
            f"{', '.join(sorted(known))}"
        )
    return name


def endpoint_names(
    given: Mapping[str, _V], known: Collection[str], *, what: str, stacklevel: int
) -> dict[str, _V]:
    """Every key of ``given`` through :func:`endpoint_name`; an old and a new name
    for one endpoint together is an error (which one would win is a guess)."""
    out: dict[str, _V] = {}
    for key, value in given.items():
        name = endpoint_name(key, known, what=what, stacklevel=stacklevel + 1)
        if name in out:
            raise ValueError(f"{what}: {name!r} is given twice (once by its old name)")
        out[name] = value
    return out


def check_fault_kind(kind: object) -> FaultKind:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; allowed: {', '.join(FAULT_KINDS)}")
    return kind
