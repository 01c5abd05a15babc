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

from semrush_async._core.harvest import check_targets
from semrush_async.errors import ValidationError
from semrush_async.pagination import Pager
from semrush_async.v3.pager import DEFAULT_PAGE_SIZE
from semrush_async.v3.query import TARGET_PARAMS, Filters, ReportQuery, report_query
from semrush_async.v3.source import ReportHarvest, Reports
from semrush_async.v3.spec import ReportSpec

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["AnalyticsResource", "ReportGroup", "ReportMethod"]

#: A report's target as given: one value, or a list (``domain_domains``, batches).
TargetArg = str | Sequence[Any] | None


class AnalyticsResource:
    """Every Analytics v3 report through one call (``report``) and one ``harvest``.

    ``reports`` is the registry the client built by binding each family's table to
    the source of its pages (a Backlinks report: the one the client chose with
    ``backlinks_api``).
    """

    def __init__(self, session: Session, reports: Reports) -> None:
        self._session = session
        self._reports = reports

    @property
    def reports(self) -> Mapping[str, ReportSpec]:
        """Every report type this client serves, with its spec."""
        return self._reports

    def query(
        self,
        type: str,
        *,
        domain: str | None = None,
        domains: Sequence[Any] | str | None = None,
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
        spec = self._reports.spec(type)
        named = {
            "domain": domain,
            "domains": domains,
            "phrase": phrase,
            "url": url,
            "subdomain": subdomain,
            "subfolder": subfolder,
            # Backlinks: target= is required (an empty one is refused by name).
            "target": target or "" if spec.target_pair else target,
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
        """Rows of ``query`` from its report's source (a Backlinks report on Backlinks
        API v4 when the client was made with ``backlinks_api="v4"``)."""
        source = self._reports.source(query.spec)
        return source.pager(query, limit=limit, offset=offset, page_size=page_size)

    def report(
        self,
        type: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
        **params: Any,
    ) -> Pager[Any]:
        """Rows of any v3 report as a :class:`Pager` of typed frozen rows (typed per
        report on ``client.analytics``: ``report("domain_organic", ...)`` is a
        ``Pager[DomainOrganicRow]``).

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
    ) -> ReportHarvest[Any]:
        """Fetch one report for many targets concurrently and resumably.

        Each target fills the report's target parameter (``domain_domains``: a
        comma-separated list of domains; batch keyword reports: ``;``-separated
        keywords). See :class:`~semrush_async.Harvest`.
        """
        targets = list(targets)
        check_targets(targets)
        spec = self._reports.spec(type)
        if spec.target is None:
            raise ValidationError(f"{type} has no target to harvest over")
        probe = targets[0] if targets else "example.com"
        if spec.target in TARGET_PARAMS:
            # A list-valued target (domain_domains) is given comma-separated.
            params[spec.target] = probe.split(",") if spec.encode_target else probe
        else:
            params["target"] = probe
        template = self.query(type, **params)
        return ReportHarvest(
            self._reports.source(spec),
            template,
            targets,
            self._session.limit("account"),
            limit_per_target=limit_per_target,
            page_size=page_size,
            checkpoint=checkpoint,
            workers=workers,
        )


class ReportMethod(Protocol):
    """A named report: ``client.domains.organic("example.com", database="us")``."""

    def __call__(self, target: TargetArg = None, /, **params: Any) -> Pager[Any]: ...


class ReportGroup:
    """The reports of one family as methods (from the tables' ``method`` names).

    Each family's generated subclass (``DomainReports`` ...) declares one typed method
    per report; a table's report not generated yet is still callable by name.
    """

    def __init__(
        self, analytics: AnalyticsResource, family: str, specs: Iterable[ReportSpec]
    ) -> None:
        self._analytics = analytics
        self.family = family
        self._specs: Mapping[str, ReportSpec] = {s.method: s for s in specs}

    @property
    def reports(self) -> Mapping[str, str]:
        """Method name -> report type."""
        return {name: spec.type for name, spec in self._specs.items()}

    def _report(self, type: str, target: object, /, **params: Any) -> Pager[Any]:
        """Rows of report ``type`` for ``target`` (its spec's target parameter)."""
        spec = self._analytics.reports[type]
        if target is not None:
            if spec.target is None:
                raise ValidationError(f"{spec.type} takes no target")
            params[spec.target] = target
        return self._analytics.report(spec.type, **params)

    if not TYPE_CHECKING:
        # Hidden from type checkers: on a generated group, a name that is no method
        # is a mistake they report.
        def __getattr__(self, name: str) -> ReportMethod:
            specs = self.__dict__.get("_specs", {})
            if name not in specs:
                raise AttributeError(
                    f"client.{self.__dict__.get('family', '?')} has no report {name!r}; "
                    f"reports: {', '.join(specs)}"
                )
            spec: ReportSpec = specs[name]
            group = self

            def method(target: TargetArg = None, /, **params: Any) -> Pager[Any]:
                return group._report(spec.type, target, **params)

            method.__name__ = name
            method.__doc__ = f"{spec.type}: {spec.title} ({price_text(spec)})."
            return method

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._specs]

    def harvest(self, method: str, targets: Iterable[str], **params: Any) -> ReportHarvest[Any]:
        """``harvest`` of this group's report ``method`` over many targets."""
        if method not in self._specs:
            raise ValidationError(
                f"client.{self.family} has no report {method!r}; reports: {', '.join(self._specs)}"
            )
        return self._analytics.harvest(self._specs[method].type, targets, **params)


def price_text(spec: ReportSpec) -> str:
    """``"10 units per line, 50 for a past date"``: a report's price in words."""
    unit = "line" if spec.per_line else "request"
    text = f"{spec.units} units per {unit}"
    if spec.historical_units and spec.historical_units != spec.units:
        text += f", {spec.historical_units} for a past date"
    return text
