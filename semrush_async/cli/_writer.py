"""Rows to a CSV or JSON Lines file (or stdout), resumable after a checkpoint."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Literal, TextIO

__all__ = ["Writer"]


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
