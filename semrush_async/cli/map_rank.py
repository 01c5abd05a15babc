"""``semrush-async map-rank ...``: Map Rank Tracker from the command line.

``heatmap`` draws the grid as a coloured table (rich) because people read a heatmap,
not a list of numbers; ``-o FILE.csv`` / ``-o FILE.geojson`` writes it to a file.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from semrush_async.apis.map_rank.endpoints import Campaign, GridSettings, Heatmap, HeatmapPosition
from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._options import add_yes, confirm, upper
from semrush_async.cli._output import add_format, emit, emit_one, to_plain
from semrush_async.errors import ValidationError

if TYPE_CHECKING:
    from semrush_async.client import SemrushClient

__all__ = ["COMMANDS", "heatmap_csv", "heatmap_geojson", "heatmap_text"]

CAMPAIGN_COLUMNS: Final = (
    "id",
    "name",
    "status",
    "keywords",
    "points",
    "cost",
    "last_report_date",
    "average_position",
)
COMPETITOR_COLUMNS: Final = ("rank", "name", "cid", "average_position", "share_of_voice", "rating")
HEATMAP_COLUMNS: Final = ("row", "col", "point_id", "lat", "lng", "position", "diff")


def _arguments(parser: argparse.ArgumentParser) -> None:
    sub = actions(parser)
    p = sub.add_parser("campaigns", help="all campaigns")
    p.add_argument("--query", default=None, help="filter by name or business address")
    p.add_argument("--sort", default="createdAt,DESC", help="createdAt|businessName,ASC|DESC")
    add_format(p)

    p = sub.add_parser("campaign", help="one campaign (JSON)")
    p.add_argument("id", help="the campaign's id")

    p = sub.add_parser("create", help="create a campaign for a Google place")
    p.add_argument("place_id", help="the Google place id of the business")
    p.add_argument("keywords", nargs="+", help="keywords to track")
    p.add_argument("--name", default=None, help="the campaign's name")
    p.add_argument("--grid", default=None, help="grid template, e.g. 7x7 (default 5x5)")
    p.add_argument("--distance", type=float, default=1.5, help="grid radius (with --grid)")
    p.add_argument(
        "--unit", type=upper, choices=("KM", "MI"), default="KM", help="km or mi (any case)"
    )
    add_format(p)

    p = sub.add_parser("update", help="change a campaign's name or keywords")
    p.add_argument("id", help="the campaign's id")
    p.add_argument("--name", default=None, help="the campaign's name")
    p.add_argument("--keyword", action="append", default=None, help="repeatable; replaces all")
    add_format(p)

    p = sub.add_parser("delete", help="delete a campaign and its data")
    p.add_argument("id", help="the campaign's id")
    add_yes(p)

    p = sub.add_parser("collect", help="collect now (spends points x keywords credits)")
    p.add_argument("id", help="the campaign's id")
    p.add_argument("--report-date", default=None, help="full timestamp (default: now)")
    p.add_argument(
        "--no-check-credits",
        action="store_true",
        help="send even if the cost exceeds the available credits",
    )

    p = sub.add_parser("keywords", help="keyword collection statuses")
    p.add_argument("id", help="the campaign's id")
    p.add_argument("--report-date", default=None, help="YYYY-MM-DD (default: the latest)")
    add_format(p)

    for name, text in (
        ("heatmap", "positions on the grid (coloured table; -o FILE.csv|FILE.geojson)"),
        ("metrics", "average position and share of voice over time"),
        ("competitors", "top competitors for a keyword and report date"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("id", help="the campaign's id")
        p.add_argument("--keyword", default=None, help="keyword id or text (default: first)")
        if name != "metrics":
            p.add_argument("--report-date", default=None, help="default: the last report")
        if name != "competitors":
            who = p.add_mutually_exclusive_group()
            who.add_argument("--cid", default=None, help="business cid (default: the campaign's)")
            who.add_argument("--place-id", action="append", default=None, help="repeatable")
        else:
            p.add_argument("--sort", default="averagePosition,ASC", help="field,ASC|DESC")
        if name == "heatmap":
            p.add_argument("-o", "--output", default=None, help="write .csv or .geojson")
        add_format(p)

    p = sub.add_parser("limits", help="campaign slots and credits")
    add_format(p)


def _campaign_row(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "status": c.status,
        "keywords": c.keywords_count,
        "points": c.points_count,
        "cost": c.collection_cost,
        "last_report_date": c.last_report_date,
        "average_position": c.project_metrics.average_position if c.project_metrics else None,
    }


def _keyword(c: Campaign, wanted: str | None) -> str:
    if not c.keywords:
        raise ValidationError(f"campaign {c.id!r} has no keywords")
    if wanted is None:
        return c.keywords[0].id
    for k in c.keywords:
        if wanted in (k.id, k.name):
            return k.id
    names = ", ".join(f"{k.name!r}" for k in c.keywords)
    raise ValidationError(f"campaign {c.id!r} has no keyword {wanted!r}; it has {names}")


def _who(c: Campaign, args: argparse.Namespace) -> dict[str, Any]:
    if args.place_id:
        return {"place_ids": args.place_id}
    cid = args.cid or (c.business.cid if c.business else None)
    if cid is None:
        raise ValidationError("the campaign's business has no cid: pass --cid or --place-id")
    return {"cid": cid}


def _last(c: Campaign, given: str | None) -> Any:
    if given is not None:
        return given
    if c.last_report_date is None:
        raise ValidationError(f"campaign {c.id!r} has no report yet: run map-rank collect first")
    return c.last_report_date


# --- heatmap renderings -------------------------------------------------------------------


def _heatmap_rows(hm: Heatmap) -> list[dict[str, Any]]:
    out = []
    for r, row in enumerate(hm.rows()):
        for col, p in enumerate(row):
            if p is None or p.point.coordinates is None:
                continue
            out.append(
                {
                    "row": r,
                    "col": col,
                    "point_id": p.point.id,
                    "lat": p.point.coordinates.lat,
                    "lng": p.point.coordinates.lng,
                    "position": p.position,
                    "diff": p.diff,
                }
            )
    return out


def heatmap_csv(hm: Heatmap, path: Path) -> int:
    """Write one row per point; return the count."""
    rows = _heatmap_rows(hm)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, HEATMAP_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def heatmap_geojson(hm: Heatmap) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the points (``[lng, lat]``, RFC 7946)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lng"], r["lat"]]},
            "properties": {k: r[k] for k in ("point_id", "position", "diff", "row", "col")},
        }
        for r in _heatmap_rows(hm)
    ]
    return {
        "type": "FeatureCollection",
        "properties": {
            "keyword": hm.keyword.name if hm.keyword else None,
            "date": hm.date.isoformat() if hm.date else None,
        },
        "features": features,
    }


def _style(p: HeatmapPosition | None) -> str:
    # Map Rank Tracker's own legend: green top 3, yellow to 10, orange to 20, red beyond.
    if p is None or p.position is None:
        return "white on grey23"
    if p.position <= 3:
        return "bold black on green3"
    if p.position <= 10:
        return "black on yellow3"
    if p.position <= 20:
        return "black on dark_orange"
    return "white on red3"


def _label(p: HeatmapPosition | None) -> str:
    if p is None or p.position is None:
        return " -- "
    return f" {p.position:>2} " if p.position <= 20 else " 20+"


def heatmap_text(hm: Heatmap) -> str:
    """The grid as plain text (no colours): one line per row, north first."""
    return "\n".join("".join(_label(p) for p in row).rstrip() for row in hm.rows())


def _print_heatmap(hm: Heatmap, title: str) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # the CLI extra brings rich; still print something without it
        print(title)
        print(heatmap_text(hm))
        return
    table = Table(show_header=False, show_edge=False, padding=0, box=None)
    rows = hm.rows()
    for _ in rows[0] if rows else ():
        table.add_column(justify="center")
    for row in rows:
        table.add_row(*(Text(_label(p), style=_style(p)) for p in row))
    console = Console(file=sys.stdout)
    console.print(title, highlight=False)
    console.print(table)
    console.print("[green3]1-3[/]  [yellow3]4-10[/]  [dark_orange]11-20[/]  [red3]20+[/]")


# --- the commands -------------------------------------------------------------------------


async def _run(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        return await _act(client, args)


async def _act(client: SemrushClient, args: argparse.Namespace) -> int:
    mr = client.map_rank
    action = args.action
    if action == "campaigns":
        items = await mr.campaigns(args.query, args.sort)
        emit([_campaign_row(c) for c in items], args.format, CAMPAIGN_COLUMNS)
    elif action == "campaign":
        json.dump(to_plain(await mr.get_campaign(args.id)), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif action == "create":
        grid = (
            None
            if args.grid is None
            else GridSettings(template=args.grid, unit=args.unit, distance=args.distance)
        )
        c = await mr.create_campaign(args.place_id, args.keywords, name=args.name, grid=grid)
        emit_one(_campaign_row(c), args.format, CAMPAIGN_COLUMNS)
    elif action == "update":
        changes: dict[str, Any] = {}
        if args.name is not None:
            changes["name"] = args.name
        if args.keyword is not None:
            changes["keywords"] = args.keyword
        c = await mr.update_campaign(args.id, **changes)
        emit_one(_campaign_row(c), args.format, CAMPAIGN_COLUMNS)
    elif action == "delete":
        if not confirm(args, f"delete campaign {args.id} and its data"):
            print("not deleted", file=sys.stderr)
            return 1
        await mr.delete_campaign(args.id)
        print(f"deleted {args.id}")
    elif action == "collect":
        cost = await mr.collection_cost(args.id)
        date = await mr.collect(args.id, args.report_date, check_credits=not args.no_check_credits)
        print(f"collecting report {date.isoformat()} ({cost} credits)")
    elif action == "keywords":
        statuses = await mr.keyword_statuses(args.id, args.report_date)
        emit(
            [{"id": s.keyword.id, "keyword": s.keyword.name, "status": s.status} for s in statuses],
            args.format,
            ("id", "keyword", "status"),
        )
    elif action == "limits":
        lim = await mr.limits()
        emit(
            [
                {
                    "what": "campaigns",
                    "total": lim.campaigns.total,
                    "used": lim.campaigns.in_use,
                    "available": lim.campaigns.available,
                },
                {
                    "what": "credits",
                    "total": lim.credits.total,
                    "used": lim.credits.spent_this_month,
                    "available": lim.credits.available,
                },
            ],
            args.format,
            ("what", "total", "used", "available"),
        )
    else:
        return await _results(client, args)
    return 0


async def _results(client: SemrushClient, args: argparse.Namespace) -> int:
    mr = client.map_rank
    c = await mr.get_campaign(args.id)
    keyword = _keyword(c, args.keyword)
    if args.action == "metrics":
        m = await mr.metrics(c.id, keyword, **_who(c, args))
        emit(
            [
                {"date": d, "average_position": v, "share_of_voice": m.share_of_voice.get(d)}
                for d, v in m.average_positions.items()
            ],
            args.format,
            ("date", "average_position", "share_of_voice"),
        )
        return 0
    date = _last(c, args.report_date)
    if args.action == "competitors":
        pager = mr.top_competitors(c.id, keyword, date, sort=args.sort)
        items = await pager
        rows = [
            {
                "rank": i,
                "name": s.business.name,
                "cid": s.business.cid,
                "average_position": s.average_position,
                "share_of_voice": s.share_of_voice,
                "rating": s.business.rating,
            }
            for i, s in enumerate(items, 1)
        ]
        if pager.business is not None:
            own = pager.business
            rows.insert(
                0,
                {
                    "rank": "you",
                    "name": own.business.name,
                    "cid": own.business.cid,
                    "average_position": own.average_position,
                    "share_of_voice": own.share_of_voice,
                    "rating": own.business.rating,
                },
            )
        emit(rows, args.format, COMPETITOR_COLUMNS)
        return 0
    hm = await mr.heatmap(c.id, keyword, report_date=date, **_who(c, args))
    if args.output is not None:
        return _write_heatmap(hm, Path(args.output))
    if args.format == "table":
        name = c.business.name if c.business and c.business.name else c.name
        kw = hm.keyword.name if hm.keyword else keyword
        when = hm.date.isoformat() if hm.date else "no report"
        _print_heatmap(hm, f"{name} - {kw!r} - {when}")
    else:
        emit(_heatmap_rows(hm), args.format, HEATMAP_COLUMNS)
    return 0


def _write_heatmap(hm: Heatmap, path: Path) -> int:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        n = heatmap_csv(hm, path)
    elif suffix in (".geojson", ".json"):
        doc = heatmap_geojson(hm)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        n = len(doc["features"])
    else:
        raise ValidationError(f"-o {path}: the file must end in .csv or .geojson")
    print(f"wrote {n} points to {path}")
    return 0


COMMANDS: Final = (
    Command("map-rank", "Map Rank Tracker (OAuth)", _arguments, _run),
    # The spelling of the issue (``semrush-async maprank ...``), same commands.
    Command("maprank", "alias of map-rank", _arguments, _run),
)
