"""The client and the sandbox agree on the documented rules.

Each states the docs on its own: the sandbox never imports the client's tables or
code paths (``tests/test_layout.py`` enforces it), because an oracle that repeats the
code under test proves nothing. This module may import both, and checks that the two
statements say the same thing: report by report, column by column, database by
database, endpoint by endpoint, and the Backlinks v3 -> v4 field mapping value by
value. A difference is a bug in one of them; the facts files in
``/work/shared/api-docs/`` decide which.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from semrush_async import published_limits
from semrush_async.apis.backlinks.bridge import BRIDGES
from semrush_async.apis.backlinks.reports import REPORTS as BACKLINKS_REPORTS
from semrush_async.apis.backlinks.v4 import BACKLINKS_V4, MAX_PAGE, MAX_URL
from semrush_async.apis.keywords_v4.endpoints import COUNTRIES, METRICS
from semrush_async.apis.reports import (
    COLUMNS,
    DATABASES,
    ROOT_REPORTS,
    ColumnKind,
    ReportSpec,
)
from semrush_async.testing import _backlinks_v4 as sandbox_v4
from semrush_async.testing import _data
from semrush_async.testing._backlinks_rules import REPORTS as SANDBOX_BACKLINKS
from semrush_async.testing._backlinks_rules import BacklinksReport
from semrush_async.testing._backlinks_v3 import MAX_CONDITIONS as SANDBOX_MAX_CONDITIONS
from semrush_async.testing._backlinks_v3 import MAX_LIMIT as SANDBOX_MAX_LIMIT
from semrush_async.testing._root_columns import COLUMNS as SANDBOX_COLUMNS
from semrush_async.testing._root_columns import DATABASES as SANDBOX_DATABASES
from semrush_async.testing._root_columns import DESKTOP_DATABASES
from semrush_async.testing._root_rules import ROOT_REPORTS as SANDBOX_ROOT
from semrush_async.testing._root_rules import RootReport
from semrush_async.testing._state import PUBLISHED_LIMITS
from semrush_async.v3.filters import MAX_CONDITIONS
from semrush_async.v3.pager import MAX_LIMIT

TESTING = Path(__file__).resolve().parents[1] / "semrush_async" / "testing"
#: What the sandbox may take from the package root: the client it hands out and the
#: configuration types of ``limits=`` (``published_limits``: which limits the client
#: governs, so that ``sandbox.client()`` hands it only those). Public tables
#: (``COLUMNS``, ``DATABASES`` ...) are the client's statement of the docs, not the
#: sandbox's. ``MemoryTokenStore``: the token store of the client it hands out (never
#: the user's token file, which the client would otherwise read from SEMRUSH_TOKEN_FILE).
ROOT_NAMES = {"SemrushClient", "Limit", "Strategy", "published_limits", "MemoryTokenStore"}


def test_the_sandbox_takes_only_configuration_names_from_the_client() -> None:
    taken: dict[str, set[str]] = {}
    for path in sorted(TESTING.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "semrush_async":
                taken.setdefault(path.name, set()).update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("semrush"):
                assert (node.module or "").startswith("semrush_async.testing"), (path, node.module)
            elif isinstance(node, ast.Import):
                # ``import semrush_async.x`` would reach anything: never.
                assert not any(a.name.startswith("semrush_async") for a in node.names), path
    assert taken, "the sandbox hands out a client: it imports SemrushClient somewhere"
    for module, names in taken.items():
        assert names <= ROOT_NAMES, (module, sorted(names - ROOT_NAMES))


# --- Analytics v3: the 15 Backlinks reports ----------------------------------------------


def _client_backlinks(spec: ReportSpec) -> dict[str, object]:
    price = spec.price
    return {
        "columns": tuple(spec.columns),
        "sorts": frozenset(spec.sorts),
        "default_sort": spec.default_sort,
        "filters": frozenset(spec.filters),
        "paged": spec.paged,
        "offset": spec.offset,
        "multi_target": spec.multi_target,
        "max_targets": spec.max_targets,
        "target_types": tuple(spec.target_types),
        "fixed_columns": spec.fixed_columns,
        "price": (price.units, price.per_line),
    }


def _sandbox_backlinks(r: BacklinksReport) -> dict[str, object]:
    return {
        "columns": r.columns,
        "sorts": r.sorts,
        "default_sort": r.default_sort,
        "filters": r.filters,
        "paged": r.paged,
        "offset": r.offset,
        "multi_target": r.multi_target,
        "max_targets": r.max_targets,
        "target_types": r.target_types,
        "fixed_columns": r.fixed_columns,
        "price": (r.price.units, r.price.per_line),
    }


def _differences(client: Mapping[str, object], sandbox: Mapping[str, object]) -> dict[str, Any]:
    return {k: (client[k], sandbox[k]) for k in client if client[k] != sandbox[k]}


def test_the_same_backlinks_reports() -> None:
    assert set(BACKLINKS_REPORTS) == set(SANDBOX_BACKLINKS)
    assert len(SANDBOX_BACKLINKS) == 15


@pytest.mark.parametrize("report", sorted(BACKLINKS_REPORTS))
def test_backlinks_report_rules_agree(report: str) -> None:
    client = _client_backlinks(BACKLINKS_REPORTS[report])
    sandbox = _sandbox_backlinks(SANDBOX_BACKLINKS[report])
    assert not _differences(client, sandbox), "(client, sandbox)"


def test_backlinks_paging_and_filter_limits_agree() -> None:
    assert SANDBOX_MAX_LIMIT == MAX_LIMIT == 1_000_000
    assert SANDBOX_MAX_CONDITIONS == MAX_CONDITIONS == 25


# --- Analytics v3: the 46 reports at the API root -----------------------------------------


def _client_root(spec: ReportSpec) -> dict[str, object]:
    assert spec.path == "/"
    live = spec.price
    assert live.per_line
    return {
        "target": spec.target,
        "database": spec.database.value,
        "units": live.units,
        "historical_units": spec.historical_units,
        "columns": tuple(spec.columns),
        "default_columns": tuple(spec.export_columns),
        "sorts": frozenset(spec.sorts),
        "filters": frozenset(spec.filters),
        "default_sort": spec.default_sort,
        "paged": spec.paged,
        "dated": spec.dated,
        "daily_dates": spec.daily_dates,
        "keyword_db": spec.keyword_db,
        "options": dict(spec.options),
        "max_phrases": spec.max_phrases,
        "max_end": spec.max_end,
        "max_page": spec.max_page,
    }


def _sandbox_root(r: RootReport) -> dict[str, object]:
    return {
        "target": r.target,
        "database": r.database,
        "units": r.units,
        "historical_units": r.historical_units,
        "columns": r.columns,
        "default_columns": r.default_columns,
        "sorts": r.sorts,
        "filters": r.filters,
        "default_sort": r.default_sort,
        "paged": r.paged,
        "dated": r.dated,
        "daily_dates": r.daily_dates,
        "keyword_db": r.keyword_db,
        "options": dict(r.options),
        "max_phrases": r.max_phrases,
        "max_end": r.max_end,
        "max_page": r.max_page,
    }


def test_the_same_root_reports() -> None:
    assert set(ROOT_REPORTS) == set(SANDBOX_ROOT)
    assert len(SANDBOX_ROOT) == 46


@pytest.mark.parametrize("report", sorted(ROOT_REPORTS))
def test_root_report_rules_agree(report: str) -> None:
    client = _client_root(ROOT_REPORTS[report])
    sandbox = _sandbox_root(SANDBOX_ROOT[report])
    assert not _differences(client, sandbox), "(client, sandbox)"


@pytest.mark.parametrize(
    ("when", "historical"),
    [(dt.date(2020, 1, 15), True), (dt.date.today(), False), (None, False)],
)
def test_root_report_prices_by_date_agree(when: dt.date | None, historical: bool) -> None:
    for report, spec in ROOT_REPORTS.items():
        client = spec.price_for(when)
        sandbox = SANDBOX_ROOT[report].price_for(when)
        assert (client.units, client.per_line) == (sandbox.units, sandbox.per_line), report
        if historical and spec.historical_units:
            assert sandbox.units == spec.historical_units > spec.units


_KINDS: Mapping[ColumnKind, str] = {
    ColumnKind.STR: "text",
    ColumnKind.INT: "int",
    ColumnKind.FLOAT: "float",
    ColumnKind.TIMESTAMP: "time",
    ColumnKind.DATE: "date",
    ColumnKind.FLOATS: "trend",
    ColumnKind.INTENTS: "intents",
    ColumnKind.FEATURES: "features",
}


def test_columns_agree() -> None:
    assert set(COLUMNS) == set(SANDBOX_COLUMNS)
    for code, column in COLUMNS.items():
        ours = SANDBOX_COLUMNS[code]
        assert (column.header, _KINDS[column.kind]) == (ours.header, ours.kind.value), code


def test_databases_agree() -> None:
    assert {c: d.kind.value for c, d in DATABASES.items()} == dict(SANDBOX_DATABASES)
    # Order matters: all-database reports answer one row per desktop database, in order.
    assert tuple(c for c, d in DATABASES.items() if d.keyword_reports) == DESKTOP_DATABASES


# --- API v4: Backlinks endpoints and Keyword metrics --------------------------------------


def test_the_same_backlinks_v4_endpoints() -> None:
    assert {s.path for s in BACKLINKS_V4.values()} == set(sandbox_v4.ROUTES)


@pytest.mark.parametrize("method", sorted(BACKLINKS_V4))
def test_backlinks_v4_endpoint_rules_agree(method: str) -> None:
    spec = BACKLINKS_V4[method]
    _, target, scopes, params = sandbox_v4.ROUTES[spec.path]
    price = spec.price
    client = {
        "target": spec.target,
        "scopes": None if spec.scopes is None else {str(s) for s in spec.scopes},
        "max_urls": spec.max_urls,
        "fields": spec.fields,
        "paged": spec.paged,
        "sort": spec.sort,
        "filter": spec.filter,
        "dates": spec.dates,
        "default_sort": spec.default_sort,
        "price": (price.units, price.per_line),
    }
    sandbox = {
        "target": target,
        "scopes": scopes,
        "max_urls": sandbox_v4._MAX_URLS.get(spec.path, 1),
        "fields": "fields" in params,
        "paged": "offset" in params,
        "sort": "order_by" in params,
        "filter": "filter" in params,
        "dates": "date_from" in params,
        "default_sort": sandbox_v4.DEFAULT_ORDER.get(spec.path),
        "price": sandbox_v4._PRICES[spec.path],
    }
    assert not _differences(client, sandbox), "(client, sandbox)"


def test_backlinks_v4_limits_agree() -> None:
    assert sandbox_v4.MAX_LIMIT == MAX_PAGE
    assert sandbox_v4.MAX_URL == MAX_URL


def test_keyword_v4_rules_agree() -> None:
    assert sandbox_v4._COUNTRIES == COUNTRIES
    price = METRICS.price
    assert price is not None
    assert sandbox_v4._PRICES["v4.keywords.metrics"] == (price.units, price.per_line)


# --- published limits ---------------------------------------------------------------------

#: Governors the client paces by its own choice: Semrush publishes no limit for OAuth or
#: the balance endpoint, so the sandbox counts them and rejects nothing unless told.
UNPUBLISHED = {"oauth", "units"}


def test_published_limits_agree() -> None:
    client = published_limits()
    assert {name: client.get(name) for name in PUBLISHED_LIMITS} == dict(PUBLISHED_LIMITS)
    assert set(client) - set(PUBLISHED_LIMITS) == UNPUBLISHED


# --- the Backlinks v3 -> v4 field mapping, value by value ---------------------------------

SEED = 0
TARGET = "small.example"
TARGETS = ["small.example", "medium.example", "tiny.example"]


def _v3_value(cell: str) -> object:
    """A v3 CSV cell as the value it stands for."""
    if cell in ("true", "false"):
        return cell == "true"
    try:
        return int(cell)
    except ValueError:
        return cell


def _v4_value(value: object) -> object:
    """A v4 value comparable with :func:`_v3_value` (ISO times as Unix seconds)."""
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return value


def _pairs(report: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """(v3 row, v4 item) pairs the sandbox serves for the same data, in its order."""
    path = BACKLINKS_V4[BRIDGES[report].v4].path
    if report == "backlinks_overview":
        r = _data.row(report, SEED, TARGET, 0, 1)
        return [(r, sandbox_v4._overview(r))]
    if report == "backlinks_comparison":
        # v3's snapshot columns come from /overview, one call per target (§4.1).
        return [
            (_data.comparison_row(SEED, t, "root_domain"), sandbox_v4._overview(r))
            for t in TARGETS
            for r in [_data.row("backlinks_overview", SEED, t, 0, 1)]
        ]
    if report == "backlinks_matrix":
        v3 = [_data.matrix_row(SEED, TARGETS, i) for i in range(5)]
        return list(zip(v3, sandbox_v4._data_rows(path, SEED, TARGETS, 0, 5), strict=True))
    n = _data.report_size(report, SEED, TARGET)
    v3 = [_data.row(report, SEED, TARGET, i, n) for i in range(min(n, 5))]
    return list(zip(v3, sandbox_v4._data_rows(path, SEED, [TARGET], 0, len(v3)), strict=True))


def _month(value: str) -> str:
    return dt.datetime.fromtimestamp(int(value), dt.UTC).strftime("%Y-%m")


#: How a v3 cell compares with the client's conversion of a v4 value, where the
#: bridge converts (its value is then a v3 row field, not a v4 value).
_CONVERTED: Mapping[str, Callable[[str, Any], bool]] = {
    "similarity": lambda cell, converted: converted == int(cell),
    "date": lambda cell, converted: converted.strftime("%Y-%m") == _month(cell),
}


@pytest.mark.parametrize("report", sorted(BRIDGES))
def test_backlinks_v4_mapping_agrees(report: str) -> None:
    """Every v3 column the client's bridge reads from a v4 field holds, in the
    sandbox's own v4 answer, the value the sandbox's v3 answer has (§4.1)."""
    bridge = BRIDGES[report]
    pairs = _pairs(report)
    assert pairs
    for v3, v4 in pairs:
        for column, source in bridge.fields.items():
            if isinstance(source, str):
                assert source in v4, (report, column, source)
                assert _v4_value(v4[source]) == _v3_value(v3[column]), (report, column)
            else:
                field, convert = source
                assert _CONVERTED[column](v3[column], convert(v4[field])), (report, column)
