"""Measure P8: columnar output (the ``arrow`` extra) vs typed rows, and its memory.

- ``vs_typed``: rows/s of the client's columnar path as a user with the ``polars``
  extra runs it (the bytes of a page read by the readers of ``arrow.READ_ORDER``,
  typed from the column registry) ÷ rows/s of its typed-row path (CsvFeed + the
  batch decoder), on the same 22-column Backlinks body, side by side in alternating
  fresh processes (``run.side_by_side``);
- ``vs_typed_pyarrow``: the same columnar path with the ``arrow`` extra alone (polars
  hidden: pyarrow's CSV reader), in the same rounds;
- ``vs_typed_polars_first``: the same path with polars' reader first (the other
  order, the evidence for the one chosen), in the same rounds;
- ``polars_vs_typed``: polars' own ``read_csv`` of the whole body in one call, the
  same column types (the library's ceiling), in the same rounds.
- ``stream_mb``: peak memory growth (VmHWM) streaming 1,000,000 Backlinks rows from
  the sandbox through ``arrow_batches()`` into one Parquet file, after one small
  page read the same way (``stream_mb_cold``: from before it, with the readers'
  one-time setup).
"""

from __future__ import annotations

import io
import statistics
from typing import Any

import polars as pl
import pyarrow.compute
import pyarrow.csv  # noqa: F401 - imported before any timing, as the typed path's modules

from semrush_async import SemrushClient
from semrush_async._core.csvfeed import LinesFeed
from semrush_async.apis.backlinks.reports import REPORTS
from semrush_async.testing import DEFAULT_KEY
from semrush_async.v3 import arrow
from semrush_async.v3.arrow import LinesGather, csv_batch

__all__ = [
    "STREAM_PROBE",
    "parse_columnar",
    "parse_columnar_polars_first",
    "parse_columnar_pyarrow",
    "parse_polars",
    "summarize",
]

COLUMNS = list(REPORTS["backlinks"].columns)


def _query() -> Any:
    client = SemrushClient(api_key=DEFAULT_KEY)
    return client.analytics.query("backlinks", target="big.example", columns=COLUMNS)


_QUERY = _query()


def parse_columnar_polars_first(body: bytes) -> int:
    """The client's columnar path with polars' reader tried first."""
    arrow.READ_ORDER = ("polars", "pyarrow")
    n = parse_columnar(body)
    assert set(arrow.READS) == {"polars"}, arrow.READS
    return n


def parse_columnar_pyarrow(body: bytes) -> int:
    """The client's columnar path with the ``arrow`` extra alone: pyarrow reads."""
    arrow._polars = lambda: None  # what arrow.py finds when polars is not installed
    n = parse_columnar(body)
    assert set(arrow.READS) == {"pyarrow"}, arrow.READS
    return n


def parse_columnar(body: bytes, chunk: int = 64 * 1024) -> int:
    """The client's own columnar path: LinesFeed, gathered, then a reader per read
    (polars when installed)."""
    query = _QUERY
    feed = LinesFeed()
    header: tuple[str, ...] | None = None
    count = 0

    def typed(h: tuple[str, ...], rows: list[Any]) -> list[Any]:
        raise AssertionError("the benchmark body never needs the typed fallback")

    gather = LinesGather()
    for i in range(0, len(body) + 1, chunk):
        lines = feed.feed(body[i : i + chunk]) if i < len(body) else feed.close()
        if header is None and lines:
            first, lines = lines.split(1)
            header = tuple(first.decode().strip().split(";"))
        ready = gather.add(lines) if header is not None and lines else None
        if ready is not None and header is not None:
            count += csv_batch(query, header, ready, typed).num_rows
    ready = gather.flush()
    if ready is not None and header is not None:
        count += csv_batch(query, header, ready, typed).num_rows
    return count


def parse_polars(body: bytes) -> int:
    """polars' CSV reader on the same body, the same column types."""
    bools = ["nofollow", "form", "frame", "image", "sitewide", "newlink", "lostlink"]
    ints = ["page_ascore", "response_code", "source_size", "external_num", "internal_num"]
    schema: dict[str, Any] = dict.fromkeys(COLUMNS, pl.String)
    schema.update(dict.fromkeys([*ints, "last_seen", "first_seen"], pl.Int64))
    df = pl.read_csv(io.BytesIO(body), separator=";", schema_overrides=schema)
    stamps = ("last_seen", "first_seen")
    df = df.with_columns(
        *(pl.from_epoch(c, time_unit="s").dt.replace_time_zone("UTC") for c in stamps),
        *(pl.col(c).replace_strict({"true": True, "false": False}, default=None) for c in bools),
    )
    return df.height


def summarize(rows: int, times: dict[str, list[float]]) -> dict[str, Any]:
    typed, col = times["typed"], times["columnar"]
    ratios = [t / c for t, c in zip(typed, col, strict=True)]
    out: dict[str, Any] = {
        "rows": rows,
        "read_order": list(arrow.READ_ORDER),
        "typed_rows_s": rows / statistics.median(typed),
        "columnar_rows_s": rows / statistics.median(col),
        "vs_typed": statistics.median(ratios),
        "vs_typed_range": [min(ratios), max(ratios)],
    }
    for name, key in (("columnar_pyarrow", "pyarrow"), ("columnar_polars_first", "polars_first")):
        if times.get(name):
            ratio = [t / c for t, c in zip(typed, times[name], strict=True)]
            out[f"{name}_rows_s"] = rows / statistics.median(times[name])
            out[f"vs_typed_{key}"] = statistics.median(ratio)
            out[f"vs_typed_{key}_range"] = [min(ratio), max(ratio)]
    if times.get("polars"):
        pol = [t / p for t, p in zip(typed, times["polars"], strict=True)]
        out["polars_rows_s"] = rows / statistics.median(times["polars"])
        out["polars_vs_typed"] = statistics.median(pol)
    return out


STREAM_PROBE = """
import asyncio, sys
import pyarrow.parquet as pq
from semrush_async import Limit, SemrushClient
from semrush_async.testing import DEFAULT_KEY
url, path, targets = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
async def main():
    async with SemrushClient(api_key=DEFAULT_KEY, base_url=url, www_url=url,
                             limits={"account": Limit(1000, 1.0)}) as c:
        await c.backlinks.overview("small.example")
        # The extra's modules are loaded before the baseline, as the typed path's are;
        # "cold" grows from there (the measure until issue 27's polars work). Then the
        # columnar path runs once on a small page, as the typed path's first call does,
        # before the baseline of the streaming growth: the readers' one-time setup
        # (polars' thread pool and allocator arenas, about 30 MB, when it reads) is
        # in the cold figure only.
        import pyarrow.compute, pyarrow.csv
        cold, _ = baseline_mb()
        async for _ in c.backlinks.backlinks("small.example").arrow_batches():
            pass
        base = status_mb("VmHWM")
        n = 0
        writer = None
        for t in targets:
            kind = "url" if t.startswith("http") else "root_domain"
            pager = c.backlinks.backlinks(t, kind, page_size=50_000)
            async for batch in pager.arrow_batches():
                if writer is None:
                    writer = pq.ParquetWriter(path, batch.schema, compression="zstd")
                writer.write_batch(batch)
                n += batch.num_rows
        writer.close()
        print(n, status_mb("VmHWM") - base, status_mb("VmHWM") - cold)
asyncio.run(main())
"""
