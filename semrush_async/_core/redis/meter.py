"""The unit meter whose budget is shared through Redis.

Every reservation is tracked by id, owned by a worker whose liveness expires
``lease_seconds`` after its last contact (renewed by a heartbeat). A dead worker's
reservations are dropped; a settlement for an id Redis does not know (after a
restart) subtracts nothing; each worker reports its running total spent, so the
shared ``spent`` is rebuilt after a Redis restart. The budget always fails closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from semrush_async._core.redis.connection import REDIS_DOWN, Owner, as_text
from semrush_async._core.redis.tasks import BackgroundTasks
from semrush_async._core.units import Reservation, UnitMeter
from semrush_async.errors import BudgetExceeded, GovernanceUnavailable

__all__ = ["RedisUnitMeter"]


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
        owner: Owner,
        budget: int | None,
        *,
        balance_fetcher: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        super().__init__(budget, balance_fetcher=balance_fetcher)
        self.owner = owner
        self.worker = uuid.uuid4().hex
        self._tasks = BackgroundTasks()
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
        except REDIS_DOWN as err:
            self._drops.add(rid)  # it may have been applied before the connection broke
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}): the shared unit budget "
                "cannot be checked, so nothing is sent"
            ) from None
        status, available, new = as_text(answer[0]), int(float(as_text(answer[1]))), answer[2]
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
        except REDIS_DOWN:
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
            with contextlib.suppress(*REDIS_DOWN):
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
        except REDIS_DOWN as err:
            raise GovernanceUnavailable(
                f"Redis is unreachable ({type(err).__name__}): the shared unit budget "
                "cannot be checked, so nothing is sent"
            ) from None
        shared = self.budget - int(as_text(spent)) - int(as_text(reserved))
        local = self.remaining
        return min(shared, local) if local is not None else shared

    async def shared(self) -> dict[str, int]:
        """Spent and reserved units across every process sharing the budget (after
        this meter's own settlements have landed)."""
        await self._tasks.wait()
        spent, reserved = await self.owner.call("budget_totals", self._keys(), ["", 0])
        return {"spent": int(as_text(spent)), "reserved": int(as_text(reserved))}

    async def flush(self) -> None:
        """Wait until every settlement and release has reached Redis (or failed)."""
        await self._tasks.wait()
        if self._drops:
            with contextlib.suppress(*REDIS_DOWN):
                await self._send_heartbeat()

    async def aclose(self) -> None:
        """Flush, stop the heartbeat, and let Redis forget this worker's liveness."""
        await self.flush()
        self._closing = True
        if self._heartbeat is not None:
            self._wake.set()
            await self._heartbeat
            self._heartbeat = None
            with contextlib.suppress(*REDIS_DOWN):
                # Anything still reserved by this worker is dropped at the next purge.
                self.owner.round_trips += 1
                await self.owner.redis.zadd(self._keys()[2], {self.worker: 0})
