"""The 13 Position Tracking v3 report types (``GET /reports/v1/projects/<campaign>/
tracking/?action=report&type=...``): parameters checked against the documented
vocabularies, answers shaped as the [AUR] examples (``data`` objects keyed by index
strings, ``"-"`` for unranked, some numbers as strings).

Interpretations (INF): ``display_limit`` 1-500 (the largest page an example shows);
``Dt`` of the positions report holds the begin and end dates (as the example); an
unranked start counts as position 100 (organic) or 12 (adwords) in differences, as
the examples' ``Diff7`` 97 and ``Diff`` 11 imply; ``{N}`` in a sort must name a URL
of ``url``; the default order is the campaign's keyword order (positions), visibility
descending (competitors) and keywords descending (landing pages); ``data`` keys of the
overview are position - 1; per-row prices are charged on the rows returned (none for
an empty page).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from semrush_async.testing._data import _seed_of
from semrush_async.testing._pt_data import (
    DATES,
    LINKTYPES,
    SERP_FEATURES,
    SORTS,
    TOP_DEPTH,
    TOP_FILTERS,
    URL_TYPES,
    VOLUMES,
    Campaign,
    TrackedKeyword,
    host_of,
    keyword_id,
    keyword_metrics,
    parse_urls,
    period,
    position,
    serp_features,
    tag_matcher,
    ymd,
)
from semrush_async.testing._v3json import ProjectsError, invalid, missing

__all__ = ["BUILDERS", "ENDPOINTS", "PARAMS", "REPORT_TYPES", "ReportCtx", "check_report"]

MAX_LIMIT: Final = 500
_BASE: Final = ("action", "type")
_TAGS: Final = "display_tags display_tags_condition"
_DATES: Final = "date_begin date_end"
_PAGE: Final = "display_limit display_offset display_sort"


def _p(names: str) -> tuple[str, ...]:
    return tuple(names.split())


#: Report type -> accepted parameters (besides key, action, type) [AUR]. The adwords
#: overview and landing pages examples send linktype_filter too: accepted there.
PARAMS: Final[Mapping[str, tuple[str, ...]]] = {
    "tracking_campaign_dates": (),
    "tracking_overview_organic": _p(f"url {_TAGS} {_DATES} linktype_filter business_name"),
    "tracking_overview_adwords": _p(f"url {_TAGS} {_DATES} linktype_filter business_name"),
    "tracking_position_organic": _p(
        f"url top_filter {_DATES} {_TAGS} display_filter {_PAGE} linktype_filter use_volume "
        "business_name serp_feature_filter"
    ),
    "tracking_position_adwords": _p(f"url {_DATES} {_TAGS} display_filter {_PAGE}"),
    "tracking_competitors_organic": _p(
        f"url_type url main_domain black_list top_start top_end {_DATES} {_TAGS} {_PAGE} "
        "linktype_filter"
    ),
    "tracking_competitors_adwords": _p(
        f"url_type main_domain url black_list top_start top_end {_DATES} {_PAGE}"
    ),
    "tracking_visibility_organic": _p(
        f"url {_DATES} {_TAGS} display_filter linktype_filter use_volume business_name "
        "serp_feature_filter"
    ),
    "tracking_visibility_adwords": _p(f"url {_DATES} {_TAGS} display_filter"),
    "tracking_landing_pages_organic": _p(
        f"url {_DATES} {_TAGS} display_filter {_PAGE} newlost_filter linktype_filter use_volume"
    ),
    "tracking_landing_pages_adwords": _p(
        f"url {_DATES} {_TAGS} display_filter {_PAGE} newlost_filter linktype_filter"
    ),
}
REPORT_TYPES: Final = tuple(PARAMS)


def _endpoint(rtype: str) -> str:
    name = rtype.removeprefix("tracking_").removesuffix("_organic").removesuffix("_adwords")
    return "position_tracking." + ("positions" if name == "position" else name)


#: Report type -> the endpoint name its requests count under (both kinds share one).
ENDPOINTS: Final = {t: _endpoint(t) for t in REPORT_TYPES}

Pay = Callable[[int, int], int]


class ReportCtx:
    """One report request: the campaign, the checked query, the kind and period."""

    def __init__(self, seed: int, c: Campaign, rtype: str, q: Mapping[str, str]) -> None:
        self.seed = seed
        self.c = c
        self.q = q
        self.kind = "adwords" if rtype.endswith("_adwords") else "organic"
        self.begin, self.end = period(q)
        self.unranked = 100 if self.kind == "organic" else 12

    def pos(self, kw: str, url: str, day: dt.date) -> int:
        return position(self.seed, self.c.id, self.c.host, kw, url, day, self.kind)

    def dates(self) -> list[dt.date]:
        return [self.begin] if self.begin == self.end else [self.begin, self.end]

    def diff(self, before: int, after: int) -> int | str:
        if not after:
            return "-"
        return (before or self.unranked) - after


def _fmt(p: int) -> int | str:
    return p or "-"


def _ctr(p: int) -> float:
    """Click-through rate in % of a position (0: unranked)."""
    return 0.0 if not p else round(31 / p**0.8, 4)


def _vis(p: int) -> float:
    """Visibility 0-100 of one keyword at position ``p``."""
    return round(_ctr(p) * 100 / 31, 4)


def _check(q: Mapping[str, str]) -> None:
    """The shared vocabularies (enumerations and integers)."""
    if "linktype_filter" in q and q["linktype_filter"] not in {str(v) for v in LINKTYPES}:
        raise invalid("linktype_filter", q["linktype_filter"], ", ".join(map(str, LINKTYPES)))
    if "use_volume" in q and q["use_volume"] not in VOLUMES:
        raise invalid("use_volume", q["use_volume"], ", ".join(VOLUMES))
    if "top_filter" in q and q["top_filter"] not in TOP_FILTERS:
        raise invalid("top_filter", q["top_filter"], ", ".join(TOP_FILTERS))
    if "url_type" in q and q["url_type"] not in URL_TYPES:
        raise invalid("url_type", q["url_type"], ", ".join(URL_TYPES))
    if "newlost_filter" in q and q["newlost_filter"] not in ("new", "lost"):
        raise invalid("newlost_filter", q["newlost_filter"], "new, lost")


def _int(q: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = q.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise invalid(name, raw, f"an integer from {lo} to {hi}")
    return int(raw)


_FILTER_TEXT: Final = ("Bw", "Ew", "Eq", "Co")
_FILTER_NUM: Final = ("Eq", "Gt", "Lt")


def _filters(q: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    raw = q.get("display_filter")
    if not raw:
        return []
    parts = raw.split("|")
    if len(parts) % 4 or len(parts) // 4 > 25:
        raise invalid("display_filter", raw, "up to 25 of <sign>|<field>|<op>|<value>")
    out = []
    for j in range(0, len(parts), 4):
        sign, field, op, value = parts[j : j + 4]
        ops = _FILTER_TEXT if field == "Ph" else _FILTER_NUM if field in ("Cp", "Nq") else ()
        if sign not in ("+", "-") or op not in ops:
            raise invalid(
                "display_filter", raw, "sign + or -, field Ph (Bw Ew Eq Co), Cp or Nq (Eq Gt Lt)"
            )
        if field != "Ph":
            try:
                float(value)
            except ValueError:
                raise invalid("display_filter", raw, f"a number for {field}") from None
        out.append((sign, field, op, value))
    return out


def _passes(seed: int, kw: str, filters: Sequence[tuple[str, str, str, str]]) -> bool:
    cp, nq, _, _ = keyword_metrics(seed, kw)
    for sign, field, op, value in filters:
        if field == "Ph":
            v, w = kw.lower(), value.lower()
            hit = {"Bw": v.startswith(w), "Ew": v.endswith(w), "Eq": v == w, "Co": w in v}[op]
        else:
            got, want = float(cp if field == "Cp" else nq), float(value)
            hit = {"Eq": got == want, "Gt": got > want, "Lt": got < want}[op]
        if hit != (sign == "+"):
            return False
    return True


def _keywords(x: ReportCtx) -> list[TrackedKeyword]:
    match = tag_matcher(x.q)
    filters = _filters(x.q)
    return [
        k
        for k in x.c.keywords.values()
        if (match is None or match(set(k.tags))) and _passes(x.seed, k.keyword, filters)
    ]


def _sort_spec(q: Mapping[str, str], report: str, urls: int) -> tuple[str, int, bool] | None:
    """(field, url index, descending) from ``display_sort``, checked against the list."""
    raw = q.get("display_sort")
    if raw is None:
        return None
    allowed = SORTS[report]
    m = re.fullmatch(r"(?:(\d)_)?([a-z]+|\d{8})_(asc|desc)", raw)
    ok = False
    if m is not None:
        n, field, _ = m.groups()
        if field.isdigit():
            ok = "{DATE}" in allowed and n is None
            if ok:
                try:
                    dt.date(int(field[:4]), int(field[4:6]), int(field[6:]))
                except ValueError:
                    ok = False
        else:
            template = f"{{N}}_{field}" if n is not None and n in "01234" else None
            literal = f"{n}_{field}" if n is not None else field
            ok = literal in allowed or (template in allowed and int(n or 0) < max(1, urls))
    if not ok or m is None:
        names = ", ".join(f"{a}_asc|_desc" for a in allowed)
        raise invalid("display_sort", raw, f"{names} ({{N}} numbers a URL of url, 0-4)")
    n, field, direction = m.groups()
    return field, int(n or 0), direction == "desc"


def _page(q: Mapping[str, str]) -> tuple[int, int]:
    return _int(q, "display_limit", 10, 1, MAX_LIMIT), _int(q, "display_offset", 0, 0, 10**9)


def _indexed(rows: Sequence[Any]) -> dict[str, Any]:
    return {str(i): r for i, r in enumerate(rows)}


def _urls(x: ReportCtx, *, masked: bool | None) -> list[str]:
    raw = x.q.get("url")
    return parse_urls(raw, masked=masked) if raw else [x.c.mask if masked else x.c.host]


def _serp_filter(x: ReportCtx, urls: list[str]) -> Callable[[str], bool] | None:
    raw = x.q.get("serp_feature_filter")
    if raw is None:
        return None
    m = re.fullmatch(r"(-)?([a-z]{3})(?:,(\d+))?", raw)
    if m is None or m[2] not in SERP_FEATURES or (m[3] is not None and int(m[3]) >= len(urls)):
        raise invalid(
            "serp_feature_filter",
            raw,
            f"[-]<code>[,<url index>] with code one of {' '.join(SERP_FEATURES)}",
        )
    neg, code = m[1] == "-", m[2]
    idx = int(m[3]) if m[3] is not None else None

    def keep(kw: str) -> bool:
        present = code in serp_features(x.seed, kw, x.end)
        if present and idx is not None:
            present = _lt(x, kw, urls[idx], x.end) == [code]
        return present != neg

    return keep


def _lt(x: ReportCtx, kw: str, url: str, day: dt.date) -> list[str]:
    p = x.pos(kw, url, day)
    if x.kind == "adwords":
        return ["org"] if not p else ["adt" if p <= 4 else "adb"]
    feats = serp_features(x.seed, kw, day)
    return [feats[p % len(feats)]] if p and p % 5 == 0 and feats else ["org"]


def _landing(x: ReportCtx, kw: str, url: str, day: dt.date) -> str:
    if not x.pos(kw, url, day):
        return ""
    pages = max(3, len(x.c.keywords) // 3)
    h = _seed_of(x.seed, f"{kw}\0{host_of(url)}", "pt-landing")
    page = (h + day.toordinal() // 12) % pages
    scheme = "http" if page % 7 == 6 else "https"
    return f"{scheme}://{host_of(url)}/page-{page}"


def _position_row(x: ReportCtx, k: TrackedKeyword, urls: list[str]) -> dict[str, Any]:
    kw = k.keyword
    cp, nq, gs, intents = keyword_metrics(x.seed, kw)
    days = x.dates()
    P = {(u, d): x.pos(kw, u, d) for u in urls for d in days}

    def earlier(n: int) -> dt.date:
        return max(DATES[0], x.end - dt.timedelta(days=n))

    def vis(u: str, d: dt.date) -> float:
        return _vis(P[(u, d)])

    def per_date(value: Callable[[str, dt.date], Any], diff: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {ymd(d): {u: value(u, d) for u in urls} for d in days}
        if diff:
            out["Diff"] = {u: round(value(u, x.end) - value(u, x.begin), 4) for u in urls}
        return out

    row: dict[str, Any] = {
        "Pi": keyword_id(x.seed, x.c.id, kw),
        "Ph": kw,
        "Kb": int(ymd(k.added)),
        "Tg": _indexed(k.tags),
        "In": _indexed(intents),
        "Cp": cp,
        "Nq": nq,
        "Gs": gs,
        "Dt": per_date(lambda u, d: _fmt(P[(u, d)])),
        "Be": {u: _fmt(P[(u, x.begin)]) for u in urls},
        "Fi": {u: _fmt(P[(u, x.end)]) for u in urls},
        "Diff": {u: x.diff(P[(u, x.begin)], P[(u, x.end)]) for u in urls},
    }
    for name, n in (("Diff1", 1), ("Diff7", 7), ("Diff30", 30)):
        row[name] = {u: x.diff(x.pos(kw, u, earlier(n)), P[(u, x.end)]) for u in urls}
    row["Vi"] = per_date(vis, diff=True)
    if x.kind == "organic":
        row["Sov"] = per_date(lambda u, d: round(vis(u, d) / 25, 2), diff=True)
    row["Sf"] = {ymd(d): serp_features(x.seed, kw, d) for d in days}
    traffic = per_date(lambda u, d: round(int(nq) * _ctr(P[(u, d)]) / 100, 2))
    row["Tr"] = traffic
    row["Tc"] = {d: {u: round(v * float(cp), 2) for u, v in t.items()} for d, t in traffic.items()}
    row["Lu"] = per_date(lambda u, d: _landing(x, kw, u, d))
    row["Lt"] = per_date(lambda u, d: _lt(x, kw, u, d))
    return row


def _top_ok(x: ReportCtx, kw: str, url: str, flt: str) -> bool:
    depth = TOP_DEPTH[flt.removeprefix("top_").split("_")[0]]
    b, e = x.pos(kw, url, x.begin), x.pos(kw, url, x.end)
    inside_b, inside_e = 0 < b <= depth, 0 < e <= depth
    how = flt.split("_", 2)[2] if flt.count("_") == 2 else ""
    return {
        "": inside_e,
        "income": inside_e and not inside_b,
        "leave": inside_b and not inside_e,
        "up": inside_e and b > 0 and e < b,
        "down": inside_e and b > 0 and e > b,
    }[how]


def _positions(x: ReportCtx, rtype: str, pay: Pay) -> dict[str, Any]:
    urls = _urls(x, masked=True)
    report = "position_" + x.kind
    sort = _sort_spec(x.q, report, len(urls))
    limit, offset = _page(x.q)
    keep = _serp_filter(x, urls)
    kws = _keywords(x)
    if "top_filter" in x.q:
        kws = [k for k in kws if _top_ok(x, k.keyword, urls[0], x.q["top_filter"])]
    if keep is not None:
        kws = [k for k in kws if keep(k.keyword)]
    if sort is not None:
        kws = _sorted_keywords(x, kws, urls, sort)
    page = kws[offset : offset + limit]
    page = page[: pay(100, len(page))]
    rows = [_position_row(x, k, urls) for k in page]
    return {
        "total": len(kws),
        "state": "0",
        "limit": limit,
        "offset": offset,
        "data": _indexed(rows),
    }


def _sorted_keywords(
    x: ReportCtx, kws: list[TrackedKeyword], urls: list[str], sort: tuple[str, int, bool]
) -> list[TrackedKeyword]:
    field, n, desc = sort
    url = urls[min(n, len(urls) - 1)]

    def rank(p: int) -> int:
        return p or 101

    def key(k: TrackedKeyword) -> Any:
        kw = k.keyword
        cp, nq, _, _ = keyword_metrics(x.seed, kw)
        b, e = x.pos(kw, url, x.begin), x.pos(kw, url, x.end)
        values: dict[str, Any] = {
            "ph": kw,
            "nq": int(nq),
            "cp": float(cp),
            "pos": rank(e),
            "be": rank(b),
            "diff": rank(b) - rank(e),
            "di": rank(b) - rank(e),
            "vi": _ctr(e),
            "vd": _ctr(e) - _ctr(b),
            "sov": _ctr(e),
            "sovdiff": _ctr(e) - _ctr(b),
        }
        return values[field]

    return sorted(kws, key=key, reverse=desc)


def _overview(x: ReportCtx, rtype: str, pay: Pay) -> dict[str, Any]:
    url = _urls(x, masked=True)[0]
    kws = [k.keyword for k in _keywords(x)]
    begin = {k: x.pos(k, url, x.begin) for k in kws}
    end = {k: x.pos(k, url, x.end) for k in kws}
    doc: dict[str, Any] = {"total": len(kws)}
    vis_b = sum(_vis(p) for p in begin.values()) / max(1, len(kws))
    vis_e = sum(_vis(p) for p in end.values()) / max(1, len(kws))
    doc["visibility"] = round(vis_e, 4)
    doc["differenceVisibility"] = round(vis_e - vis_b, 4)
    for name, depth in (("all", 100), ("top3", 3), ("top10", 10), ("top20", 20)):
        ins_b = {k for k, p in begin.items() if 0 < p <= depth}
        ins_e = {k for k, p in end.items() if 0 < p <= depth}
        both = ins_b & ins_e
        doc[name] = len(ins_e)
        doc[f"{name}_improved"] = sum(1 for k in both if end[k] < begin[k])
        doc[f"{name}_declined"] = sum(1 for k in both if end[k] > begin[k])
        doc[f"{name}_difference"] = len(ins_e) - len(ins_b)
        doc[f"{name}_left"] = len(ins_b - ins_e)
        doc[f"{name}_entered"] = len(ins_e - ins_b)
    counts: dict[int, int] = {}
    for p in end.values():
        if p:
            counts[p - 1] = counts.get(p - 1, 0) + 1
    doc["data"] = {str(p): n for p, n in sorted(counts.items())}
    return doc


def _visibility(x: ReportCtx, rtype: str, pay: Pay) -> dict[str, Any]:
    urls = _urls(x, masked=True)
    url = urls[0]
    keep = _serp_filter(x, urls)
    kws = [k.keyword for k in _keywords(x) if keep is None or keep(k.keyword)]
    days = [d for d in DATES if x.begin <= d <= x.end]
    rows = []
    for d in days:
        ps = [x.pos(k, url, d) for k in kws]
        ranked = [p for p in ps if p]
        ctr = sum(_ctr(p) for p in ps)
        traffic = sum(
            int(keyword_metrics(x.seed, k)[1]) * _ctr(p) / 100 for k, p in zip(kws, ps, strict=True)
        )
        rows.append(
            {
                "Dt": ymd(d),
                "Vi": int(ctr * 1_000_000),
                "Vr": round(sum(_vis(p) for p in ps) / max(1, len(kws)), 4),
                "Av": round(sum(ranked) / len(ranked), 3) if ranked else 0,
                "Sov": round(ctr / max(1, len(kws)) * 4, 2),
                "Tr": round(traffic, 4),
                "Tc": round(traffic * 1.7, 4),
            }
        )
    return {"total": str(len(rows)), "state": "0", "data": _indexed(rows)}


def _campaign_dates(x: ReportCtx, rtype: str, pay: Pay) -> dict[str, Any]:
    data = {str(i): {"Dt": ymd(d)} for i, d in enumerate(DATES)}
    return {"total": str(len(DATES)), "last_crawl": "2", "data": data}


Builder = Callable[[ReportCtx, str, Pay], dict[str, Any]]
#: The per-request reports (100 units each) and positions (100 per row).
BUILDERS: Final[Mapping[str, Builder]] = {
    "tracking_campaign_dates": _campaign_dates,
    "tracking_overview_organic": _overview,
    "tracking_overview_adwords": _overview,
    "tracking_position_organic": _positions,
    "tracking_position_adwords": _positions,
    "tracking_visibility_organic": _visibility,
    "tracking_visibility_adwords": _visibility,
}


def check_report(q: Mapping[str, str]) -> str:
    """The report type of a request whose parameters (key aside) are all allowed."""
    for name in _BASE:
        if not q.get(name):
            raise missing(name)
    if q["action"] != "report":
        raise invalid("action", q["action"], "report")
    rtype = q["type"]
    if rtype not in PARAMS:
        raise invalid("type", rtype, ", ".join(REPORT_TYPES))
    allowed = {*_BASE, *PARAMS[rtype]}
    for name in q:
        if name not in allowed:
            raise ProjectsError(
                511,
                f"Unknown parameter {name!r} for {rtype}; allowed: {', '.join(sorted(allowed))}",
            )
    _check(q)
    return rtype
