"""Sandbox Map Rank Tracker (``/apis/v4/map-rank-tracker/v0``): an API v4 key in
``Authorization: Apikey`` (since 2026-08-19, [OFF-RN3]) or an OAuth Bearer token
(deprecated for new integrations). A read-only v4 key may only read (writes: 403).

The rules are stated here from the facts file (§3, [AUR] preferred, §3.15), not taken
from the client. Where the docs are silent the sandbox decides (INFERENCE):

* Unknown query parameters and body fields are refused with a 400 (strict emulation);
  a repeated parameter too.
* Insufficient credits for a collect: 403, code 403, "Not enough credits". Campaign
  slots exhausted on create: 403 "Campaign limit reached". Collecting a report date
  the campaign already has: 409.
* Disabled points are not collected and cost nothing: cost = enabled points x keywords.
* A collection completes at once (status COLLECTED, keyword statuses COLLECTED).
* Heatmap/top-competitors: an unknown ``keywordId`` is a 404; a ``reportDate`` that is
  not one of the campaign's report dates gives empty data ([MRTREF], [AUR]).
  Metrics: an unknown keyword gives 21 / 0 at every report date ([AUR]).
* ``diff`` = previous position - this position (positive: better); 0 on the first report.
* Page size: values above 2000 are clamped, as Spring Data does by default.
* Campaign 3 carries an unknown status, an unknown frequency and unknown fields, so
  clients meet values the docs did not list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from semrush_async.testing._v4 import (
    bad_request,
    not_found,
    serve_v4,
    v4_error_response,
    v4_response,
)

if TYPE_CHECKING:
    from semrush_async.testing._sandbox import SandboxState

__all__ = ["MapRankServer", "setup_maprank"]

PREFIX: Final = "/apis/v4/map-rank-tracker/v0"
#: Campaigns the sandbox starts with (four pages of the default size 10).
CAMPAIGNS: Final = 37
CAMPAIGN_SLOTS: Final = 50
CREDITS: Final = 10_000
#: The campaign that carries values and fields the docs do not list.
ODD_CAMPAIGN: Final = 3
MAX_KEYWORDS: Final = 100
MAX_KEYWORD_LEN: Final = 255
MAX_QUERY_LEN: Final = 255
SPRING_MAX_SIZE: Final = 2000
CAMPAIGN_SORTS: Final = {"createdAt", "businessName"}
COMPETITOR_SORTS: Final = {"averagePosition", "name", "rating", "reviewNumber", "shareOfVoice"}
DIRECTIONS: Final = {"ASC", "DESC"}
FREQUENCIES: Final = {"WEEKLY", "MONTHLY"}
UNITS: Final = {"KM", "MI"}
_TIMESTAMP: Final = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$"
)
_TEMPLATE: Final = re.compile(r"^(\d{1,2})x(\d{1,2})$")
_HHMM: Final = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_KEYWORDS: Final = ("pizza", "cold beer", "restaurant near me", "paella", "souvlaki", "coffee")
_NAMES: Final = ("Pablo's paella", "Pavlos souvlaki", "Paolo's pizza", "Corner cafe")
_COUNTRIES: Final = ("ES", "CY", "IT", "US")
_EPOCH: Final = dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC)


def _h(*parts: object) -> bytes:
    return hashlib.sha256(":".join(map(str, parts)).encode()).digest()


def _n(*parts: object) -> int:
    return int.from_bytes(_h(*parts)[:8], "big")


def _uuid(*parts: object) -> str:
    return str(uuid.UUID(bytes=_h(*parts)[:16], version=4))


def ms_stamp(t: dt.datetime) -> str:
    """``2024-06-13T14:20:10.660Z``: the reportDates format of the docs."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def compact_stamp(t: dt.datetime) -> str:
    """``2024-06-13T14:20:10.66Z``: metric keys drop trailing zeros (docs §3.1)."""
    frac = f"{t.microsecond // 1000:03d}".rstrip("0")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def parse_stamp(text: str) -> dt.datetime | None:
    """A full timestamp (time and zone) to milliseconds, else None."""
    m = _TIMESTAMP.match(text)
    if m is None:
        return None
    base, frac, zone = m.groups()
    try:
        t = dt.datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None
    ms = int((frac or "0")[:3].ljust(3, "0"))
    return t.astimezone(dt.UTC).replace(microsecond=ms * 1000)


def spring_page(items: Sequence[Any], page: int, size: int) -> dict[str, Any]:
    """A Spring Data page object (§3.3), 0-based."""
    total = len(items)
    pages = (total + size - 1) // size
    content = list(items[page * size : (page + 1) * size])
    sort = {"empty": False, "unsorted": False, "sorted": True}
    return {
        "content": content,
        "pageable": {
            "pageNumber": page,
            "pageSize": size,
            "sort": sort,
            "offset": page * size,
            "paged": True,
            "unpaged": False,
        },
        "last": page + 1 >= pages,
        "totalPages": pages,
        "totalElements": total,
        "first": page == 0,
        "size": size,
        "number": page,
        "sort": sort,
        "numberOfElements": len(content),
        "empty": not content,
    }


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


class MapRankServer:
    """The sandbox account's campaigns, credits and collected reports."""

    def __init__(self, seed: int, count: int = CAMPAIGNS) -> None:
        self.seed = seed
        self.credits_total = CREDITS
        self.credits_spent = 0
        self.campaign_slots = CAMPAIGN_SLOTS
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.marked_for_removal: set[str] = set()
        #: Every UpdateCampaign body as received (tests check what was sent).
        self.patches: list[tuple[str, dict[str, Any]]] = []
        self._created = 0
        for i in range(count):
            c = self._make(i)
            self.campaigns[c["id"]] = c
            if i % 13 == 7:
                self.marked_for_removal.add(c["id"])

    # --- deterministic data -----------------------------------------------------------------

    def _business(self, key: object, i: int) -> dict[str, Any]:
        lat = 34.0 + (_n(self.seed, key, "lat") % 100_000) / 100_000
        lng = 33.0 + (_n(self.seed, key, "lng") % 100_000) / 100_000
        return {
            # Above 2**63: clients must keep cid a string.
            "cid": str(2**63 + _n(self.seed, key, "cid") % 10**18),
            "placeIds": ["ChIJ" + _h(self.seed, key, "place").hex()[:23]],
            "name": f"{_NAMES[i % len(_NAMES)]} {i}",
            "address": f"{i + 1} Orange str, area {3000 + i}, Spain",
            "rating": round(3.5 + (_n(self.seed, key, "rt") % 15) / 10, 1),
            "reviewNumber": 10 + _n(self.seed, key, "rv") % 900,
            "coordinates": {"lat": lat, "lng": lng},
        }

    def _points(self, cid: str, grid: Mapping[str, Any], disabled: int = 0) -> list[dict[str, Any]]:
        m = _TEMPLATE.match(str(grid.get("template", "5x5")))
        rows, cols = (int(m[1]), int(m[2])) if m else (5, 5)
        base = grid.get("basePoint") or {"lat": 0.0, "lng": 0.0}
        step = float(grid.get("distance", 1.5)) / 111.0 / max(1, (max(rows, cols) - 1) / 2)
        if grid.get("unit") == "MI":
            step *= 1.609
        out = []
        for r in range(rows):
            for c in range(cols):
                index = r * cols + c + 1
                out.append(
                    {
                        "id": _uuid(self.seed, cid, "point", index),
                        "index": index,
                        "isEnabled": index > disabled,
                        "coordinates": {
                            "lat": base["lat"] + ((rows - 1) / 2 - r) * step,
                            "lng": base["lng"] + (c - (cols - 1) / 2) * step,
                        },
                    }
                )
        return out

    def _make(self, i: int) -> dict[str, Any]:
        cid = _uuid(self.seed, "campaign", i)
        business = self._business(cid, i)
        grid = {
            "template": "5x5" if i % 2 == 0 else "7x7",
            "unit": "MI" if i % 3 == 2 else "KM",
            "distance": 1.5,
            "basePoint": dict(business["coordinates"]),
        }
        created = _EPOCH + dt.timedelta(days=i, seconds=i * 7, microseconds=123_456 + i)
        keywords = [
            {"id": _uuid(self.seed, cid, "kw", k), "name": _KEYWORDS[(i + k) % len(_KEYWORDS)]}
            for k in range(1 + i % 3)
        ]
        c: dict[str, Any] = {
            "id": cid,
            "userId": "84375",
            "name": business["name"],
            "sharingStatus": {"accessType": "OWNER", "ownerEmail": "owner@example.com"},
            "keywords": keywords,
            "gridSettings": grid,
            "points": self._points(cid, grid, disabled=1 if i % 5 == 4 else 0),
            "countryCode": _COUNTRIES[i % len(_COUNTRIES)],
            "business": business,
            # Microseconds, as the docs' createdAt.
            "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "projectMetrics": {},
            "status": "CREATED",
        }
        c["sharingStatus"]["sharesCount"] = i % 4
        if i % 3 == 0:
            c["collectingFrequency"] = {
                "frequency": "WEEKLY",
                "positions": [1 + i % 7],
                "enable": True,
            }
        elif i % 3 == 1:
            c["collectingFrequency"] = {
                "frequency": "MONTHLY",
                "positions": [1 + i % 28],
                "enable": True,
            }
        if i % 6 == 0:
            c["zoom"] = 14  # top-level, as one official example
        if i % 4 != 1:
            dates = [
                created + dt.timedelta(days=7 * (j + 1), milliseconds=(i * 37 + j * 110) % 1000)
                for j in range(1 + i % 3)
            ]
            c["reportDates"] = [
                ms_stamp(d.replace(microsecond=d.microsecond // 1000 * 1000))
                for d in reversed(dates)
            ]
            c["lastReportDate"] = c["reportDates"][0]
            c["status"] = "COLLECTED"
            c["projectMetrics"] = {
                "averagePosition": round(5 + (_n(cid, "ap") % 1500) / 100, 2),
                "averagePositionDiff": round(((_n(cid, "apd") % 400) - 200) / 100, 2),
                "averageShareOfVoice": round((_n(cid, "sv") % 3000) / 100, 3),
                "averageShareOfVoiceDiff": round(((_n(cid, "svd") % 200) - 100) / 100, 3),
            }
            nxt = dates[-1] + dt.timedelta(days=7)
            c["nextReportDate"] = nxt.strftime("%Y-%m-%dT00:00:00Z")
        # Nanoseconds, as the docs' statusUpdatedAt examples sometimes have.
        c["statusUpdatedAt"] = created.strftime("%Y-%m-%dT%H:%M:%S.%f") + "774Z"
        if i == ODD_CAMPAIGN:
            c["status"] = "ARCHIVED"
            c["collectingFrequency"] = {"frequency": "DAILY", "positions": [], "enable": False}
            c["labels"] = ["new-field"]
            c["business"]["category"] = "Restaurant"
            c["gridSettings"]["shape"] = "circle"
        return c

    # --- views -------------------------------------------------------------------------------

    @staticmethod
    def list_item(c: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in c.items() if k not in ("keywords", "points", "reportDates")}
        out["keywordsNumber"] = len(c["keywords"])
        out["pointsNumber"] = len(c["points"])
        return out

    def available_credits(self) -> int:
        return self.credits_total - self.credits_spent

    @staticmethod
    def cost(c: Mapping[str, Any]) -> int:
        return sum(1 for p in c["points"] if p["isEnabled"]) * len(c["keywords"])

    def limits(self) -> dict[str, Any]:
        used = len(self.campaigns)
        return {
            "campaigns": {
                "total": self.campaign_slots,
                "inUse": used,
                "available": max(0, self.campaign_slots - used),
            },
            "credits": {
                "total": self.credits_total,
                "spentThisMonth": self.credits_spent,
                "available": self.available_credits(),
            },
        }

    def report_date(self, c: Mapping[str, Any], text: str | None) -> str | None:
        """The campaign's report date matching ``text`` (default: the latest)."""
        dates: list[str] = c.get("reportDates", [])
        if text is None:
            return dates[0] if dates else None
        wanted = parse_stamp(text)
        return next((d for d in dates if parse_stamp(d) == wanted), None)

    def position(
        self, c: Mapping[str, Any], kw: str, date: str, who: str, p: Mapping[str, Any]
    ) -> int:
        side = round(len(c["points"]) ** 0.5)
        r, col = divmod(int(p["index"]) - 1, max(1, side))
        ring = max(abs(r - side // 2), abs(col - side // 2))
        return int(1 + ring * 3 + _n(self.seed, c["id"], kw, date, who, p["index"]) % 5)

    def positions(self, c: Mapping[str, Any], kw: str, date: str, who: str) -> list[dict[str, Any]]:
        dates: list[str] = c.get("reportDates", [])
        prev = (
            dates[dates.index(date) + 1]
            if date in dates and dates.index(date) + 1 < len(dates)
            else None
        )
        out = []
        for p in c["points"]:
            if not p["isEnabled"]:
                continue
            pos = self.position(c, kw, date, who, p)
            diff = 0 if prev is None else self.position(c, kw, prev, who, p) - pos
            out.append(
                {
                    "point": {"id": p["id"], "coordinates": p["coordinates"]},
                    "position": pos,
                    "diff": diff,
                }
            )
        return out

    @staticmethod
    def standing(positions: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
        if not positions:
            return 21.0, 0.0
        ranks = [min(int(p["position"]), 21) for p in positions]
        average = round(sum(ranks) / len(ranks), 4)
        share = round(sum((21 - r) / 20 for r in ranks) / len(ranks) * 100 / 3, 4)
        return average, share

    def competitors(self, c: Mapping[str, Any], kw: str, date: str) -> list[dict[str, Any]]:
        count = 12 + _n(self.seed, c["id"], kw, date, "n") % 30
        out = []
        for k in range(count):
            key = f"{c['id']}:{kw}:{k}"
            business = self._business(key, k)
            business["name"] = f"Competitor {k:02d} of {c['business']['name']}"
            average = round(1 + (_n(key, date, "ap") % 2000) / 100, 4)
            share = round((_n(key, date, "sv") % 3000) / 100, 4)
            out.append({"business": business, "averagePosition": average, "shareOfVoice": share})
        return out


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
    if not isinstance(template, str) or not _TEMPLATE.match(template):
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
                "id": _uuid(seed, cid, "custom-point", n, json.dumps(p, sort_keys=True)),
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
    if "time" in value and not (isinstance(value["time"], str) and _HHMM.match(value["time"])):
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
        mrt._created += 1
        cid = _uuid(mrt.seed, "created", mrt._created, place)
        business = mrt._business(place, 100 + mrt._created)
        business["placeIds"] = [place]
        name = body.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise _Bad("'name' must be a non-empty string", "name")
        if "points" in body:
            grid = None
            points = _custom_points(cid, mrt.seed, body["points"])
        else:
            grid = _grid(body.get("gridSettings", {}), business)
            points = mrt._points(cid, grid)
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
            "keywords": [{"id": _uuid(mrt.seed, cid, "kw", k), "name": k} for k in keywords],
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
                {"id": old.get(k) or _uuid(mrt.seed, c["id"], "kw", k), "name": k}
                for k in _keywords(body["keywords"])
            ]
        if "gridSettings" in body:
            new["gridSettings"] = _grid(body["gridSettings"], c["business"])
            new["points"] = mrt._points(c["id"], new["gridSettings"])
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
            [*c.get("reportDates", []), date], key=lambda d: parse_stamp(d) or _EPOCH, reverse=True
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
            key = compact_stamp(parse_stamp(date) or _EPOCH)
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
