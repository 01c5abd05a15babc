"""Local API models (``/apis/v4/local/v1``): locations, hours, categories, and the
client-side validator of every documented location rule.

Wire names are snake_case and equal the attribute names (``from`` is ``from_`` in
Python). Fields left None are absent on the wire. ``location_id``,
``location_status``, ``submit_date`` and ``errors`` are output only and never sent.

``submit_date`` has no zone on the wire (``2026-03-03T11:44:43.19``); the client does
not guess one and returns a *naive* datetime (see ``parse_submit_date``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import cattrs

# The deprecated API's time range ({from, to} in HH:mm), its HH:mm rule and its
# same-day overlap check are the Local API's too: reused, not copied.
from semrush_async.apis.listings.models import (
    _HHMM,
    DAYS,
    HolidayType,
    Location,
    TimeRange,
    _overlap,
)
from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.v4.convert import (
    InputRefused,
    OpenStrEnum,
    make_converter,
    parse_timestamp,
    structure_input,
)

__all__ = [
    "CONDITIONAL_REGION",
    "MAX_LENGTHS",
    "NO_ZIP",
    "OUTPUT_ONLY",
    "REQUIRED",
    "SUPPORTED_COUNTRIES",
    "UPDATABLE",
    "Category",
    "Coordinates",
    "LocalBusinessHours",
    "LocalLocation",
    "LocationStatus",
    "ServiceAreaPlace",
    "SpecialHours",
    "SpecialHoursType",
    "TimeRange",
    "check_id",
    "converter",
    "parse_submit_date",
    "validate_changes",
    "validate_location",
]

#: The countries the Local API supports (ISO 3166-1 alpha-2, upper case) [OFF-LMRES]. The
#: docs say 83 and list 82 codes; these are the 82 listed.
_COUNTRIES: Final = (
    "US AU FR DE GB CA IN ES IT NL BR AT BE DK FI NO PL SE CH JP MX IL NZ SG ZA TR AE HK "
    "ID VN PK CO IE BD MY SA RO CL PH PT NG GR TH AR PE KE HU CZ RS NP LT UA BG EC CY HR "
    "EE LV IS SK SI AM AD PY GY EG MV UY SR KH BO LA MT PA PR TN DO MN GU VE ME MP"
)
SUPPORTED_COUNTRIES: Final = frozenset(_COUNTRIES.split())
#: ``region`` is required for these countries.
CONDITIONAL_REGION: Final = frozenset({"CA", "AU", "BR", "IN", "US"})
#: ``zip`` is required everywhere except these.
NO_ZIP: Final = frozenset({"AE", "HK", "GY", "SR", "BO"})
#: Required on create.
REQUIRED: Final = (
    "business_name",
    "phone_number",
    "country",
    "city",
    "address_line_1",
    "category_ids",
)
#: (min, max) characters.
MAX_LENGTHS: Final[Mapping[str, tuple[int, int]]] = {
    "business_name": (0, 125),
    "city": (0, 64),
    "address_line_1": (0, 190),
    "address_line_2": (0, 64),
    "website_url": (0, 255),
    "description": (10, 750),
    "featured_message": (0, 50),
    "featured_message_url": (0, 255),
    "youtube_video": (0, 150),
    "instagram_username": (0, 30),
    "twitter_username": (0, 15),
}
#: The fields an ``update_mask`` may name (everything writable but ``country``).
UPDATABLE: Final = (
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
)
OUTPUT_ONLY: Final = ("location_id", "location_status", "submit_date", "errors")
MAX_DAY_RANGES: Final = 2
MAX_SPECIAL_HOURS: Final = 30
MAX_CATEGORIES: Final = 10
#: Local API ids (``location_id``, category ``id``, ``listing_id``, ``image_id``) are
#: 32 lower-case hex characters [AUR], [AE data-model].
ID_PATTERN: Final = re.compile(r"^[0-9a-f]{32}$")
DAY_FIELDS: Final = tuple(f"{d}_hours" for d in DAYS)


class LocationStatus(OpenStrEnum):
    """``COMPLETED`` (ready), ``PROCESSING`` (initialising, not editable), ``FAILED``
    (not created, no limit consumed: delete and retry)."""

    COMPLETED = "COMPLETED"
    PROCESSING = "PROCESSING"
    FAILED = "FAILED"


class SpecialHoursType(OpenStrEnum):
    CLOSED = "CLOSED"
    OPENED_ALL_DAY = "OPENED_ALL_DAY"
    RANGE = "RANGE"


@attrs.frozen(slots=True)
class LocalBusinessHours:
    """Up to two non-overlapping ranges per weekday; ``()`` is closed, None absent."""

    monday_hours: tuple[TimeRange, ...] | None = None
    tuesday_hours: tuple[TimeRange, ...] | None = None
    wednesday_hours: tuple[TimeRange, ...] | None = None
    thursday_hours: tuple[TimeRange, ...] | None = None
    friday_hours: tuple[TimeRange, ...] | None = None
    saturday_hours: tuple[TimeRange, ...] | None = None
    sunday_hours: tuple[TimeRange, ...] | None = None


@attrs.frozen(slots=True)
class SpecialHours:
    """Hours for one date; ``times`` only (and required) for ``RANGE``."""

    type: SpecialHoursType
    day: dt.date
    times: tuple[TimeRange, ...] = ()


@attrs.frozen(slots=True)
class ServiceAreaPlace:
    name: str
    place_id: str


@attrs.frozen(slots=True)
class Coordinates:
    latitude: float
    longitude: float


@attrs.frozen(slots=True)
class Category:
    """A business category of one country (Get Categories)."""

    id: str
    name: str
    full_name: str | None = None
    #: None for a top-level category.
    parent_id: str | None = None


@attrs.frozen(slots=True)
class LocalLocation:
    """A location of the Local API. Build one to create; read one from the server."""

    business_name: str | None = None
    phone_number: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    zip: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    website_url: str | None = None
    description: str | None = None
    business_hours: LocalBusinessHours | None = None
    special_hours: tuple[SpecialHours, ...] | None = None
    service_area_places: tuple[ServiceAreaPlace, ...] | None = None
    #: The first one is the primary category.
    category_ids: tuple[str, ...] | None = None
    suppress_address: bool | None = None
    coordinates: Coordinates | None = None
    featured_message: str | None = None
    featured_message_url: str | None = None
    youtube_video: str | None = None
    instagram_username: str | None = None
    twitter_username: str | None = None
    reopen_date: dt.date | None = None
    #: Output only (the new API's id; it differs from the deprecated API's).
    location_id: str | None = None
    #: Output only.
    location_status: LocationStatus | None = None
    #: Output only; naive (the API sends no zone).
    submit_date: dt.datetime | None = None
    #: Output only: processing errors (the docs do not show their shape).
    errors: tuple[dict[str, Any], ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The writable fields as the JSON body of a create (None fields omitted)."""
        return location_body(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocalLocation:
        """Parse user input (e.g. a JSON file); malformed values raise ValidationError."""
        if not isinstance(data, Mapping):
            raise ValidationError("a location must be a JSON object")
        # A misspelt key would otherwise be dropped without a word.
        unknown = sorted(set(data) - set(_FIELD_TYPES))
        if unknown:
            raise ValidationError(
                f"unknown location field(s) {unknown}; known: {', '.join(_FIELD_TYPES)}",
                details=[ErrorDetail(code="UNKNOWN_FIELD", field=k) for k in unknown],
            )
        loc: LocalLocation = _structure_input(data, cls, "location")
        return loc

    @classmethod
    def from_listing(cls, location: Location, *, category_ids: Iterable[str] = ()) -> LocalLocation:
        """A Local API location from a deprecated Listing Management ``Location``.

        The id is not carried over (ids differ between the two APIs), nor are status
        and errors. The deprecated API has no categories, which the Local API
        requires: pass ``category_ids`` (from :meth:`LocalResource.categories`).
        ``REGULAR`` holiday items mean "regular hours" and are dropped (the Local API
        has no such type).
        """
        bh = location.business_hours
        hours = None
        if bh is not None:
            hours = LocalBusinessHours(
                **{
                    f"{d}_hours": tuple(getattr(bh, d)) if getattr(bh, d) is not None else None
                    for d in DAYS
                }
            )
        special = None
        if location.holiday_hours is not None:
            special = tuple(
                SpecialHours(SpecialHoursType(str(h.type)), h.day, tuple(h.times or ()))
                for h in location.holiday_hours
                if str(h.type) != HolidayType.REGULAR
            )
        if isinstance(category_ids, str):
            # A string is iterable too: "gcid:bar" would become ("g", "c", ...).
            raise ValidationError(
                f"category_ids must be a list of category ids, got str {category_ids!r}",
                details=[ErrorDetail(field="category_ids", message="a list of strings")],
            )
        ids = tuple(category_ids)
        return cls(
            business_name=location.location_name,
            phone_number=location.phone,
            country=location.country_code,
            region=location.region,
            city=location.city,
            zip=location.zip,
            address_line_1=location.address,
            address_line_2=location.additional_address_info,
            website_url=location.website_url,
            business_hours=hours,
            special_hours=special,
            category_ids=ids or None,
            reopen_date=location.reopen_date,
        )


for _cls in (
    LocalBusinessHours,
    SpecialHours,
    ServiceAreaPlace,
    Coordinates,
    Category,
    LocalLocation,
):
    attrs.resolve_types(_cls)

_SUBMIT: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_submit_date(value: Any) -> dt.datetime:
    """``YYYY-MM-DD[Thh:mm:ss[.f…]]`` with any fraction length, as a naive datetime.

    The API sends no zone and documents none, so none is assumed: comparing the
    result with an aware datetime raises instead of silently shifting it by hours.
    """
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _SUBMIT.match(value):
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    return parse_timestamp(value, naive_is_utc=False)


def _strict_bool(value: Any, _: Any) -> bool:
    # cattrs' default is bool(value): the string "false" would become True.
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _make_converter() -> cattrs.Converter:
    c = make_converter(renames={TimeRange: {"from_": "from"}})
    c.register_structure_hook(dt.datetime, lambda v, _: parse_submit_date(v))
    c.register_structure_hook(bool, _strict_bool)
    c.register_unstructure_hook(dt.datetime, lambda d: d.isoformat())
    return c


converter: Final = _make_converter()


def _input_submit_date(value: Any, _: Any) -> dt.datetime:
    try:
        return parse_submit_date(value)
    except (TypeError, ValueError):
        raise InputRefused(f"expected a datetime or YYYY-MM-DD[Thh:mm:ss], got {value!r}") from None


def _make_input_converter() -> cattrs.Converter:
    c = make_converter(renames={TimeRange: {"from_": "from"}}, strict=True)
    c.register_structure_hook(dt.datetime, _input_submit_date)
    return c


#: Strict structuring of user input (typed or plain JSON): see ``v4._convert``.
input_converter: Final = _make_input_converter()


def check_id(value: Any, what: str = "location_id") -> str:
    """A Local API id (32 lower-case hex characters), or a ValidationError."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise ValidationError(
            f"{what} must be a Local API id: 32 lower-case hex characters such as "
            f"'b326158fb2a24777a76575b1883923e6', got {value!r}",
            details=[ErrorDetail(code="INVALID_ID", field=what, message="32 lower-case hex")],
        )
    return value


def _drop_none(value: Any) -> Any:
    # The wire never needs a null: an update clears a field by naming it in the
    # mask and leaving it out of the body.
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def location_body(loc: LocalLocation) -> dict[str, Any]:
    """A create body: writable fields only, no nulls."""
    body: dict[str, Any] = _drop_none(converter.unstructure(loc))
    for k in OUTPUT_ONLY:
        body.pop(k, None)
    return body


def wire_value(value: Any) -> Any:
    """One field's JSON value (typed or plain input)."""
    return _drop_none(converter.unstructure(value))


def _structure_input(data: Any, cls: Any, what: str, root: str = "") -> Any:
    return structure_input(input_converter, data, cls, what, root=root)


def location_input(location: LocalLocation | Mapping[str, Any]) -> LocalLocation:
    """A typed or plain-JSON location, every field checked against its type."""
    if isinstance(location, LocalLocation):
        loc: LocalLocation = _structure_input(location, LocalLocation, "location")
        return loc
    return LocalLocation.from_dict(location)


_FIELD_TYPES: Final = {a.name: a.type for a in attrs.fields(LocalLocation)}


def structure_change(name: str, value: Any) -> Any:
    """One update value (typed or plain JSON) as the attribute's type; None stays None."""
    if value is None:
        return None
    return _structure_input(value, _FIELD_TYPES[name], name, root=name)


# --- validation (before any request) ----------------------------------------------------


class _Findings:
    def __init__(self) -> None:
        self.out: list[ErrorDetail] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.out.append(ErrorDetail(code=code, message=message, field=field))


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | tuple | list) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _check_ranges(f: _Findings, path: str, ranges: Sequence[TimeRange], limit: int | None) -> None:
    if limit is not None and len(ranges) > limit:
        f.add(path, "TOO_MANY_RANGES", f"at most {limit} time ranges a day, got {len(ranges)}")
    good = True
    for j, r in enumerate(ranges):
        for key, value in (("from", r.from_), ("to", r.to)):
            if not isinstance(value, str) or not _HHMM.match(value):
                f.add(f"{path}[{j}].{key}", "INVALID_TIME", f'{value!r} is not "HH:mm" (24 h)')
                good = False
    if limit is not None and good and _overlap(ranges):
        f.add(path, "RANGES_OVERLAP", "time ranges of one day must not overlap")


def _check_field(f: _Findings, name: str, value: Any, today: dt.date) -> None:
    """The rules of one field on its own (None: nothing to check)."""
    if value is None:
        return
    if name in MAX_LENGTHS and isinstance(value, str):
        lo, hi = MAX_LENGTHS[name]
        if len(value) > hi or len(value) < lo:
            span = f"{lo} to {hi}" if lo else f"at most {hi}"
            f.add(name, "INVALID_LENGTH", f"must be {span} characters, got {len(value)}")
    if name == "website_url" and isinstance(value, str):
        if not value.startswith(("http://", "https://")):
            f.add(name, "INVALID_URL", f"must start with http:// or https://, got {value!r}")
    elif name == "country":
        if value not in SUPPORTED_COUNTRIES:
            hint = " (upper case)" if str(value).upper() in SUPPORTED_COUNTRIES else ""
            f.add(
                name,
                "UNSUPPORTED_COUNTRY",
                f"{value!r} is not a supported country{hint}; one of "
                f"{', '.join(sorted(SUPPORTED_COUNTRIES))}",
            )
    elif name == "category_ids":
        if len(value) > MAX_CATEGORIES:
            f.add(name, "TOO_MANY_CATEGORIES", f"at most {MAX_CATEGORIES} ids, got {len(value)}")
        for i, cid in enumerate(value):
            if _blank(cid):
                f.add(f"{name}[{i}]", "EMPTY_CATEGORY", "a category id cannot be empty")
            elif not ID_PATTERN.match(cid):
                f.add(
                    f"{name}[{i}]",
                    "INVALID_CATEGORY_ID",
                    f"{cid!r} is not a category id (32 lower-case hex characters, from "
                    "client.local.categories)",
                )
    elif name == "coordinates":
        for key, top in (("latitude", 90), ("longitude", 180)):
            v = getattr(value, key)
            if not (math.isfinite(v) and -top <= v <= top):
                f.add(f"{name}.{key}", "INVALID_COORDINATES", f"must be in -{top}..{top}, got {v}")
    elif name == "business_hours":
        for day in DAY_FIELDS:
            ranges = getattr(value, day)
            if ranges is not None:
                _check_ranges(f, f"business_hours.{day}", ranges, MAX_DAY_RANGES)
    elif name == "service_area_places":
        for i, place in enumerate(value):
            for key in ("name", "place_id"):
                if _blank(getattr(place, key)):
                    f.add(f"{name}[{i}].{key}", "REQUIRED", "is required")
    elif name == "special_hours":
        if len(value) > MAX_SPECIAL_HOURS:
            f.add(name, "TOO_MANY_SPECIAL_HOURS", f"at most {MAX_SPECIAL_HOURS}, got {len(value)}")
        for i, item in enumerate(value):
            path = f"special_hours[{i}]"
            if not item.type.known:
                allowed = ", ".join(SpecialHoursType.__members__)
                f.add(f"{path}.type", "INVALID_TYPE", f"{item.type!r} is not one of {allowed}")
            elif item.type is SpecialHoursType.RANGE and not item.times:
                f.add(f"{path}.times", "TIMES_REQUIRED", "RANGE needs at least one time range")
            elif item.type is not SpecialHoursType.RANGE and item.times:
                f.add(f"{path}.times", "TIMES_NOT_ALLOWED", f"must be empty for {item.type}")
            _check_ranges(f, f"{path}.times", item.times, None)
    elif name == "reopen_date" and value <= today:
        f.add(name, "REOPEN_DATE_NOT_IN_FUTURE", f"must be after {today}, got {value}")


def validate_location(loc: LocalLocation, *, today: dt.date | None = None) -> list[ErrorDetail]:
    """Every documented rule for a create; each finding names its field path."""
    today = today or dt.date.today()
    f = _Findings()
    for name in REQUIRED:
        if _blank(getattr(loc, name)):
            f.add(name, "REQUIRED", "is required")
    country = loc.country
    if country in CONDITIONAL_REGION and _blank(loc.region):
        f.add("region", "REQUIRED", f"is required for {country}")
    if country in SUPPORTED_COUNTRIES and country not in NO_ZIP and _blank(loc.zip):
        f.add("zip", "REQUIRED", f"is required for {country}")
    for a in attrs.fields(LocalLocation):
        if a.name not in OUTPUT_ONLY:
            _check_field(f, a.name, getattr(loc, a.name), today)
    _cross(f, loc.suppress_address, loc.service_area_places, loc.special_hours, loc.business_hours)
    return f.out


def _cross(
    f: _Findings,
    suppress: bool | None,
    places: Sequence[ServiceAreaPlace] | None,
    special: Sequence[SpecialHours] | None,
    hours: LocalBusinessHours | None,
) -> None:
    if suppress and not places:
        f.add("service_area_places", "REQUIRED", "is required when suppress_address is true")
    if special and hours is None:
        f.add("special_hours", "BUSINESS_HOURS_REQUIRED", "cannot be set without business_hours")


def validate_changes(
    changes: Mapping[str, Any], *, today: dt.date | None = None
) -> list[ErrorDetail]:
    """The rules an update can be checked against without the stored location.

    ``changes`` holds structured values; None means "clear". Rules that need the
    stored location (``region``/``zip`` by its country, ``suppress_address`` or
    ``special_hours`` against stored fields) are checked only when the update names
    both fields; the server checks the rest.
    """
    today = today or dt.date.today()
    f = _Findings()
    for name, value in changes.items():
        if name == "country":
            f.add(name, "NOT_UPDATABLE", "cannot be updated; create a new location instead")
            continue
        if name not in UPDATABLE:
            f.add(
                name,
                "UNKNOWN_FIELD",
                f"is not an updatable field; one of {', '.join(UPDATABLE)}",
            )
            continue
        if name in REQUIRED and _blank(value):
            f.add(name, "REQUIRED", "is required and cannot be cleared")
            continue
        _check_field(f, name, value, today)
    if changes.get("suppress_address") and "service_area_places" in changes:
        _cross(f, True, changes["service_area_places"], None, None)
    if changes.get("special_hours") and "business_hours" in changes:
        _cross(f, None, None, changes["special_hours"], changes["business_hours"])
    return f.out


def raise_if(details: Sequence[ErrorDetail], what: str) -> None:
    """One ValidationError listing every finding (nothing sent)."""
    if details:
        raise ValidationError(f"{len(details)} problem(s) in the {what}", details=details)
