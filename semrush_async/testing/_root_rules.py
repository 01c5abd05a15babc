"""The 46 Analytics v3 reports at the API root (``GET /?type=...``), as the sandbox
states them.

Transcribed from semrush-analytics-v3-reports.md §3 (report tables: target, database,
price live/historical, paging, dates, default and available columns, sorts, filters,
extra parameters), §2.1 (common parameters) and §4 (prices), independently of the
client's tables; ``tests/test_sandbox_rules.py`` checks that the two agree. Column
lists are written as the docs write them (``Ip0-3``, ``Xn``, ``FKn``; see
:func:`~semrush_async.testing._root_columns.expand`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final, Literal

import attrs

from semrush_async.testing._root_columns import expand
from semrush_async.testing._v3 import Price

__all__ = ["ROOT_REPORTS", "DbRule", "RootReport", "is_historical"]

#: Whether a report takes ``database``: "optional" means every database when omitted
#: (§2.1: domain_ranks, phrase_all, subdomain_ranks, subfolder_ranks, url_ranks).
DbRule = Literal["required", "optional"]


def is_historical(when: date, today: date | None = None) -> bool:
    """ "Historical data (any display_date in the past) costs the historical price"
    (§4). Monthly snapshots are dated the 15th, so the current month's is the live
    one (INF)."""
    today = today or date.today()
    return (when.year, when.month) < (today.year, today.month)


@attrs.frozen
class RootReport:
    """What one root report accepts and what it costs."""

    type: str
    #: The target parameter (``domain``, ``domains``, ``phrase``, ``url``,
    #: ``subdomain``, ``subfolder``); None: none (``rank``, ``rank_difference``).
    target: str | None
    database: DbRule
    #: Live and historical units per line (historical None: one price for all dates).
    units: int
    historical_units: int | None
    #: Every available column, and the defaults (when ``export_columns`` is absent).
    columns: tuple[str, ...]
    default_columns: tuple[str, ...]
    #: ``display_sort`` values (``<col>_asc``/``<col>_desc``) and ``display_filter`` fields.
    sorts: frozenset[str]
    filters: frozenset[str]
    default_sort: str | None = None
    #: Takes display_limit/display_offset ("Lim").
    paged: bool = True
    #: Takes ``display_date`` ("Date"): monthly ``YYYYMM15``, or also daily ``YYYYMMDD``.
    dated: bool = True
    daily_dates: bool = False
    #: Keyword report: mobile and -ext databases are refused (§3.3).
    keyword_db: bool = False
    #: Documented extra parameters -> their allowed values.
    options: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    #: Keywords one ``phrase`` may hold, ``;``-separated.
    max_phrases: int = 1
    #: Largest ``display_limit`` (an end index: offset + rows) and rows per call
    #: (§2.1: "max value 4,000,000", "Max returned per call: 100,000").
    max_end: int = 4_000_000
    max_page: int = 100_000

    def price_for(self, when: date | None) -> Price:
        """The per-line price of a request for ``display_date`` ``when``."""
        if when is not None and self.historical_units and is_historical(when):
            return Price(self.historical_units)
        return Price(self.units)


def _r(
    type: str,
    target: str | None,
    price: tuple[int, int | None],
    defaults: str,
    columns: str,
    sorts: str = "",
    filters: str = "",
    *,
    database: DbRule = "required",
    **kw: object,
) -> RootReport:
    """One row of a §3 table, column lists as written there."""
    return RootReport(
        type,
        target,
        database,
        price[0],
        price[1],
        expand(columns),
        expand(defaults),
        frozenset(f"{c}_{d}" for c in sorts.split() for d in ("asc", "desc")),
        frozenset(expand(filters)),
        **kw,  # type: ignore[arg-type]
    )


_POSITIONS: Final = {"display_positions": ("new", "lost", "rise", "fall")}
_POSITIONS_TYPE: Final = {"display_positions_type": ("organic", "all", "serp_features")}
_DAILY: Final = {"display_daily": ("1",)}
#: domain_organic's extra parameters (§3.2), shared by the subdomain and subfolder
#: organic reports ("same sorts/filters/positions params", §3.4).
_ORGANIC_OPTIONS: Final = {**_DAILY, **_POSITIONS, **_POSITIONS_TYPE}
_ORGANIC_COLS: Final = "Ph,Po,Pp,Pd,Nq,Cp,Ur,Tr,Tg,Tc,Co,Nr,Td,Kd,Fp,Fk,Ts,In,Pt"
_ORGANIC_FILTERS: Final = "Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd,Fp,Fk,In,Br"
_ADWORDS_COLS: Final = "Ph,Po,Pp,Pd,Ab,Nq,Cp,Tg,Tr,Tc,Co,Nr,Td,Tt,Ds,Vu,Ur,Ts,Un"
_RANK_COLS: Final = (
    "Dn,Or,Xn,Ot,Oc,Ad,At,Ac,FKn,FPn,Ipu,Ip0-3,Itu,It0-3,Icu,Ic0-3,Sr,Srb,St,Stb,Sc,Srn,Srl,Rk"
)
_HISTORY_COLS: Final = "Or,Xn,Ot,Oc,Ad,At,Ac,Dt,FKn,FPn,Sr,Srb,St,Stb,Sc,Rk"
_UNIQUE_COLS: Final = "Ur,Pc,Tg,Tr,Ipu,Ip0-3,Itu,It0-3,Sr,St"
_UNIQUE_FILTERS: Final = "Ur,Pc,Tg,Tr,Ipu,Ip0-3,Sr,St"


def _section(family: str, prices: Mapping[str, tuple[int, int | None]]) -> list[RootReport]:
    """§3.4/§3.5: the seven subdomain (or subfolder) reports; the tables give their
    columns, and their sorts and filters "as" the domain report of the same shape."""
    f = family
    return [
        _r(f"{f}_rank", f, prices["rank"], "Rk,Or,Ot,Oc,Ad,At,Ac", _RANK_COLS, paged=False),
        _r(f"{f}_ranks", f, prices["ranks"], "Db,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv",
           "Db,Dt,Dn,Or,Ot,Oc,Ad,At,Ac,Sh,Sv,FKn,FPn,Sr,Srb,St,Stb,Sc,Srn,Srl,Rk",
           "or ot oc ad at ac", database="optional"),
        _r(f"{f}_rank_history", f, prices["rank_history"], "Rk,Or,Ot,Oc,Ad,At,Ac,Dt",
           _HISTORY_COLS, "dt", dated=False, options=_DAILY),
        _r(f"{f}_organic", f, prices["organic"], "Ph,Po,Pp,Pd,Nq,Cp,Ur,Tr,Tc,Co,Nr,Td",
           _ORGANIC_COLS, "po tg tr tc nq co kd cp nr ts", _ORGANIC_FILTERS,
           daily_dates=True, options=_ORGANIC_OPTIONS),
        _r(f"{f}_adwords", f, prices["adwords"], "Ph,Po,Pp,Pd,Nq,Cp,Vu,Tr,Tc,Co,Nr,Td",
           _ADWORDS_COLS, "po tg tr tc nq", "Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd,Un",
           options=_POSITIONS),
        _r(f"{f}_organic_unique", f, prices["organic_unique"], "Ur,Pc,Tg,Tr", _UNIQUE_COLS,
           "pc tg tr sr st", _UNIQUE_FILTERS),
        _r(f"{f}_adwords_unique", f, prices["adwords_unique"], "Tt,Ds,Vu,Ur,Pc,Un",
           "Ph,Un,Tt,Ds,Vu,Ur,Pc,Ts", "pc", "Tt,Ds,Vu", dated=False),
    ]  # fmt: skip


_REPORTS: Final = [
    # --- §3.1 overview (target domain, or none) -------------------------------------
    _r("domain_ranks", "domain", (10, 50), "Db,Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv",
       "Db,Dt,Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv,FKn,FPn,Sr,Srb,St,Stb,Sc,Srn,Srl",
       "rk or ot oc ad at ac", database="optional"),
    _r("domain_rank", "domain", (10, 50), "Dn,Rk,Or,Ot,Oc,Ad,At,Ac",
       "Dn,Rk,Or,Xn,Ot,Oc,Ad,At,Ac,FKn,FPn,Ipu,Ip0-3,Itu,It0-3,Icu,Ic0-3,"
       "Sr,Srb,St,Stb,Sc,Srn,Srl", paged=False),
    # "historical-only report": one price; no display_date (display_daily instead).
    _r("domain_rank_history", "domain", (10, None), "Rk,Or,Ot,Oc,Ad,At,Ac,Dt",
       "Rk,Or,Xn,Ot,Oc,Ad,At,Ac,Dt,FKn,FPn,Sr,Srb,St,Stb,Sc", "dt",
       dated=False, options=_DAILY),
    # Available: the defaults' first eight (the table's "...") and Om..Scm.
    _r("rank_difference", None, (20, 100), "Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Tm,Um,Am,Bm,Cm",
       "Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Om,Tm,Um,Am,Bm,Cm,Sr,St,Sc,Srm,Stm,Scm",
       "om tm um am bm cm srm stm scm"),
    _r("rank", None, (10, 50), "Dn,Rk,Or,Ot,Oc,Ad,At,Ac", "Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Sr,St,Sc",
       filters="Or,Ot,Oc,Sr,St,Sc"),
    # --- §3.2 domain (target domain, database required) ------------------------------
    _r("domain_organic", "domain", (10, 50), "Ph,Po,Pp,Pd,Nq,Cp,Ur,Tr,Tc,Co,Nr,Td",
       _ORGANIC_COLS, "po tg tr tc nq co kd cp nr ts", _ORGANIC_FILTERS,
       daily_dates=True, options=_ORGANIC_OPTIONS),
    # "page says max 1,000,000" (§10 #2).
    _r("domain_adwords", "domain", (20, 100), "Ph,Po,Pp,Pd,Nq,Cp,Vu,Tr,Tc,Co,Nr,Td",
       _ADWORDS_COLS, "po tg tr tc nq", "Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd,Un",
       options=_POSITIONS, max_end=1_000_000),
    _r("domain_adwords_unique", "domain", (40, None), "Tt,Ds,Vu,Ur,Pc,Un",
       "Ph,Un,Tt,Ds,Vu,Ur,Pc,Ts", "pc", "Tt,Ds,Vu", dated=False),
    _r("domain_adwords_historical", "domain", (100, None), "Ph,Dt,Po,Cp,Nq,Tr,Ur,Tt,Ds,Vu,Cv",
       "Ph,Dt,Po,Cp,Nq,Tr,Ur,Tt,Ds,Vu,Cv", "cv", "Ph,Nq,Cp,Tr", dated=False),
    _r("domain_organic_organic", "domain", (40, 200), "Dn,Cr,Np,Or,Ot,Oc,Ad",
       "Dn,Cr,Np,Or,Ot,Oc,Ad,Sr,St,Sc", "np cr"),
    _r("domain_adwords_adwords", "domain", (40, 200), "Dn,Cr,Np,Ad,At,Ac,Or",
       "Dn,Cr,Np,Ad,At,Ac,Or", "np cr"),
    # The three PLA reports: display_date "not listed", so refused.
    _r("domain_shopping", "domain", (30, 150), "Ph,Po,Pp,Pd,Nq,Sn,Ur,Tt,Pr,Ts",
       "Ph,Po,Pp,Pd,Nq,Sn,Ur,Tt,Pr,Ts", "po nq pr", "Ph,Po,Nq,Ur,Tt,Pr", dated=False),
    _r("domain_shopping_unique", "domain", (60, 300), "Tt,Pr,Ur,Pc,Un", "Tt,Pr,Ur,Pc,Un,Ts",
       "pr pc", "Tt,Pr", dated=False),
    _r("domain_shopping_shopping", "domain", (60, 300), "Dn,Cr,Np,Ad,At,Ac,Or,Sh",
       "Dn,Cr,Np,Sh,Ad,At,Ac,Or", "np cr", dated=False),
    _r("domain_organic_unique", "domain", (10, 50), "Ur,Pc,Tg,Tr", _UNIQUE_COLS,
       "pc tg tr sr st", _UNIQUE_FILTERS, default_sort="tr_desc"),
    _r("domain_organic_subdomains", "domain", (10, 50), "Ur,Pc,Tg,Tr", "Ur,Pc,Tg,Tr,Sr,St",
       "pc tg tr sr st"),
    # Target parameter "domains": <sign>|<type>|<domain> entries, 1 to 5 domains.
    _r("domain_domains", "domains", (80, 400), "Ph,P0,P1,P2,P3,P4,Nr,Cp,Nq,Kd,Co,Td",
       "Ph,P0,P1,P2,P3,P4,Nr,Cp,Nq,Kd,Co,Td", "p0 p1 p2 p3 p4 nq co cp nr",
       "Ph,P0-P4,Nq,Cp,Co,Nr,Kd"),
    # --- §3.3 keyword (target phrase; no mobile or -ext databases) -------------------
    _r("phrase_this", "phrase", (10, 50), "Ph,Nq,Cp,Co,Nr", "Ph,Nq,Cp,Co,Nr,Td,In,Kd",
       paged=False, keyword_db=True),
    _r("phrase_all", "phrase", (10, None), "Dt,Db,Ph,Nq,Cp,Co", "Dt,Db,Ph,Nq,Cp,Co,Nr,In,Kd",
       database="optional", paged=False, dated=False, keyword_db=True),
    _r("phrase_these", "phrase", (10, 50), "Ph,Nq,Cp,Co,Nr,Td", "Ph,Nq,Cp,Co,Nr,Td,In,Kd",
       paged=False, keyword_db=True, max_phrases=100),
    _r("phrase_kdi", "phrase", (50, None), "Ph,Kd", "Ph,Kd",
       paged=False, dated=False, keyword_db=True, max_phrases=100),
    # The docs list these defaults as Ph,Nr,Cp,Co,Nq,...; the example header reads
    # "Keyword;Search Volume;CPC;..." (§3.3 note): answered in the header's order (INF).
    _r("phrase_related", "phrase", (40, None), "Ph,Nq,Cp,Co,Nr,Td,Rr",
       "Ph,Nq,Cp,Co,Nr,Td,Rr,Fk,In,Kd", "nq cp co nr rr kd", "Ph,Nq,Cp,Co,Nr,Wc,Fk,Kd",
       dated=False, keyword_db=True),
    _r("phrase_fullsearch", "phrase", (20, None), "Ph,Nq,Cp,Co,Nr,Td",
       "Ph,Nq,Cp,Co,Nr,Td,Fk,In,Kd", "nq cp co nr kd", "Ph,Nq,Cp,Co,Nr,Wc,Fk,Kd",
       dated=False, keyword_db=True),
    _r("phrase_questions", "phrase", (40, None), "Ph,Nq,Cp,Co,Nr,Td",
       "Ph,Nq,Cp,Co,Nr,Td,In,Kd", "nq cp co nr kd", "Ph,Nq,Cp,Co,Nr,Kd",
       dated=False, keyword_db=True),
    _r("phrase_organic", "phrase", (10, 50), "Dn,Ur,Fk", "Po,Pt,Dn,Ur,Fk,Fp,Fl",
       keyword_db=True, options={"positions_type": ("organic", "all")}),
    _r("phrase_adwords", "phrase", (20, 100), "Dn,Vu", "Dn,Ur,Vu", keyword_db=True),
    _r("phrase_adwords_historical", "phrase", (100, None), "Dn,Ad,At,Ac,Dt,Po,Ur,Tt,Vu",
       "Dn,Dt,Po,Ur,Tt,Ds,Vu,At,Ac,Ad", dated=False, keyword_db=True),
    # --- §3.4 subdomain, §3.5 subfolder ----------------------------------------------
    # "subdomain_rank: no hist price listed" (§10 #4).
    *_section("subdomain", {
        "rank": (10, None), "ranks": (10, 50), "rank_history": (10, None),
        "organic": (10, 50), "adwords": (20, 100), "organic_unique": (10, 50),
        "adwords_unique": (40, None),
    }),
    *_section("subfolder", {
        "rank": (10, 50), "ranks": (10, 50), "rank_history": (10, None),
        "organic": (10, 50), "adwords": (20, 100), "organic_unique": (10, 50),
        "adwords_unique": (40, None),
    }),
    # --- §3.6 URL (target url) -------------------------------------------------------
    _r("url_rank", "url", (10, 50), "Rk,Or,Ot,Oc,Ad,At,Ac", _RANK_COLS, paged=False),
    _r("url_ranks", "url", (10, 50), "Db,Rk,Dn,Or,Ot,Oc,Ad,At,Ac,Sh,Sv",
       "Db,Dt,Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv,FKn,FPn,Sr,Srb,St,Stb,Sc,Srn,Srl",
       "rk or ot oc ad at ac", database="optional"),
    _r("url_rank_history", "url", (10, None), "Rk,Or,Ot,Oc,Ad,At,Ac,Dt", _HISTORY_COLS, "dt",
       dated=False, options=_DAILY),
    _r("url_organic", "url", (10, 50), "Ph,Po,Nq,Cp,Co,Tr,Tc,Nr,Td,Fp,Ts",
       "Ph,Po,Pp,Nq,Cp,Co,Kd,Tr,Tg,Tc,Nr,Td,Fp,Fk,Ts,In,Pt", "po tg tr tc nq",
       _ORGANIC_FILTERS, options=_POSITIONS_TYPE),
    _r("url_adwords", "url", (20, 100), "Ph,Po,Nq,Cp,Co,Tr,Tc,Nr,Td,Tt,Ds",
       "Ph,Po,Nq,Cp,Co,Tg,Tr,Tc,Nr,Td,Tt,Ds,Ts", "po tg tr tc nq",
       "Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd"),
]  # fmt: skip

#: §3.7: 5 overview + 12 domain + 10 keyword + 7 subdomain + 7 subfolder + 5 URL.
ROOT_REPORTS: Final[Mapping[str, RootReport]] = {r.type: r for r in _REPORTS}
assert len(ROOT_REPORTS) == 46
