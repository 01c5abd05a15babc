"""``client.trends``: the 21 Trends API v3 reports, each a row of the table.

A method is its report's row in :data:`~semrush_async.apis.trends.reports.SPECS`:
the row names the method (the report's path), its target (``target``, ``targets``,
``category`` or none), the options it takes and whether it pages. The declarations
below only give each method its static type (its target and row class); one that
disagrees with its row fails at import. Every call runs on the one v3 engine and is
paid from the Trends quota (``units``), never from the Standard API units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
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
from semrush_async._core.request_path import Auth, Call, Dialect
from semrush_async._core.sansio import Request
from semrush_async.apis.trends import rows as r
from semrush_async.apis.trends.quota import LIMITS_PATH, TrendsQuota, parse_quota
from semrush_async.apis.trends.reports import CATEGORIES, COUNTRIES, METER, REPORTS
from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.pagination import Pager
from semrush_async.v3.pager import check_paging
from semrush_async.v3.query import ReportQuery, report_query
from semrush_async.v3.resource import price_text
from semrush_async.v3.source import ReportHarvest
from semrush_async.v3.spec import ReportSpec

if TYPE_CHECKING:
    from typing import Self

    from semrush_async._core.session import Session
    from semrush_async._core.units import UnitMeter
    from semrush_async.v3.source import ReportSource

__all__ = ["Options", "TrendsResource"]

T = TypeVar("T")
C = TypeVar("C")


class Options(TypedDict, total=False):
    """The keyword options of a Trends method; each report takes those its row lists
    (another one is refused by name, with the report's options, before anything is
    sent)."""

    target_type: str
    date: dt.date | str
    device: str
    country: str
    columns: Iterable[str] | str
    sort: str
    limit: int | None
    offset: int
    page_size: int
    traffic_channel: str
    traffic_type: str
    geo_type: str
    segment: str
    selected_targets: Sequence[str]
    search_string: str
    include_forecasted: bool


class Rows(Protocol[T]):
    """One target; a Pager of its rows."""

    def __call__(self, target: str, /, **options: Unpack[Options]) -> Pager[T]: ...


class AllRows(Protocol[T]):
    """One target, one request: its rows."""

    async def __call__(self, target: str, /, **options: Unpack[Options]) -> list[T]: ...


class TargetsRows(Protocol[T]):
    """Several targets in one request; a Pager of the rows."""

    def __call__(self, targets: Sequence[str], /, **options: Unpack[Options]) -> Pager[T]: ...


class TargetsAllRows(Protocol[T]):
    """Several targets in one request: its rows (one line per target with data)."""

    async def __call__(self, targets: Sequence[str], /, **options: Unpack[Options]) -> list[T]: ...


class NoTarget(Protocol[T]):
    """No target; a Pager of the rows."""

    def __call__(self, **options: Unpack[Options]) -> Pager[T]: ...


#: Call shape -> (target parameter, paged) of the rows it fits.
_SHAPES: Final[dict[Any, tuple[tuple[str | None, ...], bool]]] = {
    Rows: (("target", "category"), True),
    AllRows: (("target",), False),
    TargetsRows: (("targets",), True),
    TargetsAllRows: (("targets",), False),
    NoTarget: ((None,), True),
}
#: Option -> the wire parameter it fills (the others are sent under their own name).
_WIRE: Final = {"device": "device_type", "include_forecasted": "include_forecasted_items"}
#: Paging options, taken by paged reports only.
_PAGING: Final = ("limit", "offset", "page_size")
#: ``device_type`` is required and its only value is ``desktop`` (§3.2): sent for the
#: caller when not given.
_DESKTOP_ONLY: Final = frozenset({"purchase_conversion"})


def options_of(spec: ReportSpec) -> tuple[str, ...]:
    """The keyword options report ``spec``'s method takes (from its row)."""
    wire = {v: k for k, v in _WIRE.items()}
    names = [wire.get(o, o) for o in spec.options]
    names += ["date", "columns"]
    names += ["sort"] if spec.sorts else []
    names += list(_PAGING) if spec.paged else []
    return tuple(names)


class Report(Generic[C]):
    """A report of the table as a method (``sources = Report[Rows[SourceRow]]()``: the
    row named ``sources`` gives everything but the static type)."""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        spec = REPORTS.get(name)
        declared = getattr(self, "__orig_class__", None)
        call = get_args(declared)[0] if declared is not None else None
        shape, row = get_origin(call), get_args(call)
        want = _SHAPES.get(shape)
        if spec is None or want is None or spec.target not in want[0] or want[1] != spec.paged:
            raise TypeError(f"TrendsResource.{name}: no report row of that name and shape")
        if row != (spec.row,):
            raise TypeError(f"TrendsResource.{name}: its row class is {spec.row}, not {row}")
        self.spec = spec

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, obj: TrendsResource, owner: type[Any]) -> C: ...

    def __get__(self, obj: TrendsResource | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        return _method(obj, self.spec)


def _method(resource: TrendsResource, spec: ReportSpec) -> Any:
    name = spec.method

    def call(*args: Any, **options: Any) -> Any:
        if spec.target is None:
            if args:
                raise TypeError(f"{name}() takes no target")
        elif len(args) != 1:
            raise TypeError(f"{name}() takes one {spec.target} argument")
        else:
            options[spec.target] = args[0]
        pager = resource.report(name, **options)
        return pager if spec.paged else _awaited(pager)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = _doc(spec)
    return call


async def _awaited(pager: Pager[Any]) -> list[Any]:
    return list(await pager)


def _doc(spec: ReportSpec) -> str:
    price = price_text(spec).replace("units", "Trends units")
    return f"{spec.method}: {spec.title} ({price}; options: {', '.join(options_of(spec))})."


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class TrendsResource:
    """Trends API v3 (Traffic Analytics): 21 reports, paid from the Trends quota.

    Paged reports return a :class:`Pager` (awaitable and async-iterable; with no
    ``limit``, every row); the others are awaited for their list of rows. Each
    method is a row of the report table (see the module docstring).
    """

    def __init__(self, session: Session, source: ReportSource) -> None:
        self._session = session
        self._source = source

    @property
    def units(self) -> UnitMeter:
        """The Trends quota meter: ``spent``, ``reserved``, ``remaining`` (with
        ``trends_budget=``), ``by_report``. Apart from ``client.units``."""
        return self._session.meter(METER)

    @property
    def reports(self) -> dict[str, ReportSpec]:
        """Every Trends report by name (method), with its row."""
        return dict(REPORTS)

    # --- the 21 reports (each a row of reports.SPECS) -----------------------------------

    summary = Report[TargetsAllRows[r.SummaryRow]]()
    summary_by_day = Report[AllRows[r.ByDateRow]]()
    summary_by_week = Report[AllRows[r.ByDateRow]]()
    rank = Report[NoTarget[r.RankRow]]()
    sources = Report[Rows[r.SourceRow]]()
    destinations = Report[Rows[r.DestinationRow]]()
    toppages = Report[Rows[r.TopPageRow]]()
    subdomains = Report[Rows[r.SubdomainRow]]()
    subfolders = Report[Rows[r.SubfolderRow]]()
    geo = Report[Rows[r.GeoRow]]()
    purchase_conversion = Report[AllRows[r.PurchaseConversionRow]]()
    accuracy = Report[AllRows[r.AccuracyRow]]()
    categories = Report[Rows[r.CategoryRow]]()
    audience_insights = Report[TargetsRows[r.AudienceRow]]()
    audience_interests = Report[AllRows[r.InterestRow]]()
    age_and_sex_distribution = Report[AllRows[r.AgeSexRow]]()
    household_distribution = Report[AllRows[r.HouseholdRow]]()
    income_distribution = Report[AllRows[r.IncomeRow]]()
    education_distribution = Report[AllRows[r.EducationRow]]()
    occupation_distribution = Report[AllRows[r.OccupationRow]]()
    social_media = Report[AllRows[r.SocialMediaRow]]()

    # --- the one path -------------------------------------------------------------------

    def spec(self, report: str) -> ReportSpec:
        """The row of ``report``; ValidationError naming every report if unknown."""
        spec = REPORTS.get(report)
        if spec is None:
            raise ValidationError(
                f"unknown Trends report {report!r}; allowed: {', '.join(REPORTS)}"
            )
        return spec

    def query(self, report: str, *, today: dt.date | None = None, **params: Any) -> ReportQuery:
        """Validate a request for ``report`` (nothing is sent); raise one
        ValidationError naming every problem and the allowed values."""
        spec = self.spec(report)
        today = today or _today()
        details: list[ErrorDetail] = []
        for name in _PAGING:
            params.pop(name, None)
        allowed = options_of(spec)
        targets: dict[str, Any] = {
            k: params.pop(k) for k in ("target", "targets", "category") if k in params
        }
        for name in sorted(set(params) - set(allowed)):
            details.append(
                ErrorDetail(
                    field=name,
                    message=f"{report} takes no {name}; its options: {', '.join(allowed)}",
                )
            )
            params.pop(name)
        date = params.pop("date", None)
        columns = params.pop("columns", None)
        sort = params.pop("sort", None)
        if report in _DESKTOP_ONLY:
            params.setdefault("device", "desktop")
        options = {_WIRE.get(k, k): v for k, v in params.items() if v is not None}
        category = targets.get("category")
        if spec.target == "category" and category is not None and category not in CATEGORIES:
            details.append(
                ErrorDetail(
                    field="category",
                    message=f"unknown category {category!r}; allowed: {', '.join(CATEGORIES)}",
                )
            )
        _check_country(options, details)
        _check_target_type(spec, targets.get("target"), options, details)
        _check_forecast(options, date, today, details)
        if spec.options.get("selected_targets") is not None:
            _check_selected(targets.get("targets"), options, details)
        try:
            query = report_query(
                spec,
                self._session.base_url,
                targets=targets,
                columns=columns,
                sort=sort,
                display_date=date,
                options=options,
                today=today,
            )
        except ValidationError as e:
            raise ValidationError(
                f"invalid {report} request", details=[*details, *e.details]
            ) from None
        if details:
            raise ValidationError(f"invalid {report} request", details=details)
        return query

    def pager(
        self,
        query: ReportQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int | None = None,
    ) -> Pager[Any]:
        """Rows of ``query`` (pages at the report's documented maximum by default:
        every request costs the same)."""
        size = page_size or min(query.spec.max_page, 10_000)
        return self._source.pager(query, limit=limit, offset=offset, page_size=size)

    def report(
        self,
        report: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int | None = None,
        **params: Any,
    ) -> Pager[Any]:
        """Rows of any Trends report by name as a :class:`Pager` of its typed rows
        (``target=``, ``targets=`` or ``category=`` as the report takes, and its
        options; see :class:`Options`)."""
        spec = self.spec(report)
        size = page_size or min(spec.max_page, 10_000)
        details: list[ErrorDetail] = []
        try:
            query = self.query(report, **params)
        except ValidationError as e:
            details += e.details
        try:
            check_paging(spec, limit, offset, size)
        except ValidationError as e:
            details += e.details
        if details:  # every problem in one error
            raise ValidationError(f"invalid {report} request", details=details)
        return self.pager(query, limit=limit, offset=offset, page_size=size)

    def harvest(
        self,
        report: str,
        targets: Iterable[str],
        *,
        limit_per_target: int | None = None,
        page_size: int | None = None,
        checkpoint: str | None = None,
        workers: int | None = None,
        **params: Any,
    ) -> ReportHarvest[Any]:
        """Fetch ``report`` for many targets concurrently and resumably (checkpoint,
        resume, ``trends_budget``: see :class:`~semrush_async.Harvest`).

        Each target fills the report's target (``summary``, ``audience_insights``:
        domains separated by commas, up to its maximum in one request)."""
        targets = list(targets)
        check_targets(targets)
        spec = self.spec(report)
        if spec.target is None:
            raise ValidationError(f"{report} has no target to harvest over")
        probe = targets[0] if targets else "example.com"
        params[spec.target] = probe.split(",") if spec.encode_target else probe
        template = self.query(report, **params)
        for target in targets[1:]:
            if spec.encode_target is not None:
                spec.encode_target(target.split(","))  # every list checked up front
        return ReportHarvest(
            self._source,
            template,
            targets,
            self._session.limit("account"),
            limit_per_target=limit_per_target,
            page_size=page_size or min(spec.max_page, 10_000),
            checkpoint=checkpoint,
            workers=workers,
        )

    async def limits(self) -> TrendsQuota:
        """The Trends quota (``GET /analytics/ta/limits/key/<KEY>``; free, governed
        by the account limit). The key is in the path: it is masked in every log
        line and error."""
        call = Call(
            "account",
            Request("GET", self._session.base_url.rstrip("/") + LIMITS_PATH),
            Dialect.ANALYTICS,
            Auth.KEY_PATH,
            report="trends_limits",
        )
        response = await self._session.send(call)
        return parse_quota(response.body, self._session.redactor)

    def __repr__(self) -> str:
        return f"<TrendsResource units={self.units!r}>"


def _check_country(options: dict[str, Any], details: list[ErrorDetail]) -> None:
    value = options.get("country")
    if value is None:
        return
    code = str(value).strip().lower()
    if code not in COUNTRIES:
        hint = " (the United Kingdom is 'gb')" if code == "uk" else ""
        details.append(
            ErrorDetail(
                field="country",
                message=f"country {value!r} is not an ISO 3166-1 alpha-2 code{hint}; "
                "allowed: two-letter codes such as us, gb, de "
                "(all: semrush_async.apis.trends.reports.COUNTRIES)",
            )
        )
        options.pop("country")
        return
    options["country"] = code


def _check_target_type(
    spec: ReportSpec, target: Any, options: dict[str, Any], details: list[ErrorDetail]
) -> None:
    # "Root domain; use target_type for subdomains or subfolders" (§3.1): a path
    # names a subfolder, and a subfolder needs a path.
    if not spec.target_types or not isinstance(target, str) or not target.strip():
        return
    kind = options.get("target_type", "domain")
    if kind not in spec.target_types:
        return  # the option check names the allowed values
    has_path = "/" in target.strip().rstrip("/")
    if has_path != (kind == "subfolder"):
        want = "subfolder" if has_path else "domain or subdomain"
        details.append(
            ErrorDetail(
                field="target_type",
                message=f"target {target!r} needs target_type={want!r} (a subfolder target "
                "is a host with a path, e.g. example.com/blog/)",
            )
        )


def _check_forecast(
    options: dict[str, Any], date: Any, today: dt.date, details: list[ErrorDetail]
) -> None:
    if options.get("include_forecasted_items") is not True:
        options.pop("include_forecasted_items", None)
        return
    month = date.replace(day=1) if isinstance(date, dt.date) else None
    if month != today.replace(day=1):
        details.append(
            ErrorDetail(
                field="include_forecasted",
                message="include_forecasted needs date= in the current month "
                f"({today:%Y-%m}), the only month with forecasts",
            )
        )


def _check_selected(targets: Any, options: dict[str, Any], details: list[ErrorDetail]) -> None:
    given = [targets] if isinstance(targets, str) else list(targets or ())
    pool = [t.strip().lower() for g in given for t in str(g).split(",")]
    raw = options.get("selected_targets")
    chosen = [raw] if isinstance(raw, str) else list(raw or ())
    chosen = [t.strip() for c in chosen for t in str(c).split(",") if t.strip()]
    if not chosen:
        details.append(
            ErrorDetail(
                field="selected_targets",
                message=f"selected_targets is required: some of targets ({', '.join(pool)})",
            )
        )
        return
    outside = [t for t in chosen if t.lower() not in pool]
    if outside:
        details.append(
            ErrorDetail(
                field="selected_targets",
                message=f"selected_targets must be some of targets ({', '.join(pool)}); "
                f"not in targets: {', '.join(outside)}",
            )
        )
    if len({t.lower() for t in chosen}) != len(chosen):
        details.append(ErrorDetail(field="selected_targets", message="each target once"))
    if options.get("segment") == "excludes" and len(set(chosen)) >= len(set(pool)):
        details.append(
            ErrorDetail(
                field="selected_targets",
                message="segment='excludes' needs selected_targets to leave at least one "
                "of targets out",
            )
        )
    options["selected_targets"] = chosen
