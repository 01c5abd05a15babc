"""``semrush-async trends REPORT TARGET...``: a Trends report for many targets to a file.

One target at a time (a resumable harvest with progress), except ``summary`` and
``audience_insights``, whose targets go together (up to the report's maximum per
request), and ``rank``, which takes none. Paid from the Trends quota (``--budget``
bounds it); nothing is sent before every argument is checked.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

import attrs

from semrush_async.apis.trends import rows as r
from semrush_async.apis.trends.reports import REPORTS
from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command
from semrush_async.cli._harvest import write_harvest
from semrush_async.cli._options import count
from semrush_async.cli._writer import Writer
from semrush_async.errors import ValidationError

__all__ = ["COMMANDS"]

#: The options a report may take, as flags (``--traffic-channel`` ...).
_OPTIONS: Final = (
    "target_type",
    "device",
    "country",
    "sort",
    "traffic_channel",
    "traffic_type",
    "geo_type",
    "segment",
    "search_string",
)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", help=f"one of: {', '.join(REPORTS)}")
    parser.add_argument(
        "targets",
        nargs="*",
        help="domains (categories: category names; rank: none)",
    )
    parser.add_argument("--date", default=None, help="month, YYYY-MM (default: the last)")
    parser.add_argument("--device", default=None, help="desktop or mobile (default: all)")
    parser.add_argument("--country", default=None, help="ISO 3166-1 alpha-2, e.g. us, gb")
    parser.add_argument("--columns", default=None, help="comma-separated (default: the report's)")
    parser.add_argument("--target-type", default=None, help="domain, subdomain or subfolder")
    parser.add_argument("--sort", default=None, help="<field>_asc or <field>_desc")
    for name, what in (
        ("traffic_channel", "sources: direct, referral, search, social, mail, display_ad ..."),
        ("traffic_type", "sources: organic or paid"),
        ("geo_type", "geo: country, subcontinent or continent"),
        ("segment", "audience_insights: contains, shares or excludes"),
        ("search_string", "a substring the rows' target must hold"),
    ):
        parser.add_argument("--" + name.replace("_", "-"), default=None, help=what)
    parser.add_argument("--selected", default=None, help="audience_insights: selected_targets")
    parser.add_argument("--limit", type=count(1), default=None, help="rows per target")
    parser.add_argument("-o", "--output", default="-", help="file (default: stdout)")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="output format")
    parser.add_argument("--checkpoint", default=None, help="sqlite file: resume where it stopped")
    parser.add_argument("--budget", type=count(0), default=None, help="max Trends units to spend")


def _date(value: str | None) -> str | None:
    if value is None:
        return None
    return value + "-01" if len(value) == 7 else value


async def _run(args: argparse.Namespace) -> int:
    spec = REPORTS.get(args.report)
    if spec is None:
        raise ValidationError(
            f"unknown Trends report {args.report!r}; allowed: {', '.join(REPORTS)}"
        )
    if args.output == "-" and args.checkpoint:
        raise ValidationError("--checkpoint needs -o FILE (stdout cannot be resumed)")
    if spec.target is None and args.targets:
        raise ValidationError(f"{args.report} takes no targets")
    if spec.target is not None and not args.targets:
        raise ValidationError(f"{args.report} needs at least one {spec.target}")
    params: dict[str, Any] = {
        name: getattr(args, name) for name in _OPTIONS if getattr(args, name) is not None
    }
    if args.date is not None:
        params["date"] = _date(args.date)
    if args.columns:
        params["columns"] = args.columns.split(",")
    if args.selected:
        params["selected_targets"] = args.selected.split(",")
    fields = list(params.get("columns") or [f.name for f in attrs.fields(r.ROW_TYPES[spec.method])])
    fields = [f for f in fields if f != "extra"]
    async with client_for(args, trends_budget=args.budget) as client:
        trends = client.trends
        if spec.target is None:
            pager = trends.report(args.report, limit=args.limit, **params)
            writer = Writer(args.output, args.format, fields, target=False)
            try:
                writer.open(None)
                async for batch in pager.batches():
                    writer.write("", batch)
            finally:
                writer.close()
            print(f"{trends.units.spent:,} Trends units spent", file=sys.stderr)
            return 0
        targets = list(args.targets)
        if spec.encode_target is not None:
            # Sent together: as many per request as the report takes.
            step = spec.max_targets
            targets = [",".join(targets[i : i + step]) for i in range(0, len(targets), step)]
        harvest = trends.harvest(
            args.report,
            targets,
            limit_per_target=args.limit,
            checkpoint=args.checkpoint,
            **params,
        )
        return await write_harvest(
            args,
            client,
            harvest,
            fields,
            meter=trends.units,
            unit_name="Trends units",
            # Rows of targets sent together carry their own target.
            lead_target=spec.encode_target is None,
        )


COMMANDS: Final = (
    Command("trends", "a Trends (traffic) report for many targets to a file", _arguments, _run),
)
