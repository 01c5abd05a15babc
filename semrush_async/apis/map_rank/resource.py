"""``client.map_rank``: Map Rank Tracker campaigns, collection, heatmaps, metrics,
competitors and limits (API v4 family, no API units). With a v4 API key the calls
carry it (``Authorization: Apikey``, accepted since 2026-08-19); without one, the
OAuth Bearer token (deprecated for new integrations).

Every method validates its input before anything is sent. Collecting spends
credits (enabled points x keywords): :meth:`MapRankResource.collect` checks
:meth:`~MapRankResource.limits` first unless told not to, and is never repeated
after a 5xx or a dropped connection (a repeat could spend the credits twice).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import re
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final

from semrush_async import errors
from semrush_async._core.counts import check_count
from semrush_async._core.sansio import Envelope, path_segment
from semrush_async.apis.map_rank.endpoints import (
    CAMPAIGN_SORTS,
    COMPETITOR_SORTS,
    ENDPOINTS,
    OAUTH_ENDPOINTS,
    SORT_DIRECTIONS,
    WIRE,
    Campaign,
    CollectingFrequency,
    CompetitorStanding,
    GridSettings,
    Heatmap,
    KeywordStatus,
    Limits,
    MapRankWire,
    Metrics,
    Point,
    check_id,
    coordinate_problems,
    decode_campaign,
    decode_heatmap,
    decode_keyword_statuses,
    decode_limits,
    decode_metrics,
    decode_standing,
    format_report_date,
    model_input,
    to_wire,
)
from semrush_async.pagination import Pager
from semrush_async.v4 import Nested, SpringPages, V4Engine, parse_timestamp

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["UNSET", "CompetitorsPager", "MapRankResource"]

MAX_KEYWORDS: Final = 100
MAX_KEYWORD_LEN: Final = 255
MAX_QUERY_LEN: Final = 255
#: The docs state no maximum page size; Spring Data's default cap is 2000 (INFERENCE).
MAX_PAGE_SIZE: Final = 2000

_FULL_TIMESTAMP: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$"
)
_HHMM: Final = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TEMPLATE: Final = re.compile(r"^\d{1,2}x\d{1,2}$")


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: "Not given" for :meth:`MapRankResource.update_campaign` (None means "send null").
UNSET: Final = _Unset.UNSET

ReportDate = dt.datetime | str


class CompetitorsPager(Pager[CompetitorStanding]):
    """The competitors of GetTopCompetitors, page by page.

    Once the first page has arrived, :attr:`business` holds the campaign's own
    business standing (sent beside the first page's competitors) and :attr:`total`
    the number of competitors the server reported.
    """

    def __init__(
        self,
        make: Callable[[Callable[[Pager[CompetitorStanding], Envelope], None]], Pager[Any]],
    ) -> None:
        #: The campaign's own business for this keyword and date (after page one).
        self.business: CompetitorStanding | None = None
        #: ``totalElements`` of the competitor pages (after page one).
        self.total: int | None = None
        inner: Pager[CompetitorStanding] = make(self._on_page)

        async def source(_: Pager[CompetitorStanding]) -> AsyncGenerator[list[Any], None]:
            async with aclosing(inner.batches()) as batches:
                async for batch in batches:
                    yield batch

        super().__init__(source)

    def _on_page(self, inner: Pager[CompetitorStanding], page: Envelope) -> None:
        self.pages = inner.pages
        data = page.data if isinstance(page.data, Mapping) else {}
        if self.business is None and isinstance(data.get("business"), Mapping):
            self.business = decode_standing(data["business"])
        competitors = data.get("competitors")
        if self.total is None and isinstance(competitors, Mapping):
            total = competitors.get("totalElements")
            self.total = total if isinstance(total, int) else None


class MapRankResource:
    """Map Rank Tracker (``/apis/v4/map-rank-tracker/v0``): the v4 key when the client
    has one (preferred, as Projects does), else the OAuth Bearer token."""

    def __init__(self, session: Session, wire: MapRankWire = WIRE) -> None:
        self._session = session
        self._engine = V4Engine(session)
        # The same rows either way; only the credential differs.
        self._rows = ENDPOINTS if session.has_v4_key else OAUTH_ENDPOINTS
        #: Spellings and verbs chosen where the sources disagree.
        self.wire = wire

    # --- campaigns ------------------------------------------------------------------------

    def campaigns(
        self,
        query: str | None = None,
        sort: str = "createdAt,DESC",
        *,
        only_marked_for_removal: bool | None = None,
        page_size: int = 10,
    ) -> Pager[Campaign]:
        """Every campaign (GetCampaigns, Spring pages from 0): ``await`` for a list or
        ``async for``. ``query`` filters by name or business address (<= 255 chars);
        ``sort`` is ``field,DIR`` with field createdAt or businessName."""
        params = [(self.wire.sort_param, _sort(sort, CAMPAIGN_SORTS))]
        if query is not None:
            if not isinstance(query, str) or len(query) > MAX_QUERY_LEN:
                raise errors.ValidationError(
                    f"query must be a string of at most {MAX_QUERY_LEN} characters"
                )
            params.append((self.wire.search_param, query))
        if only_marked_for_removal is not None:
            if not isinstance(only_marked_for_removal, bool):
                raise errors.ValidationError(
                    "only_marked_for_removal must be True, False or None, got "
                    f"{only_marked_for_removal!r}"
                )
            params.append(("onlyMarkedForRemoval", "true" if only_marked_for_removal else "false"))
        paging = SpringPages(_page_size(page_size), size_param=self.wire.size_param)
        return self._engine.pager(self._rows["campaigns"], paging, decode_campaign, params=params)

    async def get_campaign(self, campaign_id: str) -> Campaign:
        """One campaign with its keywords, points and report dates."""
        env = await self._engine.send(
            self._rows["get_campaign"], path={"campaign_id": _id(campaign_id, "campaign_id")}
        )
        return decode_campaign(env.data)

    async def create_campaign(
        self,
        place_id: str,
        keywords: Sequence[str],
        *,
        name: str | None = None,
        grid: GridSettings | None = None,
        points: Sequence[Point] | None = None,
        frequency: CollectingFrequency | None = None,
    ) -> Campaign:
        """CreateCampaign for a Google place. Without ``grid`` and ``points`` the
        server lays a 5x5 grid of 1.5 km around the business; give one, not both.
        Without ``frequency`` the campaign is collected only on :meth:`collect`.
        Not retried after a 5xx or a dropped connection (it may have been created)."""
        body: dict[str, Any] = {
            "placeId": _id(place_id, "place_id"),
            "keywords": _keywords(keywords),
        }
        if name is not None:
            body["name"] = _name(name)
        body.update(_area(grid, points))
        if frequency is not None:
            body["collectingFrequency"] = to_wire(_frequency(frequency))
        env = await self._engine.send(self._rows["create_campaign"], body=body)
        return decode_campaign(env.data)

    async def update_campaign(
        self,
        campaign_id: str,
        *,
        name: str | _Unset | None = UNSET,
        keywords: Sequence[str] | _Unset = UNSET,
        grid: GridSettings | _Unset = UNSET,
        points: Sequence[Point] | _Unset = UNSET,
        frequency: CollectingFrequency | _Unset | None = UNSET,
    ) -> Campaign:
        """UpdateCampaign (PATCH): only the fields given are sent. ``keywords``
        replaces the list; ``grid`` recalculates the points; ``points`` overrides
        them (not both). ``name=None`` and ``frequency=None`` send ``null`` (back to
        the business name; manual collection only)."""
        cid = _id(campaign_id, "campaign_id")
        body: dict[str, Any] = {}
        if name is not UNSET:
            body["name"] = None if name is None else _name(name)
        if keywords is not UNSET:
            body["keywords"] = _keywords(keywords)
        body.update(
            _area(
                None if grid is UNSET else _not_none(grid, "grid"),
                None if points is UNSET else _not_none(points, "points"),
            )
        )
        if frequency is not UNSET:
            body["collectingFrequency"] = (
                None if frequency is None else to_wire(_frequency(frequency))
            )
        if not body:
            raise errors.ValidationError(
                "update_campaign needs at least one of name, keywords, grid, points, frequency"
            )
        env = await self._engine.send(
            self._rows["update_campaign"], path={"campaign_id": cid}, body=body
        )
        return decode_campaign(env.data)

    async def delete_campaign(self, campaign_id: str) -> None:
        """Delete a campaign and all its collected data, permanently."""
        await self._engine.send(
            self._rows["delete_campaign"], path={"campaign_id": _id(campaign_id, "campaign_id")}
        )

    # --- collection -----------------------------------------------------------------------

    async def collection_cost(self, campaign_id: str) -> int:
        """Credits one collection of the campaign spends (enabled points x keywords),
        from GetCampaign; nothing is spent."""
        campaign = await self.get_campaign(campaign_id)
        cost = campaign.collection_cost
        if cost is None:
            raise errors.APIError(
                f"campaign {campaign_id!r} came without points or keywords",
                hint="Report the response shape as a bug",
            )
        return cost

    async def collect(
        self,
        campaign_id: str,
        report_date: ReportDate | None = None,
        *,
        check_credits: bool = True,
    ) -> dt.datetime:
        """CollectCampaign: start a collection; returns its report date.

        With ``check_credits`` (the default) the client first reads the campaign and
        :meth:`limits` and raises :class:`~semrush_async.errors.CreditsExhausted`,
        without sending the collect, when the cost exceeds the available credits
        (two extra free GETs; another client may still spend credits in between).
        ``report_date`` (a full timestamp) defaults to the server's time. Never
        repeated after a 5xx or a dropped connection: check :meth:`keyword_statuses`
        or the campaign's report dates before collecting again.
        """
        cid = _id(campaign_id, "campaign_id")
        params = [] if report_date is None else [("reportDate", _report_date(report_date))]
        if check_credits:
            campaign, limits = await asyncio.gather(self.get_campaign(cid), self.limits())
            cost = campaign.collection_cost
            if cost is not None and cost > limits.credits.available:
                raise errors.CreditsExhausted(
                    f"collecting campaign {cid!r} costs {cost} credits "
                    f"({campaign.points_count} points x {campaign.keywords_count} keywords), "
                    f"{limits.credits.available} available; the collect was not sent",
                    needed=cost,
                    available=limits.credits.available,
                )
        env = await self._engine.send(
            self._rows["collect"], path={"campaign_id": cid}, params=params
        )
        value = env.data.get("collectingReportDate") if isinstance(env.data, Mapping) else None
        try:
            return parse_timestamp(value)
        except ValueError:
            raise errors.APIError(
                f"collect answered an unreadable collectingReportDate {value!r}",
                request_id=env.request_id,
            ) from None

    async def keyword_statuses(
        self, campaign_id: str, report_date: ReportDate | None = None
    ) -> list[KeywordStatus]:
        """Collection status of every keyword at ``report_date`` (default: latest)."""
        cid = _id(campaign_id, "campaign_id")
        params = [] if report_date is None else [("reportDate", _report_date(report_date))]
        env = await self._engine.send(
            self._rows["keyword_statuses"], path={"campaign_id": cid}, params=params
        )
        return decode_keyword_statuses(env.data)

    # --- results --------------------------------------------------------------------------

    async def heatmap(
        self,
        campaign_id: str,
        keyword_id: str,
        *,
        cid: str | None = None,
        place_ids: str | Sequence[str] | None = None,
        report_date: ReportDate | None = None,
    ) -> Heatmap:
        """A business's position at every point for one keyword and report date.

        Give exactly one of ``cid`` and ``place_ids``. Without ``report_date`` the
        campaign's last report is used (one extra GetCampaign: the preferred docs
        make ``reportDate`` required). A date that is not one of the campaign's
        report dates gives an empty heatmap.
        """
        c_id = _id(campaign_id, "campaign_id")
        params = [("keywordId", _id(keyword_id, "keyword_id")), _business(cid, place_ids)]
        if report_date is not None:
            params.append(("reportDate", _report_date(report_date)))
        elif self.wire.heatmap_needs_report_date:
            params.append(("reportDate", await self._last_report_date(c_id)))
        env = await self._engine.send(
            self._rows["heatmap"], path={"campaign_id": c_id}, params=params
        )
        return decode_heatmap(env.data)

    async def metrics(
        self,
        campaign_id: str,
        keyword_id: str,
        *,
        cid: str | None = None,
        place_ids: str | Sequence[str] | None = None,
    ) -> Metrics:
        """Average position and share of voice at every report date (one of ``cid``
        and ``place_ids``). An unknown keyword gives the defaults (21 and 0)."""
        c_id = _id(campaign_id, "campaign_id")
        params = [("keywordId", _id(keyword_id, "keyword_id")), _business(cid, place_ids)]
        env = await self._engine.send(
            self._rows["metrics"], path={"campaign_id": c_id}, params=params
        )
        return decode_metrics(env.data, self.wire)

    def top_competitors(
        self,
        campaign_id: str,
        keyword_id: str,
        report_date: ReportDate,
        *,
        sort: str = "averagePosition,ASC",
        page_size: int = 10,
    ) -> CompetitorsPager:
        """Competitors for one keyword and report date, page by page; the pager's
        ``business`` is the campaign's own standing (set with the first page).
        ``sort`` fields: averagePosition, name, rating, reviewNumber, shareOfVoice."""
        path = {"campaign_id": _id(campaign_id, "campaign_id")}
        params = [
            ("keywordId", _id(keyword_id, "keyword_id")),
            ("reportDate", _report_date(report_date)),
            (self.wire.sort_param, _sort(sort, COMPETITOR_SORTS)),
        ]
        paging = Nested(
            SpringPages(_page_size(page_size), size_param=self.wire.size_param), "competitors"
        )
        return CompetitorsPager(
            lambda on_page: self._engine.pager(
                self._rows["top_competitors"],
                paging,
                decode_standing,
                path=path,
                params=params,
                on_page=on_page,
            )
        )

    async def limits(self) -> Limits:
        """Campaign slots and collection credits (total, used, available)."""
        env = await self._engine.send(self._rows["limits"])
        return decode_limits(env.data)

    # --- helpers --------------------------------------------------------------------------

    async def _last_report_date(self, campaign_id: str) -> str:
        # The raw string: a report date goes back exactly as the server wrote it.
        env = await self._engine.send(self._rows["get_campaign"], path={"campaign_id": campaign_id})
        data = env.data if isinstance(env.data, Mapping) else {}
        dates = data.get("reportDates") or ()
        last = data.get("lastReportDate") or (dates[0] if dates else None)
        if not isinstance(last, str):
            raise errors.NotFound(
                f"campaign {campaign_id!r} has no report yet",
                hint="Collect it first (client.map_rank.collect), or pass report_date",
            )
        return last


# --- validation (before anything is sent) -------------------------------------------------


def _id(value: Any, what: str) -> str:
    out = check_id(value, what)  # the documented type and format
    path_segment(out, what)  # the same rule for ids in paths, queries and bodies
    return out


def _not_none(value: Any, what: str) -> Any:
    if value is None:
        raise errors.ValidationError(
            f"{what}=None is not an update: leave {what} out to keep the tracking area"
        )
    return value


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise errors.ValidationError("name must be a non-empty string")
    return name


def _keywords(keywords: Any) -> list[str]:
    if isinstance(keywords, str) or not isinstance(keywords, Sequence):
        raise errors.ValidationError("keywords must be a list of strings, e.g. ['pizza']")
    out = list(keywords)
    if not 1 <= len(out) <= MAX_KEYWORDS:
        raise errors.ValidationError(f"keywords must number 1 to {MAX_KEYWORDS}, got {len(out)}")
    details = [
        errors.ErrorDetail(field="keywords", index=i, message=f"1 to {MAX_KEYWORD_LEN} characters")
        for i, k in enumerate(out)
        if not isinstance(k, str) or not k.strip() or len(k) > MAX_KEYWORD_LEN
    ]
    if details:
        raise errors.ValidationError(
            f"each keyword must be a non-empty string of at most {MAX_KEYWORD_LEN} characters",
            details=details,
        )
    return out


def _area(grid: GridSettings | None, points: Sequence[Point] | None) -> dict[str, Any]:
    if grid is not None and points is not None:
        raise errors.ValidationError(
            "give grid or points, not both (a grid lays out its own points)"
        )
    if grid is not None:
        grid = model_input(grid, GridSettings, "grid")
        assert isinstance(grid, GridSettings)
        if not _TEMPLATE.match(grid.template):
            raise errors.ValidationError(
                f"grid.template {grid.template!r} must look like '5x5' or '7x7'"
            )
        if not grid.distance > 0:
            raise errors.ValidationError("grid.distance must be > 0")
        off = coordinate_problems(grid.base_point, "grid.base_point")
        if off:
            raise errors.ValidationError("grid.base_point is off the map", details=off)
        return {"gridSettings": to_wire(grid)}
    if points is not None:
        given: Any = points
        if isinstance(given, str) or not isinstance(given, Sequence):
            raise errors.ValidationError("points must be a non-empty list of Point")
        pts: list[Point] = [model_input(p, Point, f"points[{i}]") for i, p in enumerate(given)]
        if not pts:
            raise errors.ValidationError("points must be a non-empty list of Point")
        bad = [
            errors.ErrorDetail(field="points", index=i, message="lat in -90..90, lng in -180..180")
            for i, p in enumerate(pts)
            if coordinate_problems(p.coordinates, "coordinates")
        ]
        if bad:
            raise errors.ValidationError("points have coordinates off the map", details=bad)
        body = []
        for i, p in enumerate(pts):
            wire = to_wire(p)
            wire.pop("id", None)  # assigned by the server
            wire.setdefault("index", i + 1)
            body.append(wire)
        return {"points": body}
    return {}


def _frequency(f: Any) -> CollectingFrequency:
    f = model_input(f, CollectingFrequency, "frequency")
    assert isinstance(f, CollectingFrequency)
    if f.time is not None and not _HHMM.match(f.time):
        raise errors.ValidationError(f"frequency.time {f.time!r} must be HH:mm, e.g. '09:30'")
    if f.interval is not None and f.interval < 1:
        raise errors.ValidationError("frequency.interval must be >= 1")
    return f


def _report_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise errors.ValidationError(
                "report_date must be timezone-aware (e.g. tzinfo=datetime.UTC)"
            )
        return format_report_date(value)
    if isinstance(value, str) and _FULL_TIMESTAMP.match(value):
        return value
    raise errors.ValidationError(
        f"report_date {value!r} is not a full timestamp: pass an aware datetime or an "
        "ISO-8601 string with time and zone, e.g. '2024-07-05T12:39:22.611Z' (use the "
        "campaign's report_dates)"
    )


def _business(cid: str | None, place_ids: str | Sequence[str] | None) -> tuple[str, str]:
    if (cid is None) == (place_ids is None):
        raise errors.ValidationError("give exactly one of cid and place_ids")
    if cid is not None:
        return ("cid", _id(cid, "cid"))
    assert place_ids is not None
    ids = [place_ids] if isinstance(place_ids, str) else list(place_ids)
    if not ids:
        raise errors.ValidationError("place_ids must name at least one place id")
    for p in ids:
        if "," in _id(p, "place_id"):
            raise errors.ValidationError(f"place id {p!r} contains ',' (the list separator)")
    return ("placeIds", ",".join(ids))


def _sort(sort: Any, fields: Sequence[str]) -> str:
    field, _, direction = sort.partition(",") if isinstance(sort, str) else ("", "", "")
    if field not in fields or direction not in SORT_DIRECTIONS:
        raise errors.ValidationError(
            f"sort {sort!r} must be 'field,DIR' with field one of {', '.join(fields)} "
            f"and DIR one of {', '.join(SORT_DIRECTIONS)}"
        )
    return f"{field},{direction}"


def _page_size(size: Any) -> int:
    return check_count("page_size", size, minimum=1, maximum=MAX_PAGE_SIZE)
