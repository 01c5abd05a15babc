"""``backlinks export`` of the multi-target reports, and cost notes (for ``cli.py``).

``matrix`` and ``comparison`` take their targets together in one request (a harvest
would send each target alone); a call whose ``limit`` cannot bound its cost prints its
worst case before the costly part is sent.
"""

from __future__ import annotations

import argparse
import contextlib
import operator
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, TextIO

from semrush_async.apis.backlinks.reports import REPORTS
from semrush_async.errors import UnboundedCostWarning, ValidationError

__all__ = ["cost_notes", "cut_short", "export_together"]

EXIT_ERROR: Final = 1


async def export_together(args: argparse.Namespace, report: str, columns: list[str] | None) -> int:
    """A multi-target report (matrix, comparison): the targets go together in one
    request (comparison's rows carry their target, so more targets than one request
    takes are sent in several)."""
    from semrush_async.cli import _client, _Writer

    spec = REPORTS[report]
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
