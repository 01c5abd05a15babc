"""Sandbox Analytics v3 (``/analytics/v1/``) and unit balance endpoints."""

from __future__ import annotations

import asyncio
import csv
import fnmatch
import io
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from aiohttp import web

from semrush_async._core.units import PRICES, Price
from semrush_async.apis.backlinks.reports import REPORTS, ReportSpec
from semrush_async.testing import _data

if TYPE_CHECKING:
    from semrush_async.testing._sandbox import SandboxState

from semrush_async.testing._echo import balance_key_error
from semrush_async.testing._keys import STATE
from semrush_async.testing._state import CURRENT_FAULT

__all__ = ["analytics_handler", "balance_handler"]

# The docs: "if this parameter is not specified or equals to 0, the default value
# will be 10,000 lines"; public notes give 1,000,000 as the maximum.
DEFAULT_LIMIT: Final = 10_000
MAX_LIMIT: Final = 1_000_000
_BATCH: Final = 1_000
_TEXT_OPS: Final = ("Bw", "Ew", "Eq", "Co", "Wm")
_NUM_OPS: Final = ("Eq", "Gt", "Lt")
_FIXED_FIELDS: Final = frozenset(
    {"type", "newlink", "lostlink", "redirects", "newdomain", "lostdomain"}
)


class _Err(Exception):
    """An Analytics error body ``ERROR code :: MESSAGE`` with an HTTP status."""

    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def response(self) -> web.Response:
        return web.Response(
            status=self.status,
            text=f"ERROR {self.code} :: {self.message}",
            content_type="text/plain",
        )


def _mandatory(code: int, name: str) -> _Err:
    return _Err(code, f'MANDATORY PARAMETER "{name}" NOT SET OR EMPTY', 400)


def check_key(state: SandboxState, key: str | None) -> str:
    # Notes: 122 WRONG FORMAT OR EMPTY KEY, 120 WRONG KEY - ID PAIR. The HTTP status
    # is "not reliable": the sandbox answers these with 403 so clients must read bodies.
    if not key:
        raise _Err(122, "WRONG FORMAT OR EMPTY KEY", 403)
    if key not in state.balances:
        raise _Err(120, "WRONG KEY - ID PAIR", 403)
    return key


async def balance_handler(request: web.Request) -> web.StreamResponse:
    """``/users/countapiunits.html?key=``: the balance with thousands separators."""
    state: SandboxState = request.app[STATE]
    key = request.query.get("key")
    try:
        key = check_key(state, key)
    except _Err as e:
        if state.balance_errors == "json":
            return balance_key_error(key or "")
        return e.response()

    async def handle() -> web.StreamResponse:
        return web.Response(text=f"{state.balances[key]:,}", content_type="text/html")

    # No published limit: counted (and open to injected faults) under "units".
    return await state.governed(request, key, "units", handle)


async def analytics_handler(request: web.Request) -> web.StreamResponse:
    state: SandboxState = request.app[STATE]
    q = request.query
    try:
        key = check_key(state, q.get("key"))
    except _Err as e:
        return e.response()
    return await state.governed(request, key, "account", lambda: _serve(request, state, key))


def _parse_int(q: Sequence[str] | None, name: str) -> int:
    if not q:
        return 0
    try:
        value = int(q[0])
    except ValueError:
        raise _Err(10010, f"WRONG VALUE FOR {name.upper()}", 400) from None
    if value < 0:
        raise _Err(10010, f"WRONG VALUE FOR {name.upper()}", 400)
    return value


async def _serve(
    request: web.Request,
    state: SandboxState,
    key: str,
    planner: Callable[[web.Request, SandboxState], Plan] | None = None,
    quote_all: bool = False,
) -> web.StreamResponse:
    """Charge for and stream a planned report (``quote_all``: ``export_escape=1``)."""
    try:
        plan = (planner or _plan)(request, state)
    except _Err as e:
        return e.response()
    header, n_rows, make_row, price_key = plan
    price = price_key if isinstance(price_key, Price) else PRICES[price_key]
    if n_rows == 0:
        return _Err(50, "NOTHING FOUND").response()
    balance = state.balances[key]
    if price.per_line:
        payable = balance // price.units
        if payable == 0:
            return _Err(132, "API UNITS BALANCE IS ZERO", 403).response()
        # Notes: a line report the balance cannot fully cover returns only the lines
        # it can pay for, with no error.
        n_rows = min(n_rows, payable)
        cost = n_rows * price.units
    else:
        if balance < price.units:
            return _Err(132, "API UNITS BALANCE IS ZERO", 403).response()
        cost = price.units
    state.balances[key] -= cost
    state.units_spent[key] = state.units_spent.get(key, 0) + cost

    fault = CURRENT_FAULT.get()
    resp = web.StreamResponse(headers={"Content-Type": "text/csv; charset=utf-8"})
    await resp.prepare(request)
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=";",
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    drop_at = n_rows // 2 if fault is not None and fault.kind == "drop" else None
    for start in range(0, n_rows, _BATCH):
        stop = min(n_rows, start + _BATCH)
        if drop_at is not None and start <= drop_at < stop:
            stop = drop_at
        for i in range(start, stop):
            writer.writerow(make_row(i))
        data = buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
        if drop_at is not None and stop == drop_at:
            # Cut the body mid-row, then drop the connection.
            await resp.write(data + b"cut;mid")
            state.drop_connection(request)
            return resp
        await resp.write(data)
        await asyncio.sleep(0)
    await resp.write_eof()
    return resp


#: (header, rows, row maker, price: a report type's live price or a Price).
Plan = tuple[list[str], int, Callable[[int], list[str]], str | Price]


def _plan(request: web.Request, state: SandboxState) -> Plan:
    q = request.query
    rtype = q.get("type")
    if not rtype:
        raise _mandatory(41, "type")
    spec = REPORTS.get(rtype)
    if spec is None:
        raise _Err(10001, "WRONG REPORT TYPE", 400)
    seed = state.seed

    if spec.multi_target:
        targets = q.getall("targets[]", [])
        types = q.getall("target_types[]", [])
        if not targets:
            raise _mandatory(44, "targets[]")
        if len(types) != len(targets):
            raise _mandatory(45, "target_types[]")
        if len(targets) > spec.max_targets:
            raise _Err(10012, f"TOO MANY TARGETS (MAX {spec.max_targets})", 400)
        for t in types:
            if t not in spec.target_types:
                raise _Err(10005, "WRONG TARGET TYPE", 400)
        target = ""
    else:
        target = q.get("target", "")
        if not target:
            raise _mandatory(42, "target")
        ttype = q.get("target_type")
        if not ttype:
            raise _mandatory(45, "target_type")
        if ttype not in spec.target_types:
            raise _Err(10005, "WRONG TARGET TYPE", 400)
        targets, types = [target], [ttype]

    if spec.fixed_columns:
        columns = list(spec.columns)
    else:
        raw = q.get("export_columns", "")
        if not raw:
            raise _mandatory(46, "export_columns")
        columns = [c.strip() for c in raw.split(",")]
        bad = [c for c in columns if c not in spec.columns]
        if bad:
            raise _Err(10002, f"WRONG EXPORT COLUMNS: {','.join(bad)}", 400)

    sort = q.get("display_sort") or None
    if sort is not None and sort not in spec.sorts:
        raise _Err(10003, "WRONG DISPLAY_SORT VALUE", 400)
    filt = q.get("display_filter") or None
    conditions = _parse_filter(spec, filt) if filt else []

    if spec.paged:
        limit = _parse_int(q.getall("display_limit", None), "display_limit") or DEFAULT_LIMIT
        offset = _parse_int(q.getall("display_offset", None), "display_offset")
        if not spec.offset:
            offset = 0
        if limit > MAX_LIMIT:
            raise _Err(613, "TOO MANY ROWS REQUESTED", 400)
        # The docs' quirk: with display_offset, display_limit is the end index,
        # so offset must be below it.
        if offset and offset >= limit:
            raise _Err(605, "DISPLAY_OFFSET MUST BE LESS THAN DISPLAY_LIMIT", 400)
    else:
        limit, offset = MAX_LIMIT, 0

    if spec.type == "backlinks_comparison":
        rows_cmp = [_data.comparison_row(seed, t, tt) for t, tt in zip(targets, types, strict=True)]
        return (columns, len(rows_cmp), lambda i: [rows_cmp[i][c] for c in columns], spec.type)

    if spec.type == "backlinks_matrix":
        total = _data.matrix_size(seed, targets)
        header = [c for c in columns if c != "backlinks_num"]
        if "backlinks_num" in columns:
            header += targets
        names = [c for c in columns if c != "backlinks_num"] + (
            targets if "backlinks_num" in columns else []
        )

        def gen_m(i: int) -> dict[str, str]:
            return _data.matrix_row(seed, targets, i)

        order = state.order_cache.get(spec, "|".join(targets), sort, conditions, total, gen_m)
        return _slice(header, names, order, total, offset, limit, gen_m, spec.type)

    total = _data.report_size(spec.type, seed, target)

    def gen(i: int) -> dict[str, str]:
        return _data.row(spec.type, seed, target, i, total)

    order = state.order_cache.get(spec, target, sort, conditions, total, gen)
    return _slice(columns, columns, order, total, offset, limit, gen, spec.type)


def _slice(
    header: list[str],
    names: list[str],
    order: array[int] | None,
    total: int,
    offset: int,
    limit: int,
    gen: Callable[[int], dict[str, str]],
    price_key: str,
) -> Plan:
    size = total if order is None else len(order)
    stop = min(size, limit)
    n = max(0, stop - offset)

    def make(i: int) -> list[str]:
        idx = offset + i if order is None else order[offset + i]
        r = gen(idx)
        return [r[c] for c in names]

    return header, n, make, price_key


Condition = tuple[str, str, str, str]


def _parse_filter(spec: ReportSpec, raw: str) -> list[Condition]:
    parts = raw.split("|")
    if len(parts) % 4:
        raise _Err(10004, "WRONG FILTER FORMAT", 400)
    conds = [tuple(parts[i : i + 4]) for i in range(0, len(parts), 4)]
    if len(conds) > 25:
        raise _Err(10004, "TOO MANY FILTER CONDITIONS", 400)
    out: list[Condition] = []
    for sign, field, op, value in conds:
        if sign not in ("+", "-") or field not in spec.filters:
            raise _Err(10004, "WRONG FILTER FIELD", 400)
        if field.startswith("backlinksnum_"):
            if op not in _NUM_OPS or not value.lstrip("-").isdigit():
                raise _Err(10004, "WRONG FILTER OPERATION", 400)
        elif field in _FIXED_FIELDS:
            if op:
                raise _Err(10004, "WRONG FILTER OPERATION", 400)
        elif op not in _TEXT_OPS:
            raise _Err(10004, "WRONG FILTER OPERATION", 400)
        out.append((sign, field, op, value))
    return out


def _field_value(field: str, r: dict[str, str]) -> str:
    """The value a filter field tests, derived from a generated row."""
    if field in r:
        return r[field]
    url = r.get("source_url") or r.get("domain", "")
    host = url.split("://", 1)[-1].split("/", 1)[0]
    if field == "zone":
        return host.rsplit(".", 1)[-1]
    if field == "refdomain":
        return host
    if field == "urlanchor":
        return r.get("target_url", "") + " " + r.get("anchor", "")
    if field == "category":
        return "business" if len(host) % 2 else "technology"
    return ""


def _fixed_match(field: str, value: str, r: dict[str, str]) -> bool:
    if field == "type":
        return {
            "follow": r.get("nofollow") == "false",
            "nofollow": r.get("nofollow") == "true",
            "text": r.get("image") == "false",
            "image": r.get("image") == "true",
            "form": r.get("form") == "true",
            "frame": r.get("frame") == "true",
            "newlink": r.get("newlink") == "true",
            "lostlink": r.get("lostlink") == "true",
            "sitewide": r.get("sitewide") == "true",
        }.get(value, False)
    if field == "redirects":
        return bool(r.get("redirect_url"))
    # newlink, lostlink, newdomain, lostdomain: rows where the flag is set.
    return r.get(field) == "true"


def matches(conds: list[Condition], r: dict[str, str]) -> bool:
    for sign, field, op, value in conds:
        if field in _FIXED_FIELDS:
            hit = _fixed_match(field, value, r)
        elif field.startswith("backlinksnum_"):
            k = int(field.rsplit("_", 1)[1])
            counts = [
                v for key, v in r.items() if key not in ("domain", "domain_ascore", "matches_num")
            ]
            got = int(counts[k]) if k < len(counts) else 0
            want = int(value)
            hit = {"Eq": got == want, "Gt": got > want, "Lt": got < want}[op]
        else:
            v = _field_value(field, r).lower()
            w = value.lower()
            hit = {
                "Bw": v.startswith(w),
                "Ew": v.endswith(w),
                "Eq": v == w,
                "Co": w in v,
                "Wm": fnmatch.fnmatchcase(v, w),
            }[op]
        if hit != (sign == "+"):
            return False
    return True


class OrderCache:
    """Cached row orders for non-default sorts and filters (LRU of permutations)."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._cache: OrderedDict[tuple[object, ...], array[int]] = OrderedDict()

    def get(
        self,
        spec: ReportSpec,
        target: str,
        sort: str | None,
        conds: list[Condition],
        total: int,
        gen: Callable[[int], dict[str, str]],
    ) -> array[int] | None:
        if (sort is None or sort == spec.default_sort) and not conds:
            return None
        key = (spec.type, target, sort, tuple(conds), total)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        idx = list(range(total))
        if conds:
            idx = [i for i in idx if matches(conds, gen(i))]
        if sort is not None and sort != spec.default_sort:
            col, _, direction = sort.rpartition("_")
            col = {"matchesnum": "matches_num"}.get(col, col)
            if col.startswith("backlinksnum_"):
                k = int(col.rsplit("_", 1)[1])

                def sort_key(i: int) -> int:
                    vals = list(gen(i).values())[3:]
                    return int(vals[k]) if k < len(vals) else 0
            else:

                def sort_key(i: int) -> int:
                    return int(gen(i)[col])

            idx.sort(key=sort_key, reverse=direction == "desc")
        out = array("q", idx)
        self._cache[key] = out
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return out
