"""Sandbox Listing Management v4 (``/apis/v4/`` and ``/apis/v4-raw/``).

Interpretations (the docs leave these open):

* Detail codes beyond the documented ones (TIMES_NOT_ALLOWED, TIMES_TOO_MANY_RANGES,
  LOCATIONS_ARE_NOT_UNIQUE, LOCATION_NOT_FOUND, LOCATION_HAS_NOT_COMPLETE_STATUS) are
  ours: FIELD_REQUIRED, FIELD_TOO_LONG, INVALID_TIME_FORMAT, INVALID_DATE_FORMAT,
  INVALID_HOLIDAY_TYPE, TIMES_REQUIRED, TIMES_OVERLAP, HOLIDAY_DAY_NOT_UNIQUE,
  BUSINESS_HOURS_REQUIRED, REOPEN_DATE_NOT_IN_FUTURE, TOO_MANY_LOCATIONS.
* "Only three time ranges can be set" is applied to business-hours days too.
* GetLocations' field list says ``website`` while its example says ``websiteUrl``:
  the sandbox sends ``website`` for every fifth location so clients meet both.
* GetLocation/UpdateLocation successes carry ``requested`` (as the docs' examples),
  everything else ``requestId``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

if TYPE_CHECKING:
    from semrush_async.testing._oauth import OAuthServer
    from semrush_async.testing._state import SandboxState

__all__ = ["setup_listings"]

PATH: Final = "/listing-management/v1/external/locations"
PREFIXES: Final = ("/apis/v4", "/apis/v4-raw")
DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOLIDAY_TYPES: Final = ("REGULAR", "CLOSED", "OPENED_ALL_DAY", "RANGE")
MAX_LEN: Final = {
    "locationName": 100,
    "address": 190,
    "additionalAddressInfo": 64,
    "websiteUrl": 255,
}
REQUIRED: Final = ("locationName", "address", "phone", "city")
EDITABLE: Final = (
    "locationName",
    "zip",
    "address",
    "additionalAddressInfo",
    "phone",
    "city",
    "region",
    "websiteUrl",
    "businessHours",
    "holidayHours",
    "reopenDate",
)
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CITIES: Final = (
    ("Ashville", "OH", "43103", "US"),
    ("Berlin", "", "10115", "DE"),
    ("Barcelona", "Barcelona", "08001", "ES"),
    ("Zürich", "", "8001", "CH"),
)


def _rid() -> str:
    return "api-flb-" + secrets.token_hex(16)


def _error(status: int, code: str, message: str, details: list[dict[str, str]]) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "details": details}, "requestId": _rid()},
        status=status,
    )


def _detail(
    code: str, message: str, field: str | None = None, index: int | None = None
) -> dict[str, str]:
    d = {"code": code, "message": message}
    if field is not None:
        d["field"] = field
    if index is not None:
        d["index"] = str(index)
    return d


def make_locations(seed: int, count: int) -> dict[str, dict[str, Any]]:
    """A deterministic store; every seventh location is not in COMPLETE status."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(count):
        lid = hashlib.md5(f"{seed}:{i}".encode(), usedforsecurity=False).hexdigest()
        city, region, zip_, cc = _CITIES[i % len(_CITIES)]
        loc: dict[str, Any] = {
            "id": lid,
            "locationName": f"Location {i}",
            "phone": f"+1209643{i:04d}",
            "zip": zip_,
            "address": f"{80 + i} Cromley St",
            "city": city,
            "websiteUrl": f"https://www.example.com/loc/{i}",
            "countryCode": cc,
            "status": "PENDING" if i % 7 == 3 else "COMPLETE",
            "businessHours": {"monday": [{"from": "09:00", "to": "17:00"}]},
        }
        if region:
            loc["region"] = region
        if i % 3 == 0:
            loc["additionalAddressInfo"] = f"{i % 5 + 1} floor"
        if i % 11 == 5:
            loc["errors"] = [
                {
                    "code": "G_020",
                    "message": "Some location business information can't be processed by Google.",
                }
            ]
        out[lid] = loc
    return out


def validate(loc: Mapping[str, Any], *, today: dt.date, need_id: bool) -> list[dict[str, str]]:
    """Every documented rule for one location body; details name field and index."""
    errs: list[dict[str, str]] = []
    if need_id and not loc.get("id"):
        errs.append(_detail("FIELD_REQUIRED", "The field is required.", "id"))
    for name in REQUIRED:
        if not isinstance(loc.get(name), str) or not loc[name].strip():
            errs.append(_detail("FIELD_REQUIRED", "The field is required.", name))
    for name, n in MAX_LEN.items():
        v = loc.get(name)
        if isinstance(v, str) and len(v) > n:
            errs.append(_detail("FIELD_TOO_LONG", f"Max. length is {n} symbols.", name))

    def ranges(field: str, value: Any) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        if not isinstance(value, list):
            return [_detail("INVALID_TIME_FORMAT", "Expected a list of time ranges.", field)]
        if len(value) > 3:
            out.append(
                _detail("TIMES_TOO_MANY_RANGES", "Only three time ranges can be set.", field)
            )
        for j, r in enumerate(value):
            if not isinstance(r, Mapping) or not all(
                isinstance(r.get(k), str) and _TIME.match(r[k]) for k in ("from", "to")
            ):
                out.append(
                    _detail("INVALID_TIME_FORMAT", 'Must be in the "HH:mm" format.', field, j)
                )
        return out

    bh = loc.get("businessHours")
    if bh is not None:
        if not isinstance(bh, Mapping):
            errs.append(_detail("INVALID_TIME_FORMAT", "Expected an object.", "businessHours"))
        else:
            for day in DAYS:
                if day in bh:
                    errs += ranges(f"businessHours.{day}", bh[day])
    hh = loc.get("holidayHours")
    if hh is not None:
        if not bh:
            errs.append(
                _detail(
                    "BUSINESS_HOURS_REQUIRED",
                    "This field cannot be set without business hours.",
                    "holidayHours",
                )
            )
        seen: set[str] = set()
        for i, item in enumerate(hh if isinstance(hh, list) else []):
            kind, day, times = item.get("type"), item.get("day"), item.get("times")
            if kind not in HOLIDAY_TYPES:
                errs.append(
                    _detail("INVALID_HOLIDAY_TYPE", "Unknown holiday type.", "holidayHours.type", i)
                )
            if not isinstance(day, str) or not _is_date(day):
                errs.append(
                    _detail(
                        "INVALID_DATE_FORMAT",
                        'Must be in the "yyyy-mm-dd" format.',
                        "holidayHours.day",
                        i,
                    )
                )
            elif day in seen:
                errs.append(
                    _detail(
                        "HOLIDAY_DAY_NOT_UNIQUE",
                        "Only one item for each date.",
                        "holidayHours.day",
                        i,
                    )
                )
            else:
                seen.add(day)
            if kind == "RANGE":
                if not times:
                    errs.append(
                        _detail(
                            "TIMES_REQUIRED",
                            "Time ranges are required for RANGE.",
                            "holidayHours.times",
                            i,
                        )
                    )
                else:
                    inner = ranges("holidayHours.times", times)
                    for d in inner:
                        d["index"] = str(i)
                    errs += inner
                    if not inner and _overlap(times):
                        errs.append(
                            _detail(
                                "TIMES_OVERLAP",
                                "Time ranges can't overlap.",
                                "holidayHours.times",
                                i,
                            )
                        )
            elif times:
                errs.append(
                    _detail(
                        "TIMES_NOT_ALLOWED",
                        "Operation hours shouldn't be set.",
                        "holidayHours.times",
                        i,
                    )
                )
    rd = loc.get("reopenDate")
    if rd is not None:
        if not isinstance(rd, str) or not _is_date(rd):
            errs.append(
                _detail("INVALID_DATE_FORMAT", 'Must be in the "yyyy-mm-dd" format.', "reopenDate")
            )
        elif dt.date.fromisoformat(rd) <= today:
            errs.append(
                _detail(
                    "REOPEN_DATE_NOT_IN_FUTURE", "Must be after the current date.", "reopenDate"
                )
            )
    return errs


def _is_date(s: str) -> bool:
    if not _DATE.match(s):
        return False
    try:
        dt.date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _overlap(times: list[Mapping[str, str]]) -> bool:
    spans = sorted((t["from"], t["to"]) for t in times)
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans) if a[1] > a[0])


def setup_listings(app: web.Application, state: SandboxState, count: int) -> None:
    store = make_locations(state.seed, count)
    state.extensions["locations"] = store
    state.declare(
        "listings.get_locations",
        "listings.get_location",
        "listings.update_location",
        "listings.update_locations",
    )
    oauth: OAuthServer = state.extensions["oauth"]

    def out(loc: Mapping[str, Any], website_key: str = "websiteUrl") -> dict[str, Any]:
        d = dict(loc)
        if website_key != "websiteUrl" and "websiteUrl" in d:
            d[website_key] = d.pop("websiteUrl")
        return d

    def unauthorized() -> web.Response:
        return web.json_response({"code": 401, "message": "Unauthorized"}, status=401)

    async def body_of(request: web.Request) -> Any:
        try:
            return json.loads(await request.read() or b"null")
        except ValueError:
            return None

    async def get_locations(request: web.Request) -> web.StreamResponse:
        account = oauth.account_for(request)
        if account is None:
            return unauthorized()

        async def handle() -> web.StreamResponse:
            try:
                page = int(request.query.get("page", "1"))
                size = int(request.query.get("size", "20"))
            except ValueError:
                page = size = 0
            if page < 1 or size < 1:
                return _error(
                    400,
                    "VALIDATION_ERROR",
                    "Invalid data provided.",
                    [_detail("INVALID_VALUE", "page and size must be >= 1.", "page")],
                )
            items = list(store.values())
            total_pages = (len(items) + size - 1) // size
            chunk = items[(page - 1) * size : page * size]
            start = (page - 1) * size
            content = [
                out(loc, "website" if (start + k) % 5 == 4 else "websiteUrl")
                for k, loc in enumerate(chunk)
            ]
            return web.json_response(
                {
                    "data": {
                        "page": page,
                        "totalElements": len(items),
                        "totalPages": total_pages,
                        "content": content,
                    },
                    "requestId": _rid(),
                }
            )

        return await state.governed(request, account, "listings.get_locations", handle, "v4")

    async def get_location(request: web.Request) -> web.StreamResponse:
        account = oauth.account_for(request)
        if account is None:
            return unauthorized()

        async def handle() -> web.StreamResponse:
            loc = store.get(request.match_info["id"])
            if loc is None:
                return _error(
                    404,
                    "RESOURCE_NOT_FOUND",
                    "Resource not found.",
                    [_detail("LOCATION_NOT_FOUND", "Location is not found.")],
                )
            return web.json_response({"data": out(loc), "requested": _rid()})

        return await state.governed(request, account, "listings.get_location", handle, "v4")

    def apply(loc: dict[str, Any], body: Mapping[str, Any]) -> None:
        # Fields absent from the body keep their stored values.
        for k in EDITABLE:
            if k in body:
                loc[k] = body[k]

    async def update_location(request: web.Request) -> web.StreamResponse:
        account = oauth.account_for(request)
        if account is None:
            return unauthorized()
        body = await body_of(request)

        async def handle() -> web.StreamResponse:
            if not isinstance(body, Mapping):
                return _error(
                    400,
                    "VALIDATION_ERROR",
                    "Invalid data provided.",
                    [_detail("INVALID_BODY", "Expected a JSON object.")],
                )
            errs = validate(body, today=dt.date.today(), need_id=False)
            if errs:
                return _error(400, "VALIDATION_ERROR", "Invalid data provided.", errs)
            loc = store.get(request.match_info["id"])
            if loc is None:
                return _error(
                    404,
                    "RESOURCE_NOT_FOUND",
                    "Resource not found.",
                    [_detail("LOCATION_NOT_FOUND", "Location is not found.")],
                )
            if loc["status"] != "COMPLETE":
                return _error(
                    400,
                    "BAD_REQUEST",
                    "Invalid state of resource.",
                    [
                        _detail(
                            "LOCATION_HAS_NOT_COMPLETE_STATUS",
                            "Location is not in complete status.",
                        )
                    ],
                )
            apply(loc, body)
            return web.json_response({"data": out(loc), "requested": _rid()})

        return await state.governed(request, account, "listings.update_location", handle, "v4")

    async def update_locations(request: web.Request) -> web.StreamResponse:
        account = oauth.account_for(request)
        if account is None:
            return unauthorized()
        body = await body_of(request)

        async def handle() -> web.StreamResponse:
            locs = body.get("locations") if isinstance(body, Mapping) else None
            if not isinstance(locs, list) or not locs:
                return _error(
                    400,
                    "VALIDATION_ERROR",
                    "Invalid data provided.",
                    [_detail("FIELD_REQUIRED", "The field is required.", "locations")],
                )
            if len(locs) > 50:
                return _error(
                    400,
                    "BAD_REQUEST",
                    "Invalid state of resource.",
                    [
                        _detail(
                            "TOO_MANY_LOCATIONS",
                            "Update up to 50 locations at a time.",
                            "locations",
                        )
                    ],
                )
            ids = [loc.get("id") if isinstance(loc, Mapping) else None for loc in locs]
            dupes = sorted({str(i) for i in ids if i is not None and ids.count(i) > 1})
            if dupes:
                return _error(
                    400,
                    "BAD_REQUEST",
                    "Invalid state of resource.",
                    [
                        _detail(
                            "LOCATIONS_ARE_NOT_UNIQUE",
                            "The locations are not unique. There are several "
                            f"locations with this ID: {d}.",
                        )
                        for d in dupes
                    ],
                )
            results: list[dict[str, Any]] = []
            today = dt.date.today()
            for item in locs:
                if not isinstance(item, Mapping):
                    item = {}
                lid = str(item.get("id", ""))
                errs = validate(item, today=today, need_id=True)
                stored = store.get(lid)
                if errs:
                    err = {
                        "code": "VALIDATION_ERROR",
                        "message": "Invalid data provided.",
                        "details": errs,
                    }
                elif stored is None:
                    err = {
                        "code": "RESOURCE_NOT_FOUND",
                        "message": "Resource not found.",
                        "details": [_detail("LOCATION_NOT_FOUND", "Location is not found.")],
                    }
                elif stored["status"] != "COMPLETE":
                    err = {
                        "code": "BAD_REQUEST",
                        "message": "Invalid state of resource.",
                        "details": [
                            _detail(
                                "LOCATION_HAS_NOT_COMPLETE_STATUS",
                                "Location is not in complete status.",
                            )
                        ],
                    }
                else:
                    apply(stored, item)
                    results.append({"locationId": lid, "state": "UPDATED"})
                    continue
                results.append({"locationId": lid, "state": "FAILED", "error": err})
            # Partial failures still answer HTTP 200 (API v4 basics, Listing Management).
            return web.json_response({"data": results, "requestId": _rid()})

        return await state.governed(request, account, "listings.update_locations", handle, "v4")

    for prefix in PREFIXES:
        app.router.add_get(prefix + PATH, get_locations)
        app.router.add_put(prefix + PATH, update_locations)
        app.router.add_get(prefix + PATH + "/{id}", get_location)
        app.router.add_put(prefix + PATH + "/{id}", update_location)
