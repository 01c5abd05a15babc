"""``client.backlinks``: the 15 Backlinks Analytics reports, each a row of the table.

A method is its report's row in :data:`~semrush_async.apis.backlinks.reports.SPECS`:
the row names the method, its target shape (one target, or several together), the
options it takes (``columns`` unless the columns are fixed, ``sort`` and ``filters``
where the report has them, ``limit``/``offset``/``page_size`` by its paging) and what
it returns. The declarations below only give each method its static type (its call
shape and row class); a declaration that disagrees with its row fails at import.

Every call goes through one source of pages, chosen once by the client
(``backlinks_api``): the Analytics v3 engine or the Backlinks v3->v4 bridge.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Protocol,
    TypedDict,
    TypeVar,
    Unpack,
    get_args,
    get_origin,
    overload,
)

from semrush_async._core.harvest import check_targets
from semrush_async.apis.backlinks.reports import REPORTS
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
from semrush_async.v3.pager import BALANCE_MAX_AGE, DEFAULT_PAGE_SIZE, MAX_LIMIT
from semrush_async.v3.query import Filters, ReportQuery, report_query
from semrush_async.v3.resource import price_text
from semrush_async.v3.source import ReportHarvest
from semrush_async.v3.spec import ReportSpec

if TYPE_CHECKING:
    from typing import Self

    from semrush_async._core.session import Session
    from semrush_async.v3.source import ReportSource

__all__ = ["BALANCE_MAX_AGE", "DEFAULT_PAGE_SIZE", "MAX_LIMIT", "BacklinksResource", "ReportQuery"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
C = TypeVar("C")

TargetTypeArg = TargetType | str


class Options(TypedDict, total=False):
    """The keyword options of a Backlinks method; each report takes those its row
    allows (another one raises TypeError, as for any Python function)."""

    columns: Iterable[str] | None
    sort: str | None
    filters: Filters
    limit: int | None
    offset: int
    page_size: int


class Rows(Protocol[T]):
    """One target; a Pager of its rows."""

    def __call__(
        self, target: str, target_type: TargetTypeArg = ..., **options: Unpack[Options]
    ) -> Pager[T]: ...


class TargetsRows(Protocol[T]):
    """Several targets sent together; a Pager of the rows."""

    def __call__(
        self,
        targets: Sequence[str],
        target_types: Sequence[TargetTypeArg] | TargetTypeArg = ...,
        **options: Unpack[Options],
    ) -> Pager[T]: ...


class AllRows(Protocol[T]):
    """One target, one request: its rows."""

    async def __call__(
        self, target: str, target_type: TargetTypeArg = ..., **options: Unpack[Options]
    ) -> list[T]: ...


class OneRow(Protocol[T_co]):
    """One target, one request: its row, or None when Semrush has nothing."""

    async def __call__(
        self, target: str, target_type: TargetTypeArg = ..., **options: Unpack[Options]
    ) -> T_co | None: ...


#: Call shape -> (multi_target, returns) of the rows it fits.
_SHAPES: dict[Any, tuple[bool, str]] = {
    Rows: (False, "pager"),
    TargetsRows: (True, "pager"),
    AllRows: (False, "list"),
    OneRow: (False, "first"),
}
_DEFAULTS: dict[str, Any] = {
    "columns": None,
    "sort": None,
    "filters": None,
    "limit": None,
    "offset": 0,
    "page_size": DEFAULT_PAGE_SIZE,
}


def options_of(spec: ReportSpec) -> tuple[str, ...]:
    """The keyword options report ``spec``'s method takes (from its row)."""
    names = [] if spec.fixed_columns else ["columns"]
    names += ["sort"] if spec.sorts else []
    names += ["filters"] if spec.filters else []
    names += ["limit"] if spec.paged else []
    names += ["offset", "page_size"] if spec.paged and spec.offset else []
    return tuple(names)


class Report(Generic[C]):
    """A report of the table as a method (``refdomains = Report[Rows[RefDomainRow]]()``:
    the row named ``refdomains`` gives everything but the static type)."""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        spec = next((s for s in REPORTS.values() if s.method == name), None)
        declared = getattr(self, "__orig_class__", None)
        call = get_args(declared)[0] if declared is not None else None
        shape, row = get_origin(call), get_args(call)
        if spec is None or _SHAPES.get(shape) != (spec.multi_target, spec.returns):
            raise TypeError(f"BacklinksResource.{name}: no report row of that name and shape")
        if row != (spec.row,):
            raise TypeError(f"BacklinksResource.{name}: its row class is {spec.row}, not {row}")
        self.spec = spec
        self._method = _method(spec)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, obj: BacklinksResource, owner: type[Any]) -> C: ...

    def __get__(self, obj: BacklinksResource | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        return self._method.__get__(obj, owner)


def _method(spec: ReportSpec) -> Callable[..., Any]:
    """The function behind ``spec``'s method (its signature shown as it reads)."""
    allowed = options_of(spec)
    defaults = {name: _DEFAULTS[name] for name in allowed}
    name = spec.method

    def options(given: dict[str, Any]) -> dict[str, Any]:
        for key in given:
            if key not in defaults:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
        return {**_DEFAULTS, **given}

    def method(
        self: BacklinksResource,
        target: str,
        target_type: TargetTypeArg = TargetType.ROOT_DOMAIN,
        **given: Any,
    ) -> Any:
        pager = self._run(spec, [target], [target_type], options(given))
        return pager if spec.returns == "pager" else _awaited(spec, pager)

    def multi(
        self: BacklinksResource,
        targets: Sequence[str],
        target_types: Sequence[TargetTypeArg] | TargetTypeArg = TargetType.ROOT_DOMAIN,
        **given: Any,
    ) -> Any:
        types = [target_types] if isinstance(target_types, str) else list(target_types)
        return self._run(spec, list(targets), types, options(given))

    fn: Callable[..., Any] = multi if spec.multi_target else method
    lead = ("targets", "target_types") if spec.multi_target else ("target", "target_type")
    P = inspect.Parameter
    params = [
        P("self", P.POSITIONAL_OR_KEYWORD),
        P(lead[0], P.POSITIONAL_OR_KEYWORD),
        P(lead[1], P.POSITIONAL_OR_KEYWORD, default=TargetType.ROOT_DOMAIN),
        *(P(o, P.KEYWORD_ONLY, default=defaults[o]) for o in allowed),
    ]
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _doc(spec)
    return fn


async def _awaited(spec: ReportSpec, pager: Pager[Any]) -> Any:
    rows = list(await pager)
    if spec.returns == "first":
        return rows[0] if rows else None
    return rows


def _doc(spec: ReportSpec) -> str:
    what = {"first": "; None when Semrush has nothing", "list": ""}.get(spec.returns, "")
    targets = f", up to {spec.max_targets} targets" if spec.multi_target else ""
    return f"{spec.type}: {spec.title}{targets} ({price_text(spec)}){what}."


class BacklinksResource:
    """Backlinks Analytics reports. List reports return a :class:`Pager`.

    Each method is a row of the report table (see the module docstring); every one
    runs on the source the client chose (``api``: ``"v3"``, or ``"v4"`` for Backlinks
    API v4 with the same row classes).
    """

    def __init__(self, session: Session, source: ReportSource) -> None:
        self._session = session
        self._source = source
        #: Which API the reports run on: "v3" (Analytics) or "v4" (Backlinks API v4).
        self.api = source.api

    # --- the 15 reports (each a row of reports.SPECS) -----------------------------------

    overview = Report[OneRow[BacklinksOverview]]()
    backlinks = Report[Rows[BacklinkRow]]()
    refdomains = Report[Rows[RefDomainRow]]()
    refips = Report[Rows[RefIpRow]]()
    tld = Report[Rows[TldRow]]()
    geo = Report[Rows[GeoRow]]()
    anchors = Report[Rows[AnchorRow]]()
    pages = Report[Rows[IndexedPageRow]]()
    competitors = Report[Rows[CompetitorRow]]()
    matrix = Report[TargetsRows[MatrixRow]]()
    comparison = Report[TargetsRows[ComparisonRow]]()
    ascore_profile = Report[AllRows[AscoreProfileRow]]()
    categories_profile = Report[Rows[CategoryProfileRow]]()
    categories = Report[AllRows[CategoryRow]]()
    historical = Report[Rows[HistoricalRow]]()

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

    def _run(
        self, spec: ReportSpec, targets: Sequence[str], types: Sequence[Any], o: dict[str, Any]
    ) -> Pager[Any]:
        query = self.query(spec.type, targets, types, o["columns"], o["sort"], o["filters"])
        return self.pager(query, limit=o["limit"], offset=o["offset"], page_size=o["page_size"])

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
    ) -> ReportHarvest[Any]:
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
