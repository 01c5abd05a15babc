"""``client.backlinks``: the 15 Backlinks Analytics reports, each a row of the table.

A method is its report's row in :data:`~semrush_async.apis.backlinks.reports.SPECS`:
the row names the method, its target shape (one target, or several together), the
options it takes (``columns`` unless the columns are fixed, ``sort`` and ``filters``
where the report has them, ``limit``/``offset``/``page_size`` by its paging) and what
it returns. The generator (:mod:`semrush_async.v3.codegen`) writes the methods from
the rows into :mod:`semrush_async.apis.backlinks.methods`; this class runs them.

Every call goes through one source of pages, chosen once by the client
(``backlinks_api``): the Analytics v3 engine or the Backlinks v3->v4 bridge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from semrush_async._core.harvest import check_targets
from semrush_async.apis.backlinks.methods import BacklinksMethods
from semrush_async.apis.backlinks.reports import REPORTS
from semrush_async.apis.backlinks.rows import TargetType
from semrush_async.errors import ValidationError
from semrush_async.pagination import Pager
from semrush_async.v3.codegen import options_of
from semrush_async.v3.pager import BALANCE_MAX_AGE, DEFAULT_PAGE_SIZE, MAX_LIMIT
from semrush_async.v3.query import Filters, ReportQuery, report_query
from semrush_async.v3.source import ReportHarvest

if TYPE_CHECKING:
    from semrush_async._core.session import Session
    from semrush_async.v3.source import ReportSource

TargetTypeArg = TargetType | str

__all__ = [
    "BALANCE_MAX_AGE",
    "DEFAULT_PAGE_SIZE",
    "MAX_LIMIT",
    "BacklinksResource",
    "ReportQuery",
    "options_of",
]


class BacklinksResource(BacklinksMethods):
    """Backlinks Analytics reports. List reports return a ``Pager``.

    Each method is a row of the report table, generated into
    :mod:`semrush_async.apis.backlinks.methods` (see the module docstring); every one
    runs on the source the client chose (``api``: ``"v3"``, or ``"v4"`` for Backlinks
    API v4 with the same row classes).
    """

    def __init__(self, session: Session, source: ReportSource) -> None:
        self._session = session
        self._source = source
        #: Which API the reports run on: "v3" (Analytics) or "v4" (Backlinks API v4).
        self.api = source.api

    # --- the one path -------------------------------------------------------------------

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
        return self._source.pager(query, limit=limit, offset=offset, page_size=page_size)

    def _report(
        self,
        type: str,
        targets: Sequence[str],
        types: Sequence[TargetTypeArg] | TargetTypeArg,
        /,
        **options: Any,
    ) -> Pager[Any]:
        types = [types] if isinstance(types, str) else list(types)
        query = self.query(
            type,
            list(targets),
            types,
            options.get("columns"),
            options.get("sort"),
            options.get("filters"),
        )
        return self.pager(
            query,
            limit=options.get("limit"),
            offset=options.get("offset", 0),
            page_size=options.get("page_size", DEFAULT_PAGE_SIZE),
        )

    def _harvest(
        self,
        targets: Iterable[str],
        report: str,
        /,
        *,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        filters: Filters = None,
        limit_per_target: int | None = None,
        page_size: int = 2_000,
        checkpoint: str | None = None,
        workers: int | None = None,
    ) -> ReportHarvest[Any]:
        targets = list(targets)
        # Validate every target and everything shared by all of them up front:
        # nothing is sent (or paid for) on bad input.
        check_targets(targets)
        probe = targets[0] if targets else "example.com"
        template = self.query(report, [probe], [target_type], columns, sort, filters)
        return ReportHarvest(
            self._source,
            template,
            targets,
            self._session.limit("account"),
            limit_per_target=limit_per_target,
            page_size=page_size,
            checkpoint=checkpoint,
            workers=workers,
        )
