"""The Backlinks column registry: each documented column (named as the header's
cells) with its cell type, and ``TargetType``; the generator's input with the table.

Numbers are ints (floats where the docs show fractions), ``true``/``false`` are
bools, unix timestamps are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

__all__ = ["COLUMN_TYPES", "ROW_DOCS", "ROW_NAMES", "TYPE_OVERRIDES", "TargetType"]


class TargetType(enum.StrEnum):
    """What a target string names."""

    ROOT_DOMAIN = "root_domain"
    DOMAIN = "domain"
    URL = "url"


_I, _S, _B, _T = "int | None", "str | None", "bool | None", "_dt.datetime | None"

#: Column -> the annotation of its row field.
COLUMN_TYPES: Final[Mapping[str, str]] = {
    "ascore": _I,
    "total": _I,
    "domains_num": _I,
    "urls_num": _I,
    "ips_num": _I,
    "ipclassc_num": _I,
    "follows_num": _I,
    "nofollows_num": _I,
    "sponsored_num": _I,
    "ugc_num": _I,
    "texts_num": _I,
    "images_num": _I,
    "forms_num": _I,
    "frames_num": _I,
    "page_ascore": _I,
    "response_code": _I,
    "source_size": _I,
    "external_num": _I,
    "internal_num": _I,
    "redirect_url": _S,
    "source_url": _S,
    "source_title": _S,
    "image_url": _S,
    "target_url": _S,
    "target_title": _S,
    "anchor": _S,
    "image_alt": _S,
    "last_seen": _T,
    "first_seen": _T,
    "nofollow": _B,
    "form": _B,
    "frame": _B,
    "image": _B,
    "sitewide": _B,
    "newlink": _B,
    "lostlink": _B,
    "domain_ascore": _I,
    "domain": _S,
    "backlinks_num": _I,
    "ip": _S,
    "country": _S,
    "zone": _S,
    "neighbour": _S,
    "similarity": _I,
    "common_refdomains": _I,
    "matches_num": _I,
    "target": _S,
    "target_type": "TargetType | None",
    "category_name": _S,
    "rating": _I,
    "date": _T,
}

#: Report -> {column: annotation} where a report types a column otherwise.
TYPE_OVERRIDES: Final[Mapping[str, Mapping[str, str]]] = {
    # A confidence (0..1) here; a count of referring domains in categories_profile.
    "backlinks_categories": {"rating": "float | None"},
}

#: Report -> its row class's name.
ROW_NAMES: Final[Mapping[str, str]] = {
    "backlinks_overview": "BacklinksOverview",
    "backlinks": "BacklinkRow",
    "backlinks_refdomains": "RefDomainRow",
    "backlinks_refips": "RefIpRow",
    "backlinks_tld": "TldRow",
    "backlinks_geo": "GeoRow",
    "backlinks_anchors": "AnchorRow",
    "backlinks_pages": "IndexedPageRow",
    "backlinks_competitors": "CompetitorRow",
    "backlinks_matrix": "MatrixRow",
    "backlinks_comparison": "ComparisonRow",
    "backlinks_ascore_profile": "AscoreProfileRow",
    "backlinks_categories_profile": "CategoryProfileRow",
    "backlinks_categories": "CategoryRow",
    "backlinks_historical": "HistoricalRow",
}

#: Report -> its row class's docstring, where the columns need a word.
ROW_DOCS: Final[Mapping[str, str]] = {
    "backlinks_matrix": (
        "A row of ``backlinks_matrix``: ``backlinks`` maps each requested target to its\n"
        "backlink count from ``domain``."
    ),
    "backlinks_categories_profile": (
        "A row of ``backlinks_categories_profile``: ``rating`` is the number of\n"
        "referring domains in the category."
    ),
    "backlinks_categories": (
        "A row of ``backlinks_categories``: ``rating`` is the confidence (0..1) that the\n"
        "target belongs to the category."
    ),
}
