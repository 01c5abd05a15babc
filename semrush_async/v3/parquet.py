"""Parquet files of a report's pager or harvest, written in flat memory (``arrow`` extra).

A pager's batches go to one file through ``pyarrow.parquet.ParquetWriter``, a row
group at a time, into ``<path>.tmp`` renamed to ``path`` at the end.

A harvest is resumable, so its pages are written where a replay cannot duplicate
them: each page is one file in ``<path>.parts/``, named by its target and offset and
written (atomically) before the harvest marks the page processed. A page replayed
from the checkpoint after a crash overwrites its own file: each page is written
exactly once, with no note in the checkpoint. When every target is complete the
parts are joined into ``path`` (one part in memory at a time) and removed; until
then ``<path>.parts/`` is itself a Parquet dataset (``pyarrow.dataset``, polars,
DuckDB read it). Rows carry their target in a leading ``target`` column.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from semrush_async._core.extras import require
from semrush_async.pagination import Pager
from semrush_async.v3.arrow import arrow_schema, rows_batch

if TYPE_CHECKING:
    from semrush_async._core.harvest import HarvestItem
    from semrush_async.v3.source import ReportHarvest

__all__ = ["ParquetSink"]

_WHAT: Final = "ParquetSink"


def _pq() -> Any:
    return require("pyarrow.parquet", _WHAT)


def _key(target: str) -> str:
    return hashlib.sha256(target.encode()).hexdigest()[:16]


class ParquetSink:
    """Writes a report's rows to the Parquet file ``path`` (see the module docstring).

    ``await sink.drain(pager_or_harvest)`` does it all; a loop of its own (a progress
    bar) calls :meth:`add` for each harvest item and :meth:`finish` after the loop.
    """

    def __init__(self, path: str | os.PathLike[str], *, compression: str = "zstd") -> None:
        require("pyarrow", _WHAT)
        self.path = Path(path)
        self.compression = compression
        #: Where a harvest's pages wait until every target is complete.
        self.parts = self.path.with_name(self.path.name + ".parts")
        #: Rows written by this sink (replayed pages included).
        self.rows = 0
        #: True once ``path`` holds every row.
        self.complete = False
        self._schema: Any = None

    async def drain(self, source: Pager[Any] | ReportHarvest[Any]) -> bool:
        """Run ``source`` (a report's pager or harvest) into the file; True when the
        file holds every row (a harvest stopped early leaves its parts for a resume)."""
        if isinstance(source, Pager):
            await self._pager(source)
            return self.complete
        async with source:
            async for item in source:
                self.add(source, item)
        return self.finish(source)

    async def _pager(self, pager: Pager[Any]) -> None:
        pq = _pq()
        tmp = self.path.with_name(self.path.name + ".tmp")
        writer = None
        try:
            async for batch in pager.arrow_batches():
                if writer is None:
                    writer = pq.ParquetWriter(tmp, batch.schema, compression=self.compression)
                writer.write_batch(batch)
                self.rows += batch.num_rows
        finally:
            if writer is not None:
                writer.close()
        if writer is None:  # a pager of no columnar form yields nothing at all
            pa = require("pyarrow", _WHAT)
            pq.write_table(pa.table({}), tmp)
        os.replace(tmp, self.path)
        self.complete = True

    def _harvest_schema(self, harvest: ReportHarvest[Any]) -> Any:
        if self._schema is None:
            pa = require("pyarrow", _WHAT)
            schema = arrow_schema(harvest.template)
            self._schema = (schema, pa.schema([pa.field("target", pa.string()), *schema]))
        return self._schema

    def add(self, harvest: ReportHarvest[Any], item: HarvestItem[Any]) -> None:
        """Write one harvest item's page (a failure or an empty page writes nothing)."""
        if item.error is not None or not item.rows:
            return
        pa = require("pyarrow", _WHAT)
        schema, full = self._harvest_schema(harvest)
        batch = rows_batch(item.rows, schema)
        target = pa.array([item.target] * batch.num_rows, pa.string())
        batch = pa.RecordBatch.from_arrays([target, *batch.columns], schema=full)
        self.parts.mkdir(parents=True, exist_ok=True)
        name = f"{_key(item.target)}-{item.offset:012d}.parquet"
        tmp = self.parts / (name + ".tmp")
        _pq().write_table(pa.Table.from_batches([batch]), tmp, compression=self.compression)
        os.replace(tmp, self.parts / name)  # a replayed page overwrites its own file
        self.rows += batch.num_rows

    def finish(self, harvest: ReportHarvest[Any]) -> bool:
        """Join the parts into ``path`` if every target is complete; True if so."""
        if set(harvest.completed) != set(harvest.targets):
            return False
        if not self.parts.exists() and self.path.exists():
            # A rerun of a harvest its checkpoint says is complete: the file is there.
            self.complete = True
            return True
        pq = _pq()
        _, full = self._harvest_schema(harvest)
        order = {_key(t): i for i, t in enumerate(harvest.targets)}
        files = sorted(
            self.parts.glob("*.parquet") if self.parts.exists() else [],
            key=lambda p: (order.get(p.name[:16], len(order)), p.name),
        )
        tmp = self.path.with_name(self.path.name + ".tmp")
        with pq.ParquetWriter(tmp, full, compression=self.compression) as writer:
            for f in files:
                writer.write_table(pq.read_table(f, schema=full))
        os.replace(tmp, self.path)
        shutil.rmtree(self.parts, ignore_errors=True)
        self.complete = True
        return True
