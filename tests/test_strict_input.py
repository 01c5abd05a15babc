"""Issue 21, strict input (A7, M5, M6, L1, L2), over real HTTP against the sandbox.

Every refusal is a ValidationError naming the field and what it allows, raised before
anything is sent: the sandbox saw zero requests and the client booked zero units.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from semrush_async import (
    Coordinates,
    LocalLocation,
    Location,
    SemrushClient,
    ServiceAreaPlace,
    errors,
)
from semrush_async.apis.local import endpoints as local_rows
from semrush_async.apis.local.models import location_body
from semrush_async.apis.map_rank import endpoints as map_rank_rows
from semrush_async.apis.map_rank.endpoints import (
    CollectingFrequency,
    Frequency,
    GridSettings,
    Point,
)
from semrush_async.apis.projects import endpoints as projects_rows
from semrush_async.cli import main
from semrush_async.testing import DEFAULT_KEY, SemrushSandbox
from semrush_async.testing._local import LocalServer
from semrush_async.testing._maprank_world import MapRankServer
from semrush_async.v4 import V4Engine

from .conftest import FAST_LIMITS, FAST_RETRY
from .test_local import valid

Spot = map_rank_rows.MapCoordinates
LID = "b326158fb2a24777a76575b1883923e6"
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
DATE = "2024-07-05T12:39:22.611Z"


@pytest_asyncio.fixture
async def sb() -> AsyncIterator[SemrushSandbox]:
    async with SemrushSandbox(
        limits=FAST_LIMITS,
        client_options={"safety_margin": 0.05, "retry_policy": FAST_RETRY},
    ) as sandbox:
        yield sandbox


def loose(value: Any) -> Any:
    """A value of the wrong type, past the type checker (that is the point)."""
    return value


def requests_seen(sb: SemrushSandbox) -> int:
    """Every request the sandbox admitted or refused, on any endpoint."""
    return sum(c.accepted + c.rejected for c in sb.state.limits.counters.values())


def assert_nothing_sent(sb: SemrushSandbox, c: SemrushClient) -> None:
    assert requests_seen(sb) == 0
    assert c.units.spent == c.units.reserved == 0


async def run(call: Callable[[SemrushClient], Any], c: SemrushClient) -> None:
    result = call(c)
    if inspect.isawaitable(result):
        await result
    else:
        [x async for x in result]


async def refused(
    sb: SemrushSandbox, call: Callable[[SemrushClient], Any], field: str, says: str
) -> errors.ValidationError:
    """``call`` raises a ValidationError naming ``field`` and ``says``; nothing is sent.
    Pagers check when made, coroutines when awaited (iterating covers both)."""
    async with sb.client(unit_budget=1_000_000) as c:
        with pytest.raises(errors.ValidationError) as info:
            await run(call, c)
        assert_nothing_sent(sb, c)
    text = str(info.value)
    assert field in text, text
    assert says in text, text
    return info.value


def local_store(sb: SemrushSandbox) -> dict[str, dict[str, Any]]:
    server: LocalServer = sb.state.extensions["local"]
    return server.store(sb.api_key)


def campaigns(sb: SemrushSandbox) -> dict[str, dict[str, Any]]:
    server: MapRankServer = sb.state.extensions["map_rank"]
    return server.campaigns


# --- A7: a mistyped database --------------------------------------------------------------


async def test_unknown_database_is_sent_and_its_refusal_names_the_nearest_codes(
    sb: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    async with sb.client() as c:
        with (
            caplog.at_level(logging.WARNING, "semrush_async"),
            pytest.raises(errors.APIError) as info,
        ):
            await c.domains.organic("a.example", database="uss")  # type: ignore[arg-type]
    # Sent (Semrush may add databases), refused once, and the advice is about the code.
    assert sb.counters("account").accepted == 1
    assert "not in the documented list" in caplog.text
    assert "nearest known codes: us, ua, uk" in caplog.text
    err = info.value
    assert isinstance(err, errors.BadRequest)
    assert not isinstance(err, errors.PermissionDenied)
    assert err.code == 133
    text = str(err)
    assert "'uss' is not a known Semrush database" in text
    assert "nearest known codes are us, ua, uk" in text
    assert "subscription" not in text


async def test_a_known_database_keeps_the_permission_advice(sb: SemrushSandbox) -> None:
    async with sb.client() as c:
        q = c.analytics.query("domain_organic", domain="a.example", database="us")
        assert q.call().codes == {}


# --- M5: Local input is refused, not stringified ---------------------------------------------

LOCAL_BAD: list[tuple[str, Callable[[Any], Any], str, str]] = [
    (
        "category_ids as a string",
        lambda c: c.local.create_location(valid(category_ids="gcid:bar")),
        "category_ids",
        "expected a list, got str 'gcid:bar'",
    ),
    (
        "category_ids as a string in JSON",
        lambda c: c.local.create_location({**location_body(valid()), "category_ids": "gcid:bar"}),
        "category_ids",
        "expected a list",
    ),
    (
        "category id format",
        lambda c: c.local.create_location(valid(category_ids=("gcid:bar",))),
        "category_ids[0]",
        "32 lower-case hex",
    ),
    (
        "None for a required string",
        lambda c: c.local.create_location(
            {
                **location_body(valid()),
                "suppress_address": True,
                "service_area_places": [{"name": None, "place_id": "p1"}],
            }
        ),
        "service_area_places[0].name",
        "expected a string, got NoneType None",
    ),
    (
        "a list for a string",
        lambda c: c.local.create_location(valid(city=["Delta", "Nephi"])),
        "city",
        "expected a string, got list",
    ),
    (
        "a number for a string",
        lambda c: c.local.create_location(valid(zip=84624)),
        "zip",
        "expected a string, got int 84624",
    ),
    (
        "typed place with None",
        lambda c: c.local.create_location(
            valid(suppress_address=True, service_area_places=(ServiceAreaPlace(loose(None), "p"),))
        ),
        "service_area_places[0].name",
        "expected a string",
    ),
    (
        "update category_ids as a string",
        lambda c: c.local.update_location(LID, category_ids="gcid:bar"),
        "category_ids",
        "expected a list",
    ),
    (
        "update a list for a string",
        lambda c: c.local.update_location(LID, twitter_username=["a"]),
        "twitter_username",
        "expected a string",
    ),
    (
        "validate_only not a bool",
        lambda c: c.local.create_location(valid(), validate_only="no"),
        "validate_only",
        "True or False",
    ),
    ("delete None", lambda c: c.local.delete_location(None), "location_id", "32 lower-case hex"),
    ("get an int", lambda c: c.local.get_location(123), "location_id", "32 lower-case hex"),
    ("get 'abc'", lambda c: c.local.get_location("abc"), "location_id", "32 lower-case hex"),
    ("get upper case", lambda c: c.local.get_location(LID.upper()), "location_id", "lower-case"),
    ("update an int", lambda c: c.local.update_location(7, city="x"), "location_id", "hex"),
    ("statuses ints", lambda c: c.local.locations([1]), "status", "COMPLETED"),
]


@pytest.mark.parametrize(
    ("case", "call", "field", "says"), LOCAL_BAD, ids=[b[0] for b in LOCAL_BAD]
)
async def test_local_input_is_refused_before_sending(
    sb: SemrushSandbox, case: str, call: Callable[[SemrushClient], Any], field: str, says: str
) -> None:
    await refused(sb, call, field, says)


async def test_local_typed_and_plain_input_still_work(sb: SemrushSandbox) -> None:
    lid = next(k for k, v in local_store(sb).items() if v["location_status"] == "COMPLETED")
    async with sb.client() as c:
        made = await c.local.create_location(valid(), validate_only=True)
        plain = await c.local.create_location(location_body(valid()), validate_only=True)
        done = await c.local.update_location(lid, category_ids=["c8124a0c01554493a645a58bb1fd9247"])
    assert made.category_ids == plain.category_ids == valid().category_ids
    assert done.category_ids == ("c8124a0c01554493a645a58bb1fd9247",)
    assert local_store(sb)[lid]["category_ids"] == ["c8124a0c01554493a645a58bb1fd9247"]


def test_from_listing_refuses_a_string_for_category_ids() -> None:
    with pytest.raises(errors.ValidationError, match="category_ids must be a list"):
        LocalLocation.from_listing(Location(location_name="Cafe"), category_ids="gcid:bar")


def test_cli_local_update_refuses_a_string_for_a_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = LocalServer(0, 137).store(DEFAULT_KEY)  # what a fresh --sandbox holds
    lid = next(iter(store))
    f = tmp_path / "changes.json"
    f.write_text(json.dumps({"category_ids": "gcid:bar"}))
    assert main(["--sandbox", "local", "update", lid, str(f)]) == 2
    err = capsys.readouterr().err
    assert "category_ids" in err
    assert "expected a list" in err
    assert "Traceback" not in err
    assert main(["--sandbox", "local", "get", "123"]) == 2
    err = capsys.readouterr().err
    assert "32 lower-case hex" in err


MAP_RANK_BAD: list[tuple[str, Callable[[Any], Any], str, str]] = [
    ("campaign 'abc'", lambda c: c.map_rank.get_campaign("abc"), "campaign_id", "UUID"),
    ("campaign int", lambda c: c.map_rank.delete_campaign(5), "campaign_id", "UUID"),
    ("campaign None", lambda c: c.map_rank.collect(None), "campaign_id", "UUID"),
    ("keyword id", lambda c: c.map_rank.metrics(UUID, "k1", cid="1"), "keyword_id", "UUID"),
    ("cid not numeric", lambda c: c.map_rank.metrics(UUID, UUID, cid="abc"), "cid", "numeric"),
    ("place id int", lambda c: c.map_rank.metrics(UUID, UUID, place_ids=[5]), "place_id", "str"),
    (
        "distance as a string",
        lambda c: c.map_rank.create_campaign("p", ["k"], grid=GridSettings(distance=loose("1.5"))),
        "grid.distance",
        "expected a number, got str '1.5'",
    ),
    (
        "positions as a string",
        lambda c: c.map_rank.create_campaign(
            "p",
            ["k"],
            frequency=CollectingFrequency(Frequency.WEEKLY, positions=loose("12")),
        ),
        "frequency.positions",
        "expected a list",
    ),
    (
        "interval as a bool",
        lambda c: c.map_rank.update_campaign(
            UUID, frequency=CollectingFrequency(Frequency.WEEKLY, interval=True)
        ),
        "frequency.interval",
        "expected an integer, got bool True",
    ),
    (
        "point index as a string",
        lambda c: c.map_rank.create_campaign("p", ["k"], points=[Point(Spot(1, 2), loose("1"))]),
        "points[0].index",
        "expected an integer",
    ),
    (
        "removal flag not a bool",
        lambda c: c.map_rank.campaigns(only_marked_for_removal="no"),
        "only_marked_for_removal",
        "True, False or None",
    ),
]


@pytest.mark.parametrize(
    ("case", "call", "field", "says"), MAP_RANK_BAD, ids=[b[0] for b in MAP_RANK_BAD]
)
async def test_map_rank_input_is_refused_before_sending(
    sb: SemrushSandbox, case: str, call: Callable[[SemrushClient], Any], field: str, says: str
) -> None:
    await refused(sb, call, field, says)


LISTINGS_BAD: list[tuple[str, Callable[[Any], Any], str, str]] = [
    ("id int", lambda c: c.listings.get_location(123), "location id", "string"),
    (
        "name int",
        lambda c: c.listings.update_location(Location(location_name=loose(5)), "a1"),
        "location_name",
        "expected a string",
    ),
    (
        "bulk item",
        lambda c: c.listings.update_locations([Location(id="a1", city=loose(["x"]))]),
        "locations[0].city",
        "expected a string",
    ),
]


@pytest.mark.parametrize(
    ("case", "call", "field", "says"), LISTINGS_BAD, ids=[b[0] for b in LISTINGS_BAD]
)
async def test_listings_input_is_refused_before_sending(
    sb: SemrushSandbox, case: str, call: Callable[[SemrushClient], Any], field: str, says: str
) -> None:
    await refused(sb, call, field, says)


def test_listings_from_dict_is_strict() -> None:
    with pytest.raises(errors.ValidationError, match="location_name: expected a string"):
        Location.from_dict({"locationName": 5})
    with pytest.raises(errors.ValidationError, match=r"business_hours.monday: expected a list"):
        Location.from_dict({"businessHours": {"monday": "09:00-17:00"}})
    assert Location.from_dict({"website": "https://a.example"}).website_url == "https://a.example"


# --- M6: counts are integers ------------------------------------------------------------------

COUNTS_BAD: list[tuple[str, Callable[[Any], Any], str, str]] = [
    (
        "v4 limit 2.5e3",
        lambda c: c.backlinks_v4.links("a.example", "ROOT_DOMAIN", limit=2.5e3),
        "limit",
        "must be an integer >= 1 or None, got float 2500.0",
    ),
    (
        "v4 page_size float",
        lambda c: c.backlinks_v4.ref_domains("a.example", "ROOT_DOMAIN", page_size=100.0),
        "page_size",
        "got float 100.0",
    ),
    (
        "v4 offset bool",
        lambda c: c.backlinks_v4.anchors("a.example", "ROOT_DOMAIN", offset=True),
        "offset",
        "got bool True",
    ),
    (
        "v4 summary months",
        lambda c: c.backlinks_v4.summary("a.example", "ROOT_DOMAIN", limit=6.0),
        "limit",
        "float 6.0",
    ),
    ("v3 limit float", lambda c: c.backlinks.backlinks("a.example", limit=2.5e3), "limit", "float"),
    (
        "v3 offset float",
        lambda c: c.backlinks.refdomains("a.example", offset=1.5),
        "offset",
        "float",
    ),
    (
        "v3 page_size str",
        lambda c: c.domains.organic("a.example", database="us", page_size="10"),
        "page_size",
        "got str '10'",
    ),
    (
        "v3 limit bool",
        lambda c: c.analytics.report(
            "domain_organic", domain="a.example", database="us", limit=True
        ),
        "limit",
        "bool",
    ),
    ("listings page_size", lambda c: c.listings.locations(page_size=2.5), "page_size", "float"),
    ("listings read_ahead", lambda c: c.listings.locations(read_ahead=1.5), "read_ahead", "float"),
    ("listings page", lambda c: c.listings.get_locations_page(1.0), "page", "float"),
    ("projects page_size", lambda c: c.projects.list(page_size=10.0), "page_size", "float"),
    ("map rank page_size", lambda c: c.map_rank.campaigns(page_size=10.0), "page_size", "float"),
]


@pytest.mark.parametrize(
    ("case", "call", "field", "says"), COUNTS_BAD, ids=[b[0] for b in COUNTS_BAD]
)
async def test_a_count_that_is_not_an_int_is_refused_before_sending(
    sb: SemrushSandbox, case: str, call: Callable[[SemrushClient], Any], field: str, says: str
) -> None:
    await refused(sb, call, field, says)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"workers": 2.5}, "workers"),
        ({"workers": True}, "workers"),
        ({"limit_per_target": 1.5}, "limit_per_target"),
        ({"page_size": 2.5e3}, "page_size"),
    ],
)
async def test_harvest_counts_are_ints(
    sb: SemrushSandbox, options: dict[str, Any], field: str
) -> None:
    async with sb.client() as c:
        with pytest.raises(errors.ValidationError, match=field) as info:
            c.backlinks.harvest(["a.example", "b.example"], **options)
        with pytest.raises(errors.ValidationError, match=field):
            c.domains.harvest("organic", ["a.example"], database="us", **options)
        assert_nothing_sent(sb, c)
    assert "must be an integer" in str(info.value)


@pytest.mark.parametrize(
    "argv",
    [
        ["backlinks", "export", "backlinks", "a.example", "--limit", "2.5e3"],
        ["backlinks", "export", "backlinks", "a.example", "--page-size", "100.0"],
        ["domains", "organic", "a.example", "--database", "us", "--limit", "1.5"],
        ["projects", "list", "--page-size", "10.5"],
    ],
)
def test_cli_counts_are_ints(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--sandbox", *argv])
    assert info.value.code == 2
    assert "must be an integer >= " in capsys.readouterr().err


# --- L1: NaN and Infinity never go out -------------------------------------------------------

NAN = float("nan")
INF = float("inf")

NOT_JSON: list[tuple[str, Callable[[Any], Any], str, str]] = [
    (
        "base point NaN",
        lambda c: c.map_rank.create_campaign(
            "p", ["k"], grid=GridSettings(base_point=Spot(NAN, 0))
        ),
        "grid.base_point.lat",
        "finite",
    ),
    (
        "base point off the map",
        lambda c: c.map_rank.create_campaign(
            "p", ["k"], grid=GridSettings(base_point=Spot(10, 181))
        ),
        "grid.base_point.lng",
        "-180..180",
    ),
    (
        "distance Infinity",
        lambda c: c.map_rank.update_campaign(UUID, grid=GridSettings(distance=INF)),
        "grid.distance",
        "finite",
    ),
    (
        "point NaN",
        lambda c: c.map_rank.create_campaign("p", ["k"], points=[Point(Spot(1, NAN))]),
        "points[0].coordinates.lng",
        "finite",
    ),
    (
        "local coordinates NaN",
        lambda c: c.local.create_location(valid(coordinates=Coordinates(NAN, 0))),
        "coordinates.latitude",
        "finite",
    ),
    (
        "local coordinates off the map",
        lambda c: c.local.create_location(valid(coordinates=Coordinates(91, 0))),
        "coordinates.latitude",
        "-90..90",
    ),
    (
        "local update Infinity",
        lambda c: c.local.update_location(LID, coordinates={"latitude": 1, "longitude": -INF}),
        "coordinates.longitude",
        "finite",
    ),
    (
        "the one v4 encoder",
        lambda c: V4Engine(c).send(local_rows.CREATE_LOCATION, body={"x": [1.0, NAN]}),
        "JSON",
        "finite",
    ),
]


@pytest.mark.parametrize(("case", "call", "field", "says"), NOT_JSON, ids=[b[0] for b in NOT_JSON])
async def test_nan_infinity_and_off_the_map_are_refused(
    sb: SemrushSandbox, case: str, call: Callable[[SemrushClient], Any], field: str, says: str
) -> None:
    await refused(sb, call, field, says)


def test_cli_map_rank_refuses_an_infinite_distance(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--sandbox", "map-rank", "create", "ChIJx", "pizza", "--grid", "5x5"]
    assert main([*argv, "--distance", "inf"]) == 2
    err = capsys.readouterr().err
    assert "grid.distance" in err
    assert "finite" in err
    assert "Traceback" not in err


async def test_valid_coordinates_go_out_as_numbers(sb: SemrushSandbox) -> None:
    async with sb.client() as c:
        made = await c.map_rank.create_campaign(
            "ChIJD61nCjmD4BQRhaNSCAIuSm4",
            ["cold beer"],
            grid=GridSettings("3x3", distance=2, base_point=Spot(-90, 180)),
        )
    assert made.grid_settings is not None
    assert made.grid_settings.distance == 2.0
    assert campaigns(sb)[made.id]["gridSettings"]["basePoint"] == {"lat": -90.0, "lng": 180.0}


# --- L2: a DELETE whose answer was lost succeeded ------------------------------------------------


def test_every_v4_delete_is_done_when_its_retry_finds_nothing() -> None:
    rows = [
        *local_rows.ENDPOINTS,
        *map_rank_rows.ENDPOINTS.values(),
        *projects_rows.V1.values(),
        *projects_rows.V0.values(),
    ]
    deletes = [e for e in rows if e.method == "DELETE"]
    assert len(deletes) == 4
    assert all(e.gone_ok_on_retry for e in deletes)
    assert not any(e.gone_ok_on_retry for e in rows if e.method != "DELETE")


async def test_local_delete_whose_answer_was_lost_succeeds(sb: SemrushSandbox) -> None:
    lid = next(k for k, v in local_store(sb).items() if v["location_status"] == "COMPLETED")
    sb.inject("local.delete_location", "drop")  # applied, then the connection drops
    async with sb.client() as c:
        await c.local.delete_location(lid)
    assert lid not in local_store(sb)
    assert sb.counters("local.delete_location").accepted == 2
    assert sb.faults_injected == [("local.delete_location", "drop")]


async def test_map_rank_delete_whose_answer_was_lost_succeeds(sb: SemrushSandbox) -> None:
    cid = next(iter(campaigns(sb)))
    sb.inject("map_rank.delete_campaign", "drop")
    async with sb.client() as c:
        await c.map_rank.delete_campaign(cid)
        with pytest.raises(errors.NotFound):
            await c.map_rank.get_campaign(cid)
    assert cid not in campaigns(sb)
    assert sb.counters("map_rank.delete_campaign").accepted == 2


async def test_a_delete_of_nothing_is_still_not_found(sb: SemrushSandbox) -> None:
    deletes: list[Callable[[SemrushClient], Awaitable[None]]] = [
        lambda c: c.local.delete_location("0" * 32),
        lambda c: c.map_rank.delete_campaign(UUID),
    ]
    async with sb.client() as c:
        for delete in deletes:
            with pytest.raises(errors.NotFound):
                await delete(c)
    assert sb.counters("local.delete_location").accepted == 1
    assert sb.counters("map_rank.delete_campaign").accepted == 1
