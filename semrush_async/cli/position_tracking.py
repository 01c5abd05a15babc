"""``semrush-async position-tracking campaigns|add-keywords|remove-keywords|positions``.

``positions`` exports a campaign's rankings (one line per keyword and URL) to a CSV or
JSON Lines file with a progress line: rows, requests and units spent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any, Final

from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._options import add_yes, confirm, count, lower
from semrush_async.cli._output import add_format, emit, stderr_console
from semrush_async.cli._writer import Writer

__all__ = ["COMMANDS"]

CAMPAIGN_COLUMNS: Final = ("id", "url", "url_type", "device", "language", "keywords_count")
KEYWORD_COLUMNS: Final = ("keyword", "tags", "added")
#: One export line per keyword and URL.
POSITION_COLUMNS: Final = ["keyword", "url", "begin", "end", "diff", "volume", "cpc", "tags"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _arguments(parser: argparse.ArgumentParser) -> None:
    sub = actions(parser)
    ls = sub.add_parser("campaigns", help="a project's campaigns")
    ls.add_argument("project_id", type=int, help="the project's id")
    add_format(ls)
    add = sub.add_parser("add-keywords", help="track keywords (100 units per keyword added)")
    add.add_argument("campaign_id", help="<project id>_<n>")
    add.add_argument("keywords", nargs="+", help="the keywords to track")
    add.add_argument("--tag", action="append", default=[], help="a tag for every keyword")
    add_format(add)
    rm = sub.add_parser("remove-keywords", help="stop tracking keywords")
    rm.add_argument("campaign_id", help="the campaign's id")
    rm.add_argument("keywords", nargs="+", help="the keywords to stop tracking")
    add_yes(rm)
    add_format(rm)
    pos = sub.add_parser("positions", help="export rankings (100 units per keyword row)")
    pos.add_argument("campaign_id", help="the campaign's id")
    pos.add_argument(
        "--kind",
        type=lower,
        choices=("organic", "adwords"),
        default="organic",
        help="organic (default) or adwords rankings",
    )
    pos.add_argument("--url", action="append", help="a masked URL (*.example.com/*); repeat")
    pos.add_argument("--date-begin", type=_date, help="YYYY-MM-DD")
    pos.add_argument("--date-end", type=_date, help="YYYY-MM-DD")
    pos.add_argument("--limit", type=count(1), help="keyword rows in all")
    pos.add_argument("--page-size", type=count(1), default=500, help="rows per request, 1-500")
    pos.add_argument("--output", "-o", default="-", help="file to write (default stdout)")
    pos.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="output format")


def _lines(row: Any) -> list[list[Any]]:
    urls = list(row.end) or list(row.begin)
    return [
        [
            row.keyword,
            url,
            row.begin.get(url),
            row.end.get(url),
            row.diff.get(url),
            row.volume,
            row.cpc,
            "|".join(row.tags),
        ]
        for url in urls
    ]


async def _export(args: argparse.Namespace) -> int:
    quiet = getattr(args, "quiet", False)
    console = None if quiet else stderr_console()
    writer = Writer(
        args.output, args.format, POSITION_COLUMNS, target=False, values=lambda line: line
    )
    writer.open(None)
    async with client_for(args) as client:
        pager = client.position_tracking.positions(
            args.campaign_id,
            args.kind,
            url=args.url,
            date_begin=args.date_begin,
            date_end=args.date_end,
            limit=args.limit,
            page_size=args.page_size,
        )
        rows = 0
        progress: Any = None
        task: Any = None
        if console is not None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            progress = Progress(
                TextColumn("keywords"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"),
                console=console,
            )
            progress.__enter__()
            task = progress.add_task("positions", total=args.limit, info="")
        try:
            async for batch in pager.batches():
                writer.write("", [line for row in batch for line in _lines(row)])
                rows += len(batch)
                if progress is not None:
                    info = f"requests {pager.pages}  units {client.units.spent:,}"
                    progress.update(task, completed=rows, info=info)
        finally:
            if progress is not None:
                progress.__exit__(None, None, None)
            writer.close()
        units = client.units.spent
    if not quiet:
        print(f"{rows} keywords, {pager.pages} requests, {units:,} units", file=sys.stderr)
    return 0


async def _run(args: argparse.Namespace) -> int:
    if args.action == "positions":
        return await _export(args)
    async with client_for(args) as client:
        pt = client.position_tracking
        if args.action == "campaigns":
            listed = await pt.campaigns(args.project_id)
            emit(listed.campaigns, args.format, CAMPAIGN_COLUMNS)
        elif args.action == "add-keywords":
            state = await pt.add_keywords(args.campaign_id, [(k, args.tag) for k in args.keywords])
            emit(state.keywords or (), args.format, KEYWORD_COLUMNS)
        else:
            what = f"stop tracking {len(args.keywords)} keyword(s) in campaign {args.campaign_id}"
            if not confirm(args, what):
                print("nothing removed", file=sys.stderr)
                return 1
            state = await pt.remove_keywords(args.campaign_id, args.keywords)
            emit(state.keywords or (), args.format, KEYWORD_COLUMNS)
    return 0


COMMANDS: Final = (Command("position-tracking", "Position Tracking (API v3)", _arguments, _run),)
