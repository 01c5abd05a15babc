"""Sandbox state shared by the handlers: strict limits, faults, accounting.

:class:`SandboxState` lives here, below every product: products import this module
(and ``_keys``, ``_envelope``), never ``_sandbox``, which wires them together.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import random
import warnings
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, Final, Literal, TypeVar

import attrs
from aiohttp import web

# Public configuration types only (what ``limits=`` takes): no client table or code path.
from semrush_async import Limit, Strategy
from semrush_async.testing._echo import credentials_of, echo_response, send_garbage
from semrush_async.testing._envelope import Dialect, json_response, too_many, v4_error_response

__all__ = [
    "CURRENT_FAULT",
    "DEFAULT_BALANCE",
    "DEFAULT_KEY",
    "DEFAULT_V4_KEY",
    "OAUTH_ACCOUNT",
    "READ_ONLY_V4_KEY",
    "EndpointCounters",
    "Fault",
    "FaultKind",
    "Faults",
    "SandboxState",
    "StrictLimits",
    "V4Key",
]

DEFAULT_KEY: Final = "sandbox-key-0000000000000000"
#: The sandbox account's API v4 keys: read-and-write, and read-only (GET only).
DEFAULT_V4_KEY: Final = "sandbox-v4-key-rw-000000000000"
READ_ONLY_V4_KEY: Final = "sandbox-v4-key-ro-000000000000"
DEFAULT_BALANCE: Final = 1_000_000_000
#: The account the sandbox's OAuth tokens belong to.
OAUTH_ACCOUNT: Final = "sandbox-account"

BalanceErrors = Literal["text", "json"]

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


@attrs.frozen
class V4Key:
    """An API v4 key of a sandbox account."""

    account: str
    read_only: bool = False


class SandboxState:
    """Everything the handlers share; one per sandbox instance."""

    def __init__(
        self,
        *,
        seed: int,
        balances: Mapping[str, int],
        limits: Mapping[str, Limit],
        latency: float | Mapping[str, float],
        faults: Faults,
        retry_after: bool,
    ) -> None:
        self.seed = seed
        self.initial_balances = dict(balances)
        self.balances = dict(balances)
        self.units_spent: dict[str, int] = {}
        self.limits = StrictLimits(limits, retry_after=retry_after)
        self.latency = latency
        self.faults = faults
        #: Each product's own server object, by name (set up by the product).
        self.extensions: dict[str, Any] = {}
        first = next(iter(balances), DEFAULT_KEY)
        #: v4 key -> its account (the v3 key of the same account).
        self.v4_keys: dict[str, V4Key] = {
            DEFAULT_V4_KEY: V4Key(first),
            READ_ONLY_V4_KEY: V4Key(first, read_only=True),
        }
        #: How many requests carried a v4 key in the URL (the client never should).
        self.v4_key_in_url = 0
        #: Backlinks v4 lists: most rows one page holds whatever ``limit`` asks
        #: (None: ``limit``), and whether ``meta.total`` is sent (see SemrushSandbox).
        self.v4_max_page: int | None = None
        self.v4_total = True
        #: Every endpoint name the handlers count under (``limits=``, ``latency=``,
        #: ``inject`` and ``counters`` accept these and nothing else).
        self.endpoints: set[str] = {"account", "units"}
        #: "json": an unknown key on the balance endpoint gets the JSON ``errors`` body
        #: seen live, instead of the documented-style ``ERROR 120``.
        self.balance_errors: BalanceErrors = "text"

    def declare(self, *names: str) -> None:
        """Name the endpoints a product's handlers count under (at setup)."""
        self.endpoints.update(names)

    def account_of(self, credential: str) -> str:
        """The account a credential belongs to: the account-wide limit counts per
        account, whatever mix of v3 key, v4 key and OAuth token its calls use."""
        if credential in self.v4_keys:
            return self.v4_keys[credential].account
        if credential == OAUTH_ACCOUNT:
            return next(iter(self.initial_balances), DEFAULT_KEY)
        return credential

    def latency_for(self, endpoint: str) -> float:
        if isinstance(self.latency, Mapping):
            return float(self.latency.get(endpoint, 0.0))
        return self.latency

    async def governed(
        self,
        request: web.Request,
        credential: str,
        endpoint: str,
        handler: Callable[[], Awaitable[web.StreamResponse]],
        dialect: Dialect = "analytics",
        *,
        account_wide: bool = False,
    ) -> web.StreamResponse:
        """Admit (or 429), inject a fault, add latency, run ``handler``, count.

        ``account_wide``: the request also counts against the ``account`` limit of
        the credential's account (every v4 method does, besides its own limit).
        """
        # A name no one declared could be neither limited nor inspected.
        assert endpoint in self.endpoints, f"undeclared sandbox endpoint {endpoint!r}"
        also = ("account", self.account_of(credential)) if account_wide else None
        wait = self.limits.admit(credential, endpoint, also=also)
        if wait is not None:
            headers = {"Retry-After": f"{wait:.3f}"} if self.limits.retry_after else {}
            return too_many(dialect, headers)
        try:
            fault = self.faults.next(endpoint)
            CURRENT_FAULT.set(fault)
            if fault is not None:
                self.limits.counters[endpoint].faults += 1
                if fault.kind == "stall":
                    await asyncio.sleep(fault.seconds)
                elif fault.kind == "429":
                    return too_many(dialect, {"Retry-After": f"{fault.seconds:g}"})
                elif fault.kind == "echo":
                    found = await credentials_of(request)
                    return echo_response(endpoint, dialect, found, fault.status)
                elif fault.kind == "garbage":
                    return send_garbage(request)
                elif fault.kind != "drop":
                    status = int(fault.kind)
                    hdrs = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    if dialect == "analytics":
                        return web.Response(
                            status=status, text="Internal Server Error", headers=hdrs
                        )
                    if dialect == "v4json":
                        return v4_error_response(
                            status, status, "Internal Server Error", headers=hdrs
                        )
                    return json_response(
                        status, {"code": status, "message": "Internal Server Error"}, hdrs
                    )
            if (delay := self.latency_for(endpoint)) > 0:
                await asyncio.sleep(delay)
            response = await handler()
            if fault is not None and fault.kind == "drop" and isinstance(response, web.Response):
                return await self._drop_after_half(request, response)
            return response
        finally:
            self.limits.done(credential, endpoint, also=also)

    async def _drop_after_half(
        self, request: web.Request, response: web.Response
    ) -> web.StreamResponse:
        body = response.body if isinstance(response.body, bytes) else b""
        stream = web.StreamResponse(status=response.status)
        stream.content_type = response.content_type
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        self.drop_connection(request)
        return stream

    @staticmethod
    def drop_connection(request: web.Request) -> None:
        """Close the socket under a response that is still being written."""
        transport = request.transport
        if transport is not None:
            transport.abort()

    def reset(self) -> None:
        self.balances = dict(self.initial_balances)
        self.units_spent.clear()
        self.limits.reset()
        self.faults.reset()
        for extension in self.extensions.values():
            # Extensions with a meter of their own (the Trends quota) forget it too.
            hook = getattr(extension, "on_sandbox_reset", None)
            if hook is not None:
                hook()
