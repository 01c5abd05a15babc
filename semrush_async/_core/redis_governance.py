"""Rate governance, the unit budget and locks shared across processes and hosts, on Redis.

``SemrushClient(governance=RedisGovernance("redis://..."))`` in every process that
uses one account gives them one governor per endpoint, one unit budget and named
locks (``pip install "semrush-async[redis]"``).

How it works (Lua scripts, atomic, timed by the Redis server's ``TIME``):

* **Starts**: a log of the last N *reserved* start slots per endpoint. One round
  trip reserves the next slot (``max(now, pause, earliest of the last N + W')``)
  and returns how long to wait; the caller sleeps that long and starts. A request
  that leaves later than its slot (a busy event loop, a slow connect) moves its slot
  in the log to when it left, and the next start of the same process waits for that
  (send-time correction, as in the local governor).
* **Chains** (a v4 method with its own limit, then ``account``): the method waits,
  reserving nothing, until it would admit a start now, takes the account permit,
  then records the start only if it is still admitted, as the local chain does.
* **Concurrency**: leased slots in a sorted set scored by expiry; the holder renews
  the lease (and the key's TTL) from the moment it is granted, so a crashed or
  killed worker's slot comes back on its own after ``lease_seconds``. A waiter
  blocks on a release signal (BLPOP) instead of polling. A lease (or lock) round
  trip abandoned by a cancelled caller runs on, and what it grants is given back
  once it lands.
* **Pause**: a 429/Retry-After seen by any process pauses the endpoint for all.
* **Units**: every reservation is tracked by id, owned by a worker whose liveness
  expires ``lease_seconds`` after its last contact (renewed by a heartbeat). A dead
  worker's reservations are dropped; a settlement for an id Redis does not know
  (after a restart) subtracts nothing; each worker reports its running total spent,
  so the shared ``spent`` is rebuilt after a Redis restart.
* **Locks**: :meth:`RedisGovernance.lock` is a token-owned, renewed mutual-exclusion
  lock (used to serialise OAuth token refreshes across processes).

Keys are ``{prefix}:{<HMAC-SHA256 of the credential>}:...``, keyed with a
per-deployment salt (``salt=`` or ``SEMRUSH_REDIS_SALT``): the credential never
appears in clear, and the braces put all keys of one credential in one Redis
Cluster slot.

When Redis is unreachable the governor fails closed (``GovernanceUnavailable``,
nothing is sent) unless ``fallback_workers`` is set: then it falls back to an
in-process governor at N / fallback_workers (the window is stretched by that
factor), probes Redis every ``probe_interval`` seconds and returns to shared
governance once Redis answers. The unit budget and locks always fail closed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import hmac
import logging
import math
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Final

from semrush_async._core.governance import (
    DEFAULT_SAFETY_MARGIN,
    EndpointGovernor,
    EndpointStats,
    Limit,
    LimitTable,
    Permit,
    Strategy,
    _all_stats,
    _Counters,
    _Inner,
)
from semrush_async._core.units import Reservation, UnitMeter
from semrush_async.errors import BudgetExceeded, GovernanceUnavailable

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError('RedisGovernance needs redis-py: pip install "semrush-async[redis]"') from e

__all__ = ["GovernanceUnavailable", "RedisGovernance", "RedisUnitMeter", "credential_tag"]

logger: Final = logging.getLogger("semrush_async")
_REDIS_DOWN = (_RedisConnectionError, _RedisTimeoutError, OSError)

#: Environment variable holding the per-deployment salt of the key-name hash.
SALT_ENV: Final = "SEMRUSH_REDIS_SALT"
# Used when no salt is configured: the tag is still a keyed hash, but anyone who
# knows this package can test guesses against it. Set a salt in production.
_DEFAULT_SALT: Final = b"semrush-async/redis-governance/v1"


_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# KEYS: log, pause. ARGV: n, window, mode. Returns {wait, recorded slot} as strings
# (Lua numbers become integers in Redis replies). The earliest of the last n slots,
# not the n-th latest: a slot moved by a late send may no longer be in order.
# Modes: 'slot' reserves the next free slot, however far ahead; 'peek' records
# nothing and returns the wait ('0' when a start would be admitted now); 'now'
# records a start now if one is admitted now, else records nothing (recorded '').
_RESERVE = (
    _NOW
    + """
local n = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local mode = ARGV[3]
local start = now
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > start then start = pause end
if redis.call('LLEN', KEYS[1]) >= n then
  local earliest = math.huge
  for _, v in ipairs(redis.call('LRANGE', KEYS[1], -n, -1)) do
    local x = tonumber(v)
    if x < earliest then earliest = x end
  end
  if earliest + window > start then start = earliest + window end
end
if mode ~= 'slot' then
  if start - now > 0.00001 then return {string.format('%.6f', start - now), ''} end
  if mode == 'peek' then return {'0', ''} end
end
local recorded = string.format('%.6f', start)
redis.call('RPUSH', KEYS[1], recorded)
redis.call('LTRIM', KEYS[1], -n, -1)
redis.call('PEXPIRE', KEYS[1], math.ceil((start - now + window) * 1000) + 1000)
return {string.format('%.6f', start - now), recorded}
"""
)

# KEYS: log. ARGV: window, recorded slot, seconds late. Moves a slot whose request
# left late (still in the log) to when it left.
_SENT = (
    _NOW
    + """
local pos = redis.call('LPOS', KEYS[1], ARGV[2])
if not pos then return 0 end
local moved = tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('LSET', KEYS[1], pos, string.format('%.6f', moved))
local ttl = math.ceil((moved - now + tonumber(ARGV[1])) * 1000) + 1000
if ttl > redis.call('PTTL', KEYS[1]) then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
"""
)

# KEYS: log. ARGV: n, window, ages of local (fallback) starts. Merges them into the
# log so that shared admission counts what this process started while Redis was away.
_MERGE = (
    _NOW
    + """
local n = tonumber(ARGV[1])
local items = {}
for _, v in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do table.insert(items, tonumber(v)) end
for i = 3, #ARGV do table.insert(items, now - tonumber(ARGV[i])) end
table.sort(items)
redis.call('DEL', KEYS[1])
local first = math.max(1, #items - n + 1)
for i = first, #items do redis.call('RPUSH', KEYS[1], string.format('%.6f', items[i])) end
if #items > 0 then
  local last = items[#items]
  redis.call('PEXPIRE', KEYS[1], math.ceil((last - now + tonumber(ARGV[2])) * 1000) + 1000)
end
return #items
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

# The leases key lives as long as its longest lease (plus 1 s): a renewal extends
# both the lease and the key, so the key never expires under a live holder.
_KEEP_LEASES = """
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(last[2]) - now) * 1000) + 1000)
end
"""

# KEYS: leases. ARGV: cap, id, ttl. Returns '0' when leased, else seconds until the
# earliest lease expires (an upper bound on the wait).
_LEASE = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return '0' end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
"""
    + _KEEP_LEASES
    + """
  return '0'
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return string.format('%.6f', tonumber(first[2]) - now)
"""
)

# KEYS: leases. ARGV: id, ttl. Extends a lease still held; 0 when it was lost.
_RENEW = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
"""
    + _KEEP_LEASES
    + """
return held
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

# Unit budget. KEYS: totals hash (spent, reserved), reservations hash (id ->
# "worker units"), workers zset (worker -> liveness expiry), spent-by hash (worker ->
# running total it has spent). ``reserved`` always equals the sum of the live
# reservations: every change to either happens in one script.
_UNITS = (
    _NOW
    + """
local function purge()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
  if #dead == 0 then return end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local gone = {}
  for _, w in ipairs(dead) do gone[w] = true end
  local all = redis.call('HGETALL', KEYS[2])
  local freed = 0
  for i = 1, #all, 2 do
    local w, u = string.match(all[i + 1], '^(%S+) (%d+)$')
    if gone[w] then
      redis.call('HDEL', KEYS[2], all[i])
      freed = freed + tonumber(u)
    end
  end
  if freed > 0 then redis.call('HINCRBY', KEYS[1], 'reserved', -freed) end
end
local function alive(worker, ttl)
  return redis.call('ZADD', KEYS[3], now + ttl, worker)
end
local function sync(worker, spent)
  local old = tonumber(redis.call('HGET', KEYS[4], worker) or '0')
  if spent > old then
    redis.call('HSET', KEYS[4], worker, spent)
    redis.call('HINCRBY', KEYS[1], 'spent', spent - old)
  end
end
local function drop(id)
  local v = redis.call('HGET', KEYS[2], id)
  if v then
    redis.call('HDEL', KEYS[2], id)
    redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(string.match(v, ' (%d+)$')))
  end
end
local function totals()
  local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
  local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
  return spent, reserved
end
purge()
"""
)

# ARGV: worker, running spent, ttl, budget (or -1), units, id.
# Returns {'ok' | 'over', units available before this reservation, worker was new}.
_BUDGET_RESERVE = (
    _UNITS
    + """
local worker, budget, units = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5])
local new = alive(worker, tonumber(ARGV[3]))
sync(worker, tonumber(ARGV[2]))
if redis.call('HEXISTS', KEYS[2], ARGV[6]) == 1 then return {'ok', '0', new} end
local spent, reserved = totals()
local available = tostring(budget - spent - reserved)
if budget >= 0 and spent + reserved + units > budget then return {'over', available, new} end
if redis.call('HSETNX', KEYS[2], ARGV[6], worker .. ' ' .. units) == 1 then
  redis.call('HINCRBY', KEYS[1], 'reserved', units)
end
return {'ok', available, new}
"""
)

# ARGV: worker, running spent, ttl, id. An unknown id (a restart lost it, or it
# expired) subtracts nothing. Returns whether the worker was new.
_BUDGET_SETTLE = (
    _UNITS
    + """
drop(ARGV[4])
local new = alive(ARGV[1], tonumber(ARGV[3]))
sync(ARGV[1], tonumber(ARGV[2]))
return new
"""
)

# ARGV: worker, running spent, ttl, resync (0/1), n live, n live x (id, units), ids
# to drop. Keeps the worker alive; after a restart (or with resync) re-adds its live
# reservations. Returns whether the worker was new.
_BUDGET_HEARTBEAT = (
    _UNITS
    + """
local worker = ARGV[1]
local new = alive(worker, tonumber(ARGV[3]))
sync(worker, tonumber(ARGV[2]))
local n = tonumber(ARGV[5])
if new == 1 or ARGV[4] == '1' then
  for i = 0, n - 1 do
    local id, units = ARGV[6 + 2 * i], ARGV[7 + 2 * i]
    if redis.call('HSETNX', KEYS[2], id, worker .. ' ' .. units) == 1 then
      redis.call('HINCRBY', KEYS[1], 'reserved', tonumber(units))
    end
  end
end
for i = 6 + 2 * n, #ARGV do drop(ARGV[i]) end
return new
"""
)

# ARGV: worker (or ''), running spent. Returns {spent, reserved} after purging.
_BUDGET_TOTALS = (
    _UNITS
    + """
if ARGV[1] ~= '' then sync(ARGV[1], tonumber(ARGV[2])) end
local spent, reserved = totals()
return {tostring(spent), tostring(reserved)}
"""
)

# Locks. KEYS: lock. ARGV: token, ttl ms. Takes the lock if free (or already ours);
# else returns 0.
_LOCK_TAKE = """
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then return 1 end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS: lock. ARGV: token, ttl ms. Extends the lock if the token owns it.
_LOCK_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS: lock, signal. ARGV: token. Deletes the lock only for its owner.
_LOCK_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('LPUSH', KEYS[2], '1')
  redis.call('LTRIM', KEYS[2], 0, 63)
  redis.call('PEXPIRE', KEYS[2], 60000)
  return 1
end
return 0
"""

_SCRIPTS: Final = {
    "reserve": _RESERVE,
    "sent": _SENT,
    "merge": _MERGE,
    "pause": _PAUSE,
    "lease": _LEASE,
    "renew": _RENEW,
    "release": _RELEASE,
    "budget_reserve": _BUDGET_RESERVE,
    "budget_settle": _BUDGET_SETTLE,
    "budget_heartbeat": _BUDGET_HEARTBEAT,
    "budget_totals": _BUDGET_TOTALS,
    "lock_take": _LOCK_TAKE,
    "lock_renew": _LOCK_RENEW,
    "lock_release": _LOCK_RELEASE,
}


def _salt_bytes(salt: str | bytes | None) -> bytes:
    if salt is None:
        salt = os.environ.get(SALT_ENV) or None
    if salt is None:
        return _DEFAULT_SALT
    return salt.encode() if isinstance(salt, str) else salt


def credential_tag(credential: str, salt: str | bytes | None = None) -> str:
    """The keyed hash (HMAC-SHA256, 128 bits) of the credential used in key names.

    ``salt`` defaults to ``$SEMRUSH_REDIS_SALT``, then to a fixed package salt.
    """
    return hmac.new(_salt_bytes(salt), credential.encode(), hashlib.sha256).hexdigest()[:32]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class _Tasks:
    """Background round trips that must finish before the connection closes."""

    __slots__ = ("_tasks",)

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.add(task)
        return task

    def add(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        # Retrieved here: a failed background round trip has already been handled
        # (kept for the heartbeat to retry) and must not be reported as unhandled.
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.debug("background Redis round trip failed: %r", exc)

    async def wait(self) -> None:
        # Tasks may spawn follow-ups (a cancelled reservation's release): loop.
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class RedisGovernance:
    """Governors, a unit budget and locks shared by every process using one account.

    ``credential`` names the account whose limits are shared; the client binds its
    API key when it is not given. OAuth-only clients (no API key) must pass one: any
    stable identifier of the Semrush account, the same in every process (for example
    the account's user id or login). Only a keyed hash of it reaches Redis.

    ``salt`` (default ``$SEMRUSH_REDIS_SALT``) keys that hash; give every deployment
    its own secret salt. ``max_connections`` bounds this process's Redis connections
    (callers queue for one for up to ``pool_timeout`` seconds, then the call counts
    as Redis being unreachable); it applies when ``redis`` is a URL.
    """

    def __init__(
        self,
        redis: str | aioredis.Redis,
        *,
        credential: str | None = None,
        salt: str | bytes | None = None,
        limits: Mapping[str, Limit] | None = None,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        lease_seconds: float = 30.0,
        fallback_workers: int | None = None,
        probe_interval: float = 1.0,
        prefix: str = "semrush",
        max_connections: int = 32,
        pool_timeout: float = 30.0,
    ) -> None:
        table = LimitTable(limits)
        if fallback_workers is not None and fallback_workers < 1:
            raise ValueError("fallback_workers must be >= 1")
        if lease_seconds <= 0 or probe_interval <= 0:
            raise ValueError("lease_seconds and probe_interval must be > 0")
        if max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        self._owns = isinstance(redis, str)
        if isinstance(redis, str):
            # Blocking pool: a caller past max_connections waits for a free
            # connection instead of failing (redis-py's default pool raises
            # "Too many connections", which would read as "Redis is down").
            pool = aioredis.BlockingConnectionPool.from_url(
                redis,
                max_connections=max_connections,
                timeout=pool_timeout,
                socket_timeout=5,
                socket_connect_timeout=5,
                # A pooled connection that a Redis restart broke is retried on a new
                # one; every script is safe to run twice (ids make them idempotent).
                retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
            )
            self.redis: aioredis.Redis = aioredis.Redis.from_pool(pool)
        else:
            self.redis = redis
        self._table = table
        self.safety_margin = safety_margin
        self.lease_seconds = lease_seconds
        self.fallback_workers = fallback_workers
        self.probe_interval = probe_interval
        self.prefix = prefix
        self._salt = _salt_bytes(salt)
        self._tag: str | None = credential_tag(credential, self._salt) if credential else None
        self._governors: dict[str, RedisGovernor] = {}
        self._meters: list[RedisUnitMeter] = []
        self._down = False
        self._probe: asyncio.Task[None] | None = None
        self._closed = False
        self._tasks = _Tasks()
        self.scripts = {name: self.redis.register_script(src) for name, src in _SCRIPTS.items()}
        #: Redis round trips made (admission, leases, pauses, budget, locks).
        self.round_trips = 0

    def __repr__(self) -> str:
        state = "fallback" if self._down else "shared"
        return f"<RedisGovernance prefix={self.prefix!r} {state}>"

    @property
    def limits(self) -> Mapping[str, Limit]:
        return self._table.limits

    def register(self, published: Mapping[str, Limit]) -> None:
        """Learn governors and their published limits (from a family's rows);
        overrides given at construction win. Every process must bind the same
        families with the same limits (as it must pass the same ``limits=``)."""
        self._table.register(published)

    def check(self) -> None:
        self._table.check()

    @property
    def on_fallback(self) -> bool:
        """True while Redis is unreachable and local fallback governors are in use."""
        return self._down

    def bind(self, credential: str | None) -> None:
        """Name the account (the client does this with its API key if unset)."""
        if self._tag is not None:
            return
        if not credential:
            raise ValueError(
                "RedisGovernance needs credential= when the client has no API key (v3 or "
                "v4): pass a "
                "stable identifier of the Semrush account (e.g. its user id), the same in "
                "every process, so that only clients of one account share limits"
            )
        self._tag = credential_tag(credential, self._salt)

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
            gov = self._governors[name] = RedisGovernor(self, name, self._table.limits[name])
        return gov

    def stats(self) -> dict[str, EndpointStats]:
        """This process's counters of every endpoint (zero for those not used yet)."""
        return _all_stats(self._table.limits, self._governors)

    def unit_meter(
        self, budget: int | None, balance_fetcher: Callable[[], Awaitable[int]]
    ) -> RedisUnitMeter:
        """A unit meter whose budget is shared through Redis."""
        meter = RedisUnitMeter(self, budget, balance_fetcher=balance_fetcher)
        self._meters.append(meter)
        return meter

    # --- fallback --------------------------------------------------------------------

    def _went_down(self, err: BaseException, name: str) -> None:
        """Redis failed: raise GovernanceUnavailable (fail closed) or switch to fallback."""
        if self.fallback_workers is None:
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}); {name} requests are "
                "held back (fail closed)"
            ) from None
        if not self._down:
            logger.warning(
                "Redis unreachable (%s): falling back to local governors at 1/%d of each "
                "limit; probing Redis every %gs",
                type(err).__name__,
                self.fallback_workers,
                self.probe_interval,
            )
            self._down = True
        if not self._closed and (self._probe is None or self._probe.done()):
            self._probe = asyncio.ensure_future(self._probe_until_back())

    # Background loops stop on a flag, not only on cancel(): redis-py can turn a
    # cancellation that lands during a read into its own TimeoutError, which these
    # loops treat as "Redis is down, try again".

    def _is_closed(self) -> bool:
        return self._closed

    async def _probe_until_back(self) -> None:
        while not self._is_closed():
            await asyncio.sleep(self.probe_interval)
            if self._is_closed():
                return
            try:
                self.round_trips += 1
                await self.redis.ping()
                # Shared admission must count what we started locally meanwhile.
                for gov in list(self._governors.values()):
                    await gov._merge_local_starts()
            except _REDIS_DOWN:
                continue
            self._down = False
            for gov in self._governors.values():
                gov._fallback = None  # a later outage starts from a fresh local log
            logger.warning("Redis is back: shared governance resumed")
            return

    # --- locks -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lock(self, name: str, *, ttl: float = 30.0) -> AsyncIterator[None]:
        """Hold the cross-process lock ``name`` (namespaced by credential) while inside.

        Owned by a random token: renewed every ``ttl / 3`` while held, released only by
        its owner; a holder that dies frees it after ``ttl``. Waiters block on a
        release signal. Raises GovernanceUnavailable when Redis is unreachable.
        """
        if ttl <= 0:
            raise ValueError("ttl must be > 0")
        key = self.key("lock", name)
        signal = self.key("lock", name, "released")
        token = uuid.uuid4().hex
        ttl_ms = max(1, math.ceil(ttl * 1000))
        take: asyncio.Task[Any] | None = None
        try:
            while True:
                take = self._tasks.spawn(self.call("lock_take", [key], [token, ttl_ms]))
                # Shielded: a cancelled caller leaves the round trip running, and the
                # release below waits for it (a release that overtook a take still on
                # its way would leave the lock held by nobody for ``ttl``).
                if int(await asyncio.shield(take)):
                    break
                take = None
                self.round_trips += 2
                left = await self.redis.pttl(key)
                wait = left / 1000 if left and left > 0 else 0.01
                await self.redis.blpop([signal], timeout=max(0.01, min(wait, 1.0)))
        except BaseException as err:
            # Cancelled or cut off while taking it: the script may have run (or may
            # still run). Give it back once it has landed (only this token's lock is
            # deleted).
            self._tasks.spawn(self._release_lock(key, signal, token, after=take))
            if isinstance(err, _REDIS_DOWN):
                raise GovernanceUnavailable(
                    f"Redis is unreachable ({type(err).__name__}): the lock {name!r} "
                    "cannot be taken"
                ) from None
            raise
        held = asyncio.Event()
        held.set()
        renewer = asyncio.ensure_future(self._renew_lock(key, token, ttl_ms, name, held))
        try:
            yield
        finally:
            held.clear()
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            # Shielded: a cancelled holder still gives the lock back.
            await asyncio.shield(self._tasks.spawn(self._release_lock(key, signal, token)))

    async def _release_lock(
        self, key: str, signal: str, token: str, after: asyncio.Task[Any] | None = None
    ) -> None:
        if after is not None:
            await asyncio.wait([after])
        with contextlib.suppress(*_REDIS_DOWN):
            await self.call("lock_release", [key, signal], [token])

    async def _renew_lock(
        self, key: str, token: str, ttl_ms: int, name: str, held: asyncio.Event
    ) -> None:
        while held.is_set():
            await asyncio.sleep(ttl_ms / 3000)
            if not held.is_set():
                return
            try:
                renewed = await self.call("lock_renew", [key], [token, ttl_ms])
            except _REDIS_DOWN:
                continue
            if not renewed and held.is_set():
                logger.warning("the Redis lock %r expired while held", name)
                return

    async def aclose(self) -> None:
        """Wait for pending settlements and releases, then close an owned connection."""
        self._closed = True
        for meter in self._meters:
            await meter.aclose()
        for gov in self._governors.values():
            await gov.aclose()
        await self._tasks.wait()
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        if self._owns:
            await self.redis.aclose()


class _Lease:
    """One concurrency slot held in Redis by id.

    The id exists before the first round trip, so a caller cancelled while the lease
    script is on its way can still give back what it may grant. The holder renews it
    from the moment it is granted, also while it waits for its start slot (a wait can
    outlast ``lease_seconds``), and gives it back exactly once.
    """

    __slots__ = ("_gov", "_pending", "_released", "_renewer", "granted", "id")

    def __init__(self, gov: RedisGovernor) -> None:
        self._gov = gov
        self.id = uuid.uuid4().hex
        self.granted = False
        self._released = False
        #: A lease round trip whose outcome is unknown (in flight, failed, abandoned).
        self._pending: asyncio.Future[Any] | None = None
        self._renewer: asyncio.Task[None] | None = None

    def grant(self) -> None:
        self.granted = True
        self._pending = None
        self._renewer = asyncio.ensure_future(self._gov._renew(self))

    def released(self) -> bool:
        return self._released

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        if self._renewer is not None:
            self._renewer.cancel()
        if self.granted or self._pending is not None:
            self._gov._tasks.spawn(self._give_back(self._pending))

    async def _give_back(self, pending: asyncio.Future[Any] | None) -> None:
        if pending is not None:
            # A lease script still on its way may grant the lease after a release
            # sent now: release once it has landed.
            await asyncio.wait([pending])
        await self._gov._release_lease(self.id)


class _RedisPermit:
    __slots__ = (
        "_correcting",
        "_done",
        "_gov",
        "_lease",
        "_left",
        "_recorded",
        "_sent",
        "_slot",
        "waited",
    )

    def __init__(
        self,
        gov: RedisGovernor,
        waited: float,
        lease: _Lease | None,
        slot: float,
        recorded: str,
        report_sent: bool,
    ) -> None:
        self._gov = gov
        self.waited = waited
        self._lease = lease  # renewed since it was granted
        self._slot = slot  # loop time at which the reserved slot opened
        self._recorded = recorded  # the slot as the Redis log holds it
        self._done = False
        self._sent = False
        self._correcting = False
        #: Set once the request left and any correction reached Redis (send barrier).
        self._left = asyncio.Event()
        if not report_sent:
            self._left.set()

    def sent(self) -> None:
        """The request left now: if later than its slot allows, move the slot in Redis."""
        if self._sent:
            return
        self._sent = True
        late = asyncio.get_running_loop().time() - self._slot - self._gov._catchup
        if late > 0 and not self._done:
            self._correcting = True
            task = self._gov._tasks.spawn(self._gov._correct(self._recorded, late))
            task.add_done_callback(lambda _: self._left.set())
        else:
            self._left.set()

    def release(self) -> None:
        if not self._correcting:
            self._left.set()
        if self._done:
            return
        self._done = True
        self._gov._counters.in_flight -= 1
        if self._lease is not None:
            self._lease.release()

    async def __aenter__(self) -> _RedisPermit:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class RedisGovernor:
    """One endpoint's shared governor (see the module docs)."""

    #: :class:`~semrush_async._core.governance.GovernorChain` may pass ``inner``.
    nests: Final = True

    def __init__(self, owner: RedisGovernance, name: str, limit: Limit) -> None:
        self.owner = owner
        self.name = name
        self.limit = limit
        stretch = 1 + owner.safety_margin
        if limit.strategy is Strategy.SPACED:
            self._n, self._window = 1, limit.per * stretch / limit.rate
        else:
            self._n, self._window = limit.rate, limit.per * stretch
        # As in the local governor: lateness up to a quarter of the margin is absorbed.
        self._catchup = owner.safety_margin * limit.per / 4
        self._turnstile = asyncio.Lock()
        self._tasks = _Tasks()
        self._fallback: EndpointGovernor | None = None
        self._local_starts: collections.deque[float] = collections.deque(maxlen=limit.rate)
        self._last: _RedisPermit | None = None
        self._counters = _Counters()

    def _fallback_governor(self) -> EndpointGovernor:
        if self._fallback is None:
            workers = self.owner.fallback_workers or 1
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

    async def _local(self, report_sent: bool, inner: _Inner | None) -> Permit:
        permit = await self._fallback_governor().acquire(report_sent, inner)
        self._local_starts.append(asyncio.get_running_loop().time())
        return permit

    async def _merge_local_starts(self) -> None:
        """Write this process's recent fallback starts into the shared log."""
        now = asyncio.get_running_loop().time()
        starts = list(self._local_starts)
        self._local_starts.clear()
        ages = [now - t for t in starts if now - t < self._window]
        if not ages:
            return
        try:
            await self.owner.call(
                "merge",
                [self.owner.key(self.name, "log")],
                [self._n, f"{self._window:.6f}", *(f"{a:.6f}" for a in ages)],
            )
        except BaseException:
            self._local_starts.extendleft(reversed(starts))  # merged at the next probe
            raise

    async def acquire(self, report_sent: bool = False, inner: _Inner | None = None) -> Permit:
        """Wait for a start slot (and a lease, if capped); release the permit.

        ``inner`` (the account governor's acquire, from a chain) runs once this
        endpoint would admit a start now, and the start is recorded only after it
        returned, as the local governor does: a start waiting for the account cannot
        hold a slot that another process's reservation may push out of the log.
        """
        if self.owner._down:
            return await self._local(report_sent, inner)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        self._counters.waiting += 1
        try:
            lease, slot, recorded = await self._admit(loop, inner)
        except _REDIS_DOWN as err:
            self.owner._went_down(err, self.name)
            return await self._local(report_sent, inner)
        finally:
            self._counters.waiting -= 1
        waited = loop.time() - t0
        self._counters.start(waited)
        permit = self._last = _RedisPermit(self, waited, lease, slot, recorded, report_sent)
        return permit

    async def _admit(
        self, loop: asyncio.AbstractEventLoop, inner: _Inner | None
    ) -> tuple[_Lease | None, float, str]:
        """Take a lease (if capped) and a start slot, then wait for the slot."""
        lease: _Lease | None = None
        taken: Permit | None = None  # inner's permit, given back if we fail
        async with self._turnstile:
            try:
                if self.limit.concurrency:
                    lease = _Lease(self)
                    await self._take(lease)
                await self._barrier()
                if inner is None:
                    wait, recorded = await self._reserve("slot")
                    delay = max(0.0, float(wait))
                    slot = loop.time() + delay
                    if delay > 0:
                        await asyncio.sleep(delay)
                else:
                    recorded = ""
                    while not recorded:
                        while (delay := float(_text((await self._reserve("peek"))[0]))) > 0:
                            await asyncio.sleep(delay)
                        taken = await inner()
                        recorded = _text((await self._reserve("now"))[1])
                        if not recorded:
                            # Another process started in between: the inner start is
                            # wasted (it stays counted there, which errs on the safe
                            # side); wait for the next slot.
                            taken.release()
                            taken = None
                    slot = loop.time()
            except BaseException:
                if taken is not None:
                    taken.release()
                if lease is not None:
                    lease.release()
                raise
        return lease, slot, _text(recorded)

    async def _reserve(self, mode: str) -> Any:
        return await self.owner.call(
            "reserve",
            [self.owner.key(self.name, "log"), self.owner.key(self.name, "pause")],
            [self._n, f"{self._window:.6f}", mode],
        )

    async def _barrier(self) -> None:
        # Send barrier: reserve the next slot only once the previous start has left
        # and its correction (if late) is in the log, else both could reach the
        # server closer together than the limit allows. At most one window.
        previous = self._last
        if previous is not None and not previous._left.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.limit.per):
                    await previous._left.wait()

    async def _correct(self, recorded: str, late: float) -> None:
        with contextlib.suppress(*_REDIS_DOWN):
            await self.owner.call(
                "sent",
                [self.owner.key(self.name, "log")],
                [f"{self._window:.6f}", recorded, f"{late:.6f}"],
            )

    async def _take(self, lease: _Lease) -> None:
        leases = self.owner.key(self.name, "leases")
        signal = self.owner.key(self.name, "released")
        assert self.limit.concurrency
        while True:
            call = self._tasks.spawn(
                self.owner.call(
                    "lease", [leases], [self.limit.concurrency, lease.id, self.owner.lease_seconds]
                )
            )
            lease._pending = call
            # Shielded: cancelling the caller must not cut the round trip (the script
            # may run anyway); lease.release() gives back what it grants once landed.
            wait = float(await asyncio.shield(call))
            if wait <= 0:
                lease.grant()
                return
            lease._pending = None
            # Block until some holder releases (or the earliest lease would expire).
            self.owner.round_trips += 1
            await self.owner.redis.blpop([signal], timeout=max(0.01, min(wait, 1.0)))

    async def _renew(self, lease: _Lease) -> None:
        every = self.owner.lease_seconds / 3
        key = self.owner.key(self.name, "leases")
        # Until released (a renewal after the release finds no lease: ZADD XX).
        while not lease.released():
            await asyncio.sleep(every)
            if lease.released():
                return
            try:
                held = await self.owner.call("renew", [key], [lease.id, self.owner.lease_seconds])
            except _REDIS_DOWN:
                continue  # try again next time: the lease lasts three renewals
            if not int(held) and not lease.released():
                logger.warning("%s: a concurrency lease expired while it was held", self.name)
                return

    async def _release_lease(self, lease: str) -> None:
        with contextlib.suppress(*_REDIS_DOWN):
            await self.owner.call(
                "release",
                [self.owner.key(self.name, "leases"), self.owner.key(self.name, "released")],
                [lease],
            )

    async def pause(self, seconds: float) -> None:
        if self.owner._down:
            await self._fallback_governor().pause(seconds)
            return
        try:
            await self.owner.call(
                "pause", [self.owner.key(self.name, "pause")], [f"{max(0.0, seconds):.6f}"]
            )
        except _REDIS_DOWN as err:
            self.owner._went_down(err, self.name)
            await self._fallback_governor().pause(seconds)

    def note_rate_limited(self) -> None:
        self._counters.rate_limited += 1

    def stats(self) -> EndpointStats:
        return self._counters.snapshot(self.name, self.limit, 0.0)

    async def aclose(self) -> None:
        await self._tasks.wait()


class _RedisReservation(Reservation):
    __slots__ = ("rid",)

    def __init__(self, meter: UnitMeter, report: str, units: int, rid: str, known: bool) -> None:
        super().__init__(meter, report, units, known)
        self.rid = rid


class RedisUnitMeter(UnitMeter):
    """A unit meter whose budget, spent and reserved units live in Redis.

    Each reservation is held in Redis by id for this worker; the worker stays alive
    in Redis while it makes round trips or heartbeats (every ``lease_seconds / 3``),
    and a worker silent for ``lease_seconds`` (killed) loses its reservations.
    """

    def __init__(
        self,
        owner: RedisGovernance,
        budget: int | None,
        *,
        balance_fetcher: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        super().__init__(budget, balance_fetcher=balance_fetcher)
        self.owner = owner
        self.worker = uuid.uuid4().hex
        self._tasks = _Tasks()
        self._live: dict[str, int] = {}
        self._drops: set[str] = set()
        self._resync = False
        self._wake = asyncio.Event()
        self._heartbeat: asyncio.Task[None] | None = None
        self._closing = False

    def _keys(self) -> list[str]:
        k = self.owner.key
        return [k("units"), k("units", "reservations"), k("units", "workers"), k("units", "by")]

    def _head(self) -> list[Any]:
        return [self.worker, self._spent, f"{self.owner.lease_seconds:.3f}"]

    def _note_new(self, new: Any) -> None:
        # Redis did not know this worker: it restarted (or we were silent past our
        # liveness). Re-add our live reservations at once.
        if int(new) and (self._live or self._resync):
            self._resync = True
            self._wake.set()

    async def reserve(self, report: str, units: int, *, known: bool = True) -> Reservation:
        if units == 0 or self.budget is None:
            return await super().reserve(report, units, known=known)
        if units < 0:
            raise ValueError("units must be >= 0")
        if self._heartbeat is None and not self._closing:
            self._heartbeat = asyncio.ensure_future(self._beat())
        rid = uuid.uuid4().hex
        # Shielded: a caller cancelled during the round trip does not cancel the
        # script, which may already run; its reservation is released when it lands.
        task = asyncio.ensure_future(
            self.owner.call(
                "budget_reserve", self._keys(), [*self._head(), self.budget, units, rid]
            )
        )
        try:
            answer = await asyncio.shield(task)
        except asyncio.CancelledError:
            self._tasks.add(task)
            task.add_done_callback(lambda _: self._drop(rid))
            raise
        except _REDIS_DOWN as err:
            self._drops.add(rid)  # it may have been applied before the connection broke
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}): the shared unit budget "
                "cannot be checked, so nothing is sent"
            ) from None
        status, available, new = _text(answer[0]), int(float(_text(answer[1]))), answer[2]
        self._note_new(new)
        if status != "ok":
            raise BudgetExceeded(
                f"{report} could cost up to {units} API units but only {max(0, available)} "
                f"of the shared unit_budget {self.budget} remain",
                needed=units,
                available=max(0, available),
            )
        self._reserved += units
        self._live[rid] = units
        return _RedisReservation(self, report, units, rid, known)

    def _drop(self, rid: str) -> None:
        self._live.pop(rid, None)
        self._tasks.spawn(self._settle_remote(rid))

    def _settle(self, r: Reservation, actual: int) -> None:
        super()._settle(r, actual)
        if isinstance(r, _RedisReservation):
            self._drop(r.rid)

    async def _settle_remote(self, rid: str) -> None:
        # Until this lands the units stay reserved: the budget errs on the safe side.
        try:
            new = await self.owner.call("budget_settle", self._keys(), [*self._head(), rid])
        except _REDIS_DOWN:
            self._drops.add(rid)  # retried by the heartbeat
            return
        self._note_new(new)

    def _stopping(self) -> bool:
        return self._closing

    async def _beat(self) -> None:
        # Stopped by _closing (see RedisGovernance._probe_until_back), never cancelled.
        loop = asyncio.get_running_loop()
        every = self.owner.lease_seconds / 3
        while not self._stopping():
            timer = loop.call_later(every, self._wake.set)
            try:
                await self._wake.wait()
            finally:
                timer.cancel()
            self._wake.clear()
            if self._stopping():
                return
            with contextlib.suppress(*_REDIS_DOWN):
                await self._send_heartbeat()

    async def _send_heartbeat(self) -> None:
        live = dict(self._live)
        drops = set(self._drops)
        resync = self._resync
        self._resync = False
        flat = [x for rid, units in live.items() for x in (rid, units)]
        try:
            new = await self.owner.call(
                "budget_heartbeat",
                self._keys(),
                [*self._head(), int(resync), len(live), *flat, *drops],
            )
        except BaseException:
            self._resync = self._resync or resync
            raise
        self._drops -= drops
        if int(new) or resync:
            # Re-added ids settled while the heartbeat was on its way: drop them again.
            self._drops |= set(live) - set(self._live)
            if self._drops:
                self._wake.set()

    async def available(self) -> int | None:
        """Units the shared budget can still pay for (one round trip)."""
        if self.budget is None:
            return None
        try:
            spent, reserved = await self.owner.call(
                "budget_totals", self._keys(), [self.worker, self._spent]
            )
        except _REDIS_DOWN as err:
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}): the shared unit budget "
                "cannot be checked, so nothing is sent"
            ) from None
        shared = self.budget - int(_text(spent)) - int(_text(reserved))
        local = self.remaining
        return min(shared, local) if local is not None else shared

    async def shared(self) -> dict[str, int]:
        """Spent and reserved units across every process sharing the budget (after
        this meter's own settlements have landed)."""
        await self._tasks.wait()
        spent, reserved = await self.owner.call("budget_totals", self._keys(), ["", 0])
        return {"spent": int(_text(spent)), "reserved": int(_text(reserved))}

    async def flush(self) -> None:
        """Wait until every settlement and release has reached Redis (or failed)."""
        await self._tasks.wait()
        if self._drops:
            with contextlib.suppress(*_REDIS_DOWN):
                await self._send_heartbeat()

    async def aclose(self) -> None:
        """Flush, stop the heartbeat, and let Redis forget this worker's liveness."""
        await self.flush()
        self._closing = True
        if self._heartbeat is not None:
            self._wake.set()
            await self._heartbeat
            self._heartbeat = None
            with contextlib.suppress(*_REDIS_DOWN):
                # Anything still reserved by this worker is dropped at the next purge.
                self.owner.round_trips += 1
                await self.owner.redis.zadd(self._keys()[2], {self.worker: 0})
