"""``client.position_tracking``: Position Tracking campaigns, keywords, tags,
competitors, the weekly email, location search and the reports.

Every method validates its input first: bad input raises
:class:`~semrush_async.errors.ValidationError` naming what is allowed, sends nothing
and costs nothing. Calls go through a :class:`~.backend.PositionTrackingBackend`
(today the v3 API, :class:`~.backend.V3PositionTracking`); a v4 backend can take its
place later without changing this interface.

Prices (reserved before a call is sent, so ``unit_budget`` is never overshot): 100 per
request; 100 per keyword added; positions 100 per keyword row; competitors and landing
pages 1,000 per row (the worst case, ``limit`` rows, is reserved; the call is settled
to the rows delivered).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from semrush_async import errors
from semrush_async._core.counts import check_count
from semrush_async.apis.position_tracking import validation as v
from semrush_async.apis.position_tracking.backend import (
    CampaignSettings,
    LocationQuery,
    PositionTrackingBackend,
    ReportQuery,
    TagGroups,
    V3PositionTracking,
)
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
)
from semrush_async.apis.projects.endpoints import validate_project_id
from semrush_async.pagination import Pager

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["PositionTrackingResource"]

#: The largest ``display_limit``: the docs give only the default (10); 500 is the
#: largest page their examples show (INF, as the sandbox).
MAX_PAGE_SIZE: Final = 500
#: Positions ask for the largest page: the fewest requests (each row costs the same).
DEFAULT_PAGE_SIZE: Final = MAX_PAGE_SIZE
#: Competitors and landing pages cost 1,000 units a row: one small page by default.
DEFAULT_ROWS: Final = 10

Tags = str | Sequence[str] | Sequence[Sequence[str]]
Urls = str | Sequence[str]
Filter = tuple[str, str, str, str | float]


def _tag_groups(tags: Tags | None) -> TagGroups:
    if tags is None:
        return ()
    v.tag_condition(tags)  # the one check (and its message)
    if isinstance(tags, str):
        return ((tags,),)
    if all(isinstance(t, str) for t in tags):
        return tuple((t,) for t in tags)  # type: ignore[misc]
    return tuple(tuple(g) for g in tags)


def _kind(kind: object) -> str:
    return v.one_of("kind", kind, v.KINDS)


def _optional_str(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise errors.ValidationError(f"{name} must be a non-empty string, got {value!r}")
    return value


class PositionTrackingResource:
    """Position Tracking (API v3 today; see the module docstring)."""

    def __init__(self, session: Session, backend: PositionTrackingBackend | None = None) -> None:
        #: The API version behind the methods.
        self.backend: PositionTrackingBackend = backend or V3PositionTracking(session)

    # --- campaigns ------------------------------------------------------------------------

    async def enable(
        self,
        project_id: int,
        url: str,
        url_type: str,
        location_id: int,
        *,
        device: str | None = None,
        timezone: int | None = None,
        business_name: str | None = None,
        weekly_notification: bool | None = None,
    ) -> str:
        """Create a campaign in a project; returns its id ``<project>_<n>``.

        ``url_type``: rootdomain (``url`` a domain), subdomain (a host), subfolder
        (``host/folder/``) or url (``http(s)://...``); ``location_id`` from
        :meth:`locations`; ``device`` desktop (default), phone or tablet; ``timezone``
        the UTC offset (-12 to 14) whose 05:00 the crawl runs at. Never repeated after
        a 5xx or a dropped connection (it may have been created: list to check).
        """
        pid = validate_project_id(project_id)
        kind = v.one_of("url_type", url_type, v.URL_TYPES)
        if device is not None:
            v.one_of("device", device, v.DEVICES)
        if timezone is not None:
            check_count("timezone", timezone, minimum=-12, maximum=14)
        if weekly_notification is not None and not isinstance(weekly_notification, bool):
            raise errors.ValidationError("weekly_notification must be True, False or None")
        settings = CampaignSettings(
            v.check_tracking_url(url, kind),
            kind,
            check_count("location_id", location_id, minimum=1),
            device,
            timezone,
            _optional_str("business_name", business_name),
            weekly_notification,
        )
        return await self.backend.enable(pid, settings)

    async def campaigns(self, project_id: int) -> TrackingCampaigns:
        """The project's campaigns and the account's tracked-keywords limit."""
        return await self.backend.campaigns(validate_project_id(project_id))

    async def notifications(self, campaign_id: str, *, on: bool = True) -> None:
        """Turn the campaign's weekly email on or off."""
        cid = v.check_campaign_id(campaign_id)
        if not isinstance(on, bool):
            raise errors.ValidationError(f"on must be True or False, got {on!r}")
        await self.backend.notifications(cid, on=on)

    # --- keywords, tags, competitors -----------------------------------------------------

    async def add_keywords(
        self, campaign_id: str, keywords: Sequence[str | tuple[str, Sequence[str]]]
    ) -> CampaignState:
        """Track keywords, each a string or ``(keyword, [tags])`` (at most 5 tags per
        keyword). 100 units per keyword added: the worst case (every keyword sent) is
        reserved, and the call is settled from the account balance. Never repeated
        after a 5xx or a dropped connection."""
        cid = v.check_campaign_id(campaign_id)
        items = _keyword_items(keywords, tags=True)
        return await self.backend.keywords(cid, items, add=True)

    async def remove_keywords(self, campaign_id: str, keywords: Sequence[str]) -> CampaignState:
        """Stop tracking keywords (unknown ones are ignored)."""
        cid = v.check_campaign_id(campaign_id)
        return await self.backend.keywords(cid, _keyword_items(keywords, tags=False), add=False)

    async def add_tags(
        self, campaign_id: str, tags: Sequence[tuple[str, Sequence[str]]]
    ) -> CampaignState:
        """Tag keywords: ``[(tag, [keywords]), ...]`` (at most 5 tags per keyword)."""
        cid = v.check_campaign_id(campaign_id)
        return await self.backend.tags(cid, _tag_items(tags), add=True)

    async def remove_tags(
        self, campaign_id: str, tags: Sequence[tuple[str, Sequence[str]]]
    ) -> CampaignState:
        """Remove tags from keywords: ``[(tag, [keywords]), ...]``."""
        cid = v.check_campaign_id(campaign_id)
        return await self.backend.tags(cid, _tag_items(tags), add=False)

    async def add_competitors(self, campaign_id: str, domains: Sequence[str]) -> CampaignState:
        """Add competitor domains (bare domains; at most 20 per campaign)."""
        cid = v.check_campaign_id(campaign_id)
        items = _domains(domains)
        if len(items) > v.MAX_COMPETITORS:
            raise errors.ValidationError(
                f"at most {v.MAX_COMPETITORS} competitors per campaign, got {len(items)}"
            )
        return await self.backend.competitors_list(cid, items, add=True)

    async def remove_competitors(self, campaign_id: str, domains: Sequence[str]) -> CampaignState:
        """Remove competitor domains."""
        cid = v.check_campaign_id(campaign_id)
        return await self.backend.competitors_list(cid, _domains(domains), add=False)

    # --- location search ------------------------------------------------------------------

    async def locations(
        self,
        name: str | None = None,
        *,
        country_code: str | None = None,
        type: str | None = None,
        engine: str | None = None,
        location_id: int | None = None,
    ) -> tuple[TrackingLocation, ...]:
        """Locations to track in (their ``id`` is ``enable``'s ``location_id``):
        ``name`` a part of the name, ``country_code`` ISO 3166-1 alpha-2, ``type`` one
        of :data:`~.validation.LOCATION_TYPES`, ``engine`` google, bing or baidu."""
        if country_code is not None and (
            not isinstance(country_code, str)
            or len(country_code) != 2
            or not country_code.isalpha()
        ):
            raise errors.ValidationError(
                f"country_code must be two letters (ISO 3166-1 alpha-2, e.g. US), got "
                f"{country_code!r}"
            )
        query = LocationQuery(
            _optional_str("name", name),
            country_code.lower() if country_code else None,
            v.one_of("type", type, v.LOCATION_TYPES) if type is not None else None,
            v.one_of("engine", engine, v.ENGINES) if engine is not None else None,
            None if location_id is None else check_count("location_id", location_id, minimum=1),
        )
        return await self.backend.locations(query)

    # --- reports --------------------------------------------------------------------------

    async def campaign_dates(self, campaign_id: str) -> CampaignDates:
        """The dates the campaign has data for."""
        return await self.backend.campaign_dates(v.check_campaign_id(campaign_id))

    async def overview(
        self,
        campaign_id: str,
        kind: str = "organic",
        *,
        url: Urls | None = None,
        tags: Tags | None = None,
        date_begin: dt.date | None = None,
        date_end: dt.date | None = None,
        linktype: int | None = None,
        business_name: str | None = None,
    ) -> TrackingOverview:
        """Rankings summary (tiers, visibility, the position distribution)."""
        cid = v.check_campaign_id(campaign_id)
        q = _query(
            "overview", _kind(kind), url=url, masked=True, tags=tags, begin=date_begin,
            end=date_end, linktype=linktype, business_name=business_name,
        )  # fmt: skip
        return await self.backend.overview(cid, q)

    def positions(
        self,
        campaign_id: str,
        kind: str = "organic",
        *,
        url: Urls | None = None,
        tags: Tags | None = None,
        date_begin: dt.date | None = None,
        date_end: dt.date | None = None,
        top_filter: str | None = None,
        filters: Sequence[Filter] | None = None,
        sort: str | None = None,
        linktype: int | None = None,
        use_volume: str | None = None,
        business_name: str | None = None,
        serp_feature: str | None = None,
        limit: int | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[PositionRow]:
        """Every tracked keyword with its positions per date and URL, page by page
        (``display_offset``/``display_limit``): ``await`` for a list or ``async for``.

        ``url``: up to 5 masked URLs (``*.ebay.com/*``; default the campaign's);
        ``tags``: a tag, tags (any) or groups (any group, all of one; ``!tag``
        excludes); ``filters``: ``(sign, field, op, value)`` on Ph/Cp/Nq; ``sort``:
        e.g. ``0_pos_asc``; ``limit``: rows in all; ``page_size``: rows per request
        (1 to 500). 100 units per row; each page reserves ``page_size`` rows.
        """
        cid = v.check_campaign_id(campaign_id)
        size = check_count("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        cap = None if limit is None else check_count("limit", limit, minimum=1)
        q = _query(
            "positions", _kind(kind), url=url, masked=True, tags=tags, begin=date_begin,
            end=date_end, top_filter=top_filter, filters=filters, sort=sort,
            linktype=linktype, use_volume=use_volume, business_name=business_name,
            serp_feature=serp_feature,
        )  # fmt: skip
        return self.backend.positions(
            cid, q, page_size=size if cap is None else min(size, cap), limit=cap
        )

    async def competitors(
        self,
        campaign_id: str,
        kind: str = "organic",
        *,
        url: Urls | None = None,
        url_type: str | None = None,
        main_domain: str | None = None,
        black_list: Sequence[str] = (),
        top_start: int | None = None,
        top_end: int | None = None,
        tags: Tags | None = None,
        date_begin: dt.date | None = None,
        date_end: dt.date | None = None,
        sort: str | None = None,
        linktype: int | None = None,
        limit: int = DEFAULT_ROWS,
        offset: int = 0,
    ) -> TrackingCompetitors:
        """Domains competing for the campaign's keywords (1,000 units per row; the
        ``limit`` rows are reserved). ``url``: bare domains; ``main_domain``: a domain
        whose place is reported; ``top_start``/``top_end``: positions 1-100."""
        cid = v.check_campaign_id(campaign_id)
        rows, skip = v.check_page(limit, offset, MAX_PAGE_SIZE)
        start = (
            None
            if top_start is None
            else check_count("top_start", top_start, minimum=1, maximum=100)
        )
        end = None if top_end is None else check_count("top_end", top_end, minimum=1, maximum=100)
        if start is not None and end is not None and start > end:
            raise errors.ValidationError(f"top_start {start} is after top_end {end}")
        q = _query(
            "competitors", _kind(kind), url=url, masked=False, tags=tags, begin=date_begin,
            end=date_end, sort=sort, linktype=linktype,
            url_type=v.one_of("url_type", url_type, v.URL_TYPES) if url_type else None,
            main_domain=v.check_urls(main_domain, masked=False) if main_domain else None,
            black_list=_domains(black_list) if black_list else (),
            top_start=start, top_end=end,
        )  # fmt: skip
        return await self.backend.competitors(cid, q, limit=rows, offset=skip)

    async def visibility(
        self,
        campaign_id: str,
        kind: str = "organic",
        *,
        url: Urls | None = None,
        tags: Tags | None = None,
        date_begin: dt.date | None = None,
        date_end: dt.date | None = None,
        filters: Sequence[Filter] | None = None,
        linktype: int | None = None,
        use_volume: str | None = None,
        business_name: str | None = None,
        serp_feature: str | None = None,
    ) -> tuple[VisibilityPoint, ...]:
        """The visibility index per date of the period."""
        cid = v.check_campaign_id(campaign_id)
        q = _query(
            "visibility", _kind(kind), url=url, masked=True, tags=tags, begin=date_begin,
            end=date_end, filters=filters, linktype=linktype, use_volume=use_volume,
            business_name=business_name, serp_feature=serp_feature,
        )  # fmt: skip
        return await self.backend.visibility(cid, q)

    async def landing_pages(
        self,
        campaign_id: str,
        kind: str = "organic",
        *,
        url: Urls,
        tags: Tags | None = None,
        date_begin: dt.date | None = None,
        date_end: dt.date | None = None,
        filters: Sequence[Filter] | None = None,
        sort: str | None = None,
        newlost: str | None = None,
        linktype: int | None = None,
        use_volume: str | None = None,
        limit: int = DEFAULT_ROWS,
        offset: int = 0,
    ) -> LandingPagesReport:
        """The pages that rank for the campaign's keywords (1,000 units per row; the
        ``limit`` rows are reserved). ``url`` is required: bare for organic (the page
        says "without a mask"), either form for adwords; ``newlost``: new or lost."""
        cid = v.check_campaign_id(campaign_id)
        rows, skip = v.check_page(limit, offset, MAX_PAGE_SIZE)
        k = _kind(kind)
        q = _query(
            "landing_pages", k, url=url, masked=False if k == "organic" else None, tags=tags,
            begin=date_begin, end=date_end, filters=filters, sort=sort, linktype=linktype,
            use_volume=use_volume,
            newlost=v.one_of("newlost", newlost, ("new", "lost")) if newlost else None,
        )  # fmt: skip
        return await self.backend.landing_pages(cid, q, limit=rows, offset=skip)


_SORTED: Final = {"positions": "tracking_position", "competitors": "tracking_competitors"}
_SORTED["landing_pages"] = "tracking_landing_pages"


def _query(
    report: str,
    kind: str,
    *,
    url: Urls | None,
    masked: bool | None,
    tags: Tags | None,
    begin: dt.date | None,
    end: dt.date | None,
    filters: Sequence[Filter] | None = None,
    sort: str | None = None,
    top_filter: str | None = None,
    linktype: int | None = None,
    use_volume: str | None = None,
    business_name: str | None = None,
    serp_feature: str | None = None,
    **more: object,
) -> ReportQuery:
    """One report's options, each checked against its documented vocabulary."""
    urls: tuple[str, ...] = ()
    if url is not None:
        urls = (url,) if isinstance(url, str) else tuple(url)
        v.check_urls(urls, masked=masked)
    n_urls = max(1, len(urls))
    v.check_dates(begin, end)
    display_filter = v.check_display_filter(filters) if filters is not None else None
    return ReportQuery(
        kind=kind,
        urls=urls,
        tags=_tag_groups(tags),
        date_begin=begin,
        date_end=end,
        top_filter=v.one_of("top_filter", top_filter, v.TOP_FILTERS) if top_filter else None,
        filters=_split_filter(display_filter),
        sort=v.check_sort(sort, f"{_SORTED[report]}_{kind}", n_urls) if sort is not None else None,
        linktype=int(v.one_of("linktype", linktype, v.LINKTYPES)) if linktype is not None else None,
        use_volume=v.one_of("use_volume", use_volume, v.VOLUMES) if use_volume else None,
        business_name=_optional_str("business_name", business_name),
        serp_feature=v.check_serp_feature(serp_feature, n_urls) if serp_feature else None,
        **more,  # type: ignore[arg-type]
    )


def _split_filter(text: str | None) -> tuple[tuple[str, str, str, str], ...]:
    if text is None:
        return ()
    parts = text.split("|")
    return tuple(
        (parts[i], parts[i + 1], parts[i + 2], parts[i + 3]) for i in range(0, len(parts), 4)
    )


def _keyword_items(keywords: object, *, tags: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(keywords, str) or not isinstance(keywords, Sequence) or not keywords:
        raise errors.ValidationError(
            "keywords must be a non-empty list of keywords"
            + (" or (keyword, [tags]) pairs" if tags else "")
        )
    merged: dict[str, list[str]] = {}
    for item in keywords:
        kw: object
        kw_tags: object = []
        if isinstance(item, str):
            kw = item
        elif tags and isinstance(item, tuple) and len(item) == 2:
            kw, kw_tags = item
        else:
            raise errors.ValidationError(
                f"a keyword must be a string{' or (keyword, [tags])' if tags else ''}, got {item!r}"
            )
        if not isinstance(kw, str) or not kw.strip():
            raise errors.ValidationError(f"a keyword must be a non-empty string, got {kw!r}")
        both = [*merged.get(kw, []), *v.check_tags(kw_tags, kw)]
        merged[kw] = v.check_tags(both, kw)
    return tuple((k, tuple(t)) for k, t in merged.items())


def _tag_items(tags: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(tags, str) or not isinstance(tags, Sequence) or not tags:
        raise errors.ValidationError("tags must be a non-empty list of (tag, [keywords]) pairs")
    out = []
    for item in tags:
        if not isinstance(item, tuple) or len(item) != 2 or isinstance(item[1], str):
            raise errors.ValidationError(f"a tag change is (tag, [keywords]), got {item!r}")
        tag, kws = item
        v.check_tag(tag)
        if not all(isinstance(k, str) and k.strip() for k in kws):
            raise errors.ValidationError(f"keywords of tag {tag!r} must be non-empty strings")
        out.append((tag, tuple(kws)))
    return tuple(out)


def _domains(domains: object) -> tuple[str, ...]:
    if isinstance(domains, str) or not isinstance(domains, Sequence) or not domains:
        raise errors.ValidationError("domains must be a non-empty list of domains (ebay.com)")
    return tuple(dict.fromkeys(v.check_domain("domain", d) for d in domains))
