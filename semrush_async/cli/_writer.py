"""Rows to a CSV or JSON Lines file (or stdout), or a Parquet file, resumable after a
checkpoint."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, TextIO

from semrush_async.v3.parquet import ParquetSink

if TYPE_CHECKING:
    from semrush_async._core.harvest import HarvestItem
    from semrush_async.v3.source import ReportHarvest

from semrush_async.errors import ValidationError

__all__ = ["ParquetWriter", "Writer", "parquet_sink"]

#: The output formats of the export commands.
FORMATS = ("csv", "jsonl", "parquet")


def parquet_sink(path: str) -> ParquetSink:
    """A Parquet sink for ``-o path``; ValidationError (before anything is sent) for
    stdout or when the ``arrow`` extra is missing."""
    if path == "-":
        raise ValidationError("--format parquet needs -o FILE (Parquet is not streamed to stdout)")
    try:
        return ParquetSink(path)
    except ImportError as e:
        raise ValidationError(str(e)) from None


class ParquetWriter:
    """A harvest to a Parquet file (:class:`~semrush_async.ParquetSink`): one part per
    page until every target is complete, so a resume writes each page once."""

    def __init__(self, path: str, harvest: ReportHarvest[Any]) -> None:
        self.sink = parquet_sink(path)
        self._harvest = harvest

    def open(self, resumed_size: str | None) -> None:
        """Nothing to reopen: a replayed page overwrites its own part."""

    def add(self, item: HarvestItem[Any]) -> None:
        self.sink.add(self._harvest, item)

    def size(self) -> int:
        return 0

    def close(self) -> None:
        if not self.sink.finish(self._harvest):
            print(
                f"{self.sink.path} is written once every target is complete; until then "
                f"the pages are in {self.sink.parts}/ (rerun with the same --checkpoint)",
                file=sys.stderr,
            )


class Writer:
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
