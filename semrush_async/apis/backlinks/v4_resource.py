"""``client.backlinks_v4``: Backlinks API v4.

Thin methods over the table in :mod:`semrush_async.apis.backlinks.v4`: validate, build
parameters, hand the row to the v4 engine. Every list method returns a
:class:`~semrush_async.pagination.Pager`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

from semrush_async._core.counts import check_count, check_counts, count_problem
from semrush_async.apis.backlinks.v4 import (
    BACKLINKS_V4,
    DIRECTIONS,
    MAX_PAGE,
    MAX_URL,
    SCOPE_OF_TARGET_TYPE,
    BacklinksV4Spec,
    Scope,
    V4Anchor,
    V4ComparisonRow,
    V4Competitor,
    V4Link,
    V4MatrixRow,
    V4Overview,
    V4Page,
    V4RefDomain,
    V4RefIp,
    V4ScoreBucket,
    V4SummaryRow,
    history_months,
    overview_of,
)
from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.pagination import Pager
from semrush_async.v4 import LimitOffset, OnePage, V4Engine
from semrush_async.v4.convert import MONTH
from semrush_async.v4.paging import Params

if TYPE_CHECKING:
    from semrush_async._core.sansio import Envelope
    from semrush_async._core.session import Session
    from semrush_async._core.units import UnitMeter

__all__ = ["BacklinksV4Resource"]

T = TypeVar("T")
#: ``filter`` is passed through (Semrush checks its grammar); [JSK] caps it at 4000.
MAX_FILTER: Final = 4000


def _meta_total(page: Envelope) -> int | None:
    # meta.total is optional and was once seen as a string [JSK] (§2.5).
    total = page.meta.get("total")
    if isinstance(total, int):
        return total
    if isinstance(total, str) and total.isdigit():
        return int(total)
    return None


def _as_sent(item: Any) -> Any:
    return item


def _scope(value: Scope | str, spec: BacklinksV4Spec, problems: list[ErrorDetail]) -> Scope:
    text = str(value)
    scope = SCOPE_OF_TARGET_TYPE.get(text) or Scope(text.upper())
    allowed = spec.scopes or frozenset()
    if scope not in allowed:
        names = ", ".join(sorted(allowed))
        problems.append(ErrorDetail(field="scope", message=f"{text!r}: use one of {names}"))
    return scope


def _target(value: str, field: str, problems: list[ErrorDetail]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(ErrorDetail(field=field, message="must be a non-empty domain or URL"))
        return ""
    if len(value) > MAX_URL or any(c.isspace() for c in value):
        problems.append(
            ErrorDetail(field=field, message=f"at most {MAX_URL} characters, no spaces")
        )
    return value


class BacklinksV4Resource:
    """The 11 Backlinks API v4 endpoints (v4 key; 10/s with the whole account)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def units(self) -> UnitMeter:
        """The unit meter these calls are charged to."""
        return self._session.units

    # --- the one builder --------------------------------------------------------------

    def _params(
        self,
        spec: BacklinksV4Spec,
        *,
        url: str | None = None,
        urls: Sequence[str] | None = None,
        domain: str | None = None,
        scope: Scope | str | None = None,
        fields: Sequence[str] | None = None,
        order_by: str | None = None,
        direction: str | None = None,
        filter: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Params:
        """Validated query parameters (every problem at once, nothing sent)."""
        problems: list[ErrorDetail] = []
        p: list[tuple[str, str]] = []
        if spec.target == "url":
            p.append(("url", _target(url or "", "url", problems)))
        elif spec.target == "domain":
            p.append(("domain", _target(domain or "", "domain", problems)))
        else:
            given: list[str] = [urls] if isinstance(urls, str) else list(urls or ())
            if not 1 <= len(given) <= spec.max_urls:
                problems.append(
                    ErrorDetail(field="urls", message=f"give 1 to {spec.max_urls} targets")
                )
            for i, u in enumerate(given):
                _target(u, f"urls[{i}]", problems)
                if "," in u:
                    problems.append(ErrorDetail(field=f"urls[{i}]", message="no commas"))
            # One comma-separated value, not repeated keys [W6W].
            p.append(("urls", ",".join(given)))
        if spec.scopes is not None:
            if scope is None:
                choices = ", ".join(sorted(spec.scopes))
                problems.append(ErrorDetail(field="scope", message=f"required: {choices}"))
            else:
                p.append(("scope", str(_scope(scope, spec, problems))))
        names = spec.field_names
        if fields is not None:
            if not spec.fields:
                problems.append(ErrorDetail(field="fields", message=f"{spec.method} has none"))
            bad = [f for f in fields if f not in names]
            if bad or not fields:
                problems.append(
                    ErrorDetail(field="fields", message=f"{bad}: use some of {', '.join(names)}")
                )
            p.append(("fields", ",".join(fields)))
        if order_by is not None or direction is not None:
            if not spec.sort:
                problems.append(ErrorDetail(field="order_by", message="not sortable"))
            if order_by is not None and order_by not in names:
                problems.append(
                    ErrorDetail(field="order_by", message=f"use one of {', '.join(names)}")
                )
            if direction is not None and direction.upper() not in DIRECTIONS:
                problems.append(ErrorDetail(field="direction", message="use ASC or DESC"))
            if order_by is not None:
                p.append(("order_by", order_by))
            if direction is not None:
                p.append(("direction", direction.upper()))
        if filter is not None:
            if not spec.filter:
                problems.append(ErrorDetail(field="filter", message=f"{spec.method} has none"))
            elif not filter.strip() or len(filter) > MAX_FILTER:
                problems.append(
                    ErrorDetail(field="filter", message=f"1 to {MAX_FILTER} characters")
                )
            p.append(("filter", filter))
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value is not None:
                if not MONTH.match(value):
                    problems.append(ErrorDetail(field=name, message=f"{value!r} is not YYYY-MM"))
                p.append((name, value))
        if problems:
            raise ValidationError(f"invalid backlinks_v4.{spec.method} request", details=problems)
        return tuple(p)

    def _list(
        self,
        method: str,
        *,
        limit: int | None,
        offset: int,
        page_size: int,
        lines: int | None = None,
        raw: bool = False,
        **kw: Any,
    ) -> Pager[Any]:
        spec = BACKLINKS_V4[method]
        params = self._params(spec, **kw)
        engine = V4Engine(self._session)
        # raw: the JSON items as sent (the Backlinks v3->v4 bridge decodes them itself,
        # so that a harvest's checkpoint can store and replay them).
        decode = _as_sent if raw else spec.decode
        if not spec.paged:
            extra: Params = (("limit", str(limit)),) if spec.dates and limit else ()
            return engine.pager(spec.endpoint, OnePage(params=extra), decode, params=params,
                                lines=lines)  # fmt: skip
        check_counts(
            f"backlinks_v4.{method} request",
            (
                count_problem("limit", limit, minimum=1, optional=True),
                count_problem("offset", offset),
                count_problem("page_size", page_size, minimum=1, maximum=MAX_PAGE),
            ),
        )
        paging = LimitOffset(page_size, total=_meta_total, start=offset, cap=limit)
        return engine.pager(spec.endpoint, paging, decode, params=params)

    # --- the endpoints ----------------------------------------------------------------

    async def overview(
        self, url: str, scope: Scope | str, *, fields: Sequence[str] | None = None
    ) -> V4Overview:
        """``/overview``: profile totals (45 units per request)."""
        return overview_of(await self._overview_data(url, scope, fields))

    async def _overview_data(
        self, url: str, scope: Scope | str, fields: Sequence[str] | None
    ) -> Any:
        """``/overview``'s ``data`` as sent."""
        spec = BACKLINKS_V4["overview"]
        params = self._params(spec, url=url, scope=scope, fields=fields)
        page = await V4Engine(self._session).send(spec.endpoint, params=params)
        return page.data

    def summary(
        self,
        url: str,
        scope: Scope | str,
        *,
        fields: Sequence[str] | None = None,
        limit: int = 12,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Pager[V4SummaryRow]:
        """``/summary``: monthly history, at most ``limit`` months (40 units per line)."""
        check_count("limit", limit, minimum=1)
        return self._list("summary", url=url, scope=scope, fields=fields, limit=limit, offset=0,
                          page_size=limit, date_from=date_from, date_to=date_to)  # fmt: skip

    def links(self, url: str, scope: Scope | str, **options: Any) -> Pager[V4Link]:
        """``/links``: individual backlinks (45 units per line). Options: ``fields``,
        ``order_by``, ``direction``, ``filter``, ``limit`` (None: all), ``offset``,
        ``page_size`` (1..1000)."""
        return self._paged("links", url=url, scope=scope, **options)

    def ref_domains(self, url: str, scope: Scope | str, **options: Any) -> Pager[V4RefDomain]:
        """``/ref-domains``: referring domains (40 units per line). Options as ``links``."""
        return self._paged("ref_domains", url=url, scope=scope, **options)

    def ref_ips(self, url: str, scope: Scope | str, **options: Any) -> Pager[V4RefIp]:
        """``/ref-ips``: referring IPs (20 units per line). Options as ``links``."""
        return self._paged("ref_ips", url=url, scope=scope, **options)

    def pages(self, url: str, scope: Scope | str, **options: Any) -> Pager[V4Page]:
        """``/pages``: the target's pages that get links (price not published: the v3
        price, 40 per line, is reserved and counted in ``units.estimated``)."""
        return self._paged("pages", url=url, scope=scope, **options)

    def anchors(self, url: str, scope: Scope | str, **options: Any) -> Pager[V4Anchor]:
        """``/anchors``: anchor texts (price not published; estimated as v3's)."""
        return self._paged("anchors", url=url, scope=scope, **options)

    def score_profile(self, url: str, scope: Scope | str) -> Pager[V4ScoreBucket]:
        """``/score-profile``: referring domains per domain score, up to 101 rows."""
        return self._list("score_profile", url=url, scope=scope, limit=None, offset=0,
                          page_size=MAX_PAGE)  # fmt: skip

    def competitors(self, domain: str, **options: Any) -> Pager[V4Competitor]:
        """``/competitors``: domains sharing referring domains (no scope, no filter)."""
        return self._paged("competitors", domain=domain, **options)

    def comparison(
        self, urls: Sequence[str], scope: Scope | str, *, fields: Sequence[str] | None = None
    ) -> Pager[V4ComparisonRow]:
        """``/comparison``: the whole monthly history of up to 10 targets, tagged by
        ``url``, in one response that nothing bounds: every month since 2012-01 is
        reserved per target (:func:`~semrush_async.apis.backlinks.v4.history_months`), and
        the rows received are booked. ``summary(url, scope, limit=...)`` costs less."""
        n = 1 if isinstance(urls, str) else max(1, len(urls))
        return self._list("comparison", urls=urls, scope=scope, fields=fields, limit=None,
                          offset=0, page_size=MAX_PAGE, lines=n * history_months())  # fmt: skip

    def matrix(self, urls: Sequence[str], scope: Scope | str, **options: Any) -> Pager[V4MatrixRow]:
        """``/matrix``: referring domains x up to 6 targets (no ``fields``)."""
        return self._paged("matrix", urls=urls, scope=scope, **options)

    def _paged(
        self,
        method: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = MAX_PAGE,
        **kw: Any,
    ) -> Pager[Any]:
        allowed = {"url", "urls", "domain", "scope", "fields", "order_by", "direction", "filter"}
        unknown = set(kw) - allowed
        if unknown:
            raise ValidationError(
                f"unknown option(s) {sorted(unknown)} for backlinks_v4.{method}; use "
                "fields, order_by, direction, filter, limit, offset, page_size"
            )
        return self._list(method, limit=limit, offset=offset, page_size=page_size, **kw)
