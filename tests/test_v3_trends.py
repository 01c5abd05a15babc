"""The trend column (``Td``) converted in one joined split gives what cell-by-cell
conversion gives: the same tuples of floats (same objects from the value table, same
reprs, signed zeros included), None for an empty cell, the same error for a bad one.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import aiohttp
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from semrush_async.testing import SemrushSandbox
from semrush_async.v3 import columns
from semrush_async.v3.columns import _TREND_VALUES, _trend_cells, _trends


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


@st.composite
def _column(draw: st.DrawFn) -> list[str]:
    """Mostly the common shape (every cell k on-table values), else anything."""
    k = draw(st.integers(1, 13))
    n = draw(st.integers(0, 40))
    if draw(st.integers(0, 2)):
        return [",".join(draw(st.lists(ON_TABLE, min_size=k, max_size=k))) for _ in range(n)]
    cells = st.one_of(
        st.lists(VALUE, min_size=1, max_size=14).map(",".join),
        st.just(""),
        st.text(alphabet="0123456789.,- e", max_size=12),
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


@pytest.mark.sandbox
async def test_domain_organic_trends_over_http_equal_the_raw_cells(
    sandbox: SemrushSandbox,
) -> None:
    """Over real HTTP: the typed ``trends`` of every row are the floats of the raw
    ``Td`` cells the sandbox sent (read here with ``csv`` and ``float``)."""
    params = {
        "type": "domain_organic",
        "key": sandbox.api_key,
        "domain": "medium.example",
        "database": "us",
        "export_columns": "Ph,Td",
        "display_limit": "500",
    }
    async with aiohttp.ClientSession() as http, http.get(f"{sandbox.url}/", params=params) as r:
        assert r.status == 200
        text = await r.text()
    raw = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
    assert len(raw) > 100
    async with sandbox.client() as c:
        rows = await c.domains.organic(
            "medium.example", database="us", columns=["Ph", "Td"], limit=500
        )
    assert [r.keyword for r in rows] == [cells[0] for cells in raw]
    want = [tuple(float(x) for x in cells[1].split(",")) if cells[1] else None for cells in raw]
    assert [r.trends for r in rows] == want
    assert all(type(v) is float for r in rows if r.trends for v in r.trends)
