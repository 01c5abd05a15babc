"""Columnar output of v3 reports: Arrow record batches, DataFrames and Parquet.

Needs the ``arrow`` extra (pyarrow; ``polars`` for DataFrames). Columns are typed
from the row classes, so from the column registry (:mod:`semrush_async.v3.columns`):

- ``int`` -> ``int64``, ``float`` -> ``float64``, ``str`` -> ``string``, ``bool`` -> ``bool``;
- a unix time -> ``timestamp[s, tz=UTC]``; a date -> ``date32``;
- ``Td`` -> ``list<float64>``; ``In``/``Fk``/``Fp`` -> ``list<int16>`` (the codes);
- a string enum (``target_type``) -> ``dictionary<int32, string>``;
- a mapping (per-target counts, compared domains' positions) -> ``map<string, ...>``.

The values are the typed rows' values. A v3 page is read from the bytes it arrived
in (:func:`csv_batch`) by pyarrow's CSV reader, or by polars' (when installed: the
``polars`` extra) for what pyarrow refuses (:data:`READ_ORDER`); either reader gives
the same schema and values. What no reader reads (ragged rows, a cell its type
refuses), and a page of another source (the Backlinks v4 bridge), goes through the
typed rows (:func:`rows_batch`). :data:`READS` counts the batches each way took.
"""

from __future__ import annotations

import collections
import collections.abc
import enum
import importlib
import inspect
import io
import typing
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from semrush_async._core.csvfeed import CsvFeed, Lines
from semrush_async._core.extras import require
from semrush_async._core.pages import PageEnd, PageEvent, RawBatch
from semrush_async.v3.columns import COLUMNS, converter_for
from semrush_async.v3.decode import _cell_type, _field_types, _layout, row_class

if TYPE_CHECKING:
    from semrush_async.pagination import Pager
    from semrush_async.v3.query import ReportQuery

__all__ = [
    "GATHER_BYTES",
    "READS",
    "READ_ORDER",
    "LinesGather",
    "arrow_fields",
    "arrow_schema",
    "arrow_type",
    "columnar_events",
    "csv_batch",
    "rows_batch",
]

_WHAT: Final = "columnar output"


def _pa() -> Any:
    return require("pyarrow", _WHAT)


def _polars() -> Any | None:
    """polars if it is installed (the ``polars`` extra), else None: asked at each read,
    so that a test can hide it (``sys.modules["polars"] = None``)."""
    try:
        return importlib.import_module("polars")
    except ImportError:
        return None


#: The CSV readers tried in turn on a run of a page's rows; the first that reads it
#: gives the batch, and the typed rows take what none reads. ``"polars"`` is skipped
#: when polars is not installed. Chosen by speed in the client's own path (about
#: 1 MB reads, measured side by side in ``benchmarks/columnar.py``): pyarrow's reader
#: first; polars' reads what pyarrow refuses (``+5``, `` 5`` as ints). Set
#: ``("polars", "pyarrow")`` where polars measures faster (more idle cores).
READ_ORDER: tuple[str, ...] = ("pyarrow", "polars")

#: Batches read from CSV bytes, by the way they took: ``"polars"``, ``"pyarrow"`` or
#: ``"typed"`` (the typed rows, converted). A diagnostic: which reader did the work.
READS: Final[collections.Counter[str]] = collections.Counter()


def arrow_type(tp: Any) -> Any:
    """The Arrow type of a row field annotated ``tp`` (``X | None`` as ``X``)."""
    pa = _pa()
    tp = _cell_type(tp)
    simple = {
        int: pa.int64(),
        float: pa.float64(),
        str: pa.string(),
        bool: pa.bool_(),
        datetime: pa.timestamp("s", tz="UTC"),
        date: pa.date32(),
    }
    if tp in simple:
        return simple[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        if isinstance(item, type) and issubclass(item, enum.IntEnum):
            return pa.list_(pa.int16())
        return pa.list_(arrow_type(item))
    if origin in (collections.abc.Mapping, dict):
        return pa.map_(pa.string(), arrow_type(args[1]))
    if isinstance(tp, type) and issubclass(tp, enum.Enum) and issubclass(tp, str):
        return pa.dictionary(pa.int32(), pa.string())
    raise TypeError(f"no Arrow type for row fields of type {tp!r}")


def arrow_fields(query: ReportQuery) -> tuple[str, ...]:
    """The row fields ``query`` fills, in the order requested: a table's columns."""
    spec = query.spec
    types = _field_types(row_class(spec))
    if spec.row is not None:
        names = [c for c in query.columns if c in types]
        if not names:  # no columns named (cells mapped by the header): every field
            names = [f for f, tp in types.items() if not _is_mapping(tp)]
        names += [f for f, tp in types.items() if _is_mapping(tp) and f not in names]
        return tuple(names)
    names = [COLUMNS[c].field for c in query.columns]
    if spec.target == "domains" and query.keys:
        names.append("positions")
    return tuple(names)


def arrow_schema(query: ReportQuery) -> Any:
    """The ``pyarrow.Schema`` of ``query``'s rows (:func:`arrow_fields`, typed)."""
    pa = _pa()
    types = _field_types(row_class(query.spec))
    return pa.schema([pa.field(f, arrow_type(types[f])) for f in arrow_fields(query)])


def _is_mapping(tp: Any) -> bool:
    return typing.get_origin(tp) in (collections.abc.Mapping, dict)


# --- typed rows -> a batch (any source; the fallback of the CSV reader) -----------------


def _arrow_values(values: list[Any], typ: Any) -> Any:
    pa = _pa()
    if pa.types.is_dictionary(typ):
        plain = pa.array([None if v is None else v.value for v in values], pa.string())
        return plain.dictionary_encode().cast(typ)
    return pa.array(values, typ)


def rows_batch(rows: Sequence[Any], schema: Any) -> Any:
    """A ``pyarrow.RecordBatch`` of typed ``rows`` with ``schema`` (its field names
    are the rows' attributes)."""
    pa = _pa()
    arrays = [_arrow_values([getattr(r, f.name) for r in rows], f.type) for f in schema]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


# --- CSV bytes -> a batch (the v3 engine's fast path) ----------------------------------


class _CsvReader:
    """Reads pages of one (query, header) with pyarrow's CSV reader."""

    def __init__(self, query: ReportQuery, header: tuple[str, ...]) -> None:
        pa = _pa()
        self.schema = arrow_schema(query)
        spec = query.spec
        types = _field_types(row_class(spec))
        self.width = len(header)
        if spec.row is not None:
            where = {h: i for i, h in enumerate(header)}
            at = {f: where[f] for f in self.schema.names if f in where}
        else:
            cols = query.columns
            layout = _layout(cols, header if len(header) != len(cols) else None)
            at = {COLUMNS[code].field: pos for code, pos in layout}
        #: Fields a column of the page cannot give (a mapping): the typed rows do.
        self.typed_only = any(_is_mapping(types[f]) for f in self.schema.names)
        self.at = {f: at[f] for f in self.schema.names if f in at}
        self.cell = {f: _cell_type(types[f]) for f in self.at}
        read: dict[str, Any] = {}
        for f, pos in self.at.items():
            typ = self.schema.field(f).type
            if typ in (pa.int64(), pa.float64(), pa.bool_(), pa.string()):
                read[f"c{pos}"] = typ
            elif pa.types.is_timestamp(typ):
                read[f"c{pos}"] = pa.int64()
            else:
                read[f"c{pos}"] = pa.string()
        self.read = read
        self._polars_read: tuple[Any, dict[str, Any], list[int], list[Any]] | None = None

    def polars(self, pl: Any, data: bytes) -> Any:
        """The batch polars reads from ``data`` (raises what polars raises)."""
        if self._polars_read is None or self._polars_read[0] is not pl:
            self._polars_read = (pl, *self._polars_plan(pl))
        _, schema, columns, bools = self._polars_read
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=";",
            quote_char='"',
            schema=schema,
            columns=columns,
            **_polars_options(pl),
        )
        if bools:
            frame = frame.with_columns(bools)
        # Large strings rather than string views: the cast to Arrow's string is cheaper.
        compat = getattr(pl, "CompatLevel", None)  # polars >= 1.1
        table = frame.to_arrow() if compat is None else frame.to_arrow(compat_level=compat.oldest())
        return self._assemble(table.num_rows, table.column)

    def _polars_plan(self, pl: Any) -> tuple[dict[str, Any], list[int], list[Any]]:
        """polars' schema for every column of the page, the columns to read, and the
        expressions that turn text into bools as a typed row reads them ("true",
        "false", anything else None: polars' own bool parsing takes "True")."""
        pa = _pa()
        native = {pa.int64(): pl.Int64, pa.float64(): pl.Float64}
        schema = dict.fromkeys((f"c{i}" for i in range(self.width)), pl.String)
        bools = []
        for f, pos in self.at.items():
            typ, name = self.schema.field(f).type, f"c{pos}"
            # Timestamps read as ints (cast in Arrow); the rest as text, converted
            # in Arrow as pyarrow's cells are.
            schema[name] = pl.Int64 if pa.types.is_timestamp(typ) else native.get(typ, pl.String)
            if typ == pa.bool_():
                col = pl.col(name)
                bools.append(
                    pl.when(col == "true").then(True).when(col == "false").then(False).alias(name)
                )
        return schema, sorted(self.at.values()), bools

    def __call__(self, data: bytes) -> Any:
        csv = require("pyarrow.csv", _WHAT)
        table = csv.read_csv(
            io.BytesIO(data),
            read_options=csv.ReadOptions(
                column_names=[f"c{i}" for i in range(self.width)],
                use_threads=False,
                block_size=max(1 << 20, len(data) + 1),
            ),
            parse_options=csv.ParseOptions(
                delimiter=";",
                quote_char='"',
                double_quote=True,
                newlines_in_values=b'"' in data,
            ),
            convert_options=csv.ConvertOptions(
                column_types=self.read,
                include_columns=list(self.read),
                null_values=[""],
                true_values=["true"],
                false_values=["false"],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        return self._assemble(table.num_rows, table.column)

    def _assemble(self, n: int, column: Callable[[str], Any]) -> Any:
        """The batch of a read table's columns (``column(name)``, named ``c<pos>``)."""
        pa = _pa()
        arrays = []
        for f in self.schema:
            pos = self.at.get(f.name)
            if pos is None:  # not in this page's header: None, as on a typed row
                arrays.append(pa.nulls(n, f.type))
                continue
            col = column(f"c{pos}")
            col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
            if pa.types.is_large_string(col.type) or pa.types.is_string_view(col.type):
                col = col.cast(pa.string())  # polars' text: the same strings
            arrays.append(self._convert(col, f.type, self.cell[f.name]))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    @staticmethod
    def _convert(col: Any, typ: Any, cell: Any) -> Any:
        pa = _pa()
        pc = require("pyarrow.compute", _WHAT)
        if col.type == typ:
            return col
        if pa.types.is_timestamp(typ):
            return col.cast(typ)
        if typ == pa.bool_() and col.type == pa.string():
            # As a typed row reads it: "true", "false", anything else None.
            true = pc.equal(col, "true")
            return pc.if_else(pc.or_(true, pc.equal(col, "false")), true, None)
        if pa.types.is_list(typ) and typ.value_type in (pa.float64(), pa.int16()):
            try:
                blank = pc.equal(col, "")
                lists = pc.split_pattern(pc.if_else(blank, None, col), ",").cast(typ)
                if typ.value_type == pa.int16():  # an empty code list is (), not None
                    lists = pc.if_else(blank, pa.scalar([], typ), lists)
                return lists
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # a cell the cast refuses (spaces, a stray comma): the converter's way
        conv = converter_for(cell)
        values = col.to_pylist()
        return _arrow_values(list(values if conv is None else conv(values)), typ)


_READERS: dict[tuple[Any, tuple[str, ...]], _CsvReader] = {}


def _reader(query: ReportQuery, header: tuple[str, ...]) -> _CsvReader:
    key = (query, header)
    found = _READERS.get(key)
    if found is None:
        if len(_READERS) >= 256:
            _READERS.clear()
        found = _READERS[key] = _CsvReader(query, header)
    return found


_OPTIONS: dict[Any, dict[str, Any]] = {}


def _polars_options(pl: Any) -> dict[str, Any]:
    """``read_csv``'s options for an empty text read as ``""`` (never null), in the
    spelling of the polars installed (1.x and 2.x name it differently)."""
    found = _OPTIONS.get(pl)
    if found is None:
        params = inspect.signature(pl.read_csv).parameters
        if "empty_string_is_null" in params:
            found = {"empty_string_is_null": False}
        else:
            found = {"missing_utf8_is_empty_string": True}
        if "rechunk" in params:
            found["rechunk"] = False  # the columns are joined in Arrow, once
        found["raise_if_empty"] = False
        _OPTIONS[pl] = found
    return found


def _polars_errors(pl: Any) -> tuple[type[BaseException], ...]:
    # A Rust panic (PanicException) derives from BaseException: a refusal too.
    exc = pl.exceptions
    return (exc.PolarsError, exc.PanicException, ValueError, TypeError)


def _read(name: str, reader: _CsvReader, lines: Lines) -> Any | None:
    """The batch reader ``name`` reads from ``lines``; None if it refuses them (a row
    or a cell it cannot read) or cannot read them as CsvFeed cuts them."""
    pa = _pa()
    arrow_errors = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)
    if name == "pyarrow":
        try:
            return reader(lines.data)
        except (*arrow_errors, ValueError):
            return None
    pl = _polars() if lines.plain else None  # polars cuts rows at line feeds only
    if pl is None:
        return None
    try:
        return reader.polars(pl, lines.data)
    except (*_polars_errors(pl), *arrow_errors):
        return None


def csv_batch(
    query: ReportQuery,
    header: tuple[str, ...],
    lines: Lines,
    typed: Callable[[tuple[str, ...], list[Any]], list[Any]],
) -> Any:
    """A ``pyarrow.RecordBatch`` of a page's rows as they arrived (``lines``, CSV bytes
    after ``header``), read by the readers of :data:`READ_ORDER` in turn; ``typed``:
    the source's decoder, for what no reader reads."""
    reader = _reader(query, header)
    if not reader.typed_only:
        for name in READ_ORDER:
            batch = _read(name, reader, lines)
            if batch is not None and batch.num_rows == len(lines):
                READS[name] += 1
                return batch
    READS["typed"] += 1
    feed = CsvFeed()
    rows = feed.feed(lines.data) + feed.close()
    width = len(header)
    rows = [(r + [""] * (width - len(r)))[:width] for r in rows]
    return rows_batch(typed(header, rows), reader.schema)


#: Bytes gathered before a read: pyarrow's CSV reader costs about as much per call as
#: per megabyte, and the network hands over far smaller chunks.
GATHER_BYTES: Final = 1 << 20


class LinesGather:
    """Joins a page's :class:`Lines` chunks into reads of about :data:`GATHER_BYTES`."""

    __slots__ = ("_chunks", "_plain", "_rows", "_size", "limit")

    def __init__(self, limit: int = GATHER_BYTES) -> None:
        self.limit = limit
        self._chunks: list[bytes] = []
        self._rows = 0
        self._size = 0
        self._plain = True

    def add(self, lines: Lines) -> Lines | None:
        """Keep ``lines``; the gathered rows once they reach the limit."""
        if lines.data:
            self._chunks.append(lines.data)
            self._plain = self._plain and lines.plain
        self._rows += lines.rows
        self._size += len(lines.data)
        return self.flush() if self._size >= self.limit else None

    def flush(self) -> Lines | None:
        """The rows gathered so far (None if none)."""
        chunks, rows, plain = self._chunks, self._rows, self._plain
        self._chunks = []
        self._rows = self._size = 0
        self._plain = True
        if not rows:
            return None
        return Lines(chunks[0] if len(chunks) == 1 else b"".join(chunks), rows, plain)


async def columnar_events(
    query: ReportQuery,
    events: AsyncGenerator[PageEvent, None],
    pager: Pager[Any],
    decode: Callable[[tuple[str, ...], list[Any]], list[Any]],
) -> AsyncGenerator[Any, None]:
    """Record batches of a page stream: batches of :class:`Lines` are gathered and
    read by pyarrow, a batch of anything else (v4 items, rows) decoded and converted."""
    schema = None
    gather = LinesGather()
    header: tuple[str, ...] = ()
    async with aclosing(events):
        async for event in events:
            if type(event) is RawBatch:
                rows: Any = event.rows
                if isinstance(rows, Lines):
                    if event.header != header:
                        ready = gather.flush()
                        if ready is not None:
                            yield csv_batch(query, header, ready, decode)
                        header = event.header
                    ready = gather.add(rows)
                    if ready is not None:
                        yield csv_batch(query, header, ready, decode)
                    continue
                typed = decode(event.header, rows)
                if typed:
                    schema = schema if schema is not None else arrow_schema(query)
                    yield rows_batch(typed, schema)
                continue
            # The page is in (or over): what it gathered goes out before the next one.
            ready = gather.flush()
            if ready is not None:
                yield csv_batch(query, header, ready, decode)
            if type(event) is PageEnd and event.units_exhausted:
                pager.units_exhausted = True
    if pager.count == 0:
        # No row: one empty batch, so that a table or a file still has the columns.
        yield _pa().RecordBatch.from_pylist([], schema=arrow_schema(query))
