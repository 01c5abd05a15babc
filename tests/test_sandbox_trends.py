"""The Trends API v3 sandbox over real HTTP with plain aiohttp: every report, the
documented refusals, the separate quota, paging maxima, both delimiters, the shared
account limit and fault injection."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from yarl import URL

from semrush_async import Limit
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._trends_data import REPORTS
from semrush_async.testing._trends_rows import Ctx, trends_rows

pytestmark = pytest.mark.sandbox(limits={"account": Limit(1000, 1.0, concurrency=100)})

TODAY = dt.date(2026, 12, 6)
PREVIOUS = dt.date(2026, 11, 1)
#: The minimal valid request of every report.
MINIMAL: dict[str, dict[str, str]] = {
    name: {"target": "a.example"} for name in REPORTS if REPORTS[name].target == "target"
}
MINIMAL.update(
    summary={"targets": "a.example,b.example"},
    rank={},
    categories={"category": "human_resources", "display_limit": "10"},
    audience_insights={"targets": "a.example,b.example", "selected_targets": "a.example"},
    purchase_conversion={"target": "a.example", "device_type": "desktop"},
)


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture(autouse=True)
def _fixed_today(sandbox: SemrushSandbox) -> None:
    sandbox.state.extensions["trends"].today = TODAY


async def get(
    http: aiohttp.ClientSession, sb: SemrushSandbox, report: str, key: str | None = None, **p: Any
) -> tuple[int, str]:
    q = {"key": key or sb.api_key, **{k: str(v) for k, v in p.items()}}
    async with http.get(sb.url + "/analytics/ta/api/v3/" + report, params=q) as r:
        return r.status, await r.text()


def parse(text: str, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def ctx(report: str, target: str, date: dt.date = PREVIOUS, **options: str) -> Ctx:
    return Ctx(report, target, date, "all", "GLOBAL", tuple(sorted(options.items())), TODAY)


async def test_every_report_answers_with_its_header_and_price(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    spent = 0
    for name, params in MINIMAL.items():
        status, text = await get(http, sandbox, name, **params)
        assert status == 200, (name, text)
        rows = parse(text)
        assert tuple(rows[0]) == REPORTS[name].header, name
        assert len(rows) > 1, name
        spent += len(rows) - 1 if name == "summary" else REPORTS[name].price
    assert len(MINIMAL) == 21
    # 2 summary lines + 500 for categories + 1 for each of the other 19.
    assert spent == 521
    assert sandbox.trends_spent() == 521
    assert sandbox.units_spent() == 0  # never Standard units
    assert sandbox.counters("trends").accepted == 21
    assert sandbox.counters("account").accepted == 21


async def test_rows_are_the_oracle_rows_in_the_requested_columns(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    status, text = await get(
        http, sandbox, "sources", target="medium.example", export_columns="traffic,channel,target"
    )
    assert status == 200
    rows = parse(text)
    assert rows[0] == ["traffic", "channel", "target"]
    want = trends_rows(sandbox.state.seed, ctx("sources", "medium.example"))
    assert rows[1:] == [[r["traffic"], r["channel"], r["target"]] for r in want]
    # Summary: one line per target with data, each a function of its own target.
    _, text = await get(http, sandbox, "summary", targets="a.example,empty.example,b.example")
    lines = parse(text)[1:]
    assert [r[0] for r in lines] == ["a.example", "b.example"]
    _, alone = await get(http, sandbox, "summary", targets="b.example")
    assert parse(alone)[1] == lines[1]
    assert sandbox.trends_spent() == 1 + 2 + 1  # per line, only targets with data


@pytest.mark.parametrize("delimiter", [";", ","])
async def test_both_delimiters_quote_what_they_must(
    delimiter: str, http: aiohttp.ClientSession
) -> None:
    async with SemrushSandbox(trends_delimiter=delimiter) as sb:
        sb.state.extensions["trends"].today = TODAY
        status, text = await get(http, sb, "toppages", target="tricky.example")
        assert status == 200
        rows = parse(text, delimiter)
        header, body = rows[0], rows[1:]
        assert header[:2] == ["target", "page"]
        want = trends_rows(sb.state.seed, ctx("toppages", "tricky.example"))
        assert [r[1] for r in body] == [w["page"] for w in want]
        pages = "".join(r[1] for r in body)
        assert all(c in pages for c in (";", ",", '"', "日本語"))
        # The first line is the header, so a client can sniff the delimiter from it.
        first = text.split("\r\n", 1)[0]
        assert first == delimiter.join(REPORTS["toppages"].header)
        # categories hold several ``;``-separated values in one cell.
        _, text = await get(http, sb, "sources", target="tricky.example", display_limit=3)
        cells = [r[-1] for r in parse(text, delimiter)[1:]]
        assert all(";" in c for c in cells)
        assert (f'"{cells[0]}"' in text) == (delimiter == ";")


async def test_delimiter_switches_at_run_time(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.state.extensions["trends"].delimiter = ","
    _, text = await get(http, sandbox, "rank", display_limit=2)
    assert text.startswith("rank,domain,")
    with pytest.raises(ValueError, match="delimiter"):
        SemrushSandbox(trends_delimiter="\t")


async def test_empty_answers_are_free_only_for_the_three_summaries(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    for name in ("summary_by_day", "summary_by_week"):
        assert await get(http, sandbox, name, target="empty.example") == (
            200,
            "ERROR 50 :: NOTHING FOUND",
        )
    assert (await get(http, sandbox, "summary", targets="empty.example,empty2.example"))[1] == (
        "ERROR 50 :: NOTHING FOUND"
    )
    assert sandbox.trends_spent() == 0
    assert (await get(http, sandbox, "sources", target="empty.example"))[1].startswith("ERROR 50")
    assert (await get(http, sandbox, "income_distribution", target="empty.example"))[0] == 200
    assert sandbox.trends_spent() == 2


async def test_paging_maxima_and_completeness(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    ok: list[tuple[str, dict[str, Any]]] = [
        ("rank", {"display_limit": 200, "display_offset": 123_456}),
        ("sources", {"target": "big.example", "display_offset": 10_000, "display_limit": 5000}),
        ("destinations", {"target": "big.example", "display_offset": 11_999}),
        ("categories", {"category": "retail", "display_offset": 10_000, "display_limit": 1}),
    ]
    for name, params in ok:
        status, text = await get(http, sandbox, name, **params)
        assert status == 200, (name, text)
    refused: list[tuple[str, dict[str, Any], str]] = [
        ("rank", {"display_limit": 201}, "ERROR 10012"),
        ("sources", {"target": "big.example", "display_limit": 5001}, "ERROR 10012"),
        ("sources", {"target": "big.example", "display_offset": 10_001}, "ERROR 10012"),
        ("categories", {"category": "retail", "display_offset": 10_001}, "ERROR 10012"),
        ("toppages", {"target": "big.example", "display_limit": 0}, "ERROR 10011"),
        ("geo", {"target": "big.example", "display_offset": -1}, "ERROR 10011"),
        ("summary", {"targets": "a.example", "display_limit": 5}, "ERROR 10000"),
    ]
    for name, params, code in refused:
        status, text = await get(http, sandbox, name, **params)
        assert (status, text.split(" ::")[0]) == (400, code), (name, params, text)
    # 12,000 sources rows in three pages of the maximum, in the oracle's order.
    got: list[str] = []
    for offset in (0, 5000, 10_000):
        _, text = await get(
            http,
            sandbox,
            "sources",
            target="big.example",
            display_limit=5000,
            display_offset=offset,
            export_columns="from_target,traffic",
        )
        got += [",".join(r) for r in parse(text)[1:]]
    want = trends_rows(sandbox.state.seed, ctx("sources", "big.example"))
    assert got == [f"{r['from_target']},{r['traffic']}" for r in want]
    assert len(got) == 12_000


REFUSALS: list[tuple[str, dict[str, str], str]] = [
    ("sources", {"target": "a.example", "target_type": "domain"}, "ERROR 10000"),
    ("sources", {}, "ERROR 10013"),
    ("summary", {"targets": ",".join(f"t{i}.example" for i in range(201))}, "ERROR 10030"),
    ("summary", {"targets": "a.example,A.example"}, "ERROR 402 :: Duplicate domains"),
    (
        "audience_insights",
        {"targets": ",".join(f"t{i}.example" for i in range(6)), "selected_targets": "t0.example"},
        "ERROR 10030",
    ),
    (
        "audience_insights",
        {"targets": "a.example,b.example", "selected_targets": "c.example"},
        "ERROR 10041",
    ),
    (
        "audience_insights",
        {
            "targets": "a.example,b.example",
            "selected_targets": "a.example,b.example",
            "segment": "excludes",
        },
        "ERROR 10040",
    ),
    ("audience_insights", {"targets": "a.example"}, "ERROR 10013"),
    (
        "audience_insights",
        {"targets": "a.example", "selected_targets": "a.example", "segment": "both"},
        "ERROR 10000",
    ),
    ("sources", {"target": "https://a.example/"}, "ERROR 10042"),
    ("sources", {"target": "a.example", "display_date": "2024-06-15"}, "ERROR 10043"),
    ("sources", {"target": "a.example", "display_date": "2024-6-1"}, "ERROR 10000"),
    ("sources", {"target": "a.example", "display_date": "2016-12-01"}, "ERROR 10011"),
    ("sources", {"target": "a.example", "display_date": "2026-12-01"}, "ERROR 10012"),
    (
        "age_and_sex_distribution",
        {"target": "a.example", "display_date": "2020-03-01"},
        "ERROR 10011",
    ),
    ("purchase_conversion", {"target": "a.example", "device_type": "mobile"}, "ERROR 10000"),
    ("purchase_conversion", {"target": "a.example"}, "ERROR 10013"),
    ("subfolders", {"target": "a.example", "device_type": "mobile"}, "ERROR 10000"),
    ("sources", {"target": "a.example", "country": "uk"}, "ERROR 10000"),
    ("categories", {"category": "Human Resources"}, "ERROR 10000"),
    ("categories", {"category": "retail", "device_type": "desktop"}, "ERROR 10000"),
    ("geo", {"target": "a.example", "country": "us"}, "ERROR 10000"),
    ("geo", {"target": "a.example", "geo_type": "city"}, "ERROR 10000"),
    ("sources", {"target": "a.example", "export_columns": "traffic,page"}, "ERROR 10000"),
    ("sources", {"target": "a.example", "export_columns": "traffic,traffic"}, "ERROR 10014"),
    ("sources", {"target": "a.example", "sort_order": "users_desc"}, "ERROR 10000"),
    ("sources", {"target": "a.example", "traffic_channel": "email"}, "ERROR 10000"),
    (
        "summary_by_day",
        {"target": "a.example", "include_forecasted_items": "true"},
        "ERROR 10015",
    ),
    ("summary_by_week", {"target": "a.example", "target_type": "subfolder"}, "ERROR 10015"),
    ("toppages", {"target": "a.example/blog/", "target_type": "domain"}, "ERROR 10015"),
    ("geo", {"target": "a.example/blog/"}, "ERROR 10015"),  # a path needs subfolder
    ("rank", {"display_limit": "ten"}, "ERROR 10000"),
]


async def test_documented_refusals_cost_nothing(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    for name, params, code in REFUSALS:
        status, text = await get(http, sandbox, name, **params)
        assert status == 400, (name, params, text)
        assert text.startswith(code + (" ::" if "::" not in code else "")), (name, params, text)
    # A repeated parameter (10001) and an unknown report (404).
    url = URL(sandbox.url + "/analytics/ta/api/v3/sources").with_query(
        [("key", sandbox.api_key), ("target", "a.example"), ("target", "b.example")]
    )
    async with http.get(url) as r:
        assert (r.status, (await r.text()).split(" ::")[0]) == (400, "ERROR 10001")
    status, text = await get(http, sandbox, "age_sex_distribution", target="a.example")
    assert status == 404
    assert "age_and_sex_distribution" in text
    status, text = await get(http, sandbox, "sources", target="a.example", country="uk")
    assert "gb" in text  # the hint names the right code
    assert sandbox.trends_spent() == 0
    assert sandbox.units_spent() == 0


async def test_keys_are_checked_before_admission(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    cases = [
        ("", "ERROR 122 :: WRONG FORMAT OR EMPTY KEY"),
        ("nope", "ERROR 120 :: WRONG KEY - ID PAIR"),
        (sandbox.v4_api_key, "ERROR 120 :: WRONG KEY - ID PAIR"),  # keys are per version
    ]
    for key, body in cases:
        q = {"key": key, "target": "a.example"}
        async with http.get(sandbox.url + "/analytics/ta/api/v3/sources", params=q) as r:
            assert (r.status, await r.text()) == (403, body)
        async with http.get(sandbox.url + "/analytics/ta/limits/key/" + key) as r:
            assert (r.status, await r.text()) == (403, body)
    assert sandbox.counters("trends").accepted == 0
    assert sandbox.counters("account").accepted == 0


async def test_quota_is_separate_and_readable(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.set_trends_quota(505)
    assert (await get(http, sandbox, "categories", category="retail", display_limit=1))[0] == 200
    for _ in range(3):
        assert (await get(http, sandbox, "sources", target="a.example", display_limit=1))[0] == 200
    assert sandbox.trends_remaining() == 2
    assert await get(http, sandbox, "categories", category="retail") == (
        403,
        "ERROR 132 :: API UNITS BALANCE IS ZERO",
    )
    # Per line: the lines the quota pays for, no error.
    status, text = await get(http, sandbox, "summary", targets="a.example,b.example,c.example")
    assert status == 200
    assert len(parse(text)) == 3
    assert sandbox.trends_remaining() == 0
    assert (await get(http, sandbox, "summary", targets="a.example"))[1].startswith("ERROR 132")
    assert (await get(http, sandbox, "sources", target="a.example"))[1].startswith("ERROR 132")
    async with http.get(sandbox.url + "/analytics/ta/limits/key/" + sandbox.api_key) as r:
        assert r.status == 200
        assert r.content_type == "application/json"
        doc = await r.json()
    assert doc["monthly_limit"] == 505
    assert doc["monthly_used"] == 505
    assert doc["monthly_remaining"] == 0
    assert doc["daily_used"] == doc["hourly_used"] == 0  # legacy, never decremented
    assert "plan" in doc  # a field clients do not know
    assert sandbox.trends_spent() == 505
    assert sandbox.units_spent() == 0
    assert sandbox.balance() == 1_000_000_000
    assert sandbox.counters("trends.limits").accepted == 1
    sandbox.reset()
    assert sandbox.trends_spent() == 0
    assert sandbox.trends_remaining() == 505


@pytest.mark.sandbox(
    limits={"account": Limit(1000, 1.0, concurrency=10)}, latency={"trends": 0.3, "account": 0.3}
)
async def test_shares_the_account_limit_with_analytics(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    async def analytics() -> int:
        q = {
            "key": sandbox.api_key,
            "type": "backlinks",
            "target": "a.example",
            "target_type": "root_domain",
            "export_columns": "source_url",
            "display_limit": "1",
        }
        async with http.get(sandbox.url + "/analytics/v1/", params=q) as r:
            await r.read()
            return r.status

    async def trends() -> int:
        return (await get(http, sandbox, "accuracy", target="a.example"))[0]

    statuses = await asyncio.gather(*(trends() for _ in range(6)), *(analytics() for _ in range(5)))
    assert sorted(statuses) == [200] * 10 + [429]
    assert sandbox.counters("account").rejected == 1
    assert sandbox.counters("account").max_in_flight == 10


@pytest.mark.sandbox(limits={"account": Limit(10, 0.5, concurrency=10)})
async def test_rate_window_rejects_the_eleventh(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    results = await asyncio.gather(
        *(get(http, sandbox, "rank", display_limit=1) for _ in range(11))
    )
    assert sorted(s for s, _ in results) == [200] * 10 + [429]
    assert [t for s, t in results if s == 429] == ["ERROR 429 :: TOO MANY REQUESTS"]
    assert sandbox.trends_spent() == 10  # a refused start costs nothing


async def test_faults_are_injected_under_trends(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.inject("trends", "502")
    assert (await get(http, sandbox, "rank", display_limit=5))[0] == 502
    assert sandbox.trends_spent() == 0  # a 5xx before the answer costs nothing
    sandbox.inject("trends", "429", seconds=2)
    async with http.get(
        sandbox.url + "/analytics/ta/api/v3/rank", params={"key": sandbox.api_key}
    ) as r:
        assert (r.status, r.headers["Retry-After"]) == (429, "2")
    sandbox.inject("trends", "drop")
    with pytest.raises(aiohttp.ClientPayloadError):
        await get(http, sandbox, "sources", target="big.example")
    assert sandbox.trends_spent() == 1  # the dropped body was charged
    sandbox.inject("trends.limits", "550")
    async with http.get(sandbox.url + "/analytics/ta/limits/key/" + sandbox.api_key) as r:
        assert r.status == 550
    assert sandbox.counters("trends").faults == 3
    assert sandbox.counters("trends.limits").faults == 1
    assert (await get(http, sandbox, "rank", display_limit=5))[0] == 200


async def test_dates_weeks_and_forecasts(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    _, text = await get(http, sandbox, "summary_by_week", target="a.example")
    mondays = [r[0] for r in parse(text)[1:]]
    assert mondays == [
        "2026-11-30",
        "2026-11-23",
        "2026-11-16",
        "2026-11-09",
        "2026-11-02",
        "2026-10-26",
    ]
    _, text = await get(http, sandbox, "summary_by_day", target="a.example")
    assert len(parse(text)) == 1 + 30
    # The current month: the days so far, then 4 forecast weeks on request.
    _, text = await get(
        http,
        sandbox,
        "summary_by_day",
        target="a.example",
        display_date="2026-12-01",
        include_forecasted_items="true",
    )
    rows = parse(text)[1:]
    actual = [r for r in rows if r[-1] == "false"]
    assert [r[0] for r in actual] == [f"2026-12-0{d}" for d in (5, 4, 3, 2, 1)]
    assert sum(1 for r in rows if r[-1] == "true") == 28
    status, _ = await get(
        http,
        sandbox,
        "purchase_conversion",
        target="a.example",
        device_type="desktop",
        display_date="2026-12-01",
    )
    assert status == 200


async def test_filters_sorts_and_options(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    _, text = await get(
        http,
        sandbox,
        "sources",
        target="medium.example",
        sort_order="traffic_asc",
        traffic_channel="search",
        export_columns="traffic,channel",
    )
    rows = parse(text)[1:]
    assert rows
    assert {r[1] for r in rows} == {"search"}
    assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows)
    _, text = await get(http, sandbox, "geo", target="a.example", geo_type="continent")
    geos = [r[3] for r in parse(text)[1:]]
    assert sorted(geos) == ["002", "009", "019", "142", "150", "202", "419"]
    status, _ = await get(
        http, sandbox, "toppages", target="a.example/blog/", target_type="subfolder"
    )
    assert status == 200
    _, text = await get(http, sandbox, "subfolders", target="tricky.example", search_string="café")
    assert all("café" in r[1].lower() for r in parse(text)[1:])
    _, text = await get(
        http, sandbox, "sources", target="a.example", country="us", device_type="mobile"
    )
    assert {(r[3], r[4]) for r in parse(text)[1:]} == {("US", "mobile")}
