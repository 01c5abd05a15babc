"""Backlinks API v4 and Keyword API v4 over real HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import typing
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semrush_async import Filter, SemrushClient, errors
from semrush_async.apis.backlinks.v4 import BACKLINKS_V4, Scope, V4Link, V4Overview, converter
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._backlinks_v4 import metrics_of, v4_rows

pytestmark = pytest.mark.sandbox()

T = "small.example"  # 25 backlinks


def _expected(path: str, targets: list[str], sandbox: SemrushSandbox) -> list[object]:
    spec = next(s for s in BACKLINKS_V4.values() if s.path == path)
    return [converter.structure(r, spec.model) for r in v4_rows(path, sandbox.state.seed, targets)]


async def test_overview_matches_v3_numbers(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        v4 = await c.backlinks_v4.overview(T, "ROOT_DOMAIN")
        v3 = await c.backlinks.overview(T)
    assert isinstance(v4, V4Overview)
    assert v3 is not None
    assert v4.score == v3.ascore
    assert v4.backlinks_count == v3.total
    assert v4.domains_count == v3.domains_num
    assert v4.follows_count == v3.follows_num
    assert c.units.by_report["v4.backlinks.overview"] == 45


@pytest.mark.parametrize("method", ["links", "ref_domains", "ref_ips", "pages", "anchors"])
async def test_list_endpoints_page_completely(sandbox: SemrushSandbox, method: str) -> None:
    spec = BACKLINKS_V4[method]
    expected = _expected(spec.path, ["medium.example"], sandbox)
    async with sandbox.client() as c:
        pager = getattr(c.backlinks_v4, method)("medium.example", Scope.ROOT_DOMAIN, page_size=250)
        rows = await pager
    assert rows == expected
    assert pager.pages == -(-len(expected) // 250)
    price = {"links": 45, "ref_domains": 40, "ref_ips": 20, "pages": 40, "anchors": 40}[method]
    assert c.units.spent == price * len(expected) == sandbox.units_spent()


async def test_limit_and_offset(sandbox: SemrushSandbox) -> None:
    expected = _expected("links", [T], sandbox)
    async with sandbox.client() as c:
        rows = await c.backlinks_v4.links(T, "ROOT_DOMAIN", limit=7, offset=3, page_size=5)
    assert rows == expected[3:10]
    assert c.units.spent == 45 * 7


async def test_links_are_the_v3_backlinks(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        v4 = await c.backlinks_v4.links(T, "ROOT_DOMAIN")
        v3 = await c.backlinks.backlinks(T)
    assert [r.source_url for r in v4] == [r.source_url for r in v3]
    assert [r.page_score for r in v4] == [r.page_ascore for r in v3]
    assert [r.first_seen_at for r in v4] == [r.first_seen for r in v3]
    assert [r.is_nofollow for r in v4] == [r.nofollow for r in v3]


async def test_fields_sort_and_filter(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        rows = await c.backlinks_v4.ref_domains(
            "medium.example",
            "ROOT_DOMAIN",
            fields=["domain", "domain_score"],
            order_by="domain_score",
            direction="ASC",
            filter="domain_score >= 50",
        )
    assert rows
    scores = [r.domain_score or 0 for r in rows]
    assert all(r.backlinks_count is None for r in rows)
    assert min(scores) >= 50
    assert scores == sorted(scores)


async def test_score_profile_summary_competitors(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        profile = await c.backlinks_v4.score_profile(T, "ROOT_DOMAIN")
        summary = await c.backlinks_v4.summary(T, "ROOT_DOMAIN", limit=6)
        rivals = await c.backlinks_v4.competitors(T)
        v3_hist = await c.backlinks.historical(T)
    assert [b.domain_score for b in profile] == list(range(101))
    assert len(summary) == 6
    assert [s.backlinks_count for s in summary] == [h.backlinks_num for h in v3_hist[:6]]
    assert all(0 <= (r.similarity or 0) <= 1 for r in rivals)


async def test_comparison_and_matrix(sandbox: SemrushSandbox) -> None:
    targets = ["a.example", "b.example", "c.example"]
    async with sandbox.client() as c:
        comp = await c.backlinks_v4.comparison(targets, "ROOT_DOMAIN")
        matrix = await c.backlinks_v4.matrix(targets, "ROOT_DOMAIN")
    assert {r.url for r in comp} == set(targets)
    assert matrix == _expected("matrix", targets, sandbox)
    assert all(len(r.backlinks_counts or ()) == 3 for r in matrix)
    # Unpublished prices are settled from the balance (the v3 key can read it).
    assert c.units.estimated == 0
    assert c.units.measured == c.units.spent == sandbox.units_spent()


async def test_unpublished_price_measured_with_concurrent_known_calls(
    sandbox: SemrushSandbox,
) -> None:
    async with sandbox.client() as c:
        await asyncio.gather(
            c.backlinks_v4.anchors("medium.example", "ROOT_DOMAIN", limit=300, page_size=100),
            *(c.backlinks_v4.overview(f"t{i}.example", "ROOT_DOMAIN") for i in range(8)),
        )
    assert c.units.by_report["v4.backlinks.overview"] == 8 * 45
    assert c.units.by_report["v4.backlinks.anchors"] == 300 * 40  # the sandbox's price
    assert c.units.spent == sandbox.units_spent()


async def test_unpublished_price_is_an_estimate_without_a_v3_key(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEMRUSH_API_KEY", raising=False)
    async with sandbox.client(api_key="") as c:
        rows = await c.backlinks_v4.anchors(T, "ROOT_DOMAIN")
    assert c.units.estimated == c.units.spent == 40 * len(rows)
    assert c.units.measured == 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.backlinks_v4.links("", "ROOT_DOMAIN"), "url"),
        (lambda c: c.backlinks_v4.links(T, "EVERYTHING"), "scope"),
        (lambda c: c.backlinks_v4.summary(T, "SUBFOLDER"), "scope"),
        (lambda c: c.backlinks_v4.links(T, "ROOT_DOMAIN", fields=["nope"]), "fields"),
        (lambda c: c.backlinks_v4.links(T, "ROOT_DOMAIN", order_by="nope"), "order_by"),
        (lambda c: c.backlinks_v4.links(T, "ROOT_DOMAIN", direction="UP"), "direction"),
        (lambda c: c.backlinks_v4.links(T, "ROOT_DOMAIN", page_size=5000), "page_size"),
        (lambda c: c.backlinks_v4.competitors(T, filter="x > 1"), "filter"),
        (lambda c: c.backlinks_v4.matrix([f"t{i}.example" for i in range(7)], "PAGE"), "urls"),
        (lambda c: c.backlinks_v4.matrix(["a.example"], "PAGE", fields=["domain"]), "fields"),
        (lambda c: c.backlinks_v4.summary(T, "PAGE", date_from="2024-13"), "date_from"),
    ],
)
async def test_validation_sends_nothing(sandbox: SemrushSandbox, call: object, field: str) -> None:
    async with sandbox.client() as c:
        with pytest.raises(errors.ValidationError) as e:
            await call(c)  # type: ignore[operator]
    assert field in {d.field for d in e.value.details}
    assert sandbox.counters("account").accepted == 0
    assert c.units.spent == 0


async def test_v3_target_types_are_accepted_as_scopes(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        a = await c.backlinks_v4.overview(T, "root_domain")
        b = await c.backlinks_v4.overview(T, Scope.ROOT_DOMAIN)
    assert a == b


async def test_zero_balance_is_units_exhausted(sandbox: SemrushSandbox) -> None:
    sandbox.set_balance(0)
    async with sandbox.client() as c:
        with pytest.raises(errors.UnitsExhausted):
            await c.backlinks_v4.overview(T, "ROOT_DOMAIN")
        with pytest.raises(errors.UnitsExhausted):
            await c.keywords_v4.metrics("seo", "US")


async def test_key_only_in_header_and_not_logged(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "semrush_async")
    async with sandbox.client() as c:
        await c.backlinks_v4.overview(T, "ROOT_DOMAIN")
        await c.keywords_v4.metrics("seo tools", "US")
    assert sandbox.state.v4_key_in_url == 0
    assert sandbox.v4_api_key not in caplog.text


async def test_a_v3_key_alone_cannot_call_v4(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEMRUSH_V4_API_KEY", raising=False)
    async with sandbox.client(v4_api_key="") as c:
        with pytest.raises(errors.AuthenticationError, match="v4"):
            await c.backlinks_v4.overview(T, "ROOT_DOMAIN")
    assert sandbox.counters("account").accepted == 0


async def test_retryable_5xx_and_429_lose_nothing(sandbox: SemrushSandbox) -> None:
    sandbox.inject("backlinks_v4.links", "550", times=2)
    sandbox.inject("backlinks_v4.links", "429", seconds=0.05)
    async with sandbox.client() as c:
        rows = await c.backlinks_v4.links(T, "ROOT_DOMAIN", page_size=10)
    assert rows == _expected("links", [T], sandbox)


async def test_shares_the_account_limit_with_v3(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        await asyncio.gather(
            *(c.backlinks_v4.overview(f"t{i}.example", "ROOT_DOMAIN") for i in range(25)),
            *(c.keywords_v4.metrics(f"kw {i}", "US") for i in range(15)),
            *(c.backlinks.overview(f"t{i}.example") for i in range(25)),
        )
    account = sandbox.counters("account")
    assert account.accepted == 65
    assert account.rejected == 0


async def test_keyword_metrics(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        m = await c.keywords_v4.metrics("seo tools", "uk", "2024-01")
    raw = metrics_of(sandbox.state.seed, "seo tools", "UK", "2024-01")
    assert m.keyword == "seo tools"
    assert m.country == "UK"
    assert m.month == "2024-01"
    assert m.search_volume == int(raw["search_volume"])
    assert m.number_of_results == int(raw["number_of_results"])
    assert m.trends == tuple(float(x) for x in raw["trends"])
    assert m.cpc_usd == int(raw["cpc"]) / 100
    assert c.units.spent == 20


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "US"), "keyword"),
        (("x" * 256, "US"), "keyword"),
        (("seo", "GB"), "country"),
        (("seo", "XX"), "country"),
        (("seo", "US", "2011-12"), "month"),
        (("seo", "US", "2024-1"), "month"),
        (("seo", "US", "2999-01"), "month"),
    ],
)
async def test_keyword_validation_sends_nothing(
    sandbox: SemrushSandbox, args: tuple[str, ...], field: str
) -> None:
    async with sandbox.client() as c:
        with pytest.raises(errors.ValidationError) as e:
            await c.keywords_v4.metrics(*args)
    assert field in {d.field for d in e.value.details}
    if args[1] == "GB":
        assert "UK" in str(e.value)
    assert sandbox.counters("account").accepted == 0


def test_decoding_tolerates_unknown_fields_and_date_only_values() -> None:
    row = converter.structure(
        {"source_url": "https://a.example/", "first_seen_at": "2026-01-02", "brand_new": 1},
        V4Link,
    )
    assert row.first_seen_at == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


# --- one switch: client.backlinks on v4 -------------------------------------------------

V3_ONLY = {"backlinks": ("source_size", "source_title", "target_title")}


def _strip(rows: list[Any], report: str) -> list[Any]:
    blank = dict.fromkeys(V3_ONLY.get(report, ()))
    return [attrs.evolve(r, **blank) for r in rows]


@pytest.mark.parametrize(
    ("method", "report"),
    [
        ("backlinks", "backlinks"),
        ("refdomains", "backlinks_refdomains"),
        ("refips", "backlinks_refips"),
        ("anchors", "backlinks_anchors"),
        ("pages", "backlinks_pages"),
    ],
)
async def test_same_call_same_rows_on_v3_and_v4(
    sandbox: SemrushSandbox, method: str, report: str
) -> None:
    async with sandbox.client() as v3, sandbox.client(backlinks_api="v4") as v4:
        a = await getattr(v3.backlinks, method)("medium.example", limit=300, offset=7)
        b = await getattr(v4.backlinks, method)("medium.example", limit=300, offset=7)
    assert len(a) == 300
    assert b == _strip(list(a), report)
    assert v4.units.by_report.keys() == {f"v4.backlinks.{BRIDGE_V4[report]}"}


BRIDGE_V4 = {
    "backlinks": "links",
    "backlinks_refdomains": "ref_domains",
    "backlinks_refips": "ref_ips",
    "backlinks_anchors": "anchors",
    "backlinks_pages": "pages",
}


async def test_single_row_reports_on_v4(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as v3, sandbox.client(backlinks_api="v4") as v4:
        assert await v3.backlinks.overview(T) == await v4.backlinks.overview(T)
        assert await v3.backlinks.ascore_profile(T) == await v4.backlinks.ascore_profile(T)
        targets = ["a.example", "b.example"]
        assert await v3.backlinks.comparison(targets) == await v4.backlinks.comparison(targets)
        assert await v3.backlinks.matrix(targets) == await v4.backlinks.matrix(targets)
        c3 = await v3.backlinks.competitors(T)
        c4 = await v4.backlinks.competitors(T)
    assert [(r.neighbour, r.similarity, r.common_refdomains) for r in c3] == [
        (r.neighbour, r.similarity, r.common_refdomains) for r in c4
    ]


async def test_historical_on_v4(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as v3, sandbox.client(backlinks_api="v4") as v4:
        a = await v3.backlinks.historical(T)
        b = await v4.backlinks.historical(T)
    assert [(r.backlinks_num, r.domains_num) for r in a] == [
        (r.backlinks_num, r.domains_num) for r in b
    ]
    assert all(r.date is not None and r.date.day == 1 for r in b)


@pytest.mark.filterwarnings("ignore::semrush_async.UnboundedCostWarning")
async def test_tld_and_geo_are_grouped_from_ref_domains(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(backlinks_api="v4") as c:
        tld = await c.backlinks.tld("medium.example")
        geo = await c.backlinks.geo("medium.example")
        domains = await c.backlinks_v4.ref_domains("medium.example", "ROOT_DOMAIN")
    assert sum(r.domains_num or 0 for r in tld) == len(domains)
    assert sum(r.backlinks_num or 0 for r in geo) == sum(d.backlinks_count or 0 for d in domains)
    assert {r.country for r in geo} == {d.country for d in domains}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.backlinks.categories(T),
        lambda c: c.backlinks.categories_profile(T),
        lambda c: c.backlinks.backlinks(T, columns=["source_size"]),
        lambda c: c.backlinks.backlinks(T, filters=[Filter.including("type", "follow")]),
    ],
)
async def test_not_available_in_v4_sends_nothing(sandbox: SemrushSandbox, call: object) -> None:
    async with sandbox.client(backlinks_api="v4") as c:
        with pytest.raises(errors.NotAvailableInV4):
            await call(c)  # type: ignore[operator]
    assert sandbox.counters("account").accepted == 0


def test_backlinks_api_is_validated() -> None:
    with pytest.raises(ValueError, match="'v3' or 'v4'"):
        SemrushClient(backlinks_api="v5")


_SCALARS = {
    int: st.integers(-(2**40), 2**40),
    str: st.text(max_size=8),
    bool: st.booleans(),
    float: st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(0, 100)),
}


def _value(t: object) -> st.SearchStrategy[object]:
    args = [a for a in typing.get_args(t) if a is not type(None)]
    inner = args[0]
    if inner in _SCALARS:
        base = _SCALARS[inner]
    elif inner is dt.datetime:
        base = st.datetimes(timezones=st.just(dt.UTC)).map(
            lambda d: d.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        )
    else:
        base = st.lists(st.integers(0, 50), max_size=4)
    # Sometimes a wrong JSON type, to exercise the fallback.
    return st.one_of(st.none(), base, st.sampled_from(["7", 3, True, [1]]))


def _docs(model: type[Any]) -> st.SearchStrategy[dict[str, object]]:
    hints = typing.get_type_hints(model)
    required: dict[str, st.SearchStrategy[object]] = {"unknown_field": st.just(1)}
    optional = {a.name: _value(hints[a.name]) for a in attrs.fields(model)}
    return st.fixed_dictionaries(required, optional=optional)


_ROWS = st.sampled_from(sorted(BACKLINKS_V4)).flatmap(
    lambda m: st.tuples(st.just(m), _docs(BACKLINKS_V4[m].model))
)


@settings(max_examples=200)
@given(case=_ROWS)
def test_fast_decoder_equals_the_converter(case: tuple[str, dict[str, object]]) -> None:
    method, doc = case
    spec = BACKLINKS_V4[method]
    try:
        want: object = converter.structure(doc, spec.model)
    except Exception:
        want = errors.APIError
    try:
        got: object = spec.decode(doc)
    except errors.APIError:
        got = errors.APIError
    assert got == want
