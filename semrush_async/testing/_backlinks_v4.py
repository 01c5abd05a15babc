"""Sandbox Backlinks API v4 and Keyword API v4: strict parameters, the envelope, units.

The data is the v3 Backlinks data of the same target (``_data.row``) renamed with
the documented v3 column -> v4 field mapping (:data:`_MAPPERS`, stated here from
semrush-v4-backlinks-keywords.md §4.1), so a v3 call and a v4 call on one target return
the same numbers wherever the mapping says they are the same. Every rule here comes
from that facts file, independently of the client's validators and of its v3 -> v4
bridge (an oracle that repeated the code under test would prove nothing);
``tests/test_sandbox_rules.py`` checks that the two statements agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from array import array
from collections.abc import Callable, Mapping
from typing import Any, Final

from aiohttp import web

from semrush_async.testing import _data
from semrush_async.testing._keys import STATE
from semrush_async.testing._state import SandboxState
from semrush_async.testing._v4 import bad_request, serve_v4, v4_error_response, v4_response

__all__ = ["setup_backlinks_v4", "v4_rows"]

#: Get Keyword Metrics' ``country`` values, as the docs list them (uppercase; the
#: United Kingdom is ``UK``): semrush-v4-backlinks-keywords.md §5.2 [OFF-KW4].
_COUNTRIES: Final = frozenset(
    """
    AF AL DZ AO AR AM AU AT AZ BS BH BD BY BE BZ BO BA BW BR BN BG KH CM CA CV CL CO CR
    HR CY CZ CD DK DO EC EG SV EE ET FI FR GE DE GH GR GT GY HT HN HK HU IS IN ID IE IL
    IT JM JP JO KZ KW LV LB LY LT LU MG MY MT MU MX MD MN ME MA MZ NA NP NL NZ NI NG NO
    OM PK PA PY PE PH PL PT QA RO RU SA SN RS SG SK SI ZA KR ES LK SE CH TW TH TT TN TR
    UA AE UK US UY VE VN ZM ZW
    """.split()  # noqa: SIM905 (the list as the docs write it)
)
_SCOPES4: Final = {"ROOT_DOMAIN", "SUBDOMAIN", "SUBFOLDER", "PAGE"}
_SCOPES3: Final = {"ROOT_DOMAIN", "SUBDOMAIN", "PAGE"}
_LIST: Final = {"fields", "order_by", "direction", "limit", "offset", "filter", "format"}
#: The largest ``limit``: Semrush's own is "not found"; [JSK] enforces 1..1000 (§2.5).
MAX_LIMIT: Final = 1000
#: ``url``: "max 2000 characters" [AE-SKILL], [JSK] (§2.7).
MAX_URL: Final = 2000

#: path -> (v3 report the data comes from, target param, scopes, other params)
ROUTES: Final[Mapping[str, tuple[str, str, set[str] | None, set[str]]]] = {
    "overview": ("backlinks_overview", "url", _SCOPES4, {"fields", "format"}),
    "summary": ("backlinks_historical", "url", _SCOPES3,
                {"fields", "limit", "date_from", "date_to", "format"}),
    "links": ("backlinks", "url", _SCOPES4, _LIST),
    "ref-domains": ("backlinks_refdomains", "url", _SCOPES4, _LIST),
    "ref-ips": ("backlinks_refips", "url", _SCOPES4, _LIST),
    "pages": ("backlinks_pages", "url", _SCOPES4, _LIST),
    "anchors": ("backlinks_anchors", "url", _SCOPES4, _LIST),
    "score-profile": ("backlinks_ascore_profile", "url", _SCOPES4, set()),
    "competitors": ("backlinks_competitors", "domain", None, _LIST - {"filter"}),
    "comparison": ("backlinks_historical", "urls", _SCOPES3, {"fields", "format"}),
    "matrix": ("matrix", "urls", _SCOPES3, _LIST - {"fields", "format"}),
}  # fmt: skip
_MAX_URLS: Final = {"comparison": 10, "matrix": 6}
#: Units per line (True) or per request (False), stated here and not taken from the
#: client: overview 45/request; links 45, summary and ref-domains 40, ref-ips 20 per
#: line; keyword metrics 20/request (§3, §5.2). The other six are not published; the
#: v3 price of the same report stands in (§6.5).
_PRICES: Final[Mapping[str, tuple[int, bool]]] = {
    "overview": (45, False), "summary": (40, True), "links": (45, True),
    "ref-domains": (40, True), "ref-ips": (20, True),
    "pages": (40, True), "anchors": (40, True), "score-profile": (100, False),
    "competitors": (40, True), "comparison": (40, True), "matrix": (40, True),
    "v4.keywords.metrics": (20, False),
}  # fmt: skip
#: The order of a list endpoint when no ``order_by`` is sent: the defaults [W6W] calls
#: documented (semrush-v4-backlinks-keywords.md §3); links and matrix have none stated,
#: so they keep the data's own order. ``direction`` alone reverses it (default DESC).
DEFAULT_ORDER: Final[Mapping[str, str]] = {
    "ref-domains": "backlinks_count",
    "ref-ips": "domains_count",
    "pages": "domains_count",
    "anchors": "domains_count",
    "competitors": "similarity",
}
#: The field each list's data is generated in descending order of (v3's default
#: order, see ``_data``): that order is served without sorting.
_GENERATED_BY: Final[Mapping[str, str]] = {
    "links": "page_score",
    "ref-domains": "backlinks_count",
    "ref-ips": "domains_count",
    "pages": "backlinks_count",
    "anchors": "backlinks_count",
    "competitors": "similarity",
}


def _iso(ts: str) -> str:
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b(v: str) -> bool:
    return v == "true"


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


def _h(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=8)
                          .digest(), "big")  # fmt: skip


#: v3 row -> v4 item, per list endpoint (§4.1: "v3 column -> v4 field"). Fields v4
#: adds with no v3 column (``domain_score`` of a link, ``is_follow``, ``lang`` ...) are
#: derived from the row's hash or fixed.
_MAPPERS: Final[Mapping[str, Callable[[dict[str, str]], dict[str, Any]]]] = {
    "links": lambda r: {
        "source_url": r["source_url"], "target_url": r["target_url"],
        "source_domain": _host(r["source_url"]), "anchor": r["anchor"],
        "domain_score": _h(r["source_url"]) % 101, "page_score": int(r["page_ascore"]),
        "first_seen_at": _iso(r["first_seen"]), "last_seen_at": _iso(r["last_seen"]),
        "is_nofollow": _b(r["nofollow"]), "is_sponsored": False, "is_ugc": False,
        "is_image": _b(r["image"]), "is_form": _b(r["form"]), "is_frame": _b(r["frame"]),
        "is_new": _b(r["newlink"]), "is_lost": _b(r["lostlink"]),
        "is_sitewide_main": _b(r["sitewide"]),
        "external_links_count": int(r["external_num"]),
        "internal_links_count": int(r["internal_num"]),
        "ip_address": f"192.0.2.{_h(r['source_url']) % 254 + 1}",
        "image_url": r["image_url"], "image_alt": r["image_alt"],
        "redirect_url": r["redirect_url"], "lang": "en",
        "response_code": int(r["response_code"]),
    },
    "ref-domains": lambda r: {
        "domain": r["domain"], "domain_score": int(r["domain_ascore"]),
        "backlinks_count": int(r["backlinks_num"]), "country": r["country"],
        "ip_address": r["ip"], "first_seen_at": _iso(r["first_seen"]),
        "last_seen_at": _iso(r["last_seen"]), "is_follow": _h(r["domain"]) % 4 != 0,
        "is_new": False, "is_lost": False,
    },
    "ref-ips": lambda r: {
        "ip_address": r["ip"], "country": r["country"],
        "domains_count": int(r["domains_num"]), "backlinks_count": int(r["backlinks_num"]),
        "first_seen_at": _iso(r["first_seen"]), "last_seen_at": _iso(r["last_seen"]),
    },
    "pages": lambda r: {
        "source_url": r["source_url"], "source_title": r["source_title"],
        "response_code": int(r["response_code"]), "backlinks_count": int(r["backlinks_num"]),
        "domains_count": int(r["domains_num"]),
        "external_links_count": int(r["external_num"]),
        "internal_links_count": int(r["internal_num"]),
        "first_seen_at": _iso(str(int(r["last_seen"]) - 86_400 * 90)),
        "last_seen_at": _iso(r["last_seen"]),
    },
    "anchors": lambda r: {
        "anchor": r["anchor"], "backlinks_count": int(r["backlinks_num"]),
        "domains_count": int(r["domains_num"]), "first_seen_at": _iso(r["first_seen"]),
        "last_seen_at": _iso(r["last_seen"]),
    },
    "score-profile": lambda r: {
        "domain_score": int(r["ascore"]), "domains_count": int(r["domains_num"]),
    },
    "competitors": lambda r: {
        "domain": r["neighbour"], "common_refdomains": int(r["common_refdomains"]),
        # v3 gave a percentage; v4 a 0..1 fraction [W6W].
        "similarity": int(r["similarity"]) / 100,
    },
}  # fmt: skip


def _overview(r: dict[str, str]) -> dict[str, Any]:
    names = {
        "ascore": "score", "total": "backlinks_count", "domains_num": "domains_count",
        "urls_num": "urls_count", "ips_num": "ips_count", "ipclassc_num": "ip_class_c_count",
        "follows_num": "follows_count", "nofollows_num": "nofollows_count",
        "sponsored_num": "sponsored_count", "ugc_num": "ugc_count", "texts_num": "texts_count",
        "images_num": "images_count", "forms_num": "forms_count",
        "frames_num": "frames_count",
    }  # fmt: skip
    out: dict[str, Any] = {v4: int(r[v3]) for v3, v4 in names.items()}
    out["new_count"] = out["backlinks_count"] // 20
    out["lost_count"] = out["backlinks_count"] // 25
    return out


def _summary(seed: int, target: str, url: str) -> list[dict[str, Any]]:
    n = _data.report_size("backlinks_historical", seed, target)
    score = int(_data.row("backlinks_overview", seed, target, 0, 1)["ascore"])
    rows = []
    for i in range(n):
        r = _data.row("backlinks_historical", seed, target, i, n)
        month = dt.datetime.fromtimestamp(int(r["date"]), dt.UTC).strftime("%Y-%m")
        backlinks = int(r["backlinks_num"])
        rows.append({
            "url": url, "month_date": month, "score": score,
            "backlinks_count": backlinks, "domains_count": int(r["domains_num"]),
            "follows_count": backlinks - backlinks // 3,
        })  # fmt: skip
    return rows


def v4_size(path: str, seed: int, targets: list[str]) -> int:
    """How many rows :func:`v4_rows` has."""
    if path == "matrix":
        return _data.matrix_size(seed, targets)
    if path in ("summary", "comparison"):
        return len(v4_rows(path, seed, targets))
    return _data.report_size(ROUTES[path][0], seed, targets[0])


def v4_rows(
    path: str, seed: int, targets: list[str], start: int = 0, stop: int | None = None
) -> list[dict[str, Any]]:
    """Rows ``start:stop`` of a v4 list endpoint, in its default order (for tests too)."""
    key = DEFAULT_ORDER.get(path)
    return _ordered(path, seed, targets, key, True, start, stop)


def _ordered(
    path: str,
    seed: int,
    targets: list[str],
    key: str | None,
    desc: bool,
    start: int = 0,
    stop: int | None = None,
) -> list[dict[str, Any]]:
    """Rows ``start:stop`` sorted by ``key`` (stable; None: the data's own order)."""
    if key is None or (desc and _GENERATED_BY.get(path) == key):
        return _data_rows(path, seed, targets, start, stop)
    if path not in _MAPPERS:  # summary, comparison, matrix: small, sorted whole
        rows = sorted(_data_rows(path, seed, targets), key=lambda r: r[key], reverse=desc)
        return rows[start:stop]
    order = _order(path, seed, tuple(targets), key, desc)
    report, n, mapper = ROUTES[path][0], len(order), _MAPPERS[path]
    end = n if stop is None else min(n, stop)
    return [mapper(_data.row(report, seed, targets[0], order[i], n)) for i in range(start, end)]


@functools.lru_cache(maxsize=16)
def _order(path: str, seed: int, targets: tuple[str, ...], key: str, desc: bool) -> array[int]:
    # Sorting a big target's rows takes a while: keep the permutation (as v3 does).
    rows = _data_rows(path, seed, list(targets))
    idx = sorted(range(len(rows)), key=lambda i: rows[i][key], reverse=desc)
    return array("q", idx)


def _data_rows(
    path: str, seed: int, targets: list[str], start: int = 0, stop: int | None = None
) -> list[dict[str, Any]]:
    """Rows ``start:stop`` in the order the data is generated (v3's default order)."""
    if path == "summary":
        return _summary(seed, targets[0], targets[0])[start:stop]
    if path == "comparison":
        return [row for t in targets for row in _summary(seed, t, t)][start:stop]
    if path == "matrix":
        out = []
        for i in range(_data.matrix_size(seed, targets)):
            r = _data.matrix_row(seed, targets, i)
            out.append({
                "domain": r["domain"], "domain_score": int(r["domain_ascore"]),
                "ip_address": f"198.51.100.{i % 254 + 1}", "country": "us",
                "matches_count": int(r["matches_num"]),
                "backlinks_counts": [int(r[t]) for t in targets],
            })  # fmt: skip
        return out[start:stop]
    report = ROUTES[path][0]
    target = targets[0]
    n = _data.report_size(report, seed, target)
    mapper = _MAPPERS[path]
    end = n if stop is None else min(n, stop)
    return [mapper(_data.row(report, seed, target, i, n)) for i in range(start, end)]


_FILTER: Final = re.compile(
    r"^\s*(\w+)\s*(>=|<=|>|<|=|CONTAINS|STARTS_WITH|ENDS_WITH)\s*"
    r"""(?:'([^']*)'|"([^"]*)"|(true|false)|(-?\d+(?:\.\d+)?))\s*$"""
)


def _condition(text: str) -> Callable[[dict[str, Any]], bool] | None:
    """A small, strict subset of the v4 filter DSL: ``field op value`` joined by AND."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for part in re.split(r"\s+AND\s+", text):
        m = _FILTER.match(part)
        if m is None:
            return None
        field, op = m[1], m[2]
        value: Any = m[3] if m[3] is not None else m[4]
        if m[5] is not None:
            value = m[5] == "true"
        elif m[6] is not None:
            value = float(m[6])

        def test(row: dict[str, Any], f: str = field, o: str = op, v: Any = value) -> bool:
            x = row.get(f)
            if x is None:
                return False
            if o == "CONTAINS":
                return str(v).lower() in str(x).lower()
            if o == "STARTS_WITH":
                return str(x).startswith(str(v))
            if o == "ENDS_WITH":
                return str(x).endswith(str(v))
            if o == "=":
                return bool(x == v)
            ops = {">": x > v, ">=": x >= v, "<": x < v, "<=": x <= v}
            return bool(ops[o])

        tests.append(test)
    return lambda row: all(t(row) for t in tests)


def _charge(state: SandboxState, account: str, path: str, rows: int) -> int | None:
    """Spend units for ``rows`` (per line) or one request; None when the balance cannot
    pay for one line or the request (a 403 "Forbidden", as observed live for a zero
    balance). A balance for fewer lines cuts the rows (INF)."""
    units, per_line = _PRICES[path]
    balance = state.balances.get(account, 0)
    if per_line:
        payable = min(rows, balance // units)
        if payable == 0 and rows:
            return None
        cost = payable * units
    else:
        if balance < units:
            return None
        payable, cost = rows, units
    state.balances[account] = balance - cost
    state.units_spent[account] = state.units_spent.get(account, 0) + cost
    return payable


def _forbidden() -> web.Response:
    return v4_error_response(403, 403, "Forbidden", retryable=False)


def setup_backlinks_v4(app: web.Application, state: SandboxState) -> None:
    """Register ``/apis/v4/backlinks/v1/*`` and ``/apis/v4/keywords/v1/metrics``."""

    def handler(path: str) -> Callable[[web.Request], Any]:
        name = f"backlinks_v4.{path.replace('-', '_')}"
        state.declare(name)

        async def serve(request: web.Request) -> web.StreamResponse:
            st = request.app[STATE]
            return await serve_v4(
                request, st, name, lambda account: _backlinks(request, st, path, account)
            )

        return serve

    for path in ROUTES:
        app.router.add_get(f"/apis/v4/backlinks/v1/{path}", handler(path))

    async def metrics(request: web.Request) -> web.StreamResponse:
        st = request.app[STATE]
        return await serve_v4(request, st, "keywords_v4.metrics",
                              lambda account: _metrics(request, st, account))  # fmt: skip

    app.router.add_get("/apis/v4/keywords/v1/metrics", metrics)
    state.declare("keywords_v4.metrics")


def _int(q: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int | str:
    raw = q.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d+", raw) or not lo <= int(raw) <= hi:
        return f"{name} must be an integer in {lo}..{hi}"
    return int(raw)


async def _backlinks(
    request: web.Request, state: SandboxState, path: str, account: str
) -> web.StreamResponse:
    q = request.query
    _, target_param, scopes, options = ROUTES[path]
    allowed = {target_param, *options, *(("scope",) if scopes is not None else ())}
    unknown = set(q) - allowed
    if unknown:
        return bad_request(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    raw_target = q.get(target_param, "")
    if not raw_target:
        return bad_request(f"{target_param} is required")
    targets = raw_target.split(",") if target_param == "urls" else [raw_target]
    if len(targets) > _MAX_URLS.get(path, 1) or any(not t for t in targets):
        return bad_request(f"{target_param}: 1 to {_MAX_URLS.get(path, 1)} targets")
    if any(len(t) > MAX_URL for t in targets):
        return bad_request(f"url is longer than {MAX_URL} characters")
    meta: dict[str, Any] = {target_param: raw_target}
    if scopes is not None:
        scope = q.get("scope")
        if scope not in scopes:
            return bad_request(f"scope must be one of {', '.join(sorted(scopes))}")
        meta["scope"] = scope
    if q.get("format", "json") != "json":
        return v4_error_response(501, 501, "format=csv is not emulated by the sandbox")
    if "direction" in q and q["direction"] not in ("ASC", "DESC"):
        return bad_request("direction must be ASC or DESC")
    for name in ("date_from", "date_to"):
        if name in q and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", q[name]):
            return bad_request(f"{name} must be YYYY-MM")
    default_limit = 12 if path == "summary" else 100
    limit = _int(q, "limit", default_limit, 1, MAX_LIMIT)
    offset = _int(q, "offset", 0, 0, 10**9)
    if isinstance(limit, str) or isinstance(offset, str):
        return bad_request(limit if isinstance(limit, str) else str(offset))

    if path == "overview":
        r = _data.row("backlinks_overview", state.seed, targets[0], 0, 1)
        data: Any = _overview(r)
        if "fields" in q:
            wanted = q["fields"].split(",")
            if any(f not in data for f in wanted):
                return bad_request("unknown field in fields")
            data = {f: data[f] for f in wanted}
        if _charge(state, account, path, 1) is None:
            return _forbidden()
        return v4_response(data, meta=meta)

    paged = "limit" in options and path != "summary"
    if paged and state.v4_max_page is not None:
        limit = min(limit, state.v4_max_page)
    key = q.get("order_by", DEFAULT_ORDER.get(path))
    desc = q.get("direction", "DESC") == "DESC"
    if key is not None:
        sample = _data_rows(path, state.seed, targets, 0, 1)
        if sample and key not in sample[0]:
            return bad_request(f"order_by: unknown field {key!r}")
    if paged and "filter" not in q:
        # Only the requested page is generated (a big target has 250,000 rows).
        total = v4_size(path, state.seed, targets)
        rows = _ordered(path, state.seed, targets, key, desc, offset, offset + limit)
        _page_meta(state, meta, limit, offset, total)
        return _paid(state, account, path, _pick(q, rows), meta)
    rows = _data_rows(path, state.seed, targets)
    if path == "summary":
        rows = [r for r in rows if q.get("date_from", "") <= r["month_date"]
                and r["month_date"] <= q.get("date_to", "9999-99")]  # fmt: skip
    if "filter" in q:
        cond = _condition(q["filter"])
        if cond is None:
            return bad_request("filter: cannot parse the expression")
        rows = [r for r in rows if cond(r)]
    if key is not None:
        rows = sorted(rows, key=lambda r: r[key], reverse=desc)
    total = len(rows)
    if paged:
        rows = rows[offset : offset + limit]
        _page_meta(state, meta, limit, offset, total)
    elif path == "summary":
        rows = rows[:limit]
    return _paid(state, account, path, _pick(q, rows), meta)


def _page_meta(
    state: SandboxState, meta: dict[str, Any], limit: int, offset: int, total: int
) -> None:
    """Echo the page served (``limit``: the rows it may hold) and, unless the
    sandbox was told not to, ``total``."""
    meta.update(limit=limit, offset=offset)
    if state.v4_total:
        meta["total"] = total


def _pick(q: Mapping[str, str], rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Only the ``fields`` asked for; None when one of them is unknown."""
    if "fields" not in q:
        return rows
    wanted = q["fields"].split(",")
    if rows and any(f not in rows[0] for f in wanted):
        return None
    return [{f: r[f] for f in wanted} for r in rows]


def _paid(
    state: SandboxState,
    account: str,
    path: str,
    rows: list[dict[str, Any]] | None,
    meta: dict[str, Any],
) -> web.Response:
    if rows is None:
        return bad_request("unknown field in fields")
    paid = _charge(state, account, path, len(rows))
    if paid is None:
        return _forbidden()
    return v4_response(rows[:paid], meta=meta)


def metrics_of(seed: int, keyword: str, country: str, month: str) -> dict[str, Any]:
    """The deterministic ``data`` of a keyword metrics response (for tests too)."""
    h = _h(seed, keyword, country, month)
    return {
        "search_volume": str(h % 1_000_000),
        "cpc": str((h >> 20) % 5000),
        "competitive_density": (h >> 32) % 101,
        "keyword_difficulty": (h >> 40) % 101,
        "number_of_results": str((h >> 8) * 1000 + 12),
        "intents": [("COMMERCIAL", "INFORMATIONAL", "NAVIGATIONAL", "TRANSACTIONAL")[h % 4]],
        "serp_features": ["AI_OVERVIEW", "SITELINKS"][: (h >> 3) % 3],
        "trends": [((h >> k) % 101) for k in range(12)],
    }


async def _metrics(request: web.Request, state: SandboxState, account: str) -> web.StreamResponse:
    q = request.query
    unknown = set(q) - {"keyword", "country", "month", "format"}
    if unknown:
        return bad_request(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    keyword = q.get("keyword", "")
    if not 1 <= len(keyword) <= 255:
        return bad_request("keyword must have 1 to 255 characters")
    country = q.get("country", "")
    if country not in _COUNTRIES:
        return bad_request("country is not supported")
    now = dt.datetime.now(dt.UTC)
    current = f"{now.year:04d}-{now.month:02d}"
    month = q.get("month", current)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month) or not "2012-01" <= month <= current:
        return bad_request("month must be YYYY-MM from 2012-01 to the current month")
    if q.get("format", "json") != "json":
        return v4_error_response(501, 501, "format=csv is not emulated by the sandbox")
    if _charge(state, account, "v4.keywords.metrics", 1) is None:
        return _forbidden()
    return v4_response(
        metrics_of(state.seed, keyword, country, month),
        meta={"keyword": keyword, "country": country, "month": month},
    )
