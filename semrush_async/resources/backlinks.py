"""``client.backlinks``: the 15 Backlinks Analytics reports."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncGenerator, Iterable, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from .._http import Auth, Call, Dialect
from .._reports import REPORTS, ReportSpec
from .._sansio import analytics_request
from ..errors import BudgetExceeded, ErrorDetail, SemrushError, ValidationError
from ..filters import Filter, encode_filters
from ..models.backlinks import (
    AnchorRow,
    AscoreProfileRow,
    BacklinkRow,
    BacklinksOverview,
    CategoryProfileRow,
    CategoryRow,
    ComparisonRow,
    CompetitorRow,
    GeoRow,
    HistoricalRow,
    IndexedPageRow,
    MatrixRow,
    RefDomainRow,
    RefIpRow,
    RowsDecoder,
    TargetType,
    TldRow,
    rows_decoder,
)
from ..pagination import Pager
from ..units import PRICES
from ._harvest import Harvest

if TYPE_CHECKING:
    from ..client import SemrushClient

__all__ = ["BacklinksResource", "ReportQuery"]

logger: Final = logging.getLogger("semrush_async")
T = TypeVar("T")

#: Semrush's own default page ("the default value will be 10,000 lines").
DEFAULT_PAGE_SIZE: Final = 10_000
MAX_LIMIT: Final = 1_000_000
#: How old a fetched unit balance may be when judging a short page.
BALANCE_MAX_AGE: Final = 30.0

Filters = Iterable[Filter | str] | Filter | str | None
TargetTypeArg = TargetType | str


@functools.lru_cache(maxsize=256)
def _decoder(report: str, header: tuple[str, ...]) -> RowsDecoder:
    return rows_decoder(report, header)


@attrs.frozen(slots=True)
class ReportQuery:
    """A validated report request, able to produce the call for any row range."""

    spec: ReportSpec
    base_url: str
    targets: tuple[str, ...]
    target_types: tuple[str, ...]
    columns: tuple[str, ...]
    sort: str | None
    filter: str | None

    def params(self, offset: int, count: int) -> list[tuple[str, str]]:
        spec = self.spec
        p: list[tuple[str, str]] = [("type", spec.type)]
        if spec.multi_target:
            p += [("targets[]", t) for t in self.targets]
            p += [("target_types[]", t) for t in self.target_types]
        else:
            p += [("target", self.targets[0]), ("target_type", self.target_types[0])]
        if not spec.fixed_columns:
            p.append(("export_columns", ",".join(self.columns)))
        if self.sort:
            p.append(("display_sort", self.sort))
        if self.filter:
            p.append(("display_filter", self.filter))
        if spec.paged:
            # The documented quirk: with display_offset, display_limit is the end
            # index ("the value should be increased by value display_offset").
            if offset:
                p.append(("display_offset", str(offset)))
            p.append(("display_limit", str(offset + count)))
        return p

    def call(self, offset: int = 0, count: int = 0) -> Call:
        lines = count if self.spec.paged else len(self.targets)
        return Call(
            "account",
            analytics_request(self.base_url, self.params(offset, count)),
            Dialect.ANALYTICS,
            Auth.KEY,
            report=self.spec.type,
            lines=lines,
        )


class BacklinksResource:
    """Backlinks Analytics reports. List reports return a :class:`Pager`."""

    def __init__(self, client: SemrushClient) -> None:
        self._client = client

    # --- validation -------------------------------------------------------------------

    def query(
        self,
        report: str,
        targets: Sequence[str],
        target_types: Sequence[TargetTypeArg],
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        filters: Filters = None,
    ) -> ReportQuery:
        """Validate a report request (nothing is sent); raise ValidationError."""
        spec = REPORTS.get(report)
        if spec is None:
            raise ValidationError(f"unknown report {report!r}; allowed: {', '.join(REPORTS)}")
        details: list[ErrorDetail] = []
        targets = tuple(targets)
        types = tuple(str(t) for t in target_types)
        if spec.multi_target and len(types) == 1 and len(targets) > 1:
            types = types * len(targets)
        if not targets or any(not t or not t.strip() for t in targets):
            details.append(ErrorDetail(field="target", message="a non-empty target is required"))
        if len(targets) > spec.max_targets:
            details.append(
                ErrorDetail(
                    field="targets",
                    message=f"{spec.type} takes at most {spec.max_targets} targets, "
                    f"got {len(targets)}",
                )
            )
        if len(types) != len(targets):
            details.append(
                ErrorDetail(
                    field="target_types",
                    message=f"{len(types)} target types for {len(targets)} targets",
                )
            )
        for i, t in enumerate(types):
            if t not in spec.target_types:
                details.append(
                    ErrorDetail(
                        field="target_type",
                        index=i if spec.multi_target else None,
                        message=f"{t!r} is not allowed for {spec.type}; allowed: "
                        f"{', '.join(spec.target_types)}",
                    )
                )
        if columns is None or spec.fixed_columns:
            cols = spec.columns
        else:
            cols = tuple(columns)
            if isinstance(columns, str):
                cols = tuple(c.strip() for c in columns.split(","))
            bad = [c for c in cols if c not in spec.columns]
            if bad or not cols:
                details.append(
                    ErrorDetail(
                        field="columns",
                        message=f"unknown column(s) {', '.join(bad) or '(none given)'} for "
                        f"{spec.type}; allowed: {', '.join(spec.columns)}",
                    )
                )
        if sort is not None and sort not in spec.sorts:
            allowed = ", ".join(spec.sorts) or "none (this report takes no display_sort)"
            details.append(
                ErrorDetail(
                    field="sort",
                    message=f"unknown sort {sort!r} for {spec.type}; allowed: {allowed}",
                )
            )
        filt: str | None = None
        if filters is not None:
            items = [filters] if isinstance(filters, Filter | str) else list(filters)
            if items:
                try:
                    filt = encode_filters(items, spec.filters)
                except ValidationError as e:
                    details += e.details or [ErrorDetail(field="filters", message=e.message)]
        if details:
            raise ValidationError(f"invalid {spec.type} request", details=details)
        return ReportQuery(spec, self._client.base_url, targets, types, cols, sort, filt)

    @staticmethod
    def _check_paging(spec: ReportSpec, limit: int | None, offset: int, page_size: int) -> None:
        details = []
        if limit is not None and limit < 1:
            details.append(ErrorDetail(field="limit", message="limit must be >= 1 or None"))
        if offset < 0:
            details.append(ErrorDetail(field="offset", message="offset must be >= 0"))
        if offset and not spec.offset:
            details.append(ErrorDetail(field="offset", message=f"{spec.type} takes no offset"))
        if not 1 <= page_size <= MAX_LIMIT:
            details.append(
                ErrorDetail(field="page_size", message=f"page_size must be in 1..{MAX_LIMIT}")
            )
        if details:
            raise ValidationError(f"invalid paging for {spec.type}", details=details)

    # --- paging -----------------------------------------------------------------------

    def pager(
        self,
        query: ReportQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Any]:
        """Rows of ``query`` from ``offset``, ``limit`` in all, ``page_size`` per request."""
        spec = query.spec
        self._check_paging(spec, limit, offset, page_size)
        price = PRICES[spec.type]
        meter = self._client.units
        if limit is not None and price.per_line and meter.remaining is not None:
            # A caller asking for an explicit number of lines learns up front.
            worst = price.cost(limit)
            if worst > meter.remaining:
                raise BudgetExceeded(
                    f"{spec.type}: {limit} lines could cost {worst} API units but only "
                    f"{meter.remaining} of the unit_budget remain",
                    needed=worst,
                    available=meter.remaining,
                )

        async def source(pager: Pager[Any]) -> AsyncGenerator[list[Any], None]:
            start, remaining = offset, limit
            while remaining is None or remaining > 0:
                n = page_size if remaining is None else min(page_size, remaining)
                if not spec.offset and spec.paged:
                    n = limit or page_size
                n, shrunk = await self._fit_budget(query, n, pager.count)
                pager.pages += 1
                got = 0
                decode: RowsDecoder | None = None
                stream = self.raw_page(query, start, n)
                async with aclosing(stream):
                    async for header, batch in stream:
                        if decode is None:
                            decode = _decoder(spec.type, header)
                        rows = decode(batch)
                        if rows:
                            got += len(rows)
                            yield rows
                if not spec.paged or not spec.offset:
                    return
                start += got
                if remaining is not None:
                    remaining -= got
                if got < n:
                    if not shrunk and await self.short_page_cut_by_balance(query, pager.count):
                        pager.units_exhausted = True
                    return

        return Pager(source)

    @staticmethod
    def _rows_decoder(report: str, header: Sequence[str]) -> RowsDecoder:
        return _decoder(report, tuple(header))

    async def _fit_budget(self, query: ReportQuery, n: int, done: int) -> tuple[int, bool]:
        """Shrink a page to what the unit_budget can pay for; raise when nothing fits."""
        price = PRICES[query.spec.type]
        units = self._client.units
        if units.budget is None or not price.per_line or not query.spec.paged:
            return n, False
        # A shared (Redis) budget is asked for what every process left.
        left = await units.available()
        if left is None:
            return n, False
        fit = left // price.units
        if fit < 1:
            raise BudgetExceeded(
                f"{query.spec.type}: the unit_budget is used up after {done} rows; "
                "more rows may exist",
                needed=price.units,
                available=left,
            )
        return (fit, True) if fit < n else (n, False)

    async def raw_page(
        self, query: ReportQuery, start: int, n: int
    ) -> AsyncGenerator[tuple[tuple[str, ...], list[list[str]]], None]:
        """Stream one page as ``(header, raw rows)`` batches (rows padded to the header)."""
        spec = query.spec
        resume = None
        if spec.paged and spec.offset:

            def resume(seen: int) -> Call:
                return query.call(start + seen, n - seen)

        header: tuple[str, ...] | None = None
        stream = self._client._request_path().stream_rows(query.call(start, n), resume)
        async with aclosing(stream):
            async for batch in stream:
                if header is None:
                    # Each page's stream starts with its header row.
                    header = tuple(batch[0])
                    batch = batch[1:]
                width = len(header)
                if batch and not min(map(len, batch)) == max(map(len, batch)) == width:
                    # Rows are decoded by position: pad short ones, cut long ones.
                    batch = [(r + [""] * (width - len(r)))[:width] for r in batch]
                if batch:
                    yield header, batch

    async def short_page_cut_by_balance(self, query: ReportQuery, rows_so_far: int) -> bool:
        """After a short page: True (and a warning) if the unit balance may have cut it."""
        price = PRICES[query.spec.type]
        if not price.per_line or not await self._balance_ran_out(price.units):
            return False
        self._client.units.note_short_page()
        logger.warning(
            "%s for %s stopped after %d rows with the account's unit balance below one "
            "line's price: the data may be incomplete",
            query.spec.type,
            ",".join(query.targets),
            rows_so_far,
        )
        return True

    async def _balance_ran_out(self, line_price: int) -> bool:
        try:
            balance = await self._client.units.cached_balance(BALANCE_MAX_AGE)
        except SemrushError as e:
            logger.warning("could not read the unit balance to judge a short page: %s", e)
            return False
        return balance < line_price

    def _list(
        self,
        report: str,
        target: str,
        target_type: TargetTypeArg,
        columns: Iterable[str] | None,
        sort: str | None,
        filters: Filters,
        limit: int | None,
        offset: int,
        page_size: int,
    ) -> Pager[Any]:
        q = self.query(report, [target], [target_type], columns, sort, filters)
        return self.pager(q, limit=limit, offset=offset, page_size=page_size)

    async def _single(self, query: ReportQuery) -> list[Any]:
        return list(await self.pager(query))

    # --- the 15 reports -------------------------------------------------------------------

    async def overview(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
    ) -> BacklinksOverview | None:
        """backlinks_overview (40 units per request); None when Semrush has nothing."""
        rows = await self._single(
            self.query("backlinks_overview", [target], [target_type], columns)
        )
        return rows[0] if rows else None

    def backlinks(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        filters: Filters = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[BacklinkRow]:
        """backlinks (40 units per line)."""
        return self._list(
            "backlinks", target, target_type, columns, sort, filters, limit, offset, page_size
        )

    def refdomains(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        filters: Filters = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[RefDomainRow]:
        """backlinks_refdomains (40 units per line)."""
        return self._list(
            "backlinks_refdomains",
            target,
            target_type,
            columns,
            sort,
            filters,
            limit,
            offset,
            page_size,
        )

    def refips(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[RefIpRow]:
        """backlinks_refips (40 units per line)."""
        return self._list(
            "backlinks_refips", target, target_type, columns, sort, None, limit, offset, page_size
        )

    def tld(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[TldRow]:
        """backlinks_tld (40 units per line)."""
        return self._list(
            "backlinks_tld", target, target_type, columns, sort, None, limit, offset, page_size
        )

    def geo(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[GeoRow]:
        """backlinks_geo (40 units per line)."""
        return self._list(
            "backlinks_geo", target, target_type, columns, sort, None, limit, offset, page_size
        )

    def anchors(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[AnchorRow]:
        """backlinks_anchors (40 units per line)."""
        return self._list(
            "backlinks_anchors", target, target_type, columns, sort, None, limit, offset, page_size
        )

    def pages(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[IndexedPageRow]:
        """backlinks_pages, indexed pages (40 units per line)."""
        return self._list(
            "backlinks_pages", target, target_type, columns, sort, None, limit, offset, page_size
        )

    def competitors(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[CompetitorRow]:
        """backlinks_competitors (40 units per line)."""
        return self._list(
            "backlinks_competitors",
            target,
            target_type,
            columns,
            None,
            None,
            limit,
            offset,
            page_size,
        )

    def matrix(
        self,
        targets: Sequence[str],
        target_types: Sequence[TargetTypeArg] | TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        filters: Filters = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[MatrixRow]:
        """backlinks_matrix (40 units per line); rows map each target to its count."""
        q = self.query("backlinks_matrix", targets, _types(target_types), columns, sort, filters)
        return self.pager(q, limit=limit, offset=offset, page_size=page_size)

    def comparison(
        self,
        targets: Sequence[str],
        target_types: Sequence[TargetTypeArg] | TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
    ) -> Pager[ComparisonRow]:
        """backlinks_comparison, up to 200 targets (40 units per line)."""
        q = self.query("backlinks_comparison", targets, _types(target_types), columns)
        return self.pager(q)

    async def ascore_profile(
        self, target: str, target_type: TargetTypeArg = TargetType.ROOT_DOMAIN
    ) -> list[AscoreProfileRow]:
        """backlinks_ascore_profile (100 units per request): domains per Authority Score."""
        return await self._single(self.query("backlinks_ascore_profile", [target], [target_type]))

    def categories_profile(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[CategoryProfileRow]:
        """backlinks_categories_profile (40 units per line)."""
        return self._list(
            "backlinks_categories_profile",
            target,
            target_type,
            columns,
            None,
            None,
            limit,
            offset,
            page_size,
        )

    async def categories(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
    ) -> list[CategoryRow]:
        """backlinks_categories (50 units per request)."""
        return await self._single(
            self.query("backlinks_categories", [target], [target_type], columns)
        )

    def historical(
        self,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        *,
        columns: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> Pager[HistoricalRow]:
        """backlinks_historical, monthly, newest first (root domains only; no offset)."""
        return self._list(
            "backlinks_historical",
            target,
            target_type,
            columns,
            None,
            None,
            limit,
            0,
            DEFAULT_PAGE_SIZE,
        )

    def harvest(
        self,
        targets: Iterable[str],
        report: str = "backlinks",
        *,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        filters: Filters = None,
        limit_per_target: int | None = None,
        page_size: int = 2_000,
        checkpoint: str | None = None,
        workers: int | None = None,
    ) -> Harvest:
        """Fetch one report for many targets concurrently, resumably (see :class:`Harvest`).

        ``async for item in client.backlinks.harvest(targets):`` yields one
        :class:`HarvestItem` per page (or per failed target) as they arrive.
        """
        return Harvest(
            self,
            list(targets),
            report,
            target_type=target_type,
            columns=columns,
            sort=sort,
            filters=filters,
            limit_per_target=limit_per_target,
            page_size=page_size,
            checkpoint=checkpoint,
            workers=workers,
        )


def _types(t: Sequence[TargetTypeArg] | TargetTypeArg) -> Sequence[TargetTypeArg]:
    return [t] if isinstance(t, str) else t
