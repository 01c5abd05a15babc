"""The ``semrush-async`` command line (``pip install "semrush-async[cli]"``).

Every client option has a flag and an environment variable; ``--sandbox`` runs the
built-in sandbox in-process so the main job works without a key. Bad input gets one
line on stderr and a non-zero exit, never a traceback.

Each command group is one module exposing ``COMMANDS`` (see :mod:`._command`);
:data:`COMMANDS` below lists them in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import Final

from semrush_async._version import __version__
from semrush_async.cli import (
    analytics,
    auth,
    backlinks,
    listings,
    local,
    map_rank,
    position_tracking,
    projects,
    site_audit,
    trends,
    units,
)
from semrush_async.cli._command import Command
from semrush_async.cli._errors import HANDLED, report
from semrush_async.cli._options import Parser, add_everywhere, add_global_options

__all__ = ["main"]

#: Every top-level command; a new group is a module plus one line here.
COMMANDS: Final[tuple[Command, ...]] = (
    *auth.COMMANDS,
    *units.COMMANDS,
    *backlinks.COMMANDS,
    *analytics.COMMANDS,
    *listings.COMMANDS,
    *projects.COMMANDS,
    *local.COMMANDS,
    *map_rank.COMMANDS,
    *position_tracking.COMMANDS,
    *site_audit.COMMANDS,
    *trends.COMMANDS,
)
_BY_NAME: Final = {command.name: command for command in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="semrush-async",
        description="Semrush API from the command line, with rate governance built in.",
    )
    p.add_argument("--version", action="version", version=f"semrush-async {__version__}")
    add_global_options(p)
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help))
    # The global options are accepted after the subcommand too.
    add_everywhere(p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_BY_NAME[args.command].run(args))
    except HANDLED as e:
        return report(e, args)


def _console_entry() -> None:
    # SIGTERM behaves like Ctrl-C: the checkpoint and the output stay consistent.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
