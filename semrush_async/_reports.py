"""The 15 Backlinks report types as documented (columns, sorts, filters, targets).

Transcribed from ``semrush-analytics-backlinks.txt``; the client validates against
it before sending and the sandbox server enforces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["REPORTS", "TARGET_TYPES", "ReportSpec"]

TARGET_TYPES: Final = ("root_domain", "domain", "url")


@attrs.frozen(slots=True)
class ReportSpec:
    type: str
    method: str
    columns: tuple[str, ...]
    sorts: tuple[str, ...] = ()
    default_sort: str | None = None
    filters: tuple[str, ...] = ()
    #: Takes display_limit/display_offset (list report).
    paged: bool = True
    #: Takes display_limit but not display_offset (historical).
    offset: bool = True
    multi_target: bool = False
    target_types: tuple[str, ...] = TARGET_TYPES
    max_targets: int = 1
    #: No export_columns parameter (ascore_profile returns fixed columns).
    fixed_columns: bool = False


def _sorts(*cols: str) -> tuple[str, ...]:
    return tuple(f"{c}_{d}" for c in cols for d in ("asc", "desc"))


_SPECS = (
    ReportSpec(
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
    ),
    ReportSpec(
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
        _sorts("page_ascore", "last_seen", "first_seen"),
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
    ),
    ReportSpec(
        "backlinks_refdomains",
        "refdomains",
        ("domain_ascore", "domain", "backlinks_num", "ip", "country", "first_seen", "last_seen"),
        _sorts("domain_ascore", "backlinks_num", "last_seen", "first_seen"),
        "backlinks_num_desc",
        ("zone", "country", "ip", "newdomain", "lostdomain", "category"),
    ),
    ReportSpec(
        "backlinks_refips",
        "refips",
        ("ip", "country", "domains_num", "backlinks_num", "first_seen", "last_seen"),
        _sorts("domains_num", "backlinks_num", "first_seen", "last_seen"),
        "domains_num_desc",
    ),
    ReportSpec(
        "backlinks_tld",
        "tld",
        ("zone", "domains_num", "backlinks_num"),
        _sorts("domains_num", "backlinks_num"),
        "domains_num_desc",
    ),
    ReportSpec(
        "backlinks_geo",
        "geo",
        ("country", "domains_num", "backlinks_num"),
        _sorts("domains_num", "backlinks_num"),
        "domains_num_desc",
    ),
    ReportSpec(
        "backlinks_anchors",
        "anchors",
        ("anchor", "domains_num", "backlinks_num", "first_seen", "last_seen"),
        _sorts("domains_num", "backlinks_num", "first_seen", "last_seen"),
        "backlinks_num_desc",
    ),
    ReportSpec(
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
        _sorts("backlinks_num", "domains_num", "last_seen"),
        "backlinks_num_desc",
    ),
    ReportSpec(
        "backlinks_competitors",
        "competitors",
        ("ascore", "neighbour", "similarity", "common_refdomains", "domains_num", "backlinks_num"),
    ),
    ReportSpec(
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
    ),
    ReportSpec(
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
    ),
    ReportSpec(
        "backlinks_ascore_profile",
        "ascore_profile",
        ("ascore", "domains_num"),
        paged=False,
        fixed_columns=True,
    ),
    ReportSpec(
        "backlinks_categories_profile",
        "categories_profile",
        ("category_name", "rating"),
    ),
    ReportSpec(
        "backlinks_categories",
        "categories",
        ("category_name", "rating"),
        paged=False,
    ),
    ReportSpec(
        "backlinks_historical",
        "historical",
        ("date", "backlinks_num", "domains_num"),
        offset=False,
        target_types=("root_domain",),
    ),
)

REPORTS: Final[Mapping[str, ReportSpec]] = {s.type: s for s in _SPECS}
