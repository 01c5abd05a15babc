"""Position Tracking v3 discovery reports: competitors and landing pages (1,000 units
per row returned), organic and adwords.

Interpretations (INF): competitors are the campaign's domain, its competitors and 40
synthetic rivals (``url`` narrows them, ``black_list`` drops some), listed when they
rank for a campaign keyword between ``top_start`` and ``top_end`` on either date;
``Md`` appears only with ``main_domain``, ``Ps`` its 1-based place (after the last
when not listed); a ``{DATE}`` sort orders by visibility on that date (the begin date
if it is the begin date, else the end date). A landing page's ``Dt`` holds the dates
it ranks on (``Diff`` when both); ``new``/``lost`` count before ``newlost_filter``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from semrush_async.testing._pt_data import (
    INTENTS,
    host_of,
    keyword_id,
    keyword_metrics,
    parse_urls,
    ymd,
)
from semrush_async.testing._pt_reports import (
    Pay,
    ReportCtx,
    _ctr,
    _fmt,
    _indexed,
    _int,
    _keywords,
    _landing,
    _lt,
    _page,
    _sort_spec,
    _vis,
)
from semrush_async.testing._v3json import invalid, missing

__all__ = ["competitors", "landing_pages"]

_RIVALS = 40


def _domain_stats(
    x: ReportCtx, domain: str, kws: Sequence[str], day: dt.date, lo: int, hi: int
) -> dict[str, Any]:
    ps = [x.pos(k, domain, day) for k in kws]
    inside = [p for p in ps if lo <= p <= hi]
    av = sum(p or 100 for p in ps) / max(1, len(ps))
    sq = (sum(((p or 100) - av) ** 2 for p in ps) / max(1, len(ps))) ** 0.5
    cl = sum(_vis(p) for p in inside) / max(1, len(kws))
    traffic = sum(
        int(keyword_metrics(x.seed, k)[1]) * _ctr(p) / 100 for k, p in zip(kws, ps, strict=True)
    )
    out: dict[str, Any] = {
        "Mc": len(inside),
        "Av": round(av, 6),
        "Sq": round(sq),
        "Cl": round(cl, 6),
        "Sov": round(cl / 4, 6),
        "Tr": round(traffic, 6),
        "Tc": round(traffic * 1.2, 6),
    }
    if not inside:
        out["Tr"] = out["Tc"] = "n/a"  # as the docs' example sends it
    return out


def _num(v: Any) -> float:
    return 0.0 if v == "n/a" else float(v)


def _diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    return {k: round(_num(b[k]) - _num(a[k]), 6) for k in a if k != "In"}


def competitors(x: ReportCtx, rtype: str, pay: Pay) -> dict[str, Any]:
    q = x.q
    only = parse_urls(q["url"], masked=False) if q.get("url") else None
    main = None
    if q.get("main_domain"):
        main = host_of(parse_urls(q["main_domain"], masked=False)[0])
    black = set()
    if q.get("black_list"):
        black = {host_of(u) for u in q["black_list"].split("|")}
        for raw in q["black_list"].split("|"):
            parse_urls(raw, masked=False)
    lo = _int(q, "top_start", 1, 1, 100)
    hi = _int(q, "top_end", 100, 1, 100)
    if lo > hi:
        raise invalid("top_start", lo, "a position not after top_end")
    sort = _sort_spec(q, f"competitors_{x.kind}", 1)
    limit, offset = _page(q)
    kws = [k.keyword for k in _keywords(x)]
    universe = list(
        dict.fromkeys([x.c.host, *x.c.competitors] + [f"rival{k}.example" for k in range(_RIVALS)])
    )
    if only is not None:
        universe = list(dict.fromkeys(host_of(u) for u in only))
    universe = [d for d in universe if d not in black]

    def row(domain: str) -> dict[str, Any]:
        a = _domain_stats(x, domain, kws, x.begin, lo, hi)
        b = _domain_stats(x, domain, kws, x.end, lo, hi)
        dates: dict[str, Any] = {ymd(x.begin): a, ymd(x.end): b, "Diff": _diff(a, b)}
        return {"Dt": dates, "Cd": round(_num(b["Cl"]) - _num(a["Cl"]), 6), "Ur": domain}

    rows = [r for r in map(row, universe) if any(r["Dt"][ymd(d)]["Mc"] for d in x.dates())]
    field, _, desc = sort if sort is not None else ("cl", 0, True)

    def key(r: Mapping[str, Any]) -> Any:
        begin, end = r["Dt"][ymd(x.begin)], r["Dt"][ymd(x.end)]
        if field.isdigit():
            return _num((begin if field == ymd(x.begin) else end)["Cl"])
        return {
            "av": end["Av"],
            "cd": r["Cd"],
            "cl": end["Cl"],
            "mc": end["Mc"],
            "sov": end["Sov"],
            "sovdiff": _num(end["Sov"]) - _num(begin["Sov"]),
            "tr": _num(end["Tr"]),
            "trdiff": _num(end["Tr"]) - _num(begin["Tr"]),
            "ur": r["Ur"],
        }[field]

    rows.sort(key=key, reverse=desc)
    page = rows[offset : offset + limit]
    page = page[: pay(1000, len(page))]
    doc: dict[str, Any] = {}
    if main is not None:
        found = next((i for i, r in enumerate(rows) if r["Ur"] == main), len(rows))
        doc["Md"] = {**row(main), "Ps": found + 1}
    doc.update(total=len(rows), state="0", limit=limit, offset=offset, keywords_count=len(kws))
    doc["data"] = _indexed(page)
    return doc


def _page_stats(x: ReportCtx, hits: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Mc, Av, Tr, Tc, Rq and the intent split of (keyword, position) pairs."""
    tr = [int(keyword_metrics(x.seed, k)[1]) * _ctr(p) / 100 for k, p in hits]
    intents = [keyword_metrics(x.seed, k)[3] for k, _ in hits]
    split = []
    for name in INTENTS:
        kc = sum(1 for i in intents if name in i)
        t = sum(v for v, i in zip(tr, intents, strict=True) if name in i)
        split.append(
            {"Kc": kc, "Tr": round(t, 2), "Kp": round(100 * kc / max(1, len(hits))), "Na": name}
        )
    return {
        "Mc": len(hits),
        "Av": round(sum(p for _, p in hits) / max(1, len(hits)), 2),
        "Tr": round(sum(tr), 2),
        "Tc": round(sum(tr) * 1.9, 2),
        "Rq": sum(int(keyword_metrics(x.seed, k)[1]) for k, _ in hits),
        "In": split,
    }


def landing_pages(x: ReportCtx, rtype: str, pay: Pay) -> dict[str, Any]:
    q = x.q
    if not q.get("url"):
        raise missing("url")
    # Organic takes the URL "without a mask"; the adwords page says "with a mask": either.
    urls = parse_urls(q["url"], masked=False if x.kind == "organic" else None)
    sort = _sort_spec(q, "landing_pages", 1)
    limit, offset = _page(q)
    kws = _keywords(x)
    days = x.dates()
    found: dict[str, dict[dt.date, list[tuple[str, int]]]] = {}
    for k in kws:
        for u in urls:
            for d in days:
                url = _landing(x, k.keyword, u, d)
                if url:
                    found.setdefault(url, {}).setdefault(d, []).append(
                        (k.keyword, x.pos(k.keyword, u, d))
                    )
    rows = []
    for url, by_day in found.items():
        kind = "" if len(by_day) == len(days) else "new" if x.end in by_day else "lost"
        dates: dict[str, Any] = {ymd(d): _page_stats(x, by_day[d]) for d in days if d in by_day}
        if len(by_day) == 2:
            dates["Diff"] = _diff(dates[ymd(x.begin)], dates[ymd(x.end)])
        rows.append(
            {
                "Ur": url,
                "Tp": kind,
                "Dt": dates,
                "Kw": _page_keywords(x, url, by_day, kws, urls),
                "Amp": 0,
            }
        )
    new = sum(1 for r in rows if r["Tp"] == "new")
    lost = sum(1 for r in rows if r["Tp"] == "lost")
    if "newlost_filter" in q:
        rows = [r for r in rows if r["Tp"] == q["newlost_filter"]]
    field, n, desc = sort if sort is not None else ("mc", 1, True)

    def key(r: Mapping[str, Any]) -> float:
        empty = {"Mc": 0, "Av": 0, "Tr": 0, "Rq": 0}
        a, b = r["Dt"].get(ymd(x.begin), empty), r["Dt"].get(ymd(x.end), empty)
        col = {"mc": "Mc", "tr": "Tr", "av": "Av", "nq": "Rq"}
        if field in col:
            return float((a if n == 0 else b)[col[field]])
        diff = {"md": "Mc", "trdiff": "Tr", "ad": "Av", "rd": "Rq"}[field]
        return float(b[diff]) - float(a[diff])

    rows.sort(key=key, reverse=desc)
    page = rows[offset : offset + limit]
    page = page[: pay(1000, len(page))]
    https = sum(1 for u in found if u.startswith("https:"))
    return {
        "total": len(rows),
        "state": "0",
        "limit": limit,
        "offset": offset,
        "new": new,
        "lost": lost,
        "keywords": len(kws),
        "Pc": {"http": len(found) - https, "https": https},
        "data": _indexed(page),
    }


def _page_keywords(
    x: ReportCtx,
    url: str,
    by_day: Mapping[dt.date, Sequence[tuple[str, int]]],
    kws: Sequence[Any],
    urls: Sequence[str],
) -> list[dict[str, Any]]:
    tags = {k.keyword: k.tags for k in kws}
    names = list(dict.fromkeys(k for hits in by_day.values() for k, _ in hits))
    out = []
    for kw in names:
        cp, nq, gs, intents = keyword_metrics(x.seed, kw)
        pos = {d: dict(by_day.get(d, ())).get(kw, 0) for d in x.dates()}
        on = [d for d in x.dates() if pos[d]]
        kind = "" if len(on) == len(x.dates()) else "new" if x.end in on else "lost"
        tr = {d: round(int(nq) * _ctr(p) / 100, 2) for d, p in pos.items()}
        entry: dict[str, Any] = {
            "Pi": keyword_id(x.seed, x.c.id, kw),
            "Ph": kw,
            "Tp": kind,
            "Rq": int(nq),
            "Gs": int(gs),
            "Tg": _indexed(tags.get(kw, [])),
            "In": _indexed(intents),
            "Dt": {ymd(d): _fmt(p) for d, p in pos.items()},
            "Tr": {ymd(d): v for d, v in tr.items()},
            "Tc": {ymd(d): round(v * float(cp), 2) for d, v in tr.items()},
            "Lt": {ymd(d): _lt(x, kw, urls[0], d) for d in x.dates()},
        }
        if len(pos) == 2:
            b, e = pos[x.begin], pos[x.end]
            entry["Dt"]["Diff"] = x.diff(b, e)
            entry["Tr"]["Diff"] = round(tr[x.end] - tr[x.begin], 2)
            entry["Tc"]["Diff"] = round((tr[x.end] - tr[x.begin]) * float(cp), 2)
        out.append(entry)
    return out
