"""Sandbox Analytics v3 reports at the API root (``GET /?type=...``): all 46 types.

What is legal comes from the sandbox's own report table (``_root_rules``: columns,
sorts, filter fields, targets, database rule, dates, options, prices) and column
registry (``_root_columns``: headers, value types, databases); how to answer is
written here. Row ``i`` is a pure function of
(seed, report, target, database, date, i) (:func:`root_row`, :func:`root_size`), so
tests compute the expected rows without the server.

Targets: ``empty*`` has nothing (``ERROR 50 :: NOTHING FOUND``); ``tiny.example`` 3
rows, ``small.example`` 25, ``medium.example`` 2,500, ``big.example`` 150,000 (for
streaming); ``tricky.example`` 12 rows whose text cells hold ``;``, ``"``, line
breaks, commas and non-ASCII; any other target 1..300 by hash.
"""

from __future__ import annotations

import fnmatch
import zlib
from collections.abc import Mapping
from datetime import date
from typing import Final

from aiohttp import web

from semrush_async.testing._data import _mix, _seed_of
from semrush_async.testing._root_columns import COLUMNS, DATABASES, DESKTOP_DATABASES, Kind
from semrush_async.testing._root_rules import ROOT_REPORTS, RootReport
from semrush_async.testing._state import SandboxState
from semrush_async.testing._v3 import (
    DEFAULT_LIMIT,
    Plan,
    V3Error,
    mandatory,
    parse_int,
    serve_report,
)

__all__ = ["TRICKY_TEXTS", "root_row", "root_size", "setup_root_reports"]

SIZES: Final[Mapping[str, int]] = {
    "tiny.example": 3,
    "small.example": 25,
    "medium.example": 2_500,
    "big.example": 150_000,
    "tricky.example": 12,
}
TRICKY_TEXTS: Final = (
    'semi;colon and "quotes"',
    "line\nbreak inside",
    "comma, inside, cell",
    "Ünïcödé café — 日本語のキーワード",
    '"";;""',
    "trailing space ",
    "crlf\r\ninside",
    "tab\tinside",
)
_WORDS: Final = ("seo", "shoes", "coffee", "python", "garden", "travel", "bank", "music")
_TARGET_CODES: Final = {"domain": 42, "phrase": 43, "url": 44, "domains": 42}
#: Databases returned by the all-database reports when none is given.
_ALL_DBS: Final = DESKTOP_DATABASES
#: The base text of generated text cells, by column.
_TEXT_BASE: Final = {"Tt": "title", "Ds": "description", "Sn": "shop_name",
                     "Fl": "serp_features_legacy"}  # fmt: skip
_TODAY_SNAPSHOT_DAY: Final = 15


def _key(target: str) -> str:
    return target.lower().removeprefix("https://").removeprefix("http://").split("/")[0]


def root_size(report: str, seed: int, target: str, database: str | None = None) -> int:
    """Rows ``report`` has for ``target`` (a ``;`` list for batch keyword reports)."""
    spec = ROOT_REPORTS[report]
    key = _key(target.split(";")[0].split("|")[-1]) if target else ""
    if key.startswith("empty"):
        return 0
    if spec.max_phrases > 1:
        return len(target.split(";"))
    if not spec.paged:
        if spec.database == "optional" and database is None:
            return len(_ALL_DBS)
        return 1
    if spec.database == "optional" and database is None:
        return 20
    if report.endswith("_rank_history"):
        return 24
    if key in SIZES:
        return SIZES[key]
    return 1 + _seed_of(seed, key, "root-size") % 300


def _text(h: int, i: int, tricky: bool, base: str) -> str:
    if tricky:
        # Consecutive rows cycle through every tricky text, whatever the hash.
        return f"{TRICKY_TEXTS[(i + len(base)) % len(TRICKY_TEXTS)]} #{i}"
    return f"{base} {_WORDS[h % len(_WORDS)]} {i}"


def _value(code: str, h: int, i: int, n: int, ctx: _Ctx) -> str:
    """One raw cell as Semrush would send it (before any CSV quoting)."""
    col = COLUMNS[code]
    # A shift per column code (crc32, not a sum of characters: "Pp" and "Nr" summed
    # alike and carried the same number).
    k = (h >> (zlib.crc32(code.encode()) % 40)) & 0xFFFFFF
    kind = col.kind
    if code == "Ph":
        if ctx.phrases:
            return ctx.phrases[i]
        return _text(k, i, ctx.tricky, "keyword")
    if code in _TEXT_BASE:
        return _text(k, i, ctx.tricky, _TEXT_BASE[code])
    if code == "Ur":
        return f"https://{ctx.host}/page/{i}?q={k % 97}"
    if code == "Vu":
        return f"{ctx.host}/landing/{k % 50}"
    if code == "Dn":
        return f"site{(k + i) % 9973}.example"
    if code == "Db":
        return ctx.databases[i % len(ctx.databases)]
    if code == "Un":
        return f"ad{k:06x}"
    if code == "Ab":
        return ("top", "side", "bottom")[k % 3]
    if code == "Dt":
        if ctx.report == "phrase_all":
            return f"{2024 - (i % 5)}{1 + k % 12:02d}"
        year, month = 2024 - (i // 12) % 10, 12 - i % 12
        return f"{year}{month:02d}15"
    if code == "Ts":
        return str(1_600_000_000 + (k * 37) % 100_000_000)
    if code == "Po":
        return str(1 + (i * 100) // max(1, n) % 100)
    if code == "Pt":
        return "-1" if k % 3 else str(k % 52)
    if code in ("P0", "P1", "P2", "P3", "P4"):
        # Positions of the compared domains only (0: not ranking).
        return str(k % 101) if int(code[1]) < ctx.compared else ""
    if kind is Kind.TREND:
        return ",".join(f"{((k >> j) % 101) / 100:.2f}" for j in range(12))
    if kind is Kind.INTENTS:
        return ",".join(str(x) for x in sorted({k % 4, (k >> 3) % 4})) if k % 5 else ""
    if kind is Kind.FEATURES:
        picks = sorted({(k >> s) % 53 for s in (0, 6, 12)} - {33})
        # A code Semrush may add later must survive (tolerant enum).
        return ",".join(map(str, picks)) + (",99" if k % 17 == 0 else "") if k % 7 else ""
    if kind is Kind.FLOAT:
        if code in ("Co", "Cr", "Rr", "Tr", "Tc"):
            return f"{(k % 1000) / 1000:.3f}"
        return f"{(k % 10_000) / 100:.2f}"
    if kind is Kind.INT:
        if code in ("Om", "Tm", "Um", "Am", "Bm", "Cm", "Pd", "Srm", "Stm", "Scm"):
            return str(k % 2001 - 1000)
        if code == "Nq":
            return str(max(0, 1_000_000 - (i * 1_000_000) // max(1, n)) + k % 10)
        return str(k % 1_000_000)
    return _text(k, i, ctx.tricky, code)


class _Ctx:
    __slots__ = ("compared", "databases", "host", "phrases", "report", "tricky")

    def __init__(self, report: str, target: str, database: str | None) -> None:
        self.report = report
        key = _key(target.split("|")[-1]) if target else "semrush.example"
        self.host = key or "semrush.example"
        self.tricky = key == "tricky.example"
        spec = ROOT_REPORTS[report]
        self.phrases = tuple(target.split(";")) if spec.max_phrases > 1 else ()
        self.databases = (database,) if database else _ALL_DBS
        self.compared = len(target.split("|")) // 3 if spec.target == "domains" else 0


def root_row(
    report: str,
    seed: int,
    target: str,
    i: int,
    *,
    database: str | None = None,
    display_date: str | None = None,
) -> dict[str, str]:
    """Every available column (code -> raw cell) of row ``i`` of ``report``."""
    spec = ROOT_REPORTS[report]
    n = root_size(report, seed, target, database)
    ctx = _Ctx(report, target, database)
    base = _seed_of(seed, f"{target}\0{database}\0{display_date}", report)
    h = _mix(base, i)
    return {code: _value(code, h, i, n, ctx) for code in spec.columns}


def setup_root_reports(app: web.Application, state: SandboxState) -> None:
    """Register ``GET /?type=...``: the 46 root reports (anything else at ``/`` is a
    404); every report counts against ``account``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        quote_all = request.query.get("export_escape") == "1"
        return await serve_report(request, _plan, quote_all=quote_all)

    app.router.add_get("/", handler)


def _plan(request: web.Request, state: SandboxState) -> Plan:
    q = request.query
    rtype = q.get("type")
    if not rtype:
        raise mandatory(41, "type")
    spec = ROOT_REPORTS.get(rtype)
    if spec is None:
        raise V3Error(10001, "WRONG REPORT TYPE", 400)
    target = ""
    if spec.target is not None:
        target = q.get(spec.target, "")
        if not target.strip():
            raise mandatory(_TARGET_CODES.get(spec.target, 42), spec.target)
        if spec.max_phrases > 1 and len(target.split(";")) > spec.max_phrases:
            raise V3Error(10014, "TOO MANY VALUES", 400)
    domains: list[str] = []
    if spec.target == "domains":
        parts = target.split("|")
        if len(parts) % 3 or not 1 <= len(parts) // 3 <= 5:
            raise V3Error(10000, "WRONG VALUE FOR DOMAINS", 400)
        for j in range(0, len(parts), 3):
            if parts[j] not in "*+-/" or parts[j + 1] not in ("or", "ad"):
                raise V3Error(10000, "WRONG VALUE FOR DOMAINS", 400)
            domains.append(parts[j + 2])
    database = q.get("database") or None
    if database is None and spec.database == "required":
        raise mandatory(46, "database")
    if database is not None:
        kind = DATABASES.get(database)
        # §5: "Mobile/extended not available for keyword reports".
        if kind is None or (spec.keyword_db and kind != "desktop"):
            raise V3Error(133, "DB ACCESS DENIED", 403)
    raw_cols = q.get("export_columns", "")
    columns = [c.strip() for c in raw_cols.split(",")] if raw_cols else list(spec.default_columns)
    bad = [c for c in columns if c not in spec.columns]
    if bad:
        raise V3Error(10002, f"WRONG EXPORT COLUMNS: {','.join(bad)}", 400)
    sort = q.get("display_sort") or None
    if sort is not None and sort not in spec.sorts:
        raise V3Error(10003, "WRONG DISPLAY_SORT VALUE", 400)
    conds = _parse_filter(spec, q.get("display_filter") or "")
    display_date = q.get("display_date") or None
    if display_date is not None:
        _check_date(spec, display_date)
    for name in ("display_daily", "display_positions", "display_positions_type", "positions_type"):
        value = q.get(name)
        if value is not None and value not in spec.options.get(name, ()):
            raise V3Error(10000, f"WRONG VALUE FOR {name.upper()}", 400)
    when = (
        date(int(display_date[:4]), int(display_date[4:6]), int(display_date[6:8]))
        if display_date
        else None
    )
    price = spec.price_for(when)
    if spec.paged:
        limit = parse_int(q.getall("display_limit", None), "display_limit") or DEFAULT_LIMIT
        offset = parse_int(q.getall("display_offset", None), "display_offset")
        if limit > spec.max_end:
            raise V3Error(613, "TOO MANY ROWS REQUESTED", 400)
        if offset and offset >= limit:
            raise V3Error(605, "DISPLAY_OFFSET MUST BE LESS THAN DISPLAY_LIMIT", 400)
        if limit - offset > spec.max_page:
            raise V3Error(613, "TOO MANY ROWS REQUESTED", 400)
    else:
        limit, offset = 1 << 40, 0
    seed = state.seed
    total = root_size(rtype, seed, target, database)

    def gen(i: int) -> dict[str, str]:
        return root_row(rtype, seed, target, i, database=database, display_date=display_date)

    order: list[int] | None = None
    if sort or conds:
        order = [i for i in range(total) if _matches(conds, gen(i))]
        if sort:
            col, _, direction = sort.rpartition("_")
            code = next(c for c in spec.columns if c.lower() == col)
            order.sort(key=lambda i: float(gen(i)[code] or 0), reverse=direction == "desc")
    size = total if order is None else len(order)
    n = max(0, min(size, limit) - offset)
    header = [COLUMNS[c].header for c in columns]
    for j, c in enumerate(columns):
        if c.startswith("P") and c[1:].isdigit() and spec.target == "domains":
            k = int(c[1:])
            # The response names P0..P4 after the compared domains.
            header[j] = domains[k] if k < len(domains) else c

    def make(i: int) -> list[str]:
        idx = offset + i if order is None else order[offset + i]
        r = gen(idx)
        return [r[c] for c in columns]

    return header, n, make, price


def _check_date(spec: RootReport, value: str) -> None:
    if not spec.dated:
        raise V3Error(10000, "DISPLAY_DATE IS NOT SUPPORTED", 400)
    try:
        when = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise V3Error(10000, "WRONG VALUE FOR DISPLAY_DATE", 400) from None
    if len(value) != 8 or (not spec.daily_dates and when.day != _TODAY_SNAPSHOT_DAY):
        raise V3Error(10000, "WRONG VALUE FOR DISPLAY_DATE", 400)
    if when > date.today():
        raise V3Error(10000, "WRONG VALUE FOR DISPLAY_DATE", 400)


Condition = tuple[str, str, str, str]
_TEXT_OPS: Final = ("Bw", "Ew", "Eq", "Co", "Wm")
_NUM_OPS: Final = ("Eq", "Gt", "Lt")


def _parse_filter(spec: RootReport, raw: str) -> list[Condition]:
    if not raw:
        return []
    parts = raw.split("|")
    if len(parts) % 4 or len(parts) // 4 > 25:
        raise V3Error(10004, "WRONG FILTER FORMAT", 400)
    out: list[Condition] = []
    for j in range(0, len(parts), 4):
        sign, field, op, value = parts[j : j + 4]
        if sign not in ("+", "-") or field not in spec.filters:
            raise V3Error(10004, "WRONG FILTER FIELD", 400)
        kind = COLUMNS[field].kind if field in COLUMNS else None
        if field in ("Br", "Hs", "Db"):
            ok = op == ""
        elif kind is Kind.TEXT:
            ok = op in _TEXT_OPS
        else:
            ok = op in _NUM_OPS
        if not ok:
            raise V3Error(10004, "WRONG FILTER OPERATION", 400)
        out.append((sign, field, op, value))
    return out


def _matches(conds: list[Condition], r: dict[str, str]) -> bool:
    for sign, field, op, value in conds:
        cell = r.get(field, "")
        if field in ("Br", "Hs", "Db") or field not in COLUMNS:
            hit = True  # not modelled by the synthetic data: every row qualifies
        elif COLUMNS[field].kind is Kind.TEXT:
            v, w = cell.lower(), value.lower()
            hit = {
                "Bw": v.startswith(w),
                "Ew": v.endswith(w),
                "Eq": v == w,
                "Co": w in v,
                "Wm": fnmatch.fnmatchcase(v, w),
            }[op]
        elif "," in cell or COLUMNS[field].kind in (Kind.INTENTS, Kind.FEATURES):
            hit = value in cell.split(",")
        else:
            got, want = float(cell or 0), float(value)
            hit = {"Eq": got == want, "Gt": got > want, "Lt": got < want}[op]
        if hit != (sign == "+"):
            return False
    return True
