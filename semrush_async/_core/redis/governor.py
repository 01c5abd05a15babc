"""One endpoint's shared governor: start slots, concurrency leases and pauses in Redis.

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
  blocks on a release signal (BLPOP) instead of polling. A lease round trip
  abandoned by a cancelled caller runs on, and what it grants is given back once it
  lands.
* **Pause**: a 429/Retry-After seen by any process pauses the endpoint for all.
* **Fallback**: while Redis is unreachable (and ``fallback_workers`` is set), a local
  governor at N / fallback_workers serves; its starts are merged into the shared log
  when Redis is back.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import uuid
from types import TracebackType
from typing import Any, Final

from semrush_async._core.deadline import QUEUE_DEADLINE, Deadline
from semrush_async._core.governance import (
    EndpointGovernor,
    EndpointStats,
    Limit,
    Permit,
    Strategy,
    _Counters,
    _Inner,
)
from semrush_async._core.redis.connection import REDIS_DOWN, Owner, as_text, logger
from semrush_async._core.redis.tasks import BackgroundTasks

__all__ = ["RedisGovernor"]


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

    def answered(self) -> None:
        """Round trips are not shared through Redis: the fixed margin covers jitter."""

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

    def __init__(self, owner: Owner, name: str, limit: Limit) -> None:
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
        self._tasks = BackgroundTasks()
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
        deadline = QUEUE_DEADLINE.get()
        if deadline is not None:
            # Fail fast: this process's waiters ahead alone would outlast max_wait.
            ahead = (self._counters.waiting // self._n) * self._window
            deadline.check(self.name, loop, t0, ahead)
        self._counters.waiting += 1
        try:
            lease, slot, recorded = await self._admit(loop, inner, deadline, t0)
        except REDIS_DOWN as err:
            self.owner._went_down(err, self.name)
            return await self._local(report_sent, inner)
        finally:
            self._counters.waiting -= 1
        waited = loop.time() - t0
        self._counters.start(waited)
        permit = self._last = _RedisPermit(self, waited, lease, slot, recorded, report_sent)
        return permit

    async def _admit(
        self,
        loop: asyncio.AbstractEventLoop,
        inner: _Inner | None,
        deadline: Deadline | None = None,
        t0: float = 0.0,
    ) -> tuple[_Lease | None, float, str]:
        """Take a lease (if capped) and a start slot, then wait for the slot.

        With a deadline (``max_wait``) no slot is reserved ahead: the start is
        recorded only once it is admitted now, and a wait past the deadline raises
        QueueTimeout with nothing recorded in Redis.
        """
        lease: _Lease | None = None
        taken: Permit | None = None  # inner's permit, given back if we fail
        async with self._turnstile:
            try:
                if self.limit.concurrency:
                    lease = _Lease(self)
                    await self._take(lease)
                await self._barrier()
                if inner is None and deadline is None:
                    wait, recorded = await self._reserve("slot")
                    delay = max(0.0, float(wait))
                    slot = loop.time() + delay
                    if delay > 0:
                        await asyncio.sleep(delay)
                else:
                    recorded = ""
                    while not recorded:
                        while (delay := float(as_text((await self._reserve("peek"))[0]))) > 0:
                            if deadline is not None:
                                deadline.check(self.name, loop, t0, delay)
                            await asyncio.sleep(delay)
                        if inner is not None:
                            taken = await inner()
                        recorded = as_text((await self._reserve("now"))[1])
                        if not recorded and taken is not None:
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
        return lease, slot, as_text(recorded)

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
        with contextlib.suppress(*REDIS_DOWN):
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
            except REDIS_DOWN:
                continue  # try again next time: the lease lasts three renewals
            if not int(held) and not lease.released():
                logger.warning("%s: a concurrency lease expired while it was held", self.name)
                return

    async def _release_lease(self, lease: str) -> None:
        with contextlib.suppress(*REDIS_DOWN):
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
        except REDIS_DOWN as err:
            self.owner._went_down(err, self.name)
            await self._fallback_governor().pause(seconds)

    def note_rate_limited(self) -> None:
        self._counters.rate_limited += 1

    def stats(self) -> EndpointStats:
        return self._counters.snapshot(self.name, self.limit, 0.0)

    async def aclose(self) -> None:
        await self._tasks.wait()
