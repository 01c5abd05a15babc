"""Sandbox Local API (``/apis/v4/local/v1``): locations and categories, strictly.

The rules here are written from the docs on their own (not imported from the
client), so the sandbox can catch the client's mistakes.

Interpretations (the docs leave these open):

* ``error_status`` values beyond the documented ``PHONE_NOT_SPECIFIED`` and
  ``INVALID_ZIP_CODE`` are ours (FIELD_NOT_SPECIFIED, FIELD_TOO_LONG, ...).
* An update applies the mask to a copy of the stored location and validates the
  result as a whole, so ``region``/``zip`` follow the stored country.
* Editing a ``PROCESSING`` location answers 409 (LOCATION_IS_PROCESSING).
* Fields outside the documented writable set (including the output-only ones) are
  refused with 400 UNKNOWN_FIELD; body fields not named in the mask are ignored.
* ``validate_only`` answers the location as it would be, stores nothing; a validated
  create has no ``location_id``.
* Delete answers ``data: {}``; ``limit`` above the maximum is clamped (as [DRV] saw
  for Get Locations), below 1 or a negative ``offset`` is a 400.
* A second Create Location while one is in flight answers 429, whatever the limits.
* Creates turn from PROCESSING to COMPLETED ``processing_seconds`` after their
  submit date on the sandbox clock, which only :meth:`LocalServer.advance` moves.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import hashlib
import itertools
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from semrush_async.testing._v4 import serve_v4, v4_error_response, v4_response

if TYPE_CHECKING:
    from semrush_async.testing._state import SandboxState

__all__ = ["LocalServer", "setup_local"]

BASE: Final = "/apis/v4/local/v1"
_LISTED: Final = (
    "US AU FR DE GB CA IN ES IT NL BR AT BE DK FI NO PL SE CH JP MX IL NZ SG ZA TR AE HK ID "
    "VN PK CO IE BD MY SA RO CL PH PT NG GR TH AR PE KE HU CZ RS NP LT UA BG EC CY HR EE LV "
    "IS SK SI AM AD PY GY EG MV UY SR KH BO LA MT PA PR TN DO MN GU VE ME MP"
)
COUNTRIES: Final = frozenset(_LISTED.split())
REGION_REQUIRED: Final = ("CA", "AU", "BR", "IN", "US")
ZIP_OPTIONAL: Final = ("AE", "HK", "GY", "SR", "BO")
MUST: Final = ("business_name", "phone_number", "country", "city", "address_line_1")
LENGTHS: Final = {
    "business_name": (1, 125),
    "city": (1, 64),
    "address_line_1": (1, 190),
    "address_line_2": (0, 64),
    "website_url": (0, 255),
    "description": (10, 750),
    "featured_message": (0, 50),
    "featured_message_url": (0, 255),
    "youtube_video": (0, 150),
    "instagram_username": (0, 30),
    "twitter_username": (0, 15),
}
STRINGS: Final = (*LENGTHS, "phone_number", "country", "region", "zip")
MASKABLE: Final = frozenset(
    {
        "business_name",
        "address_line_1",
        "address_line_2",
        "city",
        "zip",
        "phone_number",
        "category_ids",
        "region",
        "featured_message",
        "featured_message_url",
        "website_url",
        "description",
        "instagram_username",
        "twitter_username",
        "business_hours",
        "special_hours",
        "service_area_places",
        "suppress_address",
        "coordinates",
        "youtube_video",
        "reopen_date",
    }
)
WRITABLE: Final = MASKABLE | {"country"}
#: Present in every response, as [] / false when unset (per the docs' examples).
ALWAYS: Final = {"special_hours": [], "service_area_places": [], "suppress_address": False}
WEEK: Final = tuple(
    f"{d}_hours"
    for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
)
SPECIAL_TYPES: Final = ("CLOSED", "OPENED_ALL_DAY", "RANGE")
STATUSES: Final = ("COMPLETED", "PROCESSING", "FAILED")
_CLOCK = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
START: Final = dt.datetime(2026, 3, 10, 17, 3, 42, 691000)
_PLACES: Final = (
    ("US", "TX", "Austin", "78731"),
    ("US", "UT", "Delta", "84624"),
    ("DE", None, "Dresden", "01067"),
    ("ES", "Barcelona", "Barcelona", "08001"),
    ("AE", None, "Dubai", None),
    ("CA", "ON", "Toronto", "M5H 2N2"),
)


#: Local ids (locations, categories, listings, images): 32 lower-case hex [AUR].
_ID: Final = re.compile(r"^[0-9a-f]{32}$")


def _hex(*parts: object) -> str:
    return hashlib.md5(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _stamp(t: dt.datetime, digits: int) -> str:
    """A zone-less timestamp with 0 to 3 fraction digits, as the API sends."""
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{t.microsecond:06d}"[:digits].rstrip("0")
    return f"{text}.{frac}" if frac else text


def _detail(status: str, message: str) -> dict[str, str]:
    return {"message": message, "error_status": status}


def invalid(details: list[dict[str, str]]) -> web.Response:
    """The documented 400: ``Invalid request.`` with ``details[].error_status``."""
    return v4_error_response(400, 400, "Invalid request.", details=details)


def _ranges(path: str, value: Any, most: int | None, out: list[dict[str, str]]) -> None:
    if not isinstance(value, list):
        out.append(_detail("INVALID_TIME_RANGES", f"{path}: expected a list of time ranges."))
        return
    if most is not None and len(value) > most:
        out.append(_detail("TOO_MANY_TIME_RANGES", f"{path}: at most {most} time ranges a day."))
    spans: list[tuple[str, str]] = []
    for j, r in enumerate(value):
        ok = isinstance(r, Mapping) and all(
            isinstance(r.get(k), str) and _CLOCK.match(r[k]) for k in ("from", "to")
        )
        if not ok:
            out.append(_detail("INVALID_TIME_FORMAT", f'{path}[{j}]: must be "HH:mm".'))
        else:
            spans.append((r["from"], r["to"]))
    if most is not None and len(spans) == len(value):
        spans.sort()
        for a, b in itertools.pairwise(spans):
            # A range ending at or before its start runs past midnight: not comparable.
            if a[1] > a[0] and b[0] < a[1]:
                out.append(_detail("TIME_RANGES_OVERLAP", f"{path}: time ranges overlap."))
                break


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DAY.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check(loc: Mapping[str, Any], today: dt.date) -> list[dict[str, str]]:
    """Every documented rule for a whole location (create, or an update's result)."""
    out: list[dict[str, str]] = []
    for key in loc:
        if key not in WRITABLE:
            out.append(_detail("UNKNOWN_FIELD", f"{key}: is not a writable location field."))
    for key in MUST:
        v = loc.get(key)
        if not isinstance(v, str) or not v.strip():
            status = "PHONE_NOT_SPECIFIED" if key == "phone_number" else "FIELD_NOT_SPECIFIED"
            what = "Phone number" if key == "phone_number" else key
            out.append(_detail(status, f"{what} is not specified."))
    for key in STRINGS:
        if key in loc and not isinstance(loc[key], str):
            out.append(_detail("INVALID_TYPE", f"{key}: must be a string."))
    for key, (lo, hi) in LENGTHS.items():
        v = loc.get(key)
        if isinstance(v, str) and not lo <= len(v) <= hi:
            out.append(_detail("INVALID_LENGTH", f"{key}: length must be {lo}..{hi}."))
    url = loc.get("website_url")
    if isinstance(url, str) and not url.startswith(("http://", "https://")):
        out.append(_detail("INVALID_WEBSITE_URL", "website_url: must start with http(s)://."))
    country = loc.get("country")
    if isinstance(country, str) and country not in COUNTRIES:
        out.append(_detail("UNSUPPORTED_COUNTRY", f"country: {country!r} is not supported."))
    if country in REGION_REQUIRED and not loc.get("region"):
        out.append(_detail("REGION_NOT_SPECIFIED", f"region: required for {country}."))
    if country in COUNTRIES and country not in ZIP_OPTIONAL and not loc.get("zip"):
        out.append(_detail("INVALID_ZIP_CODE", f"zip: required for {country}."))
    cats = loc.get("category_ids")
    if not isinstance(cats, list) or not cats:
        out.append(_detail("CATEGORIES_NOT_SPECIFIED", "category_ids: at least one is required."))
    else:
        if len(cats) > 10:
            out.append(_detail("TOO_MANY_CATEGORIES", "category_ids: at most 10."))
        if not all(isinstance(c, str) and _ID.match(c) for c in cats):
            out.append(_detail("INVALID_CATEGORY", "category_ids: must be category ids."))
    hours = loc.get("business_hours")
    if hours is not None:
        if not isinstance(hours, Mapping) or not set(hours) <= set(WEEK):
            out.append(_detail("INVALID_BUSINESS_HOURS", "business_hours: keys are <day>_hours."))
        else:
            for day, ranges in hours.items():
                _ranges(f"business_hours.{day}", ranges, 2, out)
    special = loc.get("special_hours")
    if special:
        if hours is None:
            out.append(
                _detail("BUSINESS_HOURS_NOT_SPECIFIED", "special_hours: need business_hours.")
            )
        if not isinstance(special, list) or len(special) > 30:
            out.append(_detail("TOO_MANY_SPECIAL_HOURS", "special_hours: at most 30 items."))
        for i, item in enumerate(special if isinstance(special, list) else []):
            path = f"special_hours[{i}]"
            if not isinstance(item, Mapping) or item.get("type") not in SPECIAL_TYPES:
                out.append(_detail("INVALID_SPECIAL_HOURS_TYPE", f"{path}.type: unknown type."))
                continue
            if not _is_date(item.get("day")):
                out.append(_detail("INVALID_DATE_FORMAT", f"{path}.day: must be YYYY-MM-DD."))
            times = item.get("times") or []
            if item["type"] == "RANGE" and not times:
                out.append(_detail("TIMES_NOT_SPECIFIED", f"{path}.times: required for RANGE."))
            elif item["type"] != "RANGE" and times:
                out.append(_detail("TIMES_NOT_ALLOWED", f"{path}.times: only for RANGE."))
            _ranges(f"{path}.times", times, None, out)
    places = loc.get("service_area_places")
    if places is not None and not (
        isinstance(places, list)
        and all(isinstance(p, Mapping) and p.get("name") and p.get("place_id") for p in places)
    ):
        out.append(_detail("INVALID_SERVICE_AREA", "service_area_places: need name, place_id."))
    suppress = loc.get("suppress_address")
    if suppress is not None and not isinstance(suppress, bool):
        out.append(_detail("INVALID_TYPE", "suppress_address: must be a boolean."))
    if suppress is True and not places:
        out.append(
            _detail("SERVICE_AREA_NOT_SPECIFIED", "suppress_address needs service_area_places.")
        )
    coords = loc.get("coordinates")
    if coords is not None and not (
        isinstance(coords, Mapping)
        and all(
            isinstance(coords.get(k), int | float) and not isinstance(coords.get(k), bool)
            for k in ("latitude", "longitude")
        )
    ):
        out.append(_detail("INVALID_COORDINATES", "coordinates: latitude, longitude numbers."))
    reopen = loc.get("reopen_date")
    if reopen is not None:
        if not _is_date(reopen):
            out.append(_detail("INVALID_DATE_FORMAT", "reopen_date: must be YYYY-MM-DD."))
        elif dt.date.fromisoformat(reopen) <= today:
            out.append(_detail("REOPEN_DATE_NOT_IN_FUTURE", "reopen_date: must be in the future."))
    return out


class LocalServer:
    """The sandbox's Local API state: per-account locations, a clock, categories."""

    def __init__(self, seed: int, count: int, processing_seconds: float = 60.0) -> None:
        self.seed = seed
        self.count = count
        self.processing_seconds = processing_seconds
        #: Seconds the sandbox clock has been moved forward.
        self.offset = 0.0
        #: How long a create takes to answer (so concurrent creates overlap).
        self.create_seconds = 0.02
        self._stores: dict[str, dict[str, dict[str, Any]]] = {}
        self._ready: dict[str, dt.datetime] = {}
        self._creating: set[str] = set()
        self._categories: dict[str, list[dict[str, Any]]] = {}
        self._created = 0
        #: Locations created (stored) so far, validate-only excluded.
        self.created: list[str] = []

    # --- clock --------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.offset)

    def today(self) -> dt.date:
        """The date ``reopen_date`` must lie after: the real date, plus the clock's offset."""
        return dt.date.today() + dt.timedelta(seconds=self.offset)

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock: PROCESSING locations past their time complete."""
        self.offset += seconds

    # --- data ---------------------------------------------------------------------------

    def store(self, account: str) -> dict[str, dict[str, Any]]:
        """The account's locations by id (seeded deterministically on first use)."""
        store = self._stores.get(account)
        if store is None:
            store = self._stores[account] = self._seed(account, self.count)
        for lid, loc in store.items():
            ready = self._ready.get(lid)
            if loc["location_status"] == "PROCESSING" and ready and self.now() >= ready:
                loc["location_status"] = "COMPLETED"
        return store

    def reseed(self, count: int) -> None:
        """Forget every account's locations; seed ``count`` on next use."""
        self.count = count
        self._stores.clear()

    def _seed(self, account: str, count: int) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i in range(count):
            lid = _hex(self.seed, account, "location", i)
            country, region, city, zip_ = _PLACES[i % len(_PLACES)]
            loc: dict[str, Any] = {
                "business_name": f"Business {i}",
                "phone_number": f"+1 435 864 {i:04d}",
                "country": country,
                "city": city,
                "address_line_1": f"{100 + i} Main St",
                "category_ids": [self.categories(country)[i % 7]["id"]],
                **copy.deepcopy(ALWAYS),
            }
            if region:
                loc["region"] = region
            if zip_:
                loc["zip"] = zip_
            if i % 3 == 0:
                loc["address_line_2"] = f"Suite {i}"
                loc["website_url"] = f"https://example.com/{i}"
            if i % 4 == 1:
                loc["business_hours"] = {
                    "monday_hours": [
                        {"from": "09:00", "to": "12:00"},
                        {"from": "13:00", "to": "17:00"},
                    ],
                    "sunday_hours": [],
                }
            if i % 5 == 2:
                loc["coordinates"] = {"latitude": 30.0 + i / 1000, "longitude": -97.75}
            status = "FAILED" if i % 13 == 4 else "PROCESSING" if i % 11 == 3 else "COMPLETED"
            submitted = START - dt.timedelta(days=count - i, seconds=i * 37, microseconds=i * 7919)
            loc["location_id"] = lid
            loc["location_status"] = status
            loc["submit_date"] = _stamp(submitted, i % 4)
            loc["errors"] = (
                [{"message": "The location could not be created."}] if status == "FAILED" else []
            )
            if status == "PROCESSING":
                self._ready[lid] = START + dt.timedelta(seconds=self.processing_seconds)
            out[lid] = loc
        return out

    def categories(self, country: str) -> list[dict[str, Any]]:
        """The categories of ``country``: a small tree; US has several 1000-item pages."""
        cached = self._categories.get(country)
        if cached is not None:
            return cached
        n = 2345 if country == "US" else 40 + int(_hex(self.seed, country)[:4], 16) % 200
        tops = [_hex(self.seed, country, "cat", t) for t in range(8)]
        out: list[dict[str, Any]] = []
        for i in range(n):
            cid = _hex(self.seed, country, "cat", i)
            if i < len(tops):
                out.append({"id": cid, "name": f"Group {i}", "full_name": f"Group {i}"})
                out[-1]["parent_id"] = None
                continue
            top = i % len(tops)
            out.append(
                {
                    "id": cid,
                    "name": f"Category {i} ({country})",
                    "full_name": f"Group {top} > Category {i} ({country})",
                    "parent_id": tops[top],
                }
            )
        self._categories[country] = out
        return out

    # --- writes -------------------------------------------------------------------------

    def new_location(self, account: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self._created += 1
        lid = _hex(self.seed, account, "created", self._created)
        now = self.now()
        loc = {**copy.deepcopy(ALWAYS), **copy.deepcopy(dict(body))}
        loc.update(
            location_id=lid,
            location_status="PROCESSING",
            submit_date=_stamp(now, 3),
            errors=[],
        )
        return loc

    def commit(self, account: str, loc: dict[str, Any]) -> None:
        self.store(account)[loc["location_id"]] = loc
        self._ready[loc["location_id"]] = self.now() + dt.timedelta(seconds=self.processing_seconds)
        self.created.append(loc["location_id"])


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return ...


def _flag(request: web.Request, name: str) -> bool | web.Response:
    value = request.query.get(name, "false")
    if value not in ("true", "false"):
        return invalid([_detail("INVALID_PARAMETER", f"{name}: must be true or false.")])
    return value == "true"


def _window(request: web.Request, default: int, most: int) -> tuple[int, int] | web.Response:
    try:
        limit = int(request.query.get("limit", default))
        offset = int(request.query.get("offset", 0))
    except ValueError:
        return invalid([_detail("INVALID_PARAMETER", "limit and offset must be integers.")])
    if limit < 1 or offset < 0:
        return invalid([_detail("INVALID_PARAMETER", "limit must be >= 1, offset >= 0.")])
    return min(limit, most), offset


def _public(loc: Mapping[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(dict(loc))


def setup_local(app: web.Application, state: SandboxState, count: int = 137) -> LocalServer:
    """Register the Local API routes; the server object is ``extensions["local"]``."""
    server = LocalServer(state.seed, count)
    state.extensions["local"] = server
    state.declare(
        "local.locations",
        "local.get_location",
        "local.create_location",
        "local.update_location",
        "local.delete_location",
        "local.categories",
    )

    def not_found() -> web.Response:
        return v4_error_response(404, 404, "Not Found")

    async def get_locations(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            window = _window(request, 50, 50)
            if isinstance(window, web.Response):
                return window
            limit, offset = window
            items = list(server.store(account).values())
            raw = request.query.get("location_statuses")
            if raw is not None:
                wanted = raw.split(",")
                if not all(s in STATUSES for s in wanted):
                    return invalid(
                        [_detail("INVALID_PARAMETER", "location_statuses: unknown status.")]
                    )
                items = [loc for loc in items if loc["location_status"] in wanted]
            return v4_response([_public(loc) for loc in items[offset : offset + limit]])

        return await serve_v4(request, state, "local.locations", handle)

    async def get_location(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            loc = server.store(account).get(request.match_info["location_id"])
            return not_found() if loc is None else v4_response(_public(loc))

        return await serve_v4(request, state, "local.get_location", handle)

    async def create_location(request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)

        async def handle(account: str) -> web.StreamResponse:
            if account in server._creating:
                return v4_error_response(
                    429, 429, "Too Many Requests: another location is being created"
                )
            server._creating.add(account)
            try:
                await asyncio.sleep(server.create_seconds)
                only = _flag(request, "validate_only")
                if isinstance(only, web.Response):
                    return only
                if not isinstance(body, dict):
                    return invalid([_detail("INVALID_BODY", "Expected a JSON object.")])
                errs = check(body, server.today())
                if errs:
                    return invalid(errs)
                loc = server.new_location(account, body)
                if only:
                    for k in ("location_id", "location_status", "submit_date"):
                        loc.pop(k)
                    return v4_response(loc)
                server.commit(account, loc)
                return v4_response(_public(loc))
            finally:
                server._creating.discard(account)

        return await serve_v4(request, state, "local.create_location", handle)

    async def update_location(request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)

        async def handle(account: str) -> web.StreamResponse:
            only = _flag(request, "validate_only")
            if isinstance(only, web.Response):
                return only
            mask = [m for m in request.query.get("update_mask", "").split(",") if m]
            if not mask:
                return invalid([_detail("INVALID_UPDATE_MASK", "update_mask is required.")])
            bad = [m for m in mask if m not in MASKABLE]
            if bad:
                return invalid(
                    [
                        _detail(
                            "FIELD_NOT_UPDATABLE" if m == "country" else "INVALID_UPDATE_MASK",
                            f"update_mask: {m!r} cannot be updated.",
                        )
                        for m in bad
                    ]
                )
            if not isinstance(body, dict):
                return invalid([_detail("INVALID_BODY", "Expected a JSON object.")])
            stored = server.store(account).get(request.match_info["location_id"])
            if stored is None:
                return not_found()
            if stored["location_status"] == "PROCESSING":
                return v4_error_response(
                    409,
                    409,
                    "Conflict",
                    details=[_detail("LOCATION_IS_PROCESSING", "Not editable while PROCESSING.")],
                )
            result = copy.deepcopy(stored)
            for field in mask:
                if body.get(field) is not None:
                    result[field] = copy.deepcopy(body[field])
                elif field in ALWAYS:
                    result[field] = copy.deepcopy(ALWAYS[field])
                else:
                    result.pop(field, None)
            writable = {k: v for k, v in result.items() if k in WRITABLE}
            errs = check(writable, server.today())
            if errs:
                return invalid(errs)
            if not only:
                stored.clear()
                stored.update(result)
            return v4_response(_public(result))

        return await serve_v4(request, state, "local.update_location", handle)

    async def delete_location(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            store = server.store(account)
            if store.pop(request.match_info["location_id"], None) is None:
                return not_found()
            return v4_response({})

        return await serve_v4(request, state, "local.delete_location", handle)

    async def get_categories(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            country = request.query.get("country")
            if country is None:
                return invalid([_detail("INVALID_PARAMETER", "country is required.")])
            if country not in COUNTRIES:
                return invalid(
                    [_detail("INVALID_PARAMETER", f"country: {country!r} is not supported.")]
                )
            window = _window(request, 1000, 1000)
            if isinstance(window, web.Response):
                return window
            limit, offset = window
            return v4_response(server.categories(country)[offset : offset + limit])

        return await serve_v4(request, state, "local.categories", handle)

    app.router.add_get(BASE + "/locations", get_locations)
    app.router.add_post(BASE + "/locations", create_location)
    app.router.add_get(BASE + "/locations/{location_id}", get_location)
    app.router.add_patch(BASE + "/locations/{location_id}", update_location)
    app.router.add_delete(BASE + "/locations/{location_id}", delete_location)
    app.router.add_get(BASE + "/categories", get_categories)
    return server
