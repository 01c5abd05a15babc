"""Typed rows of the 15 Backlinks reports (frozen, slotted attrs classes).

Fields are named after the documented columns. Numbers are ints (floats where the
docs show fractions), ``true``/``false`` are bools, unix timestamps are timezone-aware
UTC datetimes. A column that was not requested is None; an empty numeric value is
None; an empty text value is ``""``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import attrs

from semrush_async.v3.decode import RowsDecoder, compile_named

__all__ = [
    "ROW_TYPES",
    "AnchorRow",
    "AscoreProfileRow",
    "BacklinkRow",
    "BacklinksOverview",
    "CategoryProfileRow",
    "CategoryRow",
    "ComparisonRow",
    "CompetitorRow",
    "GeoRow",
    "HistoricalRow",
    "IndexedPageRow",
    "MatrixRow",
    "RefDomainRow",
    "RefIpRow",
    "TargetType",
    "TldRow",
    "rows_decoder",
]


class TargetType(enum.StrEnum):
    """What a target string names."""

    ROOT_DOMAIN = "root_domain"
    DOMAIN = "domain"
    URL = "url"


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class BacklinksOverview:
    ascore: int | None = None
    total: int | None = None
    domains_num: int | None = None
    urls_num: int | None = None
    ips_num: int | None = None
    ipclassc_num: int | None = None
    follows_num: int | None = None
    nofollows_num: int | None = None
    sponsored_num: int | None = None
    ugc_num: int | None = None
    texts_num: int | None = None
    images_num: int | None = None
    forms_num: int | None = None
    frames_num: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class BacklinkRow:
    page_ascore: int | None = None
    response_code: int | None = None
    source_size: int | None = None
    external_num: int | None = None
    internal_num: int | None = None
    redirect_url: str | None = None
    source_url: str | None = None
    source_title: str | None = None
    image_url: str | None = None
    target_url: str | None = None
    target_title: str | None = None
    anchor: str | None = None
    image_alt: str | None = None
    last_seen: datetime | None = None
    first_seen: datetime | None = None
    nofollow: bool | None = None
    form: bool | None = None
    frame: bool | None = None
    image: bool | None = None
    sitewide: bool | None = None
    newlink: bool | None = None
    lostlink: bool | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class RefDomainRow:
    domain_ascore: int | None = None
    domain: str | None = None
    backlinks_num: int | None = None
    ip: str | None = None
    country: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class RefIpRow:
    ip: str | None = None
    country: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class TldRow:
    zone: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class GeoRow:
    country: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class AnchorRow:
    anchor: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class IndexedPageRow:
    source_url: str | None = None
    source_title: str | None = None
    response_code: int | None = None
    backlinks_num: int | None = None
    domains_num: int | None = None
    last_seen: datetime | None = None
    external_num: int | None = None
    internal_num: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class CompetitorRow:
    ascore: int | None = None
    neighbour: str | None = None
    similarity: int | None = None
    common_refdomains: int | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class MatrixRow:
    """``backlinks`` maps each requested target to its backlink count from ``domain``."""

    domain: str | None = None
    domain_ascore: int | None = None
    matches_num: int | None = None
    backlinks: Mapping[str, int | None] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class ComparisonRow:
    target: str | None = None
    target_type: TargetType | None = None
    ascore: int | None = None
    backlinks_num: int | None = None
    domains_num: int | None = None
    ips_num: int | None = None
    follows_num: int | None = None
    nofollows_num: int | None = None
    texts_num: int | None = None
    images_num: int | None = None
    forms_num: int | None = None
    frames_num: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class AscoreProfileRow:
    ascore: int | None = None
    domains_num: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class CategoryProfileRow:
    """``rating`` is the number of referring domains in the category."""

    category_name: str | None = None
    rating: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class CategoryRow:
    """``rating`` is the confidence (0..1) that the target belongs to the category."""

    category_name: str | None = None
    rating: float | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class HistoricalRow:
    date: datetime | None = None
    backlinks_num: int | None = None
    domains_num: int | None = None


ROW_TYPES: Final[Mapping[str, type[Any]]] = {
    "backlinks_overview": BacklinksOverview,
    "backlinks": BacklinkRow,
    "backlinks_refdomains": RefDomainRow,
    "backlinks_refips": RefIpRow,
    "backlinks_tld": TldRow,
    "backlinks_geo": GeoRow,
    "backlinks_anchors": AnchorRow,
    "backlinks_pages": IndexedPageRow,
    "backlinks_competitors": CompetitorRow,
    "backlinks_matrix": MatrixRow,
    "backlinks_comparison": ComparisonRow,
    "backlinks_ascore_profile": AscoreProfileRow,
    "backlinks_categories_profile": CategoryProfileRow,
    "backlinks_categories": CategoryRow,
    "backlinks_historical": HistoricalRow,
}


def rows_decoder(report: str, header: Sequence[str]) -> RowsDecoder:
    """Compile a function turning a batch of CSV rows (each exactly ``len(header)``
    fields, in ``header`` order) into typed rows of ``report``.

    The Analytics engine's one decoder (:func:`semrush_async.v3.decode.compile_named`):
    cells are mapped by the header's names and converted by the fields' types. Unknown
    header names are ignored, except for ``backlinks_matrix``, whose extra columns are
    the per-target counts.
    """
    return compile_named(ROW_TYPES[report], header, report)
