"""``client.trends`` over real HTTP against the Trends sandbox: every report's typed
rows, paging, both delimiters, refusals before sending, the separate quota meter,
``trends_budget`` under concurrency, governance, faults and redaction."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from semrush_async import BudgetExceeded, Limit, SemrushClient, ValidationError
from semrush_async.apis.trends import rows as r
from semrush_async.apis.trends.reports import REPORTS, SPECS
from semrush_async.errors import AuthenticationError, ServerError, UnitsExhausted
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._trends_data import REPORTS as ORACLE
from semrush_async.testing._trends_rows import Ctx, trends_rows
from semrush_async.v3.query import report_query
from tests.conftest import FAST_RETRY
from tests.test_redaction import assert_clean

#: The minimal call of every report: (positional target or None, options).
MINIMAL: dict[str, tuple[Any, dict[str, Any]]] = {
    name: ("a.example", {}) for name, spec in REPORTS.items() if spec.target == "target"
}
MINIMAL.update(
    summary=(["a.example", "b.example", "empty.example"], {}),
    rank=(None, {}),
    categories=("human_resources", {"limit": 10}),
    audience_insights=(["a.example", "b.example"], {"selected_targets": ["a.example"]}),
)


def today(sb: SemrushSandbox) -> dt.date:
    server: Any = sb.state.extensions["trends"]
    day: dt.date = server.date()
    return day


def previous_month(sb: SemrushSandbox) -> dt.date:
    return (today(sb).replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def oracle(
    sb: SemrushSandbox,
    report: str,
    target: str = "",
    *,
    device: str = "all",
    country: str = "GLOBAL",
    date: dt.date | None = None,
    **options: str,
) -> list[dict[str, str]]:
    ctx = Ctx(
        report,
        target,
        date or previous_month(sb),
        device,
        country,
        tuple(sorted(options.items())),
        today(sb),
    )
    return trends_rows(sb.state.seed, ctx)


def _base(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        (tp,) = [a for a in typing.get_args(tp) if a is not type(None)]
    return typing.get_origin(tp) or tp


def same(value: Any, text: str) -> bool:
    """A typed cell equals the oracle's text."""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, enum.Enum):
        return bool(value.value == text)
    if isinstance(value, dt.date):
        return value.isoformat() == text
    if isinstance(value, tuple):
        return ";".join(value) == text
    if isinstance(value, float):
        return value == float(text)
    return str(value) == text


def check_rows(rows: list[Any], want: list[dict[str, str]], header: tuple[str, ...]) -> None:
    assert len(rows) == len(want)
    hints = typing.get_type_hints(type(rows[0])) if rows else {}
    for got, expected in zip(rows, want, strict=True):
        assert got.extra is None
        for column in header:
            value = getattr(got, column)
            assert same(value, expected[column]), (column, value, expected[column])
            if value is not None:
                assert isinstance(value, _base(hints[column])), (column, value)


async def call(c: SemrushClient, report: str) -> list[Any]:
    target, options = MINIMAL[report]
    method = getattr(c.trends, report)
    result = method(**options) if target is None else method(target, **options)
    return list(await result)


async def test_every_report_answers_typed_rows_paid_from_the_trends_quota(
    sandbox: SemrushSandbox,
) -> None:
    async with sandbox.client() as c:
        for report in REPORTS:
            rows = await call(c, report)
            target, _ = MINIMAL[report]
            extra: dict[str, Any] = {}
            if report == "audience_insights":
                extra["selected_targets"] = "a.example"
            device = "desktop" if report == "purchase_conversion" else "all"
            text = ",".join(target) if isinstance(target, list) else target or ""
            want = oracle(sandbox, report, text, device=device, **extra)
            if report == "categories":
                want = want[:10]
            check_rows(rows, want, ORACLE[report].header)
            assert rows, report
        # The quota meter equals what the sandbox charged, and it is not the units.
        # summary 2 lines, 18 one-request reports, rank 5 pages + an empty 6th, categories.
        assert c.trends.units.spent == sandbox.trends_spent() == 2 + 18 + 6 + 500
        assert c.trends.units.by_report["trends_categories"] == 500
        assert c.units.spent == 0
        assert sandbox.units_spent() == 0
        quota = await c.trends.limits()
    assert quota.monthly_used == sandbox.trends_spent()
    assert quota.monthly_remaining == quota.remaining == 10_000 - sandbox.trends_spent()
    assert quota.daily_used == quota.hourly_used == 0
    assert quota.extra == {"plan": "Trends Premium"}  # an unknown field is kept
    assert sandbox.counters("trends.limits").accepted == 1


async def test_options_reach_the_wire_and_the_rows(sandbox: SemrushSandbox) -> None:
    month = previous_month(sandbox).replace(month=1)
    async with sandbox.client() as c:
        rows = await c.trends.sources(
            "a.example",
            date=month.replace(day=17),  # any day names its month: sent YYYY-MM-01
            device="mobile",
            country="US",
            traffic_channel="search",
            sort="traffic_asc",
        )
        geo = await c.trends.geo("a.example", geo_type="continent")
        pages = await c.trends.toppages("a.example/blog/", target_type="subfolder", limit=3)
    want = oracle(
        sandbox,
        "sources",
        "a.example",
        device="mobile",
        country="US",
        date=month,
        traffic_channel="search",
    )
    want = sorted((w for w in want if w["channel"] == "search"), key=lambda w: float(w["traffic"]))
    check_rows(rows, want, ORACLE["sources"].header)
    assert {row.channel for row in rows} == {r.Channel.SEARCH}
    check_rows(geo, oracle(sandbox, "geo", "a.example", geo_type="continent"), ORACLE["geo"].header)
    want = oracle(sandbox, "toppages", "a.example/blog/", target_type="subfolder")[:3]
    check_rows(pages, want, ORACLE["toppages"].header)


async def test_by_day_forecasts_in_the_current_month(sandbox: SemrushSandbox) -> None:
    this_month = today(sandbox).replace(day=1)
    async with sandbox.client() as c:
        rows = await c.trends.summary_by_week("a.example", date=this_month, include_forecasted=True)
    want = oracle(
        sandbox, "summary_by_week", "a.example", date=this_month, include_forecasted_items="true"
    )
    check_rows(rows, want, ORACLE["summary_by_week"].header)
    assert any(row.is_forecasted for row in rows)
    assert all(row.display_date and row.display_date.weekday() == 0 for row in rows)  # Mondays


async def test_paging_completeness_at_the_documented_maxima(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        every = await c.trends.sources("big.example")  # 12,000 rows, 5,000 a request
        asked = sandbox.counters("trends").accepted
        exact = [row async for row in c.trends.destinations("big.example", limit=7_001)]
        ranked = await c.trends.rank()  # 1,000 domains, 200 a request
        tail = await c.trends.sources("big.example", offset=10_000)
    want = oracle(sandbox, "sources", "big.example")
    assert [row.from_target for row in every] == [w["from_target"] for w in want]
    assert asked == 3
    assert [row.to_target for row in exact] == [
        w["to_target"] for w in oracle(sandbox, "destinations", "big.example")[:7_001]
    ]
    assert [row.rank for row in ranked] == list(range(1, 1_001))
    assert [row.from_target for row in tail] == [w["from_target"] for w in want[10_000:]]
    # Each request costs one unit whatever its size: 3 + 2 + 5 (+ the short 6th) + 1.
    assert sandbox.counters("trends").accepted == 3 + 2 + 6 + 1
    assert sandbox.trends_spent() == 12


@pytest.mark.parametrize("delimiter", [";", ","])
async def test_both_delimiters_parse_alike(delimiter: str) -> None:
    async with SemrushSandbox(trends_delimiter=delimiter) as sb, sb.client() as c:
        rows = await c.trends.toppages("tricky.example")
        summary = await c.trends.summary(["tricky.example", "a.example"])
        narrow = await c.trends.sources("tricky.example", columns=["categories"])
    check_rows(rows, oracle(sb, "toppages", "tricky.example"), ORACLE["toppages"].header)
    pages = [row.page or "" for row in rows]
    assert any(";" in p and '"' in p for p in pages)
    assert any("日本語" in p for p in pages)
    assert any("comma, inside" in p for p in pages)
    check_rows(summary, oracle(sb, "summary", "tricky.example,a.example"), ORACLE["summary"].header)
    # One column: no delimiter in the header to sniff; the cells still come whole.
    want = oracle(sb, "sources", "tricky.example")
    assert [row.categories for row in narrow] == [tuple(w["categories"].split(";")) for w in want]
    assert all(row.target is None for row in narrow)


async def test_unknown_columns_are_kept_in_extra(sandbox: SemrushSandbox) -> None:
    @attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
    class Narrow:
        target: str | None = None
        traffic: int | None = None
        extra: Mapping[str, str] | None = None

    spec = attrs.evolve(REPORTS["destinations"], row=Narrow)
    async with sandbox.client() as c:
        query = report_query(spec, c.base_url, targets={"target": "a.example"})
        rows = await c._v3_engine.pager(query, limit=5, page_size=5)
    want = oracle(sandbox, "destinations", "a.example")[:5]
    for row, w in zip(rows, want, strict=True):
        assert (row.target, row.traffic) == ("a.example", int(w["traffic"]))
        assert row.extra is not None
        assert row.extra["to_target"] == w["to_target"]
        assert set(row.extra) == set(ORACLE["destinations"].header) - {"target", "traffic"}


BAD: list[tuple[str, Any, dict[str, Any], str]] = [
    ("summary", [f"s{i}.example" for i in range(201)], {}, "at most 200 targets"),
    ("summary", ["https://a.example"], {}, "not a domain"),
    ("audience_insights", [f"s{i}.example" for i in range(6)], {}, "at most 5 targets"),
    (
        "audience_insights",
        ["a.example", "b.example"],
        {"selected_targets": ["c.example"]},
        "must be some of targets (a.example, b.example)",
    ),
    (
        "audience_insights",
        ["a.example", "b.example"],
        {"selected_targets": ["a.example", "b.example"], "segment": "excludes"},
        "leave at least one",
    ),
    ("purchase_conversion", "a.example", {"device": "mobile"}, "allowed: desktop"),
    ("sources", "a.example", {"device": "tablet"}, "allowed: desktop, mobile"),
    ("age_and_sex_distribution", "a.example", {"date": dt.date(2020, 3, 1)}, "from 2020-04"),
    ("sources", "a.example", {"date": dt.date(2016, 12, 1)}, "from 2017-01"),
    ("sources", "a.example", {"date": "2026-13-01"}, "not a date"),
    ("sources", "a.example", {"country": "uk"}, "the United Kingdom is 'gb'"),
    ("geo", "a.example", {"country": "us"}, "geo takes no country"),
    ("geo", "a.example", {"geo_type": "planet"}, "allowed: country, subcontinent, continent"),
    ("sources", "a.example", {"traffic_channel": "tv"}, "allowed: direct, referral"),
    ("sources", "a.example", {"sort": "visits_desc"}, "allowed: traffic_asc"),
    ("sources", "a.example", {"offset": 10_001}, "offset is at most 10,000"),
    ("sources", "a.example", {"limit": 0}, "limit"),
    ("rank", None, {"page_size": 201}, "page_size"),
    ("categories", "cats", {}, "allowed: accounting_and_auditing"),
    ("toppages", "a.example/blog/", {}, "needs target_type='subfolder'"),
    ("summary_by_day", "a.example", {"include_forecasted": True}, "current month"),
    ("accuracy", "a.example", {"columns": ["nope"]}, "allowed: target, display_date"),
    ("accuracy", "a.example", {"segment": "shares"}, "accuracy takes no segment"),
]


@pytest.mark.parametrize(("report", "target", "options", "says"), BAD)
async def test_bad_input_is_refused_before_anything_is_sent(
    sandbox: SemrushSandbox, report: str, target: Any, options: dict[str, Any], says: str
) -> None:
    async with sandbox.client() as c:
        method = getattr(c.trends, report)

        async def attempt() -> None:
            result = method(**options) if target is None else method(target, **options)
            if not hasattr(result, "__aiter__"):
                await result

        with pytest.raises(ValidationError) as info:
            await attempt()
    assert says in str(info.value) + " ".join(str(d.message) for d in info.value.details)
    assert sandbox.counters("account").accepted == 0
    assert sandbox.counters("trends").accepted == 0
    assert sandbox.trends_spent() == 0
    assert c.trends.units.spent == c.trends.units.reserved == 0


async def test_every_problem_in_one_error(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        with pytest.raises(ValidationError) as info:
            c.trends.sources("a.example", device="tablet", country="uk", sort="x", offset=-1)
    fields = sorted(d.field or "" for d in info.value.details)
    assert fields == ["country", "device_type", "offset", "sort"]


async def test_trends_budget_holds_under_20_concurrent_calls(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(trends_budget=7) as c:
        results = await asyncio.gather(
            *(c.trends.accuracy(f"s{i}.example") for i in range(20)), return_exceptions=True
        )
        summary = await asyncio.gather(
            c.trends.summary(["x.example", "y.example"]), return_exceptions=True
        )
    assert sum(isinstance(x, list) for x in results) == 7
    assert sum(isinstance(x, BudgetExceeded) for x in results) == 13
    assert isinstance(summary[0], BudgetExceeded)  # 2 lines could cost 2: none left
    assert c.trends.units.spent == sandbox.trends_spent() == 7
    assert c.trends.units.remaining == 0
    assert sandbox.counters("trends").accepted == 7


async def test_the_two_budgets_are_kept_apart(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(unit_budget=0, trends_budget=100) as c:
        rows = await c.trends.accuracy("a.example")
        with pytest.raises(BudgetExceeded):
            await c.backlinks.overview("small.example")
    assert rows
    assert (c.units.spent, c.trends.units.spent) == (0, 1)
    assert (sandbox.units_spent(), sandbox.trends_spent()) == (0, 1)


@pytest.mark.sandbox(limits={"account": Limit(10, 0.25, concurrency=10)})
async def test_60_concurrent_calls_share_the_account_limit_with_no_429(
    sandbox: SemrushSandbox,
) -> None:
    async with sandbox.client() as c:
        results = await asyncio.gather(
            *(c.trends.accuracy(f"s{i}.example") for i in range(50)),
            *(c.backlinks.overview(f"b{i}.example") for i in range(10)),
        )
    assert len(results) == 60
    assert sandbox.counters("account").rejected == 0
    assert sandbox.counters("trends").rejected == 0
    assert sandbox.counters("account").accepted == 60
    assert sandbox.counters("account").max_in_flight <= 10


async def test_faults_lose_and_repeat_nothing(sandbox: SemrushSandbox) -> None:
    sandbox.inject("trends", "502")
    sandbox.inject("trends", "429", seconds=0.05)
    sandbox.inject("trends", "drop", times=2)
    sandbox.inject("trends", "550")
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        rows = await c.trends.sources("big.example")
        summary = await c.trends.summary(["a.example", "b.example"])
    want = oracle(sandbox, "sources", "big.example")
    assert [row.from_target for row in rows] == [w["from_target"] for w in want]
    assert [s.target for s in summary] == ["a.example", "b.example"]
    assert sandbox.counters("trends").faults == 5
    # Dropped bodies had started (the sandbox charged them): the meter says so too.
    assert c.trends.units.spent == sandbox.trends_spent()
    assert c.trends.units.reserved == 0


async def test_quota_exhausted_is_an_error_that_costs_nothing(sandbox: SemrushSandbox) -> None:
    sandbox.set_trends_quota(1)
    async with sandbox.client() as c:
        await c.trends.accuracy("a.example")
        with pytest.raises(UnitsExhausted) as info:
            await c.trends.accuracy("b.example")
    assert info.value.code == 132
    assert "Trends quota" in str(info.value)
    assert c.trends.units.spent == sandbox.trends_spent() == 1


async def test_harvest_resumes_without_repaying(sandbox: SemrushSandbox, tmp_path: Path) -> None:
    ckpt = str(tmp_path / "t.sqlite")
    targets = ["big.example", "a.example", "b.example"]
    got: dict[str, list[str]] = {t: [] for t in targets}
    async with sandbox.client() as c, c.trends.harvest("toppages", targets, checkpoint=ckpt) as h:
        async for item in h:
            got[item.target] += [row.page for row in item.rows]
            if h.pages == 2:
                break
    async with sandbox.client() as c:
        h2 = c.trends.harvest("toppages", targets, checkpoint=ckpt)
        async for item in h2:
            got[item.target] += [row.page for row in item.rows]
    for t in targets:
        assert got[t] == [w["page"] for w in oracle(sandbox, "toppages", t)], t
    assert sorted(h2.completed) == sorted(targets)
    # big.example: 3 pages; the others: 1 each. Nothing paid twice.
    assert sandbox.trends_spent() == 5  # nothing paid twice


async def test_harvest_of_summaries_and_its_budget(sandbox: SemrushSandbox) -> None:
    batches = [",".join(f"d{b}-{i}.example" for i in range(3)) for b in range(4)]
    async with sandbox.client(trends_budget=7) as c:
        h = c.trends.harvest("summary", batches, workers=1)
        lines = sum([len(item.rows) async for item in h])
    assert lines == 6
    assert h.budget_exceeded is not None
    assert h.pending
    assert sandbox.trends_spent() == c.trends.units.spent == 6
    with pytest.raises(ValidationError):
        c.trends.harvest("summary", ["a.example,http://b"])


async def test_the_key_never_shows(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = sandbox.api_key
    sandbox.inject("trends.limits", "echo", status=500, times=10)
    sandbox.inject("trends", "echo", status=500, times=10)
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        with pytest.raises(ServerError) as limits_error:
            await c.trends.limits()
        with pytest.raises(ServerError) as report_error:
            await c.trends.accuracy("a.example")
        texts = [repr(c.trends), repr(c), repr(c.trends.units), str(c.trends.limits)]
    async with sandbox.client(api_key="wrong-key-123456") as bad:
        with pytest.raises(AuthenticationError) as auth_error:
            await bad.trends.limits()
    for err in (limits_error.value, report_error.value):
        assert_clean(err, [key], caplog.text + "".join(texts))
    assert_clean(auth_error.value, ["wrong-key-123456"], caplog.text)
    assert "/limits/key/***" in caplog.text


async def test_the_report_by_name_reaches_trends(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        rows = await c.analytics.report("trends_accuracy", target="a.example", device_type="mobile")
        by_name = await c.trends.report("accuracy", target="a.example", device="mobile")
    want = oracle(sandbox, "accuracy", "a.example", device="mobile")
    check_rows(list(rows), want, ORACLE["accuracy"].header)
    assert list(by_name) == list(rows)
    assert c.trends.units.spent == 2
    assert c.units.spent == 0


def test_the_table_and_the_methods_agree() -> None:
    from semrush_async.apis.trends.resource import TrendsResource

    assert len(SPECS) == 21
    assert {s.method for s in SPECS} == set(ORACLE)
    for spec in SPECS:
        assert isinstance(getattr(TrendsResource, spec.method).spec, type(spec))
        assert spec.row is r.ROW_TYPES[spec.method]
        assert set(ORACLE[spec.method].columns) == set(spec.columns), spec.method
        assert spec.paged == (ORACLE[spec.method].limit is not None), spec.method


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.method)
def test_the_client_and_the_oracle_state_the_same_rules(spec: Any) -> None:
    # Two independent statements of coverage §3.2 (the oracle imports nothing of the
    # client): where they differ, one of them misread the docs.
    o = ORACLE[spec.method]
    assert spec.target == o.target
    assert (spec.units, spec.per_line, not spec.empty_charged) == (
        o.price,
        o.per_line,
        o.free_when_empty,
    )
    assert spec.max_page == (o.limit[1] if o.limit else 1_000_000)
    assert spec.max_offset == o.max_offset
    assert spec.max_targets == o.max_targets
    assert spec.target_types == o.target_types
    assert spec.months is not None
    assert (spec.months.first, spec.months.current) == (o.min_date, o.current_month)
    assert spec.options.get("device_type", ()) == o.devices
    assert ("country" in spec.options) == ("country" in o.params)
    assert {f"{x}_{d}" for x in o.sorts for d in ("asc", "desc")} == set(spec.sorts)
    wire = {"selected_targets", "search_string", "include_forecasted_items"}
    for name, allowed in o.options.items():
        assert spec.options[name] == allowed, name
    assert set(spec.options) - {"device_type", "country", "target_type"} == (
        set(o.options) | (wire & o.params)
    )
