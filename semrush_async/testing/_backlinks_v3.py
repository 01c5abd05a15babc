"""Sandbox Analytics v3 Backlinks reports (``/analytics/v1/``): all 15 types.

What is legal and what it costs comes from the sandbox's own table
(``_backlinks_rules``); the rows from ``_data``. Other sorts and filters than the
default are served through a cached permutation of the generated rows.
"""

from __future__ import annotations

import fnmatch
from array import array
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from aiohttp import web

from semrush_async.testing import _data
from semrush_async.testing._backlinks_rules import BACKLINKS_PATH, REPORTS, BacklinksReport
from semrush_async.testing._state import SandboxState
from semrush_async.testing._v3 import (
    DEFAULT_LIMIT,
    Plan,
    Price,
    V3Error,
    mandatory,
    parse_int,
    serve_report,
)

__all__ = ["OrderCache", "setup_backlinks_v3"]

# Public notes give 1,000,000 as display_limit's maximum (semrush-notes.md).
MAX_LIMIT: Final = 1_000_000
#: At most 25 filter conditions (semrush-notes.md).
MAX_CONDITIONS: Final = 25
_TEXT_OPS: Final = ("Bw", "Ew", "Eq", "Co", "Wm")
_NUM_OPS: Final = ("Eq", "Gt", "Lt")
#: Filter fields with fixed values: the operation is left empty
#: (``+|type||newlink|+|type||follow``, backlinks.txt's example).
_FIXED_FIELDS: Final = frozenset(
    {"type", "newlink", "lostlink", "redirects", "newdomain", "lostdomain"}
)


def setup_backlinks_v3(app: web.Application, state: SandboxState) -> None:
    """Register ``/analytics/v1/`` (every report counts against ``account``)."""
    cache = OrderCache()
    state.extensions["backlinks_v3"] = cache

    async def handler(request: web.Request) -> web.StreamResponse:
        return await serve_report(request, lambda r, st: _plan(r, st, cache))

    app.router.add_get(BACKLINKS_PATH, handler)


def _plan(request: web.Request, state: SandboxState, cache: OrderCache) -> Plan:
    q = request.query
    rtype = q.get("type")
    if not rtype:
        raise mandatory(41, "type")
    spec = REPORTS.get(rtype)
    if spec is None:
        raise V3Error(10001, "WRONG REPORT TYPE", 400)
    seed = state.seed

    if spec.multi_target:
        targets = q.getall("targets[]", [])
        types = q.getall("target_types[]", [])
        if not targets:
            raise mandatory(44, "targets[]")
        if len(types) != len(targets):
            raise mandatory(45, "target_types[]")
        if len(targets) > spec.max_targets:
            raise V3Error(10012, f"TOO MANY TARGETS (MAX {spec.max_targets})", 400)
        for t in types:
            if t not in spec.target_types:
                raise V3Error(10005, "WRONG TARGET TYPE", 400)
        target = ""
    else:
        target = q.get("target", "")
        if not target:
            raise mandatory(42, "target")
        ttype = q.get("target_type")
        if not ttype:
            raise mandatory(45, "target_type")
        if ttype not in spec.target_types:
            raise V3Error(10005, "WRONG TARGET TYPE", 400)
        targets, types = [target], [ttype]

    if spec.fixed_columns:
        columns = list(spec.columns)
    else:
        raw = q.get("export_columns", "")
        if not raw:
            raise mandatory(46, "export_columns")
        columns = [c.strip() for c in raw.split(",")]
        bad = [c for c in columns if c not in spec.columns]
        if bad:
            raise V3Error(10002, f"WRONG EXPORT COLUMNS: {','.join(bad)}", 400)

    sort = q.get("display_sort") or None
    if sort is not None and sort not in spec.sorts:
        raise V3Error(10003, "WRONG DISPLAY_SORT VALUE", 400)
    filt = q.get("display_filter") or None
    conditions = _parse_filter(spec, filt) if filt else []

    if spec.paged:
        limit = parse_int(q.getall("display_limit", None), "display_limit") or DEFAULT_LIMIT
        offset = parse_int(q.getall("display_offset", None), "display_offset")
        if not spec.offset:
            offset = 0
        if limit > MAX_LIMIT:
            raise V3Error(613, "TOO MANY ROWS REQUESTED", 400)
        # The docs' quirk: with display_offset, display_limit is the end index,
        # so offset must be below it.
        if offset and offset >= limit:
            raise V3Error(605, "DISPLAY_OFFSET MUST BE LESS THAN DISPLAY_LIMIT", 400)
    else:
        limit, offset = MAX_LIMIT, 0

    if spec.type == "backlinks_comparison":
        rows_cmp = [_data.comparison_row(seed, t, tt) for t, tt in zip(targets, types, strict=True)]
        return (columns, len(rows_cmp), lambda i: [rows_cmp[i][c] for c in columns], spec.price)

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

        order = cache.get(spec, "|".join(targets), sort, conditions, total, gen_m)
        return _slice(header, names, order, total, offset, limit, gen_m, spec.price)

    total = _data.report_size(spec.type, seed, target)

    def gen(i: int) -> dict[str, str]:
        return _data.row(spec.type, seed, target, i, total)

    order = cache.get(spec, target, sort, conditions, total, gen)
    return _slice(columns, columns, order, total, offset, limit, gen, spec.price)


def _slice(
    header: list[str],
    names: list[str],
    order: array[int] | None,
    total: int,
    offset: int,
    limit: int,
    gen: Callable[[int], dict[str, str]],
    price: Price,
) -> Plan:
    size = total if order is None else len(order)
    stop = min(size, limit)
    n = max(0, stop - offset)

    def make(i: int) -> list[str]:
        idx = offset + i if order is None else order[offset + i]
        r = gen(idx)
        return [r[c] for c in names]

    return header, n, make, price


Condition = tuple[str, str, str, str]


def _parse_filter(spec: BacklinksReport, raw: str) -> list[Condition]:
    parts = raw.split("|")
    if len(parts) % 4:
        raise V3Error(10004, "WRONG FILTER FORMAT", 400)
    conds = [tuple(parts[i : i + 4]) for i in range(0, len(parts), 4)]
    if len(conds) > MAX_CONDITIONS:
        raise V3Error(10004, "TOO MANY FILTER CONDITIONS", 400)
    out: list[Condition] = []
    for sign, field, op, value in conds:
        if sign not in ("+", "-") or field not in spec.filters:
            raise V3Error(10004, "WRONG FILTER FIELD", 400)
        if field.startswith("backlinksnum_"):
            if op not in _NUM_OPS or not value.lstrip("-").isdigit():
                raise V3Error(10004, "WRONG FILTER OPERATION", 400)
        elif field in _FIXED_FIELDS:
            if op:
                raise V3Error(10004, "WRONG FILTER OPERATION", 400)
        elif op not in _TEXT_OPS:
            raise V3Error(10004, "WRONG FILTER OPERATION", 400)
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
        spec: BacklinksReport,
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
