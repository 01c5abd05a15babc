"""Site Audit v3 facts the sandbox states for itself: the issue tables (errors,
warnings, notices [AUR projects_siteaudit_overview]), user agents, and deterministic
crawl results derived from a hash of (seed, snapshot, issue, page).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from semrush_async.testing._data import _mix, _seed_of

__all__ = ["ISSUES", "USER_AGENTS", "affected", "issue_count", "object_id", "page_doc"]

#: userAgentType values (2, 3 GoogleBot; 7, 8 SiteAuditBot; 9 OpenAI-Search).
USER_AGENTS: Final = {
    2: "GoogleBot Desktop",
    3: "GoogleBot Mobile",
    7: "SiteAuditBot Desktop",
    8: "SiteAuditBot Mobile",
    9: "OpenAI-Search",
}
_ERRORS: Final = {
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
_WARNINGS: Final = {
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
_NOTICES: Final = {
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
#: Issue id -> (severity, title).
ISSUES: Final[Mapping[int, tuple[str, str]]] = {
    **{i: ("errors", t) for i, t in _ERRORS.items()},
    **{i: ("warnings", t) for i, t in _WARNINGS.items()},
    **{i: ("notices", t) for i, t in _NOTICES.items()},
}
#: Issues about a link or resource: their ``target_url`` is the broken target.
_LINKS: Final = frozenset({8, 12, 13, 14, 31, 41, 211, 218})
_TITLES: Final = ("Home", "Web Tutorials  •  Mike & Associates", "Café crème — menu", "Blog")


def object_id(*parts: object) -> str:
    """A 24-hex id (like the docs' snapshot and page ids) from ``parts``."""
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def meta_doc(issue: int) -> dict[str, Any]:
    _, title = ISSUES[issue]
    image = "image" in title.lower()
    return {
        "id": issue,
        "title": title,
        "title_page": f"##count## pages: {title.lower()}",
        "url_column": "Image URL" if image else "Page URL",
        "info_column": "HTTP Code" if issue in _LINKS or issue in (1, 2) else "",
    }


def issue_count(seed: int, snapshot: str, issue: int, pages: int) -> int:
    """Detections of ``issue`` in a snapshot of ``pages`` pages (most issues: none)."""
    h = _seed_of(seed, snapshot, f"sa-issue-{issue}")
    if h % 100 >= 15 or not pages:
        return 0
    return 1 + (h >> 8) % max(1, pages // 4)


def affected(seed: int, snapshot: str, issue: int, pages: int) -> list[int]:
    """The page indices an issue's detections are on (distinct, a fixed stride)."""
    n = issue_count(seed, snapshot, issue, pages)
    start = _seed_of(seed, snapshot, f"sa-start-{issue}") % max(1, pages)
    step = next(s for s in (7, 11, 13, 17, 19, 23, 1) if pages % s)
    return [(start + j * step) % pages for j in range(n)]


def page_url(domain: str, i: int) -> str:
    if i == 0:
        return f"https://{domain}/"
    section = ("blog", "shop", "docs", "café", "news")[i % 5]
    return f"https://{domain}/{section}/page-{i}"


def target_of(domain: str, issue: int, i: int, h: int) -> str:
    if issue in _LINKS:
        return f"https://{'ext.example' if issue in (12, 14, 211, 218) else domain}/gone-{h % 97}"
    return page_url(domain, i)


def page_doc(
    seed: int, snapshot: str, domain: str, i: int, finished_ms: int, pages: int
) -> dict[str, Any]:
    """The ``page`` answer for page ``i`` of a snapshot."""
    out: dict[str, Any] = {
        "title": _TITLES[i % len(_TITLES)],
        "url": page_url(domain, i),
        "errors": [],
        "warnings": [],
        "notices": [],
        "page_id": object_id(seed, snapshot, "page", i),
    }
    for issue, (severity, _) in ISSUES.items():
        hits = [j for j, p in enumerate(affected(seed, snapshot, issue, pages)) if p == i]
        if not hits:
            continue
        h = _mix(_seed_of(seed, snapshot, "sa-page"), issue * 1000 + i)
        info = str((404, 500, 503)[h % 3]) if issue in _LINKS or issue in (1, 2) else None
        data = [
            {
                "discovered": finished_ms - 3_600_000,
                "info": info,
                "target_url": target_of(domain, issue, i, h),
            }
        ]
        out[severity].append({"id": issue, "data": data, "total": len(hits)})
    return out
