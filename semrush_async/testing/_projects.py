"""Sandbox Projects API: v1 (``/apis/v4/projects/v1/projects``, v4 API key) and the
deprecated OAuth v0 (``/apis/v4/projects/v0``, Bearer token), one project store.

The rules are stated here, independently of the client's validators. Interpretations
(the docs leave these open):

* Unknown project: HTTP 404 with ``error.code`` 512 ("Can't find project with
  project_id {ID}"); projects limit: HTTP 400 with code 521 (v3 sent every error as
  400). Both in the ``meta`` + ``error`` envelope, v0 included.
* v1 Create answers 201 (as a third-party v4 client's fixtures show), Rename and
  Delete 200; Delete's ``data`` is ``{"project_id": id}``. v0 answers bare JSON.
* Forbidden name characters: the stricter v3 list (with ``{ }``), plus control
  characters; a domain must have no scheme, path, query, fragment or spaces.
* v0 lists every accessible project (it has no ``scope``); v0 Create requires ``url``.
* Any project the caller can see may be renamed or deleted (per-project write
  permissions are not documented).
* Unknown query parameters and body fields are rejected with 400.
* Projects "needs available API units" but no per-request price is published: the
  sandbox charges nothing, and an account whose balance is 0 gets HTTP 403, code 132.
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs
from aiohttp import web

from semrush_async.testing._v4 import V4Auth, bad_request, serve_v4, v4_error_response, v4_response

if TYPE_CHECKING:
    from semrush_async.testing._state import SandboxState

__all__ = ["ProjectsServer", "SandboxProject", "setup_projects"]

V1: Final = "/apis/v4/projects/v1/projects"
V0: Final = "/apis/v4/projects/v0"
SCOPES: Final = ("OWN", "ALL", "SHARED", "CORPORATE")
MAX_LIMIT: Final = 1000
DEFAULT_LIMIT: Final = 100
#: Projects the sandbox account starts with (listing at 25 a page takes 6 pages).
DEFAULT_COUNT: Final = 130
#: The sandbox account's projects limit (code 521 beyond it).
DEFAULT_PROJECTS_LIMIT: Final = 200
_BAD_NAME: Final = frozenset("~`!#%'^&*=[]\\/{}|\":<>?")
_WORDS: Final = ("Acme", "Blue", "Cedar", "Delta", "Ember", "Fjord", "Garnet", "Harbor")
_TOOLS: Final = ("site_audit", "position_tracking", "on_page_seo_checker", "brand_monitoring")
_FIRST_ID: Final = 643_526_670_283_248
#: The sandbox user's id (owner of OWN projects).
USER_ID: Final = 123_456_780


@attrs.define
class SandboxProject:
    """A stored project; ``kind`` is the scope it falls in for the sandbox user."""

    project_id: int
    name: str
    domain: str
    domain_unicode: str
    owner_id: int
    kind: str  # OWN | SHARED | CORPORATE
    tools: list[str]
    can_edit: bool = True

    def v1(self) -> dict[str, Any]:
        own = self.kind == "OWN"
        return {
            "project_id": self.project_id,
            "project_name": self.name,
            "domain": self.domain,
            "domain_unicode": self.domain_unicode,
            "owner_id": self.owner_id,
            "permissions": {
                "read": True,
                "edit": self.can_edit,
                "delete": own,
                "share": own,
                "downgraded": False,
            },
            "tools": [{"name": t} for t in self.tools],
        }

    def v0(self) -> dict[str, Any]:
        if self.kind == "OWN":
            roles = ["OWNER"]
        elif self.kind == "CORPORATE":
            roles = ["CORP_ADMIN_READ", "CORP_ADMIN_WRITE"]
        else:
            roles = ["READ", "WRITE"] if self.can_edit else ["READ"]
        return {
            "project_id": self.project_id,
            "project_name": self.name,
            "url": self.domain,
            "domain_unicode": self.domain_unicode,
            "tools": [{"tool": t} for t in self.tools],
            "owner_id": self.owner_id,
            "permission": roles,
        }


def _domain(word: str, i: int) -> tuple[str, str]:
    word = word.lower()
    unicode = f"{word}-café-{i}.example" if i % 13 == 0 else f"{word}-{i}.example"
    return unicode.encode("idna").decode("ascii"), unicode


class ProjectsServer:
    """The sandbox's projects (one store for v1 and v0); tests may change ``limit``
    or call :meth:`reset` with another ``count``."""

    def __init__(self, seed: int, count: int = DEFAULT_COUNT) -> None:
        self.seed = seed
        self.limit = DEFAULT_PROJECTS_LIMIT
        self.projects: dict[int, SandboxProject] = {}
        self._next = _FIRST_ID
        self.reset(count)

    def reset(self, count: int = DEFAULT_COUNT) -> None:
        """Back to ``count`` deterministic projects: 7 in 10 owned, 2 shared, 1 corporate."""
        rng = random.Random(f"projects:{self.seed}")
        self.projects.clear()
        self._next = _FIRST_ID
        for i in range(count):
            kind = "OWN" if i % 10 < 7 else "SHARED" if i % 10 < 9 else "CORPORATE"
            word = rng.choice(_WORDS)
            domain, unicode = _domain(word, i)
            owner = USER_ID if kind == "OWN" else USER_ID + 1 + i % 3
            self._add(
                f"{word} site {i}",
                domain,
                unicode,
                owner,
                kind,
                rng.sample(_TOOLS, rng.randrange(3)),
                can_edit=kind != "SHARED" or i % 2 == 0,
            )

    def _add(
        self,
        name: str,
        domain: str,
        unicode: str,
        owner: int,
        kind: str,
        tools: list[str],
        *,
        can_edit: bool = True,
    ) -> SandboxProject:
        pid = self._next
        self._next += 7_919
        p = self.projects[pid] = SandboxProject(
            pid, name, domain, unicode, owner, kind, tools, can_edit
        )
        return p

    def create(self, domain: str, name: str) -> SandboxProject:
        try:
            unicode = domain.encode("ascii").decode("idna")
            ascii_domain = domain
        except UnicodeError:
            unicode, ascii_domain = domain, domain.encode("idna").decode("ascii")
        return self._add(name, ascii_domain.lower(), unicode.lower(), USER_ID, "OWN", [])

    def in_scope(self, scope: str) -> list[SandboxProject]:
        return [p for p in self.projects.values() if scope in ("ALL", p.kind)]

    @property
    def owned(self) -> int:
        return len(self.in_scope("OWN"))


# --- rules (the sandbox's own) ---------------------------------------------------------


def _name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "project_name must be a non-empty string"
    bad = sorted(set(name) & _BAD_NAME)
    if bad or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return f"project_name contains forbidden characters {''.join(bad) or 'control'}"
    return None


def _domain_problem(domain: Any) -> str | None:
    if not isinstance(domain, str) or not domain.strip():
        return "domain is required"
    if "://" in domain or any(c in domain for c in "/?#@\\ \t\r\n"):
        return "domain must be a domain name without protocol, path or query"
    return None


def _field(name: str, message: str) -> list[dict[str, str]]:
    return [{"field": name, "message": message}]


def _unknown(found: Mapping[str, Any], allowed: tuple[str, ...]) -> web.Response | None:
    extra = sorted(set(found) - set(allowed) - {"key"})
    if extra:
        return bad_request(
            f"unknown parameter {extra[0]!r}; allowed: {', '.join(allowed) or 'none'}",
            _field(extra[0], "unknown parameter"),
        )
    return None


def _not_found(pid: int | str) -> web.Response:
    return v4_error_response(404, 512, f"Can't find project with project_id {pid}")


async def _body(request: web.Request, allowed: tuple[str, ...]) -> dict[str, Any] | web.Response:
    try:
        doc = json.loads(await request.read() or b"null")
    except ValueError:
        return bad_request("the body is not JSON")
    if not isinstance(doc, dict):
        return bad_request("the body must be a JSON object")
    extra = sorted(set(doc) - set(allowed))
    if extra:
        return bad_request(
            f"unknown field {extra[0]!r}; allowed: {', '.join(allowed)}",
            _field(extra[0], "unknown field"),
        )
    return doc


def _project_id(request: web.Request) -> int | web.Response:
    raw = request.match_info["project_id"]
    if not raw.isdigit() or int(raw) < 1:
        return bad_request(
            f"project_id must be a positive integer, got {raw!r}",
            _field("project_id", "invalid"),
        )
    return int(raw)


def _int_param(request: web.Request, name: str, default: int, lo: int, hi: int) -> int | str:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        return f"{name} must be an integer from {lo} to {hi}, got {raw!r}"
    return int(raw)


def setup_projects(app: web.Application, state: SandboxState) -> None:
    store = ProjectsServer(state.seed)
    state.extensions["projects"] = store
    for version in ("projects", "projects_v0"):
        state.declare(*(f"{version}.{m}" for m in ("list", "create", "get", "rename", "delete")))

    def find(pid: int) -> SandboxProject | web.Response:
        return store.projects.get(pid) or _not_found(pid)

    async def serve(
        request: web.Request,
        endpoint: str,
        handle: Callable[[str], Awaitable[web.StreamResponse]],
        auth: V4Auth = "apikey",
    ) -> web.StreamResponse:
        async def checked(account: str) -> web.StreamResponse:
            # "Needs available API units": an empty balance refuses (no price is
            # published, so nothing is charged).
            if state.balances.get(state.account_of(account), 1) <= 0:
                return v4_error_response(403, 132, "API units balance is zero")
            return await handle(account)

        return await serve_v4(request, state, endpoint, checked, auth=auth)

    # --- v1 ---------------------------------------------------------------------------

    async def list_v1(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            if (bad := _unknown(request.query, ("scope", "limit", "offset"))) is not None:
                return bad
            scope = request.query.get("scope", "OWN")
            if scope not in SCOPES:
                return bad_request(
                    f"scope must be one of {', '.join(SCOPES)}, got {scope!r}",
                    _field("scope", "invalid value"),
                )
            limit = _int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
            offset = _int_param(request, "offset", 0, 0, 2**63 - 1)
            for name, value in (("limit", limit), ("offset", offset)):
                if isinstance(value, str):
                    return bad_request(value, _field(name, "invalid value"))
            assert isinstance(limit, int)
            assert isinstance(offset, int)
            found = store.in_scope(scope)
            meta = {"scope": scope, "limit": limit, "offset": offset, "total_count": len(found)}
            return v4_response([p.v1() for p in found[offset : offset + limit]], meta=meta)

        return await serve(request, "projects.list", handle)

    async def create_v1(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            if (bad := _unknown(request.query, ())) is not None:
                return bad
            doc = await _body(request, ("domain", "project_name"))
            if isinstance(doc, web.Response):
                return doc
            for name, problem in (
                ("domain", _domain_problem(doc.get("domain"))),
                ("project_name", _name_problem(doc.get("project_name"))),
            ):
                if problem is not None:
                    return bad_request(problem, _field(name, problem))
            if store.owned >= store.limit:
                return v4_error_response(
                    400,
                    521,
                    f"Projects limit exceed, projects created: {store.owned}, "
                    f"user limit are {store.limit}",
                )
            project = store.create(doc["domain"], doc["project_name"])
            return v4_response(project.v1(), 201)

        return await serve(request, "projects.create", handle)

    async def one_v1(request: web.Request) -> web.StreamResponse:
        name = {"GET": "projects.get", "PATCH": "projects.rename", "DELETE": "projects.delete"}
        endpoint = name[request.method]

        async def handle(account: str) -> web.StreamResponse:
            if (bad := _unknown(request.query, ())) is not None:
                return bad
            pid = _project_id(request)
            if isinstance(pid, web.Response):
                return pid
            project = find(pid)
            if isinstance(project, web.Response):
                return project
            if request.method == "GET":
                return v4_response(project.v1())
            if request.method == "DELETE":
                del store.projects[pid]
                return v4_response({"project_id": pid})
            doc = await _body(request, ("project_name",))
            if isinstance(doc, web.Response):
                return doc
            if (problem := _name_problem(doc.get("project_name"))) is not None:
                return bad_request(problem, _field("project_name", problem))
            project.name = doc["project_name"]
            return v4_response(project.v1())

        return await serve(request, endpoint, handle)

    # --- v0 (deprecated, OAuth) ---------------------------------------------------------

    async def list_v0(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            if (bad := _unknown(request.query, ())) is not None:
                return bad
            return web.json_response({"projects": [p.v0() for p in store.in_scope("ALL")]})

        return await serve(request, "projects_v0.list", handle, auth="bearer")

    async def create_v0(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            doc = await _body(request, ("project_name", "url"))
            if isinstance(doc, web.Response):
                return doc
            if (problem := _domain_problem(doc.get("url"))) is not None:
                return bad_request(problem.replace("domain", "url", 1), _field("url", problem))
            name = doc.get("project_name") or doc["url"]
            if (problem := _name_problem(name)) is not None:
                return bad_request(problem, _field("project_name", problem))
            if store.owned >= store.limit:
                return v4_error_response(
                    400,
                    521,
                    f"Projects limit exceed, projects created: {store.owned}, "
                    f"user limit are {store.limit}",
                )
            return web.json_response(store.create(doc["url"], name).v0())

        return await serve(request, "projects_v0.create", handle, auth="bearer")

    async def update_v0(request: web.Request) -> web.StreamResponse:
        async def handle(account: str) -> web.StreamResponse:
            doc = await _body(request, ("project_id", "project_name", "tools"))
            if isinstance(doc, web.Response):
                return doc
            pid = doc.get("project_id")
            if isinstance(pid, bool) or not isinstance(pid, int) or pid < 1:
                return bad_request("project_id is required (a positive integer)")
            if (problem := _name_problem(doc.get("project_name"))) is not None:
                return bad_request(problem, _field("project_name", problem))
            project = find(pid)
            if isinstance(project, web.Response):
                return project
            project.name = doc["project_name"]  # ``tools`` is ignored (backward compat)
            return web.json_response(project.v0())

        return await serve(request, "projects_v0.rename", handle, auth="bearer")

    async def one_v0(request: web.Request) -> web.StreamResponse:
        endpoint = "projects_v0.get" if request.method == "GET" else "projects_v0.delete"

        async def handle(account: str) -> web.StreamResponse:
            if (bad := _unknown(request.query, ())) is not None:
                return bad
            pid = _project_id(request)
            if isinstance(pid, web.Response):
                return pid
            project = find(pid)
            if isinstance(project, web.Response):
                return project
            if request.method == "GET":
                return web.json_response(project.v0())
            del store.projects[pid]
            return web.json_response({"result": True})

        return await serve(request, endpoint, handle, auth="bearer")

    r = app.router
    r.add_get(V1, list_v1)
    r.add_post(V1, create_v1)
    for method in ("GET", "PATCH", "DELETE"):
        r.add_route(method, V1 + "/{project_id}", one_v1)
    r.add_get(V0, list_v0)
    r.add_post(V0, create_v0)
    r.add_put(V0, update_v0)
    for method in ("GET", "DELETE"):
        r.add_route(method, V0 + "/{project_id}", one_v0)
