"""Columnar output (the ``arrow`` extra): Arrow batches, tables, DataFrames and Parquet
against the sandbox over real HTTP, compared with the typed rows."""

from __future__ import annotations

import csv
import enum
import io
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from semrush_async import ParquetSink
from semrush_async._core.csvfeed import CsvFeed, Lines, LinesFeed
from semrush_async.apis.backlinks.reports import REPORTS as BACKLINKS_REPORTS
from semrush_async.apis.reports import ROOT_REPORTS
from semrush_async.testing import SemrushSandbox
from semrush_async.v3 import arrow
from semrush_async.v3.arrow import arrow_fields, arrow_schema, csv_batch, rows_batch
from semrush_async.v3.decode import v3_decoder
from tests.conftest import FAST_RETRY
from tests.test_analytics import target_for

MULTI = ["a.example", "medium.example", "small.example"]


@pytest.fixture(params=["polars", "pyarrow"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test that takes it runs twice: CSV bytes read by polars first, then with
    polars hidden from the module (the ``arrow`` extra alone: pyarrow's reader). The
    other reader must not have read a batch: the sandbox's pages never fall back."""
    if request.param == "polars":
        monkeypatch.setattr(arrow, "READ_ORDER", ("polars", "pyarrow"))
    else:
        monkeypatch.setattr(arrow, "_polars", lambda: None)
    before = arrow.READS.copy()
    yield request.param
    used = arrow.READS - before
    assert set(used) <= {request.param, "typed"}, dict(used)


def arrow_value(v: Any) -> Any:
    """A typed row's value as ``to_pylist()`` gives it back (the comparison's oracle)."""
    if isinstance(v, enum.Enum) and isinstance(v, str):
        return v.value
    if isinstance(v, tuple):
        return [int(x) if isinstance(x, enum.IntEnum) else x for x in v]
    if isinstance(v, Mapping):
        return list(v.items())
    return v


def same(table: pa.Table, rows: list[Any]) -> None:
    assert table.num_rows == len(rows) > 0
    for name in table.column_names:
        got = table.column(name).to_pylist()
        want = [arrow_value(getattr(r, name)) for r in rows]
        assert got == want, name
        for g in got:
            if isinstance(g, datetime):
                assert g.utcoffset() == timedelta(0)


@pytest.mark.parametrize("report", sorted(ROOT_REPORTS))
async def test_every_root_report_as_arrow_equals_the_typed_rows(
    sandbox: SemrushSandbox, report: str, reader: str
) -> None:
    spec = ROOT_REPORTS[report]
    kwargs, _ = target_for(spec)
    async with sandbox.client() as c:
        query = c.analytics.query(report, database="us", columns=spec.columns, **kwargs)
        rows = await c.analytics.pager(query, page_size=7)
        table = await c.analytics.pager(query, page_size=7).to_arrow()
    assert tuple(table.column_names) == arrow_fields(query)
    assert table.num_columns >= len(spec.columns)
    same(table, rows)


@pytest.mark.parametrize("report", sorted(BACKLINKS_REPORTS))
async def test_every_backlinks_report_as_arrow_equals_the_typed_rows(
    sandbox: SemrushSandbox, report: str, reader: str
) -> None:
    spec = BACKLINKS_REPORTS[report]
    targets = MULTI if spec.multi_target else ["medium.example"]
    async with sandbox.client() as c:
        query = c.backlinks.query(report, targets, ["root_domain"] * len(targets))
        pager_kw: dict[str, Any] = {"page_size": 300} if spec.paged else {}
        rows = await c.analytics.pager(query, **pager_kw)
        table = await c.analytics.pager(query, **pager_kw).to_arrow()
    same(table, rows)


async def test_a_harvest_drains_to_parquet_with_its_target_column(
    sandbox: SemrushSandbox, tmp_path: Path, reader: str
) -> None:
    spec = ROOT_REPORTS["domain_organic"]
    targets = ["site1.example", "site2.example", "empty.example"]
    out = tmp_path / "organic.parquet"
    async with sandbox.client() as c:
        want = {
            t: await c.analytics.report("domain_organic", domain=t, database="us") for t in targets
        }
        h = c.analytics.harvest("domain_organic", targets, database="us", page_size=7)
        assert await ParquetSink(out).drain(h)
    table = pq.read_table(out)
    assert not out.with_name(out.name + ".parts").exists()
    assert table.column_names == ["target", *arrow_fields(h.template)]
    got_targets = table.column("target").to_pylist()
    assert got_targets == [t for t in targets for _ in want[t]]
    rows = [r for t in targets for r in want[t]]
    same(table.drop_columns(["target"]), rows)
    assert len(spec.export_columns) == table.num_columns - 1


async def test_a_resumed_harvest_writes_each_page_exactly_once(
    sandbox: SemrushSandbox, tmp_path: Path, reader: str
) -> None:
    targets = [f"site{i}.example" for i in range(4)]
    out = tmp_path / "organic.parquet"
    ckpt = str(tmp_path / "h.sqlite")
    async with sandbox.client() as c:
        want = {
            t: await c.analytics.report("domain_organic", domain=t, database="us") for t in targets
        }
        before = sandbox.units_spent()
        sink = ParquetSink(out)
        h = c.analytics.harvest(
            "domain_organic", targets, database="us", page_size=5, checkpoint=ckpt, workers=2
        )

        async def killed_after_three_pages() -> None:
            written = 0
            async with h:
                async for item in h:
                    sink.add(h, item)
                    written += 1
                    if written == 3:
                        # Written but not marked processed: replayed on resume.
                        raise KeyError("killed after writing the page")

        with pytest.raises(KeyError):
            await killed_after_three_pages()
        assert not out.exists()
        assert sink.parts.exists()
        h2 = c.analytics.harvest(
            "domain_organic", targets, database="us", page_size=5, checkpoint=ckpt, workers=2
        )
        assert await ParquetSink(out).drain(h2)
        assert h2.replayed_pages >= 1
        # Run again on the finished checkpoint: nothing is fetched, the file is kept.
        h3 = c.analytics.harvest(
            "domain_organic", targets, database="us", page_size=5, checkpoint=ckpt, workers=2
        )
        assert await ParquetSink(out).drain(h3)
        assert h3.rows == 0
    table = pq.read_table(out)
    assert table.column("target").to_pylist() == [t for t in targets for _ in want[t]]
    same(table.drop_columns(["target"]), [r for t in targets for r in want[t]])
    # Every page was paid for once: the second run asked for none the first received.
    assert sandbox.units_spent() - before == sum(len(v) for v in want.values()) * 10


async def test_a_pager_drains_to_one_parquet_file(
    sandbox: SemrushSandbox, tmp_path: Path, reader: str
) -> None:
    out = tmp_path / "bl.parquet"
    async with sandbox.client() as c:
        rows = await c.backlinks.backlinks("medium.example", page_size=400)
        sink = ParquetSink(out)
        assert await sink.drain(c.backlinks.backlinks("medium.example", page_size=400))
    assert sink.rows == len(rows)
    same(pq.read_table(out), rows)


async def test_to_polars_and_arrow_batches(sandbox: SemrushSandbox, reader: str) -> None:
    async with sandbox.client() as c:
        rows = await c.domains.organic("small.example", database="us")
        frame = await c.domains.organic("small.example", database="us", page_size=10).to_polars()
        pager = c.domains.organic("small.example", database="us", page_size=10)
        batches = [b async for b in pager.arrow_batches()]
    assert isinstance(frame, pl.DataFrame)
    same(frame.to_arrow(), rows)
    assert len(batches) == pager.pages > 1
    assert pager.count == len(rows)
    assert frame.schema["timestamp" if "timestamp" in frame.columns else "trends"] is not None
    with pytest.raises(RuntimeError, match="already consumed"):
        await pager.to_arrow()


async def test_no_rows_is_an_empty_table_with_the_columns(
    sandbox: SemrushSandbox, tmp_path: Path, reader: str
) -> None:
    async with sandbox.client() as c:
        table = await c.backlinks.refdomains("empty.example").to_arrow()
        out = tmp_path / "none.parquet"
        await ParquetSink(out).drain(c.domains.organic("empty.example", database="us"))
    assert table.num_rows == 0
    assert "first_seen" in table.column_names
    assert str(table.schema.field("first_seen").type) == "timestamp[s, tz=UTC]"
    empty = pq.read_table(out)
    assert empty.num_rows == 0
    assert "trends" in empty.column_names


@pytest.mark.parametrize("module", ["pyarrow", "polars"])
async def test_a_missing_extra_is_named_before_anything_is_sent(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    extra = {"pyarrow": "arrow", "polars": "polars"}[module]
    async with sandbox.client() as c:
        pager = c.domains.organic("small.example", database="us")
        with pytest.raises(ImportError, match=re.escape(f"pip install 'semrush-async[{extra}]'")):
            await (pager.to_arrow() if module == "pyarrow" else pager.to_polars())
        if module == "pyarrow":
            with pytest.raises(ImportError, match=re.escape("semrush-async[arrow]")):
                ParquetSink(tmp_path / "x.parquet")
    assert sandbox.units_spent() == 0
    assert sandbox.counters("account").accepted == 0


# --- the bytes path: the same attempt loop, counting and fallbacks ----------------------


async def test_a_cut_body_resumes_on_the_columnar_path_and_is_settled_alike(
    sandbox: SemrushSandbox, reader: str
) -> None:
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        rows = await c.backlinks.backlinks("medium.example", limit=200, page_size=200)
        spent = sandbox.units_spent()
        sandbox.inject("account", "drop")  # the body is cut after 100 of 200 rows
        pager = c.backlinks.backlinks("medium.example", limit=200, page_size=200)
        table = await pager.to_arrow()
        assert c.units.reserved == 0
        # The whole cut page and the resumed 100 rows, as on the typed path.
        assert sandbox.units_spent() - spent == 40 * 300
        assert c.units.spent == sandbox.units_spent()
    same(table, rows)


async def test_a_repeated_page_drops_the_rows_it_has_on_the_columnar_path(
    sandbox: SemrushSandbox, reader: str
) -> None:
    # backlinks_historical has no offset: a cut page is asked for again in full and the
    # rows the caller has are dropped from the repeat (Lines drops leading rows).
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        clean = await c.backlinks.historical("medium.example")
        sandbox.inject("account", "drop")
        table = await c.backlinks.historical("medium.example").to_arrow()
    same(table, clean)


async def test_the_v4_bridge_pages_go_through_the_typed_rows(
    sandbox: SemrushSandbox, reader: str
) -> None:
    async with sandbox.client(backlinks_api="v4") as c:
        rows = await c.backlinks.refdomains("medium.example", limit=120, page_size=50)
        table = await c.backlinks.refdomains("medium.example", limit=120, page_size=50).to_arrow()
    same(table, rows)
    assert str(table.schema.field("first_seen").type) == "timestamp[s, tz=UTC]"


def _query(report: str = "backlinks") -> Any:
    from semrush_async import SemrushClient

    client = SemrushClient(api_key="x" * 32)
    return client.analytics.query(report, target="a.example")


def test_ragged_rows_and_refused_cells_take_the_typed_rows() -> None:
    query = _query()
    header = ("page_ascore", "source_url", "last_seen", "nofollow")
    decoded: list[int] = []

    def typed(h: tuple[str, ...], rows: list[Any]) -> list[Any]:
        decoded.append(len(rows))
        return v3_decoder(query.spec, query.columns, h)(rows)

    body = b'1;"a;b";1600000000;true\r\n2;x\r\n3;"y";;maybe\r\n'
    batch = csv_batch(query, header, Lines(body, 3), typed)
    assert decoded == [3]  # a short row: the reader refused the page, the rows decided
    assert batch.column("source_url").to_pylist() == ["a;b", "x", "y"]
    assert batch.column("last_seen").to_pylist()[1:] == [None, None]
    assert batch.column("nofollow").to_pylist() == [True, None, None]
    decoded.clear()
    good = csv_batch(query, header, Lines(b'1;"a;b";1600000000;true\r\n', 1), typed)
    assert decoded == []  # read by pyarrow
    assert good.column("source_url").to_pylist() == ["a;b"]


_CELL = st.text(alphabet='ab;"\r\n ', max_size=6)


@given(
    rows=st.lists(st.lists(_CELL, min_size=1, max_size=3), max_size=8),
    blank=st.booleans(),
    cut=st.integers(min_value=1, max_value=7),
    ending=st.sampled_from(["\r\n", "\n"]),
)
def test_lines_are_cut_and_counted_as_csvfeed_rows(
    rows: list[list[str]], blank: bool, cut: int, ending: str
) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator=ending).writerows(rows)
    text = buf.getvalue() + (ending if blank else "")
    body = text.encode()
    feed, lines = CsvFeed(), LinesFeed()
    want: list[list[str]] = []
    got = Lines(b"", 0)
    for i in range(0, len(body), cut):
        want += feed.feed(body[i : i + cut])
        got = got + lines.feed(body[i : i + cut])
    want += feed.close()
    got = got + lines.close()
    assert got.data == body
    assert len(got) == len(want)
    if got.plain:
        # Plain rows: every line feed ends a row (what polars assumes), no lone CR.
        assert b"\r" not in body.replace(b"\r\n", b"")
        assert len(got) == sum(1 for line in io.BytesIO(body) if line.strip(b"\r\n"))
    # Dropping leading rows (a header, rows a repeat sends again) leaves the others.
    for k in range(len(want) + 1):
        _, rest = got.split(k)
        again = CsvFeed()
        assert again.feed(rest.data) + again.close() == want[k:]
        assert len(rest) == len(want) - k


@pytest.mark.parametrize("delimiter", [";", ","])
async def test_a_trends_report_as_arrow_equals_the_typed_rows(delimiter: str, reader: str) -> None:
    # Trends cells are mapped by the header and the delimiter is sniffed per body: the
    # table takes every field of the row, converted from the typed rows.
    async with SemrushSandbox(trends_delimiter=delimiter) as sb, sb.client() as c:
        rows = await c.trends.sources("amazon.com", country="us", limit=60)
        table = await c.trends.sources("amazon.com", country="us", limit=60).to_arrow()
    assert "traffic" in table.column_names
    assert "channel" in table.column_names
    same(table, list(rows))


# --- which reader: polars when installed, pyarrow otherwise, then the typed rows ---------


async def test_the_reader_used_is_the_first_of_the_read_order(
    sandbox: SemrushSandbox, reader: str
) -> None:
    before = arrow.READS.copy()
    async with sandbox.client() as c:
        rows = await c.backlinks.backlinks("medium.example", page_size=400)
        table = await c.backlinks.backlinks("medium.example", page_size=400).to_arrow()
    same(table, rows)
    used = arrow.READS - before
    # Every batch of the page's bytes was read by the expected reader, none elsewhere.
    assert set(used) == {reader}
    assert used[reader] >= 1


def _header_and_typed() -> tuple[Any, tuple[str, ...], Any]:
    query = _query()
    header = ("page_ascore", "source_url", "last_seen", "nofollow")

    def typed(h: tuple[str, ...], rows: list[Any]) -> list[Any]:
        return v3_decoder(query.spec, query.columns, h)(rows)

    return query, header, typed


def _fed(body: bytes) -> Lines:
    feed = LinesFeed()
    return feed.feed(body) + feed.close()


def _typed_batch(query: Any, header: tuple[str, ...], body: bytes, typed: Any) -> Any:
    feed = CsvFeed()
    w = len(header)
    rows = [(r + [""] * (w - len(r)))[:w] for r in feed.feed(body) + feed.close()]
    return rows_batch(typed(header, rows), arrow_schema(query))


def test_by_default_pyarrow_reads_and_polars_reads_what_pyarrow_refuses() -> None:
    query, header, typed = _header_and_typed()
    assert arrow.READ_ORDER == ("pyarrow", "polars")
    plain = b'5;"a;b";1600000000;true\r\n6;c;1600000001;false\r\n'
    signed = b'+5;"a;b";1600000000;true\r\n 6;c;1600000001;false\r\n'  # pyarrow refuses
    for body, reader in ((plain, "pyarrow"), (signed, "polars")):
        before = arrow.READS.copy()
        batch = csv_batch(query, header, _fed(body), typed)
        assert arrow.READS - before == {reader: 1}
        assert batch.equals(_typed_batch(query, header, body, typed))
        assert batch.column("page_ascore").to_pylist() == [5, 6]


def _polars_first(monkeypatch: pytest.MonkeyPatch, body: bytes) -> tuple[Any, Counter[str]]:
    """``body`` read with polars tried first: the batch (checked equal to the typed
    rows' batch) and how many batches each reader read."""
    monkeypatch.setattr(arrow, "READ_ORDER", ("polars", "pyarrow"))
    query, header, typed = _header_and_typed()
    lines = _fed(body)
    before = arrow.READS.copy()
    batch = csv_batch(query, header, lines, typed)
    assert batch.equals(_typed_batch(query, header, body, typed))
    return batch, arrow.READS - before


def test_a_page_polars_refuses_is_read_by_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    # "5 " (a trailing space): polars refuses the int, pyarrow reads 5, as int() does.
    body = b'5 ;"a;b";1600000000;true\r\n6;c;1600000001;false\r\n'
    batch, reads = _polars_first(monkeypatch, body)
    assert reads == {"pyarrow": 1}
    assert batch.column("page_ascore").to_pylist() == [5, 6]


def test_rows_polars_would_cut_elsewhere_are_not_given_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A lone CR ends a row for csv.reader (and pyarrow), not for polars, and polars
    # reads a blank line as a row: here the two would even out in the row count.
    body = b"1;x\r2;y;1600000000;true\r\n\r\n3;z;1600000001;false\r\n"
    assert not _fed(body).plain
    _, reads = _polars_first(monkeypatch, body)
    assert "polars" not in reads


def test_polars_reads_bools_and_empty_texts_as_the_typed_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "True" is not "true": None on a typed row (polars' own bool parsing says True).
    body = b'1;;1600000000;True\r\n2;"";;false\r\n3; x ;;\r\n'
    batch, reads = _polars_first(monkeypatch, body)
    assert reads == {"polars": 1}
    assert batch.column("nofollow").to_pylist() == [None, False, None]
    assert batch.column("source_url").to_pylist() == ["", "", " x "]


_INT = st.sampled_from(["", "0", "7", "-3", "42", "1", "123456789012", "007", "+5", " 5", "5 "])
_TEXT = st.text(alphabet='ab ;"\u00e9\u2014,\r\n', max_size=6)
_BOOL = st.sampled_from(["", "true", "false", "True", "x"])


@given(
    rows=st.lists(st.tuples(_INT, _TEXT, _INT, _BOOL), min_size=1, max_size=6),
    polars=st.booleans(),
)
def test_either_reader_gives_the_typed_rows_values(
    rows: list[tuple[str, str, str, str]], polars: bool
) -> None:
    query, header, typed = _header_and_typed()
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    body = buf.getvalue().encode()
    lines = _fed(body)
    hook, order = arrow._polars, arrow.READ_ORDER
    try:
        if polars:
            arrow.READ_ORDER = ("polars", "pyarrow")
        else:
            arrow._polars = lambda: None
        batch = csv_batch(query, header, lines, typed)
    finally:
        arrow._polars, arrow.READ_ORDER = hook, order
    assert batch.to_pylist() == _typed_batch(query, header, body, typed).to_pylist()
