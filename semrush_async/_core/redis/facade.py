"""The facade: ``RedisGovernance`` makes the shared governors, the unit meter and
the locks of one account, and owns their Redis connection and fallback state.

When Redis is unreachable the governor fails closed (``GovernanceUnavailable``,
nothing is sent) unless ``fallback_workers`` is set: then it falls back to an
in-process governor at N / fallback_workers (the window is stretched by that
factor), probes Redis every ``probe_interval`` seconds and returns to shared
governance once Redis answers. The unit budget and locks always fail closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from semrush_async._core.governance import (
    EndpointStats,
    Limit,
    LimitTable,
    _all_stats,
)
from semrush_async._core.redis.connection import REDIS_DOWN, aioredis, connect, logger
from semrush_async._core.redis.governor import RedisGovernor
from semrush_async._core.redis.keys import Keyspace
from semrush_async._core.redis.locks import hold_lock
from semrush_async._core.redis.meter import RedisUnitMeter
from semrush_async._core.redis.scripts import SCRIPTS
from semrush_async._core.redis.tasks import BackgroundTasks
from semrush_async.errors import GovernanceUnavailable

__all__ = ["RedisGovernance"]


#: The Redis governors' slack. Round trips are not shared between processes, so the
#: shared windows keep a fixed reserve for network jitter (the local governor's
#: default is smaller because it measures each request's delay).
REDIS_SAFETY_MARGIN: Final = 0.02


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
        safety_margin: float = REDIS_SAFETY_MARGIN,
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
        self.redis: aioredis.Redis = (
            connect(redis, max_connections=max_connections, pool_timeout=pool_timeout)
            if isinstance(redis, str)
            else redis
        )
        self._table = table
        self.safety_margin = safety_margin
        self.lease_seconds = lease_seconds
        self.fallback_workers = fallback_workers
        self.probe_interval = probe_interval
        self._keys = Keyspace(prefix, salt, credential)
        self._governors: dict[str, RedisGovernor] = {}
        self._meters: list[RedisUnitMeter] = []
        self._down = False
        self._probe: asyncio.Task[None] | None = None
        self._closed = False
        self._tasks = BackgroundTasks()
        self.scripts = {name: self.redis.register_script(src) for name, src in SCRIPTS.items()}
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

    @property
    def prefix(self) -> str:
        return self._keys.prefix

    def bind(self, credential: str | None) -> None:
        """Name the account (the client does this with its API key if unset)."""
        self._keys.bind(credential)

    def key(self, *parts: str) -> str:
        return self._keys.key(*parts)

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
            except REDIS_DOWN:
                continue
            self._down = False
            for gov in self._governors.values():
                gov._fallback = None  # a later outage starts from a fresh local log
            logger.warning("Redis is back: shared governance resumed")
            return

    # --- locks -----------------------------------------------------------------------

    def lock(self, name: str, *, ttl: float = 30.0) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the cross-process lock ``name`` (namespaced by credential) while inside.

        Owned by a random token: renewed every ``ttl / 3`` while held, released only by
        its owner; a holder that dies frees it after ``ttl``. Waiters block on a
        release signal. Raises GovernanceUnavailable when Redis is unreachable.
        """
        return hold_lock(self, name, ttl)

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
