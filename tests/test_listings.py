"""client.listings against the sandbox over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from typing import Any

import pytest

from semrush_async import AuthenticationError, BadRequest, NotFound, ValidationError
from semrush_async.apis.listings.models import (
    BusinessHours,
    HolidayHours,
    HolidayType,
    Location,
    TimeRange,
    UpdateState,
    validate_location,
)
from semrush_async.testing import SemrushSandbox

TOMORROW = dt.date.today() + dt.timedelta(days=1)
HOURS = BusinessHours(monday=(TimeRange("09:00", "17:00"),))


def store(sb: SemrushSandbox) -> dict[str, dict[str, Any]]:
    s: dict[str, dict[str, Any]] = sb.state.extensions["locations"]
    return s


def minimal(lid: str, name: str = "Shop") -> Location:
    return Location(
        id=lid, location_name=name, address="1 Main St", phone="+15550100", city="Ashville"
    )


async def test_stream_every_location_exactly_once(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        ids = [loc.id async for loc in c.listings.locations(page_size=7)]
    assert sorted(ids) == sorted(store(sandbox))  # type: ignore[type-var]
    assert len(ids) == len(set(ids)) == 60
    assert sandbox.counters("listings.get_locations").accepted == 9  # ceil(60 / 7)


async def test_read_ahead_overlaps_pages(sandbox: SemrushSandbox) -> None:
    sandbox.state.latency = {"listings.get_locations": 0.05}
    async with sandbox.client() as c:
        locs = await c.listings.locations(page_size=5, read_ahead=4)
    assert len(locs) == 60
    assert sandbox.counters("listings.get_locations").max_in_flight > 1
    assert sandbox.counters("listings.get_locations").rejected == 0


async def test_read_ahead_keeps_the_order_and_leaves_nothing_running(
    sandbox: SemrushSandbox,
) -> None:
    # The v4 engine's pager reads numbered pages ahead once the first page gives the
    # total; the rows still come in page order, and stopping early cancels the rest.
    sandbox.state.latency = {"listings.get_locations": 0.02}
    async with sandbox.client() as c:
        one_by_one = [loc.id async for loc in c.listings.locations(page_size=7)]
        assert sandbox.counters("listings.get_locations").max_in_flight == 1
        ahead = [loc.id async for loc in c.listings.locations(page_size=7, read_ahead=3)]
        assert ahead == one_by_one
        sent = sandbox.counters("listings.get_locations").accepted
        seen = 0
        pager = c.listings.locations(page_size=7, read_ahead=3)
        async with contextlib.aclosing(pager.batches()) as batches:
            async for _ in batches:
                seen += 1
                if seen == 2:  # page 2, with pages 3-5 in flight
                    break
        await asyncio.sleep(0)  # let the cancelled requests finish cancelling
        running = [t for t in asyncio.all_tasks() if "V4Engine.send" in repr(t.get_coro())]
        assert running == []
        # Page 1, then pages 2-5 at most (page 2 and the 3 ahead of it).
        assert sandbox.counters("listings.get_locations").accepted - sent <= 5
    assert sandbox.counters("listings.get_locations").rejected == 0


async def test_website_alias_and_output_fields(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        locs = await c.listings.locations(page_size=20)
    # The sandbox sends "website" for every fifth location (as the docs' field list).
    assert all(loc.website_url and loc.website_url.startswith("https://") for loc in locs)
    assert {loc.status for loc in locs} == {"COMPLETE", "PENDING"}
    assert all(loc.country_code for loc in locs)
    assert any(loc.errors for loc in locs)


async def test_get_and_update_round_trip_persists(sandbox: SemrushSandbox) -> None:
    lid = next(i for i, v in store(sandbox).items() if v["status"] == "COMPLETE")
    async with sandbox.client() as c:
        before = await c.listings.get_location(lid)
        changed = Location(
            location_name="Renamed",
            address=before.address,
            phone=before.phone,
            city=before.city,
            business_hours=HOURS,
            holiday_hours=(
                HolidayHours(HolidayType.CLOSED, TOMORROW),
                HolidayHours(
                    HolidayType.RANGE,
                    TOMORROW + dt.timedelta(days=1),
                    (TimeRange("10:00", "12:00"),),
                ),
            ),
            reopen_date=TOMORROW,
        )
        updated = await c.listings.update_location(changed, lid)
        after = await c.listings.get_location(lid)
    assert updated.location_name == after.location_name == "Renamed"
    assert after.zip == before.zip  # absent in the update: untouched
    assert after.holiday_hours == changed.holiday_hours
    assert after.reopen_date == TOMORROW


async def test_update_never_sends_nulls(sandbox: SemrushSandbox) -> None:
    body = minimal("abc").to_dict()
    assert None not in body.values()
    assert "zip" not in body
    assert "businessHours" not in body
    data = {"id": "x", "locationName": "N", "unknownField": 1, "status": "COMPLETE"}
    assert Location.from_dict(data).to_dict() == {
        "id": "x",
        "locationName": "N",
        "status": "COMPLETE",
    }


async def test_not_found_and_not_complete(sandbox: SemrushSandbox) -> None:
    pending = next(i for i, v in store(sandbox).items() if v["status"] != "COMPLETE")
    async with sandbox.client() as c:
        with pytest.raises(NotFound) as ei:
            await c.listings.get_location("0" * 32)
        assert ei.value.details[0].code == "LOCATION_NOT_FOUND"
        assert ei.value.request_id
        with pytest.raises(BadRequest) as ei2:
            await c.listings.update_location(minimal(pending))
        assert ei2.value.details[0].code == "LOCATION_HAS_NOT_COMPLETE_STATUS"


async def test_bulk_of_120_in_three_requests(sandbox: SemrushSandbox) -> None:
    ids = list(store(sandbox))
    pending = {i for i in ids if store(sandbox)[i]["status"] != "COMPLETE"}
    locs = [minimal(i, f"Bulk {n}") for n, i in enumerate(ids)]
    locs += [minimal(f"{n:032x}", "Ghost") for n in range(60)]
    seen: list[tuple[int, int]] = []
    async with sandbox.client() as c:
        results = await c.listings.update_locations(
            locs, progress=lambda done, total: seen.append((done, total))
        )
    assert sandbox.counters("listings.update_locations").accepted == 3
    assert seen == [(50, 120), (100, 120), (120, 120)]
    assert [r.location_id for r in results] == [loc.id for loc in locs]
    by_id = {r.location_id: r for r in results}
    for i in ids:
        r = by_id[i]
        if i in pending:
            assert r.state is UpdateState.FAILED
            assert r.error is not None
            assert r.error.details[0].code == "LOCATION_HAS_NOT_COMPLETE_STATUS"
        else:
            assert r.ok
            assert store(sandbox)[i]["locationName"].startswith("Bulk ")
    ghosts = results[60:]
    assert all(r.error is not None and r.error.code == "RESOURCE_NOT_FOUND" for r in ghosts)


async def test_bulk_duplicates_rejected_before_sending(sandbox: SemrushSandbox) -> None:
    ids = list(store(sandbox))
    async with sandbox.client() as c:
        with pytest.raises(ValidationError) as ei:
            await c.listings.update_locations([minimal(ids[0]), minimal(ids[1]), minimal(ids[0])])
    d = ei.value.details[0]
    assert (d.code, d.field) == ("LOCATIONS_ARE_NOT_UNIQUE", "locations[2].id")
    assert sandbox.counters("listings.update_locations").accepted == 0
    assert not any(s.started or s.waiting for s in c.governor_stats().values())


BAD_CASES: list[tuple[dict[str, Any], str, str, int | None]] = [
    ({"location_name": None}, "FIELD_REQUIRED", "locationName", None),
    ({"address": ""}, "FIELD_REQUIRED", "address", None),
    ({"phone": None}, "FIELD_REQUIRED", "phone", None),
    ({"city": " "}, "FIELD_REQUIRED", "city", None),
    ({"location_name": "x" * 101}, "FIELD_TOO_LONG", "locationName", None),
    ({"address": "x" * 191}, "FIELD_TOO_LONG", "address", None),
    ({"additional_address_info": "x" * 65}, "FIELD_TOO_LONG", "additionalAddressInfo", None),
    ({"website_url": "https://" + "x" * 250}, "FIELD_TOO_LONG", "websiteUrl", None),
    (
        {"business_hours": BusinessHours(monday=(TimeRange("9:00", "17:00"),))},
        "INVALID_TIME_FORMAT",
        "businessHours.monday",
        0,
    ),
    (
        {"business_hours": BusinessHours(friday=(TimeRange("09:00", "24:00"),))},
        "INVALID_TIME_FORMAT",
        "businessHours.friday",
        0,
    ),
    (
        {
            "business_hours": BusinessHours(
                monday=tuple(TimeRange("0{i}:00", "0{i}:30") for i in range(4))
            )
        },
        "TIMES_TOO_MANY_RANGES",
        "businessHours.monday",
        None,
    ),
    (
        {"holiday_hours": (HolidayHours(HolidayType.CLOSED, TOMORROW),)},
        "BUSINESS_HOURS_REQUIRED",
        "holidayHours",
        None,
    ),
    (
        {"business_hours": HOURS, "holiday_hours": (HolidayHours("BOGUS", TOMORROW),)},  # type: ignore[arg-type]
        "INVALID_HOLIDAY_TYPE",
        "holidayHours.type",
        0,
    ),
    (
        {
            "business_hours": HOURS,
            "holiday_hours": (
                HolidayHours(HolidayType.CLOSED, TOMORROW, (TimeRange("10:00", "11:00"),)),
            ),
        },
        "TIMES_NOT_ALLOWED",
        "holidayHours.times",
        0,
    ),
    (
        {
            "business_hours": HOURS,
            "holiday_hours": (
                HolidayHours(HolidayType.CLOSED, TOMORROW),
                HolidayHours(
                    HolidayType.RANGE,
                    TOMORROW,
                    tuple(TimeRange(f"1{i}:00", f"1{i}:30") for i in range(4)),
                ),
            ),
        },
        "TIMES_TOO_MANY_RANGES",
        "holidayHours.times",
        1,
    ),
    (
        {
            "business_hours": HOURS,
            "holiday_hours": (
                HolidayHours(HolidayType.CLOSED, TOMORROW),
                HolidayHours(HolidayType.OPENED_ALL_DAY, TOMORROW),
            ),
        },
        "HOLIDAY_DAY_NOT_UNIQUE",
        "holidayHours.day",
        1,
    ),
    (
        {"business_hours": HOURS, "holiday_hours": (HolidayHours(HolidayType.RANGE, TOMORROW),)},
        "TIMES_REQUIRED",
        "holidayHours.times",
        0,
    ),
    (
        {
            "business_hours": HOURS,
            "holiday_hours": (
                HolidayHours(
                    HolidayType.RANGE,
                    TOMORROW,
                    (TimeRange("10:00", "12:00"), TimeRange("11:00", "13:00")),
                ),
            ),
        },
        "TIMES_OVERLAP",
        "holidayHours.times",
        0,
    ),
    ({"reopen_date": dt.date.today()}, "REOPEN_DATE_NOT_IN_FUTURE", "reopenDate", None),
]


@pytest.mark.parametrize(("changes", "code", "field", "index"), BAD_CASES)
async def test_every_rule_on_client_and_server(
    sandbox: SemrushSandbox, changes: dict[str, Any], code: str, field: str, index: int | None
) -> None:
    import attrs

    lid = next(i for i, v in store(sandbox).items() if v["status"] == "COMPLETE")
    loc = attrs.evolve(minimal(lid), **changes)
    problems = validate_location(loc, require_id=True)
    assert (code, field, index) in {(p.code, p.field, p.index) for p in problems}
    async with sandbox.client() as c:
        with pytest.raises(ValidationError):
            await c.listings.update_location(loc)
        with pytest.raises(ValidationError) as ei:
            await c.listings.update_locations([minimal(lid), loc])
    # The rule's own code, or the strict type check's (an unknown holiday type).
    assert any(d.field and d.field.startswith("locations[1].") for d in ei.value.details)
    assert sandbox.counters("listings.update_location").accepted == 0
    # The server enforces the same rule when a client skips validation.
    import aiohttp

    token = sandbox.state.extensions["oauth"].issue_static_token()
    body = {k: v for k, v in loc.to_dict().items() if k != "id"}
    async with (
        aiohttp.ClientSession() as s,
        s.put(
            f"{sandbox.url}/apis/v4/listing-management/v1/external/locations/{lid}",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        ) as r,
    ):
        doc = await r.json()
    assert r.status == 400
    assert code in {d["code"] for d in doc["error"]["details"]}


async def test_from_dict_names_bad_field(sandbox: SemrushSandbox) -> None:
    with pytest.raises(ValidationError, match=r"holiday_hours\[0\]\.day"):
        Location.from_dict({"holidayHours": [{"type": "CLOSED", "day": "2024-13-45"}]})


async def test_401_refreshes_once_then_succeeds(sandbox: SemrushSandbox) -> None:
    oauth = sandbox.state.extensions["oauth"]

    class Provider:
        def __init__(self) -> None:
            self.token = "expired-token-000000"
            self.refreshes = 0

        async def access_token(self) -> str:
            return self.token

        async def refresh(self, rejected: str) -> str:
            assert rejected == "expired-token-000000"
            self.refreshes += 1
            self.token = oauth.issue_static_token()
            return self.token

    p = Provider()
    async with sandbox.client(token=p) as c:
        lid = next(iter(store(sandbox)))
        assert (await c.listings.get_location(lid)).id == lid
    assert p.refreshes == 1


async def test_static_token_401_says_log_in_again(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(token="not-a-valid-token") as c:
        with pytest.raises(AuthenticationError, match=r"(?i)log in again"):
            await c.listings.get_location(next(iter(store(sandbox))))


async def test_no_token_fails_before_sending(sandbox: SemrushSandbox) -> None:
    from semrush_async import SemrushClient

    async with SemrushClient(base_url=sandbox.url) as c:
        with pytest.raises(AuthenticationError, match="device_login"):
            await c.listings.get_location("abc")
    assert sandbox.counters("listings.get_location").accepted == 0


async def test_update_locations_governance_zero_429(sandbox: SemrushSandbox) -> None:
    # FAST_LIMITS: 5 per 1.5 s, one in flight. 12 batches -> at least 2 waits.
    sandbox.state.latency = {"listings.update_locations": 0.02}
    ids = [i for i, v in store(sandbox).items() if v["status"] == "COMPLETE"][:12]
    async with sandbox.client() as c:
        import asyncio

        await asyncio.gather(*(c.listings.update_locations([minimal(i)]) for i in ids))
    counters = sandbox.counters("listings.update_locations")
    assert counters.rejected == 0
    assert counters.accepted == 12
    assert counters.max_in_flight == 1
    assert counters.max_in_window(1.5) <= 5
