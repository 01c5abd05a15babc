"""A harvest streamed to a file, with a progress bar and a summary on stderr."""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
from typing import Any, Final

from semrush_async._core.harvest import Harvest
from semrush_async._core.units import UnitMeter
from semrush_async.cli._errors import EXIT_ERROR
from semrush_async.cli._output import stderr_console
from semrush_async.cli._writer import ParquetWriter, Writer
from semrush_async.client import SemrushClient
from semrush_async.errors import ValidationError
from semrush_async.v3.source import ReportHarvest

__all__ = ["HarvestProgress", "write_harvest"]

#: Targets named in the "not finished" line (the rest are counted).
_MAX_NAMES: Final = 20


async def write_harvest(
    args: argparse.Namespace,
    client: SemrushClient,
    harvest: Harvest[Any],
    fields: list[str],
    *,
    meter: UnitMeter | None = None,
    unit_name: str = "API units",
    lead_target: bool = True,
) -> int:
    """Stream a harvest to ``args.output`` with progress; the summary on stderr
    (``meter``: the meter that pays, when not the client's units; ``lead_target``:
    each row led by the harvest's target)."""
    output = _output_name(args.output)
    _check_same_output(getattr(args, "checkpoint", None), output)
    console = None if args.quiet else stderr_console()
    writer: Writer | ParquetWriter = (
        ParquetWriter(args.output, harvest)
        if args.format == "parquet" and isinstance(harvest, ReportHarvest)
        else Writer(args.output, args.format, fields, target=lead_target)
    )
    meter = meter or client.units
    progress = HarvestProgress(console, client, len(harvest.targets), meter)
    try:
        with progress:
            async with harvest:
                async for item in harvest:
                    writer.open(harvest.resumed_notes.get("output_bytes"))
                    if item.error is not None:
                        progress.log(f"{item.target}: failed: {item.error}")
                    elif isinstance(writer, ParquetWriter):
                        writer.add(item)
                    else:
                        writer.write(item.target, item.rows)
                    harvest.note("output_bytes", str(writer.size()))
                    harvest.note("output_path", output)
                    progress.update(harvest)
                progress.update(harvest)
            writer.open(harvest.resumed_notes.get("output_bytes"))
    finally:
        writer.close()
    summary = (
        f"{harvest.rows:,} rows from {len(harvest.completed)} of "
        f"{len(harvest.targets)} targets, {harvest.pages} pages "
        f"({harvest.replayed_pages} replayed from the checkpoint)"
        + (" on Backlinks API v4" if harvest.on_v4 else "")
        + f"; {meter.spent:,} {unit_name} spent"
    )
    if harvest.failed:
        # Each failure was printed once as it happened (progress.log above).
        summary += f"; {len(harvest.failed)} targets failed (listed above)"
    print(summary, file=sys.stderr)
    if harvest.budget_exceeded is not None:
        # What the budget could not pay for (v4 tld/geo: their worst case, read first).
        print(f"the unit_budget: {harvest.budget_exceeded.message}", file=sys.stderr)
        pending = harvest.pending
        names = ", ".join(pending[:_MAX_NAMES])
        if len(pending) > _MAX_NAMES:
            names += f" and {len(pending) - _MAX_NAMES} more"
        print(
            f"stopped by --budget: {harvest.tally()}: {names}"
            + (
                "; rerun with the same --checkpoint and a new --budget to continue"
                if args.checkpoint
                else ""
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
    return EXIT_ERROR if harvest.failed else 0


class HarvestProgress:
    """A live bar: targets done, rows, pages, units spent, current governor wait."""

    def __init__(
        self, console: Any, client: SemrushClient, targets: int, meter: UnitMeter | None = None
    ) -> None:
        self.console = console
        self.client = client
        self.meter = meter or client.units
        self.targets = targets
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> HarvestProgress:
        if self.console is not None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("targets"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"),
                console=self.console,
                transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("export", total=self.targets, info="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)

    def update(self, harvest: Any) -> None:
        if self._progress is None:
            return
        stats = self.client.governor_stats().get("account")
        wait = f"{stats.max_wait:.2f}s" if stats else "0s"
        info = (
            f"rows {harvest.rows:,}  pages {harvest.pages}  units "
            f"{self.meter.spent:,}  governor wait (max) {wait}"
        )
        self._progress.update(self._task, completed=len(harvest.completed), info=info)

    def log(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text)
        else:
            print(text, file=sys.stderr)


def _output_name(path: str) -> str:
    return path if path == "-" else os.path.realpath(path)


def _check_same_output(checkpoint: str | None, output: str) -> None:
    """Refuse to resume a checkpoint into another file (before anything is sent): the
    rows already written are in the first file, and the new one would get no header."""
    if not checkpoint or not os.path.exists(checkpoint):
        return
    written: set[str] = set()
    # Read-only and at once: the harvest opens (and locks) the checkpoint itself.
    with contextlib.suppress(sqlite3.Error):
        uri = f"file:{os.path.realpath(checkpoint)}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=0)) as db:
            rows = db.execute("SELECT value FROM notes WHERE key = 'output_path'").fetchall()
            written = {str(v) for (v,) in rows}
    if written and output not in written:
        first = sorted(written)[0]
        raise ValidationError(
            f"--checkpoint {checkpoint} was writing to {first}; resume with -o {first}, "
            "or start again with a new --checkpoint"
        )
