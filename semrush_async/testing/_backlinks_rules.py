"""The 15 Analytics v3 Backlinks reports (``/analytics/v1/``), as the sandbox states them.

Transcribed from semrush-analytics-backlinks.txt (each report's "Request parameters"
and "Price" lines) and semrush-notes.md, independently of the client's tables (an
oracle that read the client's tables would prove nothing); ``tests/test_sandbox_rules.py``
checks that the two statements agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from semrush_async.testing._v3 import Price

__all__ = ["BACKLINKS_PATH", "REPORTS", "TARGET_TYPES", "BacklinksReport"]

BACKLINKS_PATH: Final = "/analytics/v1/"
#: "target_type* root_domain, domain or url" (every report but historical).
TARGET_TYPES: Final = ("root_domain", "domain", "url")


@attrs.frozen
class BacklinksReport:
    """What one report accepts and what it costs."""

    type: str
    price: Price
    #: ``export_columns`` values (every column the report can return).
    columns: tuple[str, ...]
    #: ``display_sort`` values, and the documented "Default:" (None: none stated).
    sorts: frozenset[str] = frozenset()
    default_sort: str | None = None
    #: ``display_filter`` fields.
    filters: frozenset[str] = frozenset()
    #: Takes ``display_limit`` (a list report).
    paged: bool = True
    #: Takes ``display_offset`` (historical takes a limit only).
    offset: bool = True
    #: ``targets[]`` + ``target_types[]`` instead of ``target`` + ``target_type``.
    multi_target: bool = False
    max_targets: int = 1
    target_types: tuple[str, ...] = TARGET_TYPES
    #: No ``export_columns`` parameter: the columns are fixed (ascore_profile).
    fixed_columns: bool = False


def _both(*columns: str) -> frozenset[str]:
    return frozenset(f"{c}_{d}" for c in columns for d in ("asc", "desc"))


def _r(
    type: str,
    price: Price,
    columns: str,
    sorts: frozenset[str] = frozenset(),
    default_sort: str | None = None,
    filters: str = "",
    **kw: object,
) -> BacklinksReport:
    return BacklinksReport(
        type,
        price,
        tuple(columns.replace(",", " ").split()),
        sorts,
        default_sort,
        frozenset(filters.replace(",", " ").split()),
        **kw,  # type: ignore[arg-type]
    )


_LINE: Final = Price(40)

REPORTS: Final[Mapping[str, BacklinksReport]] = {
    r.type: r
    for r in (
        # "Price: 40 API units per request"; no display_limit.
        _r(
            "backlinks_overview",
            Price(40, per_line=False),
            "ascore, total, domains_num, urls_num, ips_num, ipclassc_num, follows_num,"
            " nofollows_num, sponsored_num, ugc_num, texts_num, images_num, forms_num,"
            " frames_num",
            paged=False,
        ),
        _r(
            "backlinks",
            _LINE,
            "page_ascore, response_code, source_size, external_num, internal_num,"
            " redirect_url, source_url, source_title, image_url, target_url, target_title,"
            " anchor, image_alt, last_seen, first_seen, nofollow, form, frame, image,"
            " sitewide, newlink, lostlink",
            _both("page_ascore", "last_seen", "first_seen"),
            "page_ascore_desc",
            "type, zone, ip, refdomain, anchor, newlink, lostlink, urlanchor, redirects",
        ),
        _r(
            "backlinks_refdomains",
            _LINE,
            "domain_ascore, domain, backlinks_num, ip, country, first_seen, last_seen",
            _both("domain_ascore", "backlinks_num", "last_seen", "first_seen"),
            "backlinks_num_desc",
            "zone, country, ip, newdomain, lostdomain, category",
        ),
        _r(
            "backlinks_refips",
            _LINE,
            "ip, country, domains_num, backlinks_num, first_seen, last_seen",
            _both("domains_num", "backlinks_num", "first_seen", "last_seen"),
            "domains_num_desc",
        ),
        _r(
            "backlinks_tld",
            _LINE,
            "zone, domains_num, backlinks_num",
            _both("domains_num", "backlinks_num"),
            "domains_num_desc",
        ),
        _r(
            "backlinks_geo",
            _LINE,
            "country, domains_num, backlinks_num",
            _both("domains_num", "backlinks_num"),
            "domains_num_desc",
        ),
        _r(
            "backlinks_anchors",
            _LINE,
            "anchor, domains_num, backlinks_num, first_seen, last_seen",
            _both("domains_num", "backlinks_num", "first_seen", "last_seen"),
            "backlinks_num_desc",
        ),
        _r(
            "backlinks_pages",
            _LINE,
            "source_url, source_title, response_code, backlinks_num, domains_num, last_seen,"
            " external_num, internal_num",
            _both("backlinks_num", "domains_num", "last_seen"),
            "backlinks_num_desc",
        ),
        # No display_sort and no display_filter listed.
        _r(
            "backlinks_competitors",
            _LINE,
            "ascore, neighbour, similarity, common_refdomains, domains_num, backlinks_num",
        ),
        # Sorts up to backlinksnum_5, so 6 targets (semrush-notes.md, an inference);
        # no default sort stated.
        _r(
            "backlinks_matrix",
            _LINE,
            "domain, domain_ascore, matches_num, backlinks_num",
            _both("domain_ascore", "matchesnum", *(f"backlinksnum_{i}" for i in range(6))),
            None,
            ", ".join(f"backlinksnum_{i}" for i in range(6)),
            multi_target=True,
            max_targets=6,
        ),
        # "takes up to 200 targets" (semrush-notes.md); no display_limit.
        _r(
            "backlinks_comparison",
            _LINE,
            "target, target_type, ascore, backlinks_num, domains_num, ips_num, follows_num,"
            " nofollows_num, texts_num, images_num, forms_num, frames_num",
            paged=False,
            multi_target=True,
            max_targets=200,
        ),
        # "Price: 100 API units per request"; no export_columns parameter: the
        # response example's header is "ascore;domains_num".
        _r(
            "backlinks_ascore_profile",
            Price(100, per_line=False),
            "ascore, domains_num",
            paged=False,
            fixed_columns=True,
        ),
        _r("backlinks_categories_profile", _LINE, "category_name, rating"),
        # "Price: 50 API units per request"; no display_limit.
        _r(
            "backlinks_categories",
            Price(50, per_line=False),
            "category_name, rating",
            paged=False,
        ),
        # "target_type* root_domain"; display_limit but no display_offset.
        _r(
            "backlinks_historical",
            _LINE,
            "date, backlinks_num, domains_num",
            offset=False,
            target_types=("root_domain",),
        ),
    )
}
