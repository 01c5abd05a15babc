"""Rate governance and the unit budget shared across processes and hosts, on Redis.

``SemrushClient(governance=RedisGovernance("redis://..."))`` in every process that
uses one credential gives them one governor per endpoint and one unit budget
(``pip install "semrush-async[redis]"``).

How it works (Lua scripts, atomic, timed by the Redis server's ``TIME``):

* **Starts**: a log of the last N *reserved* start slots per endpoint. One round
  trip reserves the next slot (``max(now, pause, Nth-latest + W')``) and returns how
  long to wait; the caller sleeps that long and starts. No polling; roughly
  first-come first-served across processes (FIFO inside each process).
* **Concurrency**: leased slots in a sorted set scored by expiry; the holder renews
  the lease while the request runs, so a crashed or killed worker's slot comes back
  on its own after ``lease_seconds``. A waiter blocks on a release signal (BLPOP)
  instead of polling.
* **Pause**: a 429/Retry-After seen by any process pauses the endpoint for all.
* **Units**: budget, spent and reserved live in one hash; reserving checks and adds
  in one step, so racing processes can never overshoot the budget.

Keys are ``{prefix}:{<sha256 of the credential>}:...``: the credential never appears
in clear, and the braces put all keys of one credential in one Redis Cluster slot.

When Redis is unreachable the governor fails closed (``GovernanceUnavailable``,
nothing is sent) unless ``fallback_workers`` is set: then it falls back to an
in-process governor at N / fallback_workers (the window is stretched by that factor).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Final

from .errors import BudgetExceeded, SemrushError
from .governance import (
    DEFAULT_SAFETY_MARGIN,
    EndpointGovernor,
    EndpointStats,
    Limit,
    Strategy,
    _Counters,
    resolve_limits,
)
from .units import Reservation, UnitMeter

try:
    import redis.asyncio as aioredis
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError('RedisGovernance needs redis-py: pip install "semrush-async[redis]"') from e

__all__ = ["GovernanceUnavailable", "RedisGovernance", "RedisUnitMeter"]

logger: Final = logging.getLogger("semrush_async")
_REDIS_DOWN = (_RedisConnectionError, _RedisTimeoutError, OSError)


class GovernanceUnavailable(SemrushError):
    """The shared governor (Redis) is unreachable; nothing was sent."""

    hint = (
        "Check Redis, or set RedisGovernance(fallback_workers=N) to fall back to a local "
        "governor at 1/N of each limit"
    )


_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# KEYS: log, pause. ARGV: n, window. Returns the wait in seconds (as a string: Lua
# numbers become integers in Redis replies).
_RESERVE = (
    _NOW
    + """
local n = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = now
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > start then start = pause end
if redis.call('LLEN', KEYS[1]) >= n then
  local nth = tonumber(redis.call('LINDEX', KEYS[1], -n))
  if nth + window > start then start = nth + window end
end
redis.call('RPUSH', KEYS[1], string.format('%.6f', start))
redis.call('LTRIM', KEYS[1], -n, -1)
redis.call('PEXPIRE', KEYS[1], math.ceil((start - now + window) * 1000) + 1000)
return string.format('%.6f', start - now)
"""
)

# KEYS: pause. ARGV: seconds.
_PAUSE = (
    _NOW
    + """
local untl = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > cur then
  redis.call('SET', KEYS[1], string.format('%.6f', untl), 'PX',
             math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return string.format('%.6f', math.max(untl, cur) - now)
"""
)

# KEYS: leases. ARGV: cap, id, ttl. Returns '0' when leased, else seconds until the
# earliest lease expires (an upper bound on the wait).
_LEASE = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 1000) + 1000)
  return '0'
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return string.format('%.6f', tonumber(first[2]) - now)
"""
)

# KEYS: leases. ARGV: id, ttl. Extends a lease still held.
_RENEW = (
    _NOW
    + """
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
"""
)

# KEYS: leases, signal. ARGV: id.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], '1')
redis.call('LTRIM', KEYS[2], 0, 63)
redis.call('PEXPIRE', KEYS[2], 60000)
return 1
"""

# KEYS: units hash. ARGV: budget (or -1), units. Returns 'ok' or the units available.
_BUDGET_RESERVE = """
local budget = tonumber(ARGV[1])
local units = tonumber(ARGV[2])
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
if budget >= 0 and spent + reserved + units > budget then
  return tostring(budget - spent - reserved)
end
redis.call('HINCRBY', KEYS[1], 'reserved', units)
return 'ok'
"""

# KEYS: units hash. ARGV: reserved, actual.
_BUDGET_SETTLE = """
redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(ARGV[1]))
redis.call('HINCRBY', KEYS[1], 'spent', tonumber(ARGV[2]))
return 1
"""


def credential_tag(credential: str) -> str:
    """The hashed credential used in key names (never the credential itself)."""
    return hashlib.sha256(credential.encode()).hexdigest()[:24]


class RedisGovernance:
    """Governors and a unit budget shared by every process using one credential."""

    def __init__(
        self,
        redis: str | aioredis.Redis,
        *,
        credential: str | None = None,
        limits: Mapping[str, Limit] | None = None,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        lease_seconds: float = 30.0,
        fallback_workers: int | None = None,
        prefix: str = "semrush",
    ) -> None:
        resolved = resolve_limits(limits)
        if fallback_workers is not None and fallback_workers < 1:
            raise ValueError("fallback_workers must be >= 1")
        self._owns = isinstance(redis, str)
        self.redis: aioredis.Redis = (
            aioredis.Redis.from_url(redis, socket_timeout=5, socket_connect_timeout=5)
            if isinstance(redis, str)
            else redis
        )
        self._limits: dict[str, Limit] = resolved
        self.safety_margin = safety_margin
        self.lease_seconds = lease_seconds
        self.fallback_workers = fallback_workers
        self.prefix = prefix
        self._tag: str | None = credential_tag(credential) if credential else None
        self._governors: dict[str, RedisGovernor] = {}
        self.scripts = {
            name: self.redis.register_script(src)
            for name, src in (
                ("reserve", _RESERVE),
                ("pause", _PAUSE),
                ("lease", _LEASE),
                ("renew", _RENEW),
                ("release", _RELEASE),
                ("budget_reserve", _BUDGET_RESERVE),
                ("budget_settle", _BUDGET_SETTLE),
            )
        }
        #: Redis round trips made (admission, leases, pauses, budget).
        self.round_trips = 0

    @property
    def limits(self) -> Mapping[str, Limit]:
        return self._limits

    def bind(self, credential: str) -> None:
        """Name the credential (the client does this with its API key if unset)."""
        if self._tag is None:
            self._tag = credential_tag(credential)

    def key(self, *parts: str) -> str:
        if self._tag is None:
            raise RuntimeError("RedisGovernance has no credential: pass credential=")
        return ":".join((self.prefix, "{" + self._tag + "}", *parts))

    async def call(self, script: str, keys: list[str], args: list[Any]) -> Any:
        self.round_trips += 1
        return await self.scripts[script](keys=keys, args=args)

    def governor(self, name: str) -> RedisGovernor:
        gov = self._governors.get(name)
        if gov is None:
            gov = self._governors[name] = RedisGovernor(self, name, self._limits[name])
        return gov

    def stats(self) -> dict[str, EndpointStats]:
        return {name: gov.stats() for name, gov in self._governors.items()}

    def unit_meter(
        self, budget: int | None, balance_fetcher: Callable[[], Awaitable[int]]
    ) -> RedisUnitMeter:
        """A unit meter whose budget is shared through Redis."""
        return RedisUnitMeter(self, budget, balance_fetcher=balance_fetcher)

    async def aclose(self) -> None:
        for gov in self._governors.values():
            await gov.aclose()
        if self._owns:
            await self.redis.aclose()


class _RedisPermit:
    __slots__ = ("_done", "_gov", "_lease", "_renewer", "waited")

    def __init__(
        self,
        gov: RedisGovernor,
        waited: float,
        lease: str | None,
        renewer: asyncio.Task[None] | None,
    ) -> None:
        self._gov = gov
        self.waited = waited
        self._lease = lease
        self._renewer = renewer
        self._done = False

    def sent(self) -> None:
        # Slots are reserved ahead in Redis; a late send is covered by the margin.
        return None

    def release(self) -> None:
        if self._done:
            return
        self._done = True
        self._gov._counters.in_flight -= 1
        if self._renewer is not None:
            self._renewer.cancel()
        if self._lease is not None:
            self._gov._spawn(self._gov._release_lease(self._lease))

    async def __aenter__(self) -> _RedisPermit:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class RedisGovernor:
    """One endpoint's shared governor (see the module docs)."""

    def __init__(self, owner: RedisGovernance, name: str, limit: Limit) -> None:
        self.owner = owner
        self.name = name
        self.limit = limit
        stretch = 1 + owner.safety_margin
        if limit.strategy is Strategy.SPACED:
            self._n, self._window = 1, limit.per * stretch / limit.rate
        else:
            self._n, self._window = limit.rate, limit.per * stretch
        self._turnstile = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._fallback: EndpointGovernor | None = None
        self._counters = _Counters()

    def _fallback_governor(self, err: BaseException) -> EndpointGovernor:
        workers = self.owner.fallback_workers
        if workers is None:
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}); {self.name} requests are "
                "held back (fail closed)"
            ) from None
        if self._fallback is None:
            logger.warning(
                "Redis unreachable (%s): %s falls back to a local governor at 1/%d of its limit",
                type(err).__name__,
                self.name,
                workers,
            )
            lim = self.limit
            self._fallback = EndpointGovernor(
                self.name,
                Limit(
                    lim.rate,
                    lim.per * workers,
                    lim.concurrency and max(1, lim.concurrency // workers),
                    lim.strategy,
                ),
                safety_margin=self.owner.safety_margin,
            )
        return self._fallback

    async def acquire(self, report_sent: bool = False) -> Any:
        # Slots are reserved ahead in Redis; no send barrier (see _RedisPermit.sent).
        if self._fallback is not None:
            return await self._fallback.acquire()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        self._counters.waiting += 1
        try:
            lease = await self._admit()
        except _REDIS_DOWN as err:
            return await self._fallback_governor(err).acquire()
        finally:
            self._counters.waiting -= 1
        waited = loop.time() - t0
        self._counters.start(waited)
        renewer = asyncio.create_task(self._renew(lease)) if lease else None
        return _RedisPermit(self, waited, lease, renewer)

    async def _admit(self) -> str | None:
        """Take a lease (if capped) and a start slot, then wait for the slot."""
        lease: str | None = None
        async with self._turnstile:
            try:
                if self.limit.concurrency:
                    lease = await self._lease()
                delay = float(
                    await self.owner.call(
                        "reserve",
                        [self.owner.key(self.name, "log"), self.owner.key(self.name, "pause")],
                        [self._n, f"{self._window:.6f}"],
                    )
                )
                if delay > 0:
                    await asyncio.sleep(delay)
            except BaseException:
                if lease is not None:
                    self._spawn(self._release_lease(lease))
                raise
        return lease

    async def _lease(self) -> str:
        lease = uuid.uuid4().hex
        leases = self.owner.key(self.name, "leases")
        signal = self.owner.key(self.name, "released")
        assert self.limit.concurrency
        while True:
            wait = float(
                await self.owner.call(
                    "lease", [leases], [self.limit.concurrency, lease, self.owner.lease_seconds]
                )
            )
            if wait <= 0:
                return lease
            # Block until some holder releases (or the earliest lease would expire).
            self.owner.round_trips += 1
            await self.owner.redis.blpop([signal], timeout=max(0.01, min(wait, 1.0)))

    async def _renew(self, lease: str) -> None:
        every = self.owner.lease_seconds / 3
        key = self.owner.key(self.name, "leases")
        with contextlib.suppress(asyncio.CancelledError, *_REDIS_DOWN):
            while True:
                await asyncio.sleep(every)
                await self.owner.call("renew", [key], [lease, self.owner.lease_seconds])

    async def _release_lease(self, lease: str) -> None:
        with contextlib.suppress(*_REDIS_DOWN):
            await self.owner.call(
                "release",
                [self.owner.key(self.name, "leases"), self.owner.key(self.name, "released")],
                [lease],
            )

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def pause(self, seconds: float) -> None:
        try:
            await self.owner.call(
                "pause", [self.owner.key(self.name, "pause")], [f"{max(0.0, seconds):.6f}"]
            )
        except _REDIS_DOWN as err:
            await self._fallback_governor(err).pause(seconds)

    def note_rate_limited(self) -> None:
        self._counters.rate_limited += 1

    def stats(self) -> EndpointStats:
        return self._counters.snapshot(self.name, self.limit, 0.0)

    async def aclose(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class RedisUnitMeter(UnitMeter):
    """A unit meter whose budget, spent and reserved units live in Redis."""

    def __init__(
        self,
        owner: RedisGovernance,
        budget: int | None,
        *,
        balance_fetcher: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        super().__init__(budget, balance_fetcher=balance_fetcher)
        self.owner = owner
        self._pending: set[asyncio.Task[Any]] = set()

    async def reserve(self, report: str, units: int) -> Reservation:
        if units == 0 or self.budget is None:
            return await super().reserve(report, units)
        try:
            answer = await self.owner.call(
                "budget_reserve", [self.owner.key("units")], [self.budget, units]
            )
        except _REDIS_DOWN as err:
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}): the shared unit budget "
                "cannot be checked, so nothing is sent"
            ) from None
        text = answer.decode() if isinstance(answer, bytes) else str(answer)
        if text != "ok":
            available = int(float(text))
            raise BudgetExceeded(
                f"{report} could cost up to {units} API units but only {max(0, available)} "
                f"of the shared unit_budget {self.budget} remain",
                needed=units,
                available=max(0, available),
            )
        return await super().reserve(report, units)

    def _settle(self, r: Reservation, actual: int) -> None:
        super()._settle(r, actual)
        if r.units and self.budget is not None:
            task = asyncio.ensure_future(self._settle_remote(r.units, actual))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _settle_remote(self, reserved: int, actual: int) -> None:
        # Until this lands the units stay reserved: the budget errs on the safe side.
        with contextlib.suppress(*_REDIS_DOWN):
            await self.owner.call("budget_settle", [self.owner.key("units")], [reserved, actual])

    async def shared(self) -> dict[str, int]:
        """Spent and reserved units across every process sharing the budget."""
        doc = await self.owner.redis.hgetall(self.owner.key("units"))
        return {(k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in doc.items()}

    async def flush(self) -> None:
        """Wait until every settlement has reached Redis."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
