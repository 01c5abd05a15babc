"""Named locks shared across processes (used to serialise OAuth token refreshes).

A lock is a key holding its owner's random token: taken only when free, renewed
every ``ttl / 3`` while held, deleted only by its owner, and freed after ``ttl`` if
its holder dies. Waiters block on a release signal (BLPOP). Locks fail closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import uuid
from collections.abc import AsyncIterator
from typing import Any

from semrush_async._core.redis.connection import REDIS_DOWN, Owner, logger
from semrush_async.errors import GovernanceUnavailable

__all__ = ["hold_lock"]


@contextlib.asynccontextmanager
async def hold_lock(owner: Owner, name: str, ttl: float) -> AsyncIterator[None]:
    """Hold the cross-process lock ``name`` (namespaced by credential) while inside.

    Owned by a random token: renewed every ``ttl / 3`` while held, released only by
    its owner; a holder that dies frees it after ``ttl``. Waiters block on a
    release signal. Raises GovernanceUnavailable when Redis is unreachable.
    """
    if ttl <= 0:
        raise ValueError("ttl must be > 0")
    key = owner.key("lock", name)
    signal = owner.key("lock", name, "released")
    token = uuid.uuid4().hex
    ttl_ms = max(1, math.ceil(ttl * 1000))
    take: asyncio.Task[Any] | None = None
    try:
        while True:
            take = owner._tasks.spawn(owner.call("lock_take", [key], [token, ttl_ms]))
            # Shielded: a cancelled caller leaves the round trip running, and the
            # release below waits for it (a release that overtook a take still on
            # its way would leave the lock held by nobody for ``ttl``).
            if int(await asyncio.shield(take)):
                break
            take = None
            owner.round_trips += 2
            left = await owner.redis.pttl(key)
            wait = left / 1000 if left and left > 0 else 0.01
            await owner.redis.blpop([signal], timeout=max(0.01, min(wait, 1.0)))
    except BaseException as err:
        # Cancelled or cut off while taking it: the script may have run (or may
        # still run). Give it back once it has landed (only this token's lock is
        # deleted).
        owner._tasks.spawn(_release_lock(owner, key, signal, token, after=take))
        if isinstance(err, REDIS_DOWN):
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}): the lock {name!r} cannot be taken"
            ) from None
        raise
    held = asyncio.Event()
    held.set()
    renewer = asyncio.ensure_future(_renew_lock(owner, key, token, ttl_ms, name, held))
    try:
        yield
    finally:
        held.clear()
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        # Shielded: a cancelled holder still gives the lock back.
        await asyncio.shield(owner._tasks.spawn(_release_lock(owner, key, signal, token)))


async def _release_lock(
    owner: Owner, key: str, signal: str, token: str, after: asyncio.Task[Any] | None = None
) -> None:
    if after is not None:
        await asyncio.wait([after])
    with contextlib.suppress(*REDIS_DOWN):
        await owner.call("lock_release", [key, signal], [token])


async def _renew_lock(
    owner: Owner, key: str, token: str, ttl_ms: int, name: str, held: asyncio.Event
) -> None:
    while held.is_set():
        await asyncio.sleep(ttl_ms / 3000)
        if not held.is_set():
            return
        try:
            renewed = await owner.call("lock_renew", [key], [token, ttl_ms])
        except REDIS_DOWN:
            continue
        if not renewed and held.is_set():
            logger.warning("the Redis lock %r expired while held", name)
            return
