"""The 46 root Analytics v3 reports against the sandbox over real HTTP."""

from __future__ import annotations

import logging
import pickle
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

import semrush_async
from semrush_async import (
    COLUMNS,
    DATABASES,
    BadRequest,
    BudgetExceeded,
    Filter,
    FilterOp,
    GapDomain,
    IntentCode,
    SerpFeatureCode,
    UnitsExhausted,
    ValidationError,
)
from semrush_async.apis.backlinks.reports import REPORTS as BACKLINKS_REPORTS
from semrush_async.apis.reports import ROOT_REPORTS, ColumnKind, ReportSpec
from semrush_async.apis.reports.methods import DomainAdwordsColumn, DomainDomainsColumn
from semrush_async.pagination import Pager
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._root_reports import root_row, root_size
from semrush_async.v3.decode import v3_decoder

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = [GapDomain.first("small.example"), GapDomain.union("rival.example")]


def target_for(spec: ReportSpec) -> tuple[dict[str, Any], str]:
    """(keyword arguments naming the target, the target as sent)."""
    if spec.target is None:
        return {}, ""
    if spec.target == "domains":
        return {"domains": DOMAINS}, "*|or|small.example|+|or|rival.example"
    if spec.target == "phrase":
        if spec.max_phrases > 1:
            return {"phrase": ["seo tools", "café crème", "python"]}, "seo tools;café crème;python"
        return {"phrase": "seo tools"}, "seo tools"
    value = {
        "domain": "small.example",
        "url": "https://small.example/page/1",
        "subdomain": "shop.small.example",
        "subfolder": "small.example/blog/",
    }[spec.target]
    return {spec.target: value}, value


def typed(kind: ColumnKind, raw: str) -> Any:
    """The obvious, slow conversion of one cell (independent of the client's)."""
    if kind is ColumnKind.STR:
        return raw
    if kind in (ColumnKind.INTENTS, ColumnKind.FEATURES):
        enum = IntentCode if kind is ColumnKind.INTENTS else SerpFeatureCode
        return tuple(enum(int(x)) for x in raw.split(",")) if raw else ()
    if not raw:
        return None
    if kind is ColumnKind.INT:
        return int(raw)
    if kind is ColumnKind.FLOAT:
        return float(raw)
    if kind is ColumnKind.TIMESTAMP:
        return datetime.fromtimestamp(int(raw), UTC)
    if kind is ColumnKind.DATE:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8] or 1))
    assert kind is ColumnKind.FLOATS
    return tuple(float(x) for x in raw.split(","))


def expected_rows(
    spec: ReportSpec,
    sent: str,
    columns: tuple[str, ...],
    *,
    database: str | None = "us",
    display_date: str | None = None,
    start: int = 0,
    stop: int | None = None,
) -> list[dict[str, Any]]:
    n = root_size(spec.type, 0, sent, database)
    out = []
    for i in range(start, min(n, stop if stop is not None else n)):
        raw = root_row(spec.type, 0, sent, i, database=database, display_date=display_date)
        out.append({COLUMNS[c].field: typed(COLUMNS[c].kind, raw[c]) for c in columns})
    return out


def as_dicts(rows: list[Any], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{COLUMNS[c].field: getattr(r, COLUMNS[c].field) for c in columns} for r in rows]


@pytest.mark.parametrize("report", sorted(ROOT_REPORTS))
async def test_every_root_report_is_complete_and_typed(
    sandbox: SemrushSandbox, report: str
) -> None:
    spec = ROOT_REPORTS[report]
    kwargs, sent = target_for(spec)
    columns = spec.columns
    async with sandbox.client() as c:
        rows = await c.analytics.report(report, database="us", columns=columns, **kwargs)
    n = root_size(report, 0, sent, "us")
    assert len(rows) == n > 0
    assert as_dicts(rows, columns) == expected_rows(spec, sent, columns)
    first = rows[0]
    assert attrs.has(type(first))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.__setattr__(COLUMNS[columns[0]].field, None)
    assert c.units.by_report == {report: spec.units * n}
    assert sandbox.units_spent() == spec.units * n
    assert sandbox.counters("account").accepted == 1


async def test_named_methods_cover_every_report(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        groups = [c.overview, c.domains, c.keywords, c.subdomains, c.subfolders, c.urls]
        named = {t for g in groups for t in g.reports.values()}
        assert named == set(ROOT_REPORTS)
        assert set(c.domains.reports) >= {
            "organic",
            "adwords",
            "adwords_unique",
            "adwords_historical",
            "organic_organic",
            "adwords_adwords",
            "shopping",
            "shopping_unique",
            "shopping_shopping",
            "organic_unique",
            "organic_subdomains",
            "domain_vs_domain",
        }
        assert set(c.keywords.reports) == {
            "overview",
            "overview_all",
            "batch",
            "difficulty",
            "related",
            "broad_match",
            "questions",
            "organic_results",
            "paid_results",
            "ads_history",
        }
        assert set(c.overview.reports) == {
            "domain_ranks",
            "domain_rank",
            "domain_rank_history",
            "rank_difference",
            "rank",
        }
        rows = await c.domains.organic("small.example", database="us", limit=3)
        assert [r.keyword for r in rows] == [
            e["keyword"]
            for e in expected_rows(ROOT_REPORTS["domain_organic"], "small.example", ("Ph",), stop=3)
        ]
        assert (await c.keywords.overview("seo", database="uk"))[0].keyword == "keyword " + (
            root_row("phrase_this", 0, "seo", 0, database="uk")["Ph"].split(" ", 1)[1]
        )
        assert len(await c.overview.rank(database="us", limit=4)) == 4
        with pytest.raises(AttributeError, match="reports: organic"):
            _ = c.domains.nonexistent  # type: ignore[attr-defined]
        with pytest.raises(ValidationError, match="takes no target"):
            c.overview.rank("example.com", database="us")  # type: ignore[arg-type]


def test_data_only_report_is_a_table_entry() -> None:
    # domain_shopping_shopping was added as data only: nothing outside its table row
    # names it (resources, CLI and docs table all read the tables), except the
    # sandbox's own statement of the docs (an oracle never reads the client's tables)
    # and the files generated from the tables (a test checks they are up to date).
    mentions = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "semrush_async").rglob("*.py")
        if "domain_shopping_shopping" in (text := p.read_text(encoding="utf-8"))
        and "@generated" not in text[:200]
    )
    assert mentions == [
        "semrush_async/apis/reports/domains.py",
        "semrush_async/testing/_root_rules.py",
    ]
    assert ROOT_REPORTS["domain_shopping_shopping"].method == "shopping_shopping"


# --- paging -------------------------------------------------------------------------------


async def test_offset_paging_uses_limit_as_end_index(sandbox: SemrushSandbox) -> None:
    spec = ROOT_REPORTS["domain_organic"]
    want = expected_rows(spec, "medium.example", ("Ph", "Nq"))
    async with sandbox.client() as c:
        q = c.analytics.query("domain_organic", domain="medium.example", database="us")
        params = dict(q.params(100, 300))
        assert (params["display_offset"], params["display_limit"]) == ("100", "400")
        got = await c.analytics.report(
            "domain_organic",
            domain="medium.example",
            database="us",
            columns=["Ph", "Nq"],
            offset=100,
            limit=1_000,
            page_size=300,
        )
        assert as_dicts(got, ("Ph", "Nq")) == want[100:1100]
        assert got.pages == 4
        tail = await c.domains.organic(
            "medium.example",
            database="us",
            columns="Ph,Nq",  # type: ignore[arg-type]  # a comma-separated string, too
            offset=2_450,
            page_size=40,
        )
        assert as_dicts(tail, ("Ph", "Nq")) == want[-50:]
        assert tail.pages == 2  # 40 + a short page of 10
    assert sandbox.counters("account").rejected == 0


async def test_streaming_a_large_target_yields_early(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        pager = c.domains.organic("big.example", database="us", columns=["Ph"], page_size=50_000)
        n = 0
        async for batch in pager.batches():
            n += len(batch)
            if n >= 60_000:
                break
        assert n >= 60_000
    assert c.units.reserved == 0
    assert c.governor_stats()["account"].in_flight == 0
    assert root_size("domain_organic", 0, "big.example", "us") >= 100_000


async def test_mid_stream_drop_resumes_without_loss_or_repeat(sandbox: SemrushSandbox) -> None:
    spec = ROOT_REPORTS["domain_organic"]
    want = expected_rows(spec, "medium.example", ("Ph", "Po"))
    sandbox.inject("account", "drop")
    async with sandbox.client() as c:
        got = await c.domains.organic("medium.example", database="us", columns=["Ph", "Po"])
    assert as_dicts(got, ("Ph", "Po")) == want
    # The server charges a page when it starts sending it: the cut page in full, the
    # resume again; the client settles to exactly that.
    n = len(want)
    assert sandbox.units_spent() == 10 * (n + n // 2)
    assert c.units.spent == sandbox.units_spent()
    assert sandbox.counters("account").accepted == 2


# --- text, quoting, encoding -------------------------------------------------------------


@pytest.mark.parametrize("escape", [True, False])
async def test_tricky_text_in_both_export_modes(sandbox: SemrushSandbox, escape: bool) -> None:
    spec = ROOT_REPORTS["domain_adwords"]
    cols: tuple[DomainAdwordsColumn, ...] = ("Ph", "Tt", "Ds", "Vu", "Td", "Nq")
    async with sandbox.client() as c:
        q = c.analytics.query(
            "domain_adwords", domain="tricky.example", database="us", columns=cols, escape=escape
        )
        assert (("export_escape", "1") in q.params(0, 1)) is escape
        rows = await c.domains.adwords("tricky.example", database="us", columns=cols, escape=escape)
    want = expected_rows(spec, "tricky.example", cols)
    assert as_dicts(rows, cols) == want
    texts = {r.title or "" for r in rows} | {r.keyword or "" for r in rows}
    assert any(";" in t for t in texts)
    assert any("\n" in t for t in texts)
    assert any("日本語" in t for t in texts)


async def test_unknown_serp_feature_codes_survive(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        rows = await c.domains.organic("medium.example", database="us", columns=["Fk"])
    codes = {f for r in rows for f in r.keyword_serp_features or ()}
    unknown = [f for f in codes if f.name.startswith("UNKNOWN_")]
    assert unknown
    assert unknown[0] == 99
    assert SerpFeatureCode(11) is SerpFeatureCode.FEATURED_SNIPPET


def test_decoder_maps_by_header_when_a_column_is_missing() -> None:
    spec = ROOT_REPORTS["phrase_related"]
    # Semrush may omit a requested column (sim.ai): the header then decides.
    decode = v3_decoder(spec, ("Ph", "Nq", "In"), ("Keyword", "Intent"))
    (row,) = decode([["seo", "1,3"]])
    assert (row.keyword, row.search_volume, row.intents) == (
        "seo",
        None,
        (IntentCode.INFORMATIONAL, IntentCode.TRANSACTIONAL),
    )


def test_trend_cells_off_the_fast_table_and_empty_ones() -> None:
    spec = ROOT_REPORTS["phrase_related"]
    decode = v3_decoder(spec, ("Ph", "Td", "Fk", "In"))
    rows = decode(
        [
            ["a", "0.81,1.00,0.5", "11,99", "1"],
            ["b", "0.333,1e-3", "", ""],
            ["c", "", "", "0,3"],
        ]
    )
    assert [r.trends for r in rows] == [(0.81, 1.0, 0.5), (0.333, 0.001), None]
    assert rows[0].keyword_serp_features == (SerpFeatureCode.FEATURED_SNIPPET, SerpFeatureCode(99))
    assert rows[1].keyword_serp_features == ()
    assert rows[2].intents == (IntentCode.COMMERCIAL, IntentCode.TRANSACTIONAL)
    assert pickle.loads(pickle.dumps(rows)) == rows


# --- keyword gap, batch, dates ------------------------------------------------------------


async def test_keyword_gap_positions_are_keyed_by_domain(sandbox: SemrushSandbox) -> None:
    gap = [
        GapDomain.first("small.example"),
        GapDomain.union("b.example"),
        GapDomain.excluding("c.example"),
    ]
    async with sandbox.client() as c:
        q = c.analytics.query("domain_domains", domains=gap, database="us")
        assert q.targets == ("*|or|small.example|+|or|b.example|-|or|c.example",)
        assert (
            "domains=%2A%7Cor%7Csmall.example%7C%2B%7Cor%7Cb.example" in q.call().request.full_url
        )
        rows = await c.domains.domain_vs_domain(gap, database="us", limit=5)
    assert [list(r.positions or ()) for r in rows] == [
        ["small.example", "b.example", "c.example"]
    ] * 5
    assert all((r.positions or {})["small.example"] == r.position_0 for r in rows)
    assert all(r.position_3 is None for r in rows)


@pytest.mark.parametrize(
    ("columns", "keyed"),
    [
        (["Ph", "Td"], None),  # no position column: every row, positions None
        (["Ph", "P1", "P0"], ["b.example", "small.example"]),  # keyed in the order asked
        (["Ph", "P2", "P1"], ["b.example"]),  # P2 names no domain of two; P1 does
        (["Ph", "P2"], None),  # P2 names no domain of two
    ],
)
async def test_keyword_gap_rows_with_some_position_columns(
    sandbox: SemrushSandbox, columns: list[DomainDomainsColumn], keyed: list[str] | None
) -> None:
    """Regression: without P0..P4 the report gave no rows at all (the positions of no
    columns were an empty list, and the row loop stopped at it); P1 after P2 was
    keyed to P2's cells."""
    gap = ["small.example", "b.example"]
    async with sandbox.client() as c:
        rows = await c.domains.domain_vs_domain(gap, database="us", columns=columns, limit=5)
        full = await c.domains.domain_vs_domain(gap, database="us", limit=5)
    assert len(rows) == 5
    assert [r.keyword for r in rows] == [r.keyword for r in full]
    if keyed is None:
        assert all(r.positions is None for r in rows)
    else:
        assert [list(r.positions or ()) for r in rows] == [keyed] * 5
        want = {"small.example": "position_0", "b.example": "position_1"}
        assert [r.positions for r in rows] == [
            {d: getattr(f, want[d]) for d in keyed} for f in full
        ]


async def test_batch_keywords_and_all_databases(sandbox: SemrushSandbox) -> None:
    phrases = [f"kw {i}" for i in range(100)]
    async with sandbox.client() as c:
        rows = await c.keywords.batch(phrases, database="de")
        assert [r.keyword for r in rows] == phrases
        assert c.units.spent == 10 * 100
        every = await c.keywords.overview_all("seo")
        assert {r.database for r in every} == {
            code for code, d in DATABASES.items() if d.kind.value == "desktop"
        }
        assert all(
            r.date is not None and r.date.day == 1 for r in every
        )  # YYYYMM -> the month's first day


async def test_historical_date_costs_the_historical_price(sandbox: SemrushSandbox) -> None:
    spec = ROOT_REPORTS["domain_organic"]
    n = root_size("domain_organic", 0, "small.example", "us")
    async with sandbox.client() as c:
        q = c.analytics.query(
            "domain_organic", domain="small.example", database="us", date=date(2020, 1, 15)
        )
        assert ("display_date", "20200115") in q.extra
        assert q.unit_price.units == 50
        rows = await c.domains.organic(
            "small.example", database="us", date=date(2020, 1, 15), columns=["Ph"]
        )
        assert as_dicts(rows, ("Ph",)) == expected_rows(
            spec, "small.example", ("Ph",), display_date="20200115"
        )
        assert c.units.spent == 50 * n
        # A monthly report: any day names the month's snapshot, sent as the 15th.
        q2 = c.analytics.query("rank", database="us", date="20200102")
        assert ("display_date", "20200115") in q2.extra
        # This month's snapshot is the live data: no display_date, the live price.
        q3 = c.analytics.query(
            "domain_organic_organic", domain="small.example", database="us", date=date.today()
        )
        assert not any(k == "display_date" for k, _ in q3.extra)
        live = await c.domains.organic_organic("small.example", database="us", date=date.today())
        assert c.units.spent == 50 * n + 40 * len(live)
        # One price for all dates where the docs list no historical price.
        assert ROOT_REPORTS["subdomain_rank"].price_for(date(2019, 1, 15)).units == 10
    assert sandbox.units_spent() == c.units.spent


async def test_budget_is_reserved_at_the_historical_price(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(unit_budget=40 * 10) as c:
        with pytest.raises(BudgetExceeded):
            c.domains.organic("small.example", database="us", limit=10, date=date(2021, 5, 15))
        rows = await c.domains.organic("small.example", database="us", limit=10)
        assert len(rows) == 10
        assert c.units.spent == 100
    assert sandbox.counters("account").accepted == 1


# --- validation: named allowed values, nothing sent ---------------------------------------

BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("pharse_adwords", {"phrase": "x", "database": "us"}, "allowed: .*phrase_adwords"),
    ("domain_organic_competitors", {"domain": "a.com", "database": "us"}, "unknown report"),
    ("domain_organic", {"database": "us"}, "needs domain="),
    ("domain_organic", {"phrase": "x", "database": "us"}, "takes domain=, not phrase="),
    ("rank", {"domain": "a.com", "database": "us"}, "takes no target"),
    ("domain_organic", {"domain": "a.com"}, "needs a database; allowed: us, uk"),
    ("phrase_this", {"phrase": "x", "database": "mobile-us"}, "desktop databases only: us"),
    ("phrase_related", {"phrase": "x", "database": "il-ext"}, "extended database"),
    ("domain_organic", {"domain": "a.com", "database": "us", "columns": ["Zz"]}, "allowed: Ph"),
    ("domain_organic", {"domain": "a.com", "database": "us", "columns": "Ph,Ph"}, "twice"),
    ("domain_organic", {"domain": "a.com", "database": "us", "sort": "xx_asc"}, "allowed: po_"),
    ("phrase_organic", {"phrase": "x", "database": "us", "sort": "po_asc"}, "takes no display"),
    (
        "domain_organic",
        {"domain": "a.com", "database": "us", "filters": Filter.including("Tt", "x", "Co")},
        "allowed: Ph",
    ),
    (
        "domain_organic",
        {"domain": "a.com", "database": "us", "filters": Filter.including("Nq", "x", "Co")},
        "needs op Eq, Gt or Lt",
    ),
    (
        "domain_organic",
        {"domain": "a.com", "database": "us", "filters": "+|Br|Eq|1"},
        "takes no operation",
    ),
    (
        "domain_organic",
        {"domain": "a.com", "database": "us", "filters": "+|Br||7"},
        "takes one of 0, 1, 3",
    ),
    ("phrase_related", {"phrase": "x", "database": "us", "date": date(2020, 1, 15)}, "no date"),
    ("domain_organic", {"domain": "a.com", "database": "us", "date": date(2999, 1, 15)}, "future"),
    ("domain_organic", {"domain": "a.com", "database": "us", "date": "2020-01"}, "not YYYYMMDD"),
    ("domain_organic", {"domain": "a.com", "database": "us", "foo": 1}, "options: display_"),
    (
        "domain_organic",
        {"domain": "a.com", "database": "us", "display_positions": "up"},
        "allowed: new, lost, rise, fall",
    ),
    (
        "domain_organic",
        {"domain": "a.com", "database": "us", "display_daily": True},
        "only together with display_positions",
    ),
    ("phrase_these", {"phrase": [f"k{i}" for i in range(101)], "database": "us"}, "at most 100"),
    ("phrase_these", {"phrase": ["a", ""], "database": "us"}, "empty keyword"),
    ("phrase_this", {"phrase": "a;b", "database": "us"}, "one keyword"),
    ("domain_domains", {"domains": [f"d{i}.com" for i in range(6)], "database": "us"}, "1 to 5"),
    ("domain_domains", {"domains": ["a.com", "A.com"], "database": "us"}, "duplicate"),
    (
        "domain_domains",
        {"domains": [GapDomain("?", "or", "a.com")], "database": "us"},  # type: ignore[arg-type]
        "GapSign",
    ),
    ("backlinks", {"target": "a.com", "database": "us"}, "takes no database"),
    ("backlinks", {"domain": "a.com"}, "takes target= and target_type="),
    ("domain_organic", {"target": "a.com", "database": "us"}, "names its target domain="),
]
BAD_PAGING: list[tuple[str, dict[str, Any], str]] = [
    ("phrase_this", {"phrase": "x", "database": "us", "limit": 5}, "takes no display_limit"),
    (
        "domain_organic",
        {"domain": "a.com", "database": "us", "offset": 3_999_990, "limit": 20},
        "at most 4,000,000",
    ),
    (
        "domain_adwords",
        {"domain": "a.com", "database": "us", "limit": 1_000_001},
        "at most 1,000,000",
    ),
    ("domain_organic", {"domain": "a.com", "database": "us", "page_size": 100_001}, "to 100000"),
    ("domain_organic", {"domain": "a.com", "database": "us", "limit": 0}, "limit must be an int"),
]


@pytest.mark.parametrize(("report", "kwargs", "message"), BAD_CALLS + BAD_PAGING)
async def test_validation_names_allowed_values_and_sends_nothing(
    sandbox: SemrushSandbox, report: str, kwargs: dict[str, Any], message: str
) -> None:
    async with sandbox.client(unit_budget=10_000) as c:
        with pytest.raises(ValidationError) as info:
            c.analytics.report(report, **kwargs)
        text = info.value.message + " " + " ".join(str(d) for d in info.value.details)
        assert re.search(message, text), text
        assert c.units.spent == c.units.reserved == 0
        assert c.units.remaining == 10_000
    assert sandbox.counters("account").accepted == 0


async def test_unknown_database_passes_through_with_a_warning(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    async with sandbox.client() as c:
        with caplog.at_level(logging.WARNING, "semrush_async"):
            q = c.analytics.query("domain_organic", domain="a.com", database="XX-new")
        assert ("database", "xx-new") in q.extra
        assert "not in the documented list" in caplog.text
        # The sandbox (like Semrush for a database it lacks) refuses it: it was sent.
        # The advice is about the code, not the subscription (issue 21 A7).
        with pytest.raises(BadRequest) as info:
            await c.analytics.report("domain_organic", domain="a.com", database="xx-new")
        assert info.value.code == 133
        assert "'xx-new' is not a known Semrush database" in str(info.value)
    assert sandbox.counters("account").accepted == 1


# --- landscape §4 regressions -------------------------------------------------------------


async def test_nothing_found_and_filtered_empty_results_are_empty(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        assert await c.domains.organic("empty.example", database="us") == []  # §4 #1, #14
        assert await c.overview.domain_rank("empty.example", database="us") == []
        nothing = await c.domains.organic(
            "small.example", database="us", filters=[Filter.including("Nq", -1, FilterOp.LESS)]
        )
        assert nothing == []
        assert c.units.spent == 0


async def test_error_bodies_at_any_status_are_typed(sandbox: SemrushSandbox) -> None:
    sandbox.set_balance(5)
    async with sandbox.client() as c:
        with pytest.raises(UnitsExhausted) as info:  # §4 #1, #11: 132 is the balance
            await c.domains.organic("small.example", database="us")
    assert (info.value.code, info.value.status) == (132, 403)


async def test_filters_sort_and_encoding_reach_the_server(sandbox: SemrushSandbox) -> None:
    spec = ROOT_REPORTS["domain_organic"]
    want = expected_rows(spec, "medium.example", ("Ph", "Nq", "Po"))
    keep = [r for r in want if r["search_volume"] > 500_000 and "coffee" in r["keyword"]]
    keep.sort(key=lambda r: r["position"], reverse=True)
    filters: list[Filter | str] = [
        Filter.including("Nq", 500_000, FilterOp.GREATER),
        "+|Ph|Co|coffee",
    ]
    async with sandbox.client() as c:
        q = c.analytics.query(
            "domain_organic", domain="medium.example", database="us", filters=filters
        )
        # §4 #6: '+' and '|' percent-encoded by the request builder, not by hand.
        assert "display_filter=%2B%7CNq%7CGt%7C500000%7C%2B%7CPh%7CCo%7Ccoffee" in (
            q.call(0, 10).request.full_url
        )
        rows = await c.domains.organic(
            "medium.example",
            database="us",
            columns=["Ph", "Nq", "Po"],
            filters=filters,
            sort="po_desc",
        )
    assert [r.position for r in rows] == [r["position"] for r in keep]
    assert {r.keyword for r in rows} == {r["keyword"] for r in keep}


async def test_base_url_is_chosen_per_family_every_time(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:  # §4 #8: no sticky base URL
        bl = c.backlinks.query("backlinks", ["small.example"], ["root_domain"])
        root = c.analytics.query("domain_organic", domain="small.example", database="us")
        assert bl.call(0, 5).request.url.endswith("/analytics/v1/")
        assert root.call(0, 5).request.url == sandbox.url + "/"
        assert len(await c.backlinks.backlinks("small.example", limit=5)) == 5
        assert len(await c.domains.organic("small.example", database="us", limit=5)) == 5
        assert len(await c.backlinks.backlinks("small.example", limit=5)) == 5


def test_requests_always_name_columns_and_limit() -> None:
    # §4 #3 (defaults changed silently) and #13 (the API's 10,000-line default).
    from semrush_async.v3.query import report_query

    q = report_query(
        ROOT_REPORTS["domain_organic"],
        "https://api.semrush.com",
        targets={"domain": "a.com"},
        database="us",
        columns=None,
        sort=None,
        filters=None,
        display_date=None,
        escape=None,
        options={},
    )
    params = dict(q.params(0, 100))
    assert params["export_columns"] == "Ph,Po,Pp,Pd,Nq,Cp,Ur,Tr,Tc,Co,Nr,Td"
    assert params["display_limit"] == "100"
    assert params["export_escape"] == "1"


def test_column_registry_and_domain_features() -> None:
    assert semrush_async.COLUMNS is COLUMNS
    ph = COLUMNS["Ph"]
    assert (ph.field, ph.python_type, ph.header) == ("keyword", str, "Keyword")
    assert COLUMNS["Ts"].python_type is datetime
    assert COLUMNS["Td"].kind is ColumnKind.FLOATS
    for code in ("Ph", "Po", "Nq", "Cp", "Ur", "Tr", "Td", "Kd", "Fk", "Ts", "Dt"):
        assert code in COLUMNS
    # §4 #15: FPn only for features that link to a domain.
    assert "FP11" in COLUMNS
    assert "FP0" not in COLUMNS
    assert "FP14" not in COLUMNS
    assert "FK0" in COLUMNS
    # Every column every report names is in the registry, with a unique field name.
    for spec in ROOT_REPORTS.values():
        assert set(spec.columns) <= set(COLUMNS), spec.type
        assert set(spec.export_columns) <= set(spec.columns), spec.type
        assert set(spec.filters) <= set(COLUMNS) | {"Br", "Wc"}, spec.type
    assert len({c.field for c in COLUMNS.values()}) == len(COLUMNS)
    assert len(ROOT_REPORTS) == 46
    assert len(BACKLINKS_REPORTS) == 15


async def test_root_and_backlinks_share_the_account_governor(sandbox: SemrushSandbox) -> None:
    import asyncio

    async with sandbox.client() as c:
        jobs: list[Pager[Any]] = [
            c.domains.organic(f"s{i}.example", database="us", limit=5) for i in range(15)
        ]
        jobs += [c.backlinks.backlinks(f"s{i}.example", limit=5) for i in range(15)]
        await asyncio.gather(*(j._collect() for j in jobs))
        stats = c.governor_stats()["account"]
    assert stats.started == 30
    assert stats.max_in_flight <= 10
    assert sandbox.counters("account").rejected == 0


async def test_harvest_any_report_over_many_targets(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    spec = ROOT_REPORTS["domain_organic"]
    targets = [f"site{i}.example" for i in range(12)] + ["empty.example"]
    ckpt = str(tmp_path / "h.sqlite")
    async with sandbox.client() as c:
        h = c.domains.harvest(
            "organic",
            targets,
            database="us",
            columns=["Ph"],
            limit_per_target=60,
            page_size=25,
            checkpoint=ckpt,
        )
        got: dict[str, list[Any]] = {}
        async with h:
            async for item in h:
                assert item.error is None
                got.setdefault(item.target, []).extend(r.keyword for r in item.rows)
    assert sorted(h.completed) == sorted(targets)
    for t in targets:
        want = [e["keyword"] for e in expected_rows(spec, t, ("Ph",), stop=60)]
        assert got.get(t, []) == want, t
    spent = sandbox.units_spent()
    async with sandbox.client() as c:
        again = c.analytics.harvest(
            "domain_organic",
            targets,
            database="us",
            columns=["Ph"],
            limit_per_target=60,
            page_size=25,
            checkpoint=ckpt,
        )
        assert [i async for i in again] == []  # all done: nothing requested or paid
    assert sandbox.units_spent() == spent


def test_docs_page_lists_every_report_with_its_price() -> None:
    from semrush_async.client import V3_TABLES
    from semrush_async.v3._docs import reports_table

    page = (ROOT / "docs/analytics.md").read_text(encoding="utf-8")
    assert reports_table(V3_TABLES) in page
    for spec in ROOT_REPORTS.values():
        assert f"`{spec.type}`" in page


async def test_readme_sandbox_recipe_works_for_root_reports(
    semrush_sandbox: SemrushSandbox,
) -> None:
    async with semrush_sandbox.client() as client:
        rows = await client.domains.organic("medium.example", database="us")
        assert len(rows) == 2_500
        kw = await client.keywords.overview("seo", database="us")
        assert len(kw) == 1


async def test_harvest_unpaged_gap_and_backlinks_reports(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        one = c.keywords.harvest("overview", ["seo", "python", "empty kw"], database="us")
        items = [i async for i in one]
        assert {i.target: len(i.rows) for i in items} == {"seo": 1, "python": 1, "empty kw": 0}
        assert all(i.done for i in items)
        gap = c.analytics.harvest(
            "domain_domains",
            ["a.example,b.example", "c.example,d.example,e.example"],
            database="us",
            limit_per_target=7,
        )
        by_target = {i.target: i.rows async for i in gap}
        first = by_target["a.example,b.example"][0].positions or {}
        assert list(first) == ["a.example", "b.example"]
        assert len(by_target["c.example,d.example,e.example"][0].positions or {}) == 3
        assert all(len(rows) == 7 for rows in by_target.values())
        # Backlinks through the same generic call.
        bl = await c.analytics.report("backlinks_refdomains", target="small.example", limit=4)
        assert [r.domain for r in bl] == [
            r.domain for r in await c.backlinks.refdomains("small.example", limit=4)
        ]
    assert sandbox.counters("account").rejected == 0
