"""Position Tracking API v3 as data: one :class:`~semrush_async.v4.Endpoint` row per
call, with its price, retry safety and the Projects error codes.

Facts: ``semrush-coverage-2026-12-06.md`` §4.1 [AUR ``projects_tracking_*.md``]. The v3
key goes in the query (``key=``); answers are JSON without the v4 envelope; errors are
HTTP 400 ``{"code", "message"}`` from the Projects table (reused from
:mod:`semrush_async.apis.projects.codes`). No per-method limit is published: every
call goes through the account governor (10/s, 10 in flight [OFF-LIM]).

Retries: the writes that add or create (enable, keywords, tags, competitors, the
weekly email) are never repeated after a 5xx or a dropped connection; a 429 is (the
server refused it, nothing happened). DELETEs are repeated, and one whose answer was
lost counts as done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from semrush_async._core.price import Price
from semrush_async._core.request_path import Auth
from semrush_async._core.sansio import Response
from semrush_async.apis.projects.codes import CODES
from semrush_async.v4.endpoint import Endpoint, limits_of
from semrush_async.v4.paging import indexed

__all__ = ["ENDPOINTS", "LIMITS", "REPORT_PARAMS", "REPORT_TYPE", "rows_in_data"]

MGMT: Final = "/management/v1/projects/{id}"
REPORTS: Final = "/reports/v1/projects/{campaign_id}/tracking/"
#: The location search page's path; the overview page says ``/management/v1/info/``.
LOCATIONS: Final = "/position-tracking/management/v1/info/locations"

PER_REQUEST: Final = Price(100, per_line=False)


def rows_in_data(response: Response) -> int:
    """Rows of a per-row report: the entries of ``data`` (an index-keyed object)."""
    try:
        doc = response.json()
    except ValueError:
        return 0
    rows = indexed(doc.get("data")) if isinstance(doc, dict) else None
    return len(rows) if rows is not None else 0


def _row(name: str, method: str, path: str, price: Price = PER_REQUEST, **kw: Any) -> Endpoint:
    if method in ("POST", "PUT"):
        kw.setdefault("idempotent", False)
    return Endpoint(
        f"position_tracking.{name}",
        method,
        path,
        auth=Auth.KEY,
        price=price,
        codes=CODES,
        envelope=False,
        **kw,
    )


def _per_row(name: str, units: int) -> Endpoint:
    return _row(
        name,
        "GET",
        REPORTS,
        Price(units, per_line=True),
        limit_param="display_limit",
        lines_of=rows_in_data,
    )


#: Every call, by its short name (the sandbox counts them under the same names).
ENDPOINTS: Final[Mapping[str, Endpoint]] = {
    e.name.removeprefix("position_tracking."): e
    for e in (
        _row("enable", "POST", MGMT + "/tracking/enable"),
        _row("campaigns", "GET", MGMT + "/tracking/campaigns"),
        _row("notifications_on", "PUT", MGMT + "/tracking/notifications"),
        _row("notifications_off", "DELETE", MGMT + "/tracking/notifications"),
        # 100 per keyword added [AUR]: the worst case (every keyword sent) is reserved.
        # Which of them count as added (v4 bills only the keywords it creates,
        # [OFF-PT4]) the answer does not say: known=False settles the call from the
        # account balance, read before and after (free; the v3 key can read it).
        _row("add_keywords", "PUT", MGMT + "/keywords", Price(100, per_line=True, known=False)),
        _row("remove_keywords", "DELETE", MGMT + "/keywords"),
        _row("add_tags", "PUT", MGMT + "/tags"),
        _row("remove_tags", "DELETE", MGMT + "/tags"),
        _row("add_competitors", "PUT", MGMT + "/competitors"),
        _row("remove_competitors", "DELETE", MGMT + "/competitors"),
        _row("locations", "GET", LOCATIONS),
        _row("campaign_dates", "GET", REPORTS),
        _row("overview", "GET", REPORTS),
        _row("visibility", "GET", REPORTS),
        # "100 API units per keyword" (the page says "per keyword added"): per row.
        _per_row("positions", 100),
        _per_row("competitors", 1_000),
        _per_row("landing_pages", 1_000),
    )
}

#: Report name -> its ``type`` (``{kind}`` is ``organic`` or ``adwords``).
REPORT_TYPE: Final[Mapping[str, str]] = {
    "campaign_dates": "tracking_campaign_dates",
    "overview": "tracking_overview_{kind}",
    "positions": "tracking_position_{kind}",
    "competitors": "tracking_competitors_{kind}",
    "visibility": "tracking_visibility_{kind}",
    "landing_pages": "tracking_landing_pages_{kind}",
}

_TAGS: Final = ("display_tags_condition",)
_DATES: Final = ("date_begin", "date_end")
_PAGE: Final = ("display_limit", "display_offset", "display_sort")

#: Report type -> the parameters its page lists (besides key, action, type) [AUR
#: ``projects_tracking_<report>_<kind>.md``]: what a method refuses to send elsewhere.
REPORT_PARAMS: Final[Mapping[str, frozenset[str]]] = {
    k: frozenset(v)
    for k, v in {
        "tracking_campaign_dates": (),
        "tracking_overview_organic": ("url", *_TAGS, *_DATES, "linktype_filter", "business_name"),
        "tracking_overview_adwords": ("url", *_TAGS, *_DATES, "linktype_filter", "business_name"),
        "tracking_position_organic": (
            "url",
            "top_filter",
            *_DATES,
            *_TAGS,
            "display_filter",
            *_PAGE,
            "linktype_filter",
            "use_volume",
            "business_name",
            "serp_feature_filter",
        ),
        "tracking_position_adwords": ("url", *_DATES, *_TAGS, "display_filter", *_PAGE),
        "tracking_competitors_organic": (
            "url_type",
            "url",
            "main_domain",
            "black_list",
            "top_start",
            "top_end",
            *_DATES,
            *_TAGS,
            *_PAGE,
            "linktype_filter",
        ),
        "tracking_competitors_adwords": (
            "url_type",
            "main_domain",
            "url",
            "black_list",
            "top_start",
            "top_end",
            *_DATES,
            *_PAGE,
        ),
        "tracking_visibility_organic": (
            "url",
            *_DATES,
            *_TAGS,
            "display_filter",
            "linktype_filter",
            "use_volume",
            "business_name",
            "serp_feature_filter",
        ),
        "tracking_visibility_adwords": ("url", *_DATES, *_TAGS, "display_filter"),
        "tracking_landing_pages_organic": (
            "url",
            *_DATES,
            *_TAGS,
            "display_filter",
            *_PAGE,
            "newlost_filter",
            "linktype_filter",
            "use_volume",
        ),
        "tracking_landing_pages_adwords": (
            "url",
            *_DATES,
            *_TAGS,
            "display_filter",
            *_PAGE,
            "newlost_filter",
            "linktype_filter",
        ),
    }.items()
}

#: The published limits of this family's governors (none: the account governor).
LIMITS: Final = limits_of(ENDPOINTS.values())
