"""COLUMNS: every documented Analytics v3 column code -> field name, type and header.

One registry shared by every report (``semrush-analytics-v3-reports.md`` §6). A
report's spec lists codes; its row class, decoder, docs and the sandbox's headers
all come from here. Types are the Python types a cell decodes to:

- ``int`` / ``float`` / ``str``;
- ``Ts`` (unix time) -> an aware UTC ``datetime``;
- ``Dt`` -> a ``date`` (``YYYYMMDD``; ``phrase_all``'s ``YYYYMM`` -> the 1st of the month);
- ``Td`` (trend) -> a tuple of floats, converted on first read (:func:`lazy_columns`);
- ``In`` -> a tuple of :class:`IntentCode`; ``Fk``/``Fp`` -> a tuple of :class:`SerpFeatureCode`
  (both tolerate codes Semrush adds later).
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

import attrs

from semrush_async._core.twin import Deferred

__all__ = [
    "COLUMNS",
    "DOMAIN_SERP_FEATURES",
    "Column",
    "ColumnKind",
    "IntentCode",
    "SerpFeatureCode",
    "converter",
    "converter_for",
    "lazy_columns",
]


class _Tolerant(enum.IntEnum):
    """An int enum that turns an unknown value into a pseudo-member (never raises)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


class IntentCode(_Tolerant):
    """Search intent codes (``In``)."""

    COMMERCIAL = 0
    INFORMATIONAL = 1
    NAVIGATIONAL = 2
    TRANSACTIONAL = 3


class SerpFeatureCode(_Tolerant):
    """SERP feature codes (``Fk``, ``Fp``, ``FKn``, ``FPn``; §6.1, no 33)."""

    INSTANT_ANSWER = 0
    KNOWLEDGE_PANEL = 1
    CAROUSEL = 2
    LOCAL_PACK = 3
    TOP_STORIES = 4
    IMAGE_PACK = 5
    SITELINKS = 6
    REVIEWS = 7
    TWEET = 8
    VIDEO = 9
    FEATURED_VIDEO = 10
    FEATURED_SNIPPET = 11
    AMP = 12
    IMAGE = 13
    ADS_TOP = 14
    ADS_BOTTOM = 15
    SHOPPING_ADS = 16
    HOTELS_PACK = 17
    JOBS_SEARCH = 18
    FEATURED_IMAGES = 19
    VIDEO_CAROUSEL = 20
    PEOPLE_ALSO_ASK = 21
    FAQ = 22
    FLIGHTS = 23
    FIND_RESULTS_ON = 24
    RECIPES = 25
    RELATED_TOPICS = 26
    TWITTER_CAROUSEL = 27
    INDENTED = 28
    NEWS = 29
    ADDRESS_PACK = 30
    APPLICATION = 31
    EVENTS = 32
    POPULAR_PRODUCTS = 34
    RELATED_PRODUCTS = 35
    RELATED_SEARCHES = 36
    SEE_RESULTS_ABOUT = 37
    SHORT_VIDEOS = 38
    WEB_STORIES = 39
    APPLICATION_LIST = 40
    BUYING_GUIDE = 41
    ORGANIC_CAROUSEL = 42
    THINGS_TO_KNOW = 43
    DATASETS = 44
    DISCUSSIONS_AND_FORUMS = 45
    EXPLORE_BRANDS = 46
    QUESTIONS_AND_ANSWERS = 47
    POPULAR_STORES = 48
    REFINE = 49
    PEOPLE_ALSO_SEARCH = 50
    ADS_MIDDLE = 51
    AI_OVERVIEW = 52


#: Features that never link to a domain make no sense as ``FPn`` (§6.1; the PHP
#: client dropped them for the same reason, landscape §4 #15).
_NO_DOMAIN: Final = frozenset({0, 2, 8, 12, 14, 15, 16, 17, 18, 19, 23, 26, 30, 32, 34, 35, 36})
_NO_DOMAIN_MORE: Final = frozenset({37, 49, 50, 51})
DOMAIN_SERP_FEATURES: Final = tuple(
    f.value for f in SerpFeatureCode if f.value not in _NO_DOMAIN | _NO_DOMAIN_MORE
)


class ColumnKind(enum.Enum):
    """How a cell decodes; the value is the annotation used on row classes."""

    STR = "str | None"
    INT = "int | None"
    FLOAT = "float | None"
    TIMESTAMP = "datetime | None"
    DATE = "date | None"
    FLOATS = "tuple[float, ...] | None"
    INTENTS = "tuple[IntentCode, ...] | None"
    FEATURES = "tuple[SerpFeatureCode, ...] | None"


@attrs.frozen(slots=True)
class Column:
    """One column code: the row field it fills, its type and its documented header."""

    code: str
    field: str
    kind: ColumnKind
    header: str

    @property
    def python_type(self) -> Any:
        return _PYTHON_TYPES[self.kind]

    @property
    def lazy(self) -> bool:
        """Whether generated rows convert this column on first read (:func:`lazy_columns`)."""
        return self.kind in _LAZY_KINDS


_PYTHON_TYPES: Final[Mapping[ColumnKind, Any]] = {
    ColumnKind.STR: str,
    ColumnKind.INT: int,
    ColumnKind.FLOAT: float,
    ColumnKind.TIMESTAMP: datetime,
    ColumnKind.DATE: date,
    ColumnKind.FLOATS: tuple[float, ...],
    ColumnKind.INTENTS: tuple[IntentCode, ...],
    ColumnKind.FEATURES: tuple[SerpFeatureCode, ...],
}

_S, _I, _F = ColumnKind.STR, ColumnKind.INT, ColumnKind.FLOAT

_TABLE: Final[list[tuple[str, str, ColumnKind, str]]] = [
    ("Ph", "keyword", _S, "Keyword"),
    ("Po", "position", _I, "Position"),
    ("Pp", "previous_position", _I, "Previous Position"),
    ("Pd", "position_difference", _I, "Position Difference"),
    ("Pt", "position_type", _I, "Position type"),
    ("Nq", "search_volume", _I, "Search Volume"),
    ("Cp", "cpc", _F, "CPC"),
    ("Co", "competition", _F, "Competition"),
    ("Nr", "results", _I, "Number of Results"),
    ("Td", "trends", ColumnKind.FLOATS, "Trends"),
    ("Kd", "keyword_difficulty", _F, "Keyword Difficulty Index"),
    ("In", "intents", ColumnKind.INTENTS, "Intents"),
    ("Fk", "keyword_serp_features", ColumnKind.FEATURES, "Keywords SERP Features"),
    ("Fp", "serp_features", ColumnKind.FEATURES, "SERP Features"),
    ("Fl", "serp_features_legacy", _S, "SERP Features"),
    ("Ur", "url", _S, "Url"),
    ("Vu", "visible_url", _S, "Visible Url"),
    ("Tr", "traffic_share", _F, "Traffic (%)"),
    ("Tc", "traffic_cost_share", _F, "Traffic Cost (%)"),
    ("Tg", "traffic", _I, "Traffic"),
    ("Ts", "timestamp", ColumnKind.TIMESTAMP, "Timestamp"),
    ("Dt", "date", ColumnKind.DATE, "Date"),
    ("Db", "database", _S, "Database"),
    ("Dn", "domain", _S, "Domain"),
    ("Rk", "rank", _I, "Rank"),
    ("Or", "organic_keywords", _I, "Organic Keywords"),
    ("Ot", "organic_traffic", _I, "Organic Traffic"),
    ("Oc", "organic_cost", _I, "Organic Cost"),
    ("Ad", "adwords_keywords", _I, "Adwords Keywords"),
    ("At", "adwords_traffic", _I, "Adwords Traffic"),
    ("Ac", "adwords_cost", _I, "Adwords Cost"),
    ("Sh", "pla_keywords", _I, "PLA keywords"),
    ("Sv", "pla_uniques", _I, "PLA uniques"),
    ("On", "organic_positions_new", _I, "Organic Positions New"),
    ("Ol", "organic_positions_lost", _I, "Organic Positions Lost"),
    ("Oe", "organic_positions_improved", _I, "Organic Positions Improved"),
    ("Oi", "organic_positions_declined", _I, "Organic Positions Declined"),
    ("Om", "organic_keywords_difference", _I, "Organic Keywords Difference"),
    ("Tm", "organic_traffic_difference", _I, "Organic Traffic Difference"),
    ("Um", "organic_cost_difference", _I, "Organic Cost Difference"),
    ("Am", "adwords_keywords_difference", _I, "Adwords Keywords Difference"),
    ("Bm", "adwords_traffic_difference", _I, "Adwords Traffic Difference"),
    ("Cm", "adwords_cost_difference", _I, "Adwords Cost Difference"),
    ("Sr", "serp_features_positions", _I, "SERP Features Positions"),
    ("Srb", "serp_features_positions_branded", _I, "SERP Features Positions Branded"),
    ("Srn", "serp_features_positions_new", _I, "SERP Features Positions New"),
    ("Srl", "serp_features_positions_lost", _I, "SERP Features Positions Lost"),
    ("Srm", "serp_features_positions_difference", _I, "SERP Features Positions Difference"),
    ("St", "serp_features_traffic", _I, "SERP Features Traffic"),
    ("Stb", "serp_features_traffic_branded", _I, "SERP Features Traffic Branded"),
    ("Stm", "serp_features_traffic_difference", _I, "SERP Features Traffic Difference"),
    ("Sc", "serp_features_traffic_cost", _I, "SERP Features Traffic Cost"),
    ("Scm", "serp_features_traffic_cost_difference", _I, "SERP Features Traffic Cost Difference"),
    ("Np", "common_keywords", _I, "Common Keywords"),
    ("Cr", "competitor_relevance", _F, "Competitor Relevance"),
    ("Rr", "related_relevance", _F, "Related Relevance"),
    ("Pc", "keywords_count", _I, "Number of Keywords"),
    ("Ab", "adwords_block", _S, "Adwords Block"),
    ("Tt", "title", _S, "Title"),
    ("Ds", "description", _S, "Description"),
    ("Un", "ad_id", _S, "Ad id"),
    ("Cv", "coverage", _I, "Coverage"),
    ("Sn", "shop_name", _S, "Shop Name"),
    ("Pr", "product_price", _F, "Product Price"),
]
# Per-intent positions / traffic / cost (u = unknown, 0..3 = the intent codes).
for _prefix, _what, _head in (("Ip", "positions", "Positions"), ("It", "traffic", "Traffic")):
    for _suffix, _intent in (
        ("u", "unknown"),
        *((str(i.value), i.name.lower()) for i in IntentCode),
    ):
        _TABLE.append(
            (
                f"{_prefix}{_suffix}",
                f"intent_{_intent}_{_what}",
                _I,
                f"Intent {_intent.title()} {_head}",
            )
        )
for _suffix, _intent in (("u", "unknown"), *((str(i.value), i.name.lower()) for i in IntentCode)):
    # §6: "Intent ... Traffic Cost" (the header the sandbox states too).
    _TABLE.append(
        (
            f"Ic{_suffix}",
            f"intent_{_intent}_traffic_cost",
            _I,
            f"Intent {_intent.title()} Traffic Cost",
        )
    )
# Position distribution buckets X0..X9, XA: 1-3, 4-10, 11-20, ... 91-100.
_BUCKETS: Final = ((1, 3), (4, 10), *((10 * k + 1, 10 * k + 10) for k in range(1, 10)))
for _k, (_lo, _hi) in enumerate(_BUCKETS):
    _code = f"X{'0123456789A'[_k]}"
    _TABLE.append((_code, f"positions_{_lo}_{_hi}", _I, _code))
# domain_domains: one position per compared domain; the header is the domain name.
for _k in range(5):
    _TABLE.append((f"P{_k}", f"position_{_k}", _I, f"P{_k}"))
# Per-feature counts: FKn keywords triggering feature n, FPn positions of the domain in it.
# Exact header text not documented (§11): the code stands in.
for _f in SerpFeatureCode:
    _TABLE.append((f"FK{_f.value}", f"keywords_with_{_f.name.lower()}", _I, f"FK{_f.value}"))
for _n in DOMAIN_SERP_FEATURES:
    _TABLE.append((f"FP{_n}", f"positions_in_{SerpFeatureCode(_n).name.lower()}", _I, f"FP{_n}"))

#: Every documented column code (Analytics v3 reports at the API root).
COLUMNS: Final[Mapping[str, Column]] = {c: Column(c, f, k, h) for c, f, k, h in _TABLE}

# --- cell conversion: the one converter set --------------------------------------------
#
# Every v3 row class is decoded by these, a whole column at a time: the generated root
# report rows by their column kind, the hand-written Backlinks rows by their fields'
# types (:func:`converter_for`).

_NONE: Final = itertools.repeat(None)
_BOOLS: Final = {"true": True, "false": False}


def _ints(col: Sequence[str]) -> list[int | None]:
    try:
        return list(map(int, col))
    except ValueError:  # an empty value somewhere (a bad one raises again below)
        return [int(v) if v else None for v in col]


# Most counts (positions, Authority Scores, response codes, link counts) are small: a
# dict lookup is about twice as fast as int() on a string.
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


def _date(v: str) -> date | None:
    if not v:
        return None
    v = v.strip()
    if v[4:5] == "-":  # ISO: YYYY-MM-DD
        return date.fromisoformat(v[:10])
    if len(v) == 6:  # phrase_all: YYYYMM
        return date(int(v[:4]), int(v[4:]), 1)
    return date(int(v[:4]), int(v[4:6]), int(v[6:8]))


def _dates(col: Sequence[str]) -> list[date | None]:
    return _memo(col, _date)


def _memo(col: Sequence[str], convert: Callable[[str], Any]) -> list[Any]:
    """``convert`` each cell, once per distinct text (dates, enums and list cells
    repeat down a column: a dict lookup is several times cheaper than converting)."""
    seen: dict[str, Any] = {}
    get = seen.get
    out: list[Any] = []
    app = out.append
    for v in col:
        hit = get(v, _MISSING)
        if hit is _MISSING:
            hit = seen[v] = convert(v)
        app(hit)
    return out


_MISSING: Final = object()


def _float_tuple(v: str) -> tuple[float, ...] | None:
    return tuple(map(float, v.split(","))) if v else None


# Trend values are interest shares with two decimals ("0.81,1.00,..."): a dict lookup
# is about twice as fast as float() on a string (as the small-int table).
_TREND_VALUES: Final[Mapping[str, float]] = {
    **{f"{i / 100:g}": i / 100 for i in range(101)},
    **{f"{i / 100:.2f}": i / 100 for i in range(101)},
}


_TREND_VALUE: Final = _TREND_VALUES.__getitem__
_COMMA: Final = itertools.repeat(",")


def _trends(col: Sequence[str]) -> Sequence[tuple[float, ...] | None]:
    """A trend column: one joined split for the whole column, the values from the
    table, and the tuples cut by ``zip`` (no Python code runs per cell). A column
    whose cells differ in length, or with a value off the table (or an empty cell),
    is converted cell by cell; the values are the same objects either way."""
    if not col:
        return []
    if len(set(map(str.count, col, _COMMA))) == 1:
        try:
            values = iter(list(map(_TREND_VALUE, ",".join(col).split(","))))
        except KeyError:
            pass
        else:
            return list(zip(*[values] * (col[0].count(",") + 1), strict=True))
    return _trend_cells(col)


def _trend_cells(col: Sequence[str]) -> Sequence[tuple[float, ...] | None]:
    get = _TREND_VALUES.get
    looked_up: list[tuple[Any, ...]] = [tuple(map(get, v.split(","))) for v in col]
    if not any(map(operator.contains, looked_up, _NONE)):
        return looked_up
    # Some value missed the table (or a cell is empty): convert those cells fully.
    return [_float_tuple(v) if None in t else t for t, v in zip(looked_up, col, strict=True)]


def _trend_cell(v: str) -> tuple[float, ...] | None:
    """One trend cell, as :func:`_trend_cells` converts it (the same value objects)."""
    try:
        return tuple(map(_TREND_VALUE, v.split(",")))
    except KeyError:  # a value off the table (or an empty cell)
        return _trend_cells((v,))[0]


# Cells of this shape, once each digit reads "0", always convert (two-decimal values:
# ``float`` takes them all), so converting them later cannot raise.
_DIGIT_SHAPE: Final = str.maketrans("123456789", "000000000")


def _deferred_trends(col: Sequence[str]) -> Sequence[Any]:
    """A trend column left as its raw cells, to be converted on first read (by
    :func:`_trend_cell`), when every cell holds the same number of two-decimal values
    (``0.81,1.00,...``): one join, one ``translate`` and one comparison of the whole
    column, no Python code per cell. Any other column is converted now (an error is
    raised now, as before)."""
    if not col:
        return []
    shape = ",".join(["0.00"] * (col[0].count(",") + 1)) + "\n"
    joined = "\n".join(col) + "\n"
    # A newline inside a cell would shift the cells: the comparison refuses it.
    if joined.translate(_DIGIT_SHAPE) == shape * len(col):
        return col
    return _trends(col)


def _text_list(v: str) -> tuple[str, ...]:
    # A list cell: names joined by "," or ";" (sources differ; names hold neither).
    return tuple(filter(None, v.replace(";", ",").split(",")))


def _text_lists(col: Sequence[str]) -> list[tuple[str, ...]]:
    return _memo(col, _text_list)


def _enum_lists(cls: type[_Tolerant]) -> Callable[[Sequence[str]], list[Any]]:
    cache: dict[str, tuple[Any, ...]] = {"": ()}

    def one(v: str) -> tuple[Any, ...]:
        hit = cache.get(v)
        if hit is None:
            hit = tuple(cls(int(x)) for x in v.split(",") if x.strip())
            if len(cache) < 4096:
                cache[v] = hit
        return hit

    def convert(col: Sequence[str]) -> list[Any]:
        return list(map(one, col))

    return convert


def _str_enums(cls: type[enum.Enum]) -> Callable[[Sequence[str]], list[Any]]:
    def one(v: str) -> Any:
        return cls(v) if v else None

    def convert(col: Sequence[str]) -> list[Any]:
        return _memo(col, one)

    return convert


Converter = Callable[[Sequence[str]], Sequence[Any]]

#: Cell type -> a new converter for one column (an int column keeps state: whether the
#: small-number table pays off).
_BY_TYPE: Final[Mapping[Any, Callable[[], Converter]]] = {
    int: _IntColumn,
    float: lambda: _floats,
    bool: lambda: _bools,
    datetime: lambda: _stamps,
    date: lambda: _dates,
    tuple[float, ...]: lambda: _trends,
    tuple[str, ...]: lambda: _text_lists,
    tuple[IntentCode, ...]: lambda: _enum_lists(IntentCode),
    tuple[SerpFeatureCode, ...]: lambda: _enum_lists(SerpFeatureCode),
}


#: Column kinds whose fields generated rows convert on first read. Only ``Td``: its
#: conversion was a third of a ``domain_organic`` parse, and most callers never read
#: it. ``In``/``Fk``/``Fp`` cost one dict lookup per cell (a cache of whole cells),
#: no more than keeping them raw; dates repeat down a column (cached the same way).
_LAZY_KINDS: Final[Mapping[ColumnKind, tuple[Callable[[str], Any], Converter, Converter]]] = {
    ColumnKind.FLOATS: (_trend_cell, _trends, _deferred_trends),
}

_T = TypeVar("_T")


def lazy_columns(*codes: str) -> Callable[[type[_T]], type[_T]]:
    """Class decorator of a slotted row class: the fields of column ``codes`` (lazy
    kinds only, see :attr:`Column.lazy`) are converted on first read. The decoder then
    stores their raw cells (when the whole column will convert without error); the
    value a reader gets, and when an error is raised, do not change."""

    cols = [COLUMNS[code] for code in codes]
    for col in cols:
        if not col.lazy:
            raise ValueError(f"column {col.code} ({col.kind.name}) is not converted lazily")

    def install(cls: type[_T]) -> type[_T]:
        for col in cols:
            cell, eager, deferring = _LAZY_KINDS[col.kind]
            member = cls.__dict__.get(col.field)
            setattr(cls, col.field, Deferred(member, cell, eager, deferring))
        return cls

    return install


def converter_for(tp: Any) -> Converter | None:
    """A new column-at-a-time converter for cells of type ``tp`` (``int``, ``float``,
    ``bool``, ``datetime`` from a unix time, ``date``, the tuple kinds, or a string enum);
    None for ``str`` (cells stay as they are: an empty text is ``""``)."""
    if tp is str:
        return None
    make = _BY_TYPE.get(tp)
    if make is not None:
        return make()
    if isinstance(tp, type) and issubclass(tp, enum.Enum) and issubclass(tp, str):
        return _str_enums(tp)
    raise TypeError(f"no v3 column converter for cells of type {tp!r}")


def converter(kind: ColumnKind) -> Converter | None:
    """The column-at-a-time converter for ``kind`` (None: keep the strings)."""
    return converter_for(_PYTHON_TYPES[kind])
