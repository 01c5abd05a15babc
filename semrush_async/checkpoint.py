"""A sqlite3 checkpoint for resumable harvests (stdlib only).

Two tables per job. ``harvest`` has one row per target: the next offset to fetch,
rows and pages processed, and whether the target is finished. ``received`` holds
pages that arrived (and were paid for) but that the consumer has not processed yet,
as raw CSV fields; a resumed harvest replays them without any request. A page moves
from ``received`` to ``harvest`` in one transaction when it is processed.

A job is identified by everything that changes the data (report, target type,
columns, sort, filter, per-target limit), so resuming with different parameters
starts afresh instead of mixing results.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["Checkpoint", "ReceivedPage", "TargetProgress", "job_key"]


@attrs.frozen(slots=True)
class ReceivedPage:
    """A page that arrived but was not processed yet (raw CSV fields)."""

    target: str
    offset: int
    header: tuple[str, ...]
    rows: list[list[str]]
    done: bool
    units_exhausted: bool = False


@attrs.frozen(slots=True)
class TargetProgress:
    next_offset: int = 0
    rows: int = 0
    pages: int = 0
    done: bool = False


def job_key(**params: Any) -> str:
    """A stable id for a harvest's parameters."""
    blob = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class Checkpoint:
    """Progress of one harvest job, committed page by page."""

    def __init__(self, path: str | Path, job: str) -> None:
        self.path = Path(path)
        self.job = job
        self._db = sqlite3.connect(self.path, isolation_level=None)
        # WAL + NORMAL: a commit per page costs well under a millisecond and survives
        # a killed process (not necessarily a power cut, which is fine for a cache of
        # paid-for progress that can be re-fetched).
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS harvest ("
            " job TEXT NOT NULL, target TEXT NOT NULL, next_offset INTEGER NOT NULL,"
            " rows INTEGER NOT NULL, pages INTEGER NOT NULL, done INTEGER NOT NULL,"
            " PRIMARY KEY (job, target))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS received ("
            " job TEXT NOT NULL, target TEXT NOT NULL, offset INTEGER NOT NULL,"
            " header TEXT NOT NULL, rows TEXT NOT NULL, done INTEGER NOT NULL,"
            " units_exhausted INTEGER NOT NULL, PRIMARY KEY (job, target, offset))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS notes ("
            " job TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
            " PRIMARY KEY (job, key))"
        )

    def load(self) -> dict[str, TargetProgress]:
        cur = self._db.execute(
            "SELECT target, next_offset, rows, pages, done FROM harvest WHERE job = ?",
            (self.job,),
        )
        return {t: TargetProgress(o, r, p, bool(d)) for t, o, r, p, d in cur}

    def store_received(self, page: ReceivedPage) -> None:
        """Persist a page the moment it arrives (before the consumer sees it)."""
        self._db.execute(
            "INSERT OR REPLACE INTO received VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.job,
                page.target,
                page.offset,
                json.dumps(page.header),
                json.dumps(page.rows, ensure_ascii=False),
                int(page.done),
                int(page.units_exhausted),
            ),
        )

    def load_received(self) -> list[ReceivedPage]:
        cur = self._db.execute(
            "SELECT target, offset, header, rows, done, units_exhausted FROM received"
            " WHERE job = ? ORDER BY target, offset",
            (self.job,),
        )
        return [
            ReceivedPage(t, o, tuple(json.loads(h)), json.loads(r), bool(d), bool(u))
            for t, o, h, r, d, u in cur
        ]

    def processed(
        self,
        target: str,
        offset: int,
        progress: TargetProgress,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        """The consumer processed the page at ``offset``: record progress and ``notes``
        (e.g. the output file's size) and drop the stored copy, in one transaction."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "DELETE FROM received WHERE job = ? AND target = ? AND offset = ?",
                (self.job, target, offset),
            )
            self.record(target, progress)
            for key, value in (notes or {}).items():
                self._db.execute(
                    "INSERT OR REPLACE INTO notes (job, key, value) VALUES (?, ?, ?)",
                    (self.job, key, value),
                )

    def notes(self) -> dict[str, str]:
        """Notes committed with the last processed page."""
        cur = self._db.execute("SELECT key, value FROM notes WHERE job = ?", (self.job,))
        return dict(cur.fetchall())

    def record(self, target: str, progress: TargetProgress) -> None:
        self._db.execute(
            "INSERT INTO harvest (job, target, next_offset, rows, pages, done)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (job, target) DO UPDATE SET next_offset = excluded.next_offset,"
            " rows = excluded.rows, pages = excluded.pages, done = excluded.done",
            (
                self.job,
                target,
                progress.next_offset,
                progress.rows,
                progress.pages,
                int(progress.done),
            ),
        )

    def close(self) -> None:
        self._db.close()
