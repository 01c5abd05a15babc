"""Concurrent, resumable harvesting of one report over many targets.

Workers fetch pages for different targets at once; the ``analytics`` governor, not a
semaphore here, sets the pace (``workers`` only bounds how many pages are held in
memory). Each page is yielded whole, tagged with its target.

With a checkpoint, a page is written to it the moment it arrives, and marked
processed when the consumer asks for the next item (or leaves ``async with`` without
an exception). A resumed harvest replays received-but-unprocessed pages from the
checkpoint, so no page that arrived is ever requested, or paid for, twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Final

import attrs

from ..checkpoint import Checkpoint, ReceivedPage, TargetProgress, job_key
from ..errors import BudgetExceeded, SemrushError, ValidationError

if TYPE_CHECKING:
    from types import TracebackType

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
    #: Replayed from the checkpoint (fetched by an earlier run), not requested now.
    replayed: bool = False


class Harvest:
    """Async iterator of :class:`HarvestItem`; summary attributes fill in as it runs.

    Use ``async with client.backlinks.harvest(...) as h: async for item in h:`` so
    that leaving the loop by ``break`` counts the item in hand as processed while an
    exception (Ctrl-C, a failed write) leaves it to be replayed on resume.
    """

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
        resource._check_paging(self._template.spec, None, 0, page_size)
        self.report = report
        self.limit_per_target = limit_per_target
        self.page_size = page_size
        limit = resource._client.governance_limit("account")
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
        #: Seconds an early stop waits for downloads in flight to reach the checkpoint.
        self.drain_timeout = 30.0
        #: Targets finished (in this run or an earlier one recorded in the checkpoint).
        self.completed: list[str] = []
        #: Targets that failed, with their errors.
        self.failed: dict[str, SemrushError] = {}
        #: Targets cut short by the unit balance.
        self.units_exhausted: list[str] = []
        #: Set when the unit_budget stopped the harvest; ``pending`` lists the targets
        #: not finished, which a resume with the same checkpoint continues.
        self.budget_exceeded: BudgetExceeded | None = None
        self.pending: list[str] = []
        #: Rows and pages processed in this run (replayed ones included).
        self.rows = 0
        self.pages = 0
        #: Pages served from the checkpoint instead of the API.
        self.replayed_pages = 0
        self._gen: AsyncGenerator[HarvestItem, None] | None = None
        self._in_hand: HarvestItem | None = None
        self._ckpt: Checkpoint | None = None
        self._live: dict[str, TargetProgress] = {}
        self._closing = False
        self._notes: dict[str, str] = {}
        #: Notes committed by an earlier run (read when the harvest starts).
        self.resumed_notes: dict[str, str] = {}

    # --- protocol -------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[HarvestItem]:
        if self._gen is not None:
            raise RuntimeError("a Harvest runs once; start a new one to run again")
        self._gen = self._run()
        return self._gen

    async def aclose(self) -> None:
        """Stop now; the item in hand is not marked processed (it will be replayed)."""
        if self._gen is not None:
            await self._gen.aclose()

    async def __aenter__(self) -> Harvest:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is None and self._in_hand is not None:
            self._processed(self._in_hand)
        await self.aclose()

    def note(self, key: str, value: str) -> None:
        """Commit ``key=value`` with the item in hand when it is marked processed.

        An exporter notes its output file's size after writing each page; on resume it
        truncates the file to the size noted with the last processed page, so a page
        written but not marked processed is not duplicated when it is replayed.
        """
        self._notes[key] = value

    # --- engine ---------------------------------------------------------------------------

    def _query(self, target: str) -> ReportQuery:
        return attrs.evolve(self._template, targets=(target,))

    async def _run(self) -> AsyncGenerator[HarvestItem, None]:
        ckpt = self._ckpt = (
            Checkpoint(self._checkpoint_path, self._job) if self._checkpoint_path else None
        )
        progress = ckpt.load() if ckpt else {}
        self.resumed_notes = ckpt.notes() if ckpt else {}
        replay = ckpt.load_received() if ckpt else []
        self._live = {t: progress.get(t, TargetProgress()) for t in self.targets}
        # Where each target's fetching resumes: after its last received page.
        resume_at = {t: p.next_offset for t, p in self._live.items()}
        finished = {t for t, p in self._live.items() if p.done}
        for page in replay:
            resume_at[page.target] = max(resume_at[page.target], page.offset + len(page.rows))
            if page.done:
                finished.add(page.target)
        todo: asyncio.Queue[str] = asyncio.Queue()
        for t in self.targets:
            if t in finished:
                if self._live[t].done:
                    self.completed.append(t)
            else:
                todo.put_nowait(t)
        out: asyncio.Queue[HarvestItem | None] = asyncio.Queue(maxsize=self.workers)
        stop = asyncio.Event()

        async def worker() -> None:
            while not stop.is_set():
                try:
                    target = todo.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await self._target(target, resume_at[target], out, stop)
                except BudgetExceeded as e:
                    self.budget_exceeded = self.budget_exceeded or e
                    self.pending.append(target)
                    stop.set()
                except SemrushError as e:
                    await out.put(HarvestItem(target, [], resume_at[target], True, e))

        crash: list[BaseException] = []

        async def run_workers() -> None:
            try:
                async with asyncio.TaskGroup() as tg:
                    for _ in range(min(self.workers, max(1, todo.qsize()))):
                        tg.create_task(worker())
            except Exception as e:  # a bug, not an API error: surface it to the consumer
                crash.append(e)
            # Not in a finally: when cancelled (consumer gone) nobody reads the queue.
            await out.put(None)

        runner: asyncio.Task[None] | None = None
        try:
            for page in replay:
                replayed = self._item(page, replayed=True)
                self._in_hand = replayed
                yield replayed
                self._processed(replayed)
            runner = asyncio.create_task(run_workers())
            while (item := await out.get()) is not None:
                self._in_hand = item
                yield item
                # The consumer came back for more: it has processed the item.
                self._processed(item)
            await runner
            if crash:
                raise crash[0]
            while not todo.empty():
                self.pending.append(todo.get_nowait())
            if self.budget_exceeded is not None:
                logger.warning(
                    "harvest stopped by the unit_budget: %d targets complete, %d pending",
                    len(self.completed),
                    len(self.pending),
                )
        finally:
            if runner is not None and not runner.done():
                stop.set()
                self._closing = True
                if ckpt is not None:
                    await self._let_downloads_land(runner, out)
            if runner is not None and not runner.done():
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            if ckpt is not None:
                ckpt.close()
                self._ckpt = None

    async def _let_downloads_land(
        self, runner: asyncio.Task[None], out: asyncio.Queue[HarvestItem | None]
    ) -> None:
        # Pages in flight are already paid for: let them reach the checkpoint (where a
        # resume replays them) instead of cancelling them and paying again. Queued
        # items are dropped here; their pages are in the checkpoint too.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.drain_timeout
        while not runner.done() and loop.time() < deadline:
            while not out.empty():
                out.get_nowait()
            await asyncio.wait({runner}, timeout=0.05)

    def _item(self, page: ReceivedPage, *, replayed: bool = False) -> HarvestItem:
        decode = self._resource._rows_decoder(self.report, page.header)
        return HarvestItem(
            page.target,
            decode(page.rows),
            page.offset,
            page.done,
            units_exhausted=page.units_exhausted,
            replayed=replayed,
        )

    def _processed(self, item: HarvestItem) -> None:
        self._in_hand = None
        if item.error is not None:
            self.failed[item.target] = item.error
            return
        p = self._live[item.target]
        new = TargetProgress(
            next_offset=item.offset + len(item.rows),
            rows=p.rows + len(item.rows),
            pages=p.pages + 1,
            done=item.done,
        )
        self._live[item.target] = new
        self.rows += len(item.rows)
        self.pages += 1
        self.replayed_pages += item.replayed
        if item.units_exhausted:
            self.units_exhausted.append(item.target)
        if item.done:
            self.completed.append(item.target)
        if self._ckpt is not None:
            self._ckpt.processed(item.target, item.offset, new, self._notes)
            self._notes = {}

    async def _target(
        self,
        target: str,
        offset: int,
        out: asyncio.Queue[HarvestItem | None],
        stop: asyncio.Event,
    ) -> None:
        res = self._resource
        query = self._query(target)
        spec = query.spec
        limit = self.limit_per_target
        remaining = None if limit is None else limit - offset
        while not stop.is_set() and (remaining is None or remaining > 0):
            n = self.page_size if remaining is None else min(self.page_size, remaining)
            n, shrunk = await res._fit_budget(query, n, offset)
            header: tuple[str, ...] = ()
            rows: list[list[str]] = []
            async with contextlib.aclosing(res.raw_page(query, offset, n)) as stream:
                async for page_header, batch in stream:
                    header = page_header
                    rows.extend(batch)
            short = len(rows) < n
            exhausted = (
                short
                and not shrunk
                and await res.short_page_cut_by_balance(query, offset + len(rows))
            )
            done = (
                not spec.paged
                or not spec.offset
                or short
                or (remaining is not None and remaining - len(rows) <= 0)
            )
            page = ReceivedPage(target, offset, header, rows, done, exhausted)
            if self._ckpt is not None and rows:
                self._ckpt.store_received(page)
            if self._closing and self._ckpt is not None:
                return  # the consumer is gone: the page waits in the checkpoint
            await out.put(self._item(page))
            if done:
                return
            offset += len(rows)
            if remaining is not None:
                remaining -= len(rows)
