"""Sandbox Site Audit v3 (``/management/v1/projects/<ID>/siteaudit/...`` and
``/reports/v1/projects/<ID>/siteaudit/...``, ``<ID>`` a project of the shared store).

Audits run on the sandbox's Site Audit clock: the event loop's clock (virtual under
looptime) plus whatever :meth:`SiteAuditServer.advance` (``sandbox.advance_audits``)
added. A launched audit is RUNNING for the first 80% of ``audit_seconds`` (pages
crawled growing), CHECKING to 90%, SAVING to 100%, then FINISHED.

Interpretations (INF, listed in ``docs/sandbox.md``):

* Enabling twice is 515; anything on a project without Site Audit 512 ("not
  enabled"); an unknown or unfinished snapshot or page 512. Enable and save answer
  ``{"status": "SUCCESS"}``; ``domain`` must be the project's domain or a subdomain.
* Launching while an audit runs answers the running snapshot's id (charged, nothing
  new starts). A site has 20-419 pages by hash; an audit crawls ``min(pageLimit, that)``.
* Before any audit ``info`` says FINISHED with zero pages and ``last_audit`` 0.
* History is newest first and charged 10,000 per snapshot returned (nothing for an
  empty page; cut to what the balance pays for). Issue rows sort by ``source_url``.
  ``limit`` is 1-100 for history, issue pages and the page search.
* Filters: fields ``source_url``, ``target_url``, ``page_id``; ``+`` keeps rows matching
  any value, ``-`` drops them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs
from aiohttp import web

from semrush_async.testing._data import _seed_of
from semrush_async.testing._sa_data import (
    ISSUES,
    USER_AGENTS,
    affected,
    issue_count,
    meta_doc,
    object_id,
    page_doc,
    page_url,
    target_of,
)
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

__all__ = ["SiteAuditServer", "setup_site_audit"]

#: Wall time of the Site Audit clock's zero (2026-12-06T00:00:00Z), in ms.
BASE_MS: Final = 1_796_515_200_000
WEEK: Final = 7 * 86_400.0
MAX_LIMIT: Final = 100
MAX_PAGES: Final = 100_000
_SETTINGS: Final = (
    "domain",
    "pageLimit",
    "scheduleDay",
    "notify",
    "allow",
    "disallow",
    "userAgentType",
    "removedParameters",
    "crawlSubdomains",
    "respectCrawlDelay",
)
_OPS: Final = ("Bw", "Ew", "Eq", "Co")
_FIELDS: Final = ("source_url", "target_url", "page_id")


@attrs.define
class Snapshot:
    id: str
    started: float  # Site Audit clock seconds
    pages: int


@attrs.define
class Audit:
    """A project's Site Audit campaign: its settings and its audits."""

    project_id: int
    settings: dict[str, Any]
    finished: list[Snapshot] = attrs.field(factory=list)
    running: Snapshot | None = None


class SiteAuditServer:
    """Site Audit campaigns by project id, and the clock their audits run on."""

    def __init__(self, seed: int, audit_seconds: float = 60.0) -> None:
        self.seed = seed
        self.audit_seconds = audit_seconds
        self.audits: dict[int, Audit] = {}
        self.offset = 0.0
        self._t0: float | None = None
        self._launched = 0

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``."""
        self.offset += seconds

    def now(self) -> float:
        try:
            loop_now = asyncio.get_running_loop().time()
        except RuntimeError:
            return self.offset
        if self._t0 is None:
            self._t0 = loop_now
        return loop_now - self._t0 + self.offset

    def finish_ms(self, s: Snapshot) -> int:
        return BASE_MS + int((s.started + self.audit_seconds) * 1000)

    def site_size(self, domain: str) -> int:
        return 20 + _seed_of(self.seed, domain.lower(), "sa-site") % 400

    def settle(self, audit: Audit) -> None:
        """Move a running audit whose time is up to the finished ones."""
        r = audit.running
        if r is not None and self.now() - r.started >= self.audit_seconds:
            audit.finished.append(r)
            audit.running = None

    def launch(self, audit: Audit, at: float | None = None) -> Snapshot:
        self._launched += 1
        pages = min(int(audit.settings["pageLimit"]), self.site_size(audit.settings["domain"]))
        sid = object_id(self.seed, audit.project_id, self._launched)
        return Snapshot(sid, self.now() if at is None else at, pages)

    def status(self, audit: Audit) -> tuple[str, int]:
        """(status, running pages crawled)."""
        self.settle(audit)
        r = audit.running
        if r is None:
            last = audit.finished[-1].pages if audit.finished else 0
            return "FINISHED", last
        part = (self.now() - r.started) / self.audit_seconds
        crawled = min(r.pages, int(r.pages * part / 0.8))
        status = "RUNNING" if part < 0.8 else "CHECKING" if part < 0.9 else "SAVING"
        return status, crawled

    # --- documents --------------------------------------------------------------------------

    def counts(self, snap: Snapshot) -> dict[int, int]:
        return {i: issue_count(self.seed, snap.id, i, snap.pages) for i in ISSUES}

    def snapshot_doc(self, audit: Audit, snap: Snapshot) -> dict[str, Any]:
        now = self.counts(snap)
        idx = audit.finished.index(snap)
        before = self.counts(audit.finished[idx - 1]) if idx else dict.fromkeys(now, 0)
        doc: dict[str, Any] = {"errors": [], "warnings": [], "notices": []}
        for issue, (severity, _) in ISSUES.items():
            if now[issue] or before[issue]:
                doc[severity].append(
                    {
                        "id": issue,
                        "count": now[issue],
                        "delta": now[issue] - before[issue],
                        "checks": snap.pages,
                    }
                )
        quality = 100 - min(99, sum(1 for v in now.values() if v))
        old = 100 - min(99, sum(1 for v in before.values() if v)) if idx else quality
        return {
            "quality": {"value": quality, "delta": quality - old},
            **doc,
            "snapshot_id": snap.id,
            "pages_crawled": snap.pages,
            "finish_date": self.finish_ms(snap),
        }


def _body(doc: Any, allowed: tuple[str, ...], current: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check an enable/save body; the result is the settings after it."""
    if not isinstance(doc, dict):
        raise ProjectsError(511, f"The body must be a JSON object with {', '.join(allowed)}")
    extra = sorted(set(doc) - set(allowed))
    if extra:
        raise ProjectsError(511, f"Unknown field {extra[0]!r}; allowed: {', '.join(allowed)}")
    for name in ("domain", "pageLimit"):
        if name not in doc:
            raise missing(name)
    out = dict(
        current
        or {
            "scheduleDay": 0,
            "notify": False,
            "allow": [],
            "disallow": [],
            "userAgentType": 7,
            "removedParameters": [],
            "crawlSubdomains": False,
            "respectCrawlDelay": False,
            "jsRendering": "DISABLED",
        }
    )
    checks: dict[str, tuple[Callable[[Any], bool], str]] = {
        "domain": (
            lambda v: isinstance(v, str) and bool(re.fullmatch(r"[^/:\s*?#]+\.[^/:\s*?#]+", v)),
            "a domain without protocol or path",
        ),
        "pageLimit": (lambda v: _int(v) and 1 <= v <= MAX_PAGES, f"an integer 1-{MAX_PAGES}"),
        "scheduleDay": (lambda v: _int(v) and 0 <= v <= 7, "0 (manual) or a weekday 1-7"),
        "userAgentType": (
            lambda v: _int(v) and v in USER_AGENTS,
            ", ".join(f"{k} ({n})" for k, n in USER_AGENTS.items()),
        ),
        "jsRendering": (lambda v: v in ("RENDER_ALL", "DISABLED"), "RENDER_ALL, DISABLED"),
    }
    for name in ("notify", "crawlSubdomains", "respectCrawlDelay"):
        checks[name] = (lambda v: isinstance(v, bool), "true or false")
    for name in ("allow", "disallow", "removedParameters"):
        checks[name] = (
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of strings",
        )
    for name, value in doc.items():
        ok, allowed_text = checks[name]
        if not ok(value):
            raise invalid(name, value, allowed_text)
        out[name] = value
    return out


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _qint(q: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = q.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise invalid(name, raw, f"an integer from {lo} to {hi}")
    return int(raw)


def _filters(raws: list[str]) -> list[tuple[bool, str, str, list[str]]]:
    out = []
    for raw in raws:
        parts = raw.split("|")
        if (
            len(parts) != 4
            or parts[0] not in "+-"
            or not parts[0]
            or parts[1] not in _FIELDS
            or (parts[2] not in _OPS)
        ):
            raise invalid(
                "filter",
                raw,
                f"[+-]|field|op|v1;...;vN with field one of "
                f"{', '.join(_FIELDS)} and op one of {', '.join(_OPS)}",
            )
        out.append((parts[0] == "+", parts[1], parts[2], parts[3].split(";")))
    return out


def _match(op: str, value: str, wanted: str) -> bool:
    v, w = value.lower(), wanted.lower()
    return {"Bw": v.startswith(w), "Ew": v.endswith(w), "Eq": v == w, "Co": w in v}[op]


def setup_site_audit(
    app: web.Application, state: SandboxState, audit_seconds: float = 60.0
) -> SiteAuditServer:
    """Register the Site Audit calls (endpoints ``site_audit.<name>``, each also counted
    against ``account``) and seed one campaign with three finished audits."""
    server = SiteAuditServer(state.seed, audit_seconds)
    state.extensions["site_audit"] = server
    store = state.extensions["projects"]
    own = [p for p in store.projects.values() if p.kind == "OWN"]
    if own:
        p = own[0]
        audit = Audit(p.project_id, _body({"domain": p.domain, "pageLimit": 500}, _SETTINGS, None))
        for week in (3, 2, 1):
            audit.finished.append(server.launch(audit, at=-week * WEEK))
        server.audits[p.project_id] = audit
        if "site_audit" not in p.tools:
            p.tools.append("site_audit")

    def audit_of(raw: str) -> tuple[Audit, SandboxProject]:
        project = project_of(state, raw)
        audit = server.audits.get(project.project_id)
        if audit is None:
            raise ProjectsError(512, f"Site Audit is not enabled for project_id {raw}")
        server.settle(audit)
        return audit, project

    def snapshot_of(audit: Audit, sid: str) -> Snapshot:
        snap = next((s for s in audit.finished if s.id == sid), None)
        if snap is None:
            raise ProjectsError(512, f"Can't find a finished snapshot {sid!r} of this project")
        return snap

    Handler = Callable[[web.Request, str], Awaitable[web.StreamResponse]]

    def route(name: str, handler: Handler) -> Any:
        state.declare(f"site_audit.{name}")

        async def serve(request: web.Request) -> web.StreamResponse:
            return await serve_v3(
                request, state, f"site_audit.{name}", lambda key: handler(request, key)
            )

        return serve

    async def enable(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        project = project_of(state, request.match_info["id"])
        settings = _body(await json_body(request), _SETTINGS, None)
        _same_site(project, settings["domain"])
        if project.project_id in server.audits:
            raise ProjectsError(515, "Campaign already exists: Site Audit is enabled already")
        charge(state, key, 100)
        server.audits[project.project_id] = Audit(project.project_id, settings)
        if "site_audit" not in project.tools:
            project.tools.append("site_audit")
        return web.json_response({"status": "SUCCESS"})

    def _same_site(project: SandboxProject, domain: str) -> None:
        d, own = domain.lower(), project.domain.lower()
        if d != own and not d.endswith("." + own):
            raise invalid("domain", domain, f"the project's domain {own} or a subdomain of it")

    async def save(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        audit, project = audit_of(request.match_info["id"])
        settings = _body(await json_body(request), (*_SETTINGS, "jsRendering"), audit.settings)
        _same_site(project, settings["domain"])
        charge(state, key, 100)
        audit.settings = settings
        return web.json_response({"status": "SUCCESS"})

    async def launch(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        audit, _ = audit_of(request.match_info["id"])
        charge(state, key, 100)
        if audit.running is None:
            audit.running = server.launch(audit)
        return web.json_response({"snapshot_id": audit.running.id})

    async def info(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        audit, project = audit_of(request.match_info["id"])
        charge(state, key, 100)
        status, running = server.status(audit)
        s = audit.settings
        last = audit.finished[-1] if audit.finished else None
        now = server.counts(last) if last else {}
        prev = (
            server.counts(audit.finished[-2]) if len(audit.finished) > 1 else dict.fromkeys(now, 0)
        )

        def total(counts: Mapping[int, int], severity: str) -> int:
            return sum(v for i, v in counts.items() if ISSUES[i][0] == severity)

        pages = last.pages if last else 0
        with_issues = (
            len({p for i in now for p in affected(state.seed, last.id, i, pages)}) if last else 0
        )
        broken = now.get(1, 0) + now.get(2, 0)
        blocked, redirected = now.get(4, 0), now.get(214, 0)
        last_ms = server.finish_ms(last) if last else 0
        next_ms = -1 if not s["scheduleDay"] else (last_ms or BASE_MS) + int(WEEK * 1000)
        return web.json_response(
            {
                "id": project.project_id,
                "url": s["domain"],
                "name": project.name,
                "status": status,
                "errors": total(now, "errors"),
                "warnings": total(now, "warnings"),
                "notices": total(now, "notices"),
                "broken": broken,
                "blocked": blocked,
                "redirected": redirected,
                "healthy": max(0, pages - with_issues),
                "haveIssues": with_issues,
                "haveIssuesDelta": sum(1 for v in now.values() if v)
                - sum(1 for v in prev.values() if v),
                "defects": {str(i): v for i, v in now.items() if v},
                "markups": {
                    "twitterCard": pages // 3,
                    "openGraph": pages // 2,
                    "schemaOrg": pages // 4,
                    "microfomats": 0,
                },
                "depths": {"0": 1, "1": max(0, min(pages - 1, 20)), "2": max(0, pages - 21)},
                "crawlSubdomains": s["crawlSubdomains"],
                "respectCrawlDelay": s["respectCrawlDelay"],
                "user_agent_type": s["userAgentType"],
                "last_audit": last_ms,
                "last_failed_audit": 0,
                "next_audit": next_ms,
                "running_pages_crawled": running,
                "running_pages_limit": s["pageLimit"],
                "pages_crawled": pages,
                "pages_limit": s["pageLimit"],
                "total_checks": pages * 127,
                "errors_delta": total(now, "errors") - total(prev, "errors"),
                "warnings_delta": total(now, "warnings") - total(prev, "warnings"),
                "notices_delta": total(now, "notices") - total(prev, "notices"),
                "mask_allow": s["allow"],
                "mask_disallow": s["disallow"],
                "removedParameters": s["removedParameters"],
                "excluded_checks": None,
            }
        )

    async def snapshots(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        audit, _ = audit_of(request.match_info["id"])
        charge(state, key, 100)
        items = [{"snapshot_id": s.id, "finish_date": server.finish_ms(s)} for s in audit.finished]
        return web.json_response({"snapshots": items})

    async def snapshot(request: web.Request, key: str) -> web.StreamResponse:
        q = query(request, ("snapshot_id",), ("snapshot_id",))
        audit, _ = audit_of(request.match_info["id"])
        snap = snapshot_of(audit, q["snapshot_id"])
        charge(state, key, 10_000)
        return web.json_response(server.snapshot_doc(audit, snap))

    async def history(request: web.Request, key: str) -> web.StreamResponse:
        q = query(request, ("limit", "offset"))
        limit = _qint(q, "limit", 7, 1, MAX_LIMIT)
        offset = _qint(q, "offset", 0, 0, 10**9)
        audit, _ = audit_of(request.match_info["id"])
        newest = list(reversed(audit.finished))
        page = newest[offset : offset + limit]
        paid = payable(state, key, 10_000, len(page))
        if paid:
            charge(state, key, 10_000 * paid)
        data = [server.snapshot_doc(audit, s) for s in page[:paid]]
        return web.json_response(
            {"data": data, "total": len(newest), "limit": limit, "offset": offset}
        )

    async def issue(request: web.Request, key: str) -> web.StreamResponse:
        q = query(request, ("page", "limit", "sort", "filter"), repeatable=("filter",))
        filters = _filters(request.query.getall("filter", []))
        page = _qint(q, "page", 1, 1, 10**9)
        limit = _qint(q, "limit", 10, 1, MAX_LIMIT)
        order = q.get("sort", "DESC")
        if order not in ("ASC", "DESC"):
            raise invalid("sort", order, "ASC, DESC")
        raw_issue = request.match_info["issue"]
        if not raw_issue.isdigit() or int(raw_issue) not in ISSUES:
            raise invalid("issueId", raw_issue, "an issue id of the meta issues")
        audit, _ = audit_of(request.match_info["id"])
        snap = snapshot_of(audit, request.match_info["snapshot"])
        issue_id, domain = int(raw_issue), audit.settings["domain"]
        rows = []
        for j, p in enumerate(affected(state.seed, snap.id, issue_id, snap.pages)):
            h = _seed_of(state.seed, snap.id, f"sa-row-{issue_id}-{j}")
            rows.append(
                {
                    "target_url": target_of(domain, issue_id, p, h),
                    "page_id": object_id(state.seed, snap.id, "page", p),
                    "source_url": page_url(domain, p),
                }
            )
        for include, field, op, values in filters:
            rows = [r for r in rows if any(_match(op, r[field], v) for v in values) == include]
        rows.sort(key=lambda r: r["source_url"], reverse=order == "DESC")
        charge(state, key, 100)
        chunk = rows[(page - 1) * limit : page * limit]
        return web.json_response(
            {"limit": limit, "page": page, "total": len(rows), "issue_id": issue_id, "data": chunk}
        )

    async def meta(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        project_of(state, request.match_info["id"])
        charge(state, key, 100)
        return web.json_response({"issues": [meta_doc(i) for i in ISSUES]})

    async def find_pages(request: web.Request, key: str) -> web.StreamResponse:
        q = query(request, ("url", "limit"), ("url",))
        limit = _qint(q, "limit", 10, 1, MAX_LIMIT)
        audit, _ = audit_of(request.match_info["id"])
        last = audit.finished[-1] if audit.finished else None
        domain = audit.settings["domain"]
        found = (
            []
            if last is None
            else [
                {"url": page_url(domain, i), "page_id": object_id(state.seed, last.id, "page", i)}
                for i in range(last.pages)
                if q["url"].lower() in page_url(domain, i).lower()
            ]
        )
        charge(state, key, 100)
        return web.json_response({"data": found[:limit], "total": len(found)})

    async def page(request: web.Request, key: str) -> web.StreamResponse:
        query(request, ())
        audit, _ = audit_of(request.match_info["id"])
        pid = request.match_info["page"]
        for snap in reversed(audit.finished):
            for i in range(snap.pages):
                if object_id(state.seed, snap.id, "page", i) == pid:
                    charge(state, key, 1000)
                    doc = page_doc(
                        state.seed,
                        snap.id,
                        audit.settings["domain"],
                        i,
                        server.finish_ms(snap),
                        snap.pages,
                    )
                    return web.json_response(doc)
        raise ProjectsError(512, f"Can't find page {pid!r} in this project's audits")

    r = app.router
    mgmt, rep = "/management/v1/projects/{id}/siteaudit", "/reports/v1/projects/{id}/siteaudit"
    r.add_post(mgmt + "/enable", route("enable", enable))
    r.add_post(mgmt + "/save", route("save", save))
    r.add_post(rep + "/launch", route("launch", launch))
    r.add_get(rep + "/info", route("info", info))
    r.add_get(rep + "/snapshots", route("snapshots", snapshots))
    r.add_get(rep + "/snapshot", route("snapshot", snapshot))
    r.add_get(rep + "/history", route("history", history))
    r.add_get(rep + "/snapshot/{snapshot}/issue/{issue}", route("issue", issue))
    r.add_get(rep + "/meta/issues", route("meta_issues", meta))
    r.add_get(rep + "/page/list", route("find_pages", find_pages))
    r.add_get(rep + "/page/{page}", route("page", page))
    return server
