"""How a command group plugs into the CLI: one :class:`Command` record per top-level command.

A group is one module (``projects``, ``local``, ...) that exposes ``COMMANDS``, a tuple
of :class:`Command`; ``cli/__init__.py`` lists the groups, in the order ``--help``
shows them. Adding a group is one module plus one line there.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import Any, TypeAlias

import attrs

__all__ = ["Command", "Subparsers", "actions"]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@attrs.frozen
class Command:
    """One top-level command: its name, its help line, its arguments and its handler."""

    name: str
    help: str
    #: Adds the command's arguments, or its actions (see :func:`actions`), to its parser.
    arguments: Callable[[argparse.ArgumentParser], None]
    #: Runs the parsed command (``args.command == name``); returns the exit code.
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def actions(parser: argparse.ArgumentParser) -> Subparsers:
    """The actions of a group command (``semrush-async GROUP ACTION``): ``args.action``."""
    return parser.add_subparsers(dest="action", required=True)
