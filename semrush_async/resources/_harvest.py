"""Concurrent, resumable harvesting of one report over many targets.

Workers fetch pages for different targets at once; the ``analytics`` governor, not
a semaphore here, sets the pace (workers only bound how many pages are held in
memory). Each page is yielded whole, tagged with its target, and the checkpoint is
committed when the consumer asks for the next item, i.e. after it processed the page:
a crash then re-fetches at most the pages it had not processed, never one it had.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Final

import attrs

from ..checkpoint import Checkpoint, TargetProgress, job_key
from ..errors import BudgetExceeded, SemrushError, ValidationError
from ..units import PRICES

if TYPE_CHECKING:
    from .backlinks import BacklinksResource, Filters, ReportQuery, TargetTypeArg

__all__ = ["Harvest", "HarvestItem"]

logger: Final = logging.getLogger("semrush_async")


@attrs.frozen(slots=True)
class HarvestItem:
    """One page of one target, or that target's failure (``error`` set, no rows)."""

    target: str
    rows: list[Any]
    #: Offset of the first row within the target's report.
    offset: int
    #: True when this is the target's last item.
    done: bool
    error: SemrushError | None = None
    #: The unit balance may have cut this target short.
    units_exhausted: bool = False


class Harvest:
    """Async iterator of :class:`HarvestItem`; summary attributes fill in as it runs."""

    def __init__(
        self,
        resource: BacklinksResource,
        targets: list[str],
        report: str,
        *,
        target_type: TargetTypeArg,
        columns: Iterable[str] | None,
        sort: str | None,
        filters: Filters,
        limit_per_target: int | None,
        page_size: int,
        checkpoint: str | None,
        workers: int | None,
    ) -> None:
        self._resource = resource
        self.targets = list(dict.fromkeys(targets))
        # Validate everything shared by all targets up front: nothing sent on bad input.
        probe = self.targets[0] if self.targets else "example.com"
        self._template = resource.query(report, [probe], [target_type], columns, sort, filters)
        if limit_per_target is not None and limit_per_target < 1:
            raise ValidationError("limit_per_target must be >= 1 or None")
        if not 1 <= page_size <= 1_000_000:
            raise ValidationError("page_size must be in 1..1000000")
        self.report = report
        self.limit_per_target = limit_per_target
        self.page_size = page_size
        limit = resource._client.governance_limit("analytics")
        self.workers = workers or 2 * (limit.concurrency or limit.rate)
        self._job = job_key(
            report=report,
            target_type=str(target_type),
            columns=self._template.columns,
            sort=sort,
            filter=self._template.filter,
            limit=limit_per_target,
        )
        self._checkpoint_path = checkpoint
        #: Targets finished (in this run or an earlier one recorded in the checkpoint).
        self.completed: list[str] = []
        #: Targets that failed, with their errors.
        self.failed: dict[str, SemrushError] = {}
        #: Targets cut short by the unit balance.
        self.units_exhausted: list[str] = []
        #: Set when the unit_budget stopped the harvest; the remaining targets are
        #: in ``pending`` and the checkpoint resumes them.
        self.budget_exceeded: BudgetExceeded | None = None
        self.pending: list[str] = []
        self.rows = 0
        self.pages = 0
        self.skipped_pages = 0
        self._started = False

    def __aiter__(self) -> AsyncIterator[HarvestItem]:
        if self._started:
            raise RuntimeError("a Harvest runs once; start a new one to run again")
        self._started = True
        return self._run()

    def _query(self, target: str) -> ReportQuery:
        return attrs.evolve(self._template, targets=(target,))

    async def _run(self) -> AsyncIterator[HarvestItem]:
        ckpt = Checkpoint(self._checkpoint_path, self._job) if self._checkpoint_path else None
        progress = ckpt.load() if ckpt else {}
        todo: asyncio.Queue[str] = asyncio.Queue()
        for t in self.targets:
            p = progress.get(t)
            if p is not None and p.done:
                self.completed.append(t)
                self.skipped_pages += p.pages
            else:
                todo.put_nowait(t)
        out: asyncio.Queue[HarvestItem | None] = asyncio.Queue(maxsize=self.workers)
        stop = asyncio.Event()
        live = {t: progress.get(t, TargetProgress()) for t in self.targets}

        async def worker() -> None:
            while not stop.is_set():
                try:
                    target = todo.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await self._target(target, live[target], out, stop)
                except BudgetExceeded as e:
                    self.budget_exceeded = self.budget_exceeded or e
                    self.pending.append(target)
                    stop.set()
                except SemrushError as e:
                    await out.put(HarvestItem(target, [], live[target].next_offset, True, e))

        async def run_workers() -> None:
            try:
                async with asyncio.TaskGroup() as tg:
                    for _ in range(min(self.workers, max(1, todo.qsize()))):
                        tg.create_task(worker())
            finally:
                await out.put(None)

        runner = asyncio.create_task(run_workers())
        try:
            while (item := await out.get()) is not None:
                yield item
                # The consumer came back: it has processed the page.
                self._account(item, live, ckpt)
            await runner
            while not todo.empty():
                self.pending.append(todo.get_nowait())
            if self.budget_exceeded is not None:
                logger.warning(
                    "harvest stopped by the unit_budget: %d targets complete, %d pending",
                    len(self.completed),
                    len(self.pending),
                )
        finally:
            if not runner.done():
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            if ckpt is not None:
                ckpt.close()

    def _account(
        self, item: HarvestItem, live: dict[str, TargetProgress], ckpt: Checkpoint | None
    ) -> None:
        if item.error is not None:
            self.failed[item.target] = item.error
            return
        p = live[item.target]
        new = TargetProgress(
            next_offset=item.offset + len(item.rows),
            rows=p.rows + len(item.rows),
            pages=p.pages + 1,
            done=item.done,
        )
        live[item.target] = new
        self.rows += len(item.rows)
        self.pages += 1
        if item.units_exhausted:
            self.units_exhausted.append(item.target)
        if item.done:
            self.completed.append(item.target)
        if ckpt is not None:
            ckpt.record(item.target, new)

    async def _target(
        self,
        target: str,
        start: TargetProgress,
        out: asyncio.Queue[HarvestItem | None],
        stop: asyncio.Event,
    ) -> None:
        query = self._query(target)
        price = PRICES[self.report]
        meter = self._resource._client.units
        offset = start.next_offset
        remaining = None if self.limit_per_target is None else self.limit_per_target - start.rows
        while not stop.is_set():
            n = self.page_size if remaining is None else min(self.page_size, remaining)
            if meter.remaining is not None and price.per_line:
                fit = meter.remaining // price.units
                if fit < 1:
                    raise BudgetExceeded(
                        f"the unit_budget is used up; {target} stopped at offset {offset}",
                        needed=price.units,
                        available=meter.remaining,
                    )
                n = min(n, fit)
            pager = self._resource.pager(query, limit=n, offset=offset, page_size=n)
            rows = await pager
            if not query.spec.offset or not query.spec.paged:
                done = True
            else:
                done = len(rows) < n or (remaining is not None and remaining - len(rows) <= 0)
            if rows.units_exhausted:
                done = True
            await out.put(
                HarvestItem(target, list(rows), offset, done, units_exhausted=rows.units_exhausted)
            )
            if done:
                return
            offset += len(rows)
            if remaining is not None:
                remaining -= len(rows)
