"""Site Audit API v3 as data: one :class:`~semrush_async.v4.Endpoint` row per call,
with its price and retry safety, and the issue-id tables.

Facts: ``semrush-coverage-2026-12-06.md`` §5.1 [AUR ``projects_siteaudit_*.md``]. The
v3 key goes in the query; answers are JSON without the v4 envelope; errors are HTTP 400
``{"code", "message"}`` from the Projects table (reused from
:mod:`semrush_async.apis.projects.codes`). ``{id}`` is the project id. No per-method
limit is published: every call goes through the account governor (10/s, 10 in flight
[OFF-LIM]). Enable, save and launch (POSTs) are never repeated after a 5xx or a
dropped connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from semrush_async._core.price import Price
from semrush_async._core.request_path import Auth
from semrush_async.apis.projects.codes import CODES
from semrush_async.v4.endpoint import Endpoint, limits_of

__all__ = ["ENDPOINTS", "ERRORS", "LIMITS", "NOTICES", "WARNINGS", "severity_of"]

MGMT: Final = "/management/v1/projects/{id}/siteaudit"
REPORTS: Final = "/reports/v1/projects/{id}/siteaudit"


def _row(name: str, method: str, path: str, units: int = 100, **kw: Any) -> Endpoint:
    return Endpoint(
        f"site_audit.{name}",
        method,
        path,
        auth=Auth.KEY,
        price=Price(units, per_line=kw.pop("per_line", False)),
        codes=CODES,
        envelope=False,
        **kw,
    )


#: Every call, by its short name (the sandbox counts them under the same names).
ENDPOINTS: Final[Mapping[str, Endpoint]] = {
    e.name.removeprefix("site_audit."): e
    for e in (
        _row("enable", "POST", MGMT + "/enable"),
        _row("save", "POST", MGMT + "/save"),
        _row("launch", "POST", REPORTS + "/launch"),
        _row("info", "GET", REPORTS + "/info"),
        _row("snapshots", "GET", REPORTS + "/snapshots"),
        _row("snapshot", "GET", REPORTS + "/snapshot", 10_000),
        # 10,000 per snapshot returned: ``limit`` snapshots reserved, settled to ``data``.
        _row("history", "GET", REPORTS + "/history", 10_000, per_line=True),
        # 100 per request as the docs say (the hosted MCP measured 0 [ADB]).
        _row("issue", "GET", REPORTS + "/snapshot/{snapshot_id}/issue/{issue_id}"),
        _row("meta_issues", "GET", REPORTS + "/meta/issues"),
        _row("find_pages", "GET", REPORTS + "/page/list"),
        _row("page", "GET", REPORTS + "/page/{page_id}", 1_000),
    )
}

#: The published limits of this family's governors (none: the account governor).
LIMITS: Final = limits_of(ENDPOINTS.values())

# --- the issue ids [AUR projects_siteaudit_overview.md] ----------------------------------

#: Errors: issue id -> what it is.
ERRORS: Final[Mapping[int, str]] = {
    1: "5xx errors",
    2: "4xx errors",
    3: "Title tag is missing or empty",
    4: "Blocked from crawling",
    6: "Duplicate title tag",
    7: "Duplicate content",
    8: "Broken internal links",
    9: "Pages not crawled",
    10: "DNS resolution issue",
    11: "We couldn't open the page's URL",
    13: "Broken internal images",
    15: "Duplicate meta descriptions",
    16: "Invalid robots.txt format",
    17: "Invalid sitemap.xml format",
    18: "Incorrect pages found in sitemap.xml",
    19: "www resolve issues",
    20: "Viewport not configured",
    21: "Large HTML page size",
    22: "Missing canonical tags in AMP pages",
    26: "Non-secure pages",
    27: "Certificate Expiration",
    28: "Old security protocol version",
    29: "Certificate registered to incorrect name",
    30: "Issues with mixed content",
    32: "Neither canonical URL nor 301 redirect from HTTP homepage",
    33: "Redirect chains and loops",
    34: "AMP Pages with HTML Issues",
    35: "AMP Pages with Style and Layout Issues",
    36: "AMP Pages with Templating Issues",
    38: "Broken canonical URLs",
    39: "Multiple canonical URLs",
    40: "Meta refresh redirects",
    41: "Broken internal JavaScript and CSS files",
    42: "Insecure encryption algorithms",
    43: "Sitemap file too large",
    44: "Malformed links",
    45: "Structured data that contains markup errors",
    46: "Viewport width not set",
    111: "Slow page load speed",
}
#: Warnings: issue id -> what it is.
WARNINGS: Final[Mapping[int, str]] = {
    12: "Broken external links",
    14: "Broken external images",
    31: "Links lead to HTTP pages for HTTPS site",
    101: "Title element is too short",
    102: "Title element is too long",
    103: "Missing h1",
    104: "Multiple h1 tags",
    105: "Duplicate content in h1 and title",
    106: "Missing meta description",
    108: "Too many on-page links",
    109: "Temporary redirects",
    110: "Missing ALT attributes",
    112: "Low text to HTML ratio",
    113: "Too many URL parameters",
    114: "Missing hreflang and lang attributes",
    115: "Encoding not declared",
    116: "Doctype not declared",
    117: "Low word count",
    120: "Incompatible plugins used",
    121: "Frames used",
    122: "Underscores in URL",
    123: "Nofollow attributes in internal links",
    124: "Sitemap.xml not specified in robots.txt",
    125: "Sitemap.xml not found",
    126: "HTTPS encryption not used",
    127: "No SNI support",
    128: "HTTP URLs in sitemap.xml for HTTPS site",
    129: "Uncompressed pages",
    130: "Disallowed internal resources",
    131: "Uncompressed JavaScript and CSS files",
    132: "Uncached JavaScript and CSS files",
    133: "Too large JavaScript and CSS total size",
    134: "Too many JavaScript and CSS files",
    135: "Unminified JavaScript and CSS files",
    136: "Too long URLs",
    137: "Llms.txt not found",
}
#: Notices: issue id -> what it is.
NOTICES: Final[Mapping[int, str]] = {
    201: "Too long URLs",
    202: "Nofollow attributes in external links",
    203: "Robots.txt not found",
    205: "No HSTS support",
    206: "Orphaned pages (Google Analytics)",
    207: "Orphaned sitemap pages",
    208: "Pages have high Document Interactive Time",
    209: "Blocked by X-Robots-Tag: noindex HTTP header",
    210: "Disallowed external resources",
    211: "Broken external JavaScript and CSS files",
    212: "Page crawl depth",
    213: "Pages with only one internal link",
    214: "Permanent redirects",
    215: "Resources formatted as page links",
    216: "Links with no anchor text",
    217: "Links with non-descriptive anchor text",
    218: "External pages or resources with 403 HTTP status code",
    219: "Llms.txt has formatting issues",
    220: "Too much content",
    221: "Outdated content",
    222: "Low semantic HTML usage",
    223: "Content not optimized",
}


def severity_of(issue_id: int) -> str | None:
    """``"error"``, ``"warning"``, ``"notice"``, or None for an id the tables lack."""
    for name, table in (("error", ERRORS), ("warning", WARNINGS), ("notice", NOTICES)):
        if issue_id in table:
            return name
    return None
