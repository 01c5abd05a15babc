"""Sandbox Map Rank Tracker, its routes: the 11 methods, strict request checks.

The rules are stated here from the facts file (semrush-v4-projects-maprank-local.md §3,
[AUR] preferred, §3.15), not taken from the client; the world they act on (campaigns,
credits, reports) is ``_maprank_world``. See that module for the INFERENCE list.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from semrush_async.testing._maprank_world import (
    CAMPAIGN_SORTS,
    CAMPAIGNS,
    COMPETITOR_SORTS,
    DIRECTIONS,
    EPOCH,
    FREQUENCIES,
    HHMM,
    MAX_KEYWORD_LEN,
    MAX_KEYWORDS,
    MAX_QUERY_LEN,
    PREFIX,
    SPRING_MAX_SIZE,
    TEMPLATE,
    UNITS,
    MapRankServer,
    compact_stamp,
    ms_stamp,
    parse_stamp,
    spring_page,
    uuid_of,
)
from semrush_async.testing._state import SandboxState
from semrush_async.testing._v4 import (
    bad_request,
    not_found,
    serve_v4,
    v4_error_response,
    v4_response,
)

__all__ = ["setup_maprank"]


class _Bad(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def response(self) -> web.Response:
        detail: dict[str, str] = {"message": self.message}
        if self.field:
            detail["field"] = self.field
        return bad_request(self.message, details=[detail])


# --- request checks ------------------------------------------------------------------------


def _query(
    request: web.Request, allowed: Iterable[str], required: Iterable[str] = ()
) -> dict[str, str]:
    allowed = set(allowed)
    out: dict[str, str] = {}
    for key, value in request.query.items():
        if key not in allowed:
            raise _Bad(f"Unknown parameter '{key}'; allowed: {', '.join(sorted(allowed))}", key)
        if key in out:
            raise _Bad(f"Parameter '{key}' given more than once", key)
        out[key] = value
    for key in required:
        if not out.get(key):
            raise _Bad(f"Required parameter '{key}' is missing", key)
    return out


def _int(params: Mapping[str, str], key: str, default: int, low: int) -> int:
    text = params.get(key)
    if text is None:
        return default
    if not re.fullmatch(r"-?\d+", text) or int(text) < low:
        raise _Bad(f"'{key}' must be an integer >= {low}", key)
    return int(text)


def _sort(params: Mapping[str, str], default: str, fields: set[str]) -> tuple[str, bool]:
    field, _, direction = params.get("sort", default).partition(",")
    if field not in fields or direction not in DIRECTIONS:
        raise _Bad(
            f"'sort' must be field,DIRECTION with field in {sorted(fields)} and ASC or DESC",
            "sort",
        )
    return field, direction == "DESC"


def _stamp(params: Mapping[str, str], key: str = "reportDate") -> str | None:
    text = params.get(key)
    if text is not None and parse_stamp(text) is None:
        raise _Bad(f"'{key}' must be a full ISO-8601 timestamp, e.g. 2024-07-05T12:39:22.611Z", key)
    return text


def _business_param(params: Mapping[str, str]) -> str:
    if ("cid" in params) == ("placeIds" in params):
        raise _Bad("Exactly one of 'cid' and 'placeIds' is required", "cid")
    return params.get("cid") or params["placeIds"]


def _keywords(value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_KEYWORDS:
        raise _Bad(f"'keywords' must be a list of 1 to {MAX_KEYWORDS} strings", "keywords")
    for k in value:
        if not isinstance(k, str) or not k.strip() or len(k) > MAX_KEYWORD_LEN:
            raise _Bad(f"Each keyword must be 1 to {MAX_KEYWORD_LEN} characters", "keywords")
    return value


def _coords(value: Any, field: str) -> dict[str, float]:
    if (
        not isinstance(value, Mapping)
        or set(value) != {"lat", "lng"}
        or not all(isinstance(value[k], int | float) for k in ("lat", "lng"))
        or not -90 <= value["lat"] <= 90
        or not -180 <= value["lng"] <= 180
    ):
        raise _Bad(f"'{field}' must be {{lat, lng}} on the map", field)
    return {"lat": float(value["lat"]), "lng": float(value["lng"])}


def _grid(value: Any, business: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not set(value) <= {
        "template",
        "unit",
        "distance",
        "basePoint",
    }:
        raise _Bad("'gridSettings' takes template, unit, distance, basePoint", "gridSettings")
    template = value.get("template", "5x5")
    if not isinstance(template, str) or not TEMPLATE.match(template):
        raise _Bad("'gridSettings.template' must look like 5x5", "gridSettings.template")
    unit = value.get("unit", "KM")
    if unit not in UNITS:
        raise _Bad(f"'gridSettings.unit' must be one of {sorted(UNITS)}", "gridSettings.unit")
    distance = value.get("distance", 1.5)
    if not isinstance(distance, int | float) or isinstance(distance, bool) or distance <= 0:
        raise _Bad("'gridSettings.distance' must be a number > 0", "gridSettings.distance")
    base = value.get("basePoint")
    return {
        "template": template,
        "unit": unit,
        "distance": float(distance),
        "basePoint": _coords(base, "gridSettings.basePoint")
        if base is not None
        else dict(business["coordinates"]),
    }


def _custom_points(cid: str, seed: int, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise _Bad("'points' must be a non-empty list", "points")
    out = []
    for n, p in enumerate(value):
        if not isinstance(p, Mapping) or not set(p) <= {"index", "isEnabled", "coordinates"}:
            raise _Bad("Each point takes index, isEnabled, coordinates", "points")
        index = p.get("index", n + 1)
        enabled = p.get("isEnabled", True)
        if not isinstance(index, int) or not isinstance(enabled, bool):
            raise _Bad("'points[].index' must be an integer, 'isEnabled' a boolean", "points")
        out.append(
            {
                "id": uuid_of(seed, cid, "custom-point", n, json.dumps(p, sort_keys=True)),
                "index": index,
                "isEnabled": enabled,
                "coordinates": _coords(p.get("coordinates"), "points.coordinates"),
            }
        )
    return out


def _frequency(value: Any) -> dict[str, Any]:
    keys = {"frequency", "interval", "positions", "time", "enable"}
    if not isinstance(value, Mapping) or not set(value) <= keys:
        raise _Bad(f"'collectingFrequency' takes {sorted(keys)}", "collectingFrequency")
    if value.get("frequency") not in FREQUENCIES:
        raise _Bad(
            f"'collectingFrequency.frequency' must be one of {sorted(FREQUENCIES)}",
            "collectingFrequency.frequency",
        )
    if "time" in value and not (isinstance(value["time"], str) and HHMM.match(value["time"])):
        raise _Bad("'collectingFrequency.time' must be HH:mm", "collectingFrequency.time")
    if "interval" in value and not (isinstance(value["interval"], int) and value["interval"] >= 1):
        raise _Bad("'collectingFrequency.interval' must be >= 1", "collectingFrequency.interval")
    positions = value.get("positions", [])
    if not isinstance(positions, list) or not all(isinstance(p, int) for p in positions):
        raise _Bad(
            "'collectingFrequency.positions' must be integers", "collectingFrequency.positions"
        )
    return dict(value)


async def _body(request: web.Request, allowed: set[str]) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        raise _Bad("The body is not JSON") from None
    if not isinstance(body, dict):
        raise _Bad("The body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _Bad(
            f"Unknown field '{unknown[0]}'; allowed: {', '.join(sorted(allowed))}", unknown[0]
        )
    if "gridSettings" in body and "points" in body:
        raise _Bad("'gridSettings' and 'points' are mutually exclusive", "gridSettings")
    return body


def _now_ms() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def setup_maprank(app: web.Application, state: SandboxState, count: int = CAMPAIGNS) -> None:
    """Register the 11 Map Rank Tracker methods (v4 key or Bearer, account-wide limit)."""
    mrt = MapRankServer(state.seed, count)
    state.extensions["map_rank"] = mrt

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

    def route(name: str, handler: Handler) -> Handler:
        state.declare(f"map_rank.{name}")

        async def serve(request: web.Request) -> web.StreamResponse:
            async def handle(account: str) -> web.StreamResponse:
                try:
                    return await handler(request)
                except _Bad as e:
                    return e.response()

            return await serve_v4(
                request, state, f"map_rank.{name}", handle, auth="apikey_or_bearer"
            )

        return serve

    def campaign_of(request: web.Request) -> dict[str, Any] | None:
        return mrt.campaigns.get(request.match_info["campaign_id"])

    def keyword_of(c: Mapping[str, Any], kid: str) -> dict[str, Any] | None:
        return next((k for k in c["keywords"] if k["id"] == kid), None)

    async def get_campaigns(request: web.Request) -> web.StreamResponse:
        q = _query(request, {"page", "size", "sort", "query", "onlyMarkedForRemoval"})
        page = _int(q, "page", 0, 0)
        size = min(_int(q, "size", 10, 1), SPRING_MAX_SIZE)
        field, desc = _sort(q, "createdAt,DESC", CAMPAIGN_SORTS)
        text = q.get("query")
        if text is not None and len(text) > MAX_QUERY_LEN:
            raise _Bad(f"'query' must be at most {MAX_QUERY_LEN} characters", "query")
        marked = q.get("onlyMarkedForRemoval")
        if marked not in (None, "true", "false"):
            raise _Bad("'onlyMarkedForRemoval' must be true or false", "onlyMarkedForRemoval")
        items = list(mrt.campaigns.values())
        if text:
            t = text.lower()
            items = [
                c for c in items if t in c["name"].lower() or t in c["business"]["address"].lower()
            ]
        if marked == "true":
            items = [c for c in items if c["id"] in mrt.marked_for_removal]
        key = "createdAt" if field == "createdAt" else "businessName"
        items.sort(
            key=lambda c: (
                c["createdAt"] if key == "createdAt" else c["business"]["name"],
                c["id"],
            ),
            reverse=desc,
        )
        return v4_response(spring_page([mrt.list_item(c) for c in items], page, size))

    async def get_campaign(request: web.Request) -> web.StreamResponse:
        _query(request, ())
        c = campaign_of(request)
        return not_found("Campaign not found") if c is None else v4_response(c)

    async def create_campaign(request: web.Request) -> web.StreamResponse:
        _query(request, ())
        body = await _body(
            request,
            {"placeId", "keywords", "name", "gridSettings", "points", "collectingFrequency"},
        )
        place = body.get("placeId")
        if not isinstance(place, str) or not place.strip():
            raise _Bad("'placeId' is required", "placeId")
        keywords = _keywords(body.get("keywords"))
        if len(mrt.campaigns) >= mrt.campaign_slots:
            return v4_error_response(403, 403, "Campaign limit reached")
        cid, business = mrt.new_campaign(place)
        name = body.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise _Bad("'name' must be a non-empty string", "name")
        if "points" in body:
            grid = None
            points = _custom_points(cid, mrt.seed, body["points"])
        else:
            grid = _grid(body.get("gridSettings", {}), business)
            points = mrt.grid_points(cid, grid)
        now = dt.datetime.now(dt.UTC)
        c: dict[str, Any] = {
            "id": cid,
            "userId": "84375",
            "name": name or business["name"],
            "sharingStatus": {
                "accessType": "OWNER",
                "ownerEmail": "owner@example.com",
                "sharesCount": 0,
            },
            "keywords": [{"id": uuid_of(mrt.seed, cid, "kw", k), "name": k} for k in keywords],
            "points": points,
            "countryCode": "US",
            "business": business,
            "createdAt": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "statusUpdatedAt": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "status": "CREATED",
            "projectMetrics": {},
        }
        if grid is not None:
            c["gridSettings"] = grid
        if "collectingFrequency" in body:
            c["collectingFrequency"] = _frequency(body["collectingFrequency"])
        mrt.campaigns[cid] = c
        return v4_response(c)

    async def update_campaign(request: web.Request) -> web.StreamResponse:
        _query(request, ())
        body = await _body(
            request, {"name", "keywords", "gridSettings", "points", "collectingFrequency"}
        )
        c = campaign_of(request)
        if c is None:
            return not_found("Campaign not found")
        mrt.patches.append((c["id"], dict(body)))
        new = dict(c)
        if "name" in body:
            name = body["name"]
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise _Bad("'name' must be a non-empty string or null", "name")
            new["name"] = name or c["business"]["name"]
        if "keywords" in body:
            old = {k["name"]: k["id"] for k in c["keywords"]}
            new["keywords"] = [
                {"id": old.get(k) or uuid_of(mrt.seed, c["id"], "kw", k), "name": k}
                for k in _keywords(body["keywords"])
            ]
        if "gridSettings" in body:
            new["gridSettings"] = _grid(body["gridSettings"], c["business"])
            new["points"] = mrt.grid_points(c["id"], new["gridSettings"])
        if "points" in body:
            new["points"] = _custom_points(c["id"], mrt.seed, body["points"])
            new.pop("gridSettings", None)
        if "collectingFrequency" in body:
            if body["collectingFrequency"] is None:
                new.pop("collectingFrequency", None)
            else:
                new["collectingFrequency"] = _frequency(body["collectingFrequency"])
        mrt.campaigns[c["id"]] = new
        return v4_response(new)

    async def delete_campaign(request: web.Request) -> web.StreamResponse:
        _query(request, ())
        c = campaign_of(request)
        if c is None:
            return not_found("Campaign not found")
        del mrt.campaigns[c["id"]]
        mrt.marked_for_removal.discard(c["id"])
        return v4_response({})

    async def collect(request: web.Request) -> web.StreamResponse:
        q = _query(request, {"reportDate"})
        text = _stamp(q)
        c = campaign_of(request)
        if c is None:
            return not_found("Campaign not found")
        when = parse_stamp(text) if text is not None else _now_ms()
        assert when is not None
        date = ms_stamp(when)
        if mrt.report_date(c, date) is not None:
            return v4_error_response(409, 409, "A report for this date already exists")
        cost = mrt.cost(c)
        if cost > mrt.available_credits():
            return v4_error_response(403, 403, "Not enough credits")
        mrt.credits_spent += cost
        dates = sorted(
            [*c.get("reportDates", []), date], key=lambda d: parse_stamp(d) or EPOCH, reverse=True
        )
        c["reportDates"] = dates
        c["lastReportDate"] = dates[0]
        c["status"] = "COLLECTED"
        c["statusUpdatedAt"] = ms_stamp(_now_ms())
        return v4_response({"collectingReportDate": date})

    async def keyword_statuses(request: web.Request) -> web.StreamResponse:
        q = _query(request, {"reportDate"})
        text = _stamp(q)
        c = campaign_of(request)
        if c is None:
            return not_found("Campaign not found")
        date = mrt.report_date(c, text)
        items = (
            []
            if date is None
            else [{"keyword": dict(k), "status": "COLLECTED"} for k in c["keywords"]]
        )
        return v4_response({"keywords": items})

    async def heatmap(request: web.Request) -> web.StreamResponse:
        q = _query(
            request, {"keywordId", "cid", "placeIds", "reportDate"}, ("keywordId", "reportDate")
        )
        text = _stamp(q)
        who = _business_param(q)
        c = campaign_of(request)
        if c is None:
            return not_found("Campaign not found")
        kw = keyword_of(c, q["keywordId"])
        if kw is None:
            return not_found("Keyword not found")
        date = mrt.report_date(c, text)
        if date is None:
            return v4_response({})
        return v4_response(
            {"keyword": kw, "date": date, "positions": mrt.positions(c, kw["id"], date, who)}
        )

    async def metrics(request: web.Request) -> web.StreamResponse:
        q = _query(request, {"keywordId", "cid", "placeIds"}, ("keywordId",))
        who = _business_param(q)
        c = campaign_of(request)
        if c is None:
            return not_found("Campaign not found")
        kw = keyword_of(c, q["keywordId"])
        averages: dict[str, float] = {}
        shares: dict[str, float] = {}
        for date in reversed(c.get("reportDates", [])):
            key = compact_stamp(parse_stamp(date) or EPOCH)
            positions = [] if kw is None else mrt.positions(c, kw["id"], date, who)
            averages[key], shares[key] = mrt.standing(positions)
        return v4_response({"average_positions": averages, "share_of_voices": shares})

    async def top_competitors(request: web.Request) -> web.StreamResponse:
        q = _query(
            request,
            {"keywordId", "reportDate", "page", "size", "sort"},
            ("keywordId", "reportDate"),
        )
        text = _stamp(q)
        page = _int(q, "page", 0, 0)
        size = min(_int(q, "size", 10, 1), SPRING_MAX_SIZE)
        field, desc = _sort(q, "averagePosition,ASC", COMPETITOR_SORTS)
        c = campaign_of(request)
        if c is None:
            return not_found("Campaign not found")
        kw = keyword_of(c, q["keywordId"])
        if kw is None:
            return not_found("Keyword not found")
        date = mrt.report_date(c, text)
        own = c["business"]
        if date is None:
            return v4_response(
                {
                    "business": {"business": own, "averagePosition": None, "shareOfVoice": None},
                    "competitors": spring_page([], page, size),
                }
            )
        average, share = mrt.standing(mrt.positions(c, kw["id"], date, own["cid"]))
        items = mrt.competitors(c, kw["id"], date)

        def key(item: Mapping[str, Any]) -> tuple[Any, str]:
            b = item["business"]
            value = item[field] if field in item else b[field]
            return value, b["cid"]

        items.sort(key=key, reverse=desc)
        return v4_response(
            {
                "business": {"business": own, "averagePosition": average, "shareOfVoice": share},
                "competitors": spring_page(items, page, size),
            }
        )

    async def limits(request: web.Request) -> web.StreamResponse:
        _query(request, ())
        return v4_response(mrt.limits())

    one = PREFIX + "/campaigns/{campaign_id}"
    app.router.add_get(PREFIX + "/campaigns", route("campaigns", get_campaigns))
    app.router.add_post(PREFIX + "/campaigns", route("create_campaign", create_campaign))
    app.router.add_get(one, route("get_campaign", get_campaign))
    app.router.add_patch(one, route("update_campaign", update_campaign))
    app.router.add_delete(one, route("delete_campaign", delete_campaign))
    # PUT per [AUR] (the preferred source); [AE] says POST.
    app.router.add_put(one + "/collect", route("collect", collect))
    app.router.add_get(one + "/keywords", route("keyword_statuses", keyword_statuses))
    app.router.add_get(one + "/heatmap", route("heatmap", heatmap))
    app.router.add_get(one + "/metrics", route("metrics", metrics))
    app.router.add_get(one + "/top-competitors", route("top_competitors", top_competitors))
    app.router.add_get(PREFIX + "/limits", route("limits", limits))
