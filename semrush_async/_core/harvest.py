"""Concurrent, resumable harvesting of one report over many targets.

Workers fetch pages for different targets at once; the ``account`` governor, not a
semaphore here, sets the pace (``workers`` only bounds how many pages are held in
memory). Each page is yielded whole, tagged with its target.

A harvest runs on its report's own pager: a :class:`HarvestJob` walks one target's
pages as raw events (:mod:`semrush_async._core.pages`) and decodes them, and this
module only schedules, stores and hands over. The Analytics engine's job
(``semrush_async.v3.source.ReportJob``) serves any v3 report, on v3 or, for a
Backlinks report on a client made with ``backlinks_api="v4"``, through the Backlinks
v3->v4 bridge: both alike, checkpoint included.

With a checkpoint, a page is written to it the moment it arrives, and marked
processed when the consumer asks for the next item (or leaves ``async with`` without
an exception). A resumed harvest replays received-but-unprocessed pages from the
checkpoint, so no page that arrived is ever requested, or paid for, twice. A page is
stored before anything else is awaited (the balance check after a short page too).

A harvest owns its checkpoint while it runs (a second one gets ``CheckpointInUse``).
A failure that is not one target's (the checkpoint failed, a bug) stops the workers
after their current page, which still reaches the consumer, then raises a
``HarvestError`` whose ``unsaved`` holds the paid pages that could not be stored.

A refused credential or account (:data:`ACCOUNT_WIDE`) would fail every target
alike: the first one stops the harvest. The first request goes out alone, so a
wrong key costs one request; later, workers still waiting for a permit are
cancelled (a stop flag alone would let them send). The error is raised once,
after the pages already received; the targets not finished stay ``pending``.

A checkpoint stores each page as its job gave it (v3: CSV fields; v4: the JSON
items), so a replay decodes it as the live run did; the job's key names the API, so a
v3 checkpoint is never resumed on v4 or the reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

import attrs

from semrush_async._core.checkpoint import Checkpoint, ReceivedPage, TargetProgress, job_key
from semrush_async._core.counts import check_counts, count_problem
from semrush_async._core.governance import Limit
from semrush_async._core.pages import PageEnd, PageEvent, PageIn, RawBatch
from semrush_async.errors import (
    AuthenticationError,
    BudgetExceeded,
    ErrorDetail,
    HarvestError,
    PermissionDenied,
    SemrushError,
    UnitsExhausted,
    ValidationError,
)

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["ACCOUNT_WIDE", "Harvest", "HarvestItem", "HarvestJob"]

logger: Final = logging.getLogger("semrush_async")

#: Failures of the credential or the account, not of a target (a refused or missing
#: key or token, no access to the API, database or report, a zero unit balance):
#: every target would fail alike, so the first one stops the harvest.
ACCOUNT_WIDE: Final = (AuthenticationError, PermissionDenied, UnitsExhausted)

#: A harvest's row type (the report's row class).
RowT = TypeVar("RowT")


class HarvestJob(Protocol[RowT]):
    """What a harvest needs of the report it fetches: one target's pages, and how to
    decode a page (a live one or one replayed from the checkpoint)."""

    #: The report's name (``backlinks_refdomains``).
    report: str
    #: Where its pages come from (``"v3"``, ``"v4"``).
    api: str
    #: What identifies the data (the checkpoint's job key, with the per-target limit).
    key: Mapping[str, Any]
    #: The limit of the governor its requests go through (it sets the default workers).
    limit: Limit

    def check(self, targets: Sequence[str], limit: int | None, page_size: int) -> None:
        """Raise if a target cannot be fetched so (before anything is sent)."""
        ...

    def pages(
        self, target: str, offset: int, limit: int | None, page_size: int
    ) -> AsyncGenerator[PageEvent, None]:
        """``target``'s pages from ``offset`` (``limit``: rows left to fetch)."""
        ...

    def decode(self, page: ReceivedPage) -> list[RowT]:
        """The typed rows of a page."""
        ...


@attrs.frozen(slots=True)
class HarvestItem(Generic[RowT]):
    """One page of one target, or that target's failure (``error`` set, no rows);
    ``rows`` are the report's row class."""

    target: str
    rows: list[RowT]
    #: Offset of the first row within the target's report.
    offset: int
    #: True when this is the target's last item.
    done: bool
    error: SemrushError | None = None
    #: The unit balance may have cut this target short.
    units_exhausted: bool = False
    #: Replayed from the checkpoint (fetched by an earlier run), not requested now.
    replayed: bool = False


class Harvest(Generic[RowT]):
    """Async iterator of :class:`HarvestItem`; summary attributes fill in as it runs.

    Use ``async with client.backlinks.harvest(...) as h: async for item in h:`` so
    that leaving the loop by ``break`` counts the item in hand as processed while an
    exception (Ctrl-C, a failed write) leaves it to be replayed on resume.

    Every target is in exactly one of ``completed``, ``failed`` and ``pending``.
    """

    def __init__(
        self,
        job: HarvestJob[RowT],
        targets: list[str],
        *,
        limit_per_target: int | None,
        page_size: int,
        checkpoint: str | None,
        workers: int | None,
    ) -> None:
        self._job = job
        # Validate every target and everything shared by all of them up front:
        # nothing is sent (or paid for) on bad input.
        check_targets(targets)
        self.targets = list(dict.fromkeys(targets))
        check_counts(
            "harvest",
            (
                count_problem("workers", workers, minimum=1, optional=True),
                count_problem("limit_per_target", limit_per_target, minimum=1, optional=True),
            ),
        )
        # A report, column, sort, filter or target the pages cannot serve fails here.
        job.check(self.targets, limit_per_target, page_size)
        #: The API the pages come from (``"v3"``; ``"v4"`` for a Backlinks report on a
        #: client made with ``backlinks_api="v4"``).
        self.api = job.api
        #: True when the pages come from Backlinks API v4.
        self.on_v4 = job.api == "v4"
        self.report = job.report
        self.limit_per_target = limit_per_target
        self.page_size = page_size
        limit = job.limit
        self.workers = workers or 2 * (limit.concurrency or limit.rate)
        self._key = job_key(**job.key, limit=limit_per_target)
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
        #: The credential or account failure (:data:`ACCOUNT_WIDE`) that stopped the
        #: harvest; it is also raised, once, after the pages received before it.
        self.stopped_by: SemrushError | None = None
        #: Rows and pages processed in this run (replayed ones included).
        self.rows = 0
        self.pages = 0
        #: Pages served from the checkpoint instead of the API.
        self.replayed_pages = 0
        self._gen: AsyncGenerator[HarvestItem[RowT], None] | None = None
        self._in_hand: HarvestItem[RowT] | None = None
        self._ckpt: Checkpoint | None = None
        self._live: dict[str, TargetProgress] = {}
        self._closing = False
        self._notes: dict[str, str] = {}
        # Pages received (paid for) that could neither be saved nor yielded.
        self._unsaved: list[HarvestItem[RowT]] = []
        #: Notes committed by an earlier run (read when the harvest starts).
        self.resumed_notes: dict[str, str] = {}
        # Set when workers must stop taking pages (budget, credential, crash).
        self._stop = asyncio.Event()
        # Set once the first request was answered (or the run stops): until then
        # one worker runs alone.
        self._gate = asyncio.Event()
        # Workers waiting for a permit or an answer: cancelled when the account stops.
        self._fetching: set[asyncio.Task[Any]] = set()

    @property
    def pending(self) -> list[str]:
        """Targets neither completed nor failed (a resume with the same checkpoint
        continues them), in the order given."""
        done = {*self.completed, *self.failed}
        return [t for t in self.targets if t not in done]

    def tally(self) -> str:
        """``"3 of 30 targets complete, 1 failed, 26 not finished"``: the numbers the
        harvest's warning and the command line's summary both give."""
        return (
            f"{len(self.completed)} of {len(self.targets)} targets complete, "
            f"{len(self.failed)} failed, {len(self.pending)} not finished"
        )

    # --- protocol -------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[HarvestItem[RowT]]:
        if self._gen is not None:
            raise RuntimeError("a Harvest runs once; start a new one to run again")
        self._gen = self._run()
        return self._gen

    async def aclose(self) -> None:
        """Stop now; the item in hand is not marked processed (it will be replayed)."""
        if self._gen is not None:
            await self._gen.aclose()

    async def __aenter__(self) -> Harvest[RowT]:
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

    async def _run(self) -> AsyncGenerator[HarvestItem[RowT], None]:
        ckpt = self._ckpt = (
            Checkpoint(self._checkpoint_path, self._key) if self._checkpoint_path else None
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
        out: asyncio.Queue[HarvestItem[RowT] | None] = asyncio.Queue(maxsize=self.workers)
        stop, gate = self._stop, self._gate
        fetch = self._target
        crash: list[Exception] = []

        async def worker() -> None:
            try:
                while not stop.is_set():
                    try:
                        target = todo.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    try:
                        await fetch(target, resume_at[target], out)
                    except BudgetExceeded as e:
                        self.budget_exceeded = self.budget_exceeded or e
                        stop.set()
                    except ACCOUNT_WIDE as e:
                        self._stop_for_account(e)
                    except HarvestError as e:  # the checkpoint failed: not one target's
                        crash.append(e)
                        stop.set()
                    except SemrushError as e:
                        gate.set()  # answered, and not refused: the credential works
                        await out.put(HarvestItem(target, [], resume_at[target], True, e))
                    except Exception as e:  # a bug, not an API error: stop, lose no page
                        crash.append(e)
                        stop.set()
            finally:
                gate.set()

        async def run_workers() -> None:
            # Workers catch every Exception themselves, so one that fails stops the
            # others after their current page, which still reaches the consumer.
            # A worker cancelled by _stop_for_account ends as cancelled, which a
            # TaskGroup does not treat as a failure.
            n = min(self.workers, max(1, todo.qsize()))
            async with asyncio.TaskGroup() as tg:
                tg.create_task(worker())
                if n > 1:
                    # The first request goes alone: a refused key costs one request,
                    # not one per worker.
                    await gate.wait()
                    if not stop.is_set():
                        for _ in range(n - 1):
                            tg.create_task(worker())
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
                first = crash[0]
                if isinstance(first, HarvestError):
                    raise first from None
                raise HarvestError(
                    f"harvest stopped by an unexpected error: {type(first).__name__}: {first}"
                ) from first
            if self.stopped_by is not None:
                raise self.stopped_by
            if self.budget_exceeded is not None:
                logger.warning("harvest stopped by the unit_budget: %s", self.tally())
        except HarvestError as e:
            # The same list: pages that fail to land while closing below join it.
            e.unsaved = self._unsaved
            e.completed = list(self.completed)
            e.pending = self.pending
            if self._unsaved:
                e.message += (
                    "; pages received and paid for that could not be saved are on error.unsaved"
                )
            raise
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

    def _stop_for_account(self, error: SemrushError) -> None:
        """The credential or account was refused: stop taking pages, and cancel the
        workers still waiting for a permit or an answer (they would be refused too)."""
        if self.stopped_by is None:
            self.stopped_by = error
            logger.debug("harvest stopped: %s", error.message)
        self._stop.set()
        self._gate.set()
        me = asyncio.current_task()
        for task in list(self._fetching):
            if task is not me:
                task.cancel()

    @contextlib.contextmanager
    def _requesting(self) -> Iterator[None]:
        """Mark this worker as waiting for a permit or an answer (see _stop_for_account)."""
        task = asyncio.current_task()
        assert task is not None
        self._fetching.add(task)
        try:
            yield
        finally:
            self._fetching.discard(task)

    def _answered(self) -> None:
        # The answer has started arriving: the credential was accepted, and the page
        # (already sent, maybe paid for) is let finish.
        task = asyncio.current_task()
        if task is not None:
            self._fetching.discard(task)
        self._gate.set()

    async def _let_downloads_land(
        self, runner: asyncio.Task[None], out: asyncio.Queue[HarvestItem[RowT] | None]
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

    def _item(self, page: ReceivedPage, *, replayed: bool = False) -> HarvestItem[RowT]:
        return HarvestItem(
            page.target,
            self._job.decode(page),
            page.offset,
            page.done,
            units_exhausted=page.units_exhausted,
            replayed=replayed,
        )

    def _processed(self, item: HarvestItem[RowT]) -> None:
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

    def _store(self, page: ReceivedPage) -> None:
        if self._ckpt is None or not (page.rows or page.done):
            # An empty last page is stored too: it says the target is done, so a
            # resume does not ask again (a v4 report's end shows only then).
            return
        try:
            self._ckpt.store_received(page)
        except HarvestError as e:
            # Paid for, but the checkpoint cannot hold it: hand it over on the error.
            if page.rows:
                self._unsaved.append(self._item(page))
            logger.warning(
                "page of %s at offset %d (%d rows) was paid for but not saved: %s",
                page.target,
                page.offset,
                len(page.rows),
                e.message,
            )
            raise

    async def _target(
        self, target: str, offset: int, out: asyncio.Queue[HarvestItem[RowT] | None]
    ) -> None:
        """One target's pages, from ``offset``: each stored in the checkpoint the moment
        it is in, then handed over."""
        limit = self.limit_per_target
        remaining = None if limit is None else limit - offset
        stream = self._job.pages(target, offset, remaining, self.page_size)
        header: tuple[str, ...] = ()
        rows: list[Any] = []
        page: ReceivedPage | None = None
        async with aclosing(stream):
            while True:
                between = page is None and not rows
                if between and self._stop.is_set():
                    return
                if between:
                    # Waiting for a permit or the next page's answer: a refused
                    # account cancels this (see _stop_for_account).
                    with self._requesting():
                        event = await anext(stream, None)
                else:
                    event = await anext(stream, None)
                if event is None:
                    return
                if type(event) is RawBatch:
                    self._answered()
                    header = event.header
                    rows.extend(event.rows)
                elif type(event) is PageIn:
                    self._answered()
                    page = ReceivedPage(target, offset, header, rows, event.last)
                    # Saved before the balance check that follows a short page (a
                    # request that may stall or be killed): a page that was received
                    # is never paid for twice.
                    self._store(page)
                elif type(event) is PageEnd and page is not None:
                    if event.units_exhausted:
                        page = attrs.evolve(page, units_exhausted=True)
                        self._store(page)
                    if self._closing and self._ckpt is not None:
                        return  # the consumer is gone: the page waits in the checkpoint
                    await out.put(self._item(page))
                    if page.done:
                        return
                    offset += len(page.rows)
                    header, rows, page = (), [], None


def check_targets(targets: list[str]) -> None:
    """Raise ValidationError if a target is empty or blank (before any query is built)."""
    details = [
        ErrorDetail(field="targets", index=i, message=f"{t!r} is not a target (empty or blank)")
        for i, t in enumerate(targets)
        if not isinstance(t, str) or not t.strip()
    ]
    if details:
        raise ValidationError(
            f"harvest: {len(details)} of {len(targets)} targets are empty or blank",
            details=details,
        )
