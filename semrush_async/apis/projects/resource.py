"""``client.projects``: the Projects API v4 (list, get, create, rename, delete).

With a v4 API key the methods use ``/apis/v4/projects/v1``; without one they fall
back to the deprecated OAuth 2.0 ``/apis/v4/projects/v0`` with the Bearer token.
Both return :class:`~semrush_async.apis.projects.endpoints.Project`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any, Final

from semrush_async import errors
from semrush_async.apis.projects.endpoints import (
    MAX_PAGE_SIZE,
    V0,
    V1,
    Project,
    ProjectRole,
    ProjectScope,
    decode_project,
    validate_domain,
    validate_name,
    validate_page_size,
    validate_project_id,
    validate_scope,
)
from semrush_async.pagination import Pager
from semrush_async.v4 import Endpoint, LimitOffset, V4Engine

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["ProjectsResource"]

#: List Projects' largest page: the fewest requests for a listing.
DEFAULT_PAGE_SIZE: Final = MAX_PAGE_SIZE

_NO_CREDENTIAL: Final = (
    "client.projects needs a v4 API key (v4_api_key= or SEMRUSH_V4_API_KEY); without "
    "one it uses the deprecated OAuth v0 API, which needs a login "
    "(token= or client.auth.device_login()); nothing was sent"
)

#: v0 has no ``scope``: the listing is filtered by the ``permission`` roles.
_V0_SCOPE: Final[Mapping[ProjectScope, frozenset[ProjectRole]]] = {
    ProjectScope.OWN: frozenset({ProjectRole.OWNER}),
    ProjectScope.CORPORATE: frozenset({ProjectRole.CORP_ADMIN_READ, ProjectRole.CORP_ADMIN_WRITE}),
}


def _in_scope(project: Project, scope: ProjectScope) -> bool:
    roles = set(project.permissions.roles)
    if scope is ProjectScope.ALL:
        return True
    if scope is ProjectScope.SHARED:
        return not roles & (_V0_SCOPE[ProjectScope.OWN] | _V0_SCOPE[ProjectScope.CORPORATE])
    return bool(roles & _V0_SCOPE[scope])


def _v0_body(doc: Any) -> Any:
    # v0 answers bare JSON; accept the v4 envelope too, should it move to one.
    if isinstance(doc, Mapping) and "meta" in doc and "data" in doc:
        return doc["data"]
    return doc


class ProjectsResource:
    """Semrush projects ("folders"). Every method validates its input first:
    bad input raises :class:`~semrush_async.errors.ValidationError` and sends nothing."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._engine = V4Engine(session)

    @property
    def uses_v0(self) -> bool:
        """True when calls go to the deprecated OAuth v0 API (the client has no v4 key)."""
        return not self._session.has_v4_key

    def list(
        self, scope: ProjectScope | str = "OWN", *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Pager[Project]:
        """Projects in ``scope`` (OWN, ALL, SHARED or CORPORATE), ``page_size`` (1 to
        1000) per request, following ``limit``/``offset`` until ``meta.total_count``.

        On v0 (no scope, no paging) one request returns every project and ``scope``
        is applied to the ``permission`` roles.
        """
        chosen = validate_scope(scope)
        size = validate_page_size(page_size)
        if self.uses_v0:
            return self._v0_list(chosen)
        return self._engine.pager(
            V1["list"], LimitOffset(size), decode_project, params=(("scope", chosen.value),)
        )

    async def get(self, project_id: int) -> Project:
        """One project; an unknown id raises NotFound (code 512)."""
        pid = validate_project_id(project_id)
        if self.uses_v0:
            return decode_project(await self._v0("get", path={"project_id": pid}))
        env = await self._engine.send(V1["get"], path={"project_id": pid})
        return decode_project(env.data)

    async def create(self, domain: str, name: str) -> Project:
        """Create a project for ``domain`` (no scheme or path) named ``name``.

        Not retried after a 5xx or a dropped connection (the project may exist: list
        to check); a 429 is retried (nothing was created).
        """
        dom = validate_domain(domain)
        nm = validate_name(name)
        if self.uses_v0:
            return decode_project(await self._v0("create", body={"project_name": nm, "url": dom}))
        env = await self._engine.send(V1["create"], body={"domain": dom, "project_name": nm})
        return decode_project(env.data)

    async def rename(self, project_id: int, name: str) -> Project:
        """Rename a project (the only property Projects lets you change); retried
        after 5xx and drops, as setting the same name twice is harmless."""
        pid = validate_project_id(project_id)
        nm = validate_name(name)
        if self.uses_v0:
            body = {"project_id": pid, "project_name": nm}
            return decode_project(await self._v0("rename", body=body))
        env = await self._engine.send(
            V1["rename"], path={"project_id": pid}, body={"project_name": nm}
        )
        return decode_project(env.data)

    async def delete(self, project_id: int) -> None:
        """Delete a project with all its tools and history.

        Retried after 5xx and drops; when a retry finds the project gone (its earlier
        attempt's answer was lost), that is success. An unknown id on the first
        attempt raises NotFound.
        """
        pid = validate_project_id(project_id)
        if self.uses_v0:
            await self._v0("delete", path={"project_id": pid})
            return
        await self._engine.send(V1["delete"], path={"project_id": pid})

    # --- the deprecated v0 ----------------------------------------------------------------

    async def _v0(
        self, method: str, *, path: Mapping[str, int] | None = None, body: Any = None
    ) -> Any:
        ep: Endpoint = V0[method]
        call = self._engine.call(ep, path=path, body=body)
        try:
            response = await self._session.send(call)
        except errors.LoginRequired as e:
            raise errors.LoginRequired(
                f"{_NO_CREDENTIAL} ({e.message})",
                hint="Pass a v4 API key, or log in for the deprecated v0 API",
            ) from None
        if response.status == 204 or not response.body.strip():
            return None
        try:
            return _v0_body(response.json())
        except ValueError:
            raise errors.APIError(
                f"{ep.name}: the response is not JSON",
                status=response.status,
                hint="Upgrade semrush-async, or report the response shape as a bug",
            ) from None

    def _v0_list(self, scope: ProjectScope) -> Pager[Project]:
        async def source(pager: Pager[Project]) -> AsyncGenerator[list[Project], None]:
            doc = await self._v0("list")
            pager.pages += 1
            raw = doc.get("projects") if isinstance(doc, Mapping) else doc
            if not isinstance(raw, list):
                raise errors.APIError(
                    "projects_v0.list: expected {'projects': [...]}",
                    hint="Upgrade semrush-async, or report the response shape as a bug",
                )
            found = [p for p in map(decode_project, raw) if _in_scope(p, scope)]
            if found:
                yield found

        return Pager(source)
