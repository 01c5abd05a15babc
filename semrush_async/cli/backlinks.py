"""``semrush-async backlinks overview|export``: Backlinks Analytics.

``export`` streams a report for many targets to a file: a resumable harvest, one
target at a time. ``matrix`` and ``comparison`` take their targets together in one
request (a harvest would send each target alone); a call whose ``limit`` cannot bound
its cost prints its worst case before the costly part is sent.
"""

from __future__ import annotations

import argparse
import contextlib
import operator
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, TextIO

import attrs

from semrush_async.apis.backlinks.reports import REPORTS
from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._errors import EXIT_ERROR
from semrush_async.cli._harvest import write_harvest
from semrush_async.cli._options import count
from semrush_async.cli._output import stderr_console
from semrush_async.cli._writer import FORMATS, Writer
from semrush_async.errors import BudgetExceeded, UnboundedCostWarning, ValidationError

__all__ = ["COMMANDS", "cost_notes", "cut_short", "export_together"]

REPORT_NAMES: Final = {spec.method: spec.type for spec in REPORTS.values()}

# The export's functions keep the names they had in the old cli.py (moved unedited).
_client = client_for
_write_harvest = write_harvest
_Writer = Writer


def _arguments(parser: argparse.ArgumentParser) -> None:
    bl = actions(parser)
    ov = bl.add_parser("overview", help="backlinks_overview for one target")
    ov.add_argument("target", help="a domain, subdomain or URL")
    ov.add_argument(
        "--target-type", default="root_domain", help="root_domain (default), domain or url"
    )
    ex = bl.add_parser("export", help="stream a report for many targets to a file")
    ex.add_argument("report", help=f"one of: {', '.join(sorted(REPORT_NAMES))}")
    ex.add_argument("targets", nargs="+", help="domains, subdomains or URLs")
    ex.add_argument(
        "--target-type", default="root_domain", help="root_domain (default), domain or url"
    )
    ex.add_argument("--columns", default=None, help="comma-separated (default: all)")
    ex.add_argument("--sort", default=None, help="e.g. page_ascore_desc")
    ex.add_argument(
        "--filter",
        action="append",
        default=[],
        help="display_filter condition, e.g. '+|type||follow' (repeatable)",
    )
    ex.add_argument("--limit", type=count(1), default=None, help="rows per target")
    ex.add_argument("-o", "--output", default="-", help="file (default: stdout)")
    ex.add_argument("--format", choices=FORMATS, default="csv", help="output format")
    ex.add_argument("--checkpoint", default=None, help="sqlite file: resume where it stopped")
    ex.add_argument("--budget", type=count(0), default=None, help="max API units to spend")
    ex.add_argument("--page-size", type=count(1), default=2_000, help="rows per request")
    ex.add_argument(
        "--api",
        choices=("v3", "v4"),
        default="v3",
        help="v4: run on Backlinks API v4 with the v4 key (same columns where v4 has them)",
    )


async def _run(args: argparse.Namespace) -> int:
    with cost_notes():
        return await (cmd_overview(args) if args.action == "overview" else cmd_export(args))


async def cmd_overview(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        ov = await client.backlinks.overview(args.target, args.target_type)
        if ov is None:
            print(f"nothing found for {args.target}")
            return 0
        console = stderr_console()
        from rich.table import Table

        table = Table(title=f"backlinks overview: {args.target}")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for name, value in attrs.asdict(ov).items():
            table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
        console.file = sys.stdout
        console.print(table)
        print(f"API units spent: {client.units.spent}", file=sys.stderr)
    return 0


async def cmd_export(args: argparse.Namespace) -> int:
    report = REPORT_NAMES.get(args.report, args.report)
    if report not in REPORTS:
        raise ValidationError(
            f"unknown report {args.report!r}; allowed: {', '.join(sorted(REPORT_NAMES))}"
        )
    price = REPORTS[report].price
    if args.budget is not None and args.budget < price.units:
        raise BudgetExceeded(
            f"--budget {args.budget} is below the price of one line or request of "
            f"{report} ({price.units} units)",
            needed=price.units,
            available=args.budget,
        )
    if args.output == "-" and args.checkpoint:
        raise ValidationError("--checkpoint needs -o FILE (stdout cannot be resumed)")
    columns = args.columns.split(",") if args.columns else None
    if REPORTS[report].multi_target:
        return await export_together(args, report, columns)
    # One harvest on v3 and v4 alike (the client's Backlinks source), checkpoint included.
    async with _client(args, unit_budget=args.budget, backlinks_api=args.api) as client:
        harvest = client.backlinks.harvest(
            args.targets,
            report,
            target_type=args.target_type,
            columns=columns,
            sort=args.sort,
            filters=args.filter or None,
            limit_per_target=args.limit,
            page_size=args.page_size,
            checkpoint=args.checkpoint,
        )
        return await _write_harvest(args, client, harvest, list(harvest.template.columns))


async def export_together(args: argparse.Namespace, report: str, columns: list[str] | None) -> int:
    """A multi-target report (matrix, comparison): the targets go together in one
    request (comparison's rows carry their target, so more targets than one request
    takes are sent in several)."""
    spec = REPORTS[report]
    if args.format == "parquet":
        raise ValidationError(
            f"--format parquet: {args.report} sends its targets together; write csv or jsonl"
        )
    if args.checkpoint:
        raise ValidationError(
            f"--checkpoint resumes a harvest of single targets; {args.report} sends its "
            "targets together: rerun without --checkpoint"
        )
    chunk = spec.max_targets if "target" in spec.columns else len(args.targets)
    groups = [args.targets[i : i + chunk] for i in range(0, len(args.targets), chunk)]
    on_v4 = args.api == "v4"
    options: dict[str, Any] = {"backlinks_api": "v4"} if on_v4 else {}
    rows = 0
    cut: list[str] = []
    async with _client(args, unit_budget=args.budget, **options) as client:
        # Everything is validated (and refused) before anything is sent or written.
        pagers = []
        for group in groups:
            query = client.backlinks.query(
                report, group, [args.target_type], columns, args.sort, args.filter or None
            )
            pagers.append(
                client.backlinks.pager(
                    query,
                    limit=args.limit if spec.paged else None,
                    page_size=min(args.page_size, 1000) if on_v4 else args.page_size,
                )
            )
        names, values = _row_layout(report, list(query.columns), groups[0])
        writer = _Writer(args.output, args.format, names, target=False, values=values)
        requests = 0
        try:
            writer.open(None)
            for group, pager in zip(groups, pagers, strict=True):
                async for batch in pager.batches():
                    writer.write("", batch)
                    rows += len(batch)
                requests += pager.pages
                if pager.units_exhausted:
                    cut.append(",".join(group))
        finally:
            writer.close()
        print(
            f"{rows:,} rows for {len(args.targets)} targets in {requests} "
            + ("request" if requests == 1 else "requests")
            + (" on Backlinks API v4" if on_v4 else "")
            + f"; {client.units.spent:,} API units spent",
            file=sys.stderr,
        )
    return cut_short(cut)


def cut_short(cut: list[str]) -> int:
    """Exit status after an export; a warning when the unit balance cut data short."""
    if not cut:
        return 0
    print(
        f"the account's unit balance ran out: the data for {', '.join(cut)} may be incomplete",
        file=sys.stderr,
    )
    return EXIT_ERROR


def _row_layout(
    report: str, columns: list[str], targets: Sequence[str]
) -> tuple[list[str], Callable[[Any], list[Any]]]:
    """Output column names and the function giving a row's values.

    A matrix's ``backlinks_num`` is one column per target, named after the target
    (as in Semrush's own response); the others are the row's attributes.
    """
    if report != "backlinks_matrix" or "backlinks_num" not in columns:
        get = operator.attrgetter(*columns)
        if len(columns) == 1:
            return columns, lambda r: [get(r)]
        return columns, lambda r: list(get(r))
    plain = [c for c in columns if c != "backlinks_num"]

    def values(r: Any) -> list[Any]:
        counts = r.backlinks or {}
        ordered = list(counts.values())
        per_target = [
            counts[t] if t in counts else (ordered[i] if i < len(ordered) else None)
            for i, t in enumerate(targets)
        ]
        return [getattr(r, c) for c in plain] + per_target

    return plain + list(targets), values


@contextlib.contextmanager
def cost_notes() -> Iterator[None]:
    """Print each UnboundedCostWarning (a worst case in API units, issued before the
    costly part is sent) as one ``warning:`` line, every time."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", UnboundedCostWarning)
        default = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, UnboundedCostWarning):
                print(f"warning: {message}", file=sys.stderr, flush=True)
            else:
                default(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


COMMANDS: Final = (Command("backlinks", "Backlinks Analytics", _arguments, _run),)
