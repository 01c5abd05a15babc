"""Run v3 Backlinks report calls on Backlinks API v4, returning the v3 row classes.

``SemrushClient(backlinks_api="v4")`` routes ``client.backlinks.<report>(...)``
here. The mapping (semrush-v4-backlinks-keywords.md §4, §4.1) is data: one
:class:`Bridge` per v3 report naming the v4 endpoint and, per v3 field, the v4 field
it comes from. A v3 column with no v4 field comes back None; tld and geo are
derived by grouping ``/ref-domains``; categories reports raise NotAvailableInV4.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final

import attrs

from ..errors import NotAvailableInV4
from ..models import backlinks as m
from ..pagination import Pager
from ..v4.backlinks import BACKLINKS_V4, MAX_PAGE, SCOPE_OF_TARGET_TYPE

if TYPE_CHECKING:
    from ..client import SemrushClient

__all__ = ["BRIDGES", "NOT_IN_V4", "Bridge", "v4_pager"]

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

#: v3 report -> its v4 answer (§4 table; INF where the facts file marks it).
BRIDGES: Final[Mapping[str, Bridge]] = {
    "backlinks_overview": Bridge("overview", m.BacklinksOverview, {
        "ascore": "score", "total": "backlinks_count", "domains_num": "domains_count",
        "urls_num": "urls_count", "ips_num": "ips_count", "ipclassc_num": "ip_class_c_count",
        "follows_num": "follows_count", "nofollows_num": "nofollows_count",
        "sponsored_num": "sponsored_count", "ugc_num": "ugc_count", "texts_num": "texts_count",
        "images_num": "images_count", "forms_num": "forms_count",
        "frames_num": "frames_count",
    }),
    "backlinks": Bridge("links", m.BacklinkRow, {
        "page_ascore": "page_score", "response_code": "response_code",
        "external_num": "external_links_count", "internal_num": "internal_links_count",
        "redirect_url": "redirect_url", "source_url": "source_url", "image_url": "image_url",
        "target_url": "target_url", "anchor": "anchor", "image_alt": "image_alt", **_SEEN,
        "nofollow": "is_nofollow", "form": "is_form", "frame": "is_frame", "image": "is_image",
        "sitewide": "is_sitewide_main", "newlink": "is_new", "lostlink": "is_lost",
    }),
    "backlinks_refdomains": Bridge("ref_domains", m.RefDomainRow, {
        "domain_ascore": "domain_score", "domain": "domain", "backlinks_num": "backlinks_count",
        "ip": "ip_address", "country": "country", **_SEEN,
    }),
    "backlinks_refips": Bridge("ref_ips", m.RefIpRow, {
        "ip": "ip_address", "country": "country", "domains_num": "domains_count",
        "backlinks_num": "backlinks_count", **_SEEN,
    }),
    "backlinks_anchors": Bridge("anchors", m.AnchorRow, {
        "anchor": "anchor", "domains_num": "domains_count", "backlinks_num": "backlinks_count",
        **_SEEN,
    }),
    "backlinks_pages": Bridge("pages", m.IndexedPageRow, {
        "source_url": "source_url", "source_title": "source_title",
        "response_code": "response_code", "backlinks_num": "backlinks_count",
        "domains_num": "domains_count", "last_seen": "last_seen_at",
        "external_num": "external_links_count", "internal_num": "internal_links_count",
    }),
    "backlinks_competitors": Bridge("competitors", m.CompetitorRow, {
        "neighbour": "domain", "similarity": ("similarity", _percent),
        "common_refdomains": "common_refdomains",
    }),
    "backlinks_matrix": Bridge("matrix", m.MatrixRow, {
        "domain": "domain", "domain_ascore": "domain_score", "matches_num": "matches_count",
    }),
    "backlinks_ascore_profile": Bridge("score_profile", m.AscoreProfileRow, {
        "ascore": "domain_score", "domains_num": "domains_count",
    }),
    "backlinks_historical": Bridge("summary", m.HistoricalRow, {
        "date": ("month_date", _month), "backlinks_num": "backlinks_count",
        "domains_num": "domains_count",
    }),
    "backlinks_comparison": Bridge("overview", m.ComparisonRow, {
        "ascore": "score", "backlinks_num": "backlinks_count", "domains_num": "domains_count",
        "ips_num": "ips_count", "follows_num": "follows_count",
        "nofollows_num": "nofollows_count", "texts_num": "texts_count",
        "images_num": "images_count", "forms_num": "forms_count",
        "frames_num": "frames_count",
    }),
}  # fmt: skip

#: v3 reports v4 does not cover, and what to do instead.
NOT_IN_V4: Final[Mapping[str, str]] = {
    "backlinks_categories": "no v4 endpoint was found; keep this call on v3 "
    "(backlinks_api='v3') until Semrush publishes one",
    "backlinks_categories_profile": "no v4 endpoint was found; keep this call on v3 "
    "(backlinks_api='v3') until Semrush publishes one",
}
#: Derived by grouping referring domains (v4 leaves the aggregation to the client).
GROUPED: Final[Mapping[str, str]] = {"backlinks_tld": "zone", "backlinks_geo": "country"}


def _order(bridge: Bridge, sort: str | None) -> dict[str, str]:
    if sort is None:
        return {}
    column, _, way = sort.rpartition("_")
    field = bridge.v4_field(column)
    if field is None:
        raise NotAvailableInV4(
            f"sort {sort!r} has no v4 equivalent (v4 has no field for {column!r}); "
            "sort with client.backlinks_v4 and a v4 field name"
        )
    return {"order_by": field, "direction": way.upper()}


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


def v4_pager(
    client: SemrushClient,
    report: str,
    targets: Sequence[str],
    target_types: Sequence[str],
    *,
    columns: Sequence[str] | None,
    all_columns: Sequence[str],
    sort: str | None,
    filtered: bool,
    limit: int | None,
    offset: int,
    page_size: int,
) -> Pager[Any]:
    """A pager of v3 rows for a v3 report, fetched from Backlinks v4."""
    if report in NOT_IN_V4:
        raise NotAvailableInV4(f"{report}: {NOT_IN_V4[report]}")
    if filtered:
        raise NotAvailableInV4(
            f"{report}: v3 display_filter conditions do not translate to the v4 filter "
            "language; pass filter='...' to client.backlinks_v4 instead"
        )
    v4 = client.backlinks_v4
    scopes = [str(SCOPE_OF_TARGET_TYPE.get(str(t), t)) for t in target_types]
    size = min(page_size, MAX_PAGE)
    if report in GROUPED:
        return _grouped(client, report, targets[0], scopes[0], size)
    bridge = BRIDGES[report]
    fields = _fields(bridge, columns, all_columns)
    spec = BACKLINKS_V4[bridge.v4]
    if report == "backlinks_comparison":
        return _comparison(client, bridge, targets, target_types, scopes, fields)
    kw: dict[str, Any] = {}
    if fields is not None and spec.fields:
        kw["fields"] = fields
    if report == "backlinks_overview":
        return _one(client, bridge, targets[0], scopes[0], kw)
    if report == "backlinks_matrix":
        inner: Pager[Any] = v4.matrix(list(targets), scopes[0], limit=limit, offset=offset,
                                      page_size=size, **_order(bridge, sort))  # fmt: skip
        return _mapped(inner, lambda r: bridge.row(
            domain=r.domain, domain_ascore=r.domain_score, matches_num=r.matches_count,
            backlinks=dict(zip(targets, r.backlinks_counts or (), strict=False)),
        ))  # fmt: skip
    if report == "backlinks_ascore_profile":
        return _mapped(v4.score_profile(targets[0], scopes[0]), bridge.convert)
    if report == "backlinks_historical":
        # v3 historical is root-domain monthly history; v4 /summary gives it.
        inner = v4.summary(targets[0], scopes[0], limit=limit or MAX_PAGE, **kw)
        return _mapped(inner, bridge.convert)
    method = getattr(v4, bridge.v4)
    if bridge.v4 == "competitors":
        inner = method(targets[0], limit=limit, offset=offset, page_size=size,
                       **_order(bridge, sort), **kw)  # fmt: skip
    else:
        inner = method(targets[0], scopes[0], limit=limit, offset=offset, page_size=size,
                       **_order(bridge, sort), **kw)  # fmt: skip
    return _mapped(inner, bridge.convert)


def _mapped(inner: Pager[Any], convert: Convert) -> Pager[Any]:
    async def source(pager: Pager[Any]) -> AsyncGenerator[list[Any], None]:
        async with aclosing(inner.batches()) as batches:
            async for batch in batches:
                pager.pages = inner.pages
                yield [convert(r) for r in batch]
        pager.pages = inner.pages

    return Pager(source)


def _one(client: SemrushClient, bridge: Bridge, target: str, scope: str, kw: Any) -> Pager[Any]:
    async def source(pager: Pager[Any]) -> AsyncGenerator[list[Any], None]:
        pager.pages = 1
        yield [bridge.convert(await client.backlinks_v4.overview(target, scope, **kw))]

    return Pager(source)


def _comparison(
    client: SemrushClient,
    bridge: Bridge,
    targets: Sequence[str],
    target_types: Sequence[str],
    scopes: Sequence[str],
    fields: Any,
) -> Pager[Any]:
    # v3's one-snapshot comparison has no v4 report (v4 /comparison is a monthly
    # series): one /overview per target gives its columns (INF, §4.1).
    async def source(pager: Pager[Any]) -> AsyncGenerator[list[Any], None]:
        out = []
        for target, ttype, scope in zip(targets, target_types, scopes, strict=True):
            ov = await client.backlinks_v4.overview(target, scope)
            pager.pages += 1
            row = bridge.convert(ov)
            out.append(attrs.evolve(row, target=target, target_type=m.TargetType(ttype)))
        yield out

    return Pager(source)


def _zone(domain: str) -> str:
    return domain.rstrip(".").rsplit(".", 1)[-1].lower()


def _grouped(client: SemrushClient, report: str, target: str, scope: str, size: int) -> Pager[Any]:
    """tld / geo: every referring domain, grouped (each row of /ref-domains is paid)."""
    key = GROUPED[report]

    async def source(pager: Pager[Any]) -> AsyncGenerator[list[Any], None]:
        domains: collections.Counter[str] = collections.Counter()
        links: collections.Counter[str] = collections.Counter()
        inner = client.backlinks_v4.ref_domains(
            target, scope, fields=["domain", "country", "backlinks_count"], page_size=size
        )
        async with aclosing(inner.batches()) as batches:
            async for batch in batches:
                for r in batch:
                    g = _zone(r.domain or "") if key == "zone" else (r.country or "")
                    domains[g] += 1
                    links[g] += r.backlinks_count or 0
        pager.pages = inner.pages
        order = sorted(domains, key=lambda g: (-domains[g], g))
        if key == "zone":
            yield [m.TldRow(zone=g, domains_num=domains[g], backlinks_num=links[g]) for g in order]
        else:
            yield [m.GeoRow(country=g, domains_num=domains[g], backlinks_num=links[g])
                   for g in order]  # fmt: skip

    return Pager(source)
