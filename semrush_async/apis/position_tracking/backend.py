"""Where ``client.position_tracking`` sends its calls: a backend protocol, and the
Position Tracking API v3 backend, its one implementation today.

The resource validates the caller's input into the neutral values below
(:class:`ReportQuery`, :class:`CampaignSettings`) and calls a
:class:`PositionTrackingBackend`; the backend turns them into requests and answers
into the models of :mod:`.models`. v3 was deprecated on 2026-11-16 and works until the
end of 2027; its v4 successor is documented only in part (coverage §4.2). A v4 backend
will implement the same protocol, so user code will not change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import quote

import attrs

from semrush_async import errors
from semrush_async.apis.position_tracking.endpoints import ENDPOINTS, REPORT_PARAMS, REPORT_TYPE
from semrush_async.apis.position_tracking.models import (
    CampaignDates,
    CampaignState,
    LandingPagesReport,
    PositionRow,
    TrackingCampaigns,
    TrackingCompetitors,
    TrackingLocation,
    TrackingOverview,
    VisibilityPoint,
    decode_campaigns,
    decode_competitors,
    decode_dates,
    decode_landing_pages,
    decode_locations,
    decode_overview,
    decode_position,
    decode_state,
    decode_visibility,
    integer,
)
from semrush_async.pagination import Pager
from semrush_async.v4 import LimitOffset, V4Engine
from semrush_async.v4.endpoint import Endpoint

if TYPE_CHECKING:
    from semrush_async._core.sansio import Envelope
    from semrush_async._core.session import Session

__all__ = [
    "CampaignSettings",
    "LocationQuery",
    "PositionTrackingBackend",
    "ReportQuery",
    "V3PositionTracking",
]

#: Tag groups: any group matches, all tags of a group must; ``!tag`` excludes.
TagGroups = tuple[tuple[str, ...], ...]


@attrs.frozen(slots=True)
class CampaignSettings:
    """A new campaign, validated."""

    url: str
    url_type: str
    location_id: int
    device: str | None = None
    timezone: int | None = None
    business_name: str | None = None
    weekly_notification: bool | None = None


@attrs.frozen(slots=True)
class LocationQuery:
    name: str | None = None
    country_code: str | None = None
    type: str | None = None
    engine: str | None = None
    location_id: int | None = None


@attrs.frozen(slots=True)
class ReportQuery:
    """A report's options, validated (None: not given)."""

    kind: str = "organic"
    urls: tuple[str, ...] = ()
    tags: TagGroups = ()
    date_begin: dt.date | None = None
    date_end: dt.date | None = None
    top_filter: str | None = None
    #: ``(sign, field, op, value)`` with the value as text.
    filters: tuple[tuple[str, str, str, str], ...] = ()
    sort: str | None = None
    linktype: int | None = None
    use_volume: str | None = None
    business_name: str | None = None
    serp_feature: str | None = None
    url_type: str | None = None
    main_domain: str | None = None
    black_list: tuple[str, ...] = ()
    top_start: int | None = None
    top_end: int | None = None
    newlost: str | None = None


class PositionTrackingBackend(Protocol):
    """What the resource asks of an API version."""

    async def enable(self, project_id: int, settings: CampaignSettings) -> str: ...

    async def campaigns(self, project_id: int) -> TrackingCampaigns: ...

    async def keywords(
        self, campaign_id: str, items: tuple[tuple[str, tuple[str, ...]], ...], *, add: bool
    ) -> CampaignState: ...

    async def tags(
        self, campaign_id: str, items: tuple[tuple[str, tuple[str, ...]], ...], *, add: bool
    ) -> CampaignState: ...

    async def competitors_list(
        self, campaign_id: str, domains: tuple[str, ...], *, add: bool
    ) -> CampaignState: ...

    async def notifications(self, campaign_id: str, *, on: bool) -> None: ...

    async def locations(self, query: LocationQuery) -> tuple[TrackingLocation, ...]: ...

    async def campaign_dates(self, campaign_id: str) -> CampaignDates: ...

    async def overview(self, campaign_id: str, query: ReportQuery) -> TrackingOverview: ...

    def positions(
        self, campaign_id: str, query: ReportQuery, *, page_size: int, limit: int | None
    ) -> Pager[PositionRow]: ...

    async def competitors(
        self, campaign_id: str, query: ReportQuery, *, limit: int, offset: int
    ) -> TrackingCompetitors: ...

    async def visibility(
        self, campaign_id: str, query: ReportQuery
    ) -> tuple[VisibilityPoint, ...]: ...

    async def landing_pages(
        self, campaign_id: str, query: ReportQuery, *, limit: int, offset: int
    ) -> LandingPagesReport: ...


#: The wire name of each option, and the argument that sets it (for messages).
_ARGUMENT: Final[Mapping[str, str]] = {
    "url": "url",
    "display_tags_condition": "tags",
    "date_begin": "date_begin",
    "date_end": "date_end",
    "top_filter": "top_filter",
    "display_filter": "filters",
    "display_sort": "sort",
    "linktype_filter": "linktype",
    "use_volume": "use_volume",
    "business_name": "business_name",
    "serp_feature_filter": "serp_feature",
    "url_type": "url_type",
    "main_domain": "main_domain",
    "black_list": "black_list",
    "top_start": "top_start",
    "top_end": "top_end",
    "newlost_filter": "newlost",
}


def render_tags(groups: TagGroups) -> str:
    """``display_tags_condition``: ``|`` between groups, ``&`` inside one, ``!`` to
    exclude; each tag percent-encoded once here and once more by the query (the
    documented double encoding: ``name&co`` arrives as ``name%2526co``)."""
    return "|".join(
        "&".join(
            ("!" + quote(t[1:], safe="")) if t.startswith("!") else quote(t, safe="") for t in group
        )
        for group in groups
    )


def report_params(report: str, q: ReportQuery) -> list[tuple[str, str]]:
    """The query of one report (``action``, ``type`` and the options given); an option
    the report's page does not list is refused before anything is sent."""
    rtype = REPORT_TYPE[report].format(kind=q.kind)
    given: list[tuple[str, str | None]] = [
        ("url", ":".join(q.urls) if q.urls else None),
        ("display_tags_condition", render_tags(q.tags) if q.tags else None),
        ("date_begin", q.date_begin.strftime("%Y%m%d") if q.date_begin else None),
        ("date_end", q.date_end.strftime("%Y%m%d") if q.date_end else None),
        ("top_filter", q.top_filter),
        ("display_filter", "|".join("|".join(f) for f in q.filters) if q.filters else None),
        ("display_sort", q.sort),
        ("linktype_filter", None if q.linktype is None else str(q.linktype)),
        ("use_volume", q.use_volume),
        ("business_name", q.business_name),
        ("serp_feature_filter", q.serp_feature),
        ("url_type", q.url_type),
        ("main_domain", q.main_domain),
        ("black_list", "|".join(q.black_list) if q.black_list else None),
        ("top_start", None if q.top_start is None else str(q.top_start)),
        ("top_end", None if q.top_end is None else str(q.top_end)),
        ("newlost_filter", q.newlost),
    ]
    params = [("action", "report"), ("type", rtype)]
    allowed = REPORT_PARAMS[rtype]
    for name, value in given:
        if value is None:
            continue
        if name not in allowed:
            takes = sorted(_ARGUMENT[n] for n in allowed if n in _ARGUMENT)
            raise errors.ValidationError(
                f"{_ARGUMENT[name]}= is not an option of the {report} report "
                f"({rtype}); it takes: {', '.join(takes) or 'no options'}"
            )
        params.append((name, value))
    return params


def _total(page: Envelope) -> int | None:
    return integer(page.data.get("total")) if isinstance(page.data, Mapping) else None


class V3PositionTracking:
    """Position Tracking API v3 (``key=`` in the query, JSON answers)."""

    def __init__(self, session: Session) -> None:
        self._engine = V4Engine(session)

    async def _send(
        self,
        name: str,
        *,
        path: Mapping[str, str | int],
        params: Sequence[tuple[str, str]] = (),
        body: Any = None,
        lines: int | None = None,
    ) -> Any:
        ep: Endpoint = ENDPOINTS[name]
        env = await self._engine.send(ep, path=path, params=params, body=body, lines=lines)
        return env.data

    async def enable(self, project_id: int, settings: CampaignSettings) -> str:
        body: dict[str, Any] = {
            "tracking_url_type": settings.url_type,
            "tracking_url": settings.url,
            "location_id": settings.location_id,
        }
        for name in ("device", "timezone", "business_name", "weekly_notification"):
            value = getattr(settings, name)
            if value is not None:
                body[name] = value
        doc = await self._send("enable", path={"id": project_id}, body=body)
        result = doc.get("result") if isinstance(doc, Mapping) else None
        cid = result.get("campaign_id") if isinstance(result, Mapping) else None
        if cid is None:
            raise errors.APIError(
                "position_tracking.enable: no result.campaign_id in the answer",
                hint="Upgrade semrush-async, or report the response shape as a bug",
            )
        # The docs print it unquoted twice (a typo): keep it a string either way.
        return str(cid)

    async def campaigns(self, project_id: int) -> TrackingCampaigns:
        return decode_campaigns(await self._send("campaigns", path={"id": project_id}))

    async def keywords(
        self, campaign_id: str, items: tuple[tuple[str, tuple[str, ...]], ...], *, add: bool
    ) -> CampaignState:
        if add:
            body = {"keywords": [{"keyword": k, "tags": list(t)} for k, t in items]}
            doc = await self._send(
                "add_keywords", path={"id": campaign_id}, body=body, lines=len(items)
            )
        else:
            body = {"keywords": [{"keyword": k} for k, _ in items]}
            doc = await self._send("remove_keywords", path={"id": campaign_id}, body=body)
        return decode_state(doc)

    async def tags(
        self, campaign_id: str, items: tuple[tuple[str, tuple[str, ...]], ...], *, add: bool
    ) -> CampaignState:
        body = [{"tag": t, "keywords": list(k)} for t, k in items]
        name = "add_tags" if add else "remove_tags"
        return decode_state(await self._send(name, path={"id": campaign_id}, body=body))

    async def competitors_list(
        self, campaign_id: str, domains: tuple[str, ...], *, add: bool
    ) -> CampaignState:
        name = "add_competitors" if add else "remove_competitors"
        body = {"competitors": list(domains)}
        return decode_state(await self._send(name, path={"id": campaign_id}, body=body))

    async def notifications(self, campaign_id: str, *, on: bool) -> None:
        name = "notifications_on" if on else "notifications_off"
        await self._send(name, path={"id": campaign_id})

    async def locations(self, query: LocationQuery) -> tuple[TrackingLocation, ...]:
        params = [
            (wire, str(value))
            for wire, value in (
                ("location_id", query.location_id),
                ("name", query.name),
                ("country_code", query.country_code),
                ("type", query.type),
                ("filter_engine", query.engine),
            )
            if value is not None
        ]
        return decode_locations(await self._send("locations", path={}, params=params))

    async def _report(
        self, report: str, campaign_id: str, q: ReportQuery, extra: Sequence[tuple[str, str]] = ()
    ) -> Any:
        params = [*report_params(report, q), *extra]
        return await self._send(report, path={"campaign_id": campaign_id}, params=params)

    async def campaign_dates(self, campaign_id: str) -> CampaignDates:
        return decode_dates(await self._report("campaign_dates", campaign_id, ReportQuery()))

    async def overview(self, campaign_id: str, query: ReportQuery) -> TrackingOverview:
        return decode_overview(await self._report("overview", campaign_id, query))

    async def visibility(self, campaign_id: str, query: ReportQuery) -> tuple[VisibilityPoint, ...]:
        return decode_visibility(await self._report("visibility", campaign_id, query))

    async def competitors(
        self, campaign_id: str, query: ReportQuery, *, limit: int, offset: int
    ) -> TrackingCompetitors:
        page = (("display_limit", str(limit)), ("display_offset", str(offset)))
        return decode_competitors(await self._report("competitors", campaign_id, query, page))

    async def landing_pages(
        self, campaign_id: str, query: ReportQuery, *, limit: int, offset: int
    ) -> LandingPagesReport:
        page = (("display_limit", str(limit)), ("display_offset", str(offset)))
        doc = await self._report("landing_pages", campaign_id, query, page)
        return decode_landing_pages(doc)

    def positions(
        self, campaign_id: str, query: ReportQuery, *, page_size: int, limit: int | None
    ) -> Pager[PositionRow]:
        paging = LimitOffset(
            page_size,
            items_key="data",
            total=_total,
            limit_param="display_limit",
            offset_param="display_offset",
            cap=limit,
        )
        return self._engine.pager(
            ENDPOINTS["positions"],
            paging,
            decode_position,
            path={"campaign_id": campaign_id},
            params=report_params("positions", query),
        )
