"""``ReportSpec``: one row of a report table, plus the family defaults and pricing.

A report family (Backlinks at ``/analytics/v1/``; overview, domain, keyword,
subdomain, subfolder and URL reports at the API root ``/``) differs only in data:
base path, target parameter, database rule, paging, date support, columns, sorts,
filter fields, price, row class and the shape of its method. Everything that acts
on a report (validation, query building, paging, decoding, the methods) reads these
fields; nothing is coded per report, and the engine imports no family: each family
hands its table to the client, which binds it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal

import attrs

from semrush_async._core.price import Price

__all__ = [
    "DbRule",
    "EncodeTarget",
    "ReportSpec",
    "Returns",
    "both_ways",
    "column_codes",
    "is_historical",
]


class DbRule(enum.Enum):
    """Whether a report takes ``database``."""

    NONE = "none"
    REQUIRED = "required"
    #: Omitted: every database the account can see (one row per database).
    OPTIONAL = "optional"


#: What a report's method returns: a Pager of its rows, the list of its rows (one
#: request, awaited), or its first row or None (one request, awaited).
Returns = Literal["pager", "list", "first"]
#: Turns a list-valued target (the entries given) into the parameter's value and the
#: keys of the rows' computed mapping; raises ValidationError naming each bad entry.
EncodeTarget = Callable[[Any], tuple[str, tuple[str, ...]]]
#: A row class (``ReportSpec`` has a field named ``type``).
RowClass = type[Any]


def _frozen_map(value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return dict(value)


@attrs.frozen(slots=True)
class ReportSpec:
    """One report type: a row of its family's table (every default is neutral; each
    family's table says its path, target shape and prices)."""

    type: str
    #: The method name on its resource (``client.backlinks.refdomains``).
    method: str
    #: Every column code the report can return.
    columns: tuple[str, ...]
    sorts: tuple[str, ...] = ()
    default_sort: str | None = None
    filters: tuple[str, ...] = ()
    #: Takes display_limit/display_offset (list report).
    paged: bool = True
    #: Takes display_offset (Backlinks' historical report takes a limit only).
    offset: bool = True
    multi_target: bool = False
    #: The ``target_type`` values a ``target`` + ``target_type`` report takes.
    target_types: tuple[str, ...] = ()
    max_targets: int = 1
    #: No export_columns parameter (ascore_profile returns fixed columns).
    fixed_columns: bool = False
    # --- family fields -----------------------------------------------------------------
    #: The family's name (``client.<family>``'s group, the docs' section).
    family: str = attrs.field(kw_only=True)
    title: str = attrs.field(default="", kw_only=True)
    #: The path the family's reports are served at.
    path: str = attrs.field(kw_only=True)
    #: The target parameter as the docs name it; ``"target"`` is Backlinks'
    #: ``target`` + ``target_type`` pair; None: no target (``rank``).
    target: str | None = attrs.field(default="target", kw_only=True)
    database: DbRule = attrs.field(default=DbRule.NONE, kw_only=True)
    #: Keyword report: mobile and -ext databases are refused.
    keyword_db: bool = attrs.field(default=False, kw_only=True)
    #: Columns sent when the caller names none (empty: all of ``columns``).
    default_columns: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    #: Takes ``display_date`` (monthly ``YYYYMM15``).
    dated: bool = attrs.field(default=False, kw_only=True)
    #: ``display_date`` may also be a day (``YYYYMMDD``).
    daily_dates: bool = attrs.field(default=False, kw_only=True)
    #: Documented extra parameters -> allowed values.
    options: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, converter=_frozen_map, kw_only=True, eq=False
    )
    units: int = attrs.field(default=40, kw_only=True)
    per_line: bool = attrs.field(default=True, kw_only=True)
    #: Units per line for a ``display_date`` in the past (None: one price for all dates).
    historical_units: int | None = attrs.field(default=None, kw_only=True)
    #: Takes ``export_escape=1`` (every value quoted).
    escape: bool = attrs.field(default=False, kw_only=True)
    #: Several keywords in one ``phrase``, separated by ``;``.
    max_phrases: int = attrs.field(default=1, kw_only=True)
    #: Rows one request of an unpaged report returns at most (reservation size); 0:
    #: one per target.
    rows_per_request: int = attrs.field(default=0, kw_only=True)
    #: Largest ``display_limit`` (an end index: offset + rows).
    max_end: int = attrs.field(default=1_000_000, kw_only=True)
    #: Most rows one request may ask for.
    max_page: int = attrs.field(default=1_000_000, kw_only=True)
    #: A hand-written row class whose fields are named as the header's cells (the
    #: Backlinks rows); None: a class generated from the column registry.
    row: RowClass | None = attrs.field(default=None, kw_only=True)
    #: The module that finds this report's generated row class by name (for pickle).
    rows_module: str = attrs.field(default="", kw_only=True)
    #: What the report's method returns (see :data:`Returns`).
    returns: Returns = attrs.field(default="pager", kw_only=True)
    #: A list-valued target (``domain_domains``' domains; see :data:`EncodeTarget`). A
    #: harvest target lists its entries separated by commas.
    encode_target: EncodeTarget | None = attrs.field(default=None, kw_only=True, eq=False)

    @property
    def price(self) -> Price:
        """The live price."""
        return Price(self.units, self.per_line)

    @property
    def historical_price(self) -> Price:
        return Price(self.historical_units or self.units, self.per_line)

    def price_for(self, display_date: date | None, today: date | None = None) -> Price:
        """The price of a request for ``display_date`` (historical when in the past)."""
        if display_date is not None and is_historical(display_date, today):
            return self.historical_price
        return self.price

    @property
    def export_columns(self) -> tuple[str, ...]:
        return self.default_columns or self.columns


def is_historical(display_date: date, today: date | None = None) -> bool:
    """A date before the current month asks for a historical snapshot.

    The docs say "any display_date in the past"; monthly snapshots are dated the
    15th, so the current month's snapshot is the live one (an inference).
    """
    today = today or date.today()
    return (display_date.year, display_date.month) < (today.year, today.month)


def both_ways(*cols: str) -> tuple[str, ...]:
    """``col_asc`` and ``col_desc`` for each column."""
    return tuple(f"{c}_{d}" for c in cols for d in ("asc", "desc"))


def column_codes(spec: str) -> tuple[str, ...]:
    """Expand a column list: ``Ip0-3`` -> Ip0..Ip3, ``Xn`` -> X0..XA, ``FKn``/``FPn``
    -> every per-feature code in COLUMNS."""
    from semrush_async.v3.columns import COLUMNS

    out: list[str] = []
    for raw in spec.replace(",", " ").split():
        if raw in ("FKn", "FPn"):
            out += [c for c in COLUMNS if c.startswith(raw[:2]) and c[2:].isdigit()]
        elif raw == "Xn":
            out += [f"X{k}" for k in "0123456789A"]
        elif raw.endswith("0-3"):
            out += [f"{raw[:-3]}{k}" for k in range(4)]
        elif raw == "P0-P4" or raw == "P0-4":
            out += [f"P{k}" for k in range(5)]
        else:
            out.append(raw)
    return tuple(dict.fromkeys(out))
