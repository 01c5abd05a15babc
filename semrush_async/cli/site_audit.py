"""``semrush-async site-audit launch|info|issues|page``.

``launch --wait`` starts an audit and follows it with a progress bar over the pages
crawled until it is FINISHED (each poll is a governed call at 100 units).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._options import count, seconds
from semrush_async.cli._output import add_format, emit, emit_one, stderr_console

__all__ = ["COMMANDS"]

INFO_COLUMNS: Final = (
    "project_id",
    "url",
    "status",
    "pages_crawled",
    "pages_limit",
    "errors",
    "warnings",
    "notices",
    "last_audit",
)
ISSUE_COLUMNS: Final = ("source_url", "target_url", "page_id")
PAGE_COLUMNS: Final = ("severity", "id", "total", "target_url")


def _arguments(parser: argparse.ArgumentParser) -> None:
    sub = actions(parser)
    go = sub.add_parser("launch", help="start an audit (100 units)")
    go.add_argument("project_id", type=int, help="the project's id")
    go.add_argument("--wait", action="store_true", help="follow it until it is FINISHED")
    go.add_argument("--timeout", type=seconds, default=3600.0, help="seconds to wait at most")
    go.add_argument("--interval", type=seconds, default=10.0, help="seconds between polls")
    info = sub.add_parser("info", help="the campaign's status and totals")
    info.add_argument("project_id", type=int, help="the project's id")
    add_format(info)
    issues = sub.add_parser("issues", help="every detection of one issue in a snapshot")
    issues.add_argument("project_id", type=int, help="the project's id")
    issues.add_argument("snapshot_id", help="the snapshot's id")
    issues.add_argument("issue_id", type=int, help="the issue's id")
    issues.add_argument("--limit", type=count(1), help="rows in all")
    add_format(issues)
    page = sub.add_parser("page", help="one crawled page and its issues (1,000 units)")
    page.add_argument("project_id", type=int, help="the project's id")
    page.add_argument("page_id", help="the page's id")
    add_format(page)


class _Crawl:
    """A progress bar over the pages the running audit has crawled."""

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("pages crawled"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
        )
        self.task = self.progress.add_task("audit", total=None, status="")

    def __call__(self, info: Any) -> None:
        done = info.finished
        total = info.pages_crawled if done else info.running_pages_limit or None
        crawled = info.pages_crawled if done else info.running_pages_crawled
        self.progress.update(self.task, completed=crawled, total=total, status=str(info.status))


async def _launch(args: argparse.Namespace) -> int:
    quiet = getattr(args, "quiet", False)
    async with client_for(args) as client:
        sa = client.site_audit
        snapshot = await sa.launch(args.project_id)
        print(f"snapshot {snapshot}", file=sys.stderr)
        if not args.wait:
            print(snapshot)
            return 0
        if quiet:
            info = await sa.wait(args.project_id, timeout=args.timeout, interval=args.interval)
        else:
            bar = _Crawl(stderr_console())
            with bar.progress:
                info = await sa.wait(
                    args.project_id, timeout=args.timeout, interval=args.interval, on_poll=bar
                )
        units = client.units.spent
    print(snapshot)
    if not quiet:
        print(
            f"{info.status}: {info.pages_crawled} pages, {info.errors} errors, "
            f"{info.warnings} warnings, {info.notices} notices; {units:,} units",
            file=sys.stderr,
        )
    return 0


async def _run(args: argparse.Namespace) -> int:
    if args.action == "launch":
        return await _launch(args)
    async with client_for(args) as client:
        sa = client.site_audit
        if args.action == "info":
            emit_one(await sa.info(args.project_id), args.format, INFO_COLUMNS)
        elif args.action == "issues":
            rows = await sa.issue(
                args.project_id, args.snapshot_id, args.issue_id, limit=args.limit
            )
            emit(rows, args.format, ISSUE_COLUMNS)
        else:
            page = await sa.page(args.project_id, args.page_id)
            lines = [
                {"severity": name, "id": i.id, "total": i.total, "target_url": url}
                for name, found in (
                    ("error", page.errors),
                    ("warning", page.warnings),
                    ("notice", page.notices),
                )
                for i in found
                for url in [d.target_url for d in i.detections] or [None]
            ]
            print(f"{page.url} ({page.title or 'no title'})", file=sys.stderr)
            emit(lines, args.format, PAGE_COLUMNS)
    return 0


COMMANDS: Final = (Command("site-audit", "Site Audit (API v3)", _arguments, _run),)
