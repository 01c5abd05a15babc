"""Backlinks API v4 and Keyword API v4 over real HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest

from semrush_async import errors
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._backlinks_v4 import metrics_of, v4_rows
from semrush_async.v4.backlinks import BACKLINKS_V4, Scope, V4Link, V4Overview, converter

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
    assert c.units.estimated == c.units.by_report.get(
        "v4.backlinks.comparison", 0
    ) + c.units.by_report.get("v4.backlinks.matrix", 0)


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
