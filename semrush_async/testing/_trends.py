"""Sandbox Trends API v3 (``/analytics/ta/api/v3/<report>``, v3 key as ``key=``) and the
Trends balance (``/analytics/ta/limits/key/<KEY>``), with a quota of its own.

The rules are stated here and in :mod:`._trends_data` from the facts (coverage §3 and
the [AUR] ``trends_*.md`` pages), not taken from the client. Where the docs are silent
the sandbox decides (INFERENCE, listed in ``docs/sandbox.md``):

* Errors are ``ERROR <code> :: <MESSAGE>`` with the SEO API's codes [AUR]: HTTP 400 for
  parameters ("Invalid requests return HTTP 400"), 403 for the key (120, 122) and the
  quota (132), as the Analytics sandbox does. Message texts are ours.
* Parameters a report does not document are refused (10000), and so is a repeated one
  (10001). Empty answers are ``ERROR 50 :: NOTHING FOUND`` with HTTP 200.
* ``display_limit`` below 1 is refused (10011); above the maximum 10012; an offset
  above its maximum 10012. ``sort_order`` without ``_asc``/``_desc`` means ``_desc``.
* ``segment=excludes`` needs ``selected_targets`` to leave at least one target out
  (10040). A ``subfolder`` target needs a path and the others none (10015).
* The quota: a per-request report costs its price when the quota covers it, else
  ``ERROR 132``; ``summary`` returns as many lines as the quota pays for. A report is
  charged when its body starts (a ``drop`` fault is charged).
* The balance body is JSON ``monthly_limit``/``monthly_used``/``monthly_remaining``
  plus the legacy ``daily_*``/``hourly_*`` (never decremented) and a ``plan`` field
  clients do not know.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import attrs
from aiohttp import web

from semrush_async.testing._trends_data import CATEGORIES, COUNTRIES, REPORTS, TrendsReport
from semrush_async.testing._trends_rows import Ctx, trends_rows, trends_size
from semrush_async.testing._v3 import V3Error, check_key

if TYPE_CHECKING:
    from semrush_async.testing._state import SandboxState

__all__ = ["TrendsServer", "setup_trends"]

BASE: Final = "/analytics/ta/api/v3/"
LIMITS: Final = "/analytics/ta/limits/key/"
#: The default monthly Trends quota ([AE plans]: 10,000 requests a month).
DEFAULT_QUOTA: Final = 10_000
DELIMITERS: Final = (";", ",")


class TrendsServer:
    """Trends quotas (per key, apart from the Standard units) and the CSV delimiter."""

    def __init__(self, quota: int = DEFAULT_QUOTA, delimiter: str = ";") -> None:
        if delimiter not in DELIMITERS:
            raise ValueError(f"delimiter must be one of {DELIMITERS}, got {delimiter!r}")
        self.delimiter = delimiter
        self.default_quota = quota
        self.quotas: dict[str, int] = {}
        self.used: dict[str, int] = {}
        #: The date the sandbox believes it is (None: today, UTC).
        self.today: dt.date | None = None

    def quota(self, key: str) -> int:
        return self.quotas.get(key, self.default_quota)

    def remaining(self, key: str) -> int:
        return max(0, self.quota(key) - self.used.get(key, 0))

    def charge(self, key: str, units: int) -> None:
        self.used[key] = self.used.get(key, 0) + units

    def on_sandbox_reset(self) -> None:
        self.used.clear()

    def date(self) -> dt.date:
        return self.today or dt.datetime.now(dt.UTC).date()


@attrs.frozen
class _Plan:
    spec: TrendsReport
    ctx: Ctx
    columns: tuple[str, ...]
    limit: int | None
    offset: int
    sort: tuple[str, bool] | None


def _bad(code: int, message: str) -> V3Error:
    return V3Error(code, message, 400)


def _month(value: str) -> dt.date:
    try:
        when = dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(10000, f"WRONG VALUE FOR DISPLAY_DATE {value!r}: USE YYYY-MM-01") from None
    if len(value) != 10:
        raise _bad(10000, f"WRONG VALUE FOR DISPLAY_DATE {value!r}: USE YYYY-MM-01")
    if when.day != 1:
        raise _bad(10043, "DISPLAY_DATE MUST BE THE FIRST DAY OF A MONTH (YYYY-MM-01)")
    return when


def _first_of_previous(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _int(q: Mapping[str, str], name: str, default: int, lo: int, hi: int | None) -> int:
    raw = q.get(name)
    if raw is None:
        return default
    if not raw.lstrip("-").isdigit():
        raise _bad(10000, f"WRONG VALUE FOR {name.upper()} {raw!r}: AN INTEGER")
    value = int(raw)
    if value < lo:
        raise _bad(10011, f"{name.upper()} BELOW MINIMUM {lo}")
    if hi is not None and value > hi:
        raise _bad(10012, f"{name.upper()} ABOVE MAXIMUM {hi}")
    return value


def _is_domain(target: str) -> bool:
    host, _, _path = target.partition("/")
    if not host or "." not in host or host.startswith(".") or host.endswith("."):
        return False
    return not any(c in target for c in " \t\r\n:?#@\\") and "://" not in target


def _targets(spec: TrendsReport, raw: str) -> list[str]:
    values = [t.strip() for t in raw.split(",")]
    for t in values:
        if not _is_domain(t):
            raise _bad(10042, f"{t!r} IS NOT A DOMAIN")
    if len(values) > spec.max_targets:
        raise _bad(10030, f"TOO MANY VALUES FOR {spec.target!r} (MAX {spec.max_targets})")
    if len({t.lower() for t in values}) != len(values):
        raise V3Error(402, "Duplicate domains", 400)
    return values


def _enum(q: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = q.get(name)
    if value is not None and value not in allowed:
        raise _bad(10000, f"WRONG VALUE FOR {name.upper()} {value!r}: ONE OF {', '.join(allowed)}")
    return value


def plan(request: web.Request, server: TrendsServer) -> _Plan:
    """Validate a report request the way the Trends docs state it."""
    spec = REPORTS.get(request.match_info["report"])
    if spec is None:
        raise V3Error(10000, f"UNKNOWN REPORT: ONE OF {', '.join(REPORTS)}", 404)
    q: dict[str, str] = {}
    for name, value in request.query.items():
        if name not in spec.params:
            raise _bad(10000, f"UNKNOWN PARAMETER {name!r} FOR {spec.name.upper()}")
        if name in q:
            raise _bad(10001, f"DUPLICATED PARAMETER {name!r}")
        q[name] = value
    today = server.date()
    options: dict[str, str] = {}

    target = ""
    if spec.target is not None:
        raw = q.get(spec.target, "").strip()
        if not raw:
            raise _bad(10013, f"REQUIRED PARAMETER {spec.target!r} NOT SPECIFIED")
        if spec.target == "category":
            if raw not in CATEGORIES:
                raise _bad(10000, f"WRONG VALUE FOR CATEGORY {raw!r}: ONE OF THE 110 CATEGORIES")
            target = raw
        else:
            targets = _targets(spec, raw)
            target = ",".join(targets)
            if spec.name == "audience_insights":
                options["selected_targets"] = _selected(q, targets)
    if spec.target_types:
        # "Root domain. Use target_type for subdomains or subfolders": a path needs
        # target_type=subfolder, and a subfolder needs a path.
        ttype = _enum(q, "target_type", spec.target_types) or "domain"
        if (ttype == "subfolder") != ("/" in target.rstrip("/")):
            raise _bad(10015, f"TARGET {target!r} DOES NOT FIT TARGET_TYPE {ttype}")
        if "target_type" in q:
            options["target_type"] = ttype
    for name, allowed in spec.options.items():
        chosen = _enum(q, name, allowed)
        if chosen is not None:
            options[name] = chosen
    if "search_string" in q:
        options["search_string"] = q["search_string"]

    first = spec.min_date
    last = today.replace(day=1) if spec.current_month else _first_of_previous(today)
    when = _month(q["display_date"]) if "display_date" in q else _first_of_previous(today)
    if when < first:
        raise _bad(10011, f"DISPLAY_DATE BELOW MINIMUM {first.isoformat()}")
    if when > last:
        raise _bad(10012, f"DISPLAY_DATE ABOVE MAXIMUM {last.isoformat()}")
    if options.get("include_forecasted_items") == "true" and when != today.replace(day=1):
        raise _bad(10015, "INCLUDE_FORECASTED_ITEMS NEEDS DISPLAY_DATE OF THE CURRENT MONTH")

    device = "all"
    if "device_type" in spec.params:
        if spec.device_required and "device_type" not in q:
            raise _bad(10013, "REQUIRED PARAMETER 'device_type' NOT SPECIFIED (desktop)")
        device = _enum(q, "device_type", spec.devices) or "all"
    country = "GLOBAL"
    if "country" in q:
        if q["country"].lower() not in COUNTRIES:
            hint = " (THE UNITED KINGDOM IS gb)" if q["country"].lower() == "uk" else ""
            raise _bad(10000, f"WRONG VALUE FOR COUNTRY {q['country']!r}: ISO 3166-1{hint}")
        country = q["country"].upper()

    columns = spec.header
    if "export_columns" in q:
        columns = tuple(c.strip() for c in q["export_columns"].split(","))
        unknown = [c for c in columns if c not in spec.columns]
        if unknown:
            raise _bad(
                10000,
                f"WRONG EXPORT COLUMNS {','.join(unknown)}: SOME OF {','.join(spec.columns)}",
            )
        if len(set(columns)) != len(columns):
            raise _bad(10014, "DUPLICATE VALUES IN EXPORT_COLUMNS")

    limit: int | None = None
    offset = 0
    if spec.limit is not None:
        default, top = spec.limit
        limit = _int(q, "display_limit", default, 1, top)
        offset = _int(q, "display_offset", 0, 0, spec.max_offset)
    sort = None
    if "sort_order" in q:
        field, _, direction = q["sort_order"].rpartition("_")
        if direction not in ("asc", "desc"):
            field, direction = q["sort_order"], "desc"
        if field not in spec.sorts:
            raise _bad(
                10000,
                f"WRONG VALUE FOR SORT_ORDER {q['sort_order']!r}: "
                f"<field>_asc|_desc WITH FIELD ONE OF {', '.join(spec.sorts)}",
            )
        sort = (field, direction == "desc")
    ctx = Ctx(spec.name, target, when, device, country, tuple(sorted(options.items())), today)
    return _Plan(spec, ctx, columns, limit, offset, sort)


def _selected(q: Mapping[str, str], targets: list[str]) -> str:
    raw = q.get("selected_targets", "").strip()
    if not raw:
        raise _bad(10013, "REQUIRED PARAMETER 'selected_targets' NOT SPECIFIED")
    chosen = [t.strip() for t in raw.split(",")]
    if len(set(chosen)) != len(chosen):
        raise _bad(10014, "DUPLICATE VALUES IN SELECTED_TARGETS")
    if not set(chosen) <= set(targets):
        raise _bad(10041, "SELECTED_TARGETS MUST ALL BE IN TARGETS")
    if q.get("segment") == "excludes" and len(chosen) >= len(targets):
        raise _bad(10040, "SELECTED_TARGETS EXCEEDS THE EXCLUDES SEGMENT LIMIT")
    return ",".join(chosen)


def select(seed: int, p: _Plan) -> list[dict[str, str]]:
    """The rows a valid request answers (filters, sort, paging), before the quota."""
    n = trends_size(seed, p.ctx)
    filtered = bool(
        {"traffic_channel", "traffic_type", "search_string"} & dict(p.ctx.options).keys()
    )
    if p.sort is None and not filtered:
        stop = n if p.limit is None else min(n, p.offset + p.limit)
        return trends_rows(seed, p.ctx, range(min(p.offset, n), stop))
    rows = trends_rows(seed, p.ctx)
    opts = dict(p.ctx.options)
    if "traffic_channel" in opts:
        rows = [r for r in rows if r["channel"] == opts["traffic_channel"]]
    if "traffic_type" in opts:
        rows = [r for r in rows if r["traffic_type"] == opts["traffic_type"]]
    if "search_string" in opts:
        rows = [r for r in rows if opts["search_string"].lower() in r["subfolder"].lower()]
    if p.sort is not None:
        field, desc = p.sort
        rows.sort(key=lambda r: float(r[field] or 0), reverse=desc)
    stop = len(rows) if p.limit is None else p.offset + p.limit
    return rows[p.offset : stop]


def _csv(header: tuple[str, ...], rows: list[dict[str, str]], delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([r[c] for c in header] for r in rows)
    return buf.getvalue()


def setup_trends(
    app: web.Application, state: SandboxState, quota: int = DEFAULT_QUOTA, delimiter: str = ";"
) -> TrendsServer:
    """Register the 21 reports and the balance endpoint (endpoints ``trends``,
    ``trends.limits``; both also count against the account-wide limit)."""
    server = TrendsServer(quota, delimiter)
    state.extensions["trends"] = server

    async def report(request: web.Request) -> web.StreamResponse:
        try:
            key = check_key(state, request.query.get("key"))
        except V3Error as e:
            return e.response()

        async def handle() -> web.StreamResponse:
            try:
                p = plan(request, server)
            except V3Error as e:
                return e.response()
            rows = select(state.seed, p)
            spec = p.spec
            remaining = server.remaining(key)
            if not rows and spec.free_when_empty:
                return V3Error(50, "NOTHING FOUND").response()
            if spec.per_line:
                if remaining == 0:
                    return V3Error(132, "API UNITS BALANCE IS ZERO", 403).response()
                # Per-line reports return the lines the quota pays for [AUR balance].
                rows = rows[:remaining]
                cost = len(rows) * spec.price
            else:
                if remaining < spec.price:
                    return V3Error(132, "API UNITS BALANCE IS ZERO", 403).response()
                cost = spec.price
            server.charge(key, cost)
            if not rows:
                return V3Error(50, "NOTHING FOUND").response()
            body = _csv(p.columns, rows, server.delimiter)
            return web.Response(text=body, content_type="text/csv", charset="utf-8")

        return await state.governed(request, key, "trends", handle, account_wide=True)

    async def limits(request: web.Request) -> web.StreamResponse:
        try:
            key = check_key(state, request.match_info.get("key"))
        except V3Error as e:
            return e.response()

        async def handle() -> web.StreamResponse:
            limit, used = server.quota(key), server.used.get(key, 0)
            doc = {
                "monthly_limit": limit,
                "monthly_used": used,
                "monthly_remaining": max(0, limit - used),
                # Legacy fields, kept "for backward compatibility", never decremented.
                "daily_limit": limit,
                "daily_used": 0,
                "daily_remaining": limit,
                "hourly_limit": limit,
                "hourly_used": 0,
                "hourly_remaining": limit,
                "plan": "Trends Premium",
            }
            return web.Response(text=json.dumps(doc), content_type="application/json")

        return await state.governed(request, key, "trends.limits", handle, account_wide=True)

    state.declare("trends", "trends.limits")
    app.router.add_get(BASE + "{report}", report)
    app.router.add_get(LIMITS + "{key}", limits)
    app.router.add_get(LIMITS, limits)
    return server
