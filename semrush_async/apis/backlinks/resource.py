"""``client.backlinks``: the 15 Backlinks Analytics reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from semrush_async._core.harvest import Harvest, check_targets
from semrush_async.apis.backlinks._reports import REPORTS
from semrush_async.apis.backlinks.bridge import v4_pager
from semrush_async.apis.backlinks.rows import (
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
    TargetType,
    TldRow,
)
from semrush_async.errors import ValidationError
from semrush_async.pagination import Pager
from semrush_async.v3.pager import BALANCE_MAX_AGE, DEFAULT_PAGE_SIZE, MAX_LIMIT, AnalyticsEngine
from semrush_async.v3.query import Filters, ReportQuery, report_query

if TYPE_CHECKING:
    from semrush_async._core.session import Session
    from semrush_async.apis.backlinks.v4_resource import BacklinksV4Resource

__all__ = ["BALANCE_MAX_AGE", "DEFAULT_PAGE_SIZE", "MAX_LIMIT", "BacklinksResource", "ReportQuery"]

T = TypeVar("T")

TargetTypeArg = TargetType | str


class BacklinksResource(AnalyticsEngine):
    """Backlinks Analytics reports (an instance of the Analytics engine). List reports
    return a :class:`Pager`."""

    def __init__(self, session: Session, v4: BacklinksV4Resource, api: str = "v3") -> None:
        super().__init__(session)
        self._v4 = v4
        #: Which API the reports run on: "v3" (Analytics) or "v4" (Backlinks API v4).
        self.api = api

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
        return report_query(
            spec,
            self._session.base_url,
            targets={"target": tuple(targets)},
            target_types=target_types,
            columns=columns,
            sort=sort,
            filters=filters,
        )

    def runs_on_v4(self, query: ReportQuery) -> bool:
        return self.api == "v4"

    def pager(
        self,
        query: ReportQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Any]:
        """Rows of ``query`` from ``offset``, ``limit`` in all, ``page_size`` per request
        (on Backlinks API v4 when the client was made with ``backlinks_api="v4"``)."""
        if self.api == "v4":
            spec = query.spec
            self._check_paging(spec, limit, offset, page_size)
            return v4_pager(
                self._v4,
                spec.type,
                query.targets,
                query.target_types,
                columns=query.columns,
                all_columns=spec.columns,
                sort=query.sort,
                filtered=query.filter is not None,
                limit=limit,
                offset=offset,
                page_size=page_size,
            )
        return super().pager(query, limit=limit, offset=offset, page_size=page_size)

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
        targets = list(targets)
        # Validate every target and everything shared by all of them up front:
        # nothing is sent (or paid for) on bad input.
        check_targets(targets)
        probe = targets[0] if targets else "example.com"
        template = self.query(report, [probe], [target_type], columns, sort, filters)
        return Harvest(
            self,
            targets,
            template,
            limit_per_target=limit_per_target,
            page_size=page_size,
            checkpoint=checkpoint,
            workers=workers,
        )


def _types(t: Sequence[TargetTypeArg] | TargetTypeArg) -> Sequence[TargetTypeArg]:
    return [t] if isinstance(t, str) else t
