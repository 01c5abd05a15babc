"""Position Tracking results as frozen attrs models, and their decoding.

The v3 answers are decoded as the docs show them [AUR ``projects_tracking_*.md``]:
``data`` objects keyed by row index strings become ordered tuples, an unranked
``"-"`` becomes None, numbers sent as strings (``"Cp": "1.44"``, ``"total": "7"``) are
parsed, dates ``YYYYMMDD`` become :class:`datetime.date`, and per-date values become
mappings keyed by date. Unknown fields are ignored. The models do not depend on the
wire: a v4 backend can fill them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from semrush_async import errors
from semrush_async.v4.paging import indexed

__all__ = [
    "CampaignDates",
    "CampaignLocation",
    "CampaignState",
    "IntentShare",
    "LandingKeyword",
    "LandingPage",
    "LandingPagesReport",
    "LandingStats",
    "OverviewTier",
    "PositionRow",
    "TrackedKeyword",
    "TrackingCampaign",
    "TrackingCampaigns",
    "TrackingCompetitor",
    "TrackingCompetitorStats",
    "TrackingCompetitors",
    "TrackingLanguage",
    "TrackingLocation",
    "TrackingOverview",
    "VisibilityPoint",
]

T = TypeVar("T")
#: Per-date values: ``{date: {url: value}}``.
ByDate = Mapping[dt.date, Mapping[str, T]]


# --- scalars ---------------------------------------------------------------------------


def _bad(what: str, value: Any) -> errors.APIError:
    return errors.APIError(
        f"unexpected {what} in a Position Tracking answer: {str(value)[:80]!r}",
        hint="Upgrade semrush-async, or report the response shape as a bug",
    )


def number(value: Any) -> float | None:
    """A number sent as a number or a string; ``"-"``, ``"n/a"``, "" and None are None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "-", "n/a"):
            return None
        try:
            return float(text)
        except ValueError:
            raise _bad("number", value) from None
    raise _bad("number", value)


def integer(value: Any) -> int | None:
    n = number(value)
    return None if n is None else int(n)


def rank(value: Any) -> int | None:
    """A position: None for unranked (``"-"``, 0 or absent)."""
    n = integer(value)
    return n if n else None


def day(value: Any) -> dt.date | None:
    """``YYYYMMDD`` (string or integer) as a date."""
    text = str(value) if value is not None else ""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def rows(value: Any) -> list[Any]:
    """An index-keyed object (or a list) as an ordered list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    out = indexed(value)
    if out is None:
        raise _bad("list", value)
    return out


def strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in rows(value))


def by_date(value: Any, each: Callable[[Any], T]) -> tuple[dict[dt.date, T], T | None]:
    """``{"YYYYMMDD": v, ..., "Diff": d}`` as ({date: each(v)}, each(d) or None)."""
    out: dict[dt.date, T] = {}
    diff: T | None = None
    if not isinstance(value, Mapping):
        return out, None
    for key, v in value.items():
        if key == "Diff":
            diff = each(v)
            continue
        d = day(key)
        if d is not None:
            out[d] = each(v)
    return dict(sorted(out.items())), diff


def per_url(each: Callable[[Any], T]) -> Callable[[Any], dict[str, T]]:
    def decode(value: Any) -> dict[str, T]:
        return {str(k): each(v) for k, v in value.items()} if isinstance(value, Mapping) else {}

    return decode


def _num0(value: Any) -> float:
    return number(value) or 0.0


def _int0(value: Any) -> int:
    return integer(value) or 0


# --- management -------------------------------------------------------------------------


@attrs.frozen(slots=True)
class CampaignLocation:
    """A campaign's location as ``campaigns`` lists it."""

    id: int
    name: str | None = None
    type: str | None = None
    country_code: str | None = None
    language_code: str | None = None


@attrs.frozen(slots=True)
class TrackingCampaign:
    """One Position Tracking campaign of a project."""

    id: str
    url: str
    url_type: str
    engine: str | None
    location: CampaignLocation | None
    device: str | None
    language: str | None
    keywords_count: int
    is_gathering: bool = False


@attrs.frozen(slots=True)
class TrackingCampaigns:
    """A project's campaigns and the account's tracked-keywords limit."""

    project_id: int
    campaigns: tuple[TrackingCampaign, ...]
    keywords_limit: int | None = None


@attrs.frozen(slots=True)
class TrackedKeyword:
    keyword: str
    tags: tuple[str, ...] = ()
    #: When it was added (the answer's Unix ``timestamp``).
    added: dt.datetime | None = None


@attrs.frozen(slots=True)
class CampaignState:
    """A campaign after a keyword, tag or competitor change."""

    campaign_id: str
    project_id: int | None
    project_name: str | None
    url: str | None
    competitors: tuple[str, ...]
    #: None when the answer does not list them (competitor changes).
    keywords: tuple[TrackedKeyword, ...] | None


@attrs.frozen(slots=True)
class TrackingLanguage:
    id: int | None
    code: str
    name: str
    is_default: bool = False


@attrs.frozen(slots=True)
class TrackingLocation:
    """A location of the location search."""

    id: int
    name: str
    formatted_name: str
    country_code: str
    type: str
    parent_id: int | None = None
    reversed_name: str | None = None
    canonical_name: str | None = None
    languages: tuple[TrackingLanguage, ...] = ()
    weight: int | None = None
    #: ``national``, ``regional``, ``local`` (what ``use_volume`` may ask for).
    volume_types: tuple[str, ...] = ()


def decode_campaigns(doc: Any) -> TrackingCampaigns:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("campaigns"), list):
        raise _bad("campaign list", doc)
    out = []
    for c in doc["campaigns"]:
        loc = c.get("location")
        location = (
            CampaignLocation(
                _int0(loc.get("id")),
                loc.get("name"),
                loc.get("type"),
                loc.get("code"),
                loc.get("hl"),
            )
            if isinstance(loc, Mapping)
            else None
        )
        out.append(
            TrackingCampaign(
                str(c.get("id")),
                str(c.get("url", "")),
                str(c.get("type", "")),
                c.get("engine"),
                location,
                c.get("device"),
                c.get("language"),
                _int0(c.get("keywords_count")),
                bool(c.get("isGathering", False)),
            )
        )
    limits = doc.get("limits")
    return TrackingCampaigns(
        _int0(doc.get("project_id")),
        tuple(out),
        integer(limits.get("targets")) if isinstance(limits, Mapping) else None,
    )


def decode_state(doc: Any) -> CampaignState:
    if not isinstance(doc, Mapping):
        raise _bad("campaign", doc)
    keywords = None
    if isinstance(doc.get("keywords"), list):
        keywords = tuple(
            TrackedKeyword(
                str(k.get("keyword")),
                strings(k.get("tags")),
                dt.datetime.fromtimestamp(k["timestamp"], dt.UTC)
                if isinstance(k.get("timestamp"), int)
                else None,
            )
            for k in doc["keywords"]
        )
    return CampaignState(
        str(doc.get("campaign_id", "")),
        integer(doc.get("project_id")),
        doc.get("project_name"),
        doc.get("url"),
        tuple(str(c) for c in doc.get("competitors") or ()),
        keywords,
    )


def decode_locations(doc: Any) -> tuple[TrackingLocation, ...]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("locations"), list):
        raise _bad("location list", doc)
    out = []
    for item in doc["locations"]:
        loc = item.get("location", {})
        out.append(
            TrackingLocation(
                _int0(loc.get("id")),
                str(loc.get("name", "")),
                str(loc.get("formatted_name", "")),
                str(loc.get("country_code", "")),
                str(loc.get("type", "")),
                integer(loc.get("parent_id")),
                loc.get("reversed_name"),
                loc.get("canonical_name"),
                tuple(
                    TrackingLanguage(
                        integer(lang.get("id")),
                        str(lang.get("hl", "")),
                        str(lang.get("name", "")),
                        bool(lang.get("is_default", False)),
                    )
                    for lang in loc.get("languages") or ()
                ),
                integer(loc.get("weight")),
                tuple(str(v) for v in item.get("available_volume_types") or ()),
            )
        )
    return tuple(out)


# --- reports ------------------------------------------------------------------------------


@attrs.frozen(slots=True)
class CampaignDates:
    """The dates a campaign has data for, oldest first."""

    dates: tuple[dt.date, ...]
    #: Hours since the last crawl.
    last_crawl_hours: int | None = None


@attrs.frozen(slots=True)
class OverviewTier:
    """Keywords in one tier (all, top 3, top 10, top 20) at the end of the period."""

    count: int
    improved: int
    declined: int
    difference: int
    left: int
    entered: int


@attrs.frozen(slots=True)
class TrackingOverview:
    total: int
    visibility: float | None
    visibility_change: float | None
    all: OverviewTier
    top3: OverviewTier
    top10: OverviewTier
    top20: OverviewTier
    #: Keywords per SERP position as the docs key them (0-99; 0 is the first place).
    distribution: Mapping[int, int]


@attrs.frozen(slots=True)
class PositionRow:
    """One tracked keyword and its rankings for each URL of the report's ``url``."""

    keyword_id: str
    keyword: str
    added: dt.date | None
    tags: tuple[str, ...]
    #: ``i`` informational, ``n`` navigational, ``t`` transactional, ``c`` commercial.
    intents: tuple[str, ...]
    cpc: float | None
    volume: int | None
    #: ``Gs``: True when the volume was not crawled.
    volume_not_crawled: bool
    #: Position per date and URL; None where unranked (``"-"``).
    positions: ByDate[int | None]
    begin: Mapping[str, int | None]
    end: Mapping[str, int | None]
    diff: Mapping[str, int | None]
    diff1: Mapping[str, int | None]
    diff7: Mapping[str, int | None]
    diff30: Mapping[str, int | None]
    visibility: ByDate[float | None]
    visibility_diff: Mapping[str, float | None]
    #: Organic only.
    share_of_voice: ByDate[float | None]
    share_of_voice_diff: Mapping[str, float | None]
    serp_features: Mapping[dt.date, tuple[str, ...]]
    traffic: ByDate[float | None]
    traffic_cost: ByDate[float | None]
    landing_urls: ByDate[str | None]
    ranking_types: ByDate[tuple[str, ...]]


def _tier(doc: Mapping[str, Any], name: str) -> OverviewTier:
    def n(suffix: str) -> int:
        return _int0(doc.get(f"{name}{suffix}"))

    return OverviewTier(
        n(""), n("_improved"), n("_declined"), n("_difference"), n("_left"), n("_entered")
    )


def decode_dates(doc: Any) -> CampaignDates:
    if not isinstance(doc, Mapping):
        raise _bad("campaign dates", doc)
    dates = [day(r.get("Dt")) for r in rows(doc.get("data"))]
    return CampaignDates(
        tuple(sorted(d for d in dates if d is not None)), integer(doc.get("last_crawl"))
    )


def decode_overview(doc: Any) -> TrackingOverview:
    if not isinstance(doc, Mapping):
        raise _bad("overview", doc)
    data = doc.get("data") if isinstance(doc.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    return TrackingOverview(
        _int0(doc.get("total")),
        number(doc.get("visibility")),
        number(doc.get("differenceVisibility")),
        _tier(doc, "all"),
        _tier(doc, "top3"),
        _tier(doc, "top10"),
        _tier(doc, "top20"),
        distribution={int(k): _int0(v) for k, v in data.items() if str(k).isdigit()},
    )


def _ranks(value: Any) -> dict[str, int | None]:
    return per_url(rank)(value)


def _diffs(value: Any) -> dict[str, int | None]:
    return per_url(integer)(value)


def decode_position(raw: Any) -> PositionRow:
    if not isinstance(raw, Mapping):
        raise _bad("positions row", raw)
    floats = per_url(number)
    positions, _ = by_date(raw.get("Dt"), _ranks)
    vis, vis_diff = by_date(raw.get("Vi"), floats)
    sov, sov_diff = by_date(raw.get("Sov"), floats)
    features, _ = by_date(raw.get("Sf"), strings)
    traffic, _ = by_date(raw.get("Tr"), floats)
    cost, _ = by_date(raw.get("Tc"), floats)
    landing, _ = by_date(raw.get("Lu"), per_url(lambda v: str(v) if v else None))
    kinds, _ = by_date(raw.get("Lt"), per_url(strings))
    return PositionRow(
        keyword_id=str(raw.get("Pi", "")),
        keyword=str(raw.get("Ph", "")),
        added=day(raw.get("Kb")),
        tags=strings(raw.get("Tg")),
        intents=strings(raw.get("In")),
        cpc=number(raw.get("Cp")),
        volume=integer(raw.get("Nq")),
        volume_not_crawled=integer(raw.get("Gs")) == 1,
        positions=positions,
        begin=_ranks(raw.get("Be")),
        end=_ranks(raw.get("Fi")),
        diff=_diffs(raw.get("Diff")),
        diff1=_diffs(raw.get("Diff1")),
        diff7=_diffs(raw.get("Diff7")),
        diff30=_diffs(raw.get("Diff30")),
        visibility=vis,
        visibility_diff=vis_diff or {},
        share_of_voice=sov,
        share_of_voice_diff=sov_diff or {},
        serp_features=features,
        traffic=traffic,
        traffic_cost=cost,
        landing_urls=landing,
        ranking_types=kinds,
    )


@attrs.frozen(slots=True)
class TrackingCompetitorStats:
    """A domain on one date (or the difference between the two dates)."""

    #: Keywords ranking between ``top_start`` and ``top_end`` (``Mc``).
    keywords: float | None
    avg_position: float | None
    #: ``Sq``: the spread of positions.
    spread: float | None
    visibility: float | None
    share_of_voice: float | None
    #: None where the docs send ``"n/a"``.
    traffic: float | None
    traffic_cost: float | None


@attrs.frozen(slots=True)
class TrackingCompetitor:
    domain: str
    #: ``Cd``: the change of visibility over the period.
    visibility_change: float | None
    dates: Mapping[dt.date, TrackingCompetitorStats]
    diff: TrackingCompetitorStats | None
    #: The main domain's 1-based place in the full list (``Md.Ps``; rows: None).
    place: int | None = None


@attrs.frozen(slots=True)
class TrackingCompetitors:
    total: int
    keywords_count: int | None
    #: The ``main_domain`` asked for, with its place (None without ``main_domain``).
    main_domain: TrackingCompetitor | None
    rows: tuple[TrackingCompetitor, ...]


def _stats(value: Any) -> TrackingCompetitorStats:
    v = value if isinstance(value, Mapping) else {}
    return TrackingCompetitorStats(
        *(number(v.get(k)) for k in ("Mc", "Av", "Sq", "Cl", "Sov", "Tr", "Tc"))
    )


def _competitor(raw: Any, place: Any = None) -> TrackingCompetitor:
    if not isinstance(raw, Mapping):
        raise _bad("competitor row", raw)
    dates, diff = by_date(raw.get("Dt"), _stats)
    return TrackingCompetitor(
        str(raw.get("Ur", "")), number(raw.get("Cd")), dates, diff, rank(place)
    )


def decode_competitors(doc: Any) -> TrackingCompetitors:
    if not isinstance(doc, Mapping):
        raise _bad("competitors report", doc)
    md = doc.get("Md")
    return TrackingCompetitors(
        _int0(doc.get("total")),
        integer(doc.get("keywords_count")),
        _competitor(md, md.get("Ps")) if isinstance(md, Mapping) else None,
        tuple(_competitor(r) for r in rows(doc.get("data"))),
    )


@attrs.frozen(slots=True)
class VisibilityPoint:
    """The tracked URL's visibility on one date."""

    date: dt.date | None
    #: ``Vi``: the visibility index.
    visibility: float | None
    #: ``Vr``: visibility in percent.
    visibility_rate: float | None
    avg_position: float | None
    share_of_voice: float | None
    traffic: float | None
    traffic_cost: float | None


def decode_visibility(doc: Any) -> tuple[VisibilityPoint, ...]:
    if not isinstance(doc, Mapping):
        raise _bad("visibility report", doc)
    return tuple(
        VisibilityPoint(
            day(r.get("Dt")), *(number(r.get(k)) for k in ("Vi", "Vr", "Av", "Sov", "Tr", "Tc"))
        )
        for r in rows(doc.get("data"))
    )


@attrs.frozen(slots=True)
class IntentShare:
    intent: str
    keywords: int
    traffic: float | None
    #: Percent of the page's keywords.
    percent: float | None


@attrs.frozen(slots=True)
class LandingStats:
    keywords: float | None
    avg_position: float | None
    traffic: float | None
    traffic_cost: float | None
    #: ``Rq``: search volume.
    volume: float | None
    intents: tuple[IntentShare, ...] = ()


@attrs.frozen(slots=True)
class LandingKeyword:
    keyword_id: str
    keyword: str
    #: "", "new" or "lost" over the period.
    type: str
    volume: int | None
    volume_not_crawled: bool
    tags: tuple[str, ...]
    intents: tuple[str, ...]
    positions: Mapping[dt.date, int | None]
    diff: int | None
    traffic: Mapping[dt.date, float | None]
    traffic_cost: Mapping[dt.date, float | None]
    ranking_types: Mapping[dt.date, tuple[str, ...]]


@attrs.frozen(slots=True)
class LandingPage:
    url: str
    #: "", "new" or "lost" over the period.
    type: str
    dates: Mapping[dt.date, LandingStats]
    diff: LandingStats | None
    keywords: tuple[LandingKeyword, ...]
    amp: bool


@attrs.frozen(slots=True)
class LandingPagesReport:
    total: int
    new: int
    lost: int
    keywords: int
    http: int
    https: int
    rows: tuple[LandingPage, ...]


def _landing_stats(value: Any) -> LandingStats:
    v = value if isinstance(value, Mapping) else {}
    intents = tuple(
        IntentShare(
            str(i.get("Na", "")), _int0(i.get("Kc")), number(i.get("Tr")), number(i.get("Kp"))
        )
        for i in rows(v.get("In"))
        if isinstance(i, Mapping)
    )
    n = [number(v.get(k)) for k in ("Mc", "Av", "Tr", "Tc", "Rq")]
    return LandingStats(n[0], n[1], n[2], n[3], n[4], intents)


def _landing_keyword(raw: Any) -> LandingKeyword:
    positions, diff = by_date(raw.get("Dt"), rank)
    traffic, _ = by_date(raw.get("Tr"), number)
    cost, _ = by_date(raw.get("Tc"), number)
    kinds, _ = by_date(raw.get("Lt"), strings)
    return LandingKeyword(
        str(raw.get("Pi", "")),
        str(raw.get("Ph", "")),
        str(raw.get("Tp") or ""),
        integer(raw.get("Rq")),
        integer(raw.get("Gs")) == 1,
        strings(raw.get("Tg")),
        strings(raw.get("In")),
        positions,
        integer(raw["Dt"].get("Diff")) if isinstance(raw.get("Dt"), Mapping) else diff,
        traffic,
        cost,
        kinds,
    )


def decode_landing_pages(doc: Any) -> LandingPagesReport:
    if not isinstance(doc, Mapping):
        raise _bad("landing pages report", doc)
    out = []
    for r in rows(doc.get("data")):
        dates, diff = by_date(r.get("Dt"), _landing_stats)
        out.append(
            LandingPage(
                str(r.get("Ur", "")),
                str(r.get("Tp") or ""),
                dates,
                diff,
                tuple(_landing_keyword(k) for k in rows(r.get("Kw")) if isinstance(k, Mapping)),
                bool(_int0(r.get("Amp"))),
            )
        )
    pc = doc.get("Pc") if isinstance(doc.get("Pc"), Mapping) else {}
    assert isinstance(pc, Mapping)
    return LandingPagesReport(
        _int0(doc.get("total")),
        _int0(doc.get("new")),
        _int0(doc.get("lost")),
        _int0(doc.get("keywords")),
        _int0(pc.get("http")),
        _int0(pc.get("https")),
        tuple(out),
    )
