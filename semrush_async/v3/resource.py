"""``client.analytics.report(...)`` and the named report groups over it.

``client.overview``, ``client.domains``, ``client.keywords``, ``client.subdomains``,
``client.subfolders`` and ``client.urls`` are :class:`ReportGroup` objects whose
methods come from the report tables (each spec's ``method``): a report added to a
table is callable at once, with no code here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from semrush_async._core.harvest import Harvest, check_targets
from semrush_async.apis.reports import FAMILIES, REPORTS, ROOT_REPORTS, GapDomain
from semrush_async.errors import ValidationError
from semrush_async.pagination import Pager
from semrush_async.v3.pager import DEFAULT_PAGE_SIZE, AnalyticsEngine
from semrush_async.v3.query import TARGET_PARAMS, Filters, ReportQuery, report_query

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["AnalyticsResource", "ReportGroup", "ReportMethod"]

TargetArg = str | Sequence[str] | Sequence[GapDomain | str] | None


class BacklinksSource(Protocol):
    """What the report-by-name call needs of the Backlinks reports' resource."""

    def query(
        self,
        report: str,
        targets: Sequence[str],
        target_types: Sequence[Any],
        columns: Iterable[str] | None = None,
        sort: str | None = None,
        filters: Filters = None,
    ) -> ReportQuery: ...

    def pager(
        self,
        query: ReportQuery,
        *,
        limit: int | None = ...,
        offset: int = ...,
        page_size: int = ...,
    ) -> Pager[Any]: ...

    def runs_on_v4(self, query: ReportQuery) -> bool: ...


class AnalyticsResource(AnalyticsEngine):
    """Every Analytics v3 report through one call (``report``) and one ``harvest``."""

    def __init__(self, session: Session, backlinks: BacklinksSource) -> None:
        super().__init__(session)
        self._backlinks = backlinks

    def query(
        self,
        type: str,
        *,
        domain: str | None = None,
        domains: Sequence[GapDomain | str] | str | None = None,
        phrase: str | Sequence[str] | None = None,
        url: str | None = None,
        subdomain: str | None = None,
        subfolder: str | None = None,
        target: str | None = None,
        target_type: str = "root_domain",
        database: str | None = None,
        columns: Iterable[str] | str | None = None,
        sort: str | None = None,
        filters: Filters = None,
        date: date | str | None = None,
        escape: bool | None = None,
        **options: Any,
    ) -> ReportQuery:
        """Validate a request for any v3 report (nothing is sent); raise ValidationError."""
        spec = REPORTS.get(type)
        if spec is None:
            raise ValidationError(
                f"unknown report type {type!r}; allowed: {', '.join(sorted(REPORTS))}"
            )
        named = {
            "domain": domain,
            "domains": domains,
            "phrase": phrase,
            "url": url,
            "subdomain": subdomain,
            "subfolder": subfolder,
            # Backlinks: target= is required (an empty one is refused by name).
            "target": target or "" if spec.target == "target" else target,
        }
        return report_query(
            spec,
            self._session.base_url,
            targets=named,
            target_types=[target_type],
            database=database,
            columns=columns,
            sort=sort,
            filters=filters,
            display_date=date,
            escape=escape,
            options=options,
        )

    def pager(
        self,
        query: ReportQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Any]:
        """Rows of ``query``; a Backlinks report goes through ``client.backlinks``
        (on Backlinks API v4 when the client was made with ``backlinks_api="v4"``)."""
        if query.spec.family == "backlinks":
            return self._backlinks.pager(query, limit=limit, offset=offset, page_size=page_size)
        return super().pager(query, limit=limit, offset=offset, page_size=page_size)

    def runs_on_v4(self, query: ReportQuery) -> bool:
        return query.spec.family == "backlinks" and self._backlinks.runs_on_v4(query)

    def report(
        self,
        type: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
        **params: Any,
    ) -> Pager[Any]:
        """Rows of any v3 report as a :class:`Pager` of typed frozen rows.

        Name the target as the docs do (``domain=``, ``domains=``, ``phrase=``,
        ``url=``, ``subdomain=``, ``subfolder=``; Backlinks: ``target=`` and
        ``target_type=``), plus ``database=``, ``columns=``, ``sort=``, ``filters=``,
        ``date=`` (a past date costs the historical price) and the report's documented
        options (``display_positions="new"`` ...). Everything is validated first.
        """
        query = self.query(type, **params)
        return self.pager(query, limit=limit, offset=offset, page_size=page_size)

    def harvest(
        self,
        type: str,
        targets: Iterable[str],
        *,
        limit_per_target: int | None = None,
        page_size: int = 2_000,
        checkpoint: str | None = None,
        workers: int | None = None,
        **params: Any,
    ) -> Harvest:
        """Fetch one report for many targets concurrently and resumably.

        Each target fills the report's target parameter (``domain_domains``: a
        comma-separated list of domains; batch keyword reports: ``;``-separated
        keywords). See :class:`~semrush_async.Harvest`.
        """
        targets = list(targets)
        check_targets(targets)
        spec = REPORTS.get(type)
        if spec is not None and spec.target is None:
            raise ValidationError(f"{type} has no target to harvest over")
        probe = targets[0] if targets else "example.com"
        if spec is not None and spec.target in TARGET_PARAMS:
            name = spec.target
            params[name] = probe.split(",") if name == "domains" else probe
        elif spec is not None:
            params["target"] = probe
        template = self.query(type, **params)
        return Harvest(
            self,
            targets,
            template,
            limit_per_target=limit_per_target,
            page_size=page_size,
            checkpoint=checkpoint,
            workers=workers,
        )


class ReportMethod(Protocol):
    """A named report: ``client.domains.organic("example.com", database="us")``."""

    def __call__(self, target: TargetArg = None, /, **params: Any) -> Pager[Any]: ...


class ReportGroup:
    """The reports of one family as methods (from the tables' ``method`` names)."""

    def __init__(self, analytics: AnalyticsResource, family: str) -> None:
        self._analytics = analytics
        self.family = family
        self._types: Mapping[str, str] = {s.method: s.type for s in FAMILIES[family]}

    @property
    def reports(self) -> Mapping[str, str]:
        """Method name -> report type."""
        return dict(self._types)

    def __getattr__(self, name: str) -> ReportMethod:
        types = self.__dict__.get("_types", {})
        if name not in types:
            raise AttributeError(
                f"client.{self.__dict__.get('family', '?')} has no report {name!r}; "
                f"reports: {', '.join(types)}"
            )
        spec = ROOT_REPORTS[types[name]]
        analytics = self._analytics

        def method(target: TargetArg = None, /, **params: Any) -> Pager[Any]:
            if target is not None:
                if spec.target is None:
                    raise ValidationError(f"{spec.type} takes no target")
                params[spec.target] = target
            return analytics.report(spec.type, **params)

        method.__name__ = name
        method.__doc__ = f"{spec.type}: {spec.title} ({_price_text(spec.type)})."
        return method

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._types]

    def harvest(self, method: str, targets: Iterable[str], **params: Any) -> Harvest:
        """``harvest`` of this group's report ``method`` over many targets."""
        if method not in self._types:
            raise ValidationError(
                f"client.{self.family} has no report {method!r}; reports: {', '.join(self._types)}"
            )
        return self._analytics.harvest(self._types[method], targets, **params)


def _price_text(report: str) -> str:
    spec = REPORTS[report]
    unit = "line" if spec.per_line else "request"
    text = f"{spec.units} units per {unit}"
    if spec.historical_units and spec.historical_units != spec.units:
        text += f", {spec.historical_units} for a past date"
    return text
