"""Typed rows of the 15 Backlinks reports (frozen, slotted attrs classes).

Fields are named after the documented columns. Numbers are ints (floats where the
docs show fractions), ``true``/``false`` are bools, unix timestamps are timezone-aware
UTC datetimes. A column that was not requested is None; an empty numeric value is
None; an empty text value is ``""``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import attrs

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
    "row_factory",
]


class TargetType(enum.StrEnum):
    """What a target string names."""

    ROOT_DOMAIN = "root_domain"
    DOMAIN = "domain"
    URL = "url"


@attrs.frozen(slots=True, kw_only=True)
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


@attrs.frozen(slots=True, kw_only=True)
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


@attrs.frozen(slots=True, kw_only=True)
class RefDomainRow:
    domain_ascore: int | None = None
    domain: str | None = None
    backlinks_num: int | None = None
    ip: str | None = None
    country: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@attrs.frozen(slots=True, kw_only=True)
class RefIpRow:
    ip: str | None = None
    country: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@attrs.frozen(slots=True, kw_only=True)
class TldRow:
    zone: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class GeoRow:
    country: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class AnchorRow:
    anchor: str | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@attrs.frozen(slots=True, kw_only=True)
class IndexedPageRow:
    source_url: str | None = None
    source_title: str | None = None
    response_code: int | None = None
    backlinks_num: int | None = None
    domains_num: int | None = None
    last_seen: datetime | None = None
    external_num: int | None = None
    internal_num: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class CompetitorRow:
    ascore: int | None = None
    neighbour: str | None = None
    similarity: int | None = None
    common_refdomains: int | None = None
    domains_num: int | None = None
    backlinks_num: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class MatrixRow:
    """``backlinks`` maps each requested target to its backlink count from ``domain``."""

    domain: str | None = None
    domain_ascore: int | None = None
    matches_num: int | None = None
    backlinks: Mapping[str, int | None] | None = None


@attrs.frozen(slots=True, kw_only=True)
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


@attrs.frozen(slots=True, kw_only=True)
class AscoreProfileRow:
    ascore: int | None = None
    domains_num: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class CategoryProfileRow:
    """``rating`` is the number of referring domains in the category."""

    category_name: str | None = None
    rating: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class CategoryRow:
    """``rating`` is the confidence (0..1) that the target belongs to the category."""

    category_name: str | None = None
    rating: float | None = None


@attrs.frozen(slots=True, kw_only=True)
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

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _int(v: str) -> int | None:
    return int(v) if v else None


def _float(v: str) -> float | None:
    return float(v) if v else None


def _bool(v: str) -> bool | None:
    return v == "true" if v else None


def _ts(v: str) -> datetime | None:
    return datetime.fromtimestamp(int(v), UTC) if v else None


def _target_type(v: str) -> TargetType | None:
    return TargetType(v) if v else None


_CONVERTERS: Final[Mapping[str, Callable[[str], Any] | None]] = {
    "int | None": _int,
    "float | None": _float,
    "bool | None": _bool,
    "datetime | None": _ts,
    "str | None": None,
    "TargetType | None": _target_type,
}
# Inlined in generated code: the common types skip a Python-level call per value.
# Inlined in generated code: no Python-level call per value for the common types.
_INLINE: Final[Mapping[str, str]] = {
    "int | None": "(int({v}) if {v} else None)",
    "bool | None": "_bool_of({v})",
    "str | None": "{v}",
    "datetime | None": "(_fromts(int({v}), _UTC) if {v} else None)",
    "float | None": "(float({v}) if {v} else None)",
}
_BOOLS: Final = {"true": True, "false": False}

RowFactory = Callable[[Sequence[str]], Any]


def row_factory(report: str, header: Sequence[str]) -> RowFactory:
    """Compile a function turning one CSV row (exactly ``len(header)`` fields, in
    ``header`` order) into a typed row.

    Unknown header names are ignored, except for ``backlinks_matrix``, whose extra
    columns are the per-target counts. The generated function unpacks the row into
    locals once and sets slots directly: attrs' frozen ``__init__`` would cost an
    ``object.__setattr__`` call per field.
    """
    cls = ROW_TYPES[report]
    fields = {f.name: f for f in attrs.fields(cls)}
    position = {name: i for i, name in enumerate(header)}
    ns: dict[str, Any] = {
        "_new": object.__new__,
        "_cls": cls,
        "_fromts": datetime.fromtimestamp,
        "_UTC": UTC,
        "_bool_of": _BOOLS.get,
        "_target_type": _target_type,
    }
    names = [f"c{i}" for i in range(len(header))]
    lines = ["def make(r):"]
    if names:
        lines.append(f"    {', '.join(names)}, = r")
    lines.append("    o = _new(_cls)")
    for name, f in fields.items():
        setter = f"_s_{name}"
        ns[setter] = getattr(cls, name).__set__
        if report == "backlinks_matrix" and name == "backlinks":
            extra = [(h, i) for h, i in position.items() if h not in fields]
            ns["_extra"] = tuple(extra)
            expr = "{h: (int(r[i]) if r[i] else None) for h, i in _extra}" if extra else "None"
        elif name not in position:
            expr = "None"
        else:
            v = names[position[name]]
            ftype = str(f.type)
            template = _INLINE.get(ftype)
            if template is None:
                conv = _CONVERTERS[ftype]
                assert conv is not None
                template = f"{conv.__name__}({{v}})"
            expr = template.format(v=v)
        lines.append(f"    {setter}(o, {expr})")
    lines.append("    return o")
    exec("\n".join(lines), ns)  # noqa: S102 - code built from attrs field names only
    make: RowFactory = ns["make"]
    return make
