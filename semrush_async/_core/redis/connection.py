"""redis-py (the optional ``redis`` extra), the connection pool, and what the parts
of the shared governance use of their :class:`~semrush_async._core.redis.RedisGovernance`."""

from __future__ import annotations

import logging
from typing import Any, Final, Protocol

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError('RedisGovernance needs redis-py: pip install "semrush-async[redis]"') from e

from semrush_async._core.redis.tasks import BackgroundTasks

__all__ = ["REDIS_DOWN", "Owner", "aioredis", "as_text", "connect", "logger"]

logger: Final = logging.getLogger("semrush_async")
#: The errors that mean Redis is unreachable (fail closed, or fall back).
REDIS_DOWN: Final = (_RedisConnectionError, _RedisTimeoutError, OSError)


def connect(url: str, *, max_connections: int, pool_timeout: float) -> aioredis.Redis:
    """A client on a blocking pool of ``max_connections``, retrying a broken connection."""
    # Blocking pool: a caller past max_connections waits for a free connection
    # instead of failing (redis-py's default pool raises "Too many connections",
    # which would read as "Redis is down").
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_timeout,
        socket_timeout=5,
        socket_connect_timeout=5,
        # A pooled connection that a Redis restart broke is retried on a new one;
        # every script is safe to run twice (ids make them idempotent).
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
    )
    return aioredis.Redis.from_pool(pool)


def as_text(value: Any) -> str:
    """A Redis reply as text (bytes unless the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)


class Owner(Protocol):
    """What a governor, a meter and a lock use of the governance that made them (a
    protocol, so that they need not import the facade that builds them)."""

    redis: aioredis.Redis
    #: Redis round trips made (admission, leases, pauses, budget, locks).
    round_trips: int
    safety_margin: float
    lease_seconds: float
    fallback_workers: int | None
    #: True while Redis is unreachable and the local fallback governors serve.
    _down: bool
    #: Round trips that must land before the connection closes.
    _tasks: BackgroundTasks

    def key(self, *parts: str) -> str: ...

    async def call(self, script: str, keys: list[str], args: list[Any]) -> Any: ...

    def _went_down(self, err: BaseException, name: str) -> None: ...
