"""A sqlite3 checkpoint for resumable harvests (stdlib only).

Two tables per job. ``harvest`` has one row per target: the next offset to fetch,
rows and pages processed, and whether the target is finished. ``received`` holds
pages that arrived (and were paid for) but that the consumer has not processed yet,
as raw CSV fields; a resumed harvest replays them without any request. A page moves
from ``received`` to ``harvest`` in one transaction when it is processed.

A job is identified by everything that changes the data (report, target type,
columns, sort, filter, per-target limit), so resuming with different parameters
starts afresh instead of mixing results.

One harvest owns a checkpoint file at a time: the connection holds sqlite's
exclusive lock from opening to closing (``locking_mode=EXCLUSIVE``), so a second
harvest on the same file, in this process or another, gets
:class:`~semrush_async.errors.CheckpointInUse` before it sends anything (two would
both pay for every page). The operating system drops the lock when the owner dies,
even by ``kill -9``. Every sqlite failure becomes a
:class:`~semrush_async.errors.CheckpointError` naming the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from semrush_async.errors import CheckpointError, CheckpointInUse

if TYPE_CHECKING:
    from types import TracebackType

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
        self._db: sqlite3.Connection | None = None
        with self._guard("open"):
            # timeout=0: a checkpoint owned by another harvest fails now, not in 5 s.
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=0)
            # Exclusive ownership; set before WAL so no shared-memory index is used.
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            # WAL + NORMAL: a commit per page costs well under a millisecond and
            # survives a killed process (not necessarily a power cut, which is fine
            # for a cache of paid-for progress that can be re-fetched).
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # The first write transaction takes the exclusive lock, kept until close.
            self._db.execute("BEGIN EXCLUSIVE")
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
            self._db.execute("COMMIT")
        try:
            # A file of another shape fails here, on open, not halfway through a run.
            self.load()
            self.load_received()
            self.notes()
        except CheckpointError:
            self.close()
            raise

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise CheckpointError(f"checkpoint {self.path} is closed")
        return self._db

    def _guard(self, doing: str) -> _Guard:
        """Turn sqlite (and stored-JSON) failures into one typed, one-line error."""
        return _Guard(self, doing)

    def load(self) -> dict[str, TargetProgress]:
        with self._guard("read"):
            cur = self.db.execute(
                "SELECT target, next_offset, rows, pages, done FROM harvest WHERE job = ?",
                (self.job,),
            )
            return {t: TargetProgress(o, r, p, bool(d)) for t, o, r, p, d in cur}

    def store_received(self, page: ReceivedPage) -> None:
        """Persist a page the moment it arrives (before the consumer sees it)."""
        with self._guard("write"):
            self.db.execute(
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
        with self._guard("read"):
            cur = self.db.execute(
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
        with self._guard("write"), self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "DELETE FROM received WHERE job = ? AND target = ? AND offset = ?",
                (self.job, target, offset),
            )
            self._record(target, progress)
            for key, value in (notes or {}).items():
                self.db.execute(
                    "INSERT OR REPLACE INTO notes (job, key, value) VALUES (?, ?, ?)",
                    (self.job, key, value),
                )

    def notes(self) -> dict[str, str]:
        """Notes committed with the last processed page."""
        with self._guard("read"):
            cur = self.db.execute("SELECT key, value FROM notes WHERE job = ?", (self.job,))
            return {str(k): str(v) for k, v in cur.fetchall()}

    def record(self, target: str, progress: TargetProgress) -> None:
        with self._guard("write"):
            self._record(target, progress)

    def _record(self, target: str, progress: TargetProgress) -> None:
        self.db.execute(
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
        """Close the file and give up ownership (idempotent)."""
        if self._db is not None:
            db, self._db = self._db, None
            with contextlib.suppress(sqlite3.Error):
                db.close()


class _Guard:
    __slots__ = ("ckpt", "doing")

    def __init__(self, ckpt: Checkpoint, doing: str) -> None:
        self.ckpt = ckpt
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if e is None:
            return
        path, doing = self.ckpt.path, self.doing
        failure: CheckpointError
        if isinstance(e, sqlite3.Error):
            name = getattr(e, "sqlite_errorname", "")
            if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                failure = CheckpointInUse(
                    f"checkpoint {path} is in use by another harvest (in this or another "
                    "process)" + ("; nothing was sent" if doing == "open" else "")
                )
            elif name.startswith("SQLITE_CANTOPEN"):
                failure = CheckpointError(
                    f"cannot {doing} checkpoint {path}: {e} (does its directory exist, and "
                    "is it a writable file?)"
                )
            elif name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
                failure = CheckpointError(
                    f"{path} is not a usable harvest checkpoint ({e}): corrupt, or another "
                    "kind of file"
                )
            else:
                failure = CheckpointError(f"cannot {doing} checkpoint {path}: {e}")
        elif isinstance(e, ValueError | TypeError):
            failure = CheckpointError(
                f"{path} holds a corrupt harvest page ({type(e).__name__}: {e})"
            )
        else:
            return
        if doing == "open":
            self.ckpt.close()
        raise failure from None
