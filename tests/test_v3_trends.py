"""The trend column (``Td``) converted in one joined split gives what cell-by-cell
conversion gives: the same tuples of floats (same objects from the value table, same
reprs, signed zeros included), None for an empty cell, the same error for a bad one.

Rows convert it on first read (``lazy_columns``): a row decoded lazily is the same
row as one decoded eagerly, through every way a row is read, and an error is still
raised while parsing.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import pickle
from collections.abc import Callable
from typing import Any

import aiohttp
import attrs
import cattrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from semrush_async._core.twin import Deferred
from semrush_async.apis.reports import ROOT_REPORTS, ReportSpec
from semrush_async.apis.reports.rows import ROW_TYPES, DomainOrganicRow, PhraseThisRow
from semrush_async.testing import SemrushSandbox
from semrush_async.v3 import columns
from semrush_async.v3.columns import (
    _TREND_VALUES,
    COLUMNS,
    _trend_cell,
    _trend_cells,
    _trends,
    lazy_columns,
)
from semrush_async.v3.decode import compile_decoder, row_class, twin_of


def _cell_by_cell(col: list[str]) -> tuple[str, Any]:
    """The plain definition: each cell split and each value through ``float``."""
    try:
        return "ok", [tuple(float(x) for x in v.split(",")) if v else None for v in col]
    except ValueError as e:
        return "raised", type(e)


def _joined(col: list[str]) -> tuple[str, Any]:
    try:
        return "ok", list(_trends(col))
    except ValueError as e:
        return "raised", type(e)


def _same(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "raised":
        return bool(a[1] is b[1])
    # repr: 0.0 and -0.0 are equal but must stay apart; types too (float, not int).
    return repr(a[1]) == repr(b[1]) and [type(t) for t in a[1]] == [type(t) for t in b[1]]


ON_TABLE = st.sampled_from(sorted(_TREND_VALUES))
OFF_TABLE = st.sampled_from(
    ["0.333", "1e-3", "-0.00", "-0", "2", "0.5 ", " 0.5", "1.5", "nan", "inf", "1_0", "x", ""]
)
VALUE = st.one_of(ON_TABLE, ON_TABLE, ON_TABLE, OFF_TABLE)


#: The form Semrush sends (two decimals), on the table (0.00 to 1.00) or off it.
TWO_DECIMALS = st.one_of(
    st.integers(0, 100).map(lambda i: f"{i / 100:.2f}"),
    st.integers(0, 999).map(lambda i: f"{i // 100}.{i % 100:02d}"),
)


@st.composite
def _column(draw: st.DrawFn) -> list[str]:
    """Mostly the common shapes (every cell k on-table values, or k two-decimal
    values), else anything."""
    k = draw(st.integers(1, 13))
    n = draw(st.integers(0, 40))
    shape = draw(st.integers(0, 3))
    if shape:
        value = ON_TABLE if shape < 3 else TWO_DECIMALS
        return [",".join(draw(st.lists(value, min_size=k, max_size=k))) for _ in range(n)]
    cells = st.one_of(
        st.lists(VALUE, min_size=1, max_size=14).map(",".join),
        st.lists(TWO_DECIMALS, min_size=1, max_size=3).map(",".join),
        st.just(""),
        st.text(alphabet="0123456789.,- e\n", max_size=12),
    )
    return draw(st.lists(cells, max_size=40))


@settings(max_examples=500, deadline=None)
@given(col=_column())
def test_the_joined_split_gives_the_cell_by_cell_values(col: list[str]) -> None:
    got = _joined(col)
    event(got[0])
    assert _same(got, _cell_by_cell(col))
    # The cell-by-cell fallback (the converter before the joined split) agrees too.
    try:
        before: tuple[str, Any] = ("ok", list(_trend_cells(col)))
    except ValueError as e:
        before = ("raised", type(e))
    assert _same(got, before)


@pytest.mark.parametrize(
    "col",
    [
        [],
        ["0.81,1.00,0.5", "0.29,0.65,0.83"],  # the common shape: the joined split
        ["0.81,1.00", "0.29"],  # cells of different lengths
        ["0.81,1.00", ""],  # an empty cell
        ["0.333,0.001", "0.29,0.65"],  # values off the table
        ["1.00", "-0.00"],
    ],
)
def test_handpicked_columns(col: list[str]) -> None:
    assert _same(_joined(col), _cell_by_cell(col))


def test_the_common_shape_takes_the_joined_split(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(col: Any) -> Any:
        raise AssertionError("converted cell by cell")

    monkeypatch.setattr(columns, "_trend_cells", refuse)
    assert _trends(["0.81,1.00,0.5", "0.29,0.65,0.83"]) == [(0.81, 1.0, 0.5), (0.29, 0.65, 0.83)]
    with pytest.raises(AssertionError):
        _trends(["0.81,1.00", "0.29"])


def test_table_values_are_shared_not_rebuilt() -> None:
    (row,) = _trends(["0.81,1.00,0.81"])
    assert row == (0.81, 1.0, 0.81)
    assert row[0] is row[2] is _TREND_VALUES["0.81"]


def test_one_cell_converts_as_its_column() -> None:
    for col in (["0.81,1.00,0.5"], ["0.333,0.5"], [""], ["1.00,-0.00"], ["0.5", "0.29,nan"]):
        assert repr([_trend_cell(v) for v in col]) == repr(list(_trend_cells(col)))
    (t,) = [_trend_cell("0.81,0.81")]
    assert t is not None
    assert t[0] is t[1] is _TREND_VALUES["0.81"]


# --- rows convert ``Td`` on first read ----------------------------------------------------

Row = DomainOrganicRow
_SLOT: Any = Row.__dict__["trends"].member  # the Deferred's slot descriptor
_FIELDS = {"keyword": (0, None), "trends": (1, _trends)}


def _decoder(*, lazy: bool = True, twin: bool = True) -> Callable[[list[list[str]]], list[Any]]:
    # The decoder defers a Deferred field only when given its own eager converter: a
    # wrapper of it decodes the same column eagerly, into the same class.
    fields = dict(_FIELDS)
    if not lazy:
        fields["trends"] = (1, lambda col: _trends(col))
    return compile_decoder(Row, twin_of(Row) if twin else None, 2, fields, "domain_organic")


def _decode(col: list[str], **how: bool) -> tuple[str, Any]:
    try:
        return "ok", _decoder(**how)([[f"k{i}", v] for i, v in enumerate(col)])
    except ValueError as e:
        return "raised", type(e)


def _has_nan(rows: list[Any]) -> bool:
    return any(math.isnan(v) for r in rows if r.trends for v in r.trends)


_READS: dict[str, Callable[[Any], Any]] = {
    "attribute": lambda r: r.trends,
    "repr": repr,
    "eq": lambda r: r,
    "hash": hash,
    "pickle": lambda r: pickle.loads(pickle.dumps(r)),
    "asdict": attrs.asdict,
    "astuple": attrs.astuple,
    "cattrs": cattrs.Converter().unstructure,
    "evolve": lambda r: attrs.evolve(r, keyword="x"),
    "deepcopy": copy.deepcopy,
    "getstate": lambda r: r.__getstate__(),
}


def _same_read(name: str, lazy_rows: list[Any], eager_rows: list[Any]) -> None:
    read = _READS[name]
    got, want = list(map(read, lazy_rows)), list(map(read, eager_rows))
    if name == "hash":
        # hash(nan) is its identity: two conversions give two nans.
        if not _has_nan(eager_rows):
            assert got == want
        return
    # repr tells 0.0 from -0.0, float from int; == (where no nan) compares the rows
    # through attrs' own __eq__.
    assert repr(got) == repr(want)
    if not _has_nan(eager_rows):
        assert got == want


@settings(max_examples=300, deadline=None)
@given(col=_column(), twin=st.booleans())
def test_rows_decoded_lazily_equal_rows_decoded_eagerly(col: list[str], twin: bool) -> None:
    eager = _decode(col, lazy=False, twin=twin)
    lazy = _decode(col, twin=twin)
    assert lazy[0] == eager[0]  # an error is raised while parsing, by both
    if lazy[0] == "raised":
        assert lazy[1] is eager[1]
        event("raised while parsing")
        return
    kept = [type(_SLOT.__get__(r)) is str for r in lazy[1]]
    event("kept raw" if all(kept) and kept else "converted now")
    assert all(kept) or not any(kept)  # the whole column, one way or the other
    for name in _READS:
        # Fresh rows for each way of reading: each must convert the cells itself.
        _same_read(name, _decode(col, twin=twin)[1], eager[1])
    rows = _decode(col, twin=twin)[1]
    for r in rows:
        first = r.trends
        assert r.trends is first  # stored back: every read gives the same object
        assert type(_SLOT.__get__(r)) is not str


def test_the_common_shape_is_kept_raw_until_read() -> None:
    cells = ["0.81,1.00,0.50", "0.29,0.65,0.83"]
    rows = _decoder()([["a", cells[0]], ["b", cells[1]]])
    assert [_SLOT.__get__(r) for r in rows] == cells
    assert _SLOT.__get__(rows[0]) is cells[0]  # the cell itself, no copy
    t = rows[0].trends
    assert t == (0.81, 1.0, 0.5)
    assert t is rows[0].trends is _SLOT.__get__(rows[0])
    assert t[0] is _TREND_VALUES["0.81"]  # the table's objects, as when converted now
    assert rows[1] == Row(keyword="b", trends=(0.29, 0.65, 0.83))


@pytest.mark.parametrize(
    "cells",
    [
        ["0.81,1.00", "0.29"],  # cells of different lengths
        ["0.81,1.00", ""],  # an empty cell
        ["0.333,0.50", "0.29,0.65"],  # a value of another shape
        ["0.5,1", "0.29,0.65"],  # the short form of a table value
        ["1.00,-0.00"],
        ["\u0660.\u0665\u0660,0.50"],  # digits float() takes and the shape check does not
    ],
)
def test_other_columns_are_converted_while_parsing(cells: list[str]) -> None:
    got = _decode(cells)
    assert got[0] == "ok"
    assert not any(type(_SLOT.__get__(r)) is str for r in got[1])
    assert repr(got) == repr(_decode(cells, lazy=False))


@pytest.mark.parametrize(
    "cells",
    [
        ["0.81,x.yz"],
        ["0.81,,0.50"],
        ["0.81,0.50,"],
        ["0.81\n0.50", "0.12"],  # a newline inside a cell (quoted)
        ["0.81,0.50\n0.12,0.34"],
        ["0.81;0.50"],
        ["0.81,0.50", "0.1.2,0.50"],
    ],
)
def test_a_bad_cell_still_fails_while_parsing(cells: list[str]) -> None:
    with pytest.raises(ValueError, match="could not convert string to float"):
        _decoder()([[f"k{i}", v] for i, v in enumerate(cells)])


def test_rows_a_user_builds_are_unaffected() -> None:
    r = Row(keyword="a", trends=(0.5, 1.0))
    assert r.trends == (0.5, 1.0)
    assert r == Row(keyword="a", trends=(0.5, 1.0))
    assert hash(r) == hash(Row(keyword="a", trends=(0.5, 1.0)))
    assert Row().trends is None
    # A text given for the field stays that text (it is never parsed).
    s = Row(trends="0.5,1.00")  # type: ignore[arg-type]
    text: object = s.trends
    assert text == "0.5,1.00"
    assert pickle.loads(pickle.dumps(s)) == s
    assert attrs.evolve(s) == s
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.__setattr__("trends", None)
    (decoded,) = _decoder()([["a", "0.50,1.00"]])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.__setattr__("trends", None)
    assert decoded == r
    # The slot's own descriptor is still there for code that writes slots.
    object.__setattr__(decoded, "trends", (0.25,))
    assert decoded.trends == (0.25,)
    object.__delattr__(decoded, "trends")
    with pytest.raises(AttributeError):
        _ = decoded.trends


def test_every_row_class_with_a_lazy_column_defers_it() -> None:
    lazy = {c.code for c in COLUMNS.values() if c.lazy}
    assert lazy == {"Td"}
    with_td = sorted(t for t, spec in ROOT_REPORTS.items() if "Td" in spec.columns)
    assert len(with_td) >= 10
    for report, cls in ROW_TYPES.items():
        field = cls.__dict__.get("trends")
        if report in with_td:
            assert isinstance(field, Deferred), report
            assert twin_of(cls) is not None, report
        else:
            assert field is None or not isinstance(field, Deferred), report
    # A family whose rows are not generated gets the same from ``row_class``.
    spec: ReportSpec = attrs.evolve(ROOT_REPORTS["phrase_this"], rows_module="")
    built = row_class(spec)
    assert built is not PhraseThisRow
    assert isinstance(built.__dict__["trends"], Deferred)


def test_only_lazy_columns_of_slotted_classes_are_deferred() -> None:
    with pytest.raises(ValueError, match="Ph"):
        lazy_columns("Ph")

    @attrs.frozen(slots=False)
    class Plain:
        trends: tuple[float, ...] | None = None

    with pytest.raises(TypeError, match="slot"):
        lazy_columns("Td")(Plain)


_WITH_TD = sorted(t for t, spec in ROOT_REPORTS.items() if "Td" in spec.columns)


def _target(spec: ReportSpec) -> tuple[dict[str, Any], str]:
    """(the client's keyword arguments, the target parameter as sent)."""
    if spec.target == "domains":
        return {"domains": ["small.example", "rival.example"]}, (
            "*|or|small.example|+|or|rival.example"
        )
    value = {
        "domain": "medium.example",
        "phrase": "seo tools",
        "url": "https://small.example/page/1",
        "subdomain": "shop.small.example",
        "subfolder": "small.example/blog/",
    }[str(spec.target)]
    return {str(spec.target): value}, value


@pytest.mark.sandbox
@pytest.mark.parametrize("report", _WITH_TD)
async def test_trends_over_http_equal_the_raw_cells(sandbox: SemrushSandbox, report: str) -> None:
    """Over real HTTP, for every report with ``Td``: the typed ``trends`` of every row
    are the floats of the raw cells the sandbox sent (read here with ``csv`` and
    ``float``), and the rows kept the cells raw until read."""
    spec = ROOT_REPORTS[report]
    kwargs, sent = _target(spec)
    # Every column of the report: the cells are found among the others.
    cols = spec.columns
    params = {
        "type": report,
        "key": sandbox.api_key,
        str(spec.target): sent,
        "database": "us",
        "export_columns": ",".join(cols),
        "display_limit": "500",
    }
    async with aiohttp.ClientSession() as http, http.get(f"{sandbox.url}/", params=params) as r:
        assert r.status == 200
        text = await r.text()
    raw = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    at = cols.index("Td")
    assert raw[0][at] == "Trends"
    cells = [line[at] for line in raw[1:]]
    assert cells
    async with sandbox.client() as c:
        options: dict[str, Any] = {"database": "us", **kwargs}
        if not spec.fixed_columns:
            options["columns"] = list(cols)
        if spec.paged:
            options["limit"] = 500
        rows = await c.analytics.report(report, **options)
    assert len(rows) == len(cells)
    cls = type(rows[0])
    assert isinstance(cls.__dict__["trends"], Deferred)
    slot = cls.__dict__["trends"].member
    assert all(type(slot.__get__(r)) is str for r in rows)  # kept raw until read
    want = [tuple(float(x) for x in v.split(",")) if v else None for v in cells]
    assert [r.trends for r in rows] == want
    assert all(type(v) is float for r in rows if r.trends for v in r.trends)
