"""The 15 Backlinks reports (``/analytics/v1/``, target + target_type): data only.

Transcribed from ``semrush-analytics-backlinks.txt``; prices from its "Price" lines.
Each row is also a method of ``client.backlinks`` (``method``): its target shape
(``multi_target``), the options it takes (``columns`` unless ``fixed_columns``,
``sort`` where it has ``sorts``, ``filters`` where it has ``filters``, ``limit``,
``offset`` and ``page_size`` by its paging) and what it returns (``returns``, ``row``)
all come from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from semrush_async.apis.backlinks import rows as r
from semrush_async.v3.spec import ReportSpec, both_ways

__all__ = ["BACKLINKS_PATH", "REPORTS", "SPECS", "TARGET_TYPES", "ReportSpec"]

#: The Backlinks reports are served here.
BACKLINKS_PATH: Final = "/analytics/v1/"
TARGET_TYPES: Final = ("root_domain", "domain", "url")


def _spec(type: str, method: str, columns: tuple[str, ...], *args: Any, **kw: Any) -> ReportSpec:
    """A Backlinks row: its path, its target + target_type shape."""
    kw.setdefault("target_types", TARGET_TYPES)
    return ReportSpec(type, method, columns, *args, family="backlinks", path=BACKLINKS_PATH, **kw)


SPECS = (
    _spec(
        "backlinks_overview",
        "overview",
        (
            "ascore",
            "total",
            "domains_num",
            "urls_num",
            "ips_num",
            "ipclassc_num",
            "follows_num",
            "nofollows_num",
            "sponsored_num",
            "ugc_num",
            "texts_num",
            "images_num",
            "forms_num",
            "frames_num",
        ),
        paged=False,
        title="Backlinks overview",
        row=r.BacklinksOverview,
        returns="first",
        units=40,
        per_line=False,
    ),
    _spec(
        "backlinks",
        "backlinks",
        (
            "page_ascore",
            "response_code",
            "source_size",
            "external_num",
            "internal_num",
            "redirect_url",
            "source_url",
            "source_title",
            "image_url",
            "target_url",
            "target_title",
            "anchor",
            "image_alt",
            "last_seen",
            "first_seen",
            "nofollow",
            "form",
            "frame",
            "image",
            "sitewide",
            "newlink",
            "lostlink",
        ),
        both_ways("page_ascore", "last_seen", "first_seen"),
        "page_ascore_desc",
        (
            "type",
            "zone",
            "ip",
            "refdomain",
            "anchor",
            "newlink",
            "lostlink",
            "urlanchor",
            "redirects",
        ),
        title="Backlinks",
        row=r.BacklinkRow,
        units=40,
    ),
    _spec(
        "backlinks_refdomains",
        "refdomains",
        ("domain_ascore", "domain", "backlinks_num", "ip", "country", "first_seen", "last_seen"),
        both_ways("domain_ascore", "backlinks_num", "last_seen", "first_seen"),
        "backlinks_num_desc",
        ("zone", "country", "ip", "newdomain", "lostdomain", "category"),
        title="Referring domains",
        row=r.RefDomainRow,
        units=40,
    ),
    _spec(
        "backlinks_refips",
        "refips",
        ("ip", "country", "domains_num", "backlinks_num", "first_seen", "last_seen"),
        both_ways("domains_num", "backlinks_num", "first_seen", "last_seen"),
        "domains_num_desc",
        title="Referring IPs",
        row=r.RefIpRow,
        units=40,
    ),
    _spec(
        "backlinks_tld",
        "tld",
        ("zone", "domains_num", "backlinks_num"),
        both_ways("domains_num", "backlinks_num"),
        "domains_num_desc",
        title="TLD distribution",
        row=r.TldRow,
        units=40,
    ),
    _spec(
        "backlinks_geo",
        "geo",
        ("country", "domains_num", "backlinks_num"),
        both_ways("domains_num", "backlinks_num"),
        "domains_num_desc",
        title="Referring domains by country",
        row=r.GeoRow,
        units=40,
    ),
    _spec(
        "backlinks_anchors",
        "anchors",
        ("anchor", "domains_num", "backlinks_num", "first_seen", "last_seen"),
        both_ways("domains_num", "backlinks_num", "first_seen", "last_seen"),
        "backlinks_num_desc",
        title="Anchors",
        row=r.AnchorRow,
        units=40,
    ),
    _spec(
        "backlinks_pages",
        "pages",
        (
            "source_url",
            "source_title",
            "response_code",
            "backlinks_num",
            "domains_num",
            "last_seen",
            "external_num",
            "internal_num",
        ),
        both_ways("backlinks_num", "domains_num", "last_seen"),
        "backlinks_num_desc",
        title="Indexed pages",
        row=r.IndexedPageRow,
        units=40,
    ),
    _spec(
        "backlinks_competitors",
        "competitors",
        ("ascore", "neighbour", "similarity", "common_refdomains", "domains_num", "backlinks_num"),
        title="Competitors",
        row=r.CompetitorRow,
        units=40,
    ),
    _spec(
        "backlinks_matrix",
        "matrix",
        ("domain", "domain_ascore", "matches_num", "backlinks_num"),
        (
            "domain_ascore_desc",
            "domain_ascore_asc",
            "matchesnum_desc",
            "matchesnum_asc",
            *(f"backlinksnum_{i}_{d}" for i in range(6) for d in ("desc", "asc")),
        ),
        None,
        tuple(f"backlinksnum_{i}" for i in range(6)),
        multi_target=True,
        max_targets=6,
        title="Backlinks matrix (gap)",
        row=r.MatrixRow,
        units=40,
    ),
    _spec(
        "backlinks_comparison",
        "comparison",
        (
            "target",
            "target_type",
            "ascore",
            "backlinks_num",
            "domains_num",
            "ips_num",
            "follows_num",
            "nofollows_num",
            "texts_num",
            "images_num",
            "forms_num",
            "frames_num",
        ),
        paged=False,
        multi_target=True,
        max_targets=200,
        title="Backlinks comparison",
        row=r.ComparisonRow,
        units=40,
    ),
    _spec(
        "backlinks_ascore_profile",
        "ascore_profile",
        ("ascore", "domains_num"),
        paged=False,
        fixed_columns=True,
        title="Authority Score profile",
        row=r.AscoreProfileRow,
        returns="list",
        units=100,
        per_line=False,
    ),
    _spec(
        "backlinks_categories_profile",
        "categories_profile",
        ("category_name", "rating"),
        title="Categories profile",
        row=r.CategoryProfileRow,
        units=40,
    ),
    _spec(
        "backlinks_categories",
        "categories",
        ("category_name", "rating"),
        paged=False,
        title="Categories",
        row=r.CategoryRow,
        returns="list",
        units=50,
        per_line=False,
    ),
    _spec(
        "backlinks_historical",
        "historical",
        ("date", "backlinks_num", "domains_num"),
        offset=False,
        target_types=("root_domain",),
        title="Historical trends",
        row=r.HistoricalRow,
        units=40,
    ),
)

#: The 15 Backlinks reports by type.
REPORTS: Final[Mapping[str, ReportSpec]] = {s.type: s for s in SPECS}
