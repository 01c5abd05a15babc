"""Typed rows of the 15 Backlinks reports (frozen, slotted attrs classes).

Fields are named after the documented columns. Numbers are ints (floats where the
docs show fractions), ``true``/``false`` are bools, unix timestamps are timezone-aware
UTC datetimes. A column that was not requested is None; an empty numeric value is
None; an empty text value is ``""``.
"""

from __future__ import annotations

import enum
import functools
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from semrush_async.v3.decode import RowsDecoder, compile_decoder, twin_of

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

# --- conversion -----------------------------------------------------------------------
#
# Rows are decoded by the Analytics engine's one batch decoder
# (``semrush_async.v3.decode.compile_decoder``): each column goes through one
# C-level ``map`` (``int``, ``datetime.fromtimestamp``, a dict lookup for booleans),
# and the objects are built by one generated function per (report, header).

_BOOLS: Final = {"true": True, "false": False}
_NONE: Final = itertools.repeat(None)


def _ints(col: Sequence[str]) -> list[int | None]:
    try:
        return list(map(int, col))
    except ValueError:  # an empty value somewhere (a bad one raises again below)
        return [int(v) if v else None for v in col]


# Most counts in backlink data (Authority Scores, response codes, link counts) are
# small: a dict lookup is about twice as fast as int() on a string.
_SMALL_INTS: Final[Mapping[str, int]] = {str(i): i for i in range(1024)}


class _IntColumn:
    """Converts one int column; prefers the small-number table while it mostly hits."""

    __slots__ = ("use_table",)

    def __init__(self) -> None:
        self.use_table = True

    def __call__(self, col: Sequence[str]) -> list[int | None]:
        if not self.use_table:
            return _ints(col)
        out: list[int | None] = list(map(_SMALL_INTS.get, col))
        if None not in out:
            return out
        misses = list(itertools.compress(range(len(out)), map(operator.is_, out, _NONE)))
        if len(misses) * 4 > len(out):
            self.use_table = False  # mostly large (or empty) values: plain int() is faster
        for i in misses:
            v = col[i]
            if v:
                out[i] = int(v)
        return out


def _floats(col: Sequence[str]) -> list[float | None]:
    try:
        return list(map(float, col))
    except ValueError:
        return [float(v) if v else None for v in col]


def _stamps(col: Sequence[str]) -> list[datetime | None]:
    fromts = datetime.fromtimestamp
    try:
        return list(map(fromts, map(int, col), itertools.repeat(UTC)))
    except ValueError:
        return [fromts(int(v), UTC) if v else None for v in col]


def _bools(col: Sequence[str]) -> list[bool | None]:
    return list(map(_BOOLS.get, col))


def _target_types(col: Sequence[str]) -> list[TargetType | None]:
    return [TargetType(v) if v else None for v in col]


_COLUMN: Final[Mapping[Any, Callable[[Sequence[str]], Sequence[Any]]]] = {
    float | None: _floats,
    bool | None: _bools,
    datetime | None: _stamps,
    TargetType | None: _target_types,
}

for _cls in ROW_TYPES.values():
    # Field types as objects, not annotation strings (the decoder picks converters by
    # them; the classes' public module, semrush_async, does not hold these names).
    attrs.resolve_types(_cls)


_TWINS: Final = {report: twin_of(cls) for report, cls in ROW_TYPES.items()}


def rows_decoder(report: str, header: Sequence[str]) -> RowsDecoder:
    """Compile a function turning a batch of CSV rows (each exactly ``len(header)``
    fields, in ``header`` order) into typed rows.

    Unknown header names are ignored, except for ``backlinks_matrix``, whose extra
    columns are the per-target counts.
    """
    cls = ROW_TYPES[report]
    position = {name: i for i, name in enumerate(header)}
    known = {f.name for f in attrs.fields(cls)}
    extra = tuple((h, i) for h, i in position.items() if h not in known)
    columns: dict[str, tuple[int, Callable[[Sequence[str]], Sequence[Any]] | None]] = {}
    for f in attrs.fields(cls):
        if f.name not in position or (report == "backlinks_matrix" and f.name == "backlinks"):
            continue
        ftype = f.type
        conv: Callable[[Sequence[str]], Sequence[Any]] | None = None
        if ftype != str | None:
            # An int column keeps state (whether the small-number table pays off).
            conv = _IntColumn() if ftype == int | None else _COLUMN[ftype]
        columns[f.name] = (position[f.name], conv)
    computed = {}
    if report == "backlinks_matrix" and extra:
        computed["backlinks"] = functools.partial(_matrix_counts, extra=extra)
    return compile_decoder(cls, _TWINS[report], len(header), columns, report, computed)


def _matrix_counts(
    cols: Sequence[Sequence[str]], extra: Sequence[tuple[str, int]]
) -> list[dict[str, int | None]]:
    keys = [h for h, _ in extra]
    counts = [_ints(cols[i]) for _, i in extra]
    return [dict(zip(keys, v, strict=True)) for v in zip(*counts, strict=True)]
