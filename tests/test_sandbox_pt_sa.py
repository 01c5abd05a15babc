"""The Position Tracking v3, Site Audit v3 and Map Rank Tracker (v4 key) sandboxes over
real HTTP with plain aiohttp: every call, the documented refusals as HTTP 400
``{"code", "message"}``, the prices charged to the Standard units, paging, the
advanceable audit clock and fault injection."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from yarl import URL

from semrush_async import Limit
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._pt_data import Campaign

pytestmark = pytest.mark.sandbox(limits={"account": Limit(1000, 1.0, concurrency=100)})

Json = Any


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def call(
    http: aiohttp.ClientSession,
    sb: SemrushSandbox,
    method: str,
    path: str,
    body: Json = None,
    key: str | None = None,
    **params: Any,
) -> tuple[int, Json]:
    q = {"key": sb.api_key if key is None else key, **{k: str(v) for k, v in params.items()}}
    async with http.request(method, sb.url + path, params=q, json=body) as r:
        return r.status, await r.json()


def seeded(sb: SemrushSandbox) -> Campaign:
    campaigns = sb.state.extensions["position_tracking"].campaigns
    return next(iter(campaigns.values()))  # type: ignore[no-any-return]


def own_projects(sb: SemrushSandbox) -> list[int]:
    store = sb.state.extensions["projects"]
    return [p.project_id for p in store.projects.values() if p.kind == "OWN"]


def report_path(cid: str) -> str:
    return f"/reports/v1/projects/{cid}/tracking/"


async def report(
    http: aiohttp.ClientSession, sb: SemrushSandbox, cid: str, rtype: str, **params: Any
) -> tuple[int, Json]:
    return await call(http, sb, "GET", report_path(cid), action="report", type=rtype, **params)


# --- Position Tracking: management --------------------------------------------------------


async def test_enable_list_and_refusals(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    pid = own_projects(sandbox)[1]
    domain = sandbox.state.extensions["projects"].projects[pid].domain
    base = f"/management/v1/projects/{pid}/tracking/"
    body = {
        "tracking_url": domain,
        "tracking_url_type": "rootdomain",
        "location_id": 2840,
        "device": "desktop",
        "business_name": "Acme",
        "weekly_notification": False,
    }
    status, doc = await call(http, sandbox, "POST", base + "enable", body)
    assert status == 200
    assert doc["status"] == "SUCCESS"
    assert doc["action"] == "tracking_enable"
    cid = doc["result"]["campaign_id"]
    assert isinstance(cid, str)
    assert re.fullmatch(rf"{pid}_\d+", cid)
    refused: list[tuple[Json, int]] = [
        (body, 515),  # same location and device in the project
        ({**body, "tracking_url": None}, 519),
        ({k: v for k, v in body.items() if k != "location_id"}, 519),
        ({**body, "tracking_url_type": "domain"}, 511),
        ({**body, "tracking_url": "https://x.example/"}, 511),
        ({**body, "location_id": 99}, 511),
        ({**body, "device": "mobile"}, 511),
        ({**body, "timezone": 20}, 511),
        ({**body, "zoom": 3}, 511),
        ([body], 511),
    ]
    for bad, code in refused:
        status, doc = await call(http, sandbox, "POST", base + "enable", bad)
        assert (status, doc["code"]) == (400, code), (bad, doc)
        assert doc["message"]
    status, doc = await call(http, sandbox, "POST", base + "enable", {**body, "device": "phone"})
    assert status == 200
    status, listed = await call(http, sandbox, "GET", base + "campaigns")
    assert status == 200
    assert listed["project_id"] == str(pid)
    assert [c["device"] for c in listed["campaigns"]] == ["desktop", "phone"]
    first = listed["campaigns"][0]
    assert first["id"] == cid
    assert first["keywords_count"] == 0
    assert first["location"] == {
        "id": 2840,
        "name": "United States",
        "type": "country",
        "code": "us",
        "hl": "en",
    }
    assert listed["limits"] == {"targets": 5000}
    assert "position_tracking" in sandbox.state.extensions["projects"].projects[pid].tools
    assert sandbox.units_spent() == 300  # two creates and one list; refusals are free
    status, doc = await call(http, sandbox, "GET", "/management/v1/projects/1/tracking/campaigns")
    assert (status, doc["code"]) == (400, 512)
    for key, code in (("", 122), ("nope", 120), (sandbox.v4_api_key, 120)):
        status, doc = await call(http, sandbox, "GET", base + "campaigns", key=key)
        assert (status, doc) == (400, {"code": code, "message": doc["message"]})
    assert sandbox.counters("position_tracking.enable").accepted == 12


async def test_keywords_tags_competitors_and_notifications(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    m = f"/management/v1/projects/{c.id}/"
    before = len(c.keywords)
    add = {
        "keywords": [
            {"keyword": "new one", "tags": ["Name&Co", "C++", "  Two   Spaces "]},
            {"keyword": "best seo", "tags": ["extra"]},
        ]
    }
    status, doc = await call(http, sandbox, "PUT", m + "keywords", add)
    assert status == 200
    assert doc["campaign_id"] == c.id
    assert isinstance(doc["project_id"], int)
    new = next(k for k in doc["keywords"] if k["keyword"] == "new one")
    assert new["tags"] == ["name&co", "c++", "two spaces"]  # sanitised as the docs say
    assert len(c.keywords) == before + 1
    assert sandbox.units_spent() == 100  # 100 per keyword added; "best seo" was tracked
    six = {"keywords": [{"keyword": "new one", "tags": ["a", "b", "c"]}]}
    for bad, code in (
        (six, 520),
        ({"keywords": [{"keyword": "x", "tags": ["!!!"]}]}, 520),
        ({"keywords": [{"keyword": ""}]}, 519),
        ({}, 519),
        ({"keywords": [{"keyword": "x", "tag": []}]}, 511),
    ):
        status, doc = await call(http, sandbox, "PUT", m + "keywords", bad)
        assert (status, doc["code"]) == (400, code), bad
    assert sandbox.units_spent() == 100
    tags = [{"tag": "Fresh", "keywords": ["new one", "not tracked"]}]
    status, doc = await call(http, sandbox, "PUT", m + "tags", tags)
    assert status == 200
    assert "fresh" in c.keywords["new one"].tags
    status, doc = await call(http, sandbox, "DELETE", m + "tags", tags)
    assert "fresh" not in c.keywords["new one"].tags
    two = [{"tag": t, "keywords": ["new one"]} for t in ("t", "u")]
    assert (await call(http, sandbox, "PUT", m + "tags", two))[0] == 200  # five tags now
    status, doc = await call(
        http, sandbox, "PUT", m + "tags", [{"tag": "v", "keywords": ["new one"]}]
    )
    assert (status, doc["code"]) == (400, 520)  # a sixth tag
    rivals = [f"r{i}.example" for i in range(17)]
    status, doc = await call(http, sandbox, "PUT", m + "competitors", {"competitors": rivals})
    assert status == 200
    assert len(doc["competitors"]) == 20
    assert "keywords" not in doc
    status, doc = await call(
        http, sandbox, "PUT", m + "competitors", {"competitors": ["x.example"]}
    )
    assert (status, doc["code"]) == (400, 511)  # at most 20
    status, doc = await call(
        http, sandbox, "PUT", m + "competitors", {"competitors": ["*.x.com/*"]}
    )
    assert (status, doc["code"]) == (400, 511)
    status, doc = await call(http, sandbox, "DELETE", m + "competitors", {"competitors": rivals})
    assert len(doc["competitors"]) == 3
    status, doc = await call(
        http,
        sandbox,
        "DELETE",
        m + "keywords",
        {"keywords": [{"keyword": "new one"}, {"keyword": "ghost"}]},
    )
    assert status == 200
    assert len(doc["keywords"]) == before
    for method, on in (("DELETE", False), ("PUT", True)):
        status, doc = await call(http, sandbox, method, m + "tracking/notifications")
        assert doc["status"] == "SUCCESS"
        assert c.weekly_notification is on
    # 100 per added keyword (1) + 100 for each other successful write (8).
    assert sandbox.units_spent() == 100 + 8 * 100
    sandbox.state.extensions["position_tracking"].keywords_limit = sum(
        len(x.keywords) for x in sandbox.state.extensions["position_tracking"].campaigns.values()
    )
    status, doc = await call(http, sandbox, "PUT", m + "keywords", {"keywords": [{"keyword": "z"}]})
    assert (status, doc["code"]) == (400, 522)
    status, doc = await call(http, sandbox, "PUT", "/management/v1/projects/1_2/keywords", add)
    assert (status, doc["code"]) == (400, 512)
    del sandbox.state.extensions["projects"].projects[c.project_id]
    status, doc = await call(http, sandbox, "DELETE", m + "tracking/notifications")
    assert (status, doc["code"]) == (400, 512)  # its project is gone


async def test_location_search(sandbox: SemrushSandbox, http: aiohttp.ClientSession) -> None:
    path = "/position-tracking/management/v1/info/locations"
    status, doc = await call(http, sandbox, "GET", path)
    weights = [x["location"]["weight"] for x in doc["locations"]]
    assert weights == sorted(weights, reverse=True)
    status, doc = await call(http, sandbox, "GET", path, type="postal code", country_code="us")
    assert [x["location"]["name"] for x in doc["locations"]] == ["94103"]
    loc = doc["locations"][0]
    assert loc["available_volume_types"] == ["national", "regional", "local"]
    assert loc["location"]["languages"][0] == {
        "id": 0,
        "hl": "en",
        "name": "English",
        "is_default": True,
    }
    status, doc = await call(
        http, sandbox, "GET", "/management/v1/info/locations", filter_engine="baidu"
    )
    assert {x["location"]["country_code"] for x in doc["locations"]} == {"cn"}
    status, doc = await call(http, sandbox, "GET", path, location_id=2840)
    assert doc["locations"][0]["location"]["formatted_name"] == "United States"
    for bad in (
        {"type": "town"},
        {"filter_engine": "yandex"},
        {"location_id": "us"},
        {"country_code": "usa"},
        {"page": "1"},
    ):
        status, doc = await call(http, sandbox, "GET", path, **bad)
        assert (status, doc["code"]) == (400, 511), bad
    assert sandbox.units_spent() == 4 * 100


# --- Position Tracking: reports ---------------------------------------------------------------

TYPES = [
    f"tracking_{name}_{kind}"
    for name in ("overview", "position", "competitors", "visibility", "landing_pages")
    for kind in ("organic", "adwords")
]


async def test_every_report_type_answers_and_is_priced(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    status, doc = await report(http, sandbox, c.id, "tracking_campaign_dates")
    assert status == 200
    assert doc["total"] == "30"
    assert list(doc["data"])[:3] == ["0", "1", "2"]
    assert doc["data"]["29"] == {"Dt": "20261205"}
    expected = 100
    for rtype in TYPES:
        params: dict[str, Any] = {}
        if "landing" in rtype:
            params["url"] = c.host
        if "position" in rtype or "competitors" in rtype or "landing" in rtype:
            params["display_limit"] = 3
        spent = sandbox.units_spent()
        status, doc = await report(http, sandbox, c.id, rtype, **params)
        assert status == 200, (rtype, doc)
        data = doc["data"]
        assert isinstance(data, dict)
        if "overview" not in rtype:  # the overview's keys are SERP positions
            assert list(data) == [str(i) for i in range(len(data))], rtype
        rows = len(data)
        price = {"position": 100 * rows, "competitors": 1000 * rows, "landing": 1000 * rows}
        cost = next((v for k, v in price.items() if k in rtype), 100)
        assert sandbox.units_spent() - spent == cost, rtype
        expected += cost
    assert sandbox.units_spent() == expected
    counted = {k: v.accepted for k, v in sandbox.state.limits.counters.items()}
    assert counted["position_tracking.positions"] == 2
    assert counted["position_tracking.landing_pages"] == 2
    assert counted["account"] == 11


async def test_positions_values_and_paging(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    urls = f"{c.mask}:*.rival1.example/*"
    seen: list[str] = []
    for offset in range(0, 137, 50):
        status, doc = await report(
            http,
            sandbox,
            c.id,
            "tracking_position_organic",
            url=urls,
            display_limit=50,
            display_offset=offset,
        )
        assert status == 200
        assert (doc["total"], doc["limit"], doc["offset"], doc["state"]) == (137, 50, offset, "0")
        seen += [row["Ph"] for row in doc["data"].values()]
    assert seen == list(c.keywords)
    assert sandbox.units_spent() == 137 * 100
    _, doc = await report(
        http,
        sandbox,
        c.id,
        "tracking_position_adwords",
        display_limit=500,
        date_begin="20261101",
        date_end="20261205",
    )
    rows = list(doc["data"].values())
    assert len(rows) == 137
    row = rows[0]
    assert set(row["Dt"]) == {"20261106", "20261205"}  # clamped to the crawl calendar
    assert isinstance(row["Cp"], str)
    assert isinstance(row["Nq"], str)
    assert isinstance(row["Kb"], int)
    positions = [p for r in rows for p in r["Fi"].values()]
    assert "-" in positions
    assert any(isinstance(p, int) for p in positions)
    for r in rows:
        (fi,) = r["Fi"].values()
        (diff,) = r["Diff"].values()
        (be,) = r["Be"].values()
        if fi == "-":
            assert diff == "-"
        else:
            assert diff == (12 if be == "-" else be) - fi
    status, doc = await report(http, sandbox, c.id, "tracking_position_organic", display_limit=501)
    assert (status, doc["code"]) == (400, 511)


async def test_tag_conditions_are_double_encoded(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    tagged = {k for k, v in c.keywords.items() if "name&co" in v.tags}
    plus = {k for k, v in c.keywords.items() if "c++" in v.tags}
    assert tagged
    assert plus

    async def raw(condition: str) -> tuple[int, Json]:
        query = (
            f"key={sandbox.api_key}&action=report&type=tracking_position_organic"
            f"&display_limit=500&display_tags_condition={condition}"
        )
        url = URL(sandbox.url + report_path(c.id) + "?" + query, encoded=True)
        async with http.get(url) as r:
            return r.status, await r.json()

    def names(doc: Json) -> set[str]:
        return {r["Ph"] for r in doc["data"].values()}

    assert names((await raw("name%2526co"))[1]) == tagged  # double-encoded: one tag
    assert names((await raw("name%26co"))[1]) == set()  # single: "name" AND "co"
    assert names((await raw("c%252B%252B"))[1]) == plus
    assert names((await raw("%21name%2526co"))[1]) == set(c.keywords) - tagged
    assert names((await raw("name%2526co%7Cc%252B%252B"))[1]) == tagged | plus
    both = {k for k, v in c.keywords.items() if {"name&co", "seo"} <= set(v.tags)}
    assert names((await raw("name%2526co%26seo"))[1]) == both
    status, doc = await raw("bad%25zz")
    assert (status, doc["code"]) == (400, 520)
    status, doc = await raw("%21")
    assert (status, doc["code"]) == (400, 520)


REPORT_REFUSALS: list[tuple[dict[str, Any], int]] = [
    ({"type": "tracking_position_organic", "top_filter": "top_5"}, 511),
    ({"type": "tracking_position_organic", "display_filter": "+|Kd|Gt|5"}, 511),
    ({"type": "tracking_position_organic", "display_filter": "+|Ph|Gt|seo"}, 511),
    ({"type": "tracking_position_organic", "display_sort": "kd_asc"}, 511),
    ({"type": "tracking_position_organic", "display_sort": "1_pos_asc"}, 511),  # one URL
    ({"type": "tracking_position_adwords", "display_sort": "sov_desc"}, 511),
    ({"type": "tracking_position_organic", "linktype_filter": "3"}, 511),
    ({"type": "tracking_position_organic", "use_volume": "city"}, 511),
    ({"type": "tracking_position_organic", "serp_feature_filter": "xyz"}, 511),
    ({"type": "tracking_position_organic", "serp_feature_filter": "fsn,1"}, 511),
    ({"type": "tracking_position_organic", "url": "apple.com"}, 511),  # needs a mask
    ({"type": "tracking_position_adwords", "top_filter": "top_3"}, 511),  # not documented there
    ({"type": "tracking_position_organic", "date_begin": "2026-11-01"}, 511),
    ({"type": "tracking_position_organic", "date_begin": "20261202", "date_end": "20261201"}, 511),
    (
        {"type": "tracking_position_organic", "display_tags": "a", "display_tags_condition": "a"},
        511,
    ),
    ({"type": "tracking_competitors_organic", "url": "*.apple.com/*"}, 511),  # no mask here
    ({"type": "tracking_competitors_organic", "top_start": "20", "top_end": "10"}, 511),
    ({"type": "tracking_competitors_adwords", "display_sort": "sov_desc"}, 511),
    ({"type": "tracking_landing_pages_organic"}, 519),
    ({"type": "tracking_landing_pages_organic", "url": "*.apple.com/*"}, 511),
    ({"type": "tracking_landing_pages_organic", "url": "apple.com", "newlost_filter": "all"}, 511),
    ({"type": "tracking_visibility_adwords", "use_volume": "local"}, 511),
    ({"type": "tracking_overview"}, 511),
    ({"type": ""}, 519),
]


async def test_report_vocabularies_refuse_with_zero_units(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    for params, code in REPORT_REFUSALS:
        status, doc = await call(
            http, sandbox, "GET", report_path(c.id), **{"action": "report", **params}
        )
        assert (status, doc["code"]) == (400, code), (params, doc)
    status, doc = await call(
        http, sandbox, "GET", report_path(c.id), type="tracking_campaign_dates"
    )
    assert (status, doc["code"]) == (400, 519)  # no action
    url = URL(sandbox.url + report_path(c.id)).with_query(
        [
            ("key", sandbox.api_key),
            ("action", "report"),
            ("type", "tracking_campaign_dates"),
            ("type", "tracking_campaign_dates"),
        ]
    )
    async with http.get(url) as r:
        assert (r.status, (await r.json())["code"]) == (400, 511)
    status, doc = await report(http, sandbox, "123_456", "tracking_campaign_dates")
    assert (status, doc["code"]) == (400, 512)
    assert sandbox.units_spent() == 0


async def test_report_filters_and_sorts_apply(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    rt = "tracking_position_organic"
    _, doc = await report(http, sandbox, c.id, rt, top_filter="top_1page", display_limit=500)
    assert doc["total"] > 0
    assert all(0 < next(iter(r["Fi"].values())) <= 10 for r in doc["data"].values())
    _, doc = await report(
        http, sandbox, c.id, rt, display_filter="+|Nq|Gt|500000", display_limit=500
    )
    assert all(int(r["Nq"]) > 500_000 for r in doc["data"].values())
    _, doc = await report(http, sandbox, c.id, rt, display_sort="0_pos_asc", display_limit=500)
    fi = [next(iter(r["Fi"].values())) for r in doc["data"].values()]
    ranked = [p for p in fi if p != "-"]
    assert ranked == sorted(ranked)
    assert fi[: len(ranked)] == ranked  # unranked last
    _, doc = await report(http, sandbox, c.id, rt, serp_feature_filter="-org", display_limit=500)
    assert all("org" not in s for r in doc["data"].values() for s in r["Sf"].values())
    _, doc = await report(
        http,
        sandbox,
        c.id,
        "tracking_competitors_organic",
        main_domain="rival2.example",
        black_list="rival1.example|rival3.example",
        display_limit=500,
    )
    urls = [r["Ur"] for r in doc["data"].values()]
    assert "rival1.example" not in urls
    assert doc["Md"]["Ur"] == "rival2.example"
    assert urls[doc["Md"]["Ps"] - 1] == "rival2.example"
    assert doc["keywords_count"] == 137
    _, doc = await report(
        http,
        sandbox,
        c.id,
        "tracking_landing_pages_organic",
        url=c.host,
        newlost_filter="new",
        date_begin="20261110",
        display_limit=500,
    )
    assert {r["Tp"] for r in doc["data"].values()} <= {"new"}
    assert doc["total"] == doc["new"]


async def test_per_line_reports_are_cut_to_the_balance(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    sandbox.set_balance(250)
    _, doc = await report(http, sandbox, c.id, "tracking_position_organic", display_limit=10)
    assert len(doc["data"]) == 2
    assert doc["total"] == 137
    assert sandbox.balance() == 50
    for rtype in ("tracking_position_organic", "tracking_visibility_organic"):
        status, doc = await report(http, sandbox, c.id, rtype)
        assert (status, doc) == (400, {"code": 132, "message": "API units balance is zero"})
    assert sandbox.balance() == 50


# --- Site Audit --------------------------------------------------------------------------------


async def test_site_audit_enable_save_and_refusals(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    pid = own_projects(sandbox)[1]
    domain = sandbox.state.extensions["projects"].projects[pid].domain
    mg = f"/management/v1/projects/{pid}/siteaudit/"
    status, doc = await call(http, sandbox, "GET", f"/reports/v1/projects/{pid}/siteaudit/info")
    assert (status, doc["code"]) == (400, 512)  # not enabled
    body = {
        "domain": f"www.{domain}",
        "pageLimit": 100,
        "userAgentType": 9,
        "scheduleDay": 1,
        "allow": ["/blog/*"],
        "crawlSubdomains": True,
    }
    refused: list[tuple[Json, int]] = [
        ({"pageLimit": 100}, 519),
        ({"domain": domain}, 519),
        ({**body, "userAgentType": 5}, 511),
        ({**body, "scheduleDay": 8}, 511),
        ({**body, "pageLimit": "100"}, 511),
        ({**body, "domain": "elsewhere.example"}, 511),
        ({**body, "jsRendering": "RENDER_ALL"}, 511),  # only save takes it
        ({**body, "notify": "yes"}, 511),
    ]
    for bad, code in refused:
        status, doc = await call(http, sandbox, "POST", mg + "enable", bad)
        assert (status, doc["code"]) == (400, code), bad
    status, doc = await call(http, sandbox, "POST", mg + "save", body)
    assert (status, doc["code"]) == (400, 512)
    assert (await call(http, sandbox, "POST", mg + "enable", body)) == (200, {"status": "SUCCESS"})
    status, doc = await call(http, sandbox, "POST", mg + "enable", body)
    assert (status, doc["code"]) == (400, 515)
    for agent in (2, 3, 7, 8, 9):
        save = {**body, "userAgentType": agent, "jsRendering": "RENDER_ALL"}
        assert (await call(http, sandbox, "POST", mg + "save", save))[0] == 200
    _, info = await call(http, sandbox, "GET", f"/reports/v1/projects/{pid}/siteaudit/info")
    assert info["user_agent_type"] == 9
    assert info["mask_allow"] == ["/blog/*"]
    assert info["status"] == "FINISHED"
    assert (info["pages_crawled"], info["last_audit"], info["running_pages_limit"]) == (0, 0, 100)
    assert info["next_audit"] > 0  # scheduled weekly
    assert sandbox.units_spent() == 100 * (1 + 5 + 1)


@pytest.mark.sandbox(limits={"account": Limit(1000, 1.0, concurrency=100)}, audit_seconds=100)
async def test_audits_run_on_the_advanceable_clock(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    pid = own_projects(sandbox)[2]
    domain = sandbox.state.extensions["projects"].projects[pid].domain
    await call(
        http,
        sandbox,
        "POST",
        f"/management/v1/projects/{pid}/siteaudit/enable",
        {"domain": domain, "pageLimit": 5000},
    )
    rep = f"/reports/v1/projects/{pid}/siteaudit/"
    status, doc = await call(http, sandbox, "POST", rep + "launch")
    assert status == 200
    sid = doc["snapshot_id"]
    assert re.fullmatch(r"[0-9a-f]{24}", sid)
    assert (await call(http, sandbox, "POST", rep + "launch"))[1] == {"snapshot_id": sid}
    status, doc = await call(http, sandbox, "GET", rep + "snapshot", snapshot_id=sid)
    assert (status, doc["code"]) == (400, 512)  # not finished yet
    seen = []
    for step in (10, 30, 39.5, 5, 9, 7):
        sandbox.advance_audits(step)
        _, info = await call(http, sandbox, "GET", rep + "info")
        seen.append((info["status"], info["running_pages_crawled"]))
    statuses = [s for s, _ in seen]
    assert statuses == ["RUNNING", "RUNNING", "RUNNING", "CHECKING", "SAVING", "FINISHED"]
    crawled = [n for _, n in seen[:3]]
    assert 0 < crawled[0] < crawled[1] < crawled[2]
    site = seen[-1][1]
    assert crawled[2] <= site == info["pages_crawled"]
    assert info["last_audit"] > 0
    _, doc = await call(http, sandbox, "GET", rep + "snapshots")
    assert [s["snapshot_id"] for s in doc["snapshots"]] == [sid]
    _, doc = await call(http, sandbox, "GET", rep + "snapshot", snapshot_id=sid)
    assert doc["pages_crawled"] == site
    assert doc["finish_date"] == info["last_audit"]


@pytest.mark.sandbox(limits={"account": Limit(1000, 1.0, concurrency=100)}, audit_seconds=0.2)
async def test_audits_follow_the_event_loop_clock(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    rep = f"/reports/v1/projects/{c.project_id}/siteaudit/"
    _, doc = await call(http, sandbox, "POST", rep + "launch")
    assert (await call(http, sandbox, "GET", rep + "info"))[1]["status"] != "FINISHED"
    await asyncio.sleep(0.25)
    _, info = await call(http, sandbox, "GET", rep + "info")
    assert info["status"] == "FINISHED"
    _, snaps = await call(http, sandbox, "GET", rep + "snapshots")
    assert snaps["snapshots"][-1]["snapshot_id"] == doc["snapshot_id"]
    assert len(snaps["snapshots"]) == 4


async def test_snapshot_history_issue_pages_and_page(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    pid = seeded(sandbox).project_id
    rep = f"/reports/v1/projects/{pid}/siteaudit/"
    _, doc = await call(http, sandbox, "GET", rep + "snapshots")
    snaps = doc["snapshots"]
    assert len(snaps) == 3
    finish = [s["finish_date"] for s in snaps]
    assert finish == sorted(finish)
    sid = snaps[-1]["snapshot_id"]
    spent = sandbox.units_spent()
    _, snap = await call(http, sandbox, "GET", rep + "snapshot", snapshot_id=sid)
    assert sandbox.units_spent() - spent == 10_000
    assert set(snap) >= {"quality", "errors", "warnings", "notices", "pages_crawled"}
    spent = sandbox.units_spent()
    _, hist = await call(http, sandbox, "GET", rep + "history", limit=2)
    assert [d["snapshot_id"] for d in hist["data"]] == [
        snaps[2]["snapshot_id"],
        snaps[1]["snapshot_id"],
    ]
    assert (hist["total"], hist["limit"], hist["offset"]) == (3, 2, 0)
    _, hist = await call(http, sandbox, "GET", rep + "history", offset=3)
    assert hist["data"] == []
    assert sandbox.units_spent() - spent == 20_000  # per snapshot returned
    issue = max(snap["errors"] + snap["warnings"] + snap["notices"], key=lambda i: i["count"])
    assert issue["count"] > 10
    path = rep + f"snapshot/{sid}/issue/{issue['id']}"
    rows: list[Json] = []
    page = 1
    while True:
        status, doc = await call(http, sandbox, "GET", path, page=page, limit=10)
        assert status == 200
        assert (doc["issue_id"], doc["total"], doc["page"]) == (issue["id"], issue["count"], page)
        rows += doc["data"]
        if page * 10 >= doc["total"]:
            break
        page += 1
    assert len(rows) == issue["count"]
    assert len({r["page_id"] for r in rows}) == len(rows)
    sources = [r["source_url"] for r in rows]
    assert sources == sorted(sources, reverse=True)  # DESC by default
    _, asc = await call(http, sandbox, "GET", path, sort="ASC", limit=100)
    assert [r["source_url"] for r in asc["data"]] == sorted(sources)
    url = URL(sandbox.url + path).with_query(
        [
            ("key", sandbox.api_key),
            ("limit", "100"),
            ("filter", "+|source_url|Co|blog;shop"),
            ("filter", "-|source_url|Ew|7"),
        ]
    )
    async with http.get(url) as r:
        kept = (await r.json())["data"]
    want = [s for s in sources if ("blog" in s or "shop" in s) and not s.endswith("7")]
    assert sorted(r["source_url"] for r in kept) == sorted(want)
    for bad in (
        {"filter": "+|title|Co|x"},
        {"filter": "+|source_url|Gt|3"},
        {"limit": 101},
        {"sort": "down"},
        {"page": 0},
    ):
        status, doc = await call(http, sandbox, "GET", path, **bad)
        assert (status, doc["code"]) == (400, 511), bad
    status, doc = await call(http, sandbox, "GET", rep + f"snapshot/{sid}/issue/5")
    assert (status, doc["code"]) == (400, 511)  # not an issue id
    _, found = await call(http, sandbox, "GET", rep + "page/list", url="blog", limit=3)
    assert len(found["data"]) == 3
    assert found["total"] > 3
    assert all("blog" in p["url"] for p in found["data"])
    spent = sandbox.units_spent()
    _, pg = await call(http, sandbox, "GET", rep + f"page/{rows[0]['page_id']}")
    assert sandbox.units_spent() - spent == 1000
    assert pg["page_id"] == rows[0]["page_id"]
    assert pg["url"] == rows[0]["source_url"]
    listed = {i["id"] for group in ("errors", "warnings", "notices") for i in pg[group]}
    assert issue["id"] in listed
    status, doc = await call(http, sandbox, "GET", rep + "page/0123456789abcdef01234567")
    assert (status, doc["code"]) == (400, 512)
    _, meta = await call(http, sandbox, "GET", rep + "meta/issues")
    ids = {i["id"] for i in meta["issues"]}
    assert {1, 46, 111, 12, 137, 201, 223} <= ids
    assert 5 not in ids
    assert all("##count##" in i["title_page"] for i in meta["issues"])


async def test_history_is_cut_to_the_balance(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    rep = f"/reports/v1/projects/{seeded(sandbox).project_id}/siteaudit/"
    sandbox.set_balance(25_000)
    _, doc = await call(http, sandbox, "GET", rep + "history", limit=3)
    assert len(doc["data"]) == 2
    assert doc["total"] == 3
    status, doc = await call(http, sandbox, "GET", rep + "history")
    assert (status, doc["code"]) == (400, 132)
    status, doc = await call(http, sandbox, "GET", rep + "page/list", url="x")
    assert status == 200  # 100 units: still affordable
    assert sandbox.balance() == 4_900


# --- faults, governance ------------------------------------------------------------------------


async def test_faults_and_429_keep_the_code_message_shape(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    m = f"/management/v1/projects/{c.id}/keywords"
    sandbox.inject("position_tracking.add_keywords", "502")
    status, doc = await call(http, sandbox, "PUT", m, {"keywords": [{"keyword": "q"}]})
    assert (status, doc) == (502, {"code": 502, "message": "Internal Server Error"})
    assert "q" not in c.keywords
    assert sandbox.units_spent() == 0
    sandbox.inject("site_audit.launch", "drop")
    with pytest.raises(aiohttp.ClientPayloadError):
        await call(http, sandbox, "POST", f"/reports/v1/projects/{c.project_id}/siteaudit/launch")
    assert sandbox.state.extensions["site_audit"].audits[c.project_id].running is not None
    assert sandbox.units_spent() == 100  # the write happened; only its answer was lost
    sandbox.inject("position_tracking.positions", "429", seconds=3)
    async with http.get(
        sandbox.url + report_path(c.id),
        params={"key": sandbox.api_key, "action": "report", "type": "tracking_position_adwords"},
    ) as r:
        assert (r.status, r.headers["Retry-After"]) == (429, "3")
    assert [e for e, _ in sandbox.faults_injected] == [
        "position_tracking.add_keywords",
        "site_audit.launch",
        "position_tracking.positions",
    ]


@pytest.mark.sandbox(limits={"account": Limit(10, 0.5, concurrency=10)})
async def test_account_limit_covers_both_families(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    c = seeded(sandbox)
    calls = [report(http, sandbox, c.id, "tracking_campaign_dates") for _ in range(6)]
    calls += [
        call(http, sandbox, "GET", f"/reports/v1/projects/{c.project_id}/siteaudit/snapshots")
        for _ in range(5)
    ]
    results = await asyncio.gather(*calls)
    statuses = sorted(s for s, _ in results)
    assert statuses == [200] * 10 + [429]
    assert [d for s, d in results if s == 429] == [{"code": 429, "message": "rate limit exceeded"}]
    assert sandbox.counters("account").rejected == 1
    assert sandbox.units_spent() == 10 * 100


# --- Map Rank Tracker with the v4 key ------------------------------------------------------------


async def test_map_rank_accepts_the_v4_key(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    base = sandbox.url + "/apis/v4/map-rank-tracker/v0"

    def auth(value: str) -> dict[str, str]:
        return {"Authorization": value}

    rw, ro = f"Apikey {sandbox.v4_api_key}", f"Apikey {sandbox.read_only_v4_key}"
    async with http.get(base + "/limits", headers=auth(rw)) as r:
        assert r.status == 200
        assert (await r.json())["data"]["credits"]["total"] == 10_000
    async with http.get(base + "/campaigns", headers=auth(ro), params={"size": 5}) as r:
        assert r.status == 200
        campaigns = (await r.json())["data"]["content"]
    body = {"placeId": "ChIJv4key", "keywords": ["pizza"]}
    async with http.post(base + "/campaigns", headers=auth(ro), json=body) as r:
        assert r.status == 403  # a read-only key only reads
    async with http.put(base + f"/campaigns/{campaigns[0]['id']}/collect", headers=auth(ro)) as r:
        assert r.status == 403
    async with http.post(base + "/campaigns", headers=auth(rw), json=body) as r:
        assert r.status == 200
        made = (await r.json())["data"]
    async with http.delete(base + f"/campaigns/{made['id']}", headers=auth(rw)) as r:
        assert r.status == 200
    for bad in ("Apikey nope", f"Apikey {sandbox.api_key}", ""):
        async with http.get(base + "/limits", headers=auth(bad) if bad else {}) as r:
            assert r.status == 401
    token = sandbox.state.extensions["oauth"].issue_static_token()
    async with http.get(base + "/limits", headers=auth(f"Bearer {token}")) as r:
        assert r.status == 200  # OAuth still works (deprecated for new integrations)
    assert sandbox.counters("map_rank.limits").accepted == 2
    assert sandbox.counters("account").accepted == 5  # refusals are not admitted
