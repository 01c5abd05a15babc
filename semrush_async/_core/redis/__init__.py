"""Rate governance, the unit budget and locks shared across processes and hosts, on Redis.

``SemrushClient(governance=RedisGovernance("redis://..."))`` in every process that
uses one account gives them one governor per endpoint, one unit budget and named
locks (``pip install "semrush-async[redis]"``).

Everything shared is changed by Lua scripts (``lua/``, loaded by ``scripts``),
atomic and timed by the Redis server's ``TIME``. The parts:

* ``facade``: :class:`RedisGovernance`, which makes the others and owns the
  connection, the fallback to local governors and the probe that ends it;
* ``governor``: one endpoint's start slots, concurrency leases and pauses;
* ``meter``: the unit budget, its reservations tracked by id per live worker;
* ``locks``: token-owned, renewed mutual-exclusion locks;
* ``keys``: key names under a keyed hash of the credential;
* ``connection``: redis-py, the connection pool, and what the parts use of the
  facade; ``tasks``: round trips that must land before the connection closes.
"""

from __future__ import annotations

from semrush_async._core.redis.facade import RedisGovernance
from semrush_async._core.redis.governor import RedisGovernor
from semrush_async._core.redis.keys import SALT_ENV, credential_tag
from semrush_async._core.redis.meter import RedisUnitMeter

# Its home is errors.py; still importable from here, its home before issue 22.
from semrush_async.errors import GovernanceUnavailable

__all__ = [
    "SALT_ENV",
    "GovernanceUnavailable",
    "RedisGovernance",
    "RedisGovernor",
    "RedisUnitMeter",
    "credential_tag",
]
