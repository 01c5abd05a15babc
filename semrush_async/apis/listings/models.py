"""Listing Management v4 models (attrs, frozen, slots) and their JSON form.

Python names are snake_case; the wire is camelCase (``location_name`` <->
``locationName``). A field left as None is *absent* on the wire: an update never sends
nulls that would wipe stored data. Reading tolerates the docs' inconsistencies
(``website`` for ``websiteUrl`` in GetLocations) and ignores unknown keys.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.v4.convert import make_converter, structure_input

__all__ = [
    "DAYS",
    "BusinessHours",
    "HolidayHours",
    "HolidayType",
    "Location",
    "LocationError",
    "LocationIssue",
    "LocationUpdateResult",
    "TimeRange",
    "UpdateState",
    "converter",
    "validate_location",
    "validate_locations",
]

DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Documented required fields and maximum lengths (Python names; the wire has camelCase).
REQUIRED: Final = ("location_name", "address", "phone", "city")
MAX_LENGTHS: Final = {
    "location_name": 100,
    "address": 190,
    "additional_address_info": 64,
    "website_url": 255,
}
MAX_RANGES: Final = 3
_HHMM: Final = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class HolidayType(enum.StrEnum):
    REGULAR = "REGULAR"
    CLOSED = "CLOSED"
    OPENED_ALL_DAY = "OPENED_ALL_DAY"
    RANGE = "RANGE"


class UpdateState(enum.StrEnum):
    UPDATED = "UPDATED"
    FAILED = "FAILED"


@attrs.frozen(slots=True)
class TimeRange:
    """``from_``/``to`` in ``HH:mm`` (``from`` on the wire)."""

    from_: str
    to: str


@attrs.frozen(slots=True)
class BusinessHours:
    """Time ranges per weekday; a day left None is absent (not sent)."""

    monday: tuple[TimeRange, ...] | None = None
    tuesday: tuple[TimeRange, ...] | None = None
    wednesday: tuple[TimeRange, ...] | None = None
    thursday: tuple[TimeRange, ...] | None = None
    friday: tuple[TimeRange, ...] | None = None
    saturday: tuple[TimeRange, ...] | None = None
    sunday: tuple[TimeRange, ...] | None = None


@attrs.frozen(slots=True)
class HolidayHours:
    """Special hours for one date; ``times`` only for ``RANGE``."""

    type: HolidayType
    day: dt.date
    times: tuple[TimeRange, ...] | None = None


@attrs.frozen(slots=True)
class LocationIssue:
    """An output-only finding about a location (e.g. ``G_020``)."""

    code: str
    message: str | None = None


@attrs.frozen(slots=True)
class Location:
    """A Listing Management location. ``status``, ``country_code`` and ``errors`` are
    output-only and never sent."""

    id: str | None = None
    location_name: str | None = None
    zip: str | None = None
    address: str | None = None
    additional_address_info: str | None = None
    phone: str | None = None
    city: str | None = None
    region: str | None = None
    website_url: str | None = None
    business_hours: BusinessHours | None = None
    holiday_hours: tuple[HolidayHours, ...] | None = None
    reopen_date: dt.date | None = None
    status: str | None = None
    country_code: str | None = None
    errors: tuple[LocationIssue, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this location (absent fields omitted)."""
        out: dict[str, Any] = converter.unstructure(self)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Location:
        """Parse a location from JSON; malformed values raise ValidationError."""
        return location_input(data)


@attrs.frozen(slots=True)
class LocationError:
    """The error attached to a FAILED location (or a whole failed request)."""

    code: str
    message: str
    details: tuple[ErrorDetail, ...] = ()


@attrs.frozen(slots=True)
class LocationUpdateResult:
    """The outcome of one location in an UpdateLocations call."""

    location_id: str
    state: UpdateState
    error: LocationError | None = None

    @property
    def ok(self) -> bool:
        return self.state is UpdateState.UPDATED


# --- the converter ----------------------------------------------------------------------

OUTPUT_ONLY: Final = ("status", "countryCode", "errors")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _make_converter() -> cattrs.Converter:
    c = cattrs.Converter(forbid_extra_keys=False)
    c.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    c.register_structure_hook(dt.date, lambda v, _: _parse_date(v))
    for cls in (TimeRange, BusinessHours, HolidayHours, Location, LocationIssue):
        renames: dict[str, Any] = {
            a.name: override(
                rename="from" if a.name == "from_" else _camel(a.name), omit_if_default=True
            )
            for a in attrs.fields(cls)
        }
        c.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, c, _cattrs_omit_if_default=True, **renames)
        )
        c.register_structure_hook(cls, make_dict_structure_fn(cls, c, **renames))
    return c


def _parse_date(v: Any) -> dt.date:
    if isinstance(v, dt.date):
        return v
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        raise ValueError(f'{v!r} is not a date in the "yyyy-mm-dd" format')
    return dt.date.fromisoformat(v)


converter: Final = _make_converter()


def structure_location(data: Mapping[str, Any]) -> Location:
    """Structure a location, accepting ``website`` for ``websiteUrl``."""
    if not isinstance(data, Mapping):
        raise ValidationError("a location must be a JSON object")
    doc = dict(data)
    if "websiteUrl" not in doc and "website" in doc:
        doc["websiteUrl"] = doc.pop("website")
    try:
        return converter.structure(doc, Location)
    except Exception as e:  # cattrs raises grouped exceptions; flatten them
        msgs = cattrs.transform_error(e) if isinstance(e, cattrs.BaseValidationError) else [str(e)]
        raise ValidationError(
            "invalid location data",
            details=[ErrorDetail(message=m) for m in msgs],
        ) from None


def _make_input_converter() -> cattrs.Converter:
    return make_converter(
        camel_case=(TimeRange, BusinessHours, HolidayHours, Location, LocationIssue),
        strict=True,
        # from_dict has always ignored unknown keys (a GetLocations object fed back).
        forbid_extra_keys=False,
    )


#: Strict structuring of user input (typed or plain JSON): see ``v4._convert``.
input_converter: Final = _make_input_converter()


def location_input(location: Location | Mapping[str, Any], what: str = "location") -> Location:
    """A typed or plain-JSON location given by the user, every field checked against
    its type: a number is not taken for a string, nor a string for a list."""
    if isinstance(location, Mapping):
        doc = dict(location)
        if "websiteUrl" not in doc and "website" in doc:
            doc["websiteUrl"] = doc.pop("website")
        location = doc
    elif not isinstance(location, Location):
        raise ValidationError(f"{what} must be a Location or a JSON object, got {location!r}")
    root = "" if what == "location" else what
    loc: Location = structure_input(input_converter, location, Location, what, root=root)
    return loc


def location_body(loc: Location, *, with_id: bool) -> dict[str, Any]:
    """The request body for an update: no output-only fields, no nulls."""
    body = loc.to_dict()
    for k in OUTPUT_ONLY:
        body.pop(k, None)
    if not with_id:
        body.pop("id", None)
    return body


# --- validation (before any request) ----------------------------------------------------


def validate_location(
    loc: Location,
    *,
    require_id: bool,
    today: dt.date | None = None,
    prefix: str = "",
) -> list[ErrorDetail]:
    """Every documented rule; each problem names the wire field and index."""
    today = today or dt.date.today()
    out: list[ErrorDetail] = []

    def err(code: str, message: str, field: str, index: int | None = None) -> None:
        out.append(ErrorDetail(code=code, message=message, field=prefix + field, index=index))

    if require_id and not loc.id:
        err("FIELD_REQUIRED", "the location id is required", "id")
    for attr in REQUIRED:
        value = getattr(loc, attr)
        if value is None or not str(value).strip():
            err("FIELD_REQUIRED", f"{_camel(attr)} is required", _camel(attr))
    for attr, limit in MAX_LENGTHS.items():
        value = getattr(loc, attr)
        wire = _camel(attr)
        if value is not None and len(value) > limit:
            err(
                "FIELD_TOO_LONG", f"{wire} is {len(value)} characters; the maximum is {limit}", wire
            )

    def check_ranges(ranges: Sequence[TimeRange], field: str, index: int | None) -> bool:
        ok = True
        if len(ranges) > MAX_RANGES:
            err("TIMES_TOO_MANY_RANGES", f"at most {MAX_RANGES} time ranges", field, index)
            ok = False
        for j, r in enumerate(ranges):
            for value in (r.from_, r.to):
                if not isinstance(value, str) or not _HHMM.match(value):
                    err(
                        "INVALID_TIME_FORMAT",
                        f'{value!r} is not in the "HH:mm" format',
                        field,
                        index if index is not None else j,
                    )
                    ok = False
        return ok

    bh = loc.business_hours
    if bh is not None:
        for day in DAYS:
            ranges = getattr(bh, day)
            if ranges is not None:
                check_ranges(ranges, f"businessHours.{day}", None)
    if loc.holiday_hours is not None:
        if bh is None or all(getattr(bh, d) is None for d in DAYS):
            err(
                "BUSINESS_HOURS_REQUIRED",
                "holidayHours cannot be set without businessHours",
                "holidayHours",
            )
        seen: set[dt.date] = set()
        for i, h in enumerate(loc.holiday_hours):
            try:
                kind = HolidayType(h.type)
            except ValueError:
                err(
                    "INVALID_HOLIDAY_TYPE",
                    f"{h.type!r} is not one of {', '.join(t.value for t in HolidayType)}",
                    "holidayHours.type",
                    i,
                )
                continue
            if h.day in seen:
                err(
                    "HOLIDAY_DAY_NOT_UNIQUE",
                    f"more than one item for {h.day}",
                    "holidayHours.day",
                    i,
                )
            seen.add(h.day)
            if kind is HolidayType.RANGE:
                if not h.times:
                    err("TIMES_REQUIRED", "RANGE needs time ranges", "holidayHours.times", i)
                elif check_ranges(h.times, "holidayHours.times", i) and _overlap(h.times):
                    err("TIMES_OVERLAP", "time ranges overlap", "holidayHours.times", i)
            elif h.times:
                err(
                    "TIMES_NOT_ALLOWED",
                    f"times are only allowed for RANGE, not {kind.value}",
                    "holidayHours.times",
                    i,
                )
    if loc.reopen_date is not None and loc.reopen_date <= today:
        err(
            "REOPEN_DATE_NOT_IN_FUTURE",
            f"reopenDate {loc.reopen_date} must be after {today}",
            "reopenDate",
        )
    return out


def _overlap(times: Sequence[TimeRange]) -> bool:
    spans = sorted((t.from_, t.to) for t in times)
    # A range ending at or before its start runs past midnight; only same-day spans
    # can be compared by text.
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans) if a[1] > a[0])


def validate_locations(locations: Sequence[Location], *, today: dt.date | None = None) -> None:
    """Validate a bulk update; raise one ValidationError listing every problem."""
    details: list[ErrorDetail] = []
    ids: dict[str, int] = {}
    for i, loc in enumerate(locations):
        details += validate_location(loc, require_id=True, today=today, prefix=f"locations[{i}].")
        if loc.id:
            if loc.id in ids:
                details.append(
                    ErrorDetail(
                        code="LOCATIONS_ARE_NOT_UNIQUE",
                        message=f"id {loc.id} also at index {ids[loc.id]}",
                        field=f"locations[{i}].id",
                    )
                )
            ids.setdefault(loc.id, i)
    if details:
        raise ValidationError(
            f"{len(details)} problem(s) in {len(locations)} location(s)", details=details
        )
