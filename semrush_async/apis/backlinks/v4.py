"""Backlinks API v4 (``/apis/v4/backlinks/v1/``): the 11 endpoints as data, and their rows.

Every name here that no official page shows is inferred (see
``semrush-v4-backlinks-keywords.md``; most field names come from third-party code
that says it was checked live, [W6W]). They all live in this module, so a correction
is an edit to one table. Decoding ignores unknown fields, so a field Semrush adds
never breaks a call.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from semrush_async._core.price import Price
from semrush_async._core.request_path import Auth
from semrush_async.v4.convert import (
    OpenStrEnum,
    RowDecoder,
    fast_decoder,
    make_converter,
    parse_timestamp,
    structure,
)
from semrush_async.v4.endpoint import Endpoint, limits_of

__all__ = [
    "BACKLINKS_V4",
    "DIRECTIONS",
    "LIMITS",
    "BacklinksV4Spec",
    "Scope",
    "V4Anchor",
    "V4ComparisonRow",
    "V4Competitor",
    "V4Link",
    "V4MatrixRow",
    "V4Overview",
    "V4Page",
    "V4RefDomain",
    "V4RefIp",
    "V4ScoreBucket",
    "V4SummaryRow",
    "converter",
    "history_months",
    "overview_of",
]

BASE_PATH: Final = "/apis/v4/backlinks/v1"
#: [JSK] enforces 1..1000 locally; Semrush's own maximum is "not found".
MAX_PAGE: Final = 1000
#: ``url`` "max 2000 characters" [AE-SKILL], [JSK].
MAX_URL: Final = 2000
DIRECTIONS: Final = ("ASC", "DESC")
#: The earliest month any v4 report takes (keyword metrics: "2012-01" [OFF-KW4]).
FIRST_MONTH: Final = (2012, 1)


def history_months(today: dt.date | None = None) -> int:
    """Months from :data:`FIRST_MONTH` to the current one: the most rows one target's
    monthly history can hold. No source bounds the Backlinks history, and
    ``/comparison`` takes no limit or dates, so this is its worst case (INF)."""
    today = today or dt.datetime.now(dt.UTC).date()
    return (today.year - FIRST_MONTH[0]) * 12 + today.month - FIRST_MONTH[1] + 1


class Scope(OpenStrEnum):
    """What ``url`` names: the root domain with its subdomains, one host, one folder,
    one page [W6W]."""

    ROOT_DOMAIN = "ROOT_DOMAIN"
    SUBDOMAIN = "SUBDOMAIN"
    SUBFOLDER = "SUBFOLDER"
    PAGE = "PAGE"


#: v3 ``target_type`` -> v4 ``scope`` (INF, consistent with every source).
SCOPE_OF_TARGET_TYPE: Final[Mapping[str, Scope]] = {
    "root_domain": Scope.ROOT_DOMAIN,
    "domain": Scope.SUBDOMAIN,
    "url": Scope.PAGE,
}
ALL_SCOPES: Final = frozenset(Scope)
#: [W6W]: summary, comparison and matrix take no SUBFOLDER ([DECL] disagrees for
#: summary); the stricter reading is kept, so nothing is sent that may be refused.
NO_SUBFOLDER: Final = frozenset({Scope.ROOT_DOMAIN, Scope.SUBDOMAIN, Scope.PAGE})


# --- rows ---------------------------------------------------------------------------------
# Every field is optional: ``fields=`` selects a subset, and a field the server leaves
# out is None.


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4Overview:
    """``/overview``: 16 counters of the link profile."""

    score: int | None = None
    backlinks_count: int | None = None
    domains_count: int | None = None
    urls_count: int | None = None
    ips_count: int | None = None
    ip_class_c_count: int | None = None
    follows_count: int | None = None
    nofollows_count: int | None = None
    sponsored_count: int | None = None
    ugc_count: int | None = None
    texts_count: int | None = None
    images_count: int | None = None
    forms_count: int | None = None
    frames_count: int | None = None
    new_count: int | None = None
    lost_count: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4SummaryRow:
    """``/summary``: one month of history (``month_date`` is ``YYYY-MM``)."""

    url: str | None = None
    month_date: str | None = None
    score: int | None = None
    backlinks_count: int | None = None
    domains_count: int | None = None
    follows_count: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4Link:
    """``/links``: one backlink."""

    source_url: str | None = None
    target_url: str | None = None
    source_domain: str | None = None
    anchor: str | None = None
    domain_score: int | None = None
    page_score: int | None = None
    first_seen_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None
    is_nofollow: bool | None = None
    is_sponsored: bool | None = None
    is_ugc: bool | None = None
    is_image: bool | None = None
    is_form: bool | None = None
    is_frame: bool | None = None
    is_new: bool | None = None
    is_lost: bool | None = None
    is_sitewide_main: bool | None = None
    external_links_count: int | None = None
    internal_links_count: int | None = None
    ip_address: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    redirect_url: str | None = None
    lang: str | None = None
    response_code: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4RefDomain:
    """``/ref-domains``: one referring domain."""

    domain: str | None = None
    domain_score: int | None = None
    backlinks_count: int | None = None
    country: str | None = None
    ip_address: str | None = None
    first_seen_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None
    is_follow: bool | None = None
    is_new: bool | None = None
    is_lost: bool | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4RefIp:
    """``/ref-ips``: one referring IP."""

    ip_address: str | None = None
    country: str | None = None
    domains_count: int | None = None
    backlinks_count: int | None = None
    first_seen_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4Page:
    """``/pages``: one page of the target that gets links."""

    source_url: str | None = None
    source_title: str | None = None
    response_code: int | None = None
    backlinks_count: int | None = None
    domains_count: int | None = None
    external_links_count: int | None = None
    internal_links_count: int | None = None
    first_seen_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4Anchor:
    """``/anchors``: one anchor text."""

    anchor: str | None = None
    backlinks_count: int | None = None
    domains_count: int | None = None
    first_seen_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4ScoreBucket:
    """``/score-profile``: referring domains with one domain score (0..100)."""

    domain_score: int | None = None
    domains_count: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4Competitor:
    """``/competitors``: a domain sharing referring domains. ``similarity`` is 0..1
    per [W6W] (v3 gave a percentage; the scale is unconfirmed)."""

    domain: str | None = None
    common_refdomains: int | None = None
    similarity: float | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4ComparisonRow:
    """``/comparison``: one month of one target's history."""

    url: str | None = None
    month_date: str | None = None
    score: int | None = None
    backlinks_count: int | None = None
    domains_count: int | None = None
    follows_count: int | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class V4MatrixRow:
    """``/matrix``: a referring domain; ``backlinks_counts[i]`` is for ``urls[i]``."""

    domain: str | None = None
    domain_score: int | None = None
    ip_address: str | None = None
    country: str | None = None
    matches_count: int | None = None
    backlinks_counts: tuple[int, ...] | None = None


_DATE_ONLY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _seen(value: Any, _: Any = None) -> dt.datetime:
    # first_seen_at/last_seen_at: "string (date or datetime)" [W6W]; a bare date is
    # midnight UTC, a number a unix timestamp (as v3 sent).
    if type(value) is str and len(value) == 20 and value[19] == "Z":
        # The common whole-second form, tested first (two per row of a big page):
        # fromisoformat takes "Z" since 3.11 and is several times faster than the
        # general parser.
        return dt.datetime.fromisoformat(value)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str) and _DATE_ONLY.match(value):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return parse_timestamp(value)


def _make() -> Any:
    c = make_converter()
    c.register_structure_hook(dt.datetime, _seen)
    return c


converter: Final = _make()


def overview_of(data: Any) -> V4Overview:
    """``/overview``'s ``data`` object as a :class:`V4Overview`."""
    return structure(converter, data or {}, V4Overview, "backlinks overview")


_DECODERS: dict[type[Any], RowDecoder[Any]] = {}


def _decoder(model: type[Any]) -> RowDecoder[Any]:
    found = _DECODERS.get(model)
    if found is None:
        found = _DECODERS[model] = fast_decoder(
            model, converter, {dt.datetime: _seen}, f"{model.__name__} row"
        )
    return found


# --- the endpoint table -------------------------------------------------------------------

Target = Literal["url", "domain", "urls"]


@attrs.frozen(slots=True)
class BacklinksV4Spec:
    """One Backlinks v4 endpoint: the parameters it takes, its rows and its price."""

    method: str
    path: str
    model: type[Any]
    #: Units per line or per request (``known=False``: no source publishes it; the v3
    #: price of the same report stands in, and the call is settled from the balance).
    price: Price
    target: Target = "url"
    #: Scopes it takes; None: no ``scope`` parameter.
    scopes: frozenset[Scope] | None = ALL_SCOPES
    max_urls: int = 1
    fields: bool = True
    #: ``limit``/``offset`` paging (False: one response holds everything).
    paged: bool = True
    sort: bool = True
    filter: bool = True
    dates: bool = False
    #: ``data`` is one object, not a list (overview).
    single: bool = False
    default_limit: int = 100
    #: The documented default sort ([W6W] "documented defaults"), for reference.
    default_sort: str | None = None

    @property
    def report(self) -> str:
        """What the unit meter books its calls under (``units.by_report``)."""
        return f"v4.backlinks.{self.method}"

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(
            f"backlinks_v4.{self.method}",
            "GET",
            f"{BASE_PATH}/{self.path}",
            auth=Auth.APIKEY,
            price=self.price,
            report=self.report,
        )

    @property
    def decode(self) -> RowDecoder[Any]:
        """The row decoder of this endpoint (built once per model)."""
        return _decoder(self.model)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in attrs.fields(self.model))


def _spec(method: str, path: str, model: type[Any], price: Price, **kw: Any) -> BacklinksV4Spec:
    return BacklinksV4Spec(method, path, model, price, **kw)


# Prices (semrush-v4-backlinks-keywords.md §3, §5.2): overview 45/request, links
# 45/line, summary and ref-domains 40/line, ref-ips 20/line [REFMD, AE-SKILL]. The
# other six are "not found": the v3 price of the same report stands in (known=False).
_LINE_40: Final = Price(40, per_line=True)
_GUESS_40: Final = Price(40, per_line=True, known=False)

#: The 11 endpoints (semrush-v4-backlinks-keywords.md §3 table).
BACKLINKS_V4: Final[Mapping[str, BacklinksV4Spec]] = {
    s.method: s
    for s in (
        _spec("overview", "overview", V4Overview, Price(45, per_line=False), paged=False,
              sort=False, filter=False, single=True),
        _spec("summary", "summary", V4SummaryRow, _LINE_40, scopes=NO_SUBFOLDER,
              paged=False, sort=False, filter=False, dates=True, default_limit=12),
        _spec("links", "links", V4Link, Price(45, per_line=True)),
        _spec("ref_domains", "ref-domains", V4RefDomain, _LINE_40,
              default_sort="backlinks_count"),
        _spec("ref_ips", "ref-ips", V4RefIp, Price(20, per_line=True),
              default_sort="domains_count"),
        _spec("pages", "pages", V4Page, _GUESS_40, default_sort="domains_count"),
        _spec("anchors", "anchors", V4Anchor, _GUESS_40, default_sort="domains_count"),
        _spec("score_profile", "score-profile", V4ScoreBucket,
              Price(100, per_line=False, known=False), fields=False, paged=False,
              sort=False, filter=False),
        _spec("competitors", "competitors", V4Competitor, _GUESS_40, target="domain",
              scopes=None, filter=False, default_sort="similarity"),
        _spec("comparison", "comparison", V4ComparisonRow, _GUESS_40, target="urls",
              scopes=NO_SUBFOLDER, max_urls=10, paged=False, sort=False, filter=False),
        _spec("matrix", "matrix", V4MatrixRow, _GUESS_40, target="urls",
              scopes=NO_SUBFOLDER, max_urls=6, fields=False),
    )
}  # fmt: skip

#: The published limits of this family's governors, from its rows (the client binds them).
LIMITS: Final = limits_of(s.endpoint for s in BACKLINKS_V4.values())
