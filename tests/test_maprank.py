"""Map Rank Tracker (``client.map_rank``) over real HTTP against the strict sandbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest

from semrush_async import (
    AuthenticationError,
    BadRequest,
    CreditsExhausted,
    LimitExceeded,
    LoginRequired,
    NotFound,
    PermissionDenied,
    SemrushClient,
    ServerError,
    TransportError,
    ValidationError,
)
from semrush_async.apis.map_rank.endpoints import (
    ENDPOINTS,
    WIRE,
    CampaignStatus,
    CollectingFrequency,
    DistanceUnit,
    Frequency,
    GridSettings,
    KeywordState,
    MapCoordinates,
    Point,
    decode_campaign,
    decode_metrics,
    format_report_date,
)
from semrush_async.apis.map_rank.resource import MapRankResource
from semrush_async.cli import main
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._maprank_world import CAMPAIGNS, ODD_CAMPAIGN, MapRankServer
from semrush_async.v4 import make_converter, parse_timestamp

from .conftest import FAST_RETRY
from .test_oauth import WEEK, log_in, oauth, offset_clock


def mrt(sb: SemrushSandbox) -> MapRankServer:
    server: MapRankServer = sb.state.extensions["map_rank"]
    return server


def collected(sb: SemrushSandbox, *, keywords: int = 1) -> dict[str, Any]:
    """A stored campaign with reports and the given number of keywords."""
    return next(
        c
        for c in mrt(sb).campaigns.values()
        if c.get("reportDates") and len(c["keywords"]) == keywords and c["status"] == "COLLECTED"
    )


def seen(sb: SemrushSandbox, name: str) -> int:
    return sb.counters(f"map_rank.{name}").accepted


# --- pure parts -------------------------------------------------------------------------

OFFICIAL_CAMPAIGN = {
    "id": "382238af-b6ae-4002-b6f6-c4c917b2b324",
    "userId": "20681378",
    "collectingFrequency": {"frequency": "WEEKLY", "positions": [1], "enable": True},
    "keywords": [{"id": "319563ed-b433-4135-82cb-4146253d2311", "name": "cold beer"}],
    "gridSettings": {
        "template": "7x7",
        "unit": "KM",
        "distance": 1.5,
        "basePoint": {"lat": 34.9109718, "lng": 33.631958499999996},
    },
    "zoom": 14,
    "lastReportDate": "2024-07-05T12:39:22.611Z",
    "nextReportDate": "2024-08-19T00:00:00Z",
    "reportDates": [
        "2024-07-05T12:39:22.611Z",
        "2024-06-13T14:20:10.660Z",
        "2024-05-15T15:06:32.141Z",
    ],
    "points": [
        {
            "id": "e344df69-03ef-43ed-993f-03d77eeb11db",
            "index": 1,
            "isEnabled": True,
            "coordinates": {"lat": 34.9154684, "lng": 33.6319585},
        }
    ],
    "countryCode": "CY",
    "business": {
        "cid": "17188786011085295626",
        "placeIds": ["ChIJD61nCjmD4BQRhaNSCAIuSm4"],
        "name": "Pavlos souvlaki",
        "address": "Agias Faneromenis 135A, Larnaca 6025, Cyprus",
        "rating": 4.9,
        "reviewNumber": 220,
        "coordinates": {"lat": 34.9109718, "lng": 33.6319585},
    },
    "createdAt": "2024-05-15T15:06:32.148255Z",
    "status": "COLLECTED",
    "statusUpdatedAt": "2024-08-12T11:32:13.130553Z",
    "name": "Pavlos souvlaki",
}


def test_the_official_example_decodes() -> None:
    c = decode_campaign(OFFICIAL_CAMPAIGN)
    assert c.user_id == "20681378"
    assert c.business is not None
    assert c.business.cid == "17188786011085295626"  # > 2**63, kept exactly
    assert c.business.review_number == 220
    assert c.status is CampaignStatus.COLLECTED
    assert c.collecting_frequency == CollectingFrequency(Frequency.WEEKLY, (1,), enable=True)
    assert c.grid_settings is not None
    assert c.grid_settings.unit is DistanceUnit.KM
    assert c.grid_settings.points_count == 49
    assert c.zoom == 14.0
    assert c.points[0].is_enabled
    assert c.report_dates[1] == dt.datetime(2024, 6, 13, 14, 20, 10, 660000, tzinfo=dt.UTC)
    assert c.collection_cost == 1  # one enabled point x one keyword
    assert c.created_at is not None
    assert c.created_at.microsecond == 148255


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("2024-08-19T00:00:00Z", 0),  # nextReportDate
        ("2024-06-13T14:20:10.66Z", 660000),  # metric keys drop trailing zeros
        ("2024-06-13T14:20:10.660Z", 660000),  # reportDates
        ("2024-07-05T12:39:22.611Z", 611000),
        ("2024-05-15T15:06:32.148255Z", 148255),  # createdAt
        ("2024-05-15T15:06:59.058330774Z", 58330),  # nanoseconds
        ("2026-02-25T17:30:00Z", 0),  # collectingReportDate
    ],
)
def test_every_precision_the_docs_show(text: str, micro: int) -> None:
    ts = parse_timestamp(text)
    assert ts.tzinfo is dt.UTC
    assert ts.microsecond == micro


def test_metrics_read_the_preferred_keys_and_the_other_spelling() -> None:
    aur = decode_metrics(
        {
            "average_positions": {
                "2024-07-05T12:39:22.611Z": 1.3878,
                "2024-05-15T15:06:32.141Z": 1.5,
            },
            "share_of_voices": {"2024-07-05T12:39:22.611Z": 23.835},
        }
    )
    assert list(aur.average_positions.values()) == [1.5, 1.3878]  # oldest first
    assert list(aur.share_of_voice.values()) == [23.835]
    mrtref = decode_metrics(
        {"averagePositions": {"2024-06-13T14:20:10.66Z": 2.0}, "shareOfVoice": {}}
    )
    assert list(mrtref.average_positions.values()) == [2.0]


def test_report_dates_are_sent_in_the_docs_format() -> None:
    when = dt.datetime(2024, 6, 13, 16, 20, 10, 660000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert format_report_date(when) == "2024-06-13T14:20:10.660Z"
    assert format_report_date(when.replace(microsecond=5)) == "2024-06-13T14:20:10.000005Z"
    assert format_report_date("2024-05-15T15:06:32.141Z") == "2024-05-15T15:06:32.141Z"


def test_wire_choices_live_in_one_table() -> None:
    assert ENDPOINTS["collect"].method == WIRE.collect_method == "PUT"
    assert not ENDPOINTS["collect"].idempotent  # a repeat may spend credits twice
    assert not ENDPOINTS["create_campaign"].idempotent
    assert ENDPOINTS["update_campaign"].idempotent
    assert len(ENDPOINTS) == 11
    assert {e.governor for e in ENDPOINTS.values()} == {"account"}
    assert all(e.path.startswith("/apis/v4/map-rank-tracker/v0/") for e in ENDPOINTS.values())


def test_nested_renamed_classes_decode_whatever_the_registration_order() -> None:
    # The converter used to make hooks in set order: an outer class made before the
    # renamed class it nests read the nested object with Python names.
    for _ in range(20):  # fresh classes: fresh hashes, so a fresh set order each time
        inner = attrs.make_class("Inner", {"review_number": attrs.field(type=int, default=0)})
        outer = attrs.make_class("Outer", {"inner_thing": attrs.field(type=inner)})
        for order in ((outer, inner), (inner, outer)):
            c = make_converter(camel_case=order)
            got: Any = c.structure({"innerThing": {"reviewNumber": 3}}, outer)
            assert got.inner_thing.review_number == 3


# --- campaigns ----------------------------------------------------------------------------


async def test_campaigns_pages_are_complete(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        pager = c.map_rank.campaigns(page_size=7)
        items = await pager
    ids = [x.id for x in items]
    assert len(ids) == len(set(ids)) == CAMPAIGNS
    assert set(ids) == set(mrt(sandbox).campaigns)
    assert pager.pages == seen(sandbox, "campaigns") == 6  # 37 / 7, pages 0..5
    created = [x.created_at for x in items if x.created_at is not None]
    assert len(created) == CAMPAIGNS
    assert created == sorted(created, reverse=True)  # createdAt,DESC by default
    assert all(x.keywords_number and x.points_number in (25, 49) for x in items)


async def test_campaigns_sort_query_and_marked(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        by_name = await c.map_rank.campaigns(sort="businessName,ASC", page_size=50)
        paella = await c.map_rank.campaigns(query="PAELLA")
        marked = await c.map_rank.campaigns(only_marked_for_removal=True)
    names = [x.business.name for x in by_name if x.business and x.business.name]
    assert len(names) == CAMPAIGNS
    assert names == sorted(names)
    assert paella
    assert all("paella" in (x.name or "").lower() for x in paella)
    assert {x.id for x in marked} == mrt(sandbox).marked_for_removal


async def test_get_campaign_types(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox, keywords=2)
    async with sandbox.client() as c:
        got = await c.map_rank.get_campaign(stored["id"])
    assert got.user_id == "84375"
    assert got.business is not None
    assert isinstance(got.business.cid, str)
    assert int(got.business.cid) > 2**63
    assert got.keywords_count == 2
    assert got.points_count == sum(p["isEnabled"] for p in stored["points"])
    assert got.collection_cost == (got.points_count or 0) * 2
    assert got.report_dates == tuple(parse_timestamp(d) for d in stored["reportDates"])
    assert got.last_report_date == got.report_dates[0]
    assert got.status_updated_at is not None
    assert got.status_updated_at.tzinfo is dt.UTC
    assert got.created_at is not None
    assert got.created_at.microsecond == int(stored["createdAt"][20:26])


async def test_unknown_values_and_fields_do_not_break_decoding(sandbox: SemrushSandbox) -> None:
    odd_id = list(mrt(sandbox).campaigns)[ODD_CAMPAIGN]
    async with sandbox.client() as c:
        listed = {x.id: x for x in await c.map_rank.campaigns(page_size=50)}
        got = await c.map_rank.get_campaign(odd_id)
    for x in (listed[odd_id], got):
        assert x.status == "ARCHIVED"
        assert isinstance(x.status, CampaignStatus)
        assert not x.status.known
        assert x.collecting_frequency is not None
        assert x.collecting_frequency.frequency == "DAILY"
        assert not x.collecting_frequency.frequency.known
    assert sum(1 for x in listed.values() if x.status is not None and not x.status.known) == 1


async def test_unknown_campaign_is_not_found(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        with pytest.raises(NotFound, match="Campaign not found"):
            await c.map_rank.get_campaign("00000000-0000-4000-8000-000000000000")


async def test_create_default_grid_and_cost(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        made = await c.map_rank.create_campaign(
            "ChIJ0WHHXq8H9YgRdNsk3gsXmxg", ["restaurant", "bar"]
        )
        seven = await c.map_rank.create_campaign(
            "ChIJplace7",
            ["pizza"],
            name="Seven",
            grid=GridSettings("7x7", DistanceUnit.MI, 2.0),
            frequency=CollectingFrequency(Frequency.MONTHLY, (1, 15), time="09:30", enable=True),
        )
        custom = await c.map_rank.create_campaign(
            "ChIJcustom",
            ["pizza"],
            points=[
                Point(MapCoordinates(34.9, 33.6)),
                Point(MapCoordinates(34.91, 33.61), 7, False),
            ],
        )
        limits = await c.map_rank.limits()
    assert made.status is CampaignStatus.CREATED
    assert len(made.points) == 25
    assert made.collection_cost == 50
    assert made.grid_settings == GridSettings(
        "5x5", DistanceUnit.KM, 1.5, made.grid_settings.base_point if made.grid_settings else None
    )
    assert made.business is not None
    assert made.business.place_ids == ("ChIJ0WHHXq8H9YgRdNsk3gsXmxg",)
    assert seven.name == "Seven"
    assert len(seven.points) == 49
    assert seven.collection_cost == 49
    assert seven.collecting_frequency is not None
    assert seven.collecting_frequency.time == "09:30"
    assert [(p.index, p.is_enabled) for p in custom.points] == [(1, True), (7, False)]
    assert custom.collection_cost == 1
    assert limits.campaigns.in_use == CAMPAIGNS + 3


async def test_create_is_not_repeated_after_a_5xx(sandbox: SemrushSandbox) -> None:
    sandbox.inject("map_rank.create_campaign", "550")
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        with pytest.raises(ServerError):
            await c.map_rank.create_campaign("ChIJx", ["pizza"])
    assert seen(sandbox, "create_campaign") == 1


async def test_update_sends_only_the_given_fields(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox, keywords=2)
    cid = stored["id"]
    kept = stored["keywords"][0]
    async with sandbox.client() as c:
        renamed = await c.map_rank.update_campaign(cid, name="Renamed")
        rekeyed = await c.map_rank.update_campaign(cid, keywords=[kept["name"], "new one"])
        manual = await c.map_rank.update_campaign(cid, frequency=None)
        regrid = await c.map_rank.update_campaign(cid, grid=GridSettings("7x7"))
        back = await c.map_rank.update_campaign(cid, name=None)
    bodies = [body for who, body in mrt(sandbox).patches if who == cid]
    assert bodies == [
        {"name": "Renamed"},
        {"keywords": [kept["name"], "new one"]},
        {"collectingFrequency": None},
        {"gridSettings": {"template": "7x7", "unit": "KM", "distance": 1.5}},
        {"name": None},
    ]
    assert renamed.name == "Renamed"
    assert rekeyed.keywords[0].id == kept["id"]
    assert rekeyed.keywords[1].name == "new one"
    assert manual.collecting_frequency is None
    assert len(regrid.points) == 49
    assert regrid.name == "Renamed"
    assert back.business is not None
    assert back.name == back.business.name


async def test_update_is_retried_after_a_5xx(sandbox: SemrushSandbox) -> None:
    cid = collected(sandbox)["id"]
    sandbox.inject("map_rank.update_campaign", "550")
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        got = await c.map_rank.update_campaign(cid, name="Again")
    assert got.name == "Again"
    assert seen(sandbox, "update_campaign") == 2


async def test_delete(sandbox: SemrushSandbox) -> None:
    cid = collected(sandbox)["id"]
    async with sandbox.client() as c:
        await c.map_rank.delete_campaign(cid)
        with pytest.raises(NotFound):
            await c.map_rank.get_campaign(cid)
        with pytest.raises(NotFound):
            await c.map_rank.delete_campaign(cid)
        assert (await c.map_rank.limits()).campaigns.in_use == CAMPAIGNS - 1


# --- collection and credits ---------------------------------------------------------------


async def test_collect_spends_points_times_keywords(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox, keywords=3)
    cid = stored["id"]
    async with sandbox.client() as c:
        cost = await c.map_rank.collection_cost(cid)
        before = await c.map_rank.limits()
        date = await c.map_rank.collect(cid)
        after = await c.map_rank.limits()
        campaign = await c.map_rank.get_campaign(cid)
        statuses = await c.map_rank.keyword_statuses(cid)
        at_date = await c.map_rank.keyword_statuses(cid, date)
    assert cost == sum(p["isEnabled"] for p in stored["points"]) * 3
    assert after.credits.available == before.credits.available - cost
    assert after.credits.spent_this_month == before.credits.spent_this_month + cost
    assert date.tzinfo is dt.UTC
    assert campaign.last_report_date == date == campaign.report_dates[0]
    assert [s.status for s in statuses] == [KeywordState.COLLECTED] * 3
    assert statuses == at_date


async def test_collect_at_a_given_date(sandbox: SemrushSandbox) -> None:
    cid = collected(sandbox)["id"]
    when = dt.datetime(2026, 2, 25, 17, 30, tzinfo=dt.UTC)
    async with sandbox.client() as c:
        assert await c.map_rank.collect(cid, when) == when
        assert await c.map_rank.collect(cid, "2026-03-01T08:00:00.250Z") == dt.datetime(
            2026, 3, 1, 8, 0, 0, 250000, tzinfo=dt.UTC
        )
        assert when in (await c.map_rank.get_campaign(cid)).report_dates


async def test_collect_refused_when_credits_run_short(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox, keywords=2)
    cost = MapRankServer.cost(stored)
    mrt(sandbox).credits_spent = mrt(sandbox).credits_total - cost + 1
    async with sandbox.client() as c:
        with pytest.raises(CreditsExhausted) as e:
            await c.map_rank.collect(stored["id"])
        assert isinstance(e.value, LimitExceeded)
        assert (e.value.needed, e.value.available) == (cost, cost - 1)
        assert "check_credits=False" in str(e.value)
        assert seen(sandbox, "collect") == 0
        # Without the check the server decides (and refuses: it counts the same way).
        with pytest.raises(PermissionDenied, match="Not enough credits"):
            await c.map_rank.collect(stored["id"], check_credits=False)
    assert seen(sandbox, "collect") == 1


async def test_collect_exactly_affordable_goes_through(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox)
    mrt(sandbox).credits_spent = mrt(sandbox).credits_total - MapRankServer.cost(stored)
    async with sandbox.client() as c:
        await c.map_rank.collect(stored["id"])
        assert (await c.map_rank.limits()).credits.available == 0


@pytest.mark.parametrize("fault", ["550", "drop"])
async def test_collect_is_never_repeated(sandbox: SemrushSandbox, fault: Any) -> None:
    stored = collected(sandbox)
    sandbox.inject("map_rank.collect", fault)
    spent = mrt(sandbox).credits_spent
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        with pytest.raises(ServerError if fault == "550" else TransportError):
            await c.map_rank.collect(stored["id"])
    assert seen(sandbox, "collect") == 1
    # A dropped answer after the server collected: the credits were spent once.
    assert mrt(sandbox).credits_spent == spent + (
        MapRankServer.cost(stored) if fault == "drop" else 0
    )


async def test_collect_429_is_retried(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox)
    sandbox.inject("map_rank.collect", "429", seconds=0.01)
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        await c.map_rank.collect(stored["id"], check_credits=False)
    assert seen(sandbox, "collect") == 2
    assert mrt(sandbox).credits_spent == MapRankServer.cost(stored)


# --- results ------------------------------------------------------------------------------


async def test_heatmap_defaults_to_the_last_report(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox)
    kw = stored["keywords"][0]
    async with sandbox.client() as c:
        camp = await c.map_rank.get_campaign(stored["id"])
        assert camp.business is not None
        assert camp.business.cid
        latest = await c.map_rank.heatmap(camp.id, kw["id"], cid=camp.business.cid)
        same = await c.map_rank.heatmap(
            camp.id, kw["id"], cid=camp.business.cid, report_date=camp.report_dates[0]
        )
        by_place = await c.map_rank.heatmap(
            camp.id,
            kw["id"],
            place_ids=camp.business.place_ids,
            report_date=stored["reportDates"][0],
        )
    assert latest == same  # deterministic per campaign, keyword, date
    assert latest.date == camp.last_report_date
    assert latest.keyword is not None
    assert latest.keyword.name == kw["name"]
    side = 5 if len(stored["points"]) == 25 else 7
    assert len(latest.positions) == camp.points_count
    rows = latest.rows()
    assert len(rows) == side
    assert all(len(r) == side for r in rows)
    assert all(p.position is not None and p.position >= 1 for p in latest.positions)
    assert by_place.date == latest.date


async def test_heatmap_of_another_date_and_of_no_report(sandbox: SemrushSandbox) -> None:
    stored = next(c for c in mrt(sandbox).campaigns.values() if len(c.get("reportDates", [])) >= 2)
    kw = stored["keywords"][0]["id"]
    cid = stored["business"]["cid"]
    async with sandbox.client() as c:
        newest = await c.map_rank.heatmap(stored["id"], kw, cid=cid)
        older = await c.map_rank.heatmap(
            stored["id"], kw, cid=cid, report_date=stored["reportDates"][1]
        )
        oldest = await c.map_rank.heatmap(
            stored["id"], kw, cid=cid, report_date=stored["reportDates"][-1]
        )
        none = await c.map_rank.heatmap(
            stored["id"], kw, cid=cid, report_date="2020-01-01T00:00:00Z"
        )
        with pytest.raises(NotFound, match="Keyword not found"):
            await c.map_rank.heatmap(stored["id"], "00000000-0000-4000-8000-00000000000a", cid=cid)
    assert newest.positions != older.positions
    assert [p.diff for p in oldest.positions] == [0] * len(oldest.positions)  # first report
    newest_by_point = {p.point.id: p for p in newest.positions}
    for p in older.positions:
        n = newest_by_point[p.point.id]
        assert n.diff == (p.position or 0) - (n.position or 0)
    assert none.positions == ()
    assert none.date is None


async def test_heatmap_without_a_report_says_collect_first(sandbox: SemrushSandbox) -> None:
    fresh = next(c for c in mrt(sandbox).campaigns.values() if not c.get("reportDates"))
    async with sandbox.client() as c:
        with pytest.raises(NotFound, match="no report yet") as e:
            await c.map_rank.heatmap(fresh["id"], fresh["keywords"][0]["id"], cid="1")
    assert "collect" in str(e.value)
    assert seen(sandbox, "heatmap") == 0


async def test_metrics_history(sandbox: SemrushSandbox) -> None:
    stored = next(c for c in mrt(sandbox).campaigns.values() if len(c.get("reportDates", [])) >= 2)
    kw = stored["keywords"][0]["id"]
    async with sandbox.client() as c:
        camp = await c.map_rank.get_campaign(stored["id"])
        m = await c.map_rank.metrics(camp.id, kw, cid=stored["business"]["cid"])
        unknown = await c.map_rank.metrics(
            camp.id, "00000000-0000-4000-8000-00000000000b", place_ids=["ChIJx"]
        )
        heat = await c.map_rank.heatmap(camp.id, kw, cid=stored["business"]["cid"])
    # Metric keys drop trailing zeros ("...10.66Z"); they are the same instants.
    assert list(m.average_positions) == sorted(camp.report_dates)
    assert set(m.share_of_voice) == set(camp.report_dates)
    ranks = [min(p.position or 21, 21) for p in heat.positions]
    assert m.average_positions[camp.report_dates[0]] == round(sum(ranks) / len(ranks), 4)
    assert set(unknown.average_positions.values()) == {21.0}
    assert set(unknown.share_of_voice.values()) == {0.0}


async def test_top_competitors_pages_and_own_standing(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox)
    kw = stored["keywords"][0]["id"]
    date = stored["reportDates"][0]
    async with sandbox.client() as c:
        pager = c.map_rank.top_competitors(stored["id"], kw, date, page_size=5)
        before = pager.business  # nothing sent yet
        items = await pager
        by_name = await c.map_rank.top_competitors(stored["id"], kw, date, sort="name,DESC")
        empty = c.map_rank.top_competitors(stored["id"], kw, "2020-01-01T00:00:00Z")
        nothing = await empty
    assert pager.total == len(items) >= 12
    assert len({s.business.cid for s in items}) == len(items)
    assert pager.pages == -(-len(items) // 5)
    positions = [s.average_position or 0 for s in items]
    assert positions == sorted(positions)
    names = [s.business.name or "" for s in by_name]
    assert names == sorted(names, reverse=True)
    assert before is None
    assert pager.business is not None
    assert pager.business.business.cid == stored["business"]["cid"]
    assert pager.business.average_position is not None
    assert all(isinstance(s.business.cid, str) and int(s.business.cid) > 2**63 for s in items)
    assert nothing == []
    assert empty.total == 0


async def test_limits(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        lim = await c.map_rank.limits()
    assert (lim.campaigns.total, lim.campaigns.in_use, lim.campaigns.available) == (
        50,
        CAMPAIGNS,
        50 - CAMPAIGNS,
    )
    assert (lim.credits.total, lim.credits.spent_this_month, lim.credits.available) == (
        10_000,
        0,
        10_000,
    )


# --- validation: a clear error, zero requests ---------------------------------------------

D = "2024-07-05T12:39:22.611Z"
C = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
K = "319563ed-b433-4135-82cb-4146253d2311"
BAD_CALLS: list[tuple[str, Callable[[MapRankResource], Any], str]] = [
    ("no keywords", lambda m: m.create_campaign("p", []), "1 to 100"),
    ("101 keywords", lambda m: m.create_campaign("p", [f"k{i}" for i in range(101)]), "1 to 100"),
    ("long keyword", lambda m: m.create_campaign("p", ["x" * 256]), "at most 255"),
    ("empty keyword", lambda m: m.create_campaign("p", [""]), "non-empty"),
    ("keywords str", lambda m: m.create_campaign("p", "pizza"), "list of strings"),
    ("update keywords", lambda m: m.update_campaign(C, keywords=["x" * 256]), "at most 255"),
    (
        "grid and points",
        lambda m: m.create_campaign(
            "p", ["k"], grid=GridSettings(), points=[Point(MapCoordinates(1, 1))]
        ),
        "not both",
    ),
    (
        "update grid and points",
        lambda m: m.update_campaign(C, grid=GridSettings(), points=[Point(MapCoordinates(1, 1))]),
        "not both",
    ),
    ("grid template", lambda m: m.create_campaign("p", ["k"], grid=GridSettings("big")), "5x5"),
    ("grid None", lambda m: m.update_campaign(C, grid=None), "leave grid out"),  # type: ignore[arg-type]
    (
        "off the map",
        lambda m: m.create_campaign("p", ["k"], points=[Point(MapCoordinates(95, 0))]),
        "map",
    ),
    (
        "frequency time",
        lambda m: m.create_campaign(
            "p", ["k"], frequency=CollectingFrequency(Frequency.WEEKLY, time="9h")
        ),
        "HH:mm",
    ),
    ("empty update", lambda m: m.update_campaign(C), "at least one"),
    (
        "both businesses",
        lambda m: m.heatmap(C, K, cid="1", place_ids=["p"], report_date=D),
        "exactly one",
    ),
    ("no business", lambda m: m.heatmap(C, K, report_date=D), "exactly one"),
    ("metrics no business", lambda m: m.metrics(C, K), "exactly one"),
    ("metrics both", lambda m: m.metrics(C, K, cid="1", place_ids="p"), "exactly one"),
    (
        "date only",
        lambda m: m.heatmap(C, K, cid="1", report_date="2024-07-05"),
        "full timestamp",
    ),
    ("no zone", lambda m: m.collect(C, "2024-07-05T12:39:22"), "full timestamp"),
    ("minutes only", lambda m: m.keyword_statuses(C, "2024-07-05T12:39Z"), "full timestamp"),
    ("date object", lambda m: m.collect(C, dt.date(2024, 7, 5)), "full timestamp"),  # type: ignore[arg-type]
    ("naive datetime", lambda m: m.collect(C, dt.datetime(2024, 7, 5, 12)), "timezone-aware"),
    ("competitors date", lambda m: m.top_competitors(C, K, "yesterday"), "full timestamp"),
    ("long query", lambda m: m.campaigns("q" * 256), "at most 255"),
    ("bad sort", lambda m: m.campaigns(sort="name,DESC"), "createdAt, businessName"),
    ("bad direction", lambda m: m.campaigns(sort="createdAt,desc"), "ASC, DESC"),
    (
        "competitor sort",
        lambda m: m.top_competitors(C, K, D, sort="createdAt,ASC"),
        "shareOfVoice",
    ),
    ("page size", lambda m: m.campaigns(page_size=0), "page_size"),
    ("empty id", lambda m: m.get_campaign(""), "UUID"),
    ("slash id", lambda m: m.delete_campaign("a/b"), "UUID"),
    ("dots id", lambda m: m.collect(".."), "UUID"),
    ("dots in id", lambda m: m.collection_cost("a..b"), "UUID"),
    ("keyword id", lambda m: m.heatmap(C, "../k", cid="1", report_date=D), "UUID"),
    ("empty keyword id", lambda m: m.metrics(C, "", cid="1"), "UUID"),
    ("cid", lambda m: m.metrics(C, K, cid="1/2"), "numeric"),
    ("place id comma", lambda m: m.metrics(C, K, place_ids=["a,b"]), "','"),
    ("place id empty", lambda m: m.metrics(C, K, place_ids=[]), "at least one"),
    ("place id in body", lambda m: m.create_campaign("a/../b", ["k"]), "not a valid id"),
    ("campaign id type", lambda m: m.get_campaign(5), "UUID"),  # type: ignore[arg-type]
    ("competitors id", lambda m: m.top_competitors("", K, D), "UUID"),
]


async def invoke(call: Callable[[MapRankResource], Any], m: MapRankResource) -> None:
    """Pagers validate when made, coroutines when awaited: cover both."""
    result = call(m)
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize(("case", "call", "says"), BAD_CALLS, ids=[b[0] for b in BAD_CALLS])
async def test_bad_input_sends_nothing(
    sandbox: SemrushSandbox, case: str, call: Callable[[MapRankResource], Any], says: str
) -> None:
    async with sandbox.client() as c:
        with pytest.raises(ValidationError, match=says if says != "','" else ","):
            await invoke(call, c.map_rank)
    assert sandbox.counters("account").accepted == 0


async def test_the_sandbox_states_the_rules_itself(sandbox: SemrushSandbox) -> None:
    """Requests a client could send wrongly are refused with a 400 in the envelope."""
    stored = collected(sandbox)
    base = f"{sandbox.url}/apis/v4/map-rank-tracker/v0"
    token = oauth(sandbox).issue_static_token()
    cases = [
        ("GET", "/campaigns?search=x", None),  # [MRTREF] spelling: not this API's
        ("GET", "/campaigns?query=" + "q" * 256, None),
        ("GET", "/campaigns?sort=name,ASC", None),
        ("GET", f"/campaigns/{stored['id']}/heatmap?keywordId=k&cid=1", None),  # no reportDate
        (
            "GET",
            f"/campaigns/{stored['id']}/heatmap?keywordId=k&cid=1&placeIds=p&reportDate={D}",
            None,
        ),
        ("GET", f"/campaigns/{stored['id']}/metrics?keywordId=k", None),
        ("GET", f"/campaigns/{stored['id']}/keywords?reportDate=2024-07-05", None),
        ("PUT", f"/campaigns/{stored['id']}/collect?reportDate=2024-07-05", None),
        ("POST", "/campaigns", {"placeId": "p", "keywords": []}),
        (
            "POST",
            "/campaigns",
            {"placeId": "p", "keywords": ["k"], "gridSettings": {}, "points": []},
        ),
        ("POST", "/campaigns", {"placeId": "p", "keywords": ["k"], "zoom": 3}),
        ("PATCH", f"/campaigns/{stored['id']}", {"keywords": ["x" * 256]}),
    ]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
        for method, path, body in cases:
            await asyncio.sleep(0.03)  # a raw session has no governor: stay under 10/0.25 s
            async with s.request(method, base + path, json=body) as r:
                doc = await r.json()
                assert r.status == 400, (method, path, doc)
                assert doc["meta"]["success"] is False
                assert doc["error"]["code"] == 400
        async with s.get(base + "/campaigns/nope") as r:
            assert r.status == 404
        async with s.get(
            base + "/limits", headers={"Authorization": f"Apikey {sandbox.v4_api_key}"}
        ) as r:
            assert r.status == 200  # a v4 key works too since 2026-08-19 (coverage §6)


# --- auth and governance ------------------------------------------------------------------


async def test_no_token_sends_nothing(sandbox: SemrushSandbox) -> None:
    async with SemrushClient(base_url=sandbox.url, oauth_url=sandbox.url) as c:
        with pytest.raises(LoginRequired):
            await c.map_rank.limits()
    assert sandbox.counters("account").accepted == 0


async def test_401_refreshes_once_then_succeeds(sandbox: SemrushSandbox) -> None:
    server = oauth(sandbox)

    class Provider:
        def __init__(self) -> None:
            self.token = "expired-token-000000"
            self.refreshes = 0

        async def access_token(self) -> str:
            return self.token

        async def refresh(self, rejected: str) -> str:
            self.refreshes += 1
            self.token = server.issue_static_token()
            return self.token

    p = Provider()
    async with sandbox.client(token=p, v4_api_key=None) as c:
        assert (await c.map_rank.limits()).campaigns.total == 50
    assert p.refreshes == 1


async def test_static_token_401_says_log_in_again(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(token="not-a-valid-token", v4_api_key=None) as c:
        with pytest.raises(AuthenticationError, match=r"(?i)log in again") as e:
            await c.map_rank.limits()
    assert "not-a-valid-token" not in str(e.value)


async def test_a_refresh_during_a_burst_happens_once(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox)
    async with sandbox.client(token=None, v4_api_key=None) as c:
        await log_in(c, sandbox)
        oauth(sandbox).advance(WEEK + 1)  # every access token is now expired
        c.auth.provider.clock = offset_clock(sandbox)
        got = await asyncio.gather(*(c.map_rank.get_campaign(stored["id"]) for _ in range(60)))
    assert {g.id for g in got} == {stored["id"]}
    assert oauth(sandbox).refresh_count == 1
    assert c.auth.provider.refreshes == 1
    assert sandbox.counters("account").rejected == 0


async def test_60_concurrent_calls_get_no_429(sandbox: SemrushSandbox) -> None:
    stored = collected(sandbox)
    kw = stored["keywords"][0]["id"]
    cid = stored["business"]["cid"]
    date = stored["reportDates"][0]
    async with sandbox.client() as c:
        mr = c.map_rank
        calls = [
            *(mr.get_campaign(stored["id"]) for _ in range(15)),
            *(mr.heatmap(stored["id"], kw, cid=cid, report_date=date) for _ in range(15)),
            *(mr.metrics(stored["id"], kw, cid=cid) for _ in range(15)),
            *(mr.limits() for _ in range(15)),
        ]
        await asyncio.gather(*calls)
        # Mixed with Analytics v3 calls: one account limit for all of them.
        await asyncio.gather(
            *(mr.limits() for _ in range(20)),
            *(c.backlinks.overview(f"t{i}.example") for i in range(20)),
        )
    account = sandbox.counters("account")
    assert account.accepted == 100
    assert account.rejected == 0
    assert account.max_in_flight <= 10
    assert account.max_in_window(0.25) <= 10


async def test_gets_are_retried_after_a_5xx(sandbox: SemrushSandbox) -> None:
    sandbox.inject("map_rank.limits", "550", times=2)
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        assert (await c.map_rank.limits()).credits.total == 10_000
    assert seen(sandbox, "limits") == 3


async def test_server_400_reaches_the_caller_as_bad_request(sandbox: SemrushSandbox) -> None:
    cid = collected(sandbox)["id"]
    async with sandbox.client() as c:
        # A frequency the server does not accept: the client does not second-guess it.
        with pytest.raises(BadRequest, match=r"collectingFrequency\.frequency") as e:
            await c.map_rank.update_campaign(cid, frequency=CollectingFrequency(Frequency("DAILY")))
    assert e.value.status == 400
    assert e.value.request_id


# --- the command line ---------------------------------------------------------------------


def first_campaign() -> dict[str, Any]:
    return next(c for c in MapRankServer(0).campaigns.values() if c.get("reportDates"))


def test_cli_campaigns_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sandbox", "map-rank", "campaigns", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == CAMPAIGNS
    assert all(r["cost"] == r["keywords"] * r["points"] for r in rows if r["cost"])


def test_cli_heatmap_table_csv_and_geojson(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    c = first_campaign()
    assert main(["--sandbox", "maprank", "heatmap", c["id"]]) == 0
    out = capsys.readouterr().out
    assert c["business"]["name"] in out
    assert "1-3" in out
    side = 5 if len(c["points"]) == 25 else 7
    grid_lines = [ln for ln in out.splitlines() if ln.strip() and ln.split()[0].isdigit()]
    assert len(grid_lines) == side
    assert all(len(ln.split()) == side for ln in grid_lines)
    csv_file, geo_file = tmp_path / "h.csv", tmp_path / "h.geojson"
    assert main(["--sandbox", "map-rank", "heatmap", c["id"], "-o", str(csv_file)]) == 0
    assert main(["--sandbox", "map-rank", "heatmap", c["id"], "-o", str(geo_file)]) == 0
    lines = csv_file.read_text().splitlines()
    assert lines[0] == "row,col,point_id,lat,lng,position,diff"
    assert len(lines) == side * side + 1
    geo = json.loads(geo_file.read_text())
    assert geo["type"] == "FeatureCollection"
    assert len(geo["features"]) == side * side
    _lng, lat = geo["features"][0]["geometry"]["coordinates"]
    assert abs(lat - c["business"]["coordinates"]["lat"]) < 0.1
    assert main(["--sandbox", "map-rank", "heatmap", c["id"], "-o", str(tmp_path / "h.png")]) == 2
    assert ".geojson" in capsys.readouterr().err


def test_cli_collect_limits_keywords_competitors(capsys: pytest.CaptureFixture[str]) -> None:
    c = first_campaign()
    assert main(["--sandbox", "map-rank", "collect", c["id"]]) == 0
    assert "collecting report" in capsys.readouterr().out
    assert main(["--sandbox", "map-rank", "limits", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "what,total,used,available"
    assert main(["--sandbox", "map-rank", "keywords", c["id"], "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "COLLECTED"
    assert main(["--sandbox", "map-rank", "competitors", c["id"], "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["rank"] == "you"
    assert rows[1]["rank"] == 1
    assert main(["--sandbox", "map-rank", "metrics", c["id"], "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("date,average_position,share_of_voice")
    assert main(["--sandbox", "map-rank", "campaign", c["id"]]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == c["id"]


def test_cli_create_update_delete(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "--sandbox",
                "map-rank",
                "create",
                "ChIJx",
                "pizza",
                "beer",
                "--grid",
                "7x7",
                "--format",
                "json",
            ]
        )
        == 0
    )
    made = json.loads(capsys.readouterr().out)
    assert made["cost"] == 98
    c = first_campaign()
    assert (
        main(["--sandbox", "map-rank", "update", c["id"], "--name", "New", "--format", "json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["name"] == "New"
    assert main(["--sandbox", "map-rank", "delete", c["id"], "--yes"]) == 0
    assert "deleted" in capsys.readouterr().out


def test_cli_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    c = first_campaign()
    assert main(["--sandbox", "map-rank", "collect", c["id"], "--report-date", "2024-07-05"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "full timestamp" in err
    assert len(err.splitlines()) == 1
    assert main(["--sandbox", "map-rank", "heatmap", c["id"], "--keyword", "nope"]) == 2
    assert "has no keyword" in capsys.readouterr().err


# --- the docs example ---------------------------------------------------------------------


async def test_docs_heatmap_example_runs(sandbox: SemrushSandbox) -> None:
    from docs.examples.map_rank_heatmap import print_heatmap

    stored = collected(sandbox)
    async with sandbox.client() as c:
        text = await print_heatmap(c, stored["id"])
    assert len(text.splitlines()) in (5, 7)
