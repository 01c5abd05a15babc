"""What a command prints: tables, JSON and CSV of records (``--format``), and the rich console.

Exports stream rows to a file through :mod:`semrush_async.cli._writer` instead.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import enum
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, Final, TextIO

import attrs

__all__ = ["FORMATS", "add_format", "emit", "emit_one", "stderr_console", "to_plain"]

FORMATS: Final = ("table", "json", "csv")


def stderr_console() -> Any:
    """A rich console on stderr (progress, tables); exits with advice when rich is missing."""
    try:
        import rich
    except ImportError:
        raise SystemExit(
            'error: the command line needs rich: pip install "semrush-async[cli]"'
        ) from None
    import rich.console

    return rich.console.Console(stderr=True)


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


def emit_one(item: Any, fmt: str, columns: Sequence[str] | None = None) -> None:
    """Write one object: a JSON object (not a list of one), or a table or CSV of one row."""
    if fmt == "json":
        json.dump(to_plain(item), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    emit([item], fmt, columns)


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
