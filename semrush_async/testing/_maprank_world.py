"""Sandbox Map Rank Tracker, its world: the account's campaigns, credits and the
deterministic reports (the routes that serve them are in ``_maprank_routes``).

Map Rank Tracker (``/apis/v4/map-rank-tracker/v0``) takes an API v4 key in
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
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = [
    "CAMPAIGNS",
    "ODD_CAMPAIGN",
    "MapRankServer",
    "compact_stamp",
    "ms_stamp",
    "parse_stamp",
    "spring_page",
    "uuid_of",
]

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
TEMPLATE: Final = re.compile(r"^(\d{1,2})x(\d{1,2})$")
HHMM: Final = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_KEYWORDS: Final = ("pizza", "cold beer", "restaurant near me", "paella", "souvlaki", "coffee")
_NAMES: Final = ("Pablo's paella", "Pavlos souvlaki", "Paolo's pizza", "Corner cafe")
_COUNTRIES: Final = ("ES", "CY", "IT", "US")
EPOCH: Final = dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC)


def _h(*parts: object) -> bytes:
    return hashlib.sha256(":".join(map(str, parts)).encode()).digest()


def _n(*parts: object) -> int:
    return int.from_bytes(_h(*parts)[:8], "big")


def uuid_of(*parts: object) -> str:
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

    def business(self, key: object, i: int) -> dict[str, Any]:
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

    def grid_points(
        self, cid: str, grid: Mapping[str, Any], disabled: int = 0
    ) -> list[dict[str, Any]]:
        m = TEMPLATE.match(str(grid.get("template", "5x5")))
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
                        "id": uuid_of(self.seed, cid, "point", index),
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
        cid = uuid_of(self.seed, "campaign", i)
        business = self.business(cid, i)
        grid = {
            "template": "5x5" if i % 2 == 0 else "7x7",
            "unit": "MI" if i % 3 == 2 else "KM",
            "distance": 1.5,
            "basePoint": dict(business["coordinates"]),
        }
        created = EPOCH + dt.timedelta(days=i, seconds=i * 7, microseconds=123_456 + i)
        keywords = [
            {"id": uuid_of(self.seed, cid, "kw", k), "name": _KEYWORDS[(i + k) % len(_KEYWORDS)]}
            for k in range(1 + i % 3)
        ]
        c: dict[str, Any] = {
            "id": cid,
            "userId": "84375",
            "name": business["name"],
            "sharingStatus": {"accessType": "OWNER", "ownerEmail": "owner@example.com"},
            "keywords": keywords,
            "gridSettings": grid,
            "points": self.grid_points(cid, grid, disabled=1 if i % 5 == 4 else 0),
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

    def new_campaign(self, place: str) -> tuple[str, dict[str, Any]]:
        """The id and business of the next campaign created for ``place``."""
        self._created += 1
        cid = uuid_of(self.seed, "created", self._created, place)
        business = self.business(place, 100 + self._created)
        business["placeIds"] = [place]
        return cid, business

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
            business = self.business(key, k)
            business["name"] = f"Competitor {k:02d} of {c['business']['name']}"
            average = round(1 + (_n(key, date, "ap") % 2000) / 100, 4)
            share = round((_n(key, date, "sv") % 3000) / 100, 4)
            out.append({"business": business, "averagePosition": average, "shareOfVoice": share})
        return out
