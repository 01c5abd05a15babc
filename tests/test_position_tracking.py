"""``client.position_tracking`` over real HTTP against the sandbox: every call's wire,
every report's typed values in both kinds (against the oracle's own rankings), paging,
prices and the budget, retries of writes, the Projects error codes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
import pytest_asyncio

from semrush_async import (
    AuthenticationError,
    BudgetExceeded,
    Conflict,
    LimitExceeded,
    NotFound,
    PositionRow,
    ServerError,
    TransportError,
    UnitsExhausted,
    ValidationError,
)
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._pt_data import Campaign, keyword_metrics, position

Sent = tuple[str, str, dict[str, str], dict[str, str], Any]


class Recorder:
    """An aiohttp session that records what goes on the wire: method, path, query,
    headers and JSON body of every request."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._start)
        trace.on_request_chunk_sent.append(self._chunk)
        self.session = aiohttp.ClientSession(trace_configs=[trace])

    async def _start(self, _: Any, __: Any, p: aiohttp.TraceRequestStartParams) -> None:
        url = urlsplit(str(p.url))
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        self.sent.append((p.method, url.path, query, dict(p.headers), None))

    async def _chunk(self, _: Any, __: Any, p: aiohttp.TraceRequestChunkSentParams) -> None:
        method, path, query, headers, _body = self.sent[-1]
        self.sent[-1] = (method, path, query, headers, json.loads(p.chunk))


@pytest_asyncio.fixture
async def recorder() -> AsyncIterator[Recorder]:
    r = Recorder()
    yield r
    await r.session.close()


def seeded(sb: SemrushSandbox) -> Campaign:
    campaigns = sb.state.extensions["position_tracking"].campaigns
    return next(iter(campaigns.values()))  # type: ignore[no-any-return]


def own_projects(sb: SemrushSandbox) -> list[int]:
    store = sb.state.extensions["projects"]
    return [p.project_id for p in store.projects.values() if p.kind == "OWN"]


async def attempt(make: Any) -> None:
    """Call ``make()`` and await what it returns, if anything (pagers build lazily)."""
    result = make()
    if asyncio.iscoroutine(result):
        await result


def requests(sb: SemrushSandbox) -> int:
    c = sb.counters("account")
    return c.accepted + c.rejected


# --- the wire ---------------------------------------------------------------------------------


async def test_every_call_on_the_wire(
    sandbox: SemrushSandbox, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    c0 = seeded(sandbox)
    pid = own_projects(sandbox)[1]
    domain = sandbox.state.extensions["projects"].projects[pid].domain
    async with sandbox.client(session=recorder.session) as c:
        pt = c.position_tracking
        cid = await pt.enable(pid, domain, "rootdomain", 2826, device="phone", timezone=2)
        await pt.campaigns(pid)
        await pt.notifications(cid, on=False)
        await pt.notifications(cid, on=True)
        await pt.add_keywords(cid, ["seo", ("name&co tools", ["name&co", "c++"])])
        await pt.add_tags(cid, [("brand", ["seo"])])
        await pt.remove_tags(cid, [("brand", ["seo"])])
        await pt.remove_keywords(cid, ["seo"])
        await pt.add_competitors(cid, ["Rival.example"])
        await pt.remove_competitors(cid, ["rival.example"])
        await pt.locations("London", country_code="GB", type="city", engine="google")
        await pt.overview(c0.id, "adwords", tags=[["name&co", "!c++"], ["seo"]])
    got = [(m, p, b) for m, p, _, _, b in recorder.sent if not p.endswith("countapiunits.html")]
    mg = f"/management/v1/projects/{cid}"
    assert got == [
        (
            "POST",
            f"/management/v1/projects/{pid}/tracking/enable",
            {
                "tracking_url_type": "rootdomain",
                "tracking_url": domain,
                "location_id": 2826,
                "device": "phone",
                "timezone": 2,
            },
        ),
        ("GET", f"/management/v1/projects/{pid}/tracking/campaigns", None),
        ("DELETE", mg + "/tracking/notifications", None),
        ("PUT", mg + "/tracking/notifications", None),
        (
            "PUT",
            mg + "/keywords",
            {
                "keywords": [
                    {"keyword": "seo", "tags": []},
                    {"keyword": "name&co tools", "tags": ["name&co", "c++"]},
                ]
            },
        ),
        ("PUT", mg + "/tags", [{"tag": "brand", "keywords": ["seo"]}]),
        ("DELETE", mg + "/tags", [{"tag": "brand", "keywords": ["seo"]}]),
        ("DELETE", mg + "/keywords", {"keywords": [{"keyword": "seo"}]}),
        ("PUT", mg + "/competitors", {"competitors": ["rival.example"]}),
        ("DELETE", mg + "/competitors", {"competitors": ["rival.example"]}),
        ("GET", "/position-tracking/management/v1/info/locations", None),
        ("GET", f"/reports/v1/projects/{c0.id}/tracking/", None),
    ]
    for _method, _path, query, headers, _ in recorder.sent:
        assert query["key"] == sandbox.api_key  # the v3 key, in the query only
        assert "Authorization" not in headers
    locations = recorder.sent[-2][2]
    assert {k: v for k, v in locations.items() if k != "key"} == {
        "name": "London",
        "country_code": "gb",
        "type": "city",
        "filter_engine": "google",
    }
    report = recorder.sent[-1][2]
    assert report["type"] == "tracking_overview_adwords"
    # The documented double encoding: one level here, one by the query itself.
    assert report["display_tags_condition"] == "name%26co&!c%2B%2B|seo"
    assert sandbox.api_key not in caplog.text
    assert sandbox.v4_api_key not in caplog.text
    assert "key=***" in caplog.text or "key=%2A%2A%2A" in caplog.text


# --- typed values -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["organic", "adwords"])
async def test_positions_values_match_the_oracle(sandbox: SemrushSandbox, kind: str) -> None:
    c0 = seeded(sandbox)
    mask = c0.mask
    rival = "*.rival1.example/*"
    begin, end = dt.date(2026, 11, 20), dt.date(2026, 12, 5)
    async with sandbox.client() as c:
        rows = await c.position_tracking.positions(
            c0.id, kind, url=[mask, rival], date_begin=begin, date_end=end, limit=40
        )
    assert len(rows) == 40
    assert [r.keyword for r in rows] == list(c0.keywords)[:40]
    unranked = 0
    for r in rows:
        assert isinstance(r, PositionRow)
        assert set(r.positions) == {begin, end}
        for d in (begin, end):
            for u in (mask, rival):
                p = position(sandbox.state.seed, c0.id, c0.host, r.keyword, u, d, kind)
                assert r.positions[d][u] == (p or None)
                unranked += not p
        cp, nq, gs, intents = keyword_metrics(sandbox.state.seed, r.keyword)
        assert (r.cpc, r.volume, r.volume_not_crawled) == (float(cp), int(nq), gs == "1")
        assert r.intents == tuple(intents)
        assert r.tags == tuple(c0.keywords[r.keyword].tags)
        assert r.added == c0.keywords[r.keyword].added
        assert r.begin == r.positions[begin]
        assert r.end == r.positions[end]
        assert (r.share_of_voice != {}) is (kind == "organic")
        assert set(r.traffic) == {begin, end}
        assert set(r.ranking_types) == {begin, end}
    assert unranked  # some "-" became None


@pytest.mark.parametrize("kind", ["organic", "adwords"])
async def test_every_report_is_typed(sandbox: SemrushSandbox, kind: str) -> None:
    c0 = seeded(sandbox)
    async with sandbox.client() as c:
        pt = c.position_tracking
        dates = await pt.campaign_dates(c0.id)
        overview = await pt.overview(c0.id, kind)
        competitors = await pt.competitors(c0.id, kind, main_domain=c0.host, limit=3)
        visibility = await pt.visibility(c0.id, kind, date_begin=dt.date(2026, 12, 1))
        landing = await pt.landing_pages(c0.id, kind, url=c0.host, limit=2)
    assert len(dates.dates) == 30
    assert dates.dates[-1] == dt.date(2026, 12, 5)
    assert dates.last_crawl_hours == 2
    assert overview.total == len(c0.keywords)
    assert sum(overview.distribution.values()) == overview.all.count
    assert all(0 <= k <= 99 for k in overview.distribution)
    assert competitors.total >= len(competitors.rows) == 3
    assert competitors.main_domain is not None
    assert competitors.main_domain.domain == c0.host
    assert competitors.main_domain.place is not None
    assert competitors.main_domain.place >= 1
    first = competitors.rows[0]
    assert len(first.dates) == 2
    assert first.diff is not None
    assert [p.date for p in visibility] == [dt.date(2026, 12, d) for d in range(1, 6)]
    assert all(isinstance(p.visibility, float) for p in visibility)
    assert landing.total >= len(landing.rows) == 2
    assert landing.http + landing.https >= landing.total
    assert landing.rows[0].keywords
    assert landing.rows[0].url.startswith("http")


async def test_positions_paging_is_complete(sandbox: SemrushSandbox) -> None:
    c0 = seeded(sandbox)
    async with sandbox.client() as c:
        every = await c.position_tracking.positions(c0.id, page_size=50)
        some = c.position_tracking.positions(c0.id, limit=60, page_size=25)
        streamed = [r.keyword async for r in some]
    assert [r.keyword for r in every] == list(c0.keywords)
    assert every.pages == 3
    assert streamed == list(c0.keywords)[:60]
    assert some.pages == 3
    assert sandbox.counters("position_tracking.positions").accepted == 6
    assert c.units.spent == sandbox.units_spent() == 100 * (137 + 60)


# --- bad input --------------------------------------------------------------------------------


async def test_bad_input_sends_nothing_and_costs_nothing(sandbox: SemrushSandbox) -> None:
    c0 = seeded(sandbox)
    cid, pid = c0.id, c0.project_id
    async with sandbox.client() as c:
        pt = c.position_tracking
        bad: list[Any] = [
            lambda: pt.enable(pid, "example.com", "domain", 2840),
            lambda: pt.enable(pid, "https://x.example/", "rootdomain", 2840),
            lambda: pt.enable(pid, "example.com", "rootdomain", 2840, device="mobile"),
            lambda: pt.enable(pid, "example.com", "rootdomain", 2840, timezone=20),
            lambda: pt.enable(0, "example.com", "rootdomain", 2840),
            lambda: pt.campaigns(True),
            lambda: pt.add_keywords(cid, [("kw", ["a", "b", "c", "d", "e", "f"])]),
            lambda: pt.add_keywords(cid, [("kw", ["!!!"])]),
            lambda: pt.add_keywords("643526670283248", ["kw"]),
            lambda: pt.add_keywords(cid, "seo"),
            lambda: pt.add_competitors(cid, [f"r{i}.example" for i in range(21)]),
            lambda: pt.add_competitors(cid, ["https://rival.example/"]),
            lambda: pt.locations(type="town"),
            lambda: pt.locations(engine="yandex"),
            lambda: pt.locations(country_code="USA"),
            lambda: pt.overview(cid, "paid"),
            lambda: pt.overview(cid, url="ebay.com"),
            lambda: pt.positions(cid, top_filter="top_5"),
            lambda: pt.positions(cid, sort="1_pos_asc"),
            lambda: pt.positions(cid, sort="md_desc"),
            lambda: pt.positions(cid, filters=[("+", "Kd", "Gt", 3)]),
            lambda: pt.positions(cid, filters=[("+", "Ph", "Gt", "x")]),
            lambda: pt.positions(cid, filters=[("+", "Nq", "Gt", 1)] * 26),
            lambda: pt.positions(cid, linktype=3),
            lambda: pt.positions(cid, use_volume="global"),
            lambda: pt.positions(cid, serp_feature="xyz"),
            lambda: pt.positions(cid, serp_feature="fsn,1"),
            lambda: pt.positions(cid, "adwords", top_filter="top_3"),
            lambda: pt.positions(cid, page_size=501),
            lambda: pt.positions(cid, limit=0),
            lambda: pt.positions(cid, tags="!!!"),
            lambda: pt.positions(
                cid, date_begin=dt.date(2026, 12, 5), date_end=dt.date(2026, 12, 1)
            ),
            lambda: pt.positions(cid, url=[c0.mask] * 6),
            lambda: pt.competitors(cid, url="*.ebay.com/*"),
            lambda: pt.competitors(cid, top_start=50, top_end=10),
            lambda: pt.competitors(cid, limit=1.5),  # type: ignore[arg-type]
            lambda: pt.landing_pages(cid, url=c0.host, newlost="gone"),
            lambda: pt.visibility(cid, "adwords", use_volume="national"),
        ]
        for make in bad:
            with pytest.raises(ValidationError) as e:
                await attempt(make)
            assert "nothing was sent" in str(e.value).lower() or e.value.hint
    assert requests(sandbox) == 0
    assert c.units.spent == c.units.reserved == sandbox.units_spent() == 0


# --- prices, the budget ------------------------------------------------------------------------


async def test_the_meter_equals_the_sandbox_charge(sandbox: SemrushSandbox) -> None:
    c0 = seeded(sandbox)
    async with sandbox.client() as c:
        pt = c.position_tracking
        for kind in ("organic", "adwords"):
            await pt.overview(c0.id, kind)
            await pt.visibility(c0.id, kind)
            await pt.positions(c0.id, kind, limit=15, page_size=10)
            await pt.competitors(c0.id, kind, limit=4)
            await pt.landing_pages(c0.id, kind, url=c0.host, limit=3)
        await pt.campaign_dates(c0.id)
        # Two new keywords and one already tracked: Semrush bills the ones it adds.
        await pt.add_keywords(c0.id, ["brand new one", "brand new two", next(iter(c0.keywords))])
        await pt.locations("Texas")
        by_report = c.units.by_report
    assert c.units.spent == sandbox.units_spent()
    assert by_report["position_tracking.positions"] == 2 * 15 * 100
    assert by_report["position_tracking.competitors"] == 2 * 4 * 1000
    assert by_report["position_tracking.landing_pages"] == 2 * 3 * 1000
    assert by_report["position_tracking.add_keywords"] == 2 * 100
    assert c.units.reserved == 0


async def test_the_budget_holds_under_concurrency(sandbox: SemrushSandbox) -> None:
    c0 = seeded(sandbox)
    budget = 25_000
    async with sandbox.client(unit_budget=budget) as c:
        pt = c.position_tracking

        async def one(i: int) -> str:
            try:
                if i % 3 == 0:
                    await pt.competitors(c0.id, limit=5)
                else:
                    await pt.positions(c0.id, limit=20, page_size=20)
            except BudgetExceeded:
                return "refused"
            return "done"

        results = await asyncio.gather(*(one(i) for i in range(20)))
    assert "refused" in results
    assert "done" in results
    assert sandbox.units_spent() == c.units.spent <= budget
    sent = sandbox.counters("position_tracking.positions").accepted
    sent += sandbox.counters("position_tracking.competitors").accepted
    assert sent == results.count("done")


async def test_sixty_concurrent_calls_get_no_429(sandbox: SemrushSandbox) -> None:
    c0 = seeded(sandbox)
    async with sandbox.client() as c:
        pt = c.position_tracking
        calls: list[Coroutine[Any, Any, object]] = [pt.campaign_dates(c0.id) for _ in range(30)]
        calls += [c.site_audit.info(c0.project_id) for _ in range(30)]
        done = await asyncio.gather(*calls)
    assert len(done) == 60
    assert sandbox.counters("account").rejected == 0
    assert sandbox.counters("account").accepted == 60
    assert c.units.spent == sandbox.units_spent() == 6_000


# --- faults: writes are not repeated ----------------------------------------------------------


async def test_writes_are_not_repeated_after_a_5xx_or_a_drop(sandbox: SemrushSandbox) -> None:
    pid = own_projects(sandbox)[1]
    domain = sandbox.state.extensions["projects"].projects[pid].domain
    c0 = seeded(sandbox)
    async with sandbox.client() as c:
        pt = c.position_tracking
        sandbox.inject("position_tracking.enable", "502")
        with pytest.raises(ServerError):
            await pt.enable(pid, domain, "rootdomain", 2840)
        assert sandbox.counters("position_tracking.enable").accepted == 1
        sandbox.inject("position_tracking.enable", "drop")
        with pytest.raises(TransportError):
            await pt.enable(pid, domain, "rootdomain", 2840)
        assert sandbox.counters("position_tracking.enable").accepted == 2
        # The dropped answer's campaign exists: one, not two.
        listed = await pt.campaigns(pid)
        assert len(listed.campaigns) == 1
        sandbox.inject("position_tracking.add_keywords", "550")
        with pytest.raises(ServerError):
            await pt.add_keywords(c0.id, ["only once"])
        assert sandbox.counters("position_tracking.add_keywords").accepted == 1
        assert "only once" not in c0.keywords
        # A DELETE is repeated; its lost answer counts as done.
        sandbox.inject("position_tracking.remove_keywords", "drop")
        state = await pt.remove_keywords(c0.id, [next(iter(c0.keywords))])
        assert sandbox.counters("position_tracking.remove_keywords").accepted == 2
        assert state.keywords is not None
        assert len(state.keywords) == 136
        # A 429 is repeated: nothing happened.
        sandbox.inject("position_tracking.add_competitors", "429", seconds=0.01)
        await pt.add_competitors(c0.id, ["newrival.example"])
        assert sandbox.counters("position_tracking.add_competitors").accepted == 2
    assert c.units.spent == sandbox.units_spent()


# --- errors -----------------------------------------------------------------------------------


async def test_projects_codes_map_onto_the_error_tree(sandbox: SemrushSandbox) -> None:
    c0 = seeded(sandbox)
    async with sandbox.client() as c:
        pt = c.position_tracking
        with pytest.raises(NotFound) as nf:
            await pt.campaign_dates("1_1")
        with pytest.raises(Conflict) as cf:
            await pt.enable(c0.project_id, c0.host, "rootdomain", 2840)
        sandbox.state.extensions["position_tracking"].keywords_limit = len(c0.keywords)
        with pytest.raises(LimitExceeded) as le:
            await pt.add_keywords(c0.id, ["one too many"])
        sandbox.set_balance(0)
        with pytest.raises(UnitsExhausted) as ue:
            await pt.campaigns(c0.project_id)
    async with sandbox.client(api_key="not-a-key") as c:
        with pytest.raises(AuthenticationError) as ae:
            await c.position_tracking.campaigns(c0.project_id)
    codes = [e.value.code for e in (nf, cf, le, ue, ae)]
    assert codes == [512, 515, 522, 132, 120]
    assert all(e.value.status == 400 for e in (nf, cf, le, ue, ae))
    assert "not-a-key" not in str(ae.value)
    assert "v3 key" in str(ae.value)
