"""Validated report requests: ``ReportQuery`` and the one validator of every v3 report.

Everything is checked before anything is sent, every problem is collected into one
:class:`~semrush_async.errors.ValidationError` naming the allowed values, and no
request, rate budget or unit is spent on bad input. The rules come from the report's
spec: its target shape (Backlinks' ``target`` + ``target_type`` pairs, a named
parameter such as ``domain=``, or none), columns, sorts, filter fields, database
rule, dates and options.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

import attrs

from semrush_async import errors
from semrush_async._core.price import Price
from semrush_async._core.request_path import Auth, Call, CodeTable, Dialect
from semrush_async._core.sansio import analytics_request
from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.v3.columns import COLUMNS
from semrush_async.v3.databases import DATABASES, nearest_databases
from semrush_async.v3.filters import Filter, encode_filters
from semrush_async.v3.spec import DbRule, ReportSpec

__all__ = ["TARGET_PARAMS", "Filters", "ReportQuery", "report_query"]

logger: Final = logging.getLogger("semrush_async")

Filters = Iterable[Filter | str] | Filter | str | None
#: The target parameters of the root reports, as the docs name them.
TARGET_PARAMS: Final = ("domain", "domains", "phrase", "url", "subdomain", "subfolder")


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
    #: Further parameters (database, display_date, options, export_escape).
    extra: tuple[tuple[str, str], ...] = ()
    #: The price per line/request (historical when display_date is in the past).
    price: Price | None = None
    #: domain_domains: the compared domains (P0..P4).
    keys: tuple[str, ...] = ()
    #: Rows one request of an unpaged report returns at most.
    lines: int = 1

    @property
    def unit_price(self) -> Price:
        return self.price or self.spec.price

    def params(self, offset: int, count: int) -> list[tuple[str, str]]:
        spec = self.spec
        p: list[tuple[str, str]] = [("type", spec.type)] if spec.type_param else []
        if spec.target_pair:
            if spec.multi_target:
                p += [("targets[]", t) for t in self.targets]
                p += [("target_types[]", t) for t in self.target_types]
            else:
                p += [("target", self.targets[0]), ("target_type", self.target_types[0])]
        elif spec.target is not None:
            p.append((spec.target, self.targets[0]))
        p += self.extra
        if not spec.fixed_columns and self.columns:
            p.append(("export_columns", ",".join(self.columns)))
        if self.sort:
            p.append((spec.sort_param, self.sort))
        if self.filter:
            p.append(("display_filter", self.filter))
        if spec.paged:
            # The documented quirk: with display_offset, display_limit is the end
            # index ("the value should be increased by value display_offset").
            if offset:
                p.append(("display_offset", str(offset)))
            p.append(("display_limit", str(offset + count if spec.limit_is_end else count)))
        return p

    def call(self, offset: int = 0, count: int = 0) -> Call:
        lines = count if self.spec.paged else self.lines
        return Call(
            "account",
            analytics_request(self.base_url, self.params(offset, count), self.spec.path),
            Dialect.ANALYTICS,
            Auth.KEY,
            report=self.spec.type,
            lines=lines,
            price=self.unit_price,
            codes=self._codes(),
            meter=self.spec.meter,
            delimiters=self.spec.delimiters,
        )

    def _codes(self) -> CodeTable:
        code = dict(self.extra).get("database")
        if code is None or code in DATABASES:
            return self.spec.codes
        return {**self.spec.codes, **_unknown_database_codes(code, self.spec.keyword_db)}

    def retarget(self, target: str) -> ReportQuery:
        """The same request for another target (harvest)."""
        if self.spec.encode_target is not None:
            value, keys = self.spec.encode_target(target.split(","))
            lines = self.spec.rows_per_request or max(1, len(keys))
            return attrs.evolve(self, targets=(value,), keys=keys, lines=lines)
        if self.spec.max_phrases > 1:
            return attrs.evolve(self, targets=(target,), lines=len(target.split(";")))
        return attrs.evolve(self, targets=(target,))

    def job_params(self) -> dict[str, Any]:
        """What identifies the data of a harvest job (checkpoint key)."""
        params: dict[str, Any] = {
            "report": self.spec.type,
            "target_type": self.target_types[0] if self.target_types else "",
            "columns": self.columns,
            "sort": self.sort,
            "filter": self.filter,
        }
        if self.extra:
            params["extra"] = self.extra
        return params


@functools.lru_cache(maxsize=64)
def _unknown_database_codes(code: str, keyword_reports: bool) -> CodeTable:
    # Semrush answers a database it does not have like one the plan lacks (ERROR 133
    # "DB ACCESS DENIED"); for a code missing from the documented list the likelier
    # cause is a typo, so say that instead of "check the subscription".
    near = ", ".join(nearest_databases(code, keyword_reports=keyword_reports))
    hint = (
        f"{code!r} is not a known Semrush database; the nearest known codes are {near} "
        "(all: semrush_async.DATABASES). If Semrush added it recently, the plan may not "
        "include it"
    )
    return {133: (errors.BadRequest, hint)}


def _problem(details: list[ErrorDetail], field: str, message: str) -> None:
    details.append(ErrorDetail(field=field, message=message))


#: A column's row field name -> its code (``keyword`` -> ``Ph``).
_BY_NAME: Final[Mapping[str, str]] = {c.field: code for code, c in COLUMNS.items()}


def _by_name(spec: ReportSpec) -> str:
    names = [COLUMNS[c].field for c in spec.columns if c in COLUMNS]
    return f"; or by name: {', '.join(names)}" if names else ""


def _columns(
    spec: ReportSpec, columns: Iterable[str] | str | None, details: list[ErrorDetail]
) -> tuple[str, ...]:
    if columns is None or spec.fixed_columns:
        # Always sent explicitly (unless the report takes none, or its rows are mapped
        # by the header's names): Semrush changed default columns without notice
        # (landscape §4 #3).
        return spec.export_columns if spec.send_columns else ()
    if isinstance(columns, str):
        given = tuple(c.strip() for c in columns.split(",") if c.strip())
    else:
        given = tuple(columns)
    # A column by its code (``Ph``) or by its row field's name (``keyword``).
    cols = tuple(_BY_NAME.get(c, c) if c not in spec.columns else c for c in given)
    bad = [g for g, c in zip(given, cols, strict=True) if c not in spec.columns]
    if bad or not cols:
        _problem(
            details,
            "columns",
            f"unknown column(s) {', '.join(bad) or '(none given)'} for {spec.type}; "
            f"allowed: {', '.join(spec.columns)}{_by_name(spec)}",
        )
    if len(set(cols)) != len(cols):
        _problem(details, "columns", "a column is named twice")
    return cols


def _database(spec: ReportSpec, database: str | None, details: list[ErrorDetail]) -> str | None:
    if database is None:
        if spec.database is DbRule.REQUIRED:
            allowed = [c for c, d in DATABASES.items() if not spec.keyword_db or d.keyword_reports]
            _problem(
                details, "database", f"{spec.type} needs a database; allowed: {', '.join(allowed)}"
            )
        return None
    if spec.database is DbRule.NONE:
        _problem(details, "database", f"{spec.type} takes no database")
        return None
    code = database.strip().lower()
    db = DATABASES.get(code)
    if db is None:
        # Semrush may add databases: warn and pass the code through (landscape §4 #10).
        logger.warning(
            "database %r is not in the documented list (nearest known codes: %s); "
            "sending it as given",
            code,
            ", ".join(nearest_databases(code, keyword_reports=spec.keyword_db)),
        )
    elif spec.keyword_db and not db.keyword_reports:
        allowed = [c for c, d in DATABASES.items() if d.keyword_reports]
        _problem(
            details,
            "database",
            f"{code!r} is a {db.kind.value} database; keyword reports ({spec.type}) take "
            f"desktop databases only: {', '.join(allowed)}",
        )
    return code


def _date(
    spec: ReportSpec, value: date | str | None, today: date, details: list[ErrorDetail]
) -> date | None:
    if value is None:
        return None
    if not spec.dated:
        _problem(details, "date", f"{spec.type} takes no date (it has no historical snapshots)")
        return None
    if isinstance(value, datetime):
        value = value.date()
    if spec.months is not None:
        return _month(spec, value, today, details)
    if isinstance(value, str):
        try:
            value = date(int(value[:4]), int(value[4:6]), int(value[6:8] or 15))
        except ValueError:
            _problem(details, "date", f"date {value!r} is not YYYYMMDD")
            return None
    if value > today:
        _problem(details, "date", f"date {value.isoformat()} is in the future")
        return None
    if (value.year, value.month) == (today.year, today.month):
        # This month's snapshot is the live data (is_historical): ask for it as such.
        return None
    if not spec.daily_dates:
        # Monthly snapshots are dated the 15th (YYYYMM15): any day names its month.
        value = value.replace(day=15)
    return value


def _month(
    spec: ReportSpec, value: date | str, today: date, details: list[ErrorDetail]
) -> date | None:
    rule = spec.months
    assert rule is not None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            _problem(details, "date", f"date {value!r} is not a date (YYYY-MM-DD)")
            return None
    month, last = value.replace(day=1), rule.last(today)
    if not rule.first <= month <= last:
        _problem(
            details,
            "date",
            f"{spec.type} takes a month from {rule.first:%Y-%m} to {last:%Y-%m}, got {month:%Y-%m}",
        )
        return None
    return month


def _options(
    spec: ReportSpec, options: Mapping[str, Any], details: list[ErrorDetail]
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, raw in options.items():
        if raw is None or raw is False:
            continue
        allowed = spec.options.get(name)
        if allowed is None:
            known = ", ".join(spec.options) or "none"
            _problem(details, name, f"{spec.type} takes no {name}; its options: {known}")
            continue
        if raw is True:
            value = "true" if "true" in allowed else "1"
        elif isinstance(raw, list | tuple):
            value = ",".join(str(v).strip() for v in raw)
        else:
            value = str(raw)
        # An empty ``allowed``: a free-form value.
        if allowed and value not in allowed:
            _problem(details, name, f"{name}={value!r}; allowed: {', '.join(allowed)}")
            continue
        out.append((name, value))
    names = {n for n, _ in out}
    if (
        spec.type == "domain_organic"
        and "display_daily" in names
        and ("display_positions" not in names)
    ):
        _problem(
            details,
            "display_daily",
            "domain_organic takes display_daily only together with display_positions",
        )
    return out


def _target(
    spec: ReportSpec, given: Mapping[str, Any], details: list[ErrorDetail]
) -> tuple[str, tuple[str, ...], int]:
    """A named target (``domain=``...): (its value, domain_domains' keys, rows per
    unpaged request)."""
    named = {k: v for k, v in given.items() if v is not None}
    wrong = [k for k in named if k != spec.target]
    if wrong:
        if wrong == ["target"] and spec.target:
            _problem(details, "target", f"{spec.type} names its target {spec.target}=, not target=")
        else:
            want = f"{spec.target}=" if spec.target else "no target"
            _problem(details, wrong[0], f"{spec.type} takes {want}, not {', '.join(wrong)}=")
    if spec.target is None:
        return "", (), spec.rows_per_request or 1
    value = named.get(spec.target)
    lines = spec.rows_per_request or 1
    if value is None or (isinstance(value, str) and not value.strip()):
        _problem(details, spec.target, f"{spec.type} needs {spec.target}= (non-empty)")
        return "", (), lines
    if spec.encode_target is not None:
        try:
            encoded, keys = spec.encode_target(value)
        except ValidationError as e:
            details.extend(e.details)
            return "", (), lines
        # Rows an unpaged request returns at most: one per entry unless the row says.
        return encoded, keys, spec.rows_per_request or max(1, len(keys))
    if spec.max_phrases > 1:
        phrases = [value] if isinstance(value, str) else list(value)
        phrases = [p for part in phrases for p in part.split(";")]
        phrases = [p.strip() for p in phrases]
        if any(not p for p in phrases):
            _problem(details, "phrase", "an empty keyword in the list")
        if len(phrases) > spec.max_phrases:
            _problem(
                details,
                "phrase",
                f"{spec.type} takes at most {spec.max_phrases} keywords, got {len(phrases)}",
            )
        return ";".join(phrases), (), len(phrases)
    if not isinstance(value, str):
        _problem(details, spec.target, f"{spec.target}= takes one string")
        return "", (), lines
    if spec.target == "phrase" and ";" in value:
        _problem(details, "phrase", f"{spec.type} takes one keyword (';' separates several)")
    return value.strip(), (), lines


def _typed_targets(
    spec: ReportSpec,
    given: Mapping[str, Any],
    target_types: Sequence[Any],
    details: list[ErrorDetail],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Backlinks' shape: ``target`` (one, or a list for a multi-target report) and a
    ``target_type`` for each (one type stands for all)."""
    wrong = [k for k, v in given.items() if v is not None and k != "target"]
    if wrong:
        _problem(
            details,
            wrong[0],
            f"{spec.type} takes target= and target_type=, not {', '.join(wrong)}=",
        )
    value = given.get("target")
    targets: tuple[str, ...] = (value,) if isinstance(value, str) else tuple(value or ())
    types = tuple(str(t) for t in target_types)
    if spec.multi_target and len(types) == 1 and len(targets) > 1:
        types = types * len(targets)
    if not targets or any(not isinstance(t, str) or not t.strip() for t in targets):
        _problem(details, "target", "a non-empty target is required")
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if spec.multi_target and twice:
        # A matrix names its per-target columns after the targets.
        _problem(details, "targets", f"each target once; given more than once: {', '.join(twice)}")
    if len(targets) > spec.max_targets:
        _problem(
            details,
            "targets",
            f"{spec.type} takes at most {spec.max_targets} targets, got {len(targets)}",
        )
    if len(types) != len(targets):
        _problem(details, "target_types", f"{len(types)} target types for {len(targets)} targets")
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
    return targets, types


def report_query(
    spec: ReportSpec,
    base_url: str,
    *,
    targets: Mapping[str, Any],
    target_types: Sequence[Any] = (),
    database: str | None = None,
    columns: Iterable[str] | str | None = None,
    sort: str | None = None,
    filters: Filters = None,
    display_date: date | str | None = None,
    escape: bool | None = None,
    options: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> ReportQuery:
    """Validate a request for any v3 report (nothing is sent); raise ValidationError.

    ``targets`` holds every target parameter the caller named (``{"domain": ...}``;
    Backlinks: ``{"target": ...}`` with ``target_types``).
    """
    details: list[ErrorDetail] = []
    today = today or date.today()
    keys: tuple[str, ...] = ()
    if spec.target_pair:
        values, types = _typed_targets(spec, targets, target_types, details)
        lines = len(values)
    else:
        target, keys, lines = _target(spec, targets, details)
        values, types = ((target,) if spec.target else ()), ()
    db = _database(spec, database, details)
    cols = _columns(spec, columns, details)
    if sort is not None and sort not in spec.sorts:
        allowed = ", ".join(spec.sorts) or "none (this report takes no display_sort)"
        _problem(details, "sort", f"unknown sort {sort!r} for {spec.type}; allowed: {allowed}")
    filt: str | None = None
    if filters is not None:
        items = [filters] if isinstance(filters, Filter | str) else list(filters)
        if items:
            try:
                filt = encode_filters(items, spec.filters)
            except ValidationError as e:
                details += e.details or [ErrorDetail(field="filters", message=e.message)]
    when = _date(spec, display_date, today, details)
    opts = _options(spec, options or {}, details)
    if escape and not spec.escape:
        _problem(details, "escape", f"{spec.type} takes no export_escape")
    if details:
        raise ValidationError(f"invalid {spec.type} request", details=details)
    extra: list[tuple[str, str]] = []
    if db is not None:
        extra.append(("database", db))
    if when is not None:
        fmt = "%Y%m%d" if spec.months is None else "%Y-%m-%d"
        extra.append(("display_date", when.strftime(fmt)))
    extra += opts
    if spec.escape and escape is not False:
        # Every value quoted: text cells may hold ';', '"' and line breaks
        # (landscape §4 #5).
        extra.append(("export_escape", "1"))
    return ReportQuery(
        spec,
        base_url,
        values,
        types,
        cols,
        sort,
        filt,
        tuple(extra),
        spec.price_for(when, today),
        keys,
        lines,
    )
