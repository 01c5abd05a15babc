"""What command groups of the CLI share: registration and ``--format`` output.

A group (``projects``, ``local``, ...) is a module exposing :class:`CommandGroup`;
``cli.py`` lists the groups, so adding one is a module plus one line there.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import enum
import json
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, TextIO

import attrs

if TYPE_CHECKING:
    from semrush_async.client import SemrushClient

__all__ = ["FORMATS", "ClientFactory", "CommandGroup", "add_format", "emit", "to_plain"]

FORMATS: Final = ("table", "json", "csv")

#: ``async with client_for(args) as client:`` (the sandbox behind it with --sandbox).
ClientFactory = Callable[
    [argparse.Namespace], contextlib.AbstractAsyncContextManager["SemrushClient"]
]


@attrs.frozen
class CommandGroup:
    """One top-level command with sub-actions."""

    name: str
    help: str
    #: Adds the group's actions to its (already created) sub-parser action.
    register: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]
    #: Runs ``args.action``; returns the exit code.
    run: Callable[[argparse.Namespace, ClientFactory], Awaitable[int]]


def add_format(p: argparse.ArgumentParser, default: str = "table") -> None:
    p.add_argument("--format", choices=FORMATS, default=default, help="output format")


def to_plain(value: Any) -> Any:
    """attrs objects, enums, datetimes, tuples -> JSON-ready values."""
    if attrs.has(type(value)):
        return {a.name: to_plain(getattr(value, a.name)) for a in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    plain = to_plain(value)
    if plain is None:
        return ""
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, list | dict):
        return json.dumps(plain, ensure_ascii=False)
    return str(plain)


def emit(
    items: Iterable[Any],
    fmt: str,
    columns: Sequence[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Write ``items`` (attrs objects or dicts) as a table, JSON or CSV; return the count."""
    stream = out or sys.stdout
    rows = [to_plain(i) for i in items]
    if fmt == "json":
        json.dump(rows, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return len(rows)
    cols = list(columns or (rows[0].keys() if rows and isinstance(rows[0], dict) else ()))
    if fmt == "csv":
        w = csv.writer(stream, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in cols])
        return len(rows)
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(cols)]
    stream.write("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip() + "\n")
    for row in cells:
        stream.write(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
    return len(rows)
