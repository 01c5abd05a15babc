"""What the sandbox's Projects API v3 families (Position Tracking, Site Audit) share:
the v3 key as ``key=``, HTTP 400 ``{"code", "message"}`` errors from the Projects
code table [AUR projects_api_overview], Standard units charged at the documented
prices, and admission against the method's endpoint and the account-wide limit.

Interpretations (the docs give the codes, not when each applies):

* A missing key is 122, an unknown one (a v4 key too: keys are version-specific) 120;
  they are answered before rate admission, as the other v3 routes do.
* A missing mandatory parameter (query or body) is 519; any other bad value, an
  unknown parameter or body field, or a repeated parameter is 511 (the table's only
  general code), with a message naming what is allowed.
* Every error is HTTP 400 (the docs: "Error: HTTP 400"); a 429 or an injected 5xx
  carries the same ``{"code", "message"}`` shape with its own status.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

if TYPE_CHECKING:
    from semrush_async.testing._projects import SandboxProject
    from semrush_async.testing._state import SandboxState

__all__ = [
    "PROJECT_ERRORS",
    "ProjectsError",
    "charge",
    "invalid",
    "json_body",
    "missing",
    "payable",
    "project_of",
    "query",
    "serve_v3",
]

#: The Projects v3 error codes and messages (Position Tracking and Site Audit share it).
PROJECT_ERRORS: Final[Mapping[int, str]] = {
    70: "API key hash failure",
    120: "Wrong key-ID pair",
    121: "Wrong format or empty hash",
    122: "Wrong format or empty key",
    130: "API disabled",
    131: "Limit exceeded",
    132: "API units balance is zero",
    134: "Total limit exceeded",
    511: "Unknown error",
    512: "Can't find project with project_id {ID}",
    513: "Invalid 'tool_id'",
    515: "Campaign already exists",
    519: "Missing mandatory URL parameter",
    520: "Invalid tag name",
    521: "Projects limit exceed, projects created: {projects_count}, user limit are "
    "{projects_limit}",
    522: "Keywords limit exceed, keywords limit {keywords_limit} already tracked keywords "
    "{keywords_count}",
}


class ProjectsError(Exception):
    """An HTTP 400 ``{"code": <int>, "message": <text>}`` answer."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or PROJECT_ERRORS[code]
        super().__init__(self.message)

    def response(self) -> web.Response:
        doc = {"code": self.code, "message": self.message}
        return web.Response(status=400, text=json.dumps(doc), content_type="application/json")


def missing(name: str) -> ProjectsError:
    return ProjectsError(519, f"Missing mandatory URL parameter: {name}")


def invalid(name: str, value: object, allowed: str) -> ProjectsError:
    return ProjectsError(511, f"Invalid value {value!r} for {name!r}; allowed: {allowed}")


def query(
    request: web.Request,
    allowed: Iterable[str],
    required: Iterable[str] = (),
    repeatable: Iterable[str] = (),
) -> dict[str, str]:
    """The query (``key`` aside) checked against ``allowed``; ``required`` must be set;
    only ``repeatable`` ones may come more than once (the first is returned)."""
    names = set(allowed)
    again = set(repeatable)
    out: dict[str, str] = {}
    for name, value in request.query.items():
        if name == "key":
            continue
        if name not in names:
            raise ProjectsError(
                511, f"Unknown parameter {name!r}; allowed: {', '.join(sorted(names)) or 'none'}"
            )
        if name in out and name in again:
            continue
        if name in out:
            raise ProjectsError(511, f"Parameter {name!r} given more than once")
        out[name] = value
    for name in required:
        if not out.get(name, "").strip():
            raise missing(name)
    return out


async def json_body(request: web.Request) -> Any:
    """The JSON body (None when there is none); not JSON is a 511."""
    raw = await request.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ProjectsError(511, "The request body is not JSON") from None


def project_of(state: SandboxState, raw: str) -> SandboxProject:
    """The project ``raw`` names in the shared Projects store, else 512."""
    store = state.extensions["projects"]
    pid = int(raw) if raw.isdigit() else -1
    project: SandboxProject | None = store.projects.get(pid)
    if project is None:
        raise ProjectsError(512, f"Can't find project with project_id {raw}")
    return project


def charge(state: SandboxState, key: str, units: int) -> None:
    """Take ``units`` from the Standard balance, or refuse the whole call with 132."""
    if state.balances[key] < units or state.balances[key] <= 0:
        raise ProjectsError(132)
    state.balances[key] -= units
    state.units_spent[key] = state.units_spent.get(key, 0) + units


def payable(state: SandboxState, key: str, price: int, lines: int) -> int:
    """How many of ``lines`` (``price`` each) the balance pays for: per-line answers are
    cut to what the balance covers [AUR api_unit_balance]; none at all is 132."""
    can = min(lines, max(0, state.balances[key]) // price)
    if lines and not can:
        raise ProjectsError(132)
    return can


async def serve_v3(
    request: web.Request,
    state: SandboxState,
    endpoint: str,
    handle: Callable[[str], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """Check the key (before admission), admit against ``endpoint`` and the account
    limit, run ``handle(key)`` and turn a :class:`ProjectsError` into its 400."""
    key = request.query.get("key", "")
    if not key.strip():
        return ProjectsError(122).response()
    if key not in state.balances:
        return ProjectsError(120).response()

    async def run() -> web.StreamResponse:
        try:
            return await handle(key)
        except ProjectsError as e:
            return e.response()

    # "v4" dialect: 429s and 5xx faults carry {"code", "message"} like every v3 error.
    return await state.governed(request, key, endpoint, run, "v4", account_wide=True)
