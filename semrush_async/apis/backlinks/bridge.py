"""Run v3 Backlinks report calls on Backlinks API v4, returning the v3 row classes.

``SemrushClient(backlinks_api="v4")`` makes :class:`BridgeSource` the source of every
Backlinks report: ``client.backlinks.<report>(...)``, ``client.analytics.report``
and both harvests, checkpoint included. The mapping (semrush-v4-backlinks-keywords.md
§4, §4.1) is data: one :class:`Bridge` per v3 report naming the v4 endpoint and, per
v3 field, the v4 field it comes from, and the report's v3 default order, which is
sent explicitly (v4's own defaults differ). A v3 column with no v4 field comes back
None; tld and geo are derived by grouping ``/ref-domains``; categories reports raise
NotAvailableInV4.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import warnings
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final

import attrs

from semrush_async._core.pages import PAGE_END, PageEnd, PageEvent, PageIn, RawBatch
from semrush_async._core.units import Reservation, UnitMeter
from semrush_async.apis.backlinks import rows as m
from semrush_async.apis.backlinks.v4 import (
    BACKLINKS_V4,
    MAX_PAGE,
    SCOPE_OF_TARGET_TYPE,
    overview_of,
)
from semrush_async.errors import BudgetExceeded, NotAvailableInV4, UnboundedCostWarning
from semrush_async.pagination import Pager
from semrush_async.v3.pager import check_paging
from semrush_async.v3.source import ReportSource

if TYPE_CHECKING:
    from semrush_async.apis.backlinks.v4_resource import BacklinksV4Resource
    from semrush_async.v3.query import ReportQuery

__all__ = ["BRIDGES", "NOT_IN_V4", "Bridge", "BridgeSource"]

Convert = Callable[[Any], Any]


def _month(value: str | None) -> dt.datetime | None:
    # v4 summary months are "YYYY-MM"; v3 historical gave a timestamp in the month.
    if value is None:
        return None
    return dt.datetime.strptime(value + "-01", "%Y-%m-%d").replace(tzinfo=dt.UTC)


def _percent(value: float | None) -> int | None:
    # v4 similarity is 0..1 [W6W]; v3 gave a whole percentage.
    return None if value is None else round(value * 100)


@attrs.frozen(slots=True)
class Bridge:
    """How one v3 report is answered from v4."""

    v4: str
    row: type[Any]
    #: v3 field -> v4 field, or (v4 field, conversion).
    fields: Mapping[str, str | tuple[str, Convert]]
    #: The v3 report's default order as ``<v3 column>_<asc|desc>`` (None: none stated),
    #: and where that comes from. Sent as ``order_by``/``direction`` when the caller
    #: gives no sort (v4's own defaults differ: ``domains_count`` for anchors and
    #: pages [W6W]); an endpoint that takes no ``order_by`` answers in one response,
    #: which is sorted here.
    order: str | None = None
    source: str = ""

    def v4_field(self, v3: str) -> str | None:
        f = self.fields.get(v3)
        return f if isinstance(f, str) or f is None else f[0]

    def convert(self, item: Any) -> Any:
        values: dict[str, Any] = {}
        for v3, src in self.fields.items():
            if isinstance(src, str):
                values[v3] = getattr(item, src)
            else:
                values[v3] = src[1](getattr(item, src[0]))
        return self.row(**values)


_SEEN: Final = {"first_seen": "first_seen_at", "last_seen": "last_seen_at"}
#: Where the default orders come from: the v3 Backlinks reference
#: (semrush-analytics-backlinks.txt), quoted.
_V3: Final = "v3 docs: "

#: v3 report -> its v4 answer (§4 table; INF where the facts file marks it).
BRIDGES: Final[Mapping[str, Bridge]] = {
    "backlinks_overview": Bridge("overview", m.BacklinksOverview, {
        "ascore": "score", "total": "backlinks_count", "domains_num": "domains_count",
        "urls_num": "urls_count", "ips_num": "ips_count", "ipclassc_num": "ip_class_c_count",
        "follows_num": "follows_count", "nofollows_num": "nofollows_count",
        "sponsored_num": "sponsored_count", "ugc_num": "ugc_count", "texts_num": "texts_count",
        "images_num": "images_count", "forms_num": "forms_count",
        "frames_num": "frames_count",
    }, None, "one row"),
    "backlinks": Bridge("links", m.BacklinkRow, {
        "page_ascore": "page_score", "response_code": "response_code",
        "external_num": "external_links_count", "internal_num": "internal_links_count",
        "redirect_url": "redirect_url", "source_url": "source_url", "image_url": "image_url",
        "target_url": "target_url", "anchor": "anchor", "image_alt": "image_alt", **_SEEN,
        "nofollow": "is_nofollow", "form": "is_form", "frame": "is_frame", "image": "is_image",
        "sitewide": "is_sitewide_main", "newlink": "is_new", "lostlink": "is_lost",
    }, "page_ascore_desc", _V3 + "'Default: page_ascore_desc'"),
    "backlinks_refdomains": Bridge("ref_domains", m.RefDomainRow, {
        "domain_ascore": "domain_score", "domain": "domain", "backlinks_num": "backlinks_count",
        "ip": "ip_address", "country": "country", **_SEEN,
    }, "backlinks_num_desc", _V3 + "'Default: backlinks_num_desc'"),
    "backlinks_refips": Bridge("ref_ips", m.RefIpRow, {
        "ip": "ip_address", "country": "country", "domains_num": "domains_count",
        "backlinks_num": "backlinks_count", **_SEEN,
    }, "domains_num_desc", _V3 + "'Default: domains_num_desc'"),
    "backlinks_anchors": Bridge("anchors", m.AnchorRow, {
        "anchor": "anchor", "domains_num": "domains_count", "backlinks_num": "backlinks_count",
        **_SEEN,
    }, "backlinks_num_desc", _V3 + "'Default: backlinks_num_desc'"),
    "backlinks_pages": Bridge("pages", m.IndexedPageRow, {
        "source_url": "source_url", "source_title": "source_title",
        "response_code": "response_code", "backlinks_num": "backlinks_count",
        "domains_num": "domains_count", "last_seen": "last_seen_at",
        "external_num": "external_links_count", "internal_num": "internal_links_count",
    }, "backlinks_num_desc", _V3 + "'Default: backlinks_num_desc'"),
    "backlinks_competitors": Bridge("competitors", m.CompetitorRow, {
        "neighbour": "domain", "similarity": ("similarity", _percent),
        "common_refdomains": "common_refdomains",
    }, "similarity_desc", "INF: v3 states none (no display_sort); its response example "
       "falls by similarity, as v4's default similarity DESC [W6W]"),
    "backlinks_matrix": Bridge("matrix", m.MatrixRow, {
        "domain": "domain", "domain_ascore": "domain_score", "matches_num": "matches_count",
    }, None, "none stated by v3 or v4 (§3): Semrush's own order"),
    "backlinks_ascore_profile": Bridge("score_profile", m.AscoreProfileRow, {
        "ascore": "domain_score", "domains_num": "domains_count",
    }, "ascore_asc", _V3 + "'for each Authority Score value [from 0 to 100]' (the "
       "example runs 0..100)"),
    "backlinks_historical": Bridge("summary", m.HistoricalRow, {
        "date": ("month_date", _month), "backlinks_num": "backlinks_count",
        "domains_num": "domains_count",
    }, "date_desc", _V3 + "'sorted by date in descending order'; v4 /summary's order is "
       "not found (§3.2)"),
    "backlinks_comparison": Bridge("overview", m.ComparisonRow, {
        "ascore": "score", "backlinks_num": "backlinks_count", "domains_num": "domains_count",
        "ips_num": "ips_count", "follows_num": "follows_count",
        "nofollows_num": "nofollows_count", "texts_num": "texts_count",
        "images_num": "images_count", "forms_num": "forms_count",
        "frames_num": "frames_count",
    }, None, "one row per target, in the order given (as v3's example)"),
}  # fmt: skip

#: v3 reports v4 does not cover, and what to do instead.
NOT_IN_V4: Final[Mapping[str, str]] = {
    "backlinks_categories": "no v4 endpoint was found; keep this call on v3 "
    "(backlinks_api='v3') until Semrush publishes one",
    "backlinks_categories_profile": "no v4 endpoint was found; keep this call on v3 "
    "(backlinks_api='v3') until Semrush publishes one",
}


@attrs.frozen(slots=True)
class Grouping:
    """A v3 distribution v4 leaves to the client: ``/ref-domains`` grouped by ``by``."""

    by: str
    row: type[Any]
    #: The default order and its source, as in :class:`Bridge`.
    order: str
    source: str


#: Derived by grouping referring domains (v4 leaves the aggregation to the client).
#: Their cost is every referring domain's line, whatever ``limit`` is (§4.1).
GROUPED: Final[Mapping[str, Grouping]] = {
    "backlinks_tld": Grouping("zone", m.TldRow, "domains_num_desc",
                              _V3 + "'Default: domains_num_desc'"),
    "backlinks_geo": Grouping("country", m.GeoRow, "domains_num_desc",
                              _V3 + "'Default: domains_num_desc'"),
}  # fmt: skip
#: v3 sort codes whose column is spelt differently from the column itself.
_SORT_COLUMNS: Final = {"matchesnum": "matches_num"}


def _order(bridge: Bridge, sort: str | None) -> dict[str, str]:
    if sort is None:
        return {}
    column, _, way = sort.rpartition("_")
    column = _SORT_COLUMNS.get(column, column)
    field = bridge.v4_field(column)
    if field is None:
        raise NotAvailableInV4(
            f"sort {sort!r} has no v4 equivalent (v4 has no field for {column!r}); "
            "sort with client.backlinks_v4 and a v4 field name"
        )
    return {"order_by": field, "direction": way.upper()}


def _sort_rows(rows: list[Any], order: str, tie: str | None = None) -> list[Any]:
    """``rows`` in a v3 order (``<column>_<asc|desc>``); None values last."""
    column, _, way = order.rpartition("_")
    known = [r for r in rows if getattr(r, column) is not None]
    if tie is not None:
        known.sort(key=lambda r: getattr(r, tie))
    known.sort(key=lambda r: getattr(r, column), reverse=way == "desc")
    return known + [r for r in rows if getattr(r, column) is None]


def _fields(bridge: Bridge, columns: Sequence[str] | None, all_columns: Sequence[str]) -> Any:
    if columns is None or tuple(columns) == tuple(all_columns):
        return None  # every v4 field; v3-only columns come back None
    missing = [c for c in columns if bridge.v4_field(c) is None]
    if missing:
        raise NotAvailableInV4(
            f"column(s) {', '.join(missing)} have no Backlinks v4 field; leave them out, "
            "or keep this report on v3 (backlinks_api='v3')"
        )
    return sorted({f for c in columns if (f := bridge.v4_field(c)) is not None})


#: A v4 fetch: the raw pages it walks (``pager``: where requests are counted).
Fetch = Callable[[Pager[Any] | None], AsyncGenerator[PageEvent, None]]
_NO_HEADER: Final[tuple[str, ...]] = ()


class BridgeSource(ReportSource):
    """Backlinks v3 reports answered by Backlinks API v4: a v3
    :class:`~semrush_async.v3.source.ReportSource`, chosen by ``backlinks_api="v4"``.

    Its raw pages are what v4 sent (the JSON items; tld and geo: the groups), so a
    harvest's checkpoint replays them without a request, decoded as the live run did.
    """

    api = "v4"

    def __init__(self, v4: BacklinksV4Resource) -> None:
        self._v4 = v4

    def check(self, query: ReportQuery, *, limit: int | None, offset: int, page_size: int) -> None:
        """Raise if v4 cannot serve ``query`` so (nothing is sent)."""
        check_paging(query.spec, limit, offset, page_size)
        self._plan(query, limit, offset, page_size)

    def pages(
        self,
        query: ReportQuery,
        *,
        offset: int,
        limit: int | None,
        page_size: int,
        seen: int = 0,
        pager: Pager[Any] | None = None,
    ) -> AsyncGenerator[PageEvent, None]:
        """The raw pages of ``query`` on v4 (:mod:`semrush_async._core.pages`). Where
        v4 pages, each of its pages is one (whether it is the last shows when the next
        is asked for: an empty last page then ends the stream)."""
        return self._plan(query, limit, offset, page_size)(pager)

    def decode(self, query: ReportQuery, header: tuple[str, ...], rows: list[Any]) -> list[Any]:
        """The v3 rows of a raw v4 page of ``query``."""
        report = query.spec.type
        if report in GROUPED:
            return _group_rows(GROUPED[report], rows, query.columns)
        bridge = BRIDGES[report]
        if report == "backlinks_comparison":
            return [
                attrs.evolve(bridge.convert(overview_of(d)), target=t, target_type=m.TargetType(tt))
                for d, t, tt in zip(rows, query.targets, query.target_types, strict=False)
            ]
        if report == "backlinks_overview":
            return [bridge.convert(overview_of(d)) for d in rows]
        decode = BACKLINKS_V4[bridge.v4].decode
        if report == "backlinks_matrix":
            targets = query.targets
            return [
                bridge.row(
                    domain=r.domain,
                    domain_ascore=r.domain_score,
                    matches_num=r.matches_count,
                    backlinks=dict(zip(targets, r.backlinks_counts or (), strict=False)),
                )
                for r in map(decode, rows)
            ]
        converted = [bridge.convert(decode(item)) for item in rows]
        if bridge.v4 in _ONE_RESPONSE:
            # An endpoint that takes no order_by answers in one response: v3's order.
            return _sort_rows(converted, bridge.order or "")
        return converted

    def _plan(self, query: ReportQuery, limit: int | None, offset: int, page_size: int) -> Fetch:
        """Everything checked (nothing sent), and how to fetch ``query``'s pages."""
        v4, spec = self._v4, query.spec
        report, targets = spec.type, query.targets
        if report in NOT_IN_V4:
            raise NotAvailableInV4(f"{report}: {NOT_IN_V4[report]}")
        if query.filter is not None:
            raise NotAvailableInV4(
                f"{report}: v3 display_filter conditions do not translate to the v4 filter "
                "language; pass filter='...' to client.backlinks_v4 instead"
            )
        scopes = [str(SCOPE_OF_TARGET_TYPE.get(str(t), t)) for t in query.target_types]
        size = min(page_size, MAX_PAGE)
        if report in GROUPED:
            v4._params(BACKLINKS_V4["overview"], url=targets[0], scope=scopes[0])
            return _grouped(v4, query, scopes[0], limit=limit, offset=offset, size=size)
        bridge = BRIDGES[report]
        # v3's default order, sent explicitly: v4's own default differs (see Bridge.order).
        order: dict[str, Any] = _order(
            bridge, query.sort if query.sort is not None else bridge.order
        )
        fields = _fields(bridge, query.columns, spec.columns)
        v4_spec = BACKLINKS_V4[bridge.v4]
        if report == "backlinks_comparison":
            for t, scope in zip(targets, scopes, strict=False):
                v4._params(v4_spec, url=t, scope=scope)
            return _overviews(v4, targets, scopes, None)
        kw: dict[str, Any] = {}
        if fields is not None and v4_spec.fields:
            kw["fields"] = fields
        if report == "backlinks_overview":
            v4._params(v4_spec, url=targets[0], scope=scopes[0], **kw)
            return _overviews(v4, targets[:1], scopes[:1], kw.get("fields"))
        if v4_spec.target == "urls":
            kw.update(urls=list(targets), scope=scopes[0])
        elif v4_spec.target == "domain":
            kw["domain"] = targets[0]
        else:
            kw.update(url=targets[0], scope=scopes[0])
        if bridge.v4 == "summary":
            # v3 historical is root-domain monthly history; v4 /summary gives it.
            n = limit or MAX_PAGE
            inner = v4._list("summary", limit=n, offset=0, page_size=n, raw=True, **kw)
        elif bridge.v4 == "score_profile":
            inner = v4._list(
                "score_profile", limit=None, offset=0, page_size=MAX_PAGE, raw=True, **kw
            )
        else:
            inner = v4._list(
                bridge.v4, limit=limit, offset=offset, page_size=size, raw=True, **order, **kw
            )
        return _walk(inner, whole=bridge.v4 in _ONE_RESPONSE)


#: v4 endpoints that take no ``order_by`` and answer in one response (sorted here).
_ONE_RESPONSE: Final = frozenset({"summary", "score_profile"})


def _walk(inner: Pager[Any], *, whole: bool) -> Fetch:
    """The raw pages of a v4 pager: each v4 page one (``whole``: all in one)."""

    async def fetch(pager: Pager[Any] | None) -> AsyncGenerator[PageEvent, None]:
        held: list[Any] = []
        async with aclosing(inner.batches()) as batches:
            async for batch in batches:
                if pager is not None:
                    pager.pages = inner.pages
                if whole:
                    held += batch
                    continue
                yield RawBatch(_NO_HEADER, batch)
                yield PageIn(False)
                yield PAGE_END
        if pager is not None:
            pager.pages = inner.pages
        if held:
            yield RawBatch(_NO_HEADER, held)
        yield PageIn(True)
        # A v4 page cut by the unit balance is flagged on the bridged pager too.
        yield PageEnd(inner.units_exhausted)

    return fetch


def _overviews(
    v4: BacklinksV4Resource, targets: Sequence[str], scopes: Sequence[str], fields: Any
) -> Fetch:
    """One ``/overview`` per target, as one page (backlinks_overview; comparison: v3's
    one-snapshot comparison has no v4 report, v4 /comparison is a monthly series, so
    one /overview per target gives its columns (INF, §4.1))."""

    async def fetch(pager: Pager[Any] | None) -> AsyncGenerator[PageEvent, None]:
        out = []
        for target, scope in zip(targets, scopes, strict=False):
            out.append(await v4._overview_data(target, scope, fields))
            if pager is not None:
                pager.pages += 1
        yield RawBatch(_NO_HEADER, out)
        yield PageIn(True)
        yield PAGE_END

    return fetch


def _zone(domain: str) -> str:
    return domain.rstrip(".").rsplit(".", 1)[-1].lower()


def _group_rows(group: Grouping, raw: list[Any], columns: Sequence[str]) -> list[Any]:
    """Rows of a grouped page: its ``[group, domains, backlinks]`` triples."""
    rows = [group.row(**{group.by: g, "domains_num": d, "backlinks_num": n}) for g, d, n in raw]
    # As on v3, a column that was not asked for is None.
    blank = {f.name: None for f in attrs.fields(group.row) if f.name not in columns}
    return [attrs.evolve(r, **blank) for r in rows] if blank else rows


def _grouped(
    v4: BacklinksV4Resource,
    query: ReportQuery,
    scope: str,
    *,
    limit: int | None,
    offset: int,
    size: int,
) -> Fetch:
    """tld / geo: every referring domain, grouped; the page holds the groups.

    Each row of ``/ref-domains`` is paid, so ``limit`` bounds the rows returned, not
    the cost. One ``/overview`` (``domains_count``) learns the worst case first; it
    is checked against (and held in) the unit_budget, announced with an
    :class:`UnboundedCostWarning`, and bounds the read.
    """
    report, target = query.spec.type, query.targets[0]
    group = GROUPED[report]
    line = _LINE
    what = f"{report} for {target} on Backlinks API v4"

    async def fetch(pager: Pager[Any] | None) -> AsyncGenerator[PageEvent, None]:
        n = (await v4.overview(target, scope, fields=["domains_count"])).domains_count
        if pager is not None:
            pager.pages = 1
        worst = None if n is None else line.cost(n)
        hold = _Hold(v4.units)
        domains: collections.Counter[str] = collections.Counter()
        links: collections.Counter[str] = collections.Counter()
        exhausted = False
        try:
            await hold.take(what, n, worst)
            reads = "every referring domain (the overview gave no count)"
            if worst is not None:
                reads = f"all {n:,} referring domains: up to {worst:,} API units"
            warnings.warn(
                UnboundedCostWarning(
                    f"{what} reads {reads} at {line.units} per line; limit= bounds the "
                    "rows returned, not the cost",
                    worst_case=worst,
                ),
                stacklevel=1,
            )
            if n != 0:
                # At most n lines: the cost never exceeds the worst case announced.
                inner = v4.ref_domains(
                    target, scope, fields=["domain", "country", "backlinks_count"], limit=n,
                    page_size=min(size, n or size),
                )  # fmt: skip
                seen = 0
                async with aclosing(inner.batches()) as batches:
                    while True:
                        if n is not None:
                            # Hand the next page its share of the hold just before it
                            # reserves its own; keep the rest for the pages after it.
                            await hold.keep(line.cost(max(0, n - seen - size)))
                        batch = await anext(batches, None)
                        if batch is None:
                            break
                        seen += len(batch)
                        if pager is not None:
                            pager.pages = 1 + inner.pages
                        for r in batch:
                            g = _zone(r.domain or "") if group.by == "zone" else r.country or ""
                            domains[g] += 1
                            links[g] += r.backlinks_count or 0
                exhausted = inner.units_exhausted
        finally:
            hold.release()
        rows = [group.row(**{group.by: g, "domains_num": domains[g], "backlinks_num": links[g]})
                for g in domains]  # fmt: skip
        rows = _sort_rows(rows, query.sort or group.order, tie=group.by)
        rows = rows[offset:] if limit is None else rows[offset : offset + limit]
        if rows:
            yield RawBatch(_NO_HEADER, [[getattr(r, group.by), r.domains_num, r.backlinks_num]
                                        for r in rows])  # fmt: skip
        yield PageIn(True)
        yield PageEnd(exhausted)

    return fetch


_REF_DOMAINS: Final = "v4.backlinks.ref_domains"
#: What one referring domain read for tld/geo costs.
_LINE: Final = BACKLINKS_V4["ref_domains"].price


class _Hold:
    """The rest of a read its ``limit`` cannot bound, held in the unit_budget.

    Each page takes its share just before it reserves its own (in one event-loop
    step on a local meter, so nothing else can take it in between). On a Redis-shared
    budget another process may: that page then raises BudgetExceeded, as any page
    would, and the budget still holds.
    """

    def __init__(self, meter: UnitMeter) -> None:
        self._meter = meter
        self._held: Reservation | None = None

    async def take(self, what: str, n: int | None, worst: int | None) -> None:
        """Hold ``worst`` or raise BudgetExceeded naming it (nothing read yet)."""
        if self._meter.budget is None:
            return
        if worst is None:
            raise BudgetExceeded(
                f"{what} reads every referring domain, and the overview gave no count, so "
                "its cost cannot be bounded under a unit_budget; run it without one or "
                "on v3",
                needed=0,
                available=await self._meter.available() or 0,
            )
        try:
            self._held = await self._meter.reserve(_REF_DOMAINS, worst)
        except BudgetExceeded as e:
            err = BudgetExceeded(
                f"{what} reads all {n:,} referring domains at {_LINE.units} "
                f"API units per line: up to {worst:,} API "
                f"units whatever the limit, but only {e.available:,} of the unit_budget "
                f"{self._meter.budget:,} remain; no referring domain was read",
                needed=worst,
                available=e.available,
            )
            err.hint = (
                "Raise unit_budget, or run this report on v3 (backlinks_api='v3'), where "
                "limit bounds its cost"
            )
            raise err from None

    async def keep(self, units: int) -> None:
        """Hold ``units`` from now on (less than before: the rest goes to a page)."""
        self.release()
        if units > 0 and self._meter.budget is not None:
            with contextlib.suppress(BudgetExceeded):  # see the class docstring
                self._held = await self._meter.reserve(_REF_DOMAINS, units)

    def release(self) -> None:
        if self._held is not None:
            self._held.cancel()
            self._held = None
