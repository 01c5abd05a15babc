"""``semrush-async report|keywords|domains``: the Analytics v3 root reports.

- ``report TYPE --domain D [--domain D2 ...] --database us [--columns Ph,Po] -o FILE``
  streams any report (several targets: a resumable harvest, ``--checkpoint``);
- ``keywords overview PHRASE... --database us``: batch keyword overview;
- ``domains organic DOMAIN --database us``: a domain's organic keywords.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

from semrush_async.apis.reports import COLUMNS, REPORTS, ROOT_REPORTS
from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._harvest import write_harvest
from semrush_async.cli._options import count, database
from semrush_async.cli._writer import FORMATS, Writer, parquet_sink
from semrush_async.errors import BudgetExceeded, ValidationError
from semrush_async.v3.query import TARGET_PARAMS

__all__ = ["COMMANDS"]

#: How many keywords one phrase_these request takes.
_BATCH: Final = 100


def _common(p: argparse.ArgumentParser, *, many: bool = True) -> None:
    p.add_argument(
        "--database", "-d", type=database, default=None, help="database code, e.g. us, uk, de"
    )
    p.add_argument(
        "--columns",
        default=None,
        help="comma-separated column codes or names (e.g. Ph,Po or keyword,position)",
    )
    p.add_argument("--sort", default=None, help="e.g. tr_desc")
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        help="display_filter condition, e.g. '+|Nq|Gt|1000' (repeatable)",
    )
    p.add_argument("--date", default=None, help="historical snapshot YYYYMMDD (costs more)")
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a documented option, e.g. display_positions=new (repeatable)",
    )
    p.add_argument("--no-escape", action="store_true", help="do not request export_escape=1")
    p.add_argument("--format", choices=FORMATS, default="csv", help="output format")
    p.add_argument("-o", "--output", default="-", help="file (default: stdout)")
    p.add_argument("--budget", type=count(0), default=None, help="max API units to spend")
    if many:
        p.add_argument("--limit", type=count(1), default=None, help="rows per target")
        p.add_argument("--checkpoint", default=None, help="sqlite file: resume where it stopped")
        p.add_argument("--page-size", type=count(1), default=2_000, help="rows per request")


def _report_arguments(rep: argparse.ArgumentParser) -> None:
    rep.add_argument("type", help=f"report type, e.g. domain_organic ({len(REPORTS)} in all)")
    for name in TARGET_PARAMS:
        rep.add_argument(
            f"--{name}",
            action="append",
            default=[],
            help=f"the {name} target (repeat for several targets)"
            + ("; comma-separated domains, e.g. a.com,b.com" if name == "domains" else ""),
        )
    _common(rep)


def _keywords_arguments(parser: argparse.ArgumentParser) -> None:
    kw = actions(parser)
    ov = kw.add_parser("overview", help="search volume, CPC, competition of keywords")
    ov.add_argument("phrases", nargs="+", help="keywords to look up")
    _common(ov, many=False)


def _domains_arguments(parser: argparse.ArgumentParser) -> None:
    dom = actions(parser)
    org = dom.add_parser("organic", help="a domain's organic search keywords")
    org.add_argument("domain", help="the domain, e.g. example.com")
    _common(org)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw in args.option:
        name, sep, value = raw.partition("=")
        if not sep:
            raise ValidationError(f"--option {raw!r} is not NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def _params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "database": args.database,
        "columns": args.columns,
        "sort": args.sort,
        "filters": args.filter or None,
        "date": args.date,
        "escape": False if args.no_escape else None,
        **_options(args),
    }


def _check_budget(report: str, budget: int | None) -> None:
    price = REPORTS[report].price
    if budget is not None and budget < price.units:
        raise BudgetExceeded(
            f"--budget {budget} is below the price of one line of {report} ({price.units} units)",
            needed=price.units,
            available=budget,
        )


async def cmd_domains(args: argparse.Namespace) -> int:
    return await _report(args, "domain_organic", [args.domain])


async def cmd_report(args: argparse.Namespace) -> int:
    spec = ROOT_REPORTS.get(args.type)
    if spec is None:
        raise ValidationError(
            f"unknown report {args.type!r}; allowed: {', '.join(sorted(ROOT_REPORTS))} "
            "(Backlinks reports: semrush-async backlinks export)"
        )
    given = {name: getattr(args, name) for name in TARGET_PARAMS if getattr(args, name)}
    if spec.target is None:
        if given:
            raise ValidationError(f"{spec.type} takes no target; drop --{next(iter(given))}")
        return await _report(args, spec.type, [])
    wrong = [n for n in given if n != spec.target]
    if wrong or spec.target not in given:
        raise ValidationError(
            f"{spec.type} takes --{spec.target} (got: {', '.join(given) or 'none'})"
        )
    return await _report(args, spec.type, given[spec.target])


async def _report(args: argparse.Namespace, report: str, targets: list[str]) -> int:
    _check_budget(report, args.budget)
    if args.output == "-" and args.checkpoint:
        raise ValidationError("--checkpoint needs -o FILE (stdout cannot be resumed)")
    spec = ROOT_REPORTS[report]
    async with client_for(args, unit_budget=args.budget) as client:
        if targets:
            harvest = client.analytics.harvest(
                report,
                targets,
                limit_per_target=args.limit,
                page_size=args.page_size,
                checkpoint=args.checkpoint,
                **_params(args),
            )
            fields = [COLUMNS[c].field for c in harvest.template.columns]
            return await write_harvest(args, client, harvest, fields)
        if args.checkpoint:
            raise ValidationError(f"{report} has no target: --checkpoint needs a target report")
        pager = client.analytics.report(
            report, limit=args.limit, page_size=args.page_size, **_params(args)
        )
        if args.format == "parquet":
            sink = parquet_sink(args.output)
            await sink.drain(pager)
            print(
                f"{sink.rows:,} rows of {spec.type}; {client.units.spent:,} API units spent",
                file=sys.stderr,
            )
            return 0
        cols = client.analytics.query(report, **_params(args)).columns
        writer = Writer(args.output, args.format, [COLUMNS[c].field for c in cols], target=False)
        writer.open(None)
        try:
            async for batch in pager.batches():
                writer.write("", batch)
        finally:
            writer.close()
        print(
            f"{pager.count:,} rows of {spec.type}; {client.units.spent:,} API units spent",
            file=sys.stderr,
        )
    return 0


async def cmd_keywords(args: argparse.Namespace) -> int:
    _check_budget("phrase_these", args.budget)
    if args.format == "parquet":
        raise ValidationError(
            "--format parquet: keywords writes csv or jsonl (for Parquet: "
            "semrush-async analytics report phrase_these --phrase ... --format parquet)"
        )
    phrases = list(dict.fromkeys(args.phrases))
    async with client_for(args, unit_budget=args.budget) as client:
        params = _params(args)
        cols = client.analytics.query("phrase_these", phrase=phrases[:_BATCH], **params).columns
        writer = Writer(args.output, args.format, [COLUMNS[c].field for c in cols], target=False)
        writer.open(None)
        try:
            for i in range(0, len(phrases), _BATCH):
                rows = await client.analytics.report(
                    "phrase_these", phrase=phrases[i : i + _BATCH], **params
                )
                writer.write("", rows)
        finally:
            writer.close()
        print(f"{len(phrases)} keywords; {client.units.spent:,} API units spent", file=sys.stderr)
    return 0


COMMANDS: Final = (
    Command("report", "stream any Analytics v3 report to a file", _report_arguments, cmd_report),
    Command("keywords", "keyword reports", _keywords_arguments, cmd_keywords),
    Command("domains", "domain reports", _domains_arguments, cmd_domains),
)
