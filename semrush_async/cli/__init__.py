"""The ``semrush-async`` command line (``pip install "semrush-async[cli]"``).

Every client option has a flag and an environment variable; ``--sandbox`` runs the
built-in sandbox in-process so the main job works without a key. Bad input gets one
line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO

import attrs

from semrush_async import __version__
from semrush_async._core.harvest import Harvest
from semrush_async._core.oauth import FileTokenStore, MemoryTokenStore
from semrush_async.apis.auth.resource import DevicePrompt
from semrush_async.apis.backlinks.reports import REPORTS
from semrush_async.apis.listings.models import Location
from semrush_async.cli import analytics as _cli_analytics
from semrush_async.cli._common import CommandGroup
from semrush_async.cli.backlinks import cost_notes, export_together
from semrush_async.cli.local import GROUP as LOCAL_GROUP
from semrush_async.cli.map_rank import ALIAS as MAP_RANK_ALIAS
from semrush_async.cli.map_rank import GROUP as MAP_RANK
from semrush_async.cli.projects import GROUP as PROJECTS
from semrush_async.client import DEFAULT_BASE_URL, DEFAULT_OAUTH_URL, DEFAULT_WWW_URL, SemrushClient
from semrush_async.errors import BudgetExceeded, NotAvailableInV4, SemrushError, ValidationError

if TYPE_CHECKING:
    from semrush_async.testing import SemrushSandbox

__all__ = ["main"]

EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
REPORT_NAMES: Final = {spec.method: spec.type for spec in REPORTS.values()}

#: Command groups that live in their own modules (one line each).
GROUPS: Final[tuple[CommandGroup, ...]] = (
    PROJECTS,
    LOCAL_GROUP,
    MAP_RANK,
    MAP_RANK_ALIAS,
)


def _rich() -> Any:
    try:
        import rich
    except ImportError:
        raise SystemExit(
            'error: the command line needs rich: pip install "semrush-async[cli]"'
        ) from None
    import rich.console

    return rich.console.Console(stderr=True)


def _config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "semrush-async"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="semrush-async",
        description="Semrush API from the command line, with rate governance built in.",
    )
    p.add_argument("--version", action="version", version=f"semrush-async {__version__}")
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="run against the built-in sandbox (no key, no network)",
    )
    # Every client option has a flag and an environment variable.
    env_options = (
        ("--api-key", "SEMRUSH_API_KEY", None, "Analytics v3 API key"),
        ("--v4-api-key", "SEMRUSH_V4_API_KEY", None, "API v4 key (Authorization: Apikey)"),
        ("--base-url", "SEMRUSH_BASE_URL", DEFAULT_BASE_URL, "API base URL"),
        ("--oauth-url", "SEMRUSH_OAUTH_URL", DEFAULT_OAUTH_URL, "OAuth server URL"),
        ("--www-url", "SEMRUSH_WWW_URL", DEFAULT_WWW_URL, "URL of the unit balance endpoint"),
        (
            "--token-file",
            "SEMRUSH_TOKEN_FILE",
            str(_config_dir() / "tokens.json"),
            "where OAuth tokens are stored, mode 0600",
        ),
    )
    for flag, var, default, text in env_options:
        p.add_argument(flag, default=os.environ.get(var, default), help=f"{text} (env {var})")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    sub = p.add_subparsers(dest="command", required=True)

    auth = sub.add_parser("auth", help="OAuth login for API v4").add_subparsers(
        dest="action", required=True
    )
    login = auth.add_parser("login", help="device login (prints a URL and a code)")
    login.add_argument("--scope", default=None)
    auth.add_parser("status", help="show the stored token")
    auth.add_parser("logout", help="forget the stored token")

    sub.add_parser("units", help="account unit balance and this run's spending")

    bl = sub.add_parser("backlinks", help="Backlinks Analytics").add_subparsers(
        dest="action", required=True
    )
    ov = bl.add_parser("overview", help="backlinks_overview for one target")
    ov.add_argument("target")
    ov.add_argument("--target-type", default="root_domain")
    ex = bl.add_parser("export", help="stream a report for many targets to a file")
    ex.add_argument("report", help=f"one of: {', '.join(sorted(REPORT_NAMES))}")
    ex.add_argument("targets", nargs="+")
    ex.add_argument("--target-type", default="root_domain")
    ex.add_argument("--columns", default=None, help="comma-separated (default: all)")
    ex.add_argument("--sort", default=None)
    ex.add_argument(
        "--filter",
        action="append",
        default=[],
        help="display_filter condition, e.g. '+|type||follow' (repeatable)",
    )
    ex.add_argument("--limit", type=int, default=None, help="rows per target")
    ex.add_argument("-o", "--output", default="-", help="file (default: stdout)")
    ex.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    ex.add_argument("--checkpoint", default=None, help="sqlite file: resume where it stopped")
    ex.add_argument("--budget", type=int, default=None, help="max API units to spend")
    ex.add_argument("--page-size", type=int, default=2_000)
    ex.add_argument(
        "--api",
        choices=("v3", "v4"),
        default="v3",
        help="v4: run on Backlinks API v4 with the v4 key (same columns where v4 has them)",
    )

    _cli_analytics.add_parsers(sub)

    loc = sub.add_parser("locations", help="Listing Management").add_subparsers(
        dest="action", required=True
    )
    loc.add_parser("list", help="all locations")
    get = loc.add_parser("get", help="one location as JSON")
    get.add_argument("id")
    upd = loc.add_parser("update", help="bulk update from a JSON file")
    upd.add_argument("file", help='a JSON list of locations, or {"locations": [...]}')
    for group in GROUPS:
        group.register(
            sub.add_parser(group.name, help=group.help).add_subparsers(dest="action", required=True)
        )
    return p


@contextlib.asynccontextmanager
async def _session(
    args: argparse.Namespace, **kwargs: Any
) -> AsyncIterator[tuple[SemrushClient, SemrushSandbox | None]]:
    """A client for the command, and the in-process sandbox behind it (``--sandbox``).

    ``--sandbox`` never reads, writes or deletes a credential file: its tokens live in
    memory and die with the process (``--token-file``, ``SEMRUSH_TOKEN_FILE`` and the
    default file are not opened), and no key from the environment is used.
    """
    if args.sandbox:
        from semrush_async.testing import SemrushSandbox

        async with SemrushSandbox() as sandbox:
            sandbox.state.extensions["oauth"].interval = 1
            async with sandbox.client(**kwargs, token_store=MemoryTokenStore()) as client:
                yield client, sandbox
        return
    kwargs["token_store"] = FileTokenStore(args.token_file)
    async with SemrushClient(
        api_key=args.api_key,
        v4_api_key=args.v4_api_key,
        base_url=args.base_url,
        oauth_url=args.oauth_url,
        www_url=args.www_url,
        **kwargs,
    ) as client:
        yield client, None


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace, **kwargs: Any) -> AsyncIterator[SemrushClient]:
    async with _session(args, **kwargs) as (client, _):
        yield client


# --- commands ---------------------------------------------------------------------------


async def cmd_auth(args: argparse.Namespace) -> int:
    # token=None: the command works on the stored tokens (the sandbox's in memory).
    async with _session(args, token=None) as (client, sandbox):
        if args.action == "login":

            def prompt(p: DevicePrompt) -> None:
                print(p, file=sys.stderr, flush=True)
                if sandbox is not None:
                    print("(sandbox: approving on your behalf)", file=sys.stderr)
                    sandbox.state.extensions["oauth"].approve(p.user_code)

            new = await client.auth.device_login(args.scope, on_prompt=prompt)
            where = (
                "kept in memory only (--sandbox: no token file is read or written)"
                if sandbox is not None
                else f"stored in {args.token_file}"
            )
            print(f"logged in; token {where} (expires {_when(new.expires_at)})")
        elif args.action == "status":
            tokens = await client.auth.status()
            if tokens is None:
                note = " (--sandbox starts with no tokens and never reads a token file)"
                print("not logged in" + (note if sandbox is not None else ""))
                return EXIT_ERROR
            print(
                f"logged in ({tokens.grant}); access token expires "
                f"{_when(tokens.expires_at)}; refresh token "
                f"{'present' if tokens.refresh_token else 'absent'}"
            )
        else:
            await client.auth.logout()
            print("logged out" + (" (--sandbox: no token file touched)" if sandbox else ""))
    return 0


def _when(ts: float | None) -> str:
    return (
        "at an unknown time" if ts is None else datetime.fromtimestamp(ts).isoformat(" ", "seconds")
    )


async def cmd_units(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        balance = await client.units.balance()
        print(f"account balance: {balance:,} API units")
        print(f"spent by this run: {client.units.spent:,}")
    return 0


async def cmd_overview(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        ov = await client.backlinks.overview(args.target, args.target_type)
        if ov is None:
            print(f"nothing found for {args.target}")
            return 0
        console = _rich()
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
        return await _write_harvest(args, client, harvest, list(harvest._template.columns))


async def _write_harvest(
    args: argparse.Namespace, client: SemrushClient, harvest: Harvest, fields: list[str]
) -> int:
    """Stream a harvest to ``args.output`` with progress; the summary on stderr."""
    console = None if args.quiet else _rich()
    writer = _Writer(args.output, args.format, fields)
    progress = _Progress(console, client, len(harvest.targets))
    try:
        with progress:
            async with harvest:
                async for item in harvest:
                    writer.open(harvest.resumed_notes.get("output_bytes"))
                    if item.error is not None:
                        progress.log(f"{item.target}: failed: {item.error}")
                    else:
                        writer.write(item.target, item.rows)
                    harvest.note("output_bytes", str(writer.size()))
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
        + f"; {client.units.spent:,} API units spent"
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


#: Targets named in the "not finished" line (the rest are counted).
_MAX_NAMES: Final = 20


class _Writer:
    """CSV or JSON Lines output; truncates to the size the checkpoint noted."""

    def __init__(
        self,
        path: str,
        fmt: str,
        columns: list[str],
        *,
        target: bool = True,
        values: Callable[[Any], list[Any]] | None = None,
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.columns = columns
        #: Lead each row with its target (a harvest of several targets).
        self.target = target
        #: A row's values in ``columns`` order (default: its attributes of those names).
        self.values = values or (lambda r: [getattr(r, c) for c in columns])
        self._f: TextIO | None = None
        self._csv: Any = None

    def open(self, resumed_size: str | None) -> None:
        if self._f is not None:
            return
        f: TextIO
        if self.path == "-":
            f = sys.stdout
        else:
            mode: Literal["r+", "w"] = "r+" if os.path.exists(self.path) and resumed_size else "w"
            f = open(self.path, mode, newline="", encoding="utf-8")  # noqa: SIM115
            if mode == "r+":
                # Drop anything written after the last page the checkpoint marked done.
                f.seek(int(resumed_size or 0))
                f.truncate()
        self._f = f
        if self.fmt == "csv":
            self._csv = csv.writer(f, lineterminator="\n")
            if not resumed_size:
                self._csv.writerow(["target", *self.columns] if self.target else self.columns)

    def write(self, target: str, rows: Sequence[Any]) -> None:
        assert self._f is not None
        if self.fmt == "csv":
            lead = [target] if self.target else []
            self._csv.writerows([*lead, *map(_cell, self.values(r))] for r in rows)
        else:
            for r in rows:
                doc = dict(zip(self.columns, map(_json, self.values(r)), strict=True))
                if self.target:
                    doc = {"target": target, **doc}
                self._f.write(json.dumps(doc, ensure_ascii=False) + "\n")
        self._f.flush()

    def size(self) -> int:
        if self._f is None or self._f is sys.stdout:
            return 0
        return self._f.tell()

    def close(self) -> None:
        if self._f is not None and self._f is not sys.stdout:
            self._f.close()


def _cell(v: Any) -> Any:
    if isinstance(v, date):  # datetime too
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return json.dumps(v)
    if isinstance(v, tuple):  # trends, intents, SERP features
        return ",".join(str(x if isinstance(x, float) else int(x)) for x in v)
    return "" if v is None else v


def _json(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


class _Progress:
    """A live bar: targets done, rows, pages, units spent, current governor wait."""

    def __init__(self, console: Any, client: SemrushClient, targets: int) -> None:
        self.console = console
        self.client = client
        self.targets = targets
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
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
            f"{self.client.units.spent:,}  governor wait (max) {wait}"
        )
        self._progress.update(self._task, completed=len(harvest.completed), info=info)

    def log(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text)
        else:
            print(text, file=sys.stderr)


async def cmd_locations(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        if args.action == "list":
            async for loc in client.listings.locations():
                print(json.dumps(loc.to_dict(), ensure_ascii=False))
            return 0
        if args.action == "get":
            print(
                json.dumps(
                    (await client.listings.get_location(args.id)).to_dict(),
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return 0
        locations = _read_locations(args.file)
        console = None if args.quiet else _rich()
        bar: Any = None
        if console is not None:
            from rich.progress import Progress

            bar = Progress(console=console)
            bar.__enter__()
            task = bar.add_task("updating", total=len(locations))
        try:
            results = await client.listings.update_locations(
                locations,
                progress=(lambda done, total: bar.update(task, completed=done)) if bar else None,
            )
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        failed = [r for r in results if not r.ok]
        for r in results:
            line = f"{r.location_id} {r.state.value}"
            if r.error is not None:
                why = "; ".join(str(d) for d in r.error.details) or r.error.message
                line += f" {r.error.code}: {why}"
            print(line)
        print(f"{len(results) - len(failed)} updated, {len(failed)} failed", file=sys.stderr)
        return EXIT_ERROR if failed else 0


def _read_locations(path: str) -> list[Location]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValidationError(f"cannot read {path}: {e}") from None
    except RecursionError:
        # json's decoder recurses once per nesting level.
        raise ValidationError(
            f"cannot read {path}: JSON nested too deeply to be a list of locations"
        ) from None
    items = doc.get("locations") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ValidationError(f'{path}: expected a JSON list or {{"locations": [...]}}')
    out = []
    for i, item in enumerate(items):
        try:
            out.append(Location.from_dict(item))
        except ValidationError as e:
            first = e.details[0].message if e.details else e.message
            raise ValidationError(f"{path}: locations[{i}]: {first}") from None
    return out


# --- entry point ------------------------------------------------------------------------


async def _run(args: argparse.Namespace) -> int:
    if args.command == "auth":
        return await cmd_auth(args)
    if args.command == "units":
        return await cmd_units(args)
    if args.command in _cli_analytics.COMMANDS:
        return await _cli_analytics.run(args)
    if args.command == "backlinks":
        with cost_notes():
            return await (cmd_overview(args) if args.action == "overview" else cmd_export(args))
    for group in GROUPS:
        if args.command == group.name:
            return await group.run(args, _client)
    return await cmd_locations(args)


def _one_line(err: SemrushError) -> str:
    text = (
        str(err)
        .replace("pass api_key= or set", "pass --api-key or set")
        .replace("client.auth.device_login()", "semrush-async auth login")
    )
    if isinstance(err, NotAvailableInV4):
        text = err.message.replace("backlinks_api='v3'", "--api v3") + "; nothing was sent"
    if isinstance(err, ValidationError) and err.details:
        text = err.message + ": " + "; ".join(str(d) for d in err.details)
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        hint = (
            " (rerun with the same --checkpoint to resume)"
            if getattr(args, "checkpoint", None)
            else ""
        )
        print(f"interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValidationError, NotAvailableInV4) as e:
        # Both refuse the input before anything is sent.
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except SemrushError as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR


def _console_entry() -> None:
    # SIGTERM behaves like Ctrl-C: the checkpoint and the output stay consistent.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
