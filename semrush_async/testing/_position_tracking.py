"""Sandbox Position Tracking v3: management calls (``/management/v1/projects/...``),
location search and the 13 report types, on the shared Projects store (a campaign
``<project>_<n>`` belongs to a project of ``extensions["projects"]``).

The rules are stated from the facts (coverage §4.1, [AUR] ``projects_tracking_*.md``),
not taken from the client. Interpretations (INF, listed in ``docs/sandbox.md``):

* An unknown campaign (or one whose project was deleted) is 512; a second campaign
  with the same ``location_id`` and ``device`` in a project 515; more than 5 tags on a
  keyword, or a tag that sanitises to nothing, 520; more than ``keywords_limit``
  tracked keywords in the account (default 5,000, the example's ``limits.targets``)
  522; more than 20 competitors, or any other bad value, 511 (see :mod:`._v3json`).
* Adding keywords costs 100 per keyword not yet tracked (nothing when all are); the
  other writes 100 each, charged before anything changes (132 leaves it unchanged).
* Keywords keep their spelling; tags are sanitised as the docs say. Unknown keywords
  in a removal or a tag request are ignored. Notifications answer
  ``{"status": "SUCCESS", "action": "tracking_notifications_enable|disable"}``.
* Every campaign reports on the same fixed calendar of 30 daily crawls ending
  2026-12-05 (:data:`._pt_data.DATES`); ``date_begin``/``date_end`` are clamped to it.
* One campaign is seeded on the first project (137 keywords, tags with ``&``, ``+``,
  ``#``, ``'``, three competitors), so reports have data at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from semrush_async.testing._pt_data import (
    DATES,
    DEVICES,
    ENGINE_COUNTRIES,
    ENGINES,
    LAST_DATE,
    LOCATION_IDS,
    LOCATION_TYPES,
    LOCATIONS,
    URL_TYPES,
    Campaign,
    TrackedKeyword,
    sanitize_tag,
)
from semrush_async.testing._pt_discovery import competitors, landing_pages
from semrush_async.testing._pt_reports import BUILDERS, ENDPOINTS, ReportCtx, check_report
from semrush_async.testing._v3json import (
    ProjectsError,
    charge,
    invalid,
    json_body,
    missing,
    payable,
    project_of,
    query,
    serve_v3,
)

if TYPE_CHECKING:
    from semrush_async.testing._projects import SandboxProject
    from semrush_async.testing._state import SandboxState

__all__ = ["PositionTrackingServer", "setup_position_tracking"]

MGMT: Final = "/management/v1/projects/"
MAX_TAGS: Final = 5
MAX_COMPETITORS: Final = 20
KEYWORDS_LIMIT: Final = 5_000
SEED_KEYWORDS: Final = 137
SEED_TAGS: Final = ("seo", "brand", "name&co", "c++", "#1 pick", "o'neil", "café")
_WORDS: Final = ("seo", "running shoes", "coffee", "python", "garden", "travel", "bank", "café")
_MODS: Final = ("best", "cheap", "near me", "review", "how to", "buy", "free", "2026", "vs")
_HOST: Final = re.compile(r"^[^/*:\s?#@]+\.[^/*:\s?#@]+$")
_ID: Final = re.compile(r"^\d+_\d+$")


class PositionTrackingServer:
    """The account's campaigns (tests may change ``keywords_limit``)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.campaigns: dict[str, Campaign] = {}
        self.keywords_limit = KEYWORDS_LIMIT
        self._serial = 17_237

    def new_id(self, project_id: int) -> str:
        self._serial += 1
        return f"{project_id}_{self._serial}"

    def tracked(self) -> int:
        return sum(len(c.keywords) for c in self.campaigns.values())

    def seed_campaign(self, project: SandboxProject) -> Campaign:
        c = Campaign(
            self.new_id(project.project_id),
            project.project_id,
            project.domain,
            "rootdomain",
            2840,
            "desktop",
        )
        c.competitors = ["rival1.example", "rival2.example", "rival3.example"]
        for i in range(SEED_KEYWORDS):
            word = f"{_MODS[i % len(_MODS)]} {_WORDS[(i // len(_MODS)) % len(_WORDS)]}"
            kw = word if i < len(_MODS) * len(_WORDS) else f"{word} {i}"
            tags = [SEED_TAGS[(i + k) % len(SEED_TAGS)] for k in range(i % 4)]
            c.keywords[kw] = TrackedKeyword(kw, tags, 1_764_547_200, DATES[0])
        self.campaigns[c.id] = c
        return c


def _str(doc: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    """A string field; an absent or empty required one is 519, a non-string 511."""
    value = doc.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, value, "a non-empty string")
    return value.strip()


def _fields(doc: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ProjectsError(511, f"The body must be a JSON object with {', '.join(allowed)}")
    extra = sorted(set(doc) - set(allowed))
    if extra:
        raise ProjectsError(511, f"Unknown field {extra[0]!r}; allowed: {', '.join(allowed)}")
    return doc


def _tracking_url(url: str, url_type: str) -> None:
    ok = {
        "rootdomain": bool(_HOST.match(url)),
        "subdomain": bool(_HOST.match(url)),
        "subfolder": "/" in url and bool(_HOST.match(url.split("/", 1)[0])),
        "url": bool(re.match(r"^https?://[^/*\s]+\.[^/*\s]+", url)),
    }[url_type]
    if not ok:
        shape = {"url": "http(s)://host/path", "subfolder": "host/folder/"}.get(url_type, "host")
        raise invalid("tracking_url", url, f"{shape} for tracking_url_type {url_type}")


def _location_doc(lid: int) -> dict[str, Any]:
    loc = LOCATION_IDS[lid]["location"]
    lang = loc["languages"][0]
    return {
        "id": lid,
        "name": loc["formatted_name"],
        "type": loc["type"],
        "code": loc["country_code"],
        "hl": lang["hl"],
    }


def _keyword_items(doc: Any, *, tags: bool) -> list[tuple[str, list[str]]]:
    body = _fields(doc, ("keywords",))
    items = body.get("keywords")
    if items is None:
        raise missing("keywords")
    if not isinstance(items, list):
        raise invalid("keywords", items, "a list of {keyword, tags}")
    out = []
    for item in items:
        allowed = ("keyword", "tags") if tags else ("keyword",)
        item = _fields(item, allowed)
        kw = _str(item, "keyword", required=True)
        assert kw is not None
        raw_tags = item.get("tags", [])
        if not isinstance(raw_tags, list) or not all(isinstance(t, str) for t in raw_tags):
            raise invalid("tags", raw_tags, "a list of strings")
        out.append((kw, [_tag(t) for t in raw_tags]))
    return out


def _tag(raw: str) -> str:
    tag = sanitize_tag(raw)
    if not tag:
        raise ProjectsError(520, f"Invalid tag name {raw!r}")
    return tag


def _merge(existing: list[str], new: list[str], kw: str) -> list[str]:
    merged = list(dict.fromkeys([*existing, *new]))
    if len(merged) > MAX_TAGS:
        raise ProjectsError(
            520,
            f"Invalid tag name: keyword {kw!r} would have {len(merged)} tags (at most {MAX_TAGS})",
        )
    return merged


def setup_position_tracking(app: web.Application, state: SandboxState) -> PositionTrackingServer:
    """Register the management calls, location search and reports (endpoints
    ``position_tracking.<name>``, each also counted against ``account``)."""
    server = PositionTrackingServer(state.seed)
    state.extensions["position_tracking"] = server
    store = state.extensions["projects"]
    own = [p for p in store.projects.values() if p.kind == "OWN"]
    if own:
        server.seed_campaign(own[0])

    def campaign_of(raw: str) -> tuple[Campaign, SandboxProject]:
        c = server.campaigns.get(raw) if _ID.match(raw) else None
        if c is None:
            raise ProjectsError(512, f"Can't find project with project_id {raw}")
        return c, project_of(state, str(c.project_id))

    def doc(c: Campaign, p: SandboxProject, keywords: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": c.url,
            "tools": [{"tool": "tracking"}],
            "project_id": p.project_id,
            "project_name": p.name,
            "campaign_id": c.id,
            "competitors": list(c.competitors),
        }
        if keywords:
            out["keywords"] = [
                {"keyword": k.keyword, "tags": list(k.tags), "timestamp": k.timestamp}
                for k in c.keywords.values()
            ]
        return out

    Handler = Callable[[web.Request, str], Awaitable[web.StreamResponse]]

    def route(name: str | Callable[[web.Request], str], handler: Handler) -> Any:
        state.declare(
            *(
                [f"position_tracking.{name}"]
                if isinstance(name, str)
                else [*ENDPOINTS.values(), "position_tracking.reports"]
            )
        )

        async def serve(request: web.Request) -> web.StreamResponse:
            endpoint = name if isinstance(name, str) else name(request)
            return await serve_v3(
                request, state, f"position_tracking.{endpoint}", lambda key: handler(request, key)
            )

        return serve

    async def enable(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        project = project_of(state, request.match_info["id"])
        body = _fields(
            await json_body(request),
            (
                "tracking_url_type",
                "tracking_url",
                "location_id",
                "weekly_notification",
                "timezone",
                "device",
                "business_name",
            ),
        )
        url_type = _str(body, "tracking_url_type", required=True)
        url = _str(body, "tracking_url", required=True)
        assert url_type is not None
        assert url is not None
        if url_type not in URL_TYPES:
            raise invalid("tracking_url_type", url_type, ", ".join(URL_TYPES))
        _tracking_url(url, url_type)
        if "location_id" not in body:
            raise missing("location_id")
        lid = body["location_id"]
        if isinstance(lid, bool) or not isinstance(lid, int) or lid not in LOCATION_IDS:
            raise invalid("location_id", lid, "a location id from the location search")
        device = body.get("device", "desktop")
        if device not in DEVICES:
            raise invalid("device", device, ", ".join(DEVICES))
        weekly = body.get("weekly_notification", True)
        if not isinstance(weekly, bool):
            raise invalid("weekly_notification", weekly, "true or false")
        tz = body.get("timezone")
        if tz is not None and (
            isinstance(tz, bool) or not isinstance(tz, int) or not -12 <= tz <= 14
        ):
            raise invalid("timezone", tz, "an integer UTC offset from -12 to 14")
        business = _str(body, "business_name")
        for other in server.campaigns.values():
            if other.project_id == project.project_id and (other.location_id, other.device) == (
                lid,
                device,
            ):
                raise ProjectsError(
                    515, f"Campaign already exists: {other.id} tracks location {lid} on {device}"
                )
        charge(state, key, 100)
        c = Campaign(
            server.new_id(project.project_id),
            project.project_id,
            url,
            url_type,
            lid,
            device,
            weekly,
            tz,
            business,
        )
        server.campaigns[c.id] = c
        if "position_tracking" not in project.tools:
            project.tools.append("position_tracking")
        result = {"campaign_id": c.id}
        return web.json_response(
            {"status": "SUCCESS", "action": "tracking_enable", "result": result}
        )

    async def campaigns(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        project = project_of(state, request.match_info["id"])
        charge(state, key, 100)
        items = []
        for c in server.campaigns.values():
            if c.project_id != project.project_id:
                continue
            loc = LOCATION_IDS[c.location_id]["location"]
            items.append(
                {
                    "id": c.id,
                    "url": c.url,
                    "type": c.url_type,
                    "engine": "google",
                    "location": _location_doc(c.location_id),
                    "isGathering": False,
                    "language": loc["languages"][0]["name"],
                    "device": c.device,
                    "keywords_count": len(c.keywords),
                }
            )
        limits = {"targets": server.keywords_limit}
        return web.json_response(
            {"project_id": str(project.project_id), "campaigns": items, "limits": limits}
        )

    async def notifications(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        c, _ = campaign_of(request.match_info["id"])
        charge(state, key, 100)
        on = request.method == "PUT"
        c.weekly_notification = on
        action = "tracking_notifications_" + ("enable" if on else "disable")
        return web.json_response({"status": "SUCCESS", "action": action})

    async def keywords(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        c, p = campaign_of(request.match_info["id"])
        adding = request.method == "PUT"
        items = _keyword_items(await json_body(request), tags=adding)
        if not adding:
            charge(state, key, 100)
            for kw, _ in items:
                c.keywords.pop(kw, None)
            return web.json_response(doc(c, p))
        merged: dict[str, list[str]] = {}
        for kw, tags in items:
            old = c.keywords[kw].tags if kw in c.keywords else []
            merged[kw] = _merge(merged.get(kw, old), tags, kw)
        new = [kw for kw in merged if kw not in c.keywords]
        if server.tracked() + len(new) > server.keywords_limit:
            raise ProjectsError(
                522,
                f"Keywords limit exceed, keywords limit {server.keywords_limit} already "
                f"tracked keywords {server.tracked()}",
            )
        if new:
            charge(state, key, 100 * len(new))
        stamp = int(dt.datetime.now(dt.UTC).timestamp())
        for kw, tags in merged.items():
            if kw in c.keywords:
                c.keywords[kw].tags = tags
            else:
                c.keywords[kw] = TrackedKeyword(kw, tags, stamp, LAST_DATE)
        return web.json_response(doc(c, p))

    async def tags(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        c, p = campaign_of(request.match_info["id"])
        body = await json_body(request)
        if body is None:
            raise missing("tags")
        if not isinstance(body, list):
            raise invalid("body", body, 'a list of {"tag": ..., "keywords": [...]}')
        changes: dict[str, list[str]] = {k: list(v.tags) for k, v in c.keywords.items()}
        for item in body:
            item = _fields(item, ("tag", "keywords"))
            raw = _str(item, "tag", required=True)
            assert raw is not None
            tag = _tag(raw)
            kws = item.get("keywords", [])
            if not isinstance(kws, list) or not all(isinstance(k, str) for k in kws):
                raise invalid("keywords", kws, "a list of tracked keywords")
            for kw in kws:
                if kw not in changes:
                    continue
                if request.method == "PUT":
                    changes[kw] = _merge(changes[kw], [tag], kw)
                else:
                    changes[kw] = [t for t in changes[kw] if t != tag]
        charge(state, key, 100)
        for kw, new_tags in changes.items():
            c.keywords[kw].tags = new_tags
        return web.json_response(doc(c, p))

    async def rivals(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        c, p = campaign_of(request.match_info["id"])
        body = _fields(await json_body(request), ("competitors",))
        names = body.get("competitors")
        if names is None:
            raise missing("competitors")
        if not isinstance(names, list) or not all(
            isinstance(n, str) and _HOST.match(n) for n in names
        ):
            raise invalid("competitors", names, "a list of domains without protocol or path")
        if request.method == "PUT":
            new = list(dict.fromkeys([*c.competitors, *(n.lower() for n in names)]))
            if len(new) > MAX_COMPETITORS:
                raise invalid(
                    "competitors",
                    names,
                    f"at most {MAX_COMPETITORS} per campaign (it would have {len(new)})",
                )
        else:
            gone = {n.lower() for n in names}
            new = [n for n in c.competitors if n not in gone]
        charge(state, key, 100)
        c.competitors = new
        return web.json_response(doc(c, p, keywords=False))

    async def locations(request: web.Request, key: str) -> web.StreamResponse:
        q = query(request, ("location_id", "name", "country_code", "type", "filter_engine"))
        found = list(LOCATIONS)
        if "location_id" in q:
            if not q["location_id"].isdigit():
                raise invalid("location_id", q["location_id"], "an integer")
            found = [x for x in found if x["location"]["id"] == int(q["location_id"])]
        if "type" in q:
            if q["type"] not in LOCATION_TYPES:
                raise invalid("type", q["type"], ", ".join(LOCATION_TYPES))
            found = [x for x in found if x["location"]["type"] == q["type"]]
        if "country_code" in q:
            code = q["country_code"].lower()
            if not re.fullmatch(r"[a-z]{2}", code):
                raise invalid("country_code", q["country_code"], "ISO 3166-1 alpha-2 (US, GB)")
            found = [x for x in found if x["location"]["country_code"] == code]
        if "filter_engine" in q:
            if q["filter_engine"] not in ENGINES:
                raise invalid("filter_engine", q["filter_engine"], ", ".join(ENGINES))
            codes = ENGINE_COUNTRIES[q["filter_engine"]]
            found = [x for x in found if x["location"]["country_code"] in codes]
        if "name" in q:
            text = q["name"].lower()
            found = [x for x in found if text in x["location"]["formatted_name"].lower()]
        charge(state, key, 100)
        found.sort(key=lambda x: -x["location"]["weight"])
        return web.json_response({"locations": found})

    async def report(request: web.Request, key: str) -> web.StreamResponse:
        q: dict[str, str] = {}
        for name, value in request.query.items():
            if name == "key":
                continue
            if name in q:
                raise ProjectsError(511, f"Parameter {name!r} given more than once")
            q[name] = value
        rtype = check_report(q)
        c, _ = campaign_of(request.match_info["id"])

        def pay(price: int, lines: int) -> int:
            n = payable(state, key, price, lines)
            if n:
                charge(state, key, n * price)
            return n

        x = ReportCtx(state.seed, c, rtype, q)
        if rtype.startswith("tracking_competitors"):
            return web.json_response(competitors(x, rtype, pay))
        if rtype.startswith("tracking_landing_pages"):
            return web.json_response(landing_pages(x, rtype, pay))
        built = BUILDERS[rtype](x, rtype, pay)
        if not rtype.startswith("tracking_position"):
            charge(state, key, 100)
        return web.json_response(built)

    def report_endpoint(request: web.Request) -> str:
        return ENDPOINTS.get(request.query.get("type", ""), "position_tracking.reports").split(
            ".", 1
        )[1]

    r = app.router
    one = MGMT + "{id}"
    r.add_post(one + "/tracking/enable", route("enable", enable))
    r.add_get(one + "/tracking/campaigns", route("campaigns", campaigns))
    r.add_put(one + "/tracking/notifications", route("notifications_on", notifications))
    r.add_delete(one + "/tracking/notifications", route("notifications_off", notifications))
    r.add_put(one + "/keywords", route("add_keywords", keywords))
    r.add_delete(one + "/keywords", route("remove_keywords", keywords))
    r.add_put(one + "/tags", route("add_tags", tags))
    r.add_delete(one + "/tags", route("remove_tags", tags))
    r.add_put(one + "/competitors", route("add_competitors", rivals))
    r.add_delete(one + "/competitors", route("remove_competitors", rivals))
    # The endpoint page says /position-tracking/management/v1/info/locations, the
    # overview page /management/v1/info/: both answer.
    for path in (
        "/position-tracking/management/v1/info/locations",
        "/management/v1/info/locations",
    ):
        r.add_get(path, route("locations", locations))
    for path in ("/reports/v1/projects/{id}/tracking/", "/reports/v1/projects/{id}/tracking"):
        r.add_get(path, route(report_endpoint, report))
    return server
