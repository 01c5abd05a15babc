"""Map Rank Tracker (``/apis/v4/map-rank-tracker/v0``): endpoint rows, wire choices,
models and decoding.

Facts: ``semrush-v4-projects-maprank-local.md`` §3. Every method takes the API v4 key
(``Authorization: Apikey``; since 2026-08-19, coverage §6 [OFF-RN3]) or the OAuth
Bearer token (deprecated for new integrations), costs no API units and falls under the
account-wide 10/s and 10 in flight. CollectCampaign spends Map Rank Tracker credits
(grid points x keywords).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from semrush_async import errors
from semrush_async._core.request_path import Auth
from semrush_async.v4.convert import (
    OpenStrEnum,
    make_converter,
    parse_timestamp,
    structure,
    structure_input,
)
from semrush_async.v4.endpoint import Endpoint, limits_of

__all__ = [
    "BASE",
    "CAMPAIGN_SORTS",
    "COMPETITOR_SORTS",
    "ENDPOINTS",
    "LIMITS",
    "OAUTH_ENDPOINTS",
    "WIRE",
    "Business",
    "Campaign",
    "CampaignSlots",
    "CampaignStatus",
    "CollectingFrequency",
    "CompetitorStanding",
    "Credits",
    "DistanceUnit",
    "Frequency",
    "GridSettings",
    "Heatmap",
    "HeatmapPoint",
    "HeatmapPosition",
    "Keyword",
    "KeywordState",
    "KeywordStatus",
    "Limits",
    "MapCoordinates",
    "MapRankWire",
    "Metrics",
    "Point",
    "ProjectMetrics",
    "SharingStatus",
    "check_id",
    "format_report_date",
    "model_input",
]

BASE: Final = "/apis/v4/map-rank-tracker/v0"


# --- where the sources disagree: every choice in one place ------------------------------
#
# §3.15 of the facts file: [AUR] mirrors the current official page and is preferred;
# [MRTREF] was written against the older v002 page. Change a choice here and both the
# client and its docs follow; the sandbox states the [AUR] rules on its own.


@attrs.frozen(slots=True)
class MapRankWire:
    """Spellings and verbs where the sources disagree (see the module comment)."""

    #: CollectCampaign verb: PUT [AUR]; [AE crosswalk] says POST.
    collect_method: str = "PUT"
    #: GetCampaigns text filter: ``query`` [AUR]; [MRTREF] says ``search``.
    search_param: str = "query"
    #: Page size (campaigns, competitors): ``size`` [AUR]; [MRTREF] ``pageSize``.
    size_param: str = "size"
    #: Sort (campaigns, competitors): one ``sort=field,DIR`` [AUR]; [MRTREF] says
    #: ``sortField`` + ``sortDirection``.
    sort_param: str = "sort"
    #: GetMetrics keys, preferred first: [AUR] ``average_positions`` /
    #: ``share_of_voices``; the [MRTREF] spellings are read too when the first is absent.
    average_positions_keys: tuple[str, ...] = ("average_positions", "averagePositions")
    share_of_voice_keys: tuple[str, ...] = ("share_of_voices", "shareOfVoice", "shareOfVoices")
    #: GetHeatmap ``reportDate``: required [AUR] (optional per [LAMBDA]/[MRTREF]). When
    #: True and the caller gives none, the client sends the campaign's lastReportDate.
    heatmap_needs_report_date: bool = True
    #: GetTopCompetitors ``cid``/``placeIds``: not listed [AUR] (required per [MRTREF]):
    #: not sent.
    competitors_take_business: bool = False


WIRE: Final = MapRankWire()

# Sort fields per [AUR] §3.4 and §3.13; directions ASC, DESC.
CAMPAIGN_SORTS: Final = ("createdAt", "businessName")
COMPETITOR_SORTS: Final = ("averagePosition", "name", "rating", "reviewNumber", "shareOfVoice")
SORT_DIRECTIONS: Final = ("ASC", "DESC")


def _ep(name: str, method: str, path: str, **kw: Any) -> Endpoint:
    return Endpoint(f"map_rank.{name}", method, BASE + path, auth=Auth.APIKEY, **kw)


#: The 11 methods (§3.2), with the API v4 key (``Authorization: Apikey``), which MRT
#: accepts since 2026-08-19 [OFF-RN3]. Retries: GET, PATCH and DELETE are repeated after
#: a 5xx or a dropped connection (repeating them changes nothing more); CreateCampaign
#: (POST) is not (it may have created a campaign); CollectCampaign is not either,
#: whatever its verb: a repeated collect may spend the credits twice. 429s are always
#: retried.
ENDPOINTS: Final[Mapping[str, Endpoint]] = {
    e.name.removeprefix("map_rank."): e
    for e in (
        _ep("campaigns", "GET", "/campaigns"),
        _ep("get_campaign", "GET", "/campaigns/{campaign_id}"),
        _ep("create_campaign", "POST", "/campaigns"),
        _ep("update_campaign", "PATCH", "/campaigns/{campaign_id}"),
        _ep("delete_campaign", "DELETE", "/campaigns/{campaign_id}"),
        _ep("collect", WIRE.collect_method, "/campaigns/{campaign_id}/collect", idempotent=False),
        _ep("keyword_statuses", "GET", "/campaigns/{campaign_id}/keywords"),
        _ep("heatmap", "GET", "/campaigns/{campaign_id}/heatmap"),
        _ep("metrics", "GET", "/campaigns/{campaign_id}/metrics"),
        _ep("top_competitors", "GET", "/campaigns/{campaign_id}/top-competitors"),
        _ep("limits", "GET", "/limits"),
    )
}


#: The same methods with the OAuth Bearer token: for a client without a v4 key (OAuth
#: is deprecated for new integrations, and keeps working for existing ones [OFF-RN3]).
OAUTH_ENDPOINTS: Final[Mapping[str, Endpoint]] = {
    name: attrs.evolve(e, auth=Auth.BEARER) for name, e in ENDPOINTS.items()
}

#: The published limits of this family's governors, from its rows (the client binds them).
LIMITS: Final = limits_of([*ENDPOINTS.values(), *OAUTH_ENDPOINTS.values()])


# --- closed sets (unknown server values are kept, .known is False) ----------------------


class CampaignStatus(OpenStrEnum):
    """Campaign ``status``; the docs show these two (full set not published)."""

    CREATED = "CREATED"
    COLLECTED = "COLLECTED"


class KeywordState(OpenStrEnum):
    """GetKeywordStatuses ``status``; only ``COLLECTED`` is documented."""

    COLLECTED = "COLLECTED"


class Frequency(OpenStrEnum):
    """``collectingFrequency.frequency`` ("WEEKLY, MONTHLY, etc." per the docs)."""

    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class DistanceUnit(OpenStrEnum):
    """``gridSettings.unit``."""

    KM = "KM"
    MI = "MI"


# --- models -----------------------------------------------------------------------------


@attrs.frozen(slots=True)
class MapCoordinates:
    """A grid point on the map (``lat``/``lng``, as Map Rank Tracker names them; the
    Local API's :class:`~semrush_async.Coordinates` say ``latitude``/``longitude``)."""

    lat: float
    lng: float


@attrs.frozen(slots=True)
class Keyword:
    """A campaign keyword (UUID id)."""

    id: str
    name: str


@attrs.frozen(slots=True)
class SharingStatus:
    access_type: str | None = None
    owner_email: str | None = None
    shares_count: int | None = None


@attrs.frozen(slots=True)
class CollectingFrequency:
    """Automatic collection. ``positions``: weekday numbers for WEEKLY, days of the
    month for MONTHLY; ``time`` is ``HH:mm``; ``interval`` counts frequency units."""

    frequency: Frequency
    positions: tuple[int, ...] = ()
    interval: int | None = None
    time: str | None = None
    enable: bool | None = None


_TEMPLATE: Final = re.compile(r"^(\d{1,2})x(\d{1,2})$")


@attrs.frozen(slots=True)
class GridSettings:
    """A grid of points around ``base_point``: ``template`` ``"5x5"`` gives 25 points,
    ``"7x7"`` 49; ``distance`` is the radius in ``unit``."""

    template: str = "5x5"
    unit: DistanceUnit = DistanceUnit.KM
    distance: float = 1.5
    base_point: MapCoordinates | None = None

    @property
    def points_count(self) -> int | None:
        """Points the template makes (None for a template this client cannot read)."""
        m = _TEMPLATE.match(self.template)
        return int(m[1]) * int(m[2]) if m else None


@attrs.frozen(slots=True)
class Point:
    """A tracking point; ``id`` is assigned by the server (leave it None to create)."""

    coordinates: MapCoordinates
    index: int | None = None
    is_enabled: bool = True
    id: str | None = None


@attrs.frozen(slots=True)
class Business:
    """A Google business. ``cid`` can exceed 2**63: it stays a string."""

    cid: str | None = None
    place_ids: tuple[str, ...] = ()
    name: str | None = None
    address: str | None = None
    rating: float | None = None
    review_number: int | None = None
    coordinates: MapCoordinates | None = None


@attrs.frozen(slots=True)
class ProjectMetrics:
    """Campaign averages; all None before the first collection (``{}``)."""

    average_position: float | None = None
    average_position_diff: float | None = None
    average_share_of_voice: float | None = None
    average_share_of_voice_diff: float | None = None


@attrs.frozen(slots=True)
class Campaign:
    """A Map Rank Tracker campaign (GetCampaign; GetCampaigns items carry
    ``keywords_number``/``points_number`` instead of the lists)."""

    id: str
    name: str | None = None
    user_id: str | None = None
    status: CampaignStatus | None = None
    business: Business | None = None
    country_code: str | None = None
    keywords: tuple[Keyword, ...] = ()
    grid_settings: GridSettings | None = None
    points: tuple[Point, ...] = ()
    collecting_frequency: CollectingFrequency | None = None
    sharing_status: SharingStatus | None = None
    project_metrics: ProjectMetrics | None = None
    report_dates: tuple[dt.datetime, ...] = ()
    last_report_date: dt.datetime | None = None
    next_report_date: dt.datetime | None = None
    created_at: dt.datetime | None = None
    status_updated_at: dt.datetime | None = None
    #: Top-level ``zoom`` of one official example [OFF-MRT]; absent in [AUR].
    zoom: float | None = None
    keywords_number: int | None = None
    points_number: int | None = None

    @property
    def points_count(self) -> int | None:
        """Enabled tracking points (from ``points``, ``pointsNumber`` or the grid)."""
        if self.points:
            return sum(1 for p in self.points if p.is_enabled)
        if self.points_number is not None:
            return self.points_number
        return self.grid_settings.points_count if self.grid_settings else None

    @property
    def keywords_count(self) -> int | None:
        if self.keywords:
            return len(self.keywords)
        return self.keywords_number

    @property
    def collection_cost(self) -> int | None:
        """Credits one collection spends: enabled points x keywords (None if unknown)."""
        points, keywords = self.points_count, self.keywords_count
        return None if points is None or keywords is None else points * keywords


@attrs.frozen(slots=True)
class KeywordStatus:
    keyword: Keyword
    status: KeywordState | None = None


@attrs.frozen(slots=True)
class HeatmapPoint:
    id: str
    coordinates: MapCoordinates | None = None


@attrs.frozen(slots=True)
class HeatmapPosition:
    """The business's rank at one point; ``diff`` is the change since the last report."""

    point: HeatmapPoint
    position: int | None = None
    diff: int | None = None


@attrs.frozen(slots=True)
class Heatmap:
    """Positions of one business for one keyword at one report date."""

    keyword: Keyword | None = None
    date: dt.datetime | None = None
    positions: tuple[HeatmapPosition, ...] = ()

    def rows(self) -> list[list[HeatmapPosition | None]]:
        """The positions as a grid: rows north to south, columns west to east
        (None where a point of the grid has no position)."""
        placed = [p for p in self.positions if p.point.coordinates is not None]
        lats = sorted({round(_c(p).lat, 6) for p in placed}, reverse=True)
        lngs = sorted({round(_c(p).lng, 6) for p in placed})
        grid: list[list[HeatmapPosition | None]] = [[None] * len(lngs) for _ in lats]
        row = {v: i for i, v in enumerate(lats)}
        col = {v: i for i, v in enumerate(lngs)}
        for p in placed:
            grid[row[round(_c(p).lat, 6)]][col[round(_c(p).lng, 6)]] = p
        return grid


def _c(p: HeatmapPosition) -> MapCoordinates:
    assert p.point.coordinates is not None
    return p.point.coordinates


@attrs.frozen(slots=True)
class Metrics:
    """History of one business for one keyword, oldest first. Average position counts
    ranks over 20 as 21; share of voice is a percentage."""

    average_positions: Mapping[dt.datetime, float] = attrs.field(factory=dict)
    share_of_voice: Mapping[dt.datetime, float] = attrs.field(factory=dict)


@attrs.frozen(slots=True)
class CompetitorStanding:
    """A business's standing for one keyword and report date."""

    business: Business
    average_position: float | None = None
    share_of_voice: float | None = None


@attrs.frozen(slots=True)
class CampaignSlots:
    total: int
    in_use: int
    available: int


@attrs.frozen(slots=True)
class Credits:
    """Collection credits; reset to the plan's total on the 1st of each month."""

    total: int
    spent_this_month: int
    available: int


@attrs.frozen(slots=True)
class Limits:
    campaigns: CampaignSlots
    credits: Credits


# --- decoding and encoding --------------------------------------------------------------

_CAMEL: Final = (
    SharingStatus,
    GridSettings,
    Point,
    Business,
    ProjectMetrics,
    Campaign,
    CompetitorStanding,
    CampaignSlots,
    Credits,
)
CONVERTER: Final = make_converter(camel_case=_CAMEL)
#: Strict structuring of user input (see ``v4._convert``).
INPUT_CONVERTER: Final = make_converter(camel_case=_CAMEL, strict=True)


# --- input checks ---------------------------------------------------------------------

#: Documented id formats (§3.1): campaign, keyword and point ids are UUID strings;
#: ``business.cid`` is a numeric string (it can exceed 2**63). Place ids are Google's
#: and have no documented format: a string, checked only as a safe path/query value.
_UUID: Final = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
ID_FORMATS: Final[Mapping[str, tuple[re.Pattern[str], str]]] = {
    "campaign_id": (_UUID, "a UUID such as '3fa85f64-5717-4562-b3fc-2c963f66afa6'"),
    "keyword_id": (_UUID, "a UUID such as '3fa85f64-5717-4562-b3fc-2c963f66afa6'"),
    "cid": (re.compile(r"^[0-9]+$"), "a numeric string such as '17188786011085295626'"),
}


def check_id(value: Any, what: str) -> str:
    """``value`` if it has the documented type and format of ``what``, else a
    ValidationError (unknown kinds: any string)."""
    rule = ID_FORMATS.get(what)
    if not isinstance(value, str) or (rule is not None and not rule[0].match(value)):
        allowed = rule[1] if rule is not None else "a string"
        raise errors.ValidationError(
            f"{what} must be {allowed}, got {value!r}",
            details=[errors.ErrorDetail(code="INVALID_ID", field=what, message=allowed)],
        )
    return value


def model_input(value: Any, cls: type[Any], what: str) -> Any:
    """A model instance given by the user, every field checked against its type
    (attrs does not check types): strings only where strings go, finite numbers."""
    if not isinstance(value, cls):
        raise errors.ValidationError(f"{what} must be a {cls.__name__}, got {value!r}")
    return structure_input(INPUT_CONVERTER, value, cls, what, root=what)


def coordinate_problems(c: MapCoordinates | None, field: str) -> list[errors.ErrorDetail]:
    """Latitude in -90..90 and longitude in -180..180 (finite: checked by type)."""
    if c is None:
        return []
    out = []
    for key, value, top in (("lat", c.lat, 90), ("lng", c.lng, 180)):
        if not -top <= value <= top:
            out.append(
                errors.ErrorDetail(
                    code="OFF_THE_MAP", field=f"{field}.{key}", message=f"in -{top}..{top}"
                )
            )
    return out


def decode_campaign(data: Any) -> Campaign:
    return structure(CONVERTER, data, Campaign, "Map Rank Tracker campaign")


def decode_keyword_statuses(data: Any) -> list[KeywordStatus]:
    items = data.get("keywords") if isinstance(data, Mapping) else None
    return [structure(CONVERTER, item, KeywordStatus, "keyword status") for item in items or ()]


def decode_heatmap(data: Any) -> Heatmap:
    return structure(CONVERTER, data or {}, Heatmap, "heatmap")


def decode_standing(data: Any) -> CompetitorStanding:
    return structure(CONVERTER, data, CompetitorStanding, "competitor standing")


def decode_limits(data: Any) -> Limits:
    return structure(CONVERTER, data, Limits, "Map Rank Tracker limits")


def _series(data: Mapping[str, Any], keys: tuple[str, ...]) -> dict[dt.datetime, float]:
    raw: Mapping[str, Any] = next((data[k] for k in keys if isinstance(data.get(k), Mapping)), {})
    try:
        pairs = sorted((parse_timestamp(k), float(v)) for k, v in raw.items())
    except (AttributeError, TypeError, ValueError) as e:
        raise errors.APIError(
            f"the server sent metrics this client cannot decode: {str(e)[:200]}",
            hint="Upgrade semrush-async, or report the response shape as a bug",
        ) from None
    return dict(pairs)


def decode_metrics(data: Any, wire: MapRankWire = WIRE) -> Metrics:
    doc = data if isinstance(data, Mapping) else {}
    return Metrics(
        _series(doc, wire.average_positions_keys),
        _series(doc, wire.share_of_voice_keys),
    )


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def to_wire(value: Any) -> Any:
    """A model as its JSON body part (camelCase, None fields left out)."""
    return _drop_none(CONVERTER.unstructure(value))


def format_report_date(value: dt.datetime | str) -> str:
    """A report date as sent: strings verbatim (so a value from ``reportDates`` goes
    back byte for byte), datetimes in UTC with milliseconds like the docs' examples
    (microseconds when they are not whole milliseconds)."""
    if isinstance(value, str):
        return value
    utc = value.astimezone(dt.UTC)
    if utc.microsecond % 1000 == 0:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def __getattr__(name: str) -> object:
    # The old name, before it was told apart from the Local API's Coordinates.
    if name == "Coordinates":
        import warnings

        warnings.warn(
            "map_rank Coordinates is now MapCoordinates (semrush_async.Coordinates is the "
            "Local API's latitude/longitude pair)",
            DeprecationWarning,
            stacklevel=2,
        )
        return MapCoordinates
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
