"""Keyword API v4 (``/apis/v4/keywords/v1/metrics``): one endpoint, its rules and its row.

The parameters and the price are official [OFF-KW4]; the ``data`` field names come
from four independent implementations that agree (semrush-v4-backlinks-keywords.md
§5.2). Numbers that can exceed 2**53 arrive as digit strings and become ints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import attrs

from semrush_async._core.price import Price
from semrush_async._core.request_path import Auth
from semrush_async.v4.convert import MONTH, OpenStrEnum, make_converter
from semrush_async.v4.endpoint import Endpoint, limits_of

__all__ = [
    "COUNTRIES",
    "LIMITS",
    "METRICS",
    "Intent",
    "KeywordMetrics",
    "SerpFeature",
    "converter",
    "validate_month",
]

#: The 121 supported ``country`` codes [OFF-KW4] (the v3 desktop databases, upper case;
#: the United Kingdom is ``UK``, not ``GB``).
_CODES: Final = """
AF AL DZ AO AR AM AU AT AZ BS BH BD BY BE BZ BO BA BW BR BN BG KH CM CA CV CL CO CR
HR CY CZ CD DK DO EC EG SV EE ET FI FR GE DE GH GR GT GY HT HN HK HU IS IN ID IE IL IT
JM JP JO KZ KW LV LB LY LT LU MG MY MT MU MX MD MN ME MA MZ NA NP NL NZ NI NG NO OM PK
PA PY PE PH PL PT QA RO RU SA SN RS SG SK SI ZA KR ES LK SE CH TW TH TT TN TR UA AE UK
US UY VE VN ZM ZW
"""
COUNTRIES: Final = frozenset(_CODES.split())
#: ``month``: ``YYYY-MM`` from 2012-01 up to the current month [OFF-KW4].
FIRST_MONTH: Final = "2012-01"
MAX_KEYWORD: Final = 255

METRICS: Final = Endpoint(
    "keywords_v4.metrics",
    "GET",
    "/apis/v4/keywords/v1/metrics",
    auth=Auth.APIKEY,
    # 20 units per request [OFF-KW4] (semrush-v4-backlinks-keywords.md §5.2).
    price=Price(20, per_line=False),
    report="v4.keywords.metrics",
)


class Intent(OpenStrEnum):
    """Search intents (seen: COMMERCIAL, INFORMATIONAL; the other two inferred)."""

    COMMERCIAL = "COMMERCIAL"
    INFORMATIONAL = "INFORMATIONAL"
    NAVIGATIONAL = "NAVIGATIONAL"
    TRANSACTIONAL = "TRANSACTIONAL"


class SerpFeature(OpenStrEnum):
    """SERP features seen in responses; the full list is not published."""

    AI_OVERVIEW = "AI_OVERVIEW"
    SITELINKS = "SITELINKS"
    PEOPLE_ALSO_ASK = "PEOPLE_ALSO_ASK"


@attrs.frozen(slots=True, kw_only=True)
class KeywordMetrics:
    """SEO and PPC metrics of one keyword in one country for one month."""

    keyword: str
    country: str
    #: ``YYYY-MM`` the snapshot is from (the server echoes it even when not asked).
    month: str | None = None
    search_volume: int | None = None
    #: As the API sends it: an integer, USD cents per [W6W] (inferred): see ``cpc_usd``.
    cpc: int | None = None
    number_of_results: int | None = None
    #: 0..100 in v4 fixtures (v3's ``Co`` was 0..1).
    competitive_density: float | None = None
    keyword_difficulty: float | None = None
    intents: tuple[Intent, ...] = ()
    serp_features: tuple[SerpFeature, ...] = ()
    #: 12 monthly values, 0..100.
    trends: tuple[float, ...] = ()

    @property
    def cpc_usd(self) -> float | None:
        """``cpc`` in dollars, reading it as cents (inferred from [W6W])."""
        return None if self.cpc is None else self.cpc / 100


def _upper(cls: type[OpenStrEnum]) -> Any:
    # Some fixtures send lower-case intents; the docs show upper case.
    return lambda v, _: cls(str(v).upper())


def _make() -> Any:
    c = make_converter()
    c.register_structure_hook(Intent, _upper(Intent))
    c.register_structure_hook(SerpFeature, _upper(SerpFeature))
    return c


converter: Final = _make()


def validate_month(month: str, today: dt.date | None = None) -> str | None:
    """None if ``month`` is a valid ``YYYY-MM`` in range, else the problem."""
    if not MONTH.match(month):
        return f"month {month!r} is not YYYY-MM"
    now = today or dt.datetime.now(dt.UTC).date()
    if month < FIRST_MONTH or month > f"{now.year:04d}-{now.month:02d}":
        return f"month {month!r} is outside {FIRST_MONTH}..{now.year:04d}-{now.month:02d}"
    return None


#: The published limits of this family's governors, from its rows (the client binds them).
LIMITS: Final = limits_of([METRICS])
