"""Deterministic Trends rows derived from a hash.

Row ``i`` of a report is a pure function of (seed, report, target, date, device,
country, options, i) (:func:`trends_rows`), so tests compute the expected rows without
the server. Targets: ``empty*`` has no data; ``tricky.example`` has cells with ``;``,
``"`` and non-ASCII text; ``big.example`` has 12,000 rows in every paged report; other
targets get 1..300 rows by hash.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Sequence
from typing import Final

import attrs

from semrush_async.testing._data import _mix, _seed_of
from semrush_async.testing._trends_data import (
    _SPLITS,
    AGES,
    CATEGORIES,
    CHANNELS,
    CONTINENTS,
    COUNTRIES,
    EDUCATION,
    HOUSEHOLD,
    INCOMES,
    OCCUPATIONS,
    REPORTS,
    SOCIAL,
    SUBCONTINENTS,
    TRAFFIC_TYPES,
)

__all__ = ["Ctx", "trends_rows", "trends_size"]

_ENGINES: Final = ("google", "bing", "yahoo", "duckduckgo", "yandex", "baidu")
_TRICKY: Final = ('semi;colon "quoted"', "Ünïcödé café — 日本語", "comma, inside", '"";;""')
_BIG: Final = 12_000


@attrs.frozen
class Ctx:
    """What a report's rows depend on (besides the seed)."""

    report: str
    target: str  # ``targets`` joined with ",", the category, or "" for rank
    date: dt.date
    device: str  # "all" when not given
    country: str  # upper-case, "GLOBAL" when not given
    options: tuple[tuple[str, str], ...] = ()
    today: dt.date = dt.date(2026, 12, 6)

    def option(self, name: str, default: str = "") -> str:
        return dict(self.options).get(name, default)


def _host(target: str) -> str:
    return target.lower().split("/")[0]


def trends_size(seed: int, ctx: Ctx) -> int:
    """How many rows ``ctx`` has before filters and paging."""
    r = ctx.report
    if r == "rank":
        return 1000
    if r == "categories":
        return 50 + _seed_of(seed, ctx.target, "trends-cat") % 6000
    first = ctx.target.split(",")[0]
    host = _host(first)
    if host.startswith("empty"):
        return 0
    if r == "summary":
        return sum(1 for t in ctx.target.split(",") if not _host(t).startswith("empty"))
    if r in ("summary_by_day", "summary_by_week"):
        return len(_dates(ctx))
    fixed = {
        "age_and_sex_distribution": len(AGES),
        "household_distribution": len(HOUSEHOLD),
        "income_distribution": len(INCOMES),
        "education_distribution": len(EDUCATION),
        "occupation_distribution": len(OCCUPATIONS),
        "social_media": len(SOCIAL),
        "accuracy": 1,
        "purchase_conversion": 1,
    }
    if r in fixed:
        return fixed[r]
    if r == "geo":
        pool = {"subcontinent": len(SUBCONTINENTS), "continent": len(CONTINENTS)}
        top = pool.get(ctx.option("geo_type"), len(COUNTRIES))
        return top if host == "big.example" else min(top, 1 + _seed_of(seed, host, r) % 60)
    if r == "audience_interests":
        return 5 + _seed_of(seed, host, r) % 20
    if host == "big.example":
        return _BIG
    if host == "tricky.example":
        return 12
    return 1 + _seed_of(seed, host, r) % 300


def _month_end(d: dt.date) -> dt.date:
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _dates(ctx: Ctx) -> list[tuple[dt.date, bool]]:
    """(date, forecasted) rows of by-day/by-week, newest first."""
    start, end = ctx.date, _month_end(ctx.date)
    current = (ctx.today.year, ctx.today.month) == (start.year, start.month)
    if current:
        end = min(end, ctx.today - dt.timedelta(days=1))
    days = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
    fc_end = (
        end + dt.timedelta(days=28) if ctx.option("include_forecasted_items") == "true" else end
    )
    forecast = [end + dt.timedelta(days=k) for k in range(1, (fc_end - end).days + 1)]
    if ctx.report == "summary_by_week":
        # Weeks overlapping the month, each dated by its Monday [AUR example].
        def monday(d: dt.date) -> dt.date:
            return d - dt.timedelta(days=d.weekday())

        actual = sorted({monday(d) for d in days})
        later = sorted({monday(d) for d in forecast} - set(actual))
        out = [(d, False) for d in actual] + [(d, True) for d in later]
    else:
        out = [(d, False) for d in days] + [(d, True) for d in forecast]
    return sorted(out, reverse=True)


def _h(seed: int, ctx: Ctx, i: int, salt: str = "") -> int:
    base = _seed_of(
        seed,
        f"{ctx.target}\0{ctx.date}\0{ctx.device}\0{ctx.country}\0{ctx.options}\0{salt}",
        ctx.report,
    )
    return _mix(base, i)


def _col(h: int, col: str) -> int:
    return (h >> (zlib.crc32(col.encode()) % 40)) & 0xFFFFFF


def _share(x: int) -> str:
    return f"{(x % 100_000_000) / 100_000_000:.8f}".rstrip("0").rstrip(".") or "0"


def _number(report: str, col: str, h: int, top: int) -> str:
    """A numeric cell by the column's kind."""
    k = _col(h, col)
    if col in ("is_forecasted", "is_adult"):
        return "true" if k % 9 == 0 else "false"
    if col == "accuracy":
        return str(1 + k % 3)
    if col == "traffic_diff":
        return str(k % 20_001 - 10_000)
    if "time_on" in col or col in ("avg_visit_duration",):
        return str(30 + k % 1500)
    if col == "sum_time_on_site":
        return str(top * (30 + k % 600))
    if "pages_per_visit" in col:
        return f"{1 + (k % 90_000) / 10_000:.4f}".rstrip("0").rstrip(".")
    if "bounce_rate" in col:
        return f"{(k % 10_000) / 10_000:.4f}".rstrip("0").rstrip(".") or "0"
    # ``female_users``/``male_users`` are user counts like every ``*users`` column
    # (the age/sex page lists them beside ``female_share``/``male_share``).
    shares = ("share", "score", "conversion", "male", "female", "age_", "edu_", "income")
    counts = col.endswith("users")
    if not counts and (
        any(s in col for s in shares) or col.startswith(("household_size", "occupation_"))
    ):
        return _share(k * 37)
    if report == "summary" and col in (*_SPLITS, "social", "search", "paid", "unknown_channel"):
        return _share(k * 53)  # the summary's channel columns are shares
    return str(max(0, top - k % max(1, top // 3 + 1)))


def trends_rows(seed: int, ctx: Ctx, indices: Sequence[int] | None = None) -> list[dict[str, str]]:
    """Every column of the rows at ``indices`` (default: all), in the default order
    (plus hidden keys for sort fields that are not columns, e.g. ``traffic_diff``)."""
    n = trends_size(seed, ctx)
    idx = range(n) if indices is None else indices
    make = _MAKERS.get(ctx.report, _generic)
    spec = REPORTS[ctx.report]
    common = _common(ctx)
    out = []
    for i in idx:
        h = _h(seed, ctx, i)
        # The main metric falls with i: the default order is "by traffic, descending".
        top = max(1, 50_000_000 - (i * 50_000_000) // max(1, n)) + h % 997
        row = {c: _number(ctx.report, c, h, top) for c in spec.columns}
        row.update(common)
        make(seed, ctx, i, h, top, row)
        for field in spec.sorts:
            if field not in row:
                row[field] = (
                    row["total_visits"]
                    if field == "traffic"
                    else _number(ctx.report, field, h, top)
                )
        out.append(row)
    return out


def _common(ctx: Ctx) -> dict[str, str]:
    return {
        "target": ctx.target.split(",")[0],
        "display_date": ctx.date.isoformat(),
        "report_date": ctx.date.isoformat(),
        "country": ctx.country,
        "country_code": ctx.country,
        "device_type": ctx.device,
    }


def _tricky(ctx: Ctx) -> bool:
    return _host(ctx.target) == "tricky.example"


def _cats(tricky: bool, h: int) -> str:
    # Several categories are ``;``-separated in one cell [AUR resources]: a quoted cell.
    a, b = CATEGORIES[h % 110], CATEGORIES[(h >> 8) % 110]
    return f"{a};{b}" if tricky or h % 3 == 0 else a


def _path(ctx: Ctx, i: int, h: int) -> str:
    if _tricky(ctx):
        return f"{_TRICKY[i % len(_TRICKY)]}-{i}"
    return f"p{h % 997}-{i}"


Maker = Callable[[int, Ctx, int, int, int, dict[str, str]], None]


def _generic(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["categories"] = _cats(_tricky(ctx), h)


def _summary(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    # One line per target with data, each a function of its own target only.
    target = [t for t in ctx.target.split(",") if not _host(t).startswith("empty")][i]
    key = f"{target.lower()}\0{ctx.device}\0{ctx.country}"
    hh = _mix(_seed_of(seed, key, "trends-summary"), ctx.date.toordinal())
    visits = 1_000 + hh % 90_000_000
    row.update({c: _number("summary", c, hh, visits) for c in REPORTS["summary"].columns})
    row.update(_common(ctx))
    row["target"] = target
    row["visits"] = str(visits)
    row["rank"] = str(1 + hh % 2_000_000)
    row["categories"] = _cats(_host(target) == "tricky.example", hh)


def _by_date(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    when, forecasted = _dates(ctx)[i]
    row["display_date"] = when.isoformat()
    row["is_forecasted"] = "true" if forecasted else "false"
    row["rank"] = str(1 + h % 50_000)


def _rank(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["rank"] = str(i + 1)
    row["domain"] = f"site{i + 1}.example"
    row["visits"] = str(top)


def _sources(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    channel = CHANNELS[h % len(CHANNELS)]
    row["channel"] = channel
    row["traffic_type"] = TRAFFIC_TYPES[(h >> 5) % 2]
    row["search_engine"] = _ENGINES[(h >> 7) % len(_ENGINES)] if channel == "search" else ""
    row["from_target"] = "" if channel == "direct" else f"ref{i}.example"
    row["traffic"] = str(top)
    row["categories"] = _cats(_tricky(ctx), h)


def _destinations(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["to_target"] = f"dest{i}.example"
    row["traffic"] = str(top)
    row["categories"] = _cats(_tricky(ctx), h)


def _toppages(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["page"] = f"{ctx.target.rstrip('/')}/{_path(ctx, i, h)}"
    row["traffic"] = str(top)


def _subdomains(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    host = _host(ctx.target)
    row["domain"] = host
    row["subdomain"] = f"s{i}.{host}" if i else host
    row["target_type"] = ctx.option("target_type", "domain")
    row["total_visits"] = str(top)


def _subfolders(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["subdomain"] = _host(ctx.target)
    row["subfolder"] = f"/{_path(ctx, i, h)}/"
    row["traffic_share"] = _share(top * 2)


def _geo(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    kind = ctx.option("geo_type", "country")
    if kind == "country":
        pool = sorted(COUNTRIES)  # 249 is 3 x 83: stepping by 7 visits every code once
        row["geo"] = pool[(i * 7 + _seed_of(seed, ctx.target, "geo") % 249) % 249]
    else:
        row["geo"] = (SUBCONTINENTS if kind == "subcontinent" else CONTINENTS)[i]
    row["traffic"] = str(top)
    row["global_traffic"] = str(50_000_000)


def _categories(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["domain_name"] = f"{ctx.target.replace('_', '-')}-{i}.example"
    row["total_traffic"] = str(top)


def _audience(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["target"] = f"also{i}.example"
    row["overlap_score"] = _share(top * 2)
    row["categories"] = _cats(_tricky(ctx), h)


def _enum(values: Sequence[str], column: str) -> Maker:
    def make(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
        row[column] = values[i]

    return make


def _interests(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["category"] = CATEGORIES[(_seed_of(seed, ctx.target, "interests") + i * 13) % 110]
    row["users_score"] = _share(top * 2)


def _social(seed: int, ctx: Ctx, i: int, h: int, top: int, row: dict[str, str]) -> None:
    row["social_name"], row["social_domain"] = SOCIAL[i]
    row["users_score"] = _share(top * 2)


_MAKERS: Final[dict[str, Maker]] = {
    "summary": _summary,
    "summary_by_day": _by_date,
    "summary_by_week": _by_date,
    "rank": _rank,
    "sources": _sources,
    "destinations": _destinations,
    "toppages": _toppages,
    "subdomains": _subdomains,
    "subfolders": _subfolders,
    "geo": _geo,
    "categories": _categories,
    "audience_insights": _audience,
    "audience_interests": _interests,
    "age_and_sex_distribution": _enum(AGES, "age"),
    "household_distribution": _enum(HOUSEHOLD, "size"),
    "income_distribution": _enum(INCOMES, "income_type"),
    "education_distribution": _enum(EDUCATION, "education"),
    "occupation_distribution": _enum(OCCUPATIONS, "occupation"),
    "social_media": _social,
}
