"""Columnar output (the ``arrow`` extra): Arrow batches, tables, DataFrames and Parquet
against the sandbox over real HTTP, compared with the typed rows."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from semrush_async.apis.backlinks.reports import REPORTS as BACKLINKS_REPORTS
from semrush_async.apis.reports import ROOT_REPORTS
from semrush_async.testing import SemrushSandbox
from semrush_async.v3.arrow import arrow_fields
from tests.test_analytics import target_for

MULTI = ["a.example", "medium.example", "small.example"]


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
    sandbox: SemrushSandbox, report: str
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
    sandbox: SemrushSandbox, report: str
) -> None:
    spec = BACKLINKS_REPORTS[report]
    targets = MULTI if spec.multi_target else ["medium.example"]
    async with sandbox.client() as c:
        query = c.backlinks.query(report, targets, ["root_domain"] * len(targets))
        pager_kw: dict[str, Any] = {"page_size": 300} if spec.paged else {}
        rows = await c.analytics.pager(query, **pager_kw)
        table = await c.analytics.pager(query, **pager_kw).to_arrow()
    same(table, rows)
