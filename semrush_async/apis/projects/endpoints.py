"""Projects API v4 as data: endpoint rows (v1 and the deprecated OAuth v0), the
error-code table, the :class:`Project` model, and the input rules checked before
anything is sent.

The official v4 project object was only partly visible in the docs; the field names
come from two third-party v4 clients (see ``docs/projects.md``). Decoding therefore
accepts both shapes, v1's (``domain``, ``permissions`` object, ``tools[{name}]``)
and v0/v3's (``url``, ``permission`` list, ``tools[{tool}]``), and ignores fields it
does not know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from semrush_async import errors
from semrush_async._core.counts import check_count
from semrush_async._core.request_path import Auth
from semrush_async.apis.projects.codes import CODES
from semrush_async.v4.convert import OpenStrEnum, make_converter, structure
from semrush_async.v4.endpoint import Endpoint, limits_of

__all__ = [
    "CODES",
    "FORBIDDEN_NAME_CHARS",
    "LIMITS",
    "MAX_PAGE_SIZE",
    "V0",
    "V1",
    "Project",
    "ProjectPermissions",
    "ProjectRole",
    "ProjectScope",
    "decode_project",
    "validate_domain",
    "validate_name",
    "validate_page_size",
    "validate_project_id",
    "validate_scope",
]


class ProjectScope(OpenStrEnum):
    """Which projects List Projects returns."""

    #: Projects the caller owns (the API's default).
    OWN = "OWN"
    #: Every project the caller can access.
    ALL = "ALL"
    #: Projects other owners shared with the caller.
    SHARED = "SHARED"
    #: Projects under the caller's corporate account.
    CORPORATE = "CORPORATE"


class ProjectRole(OpenStrEnum):
    """A v0/v3 ``permission`` list entry."""

    OWNER = "OWNER"
    READ = "READ"
    WRITE = "WRITE"
    CORP_ADMIN_READ = "CORP_ADMIN_READ"
    CORP_ADMIN_WRITE = "CORP_ADMIN_WRITE"


@attrs.frozen(slots=True)
class ProjectPermissions:
    """What the caller may do with a project.

    v1 sends the booleans; v0 sends ``roles`` and the booleans are derived from them
    (OWNER: everything; WRITE/CORP_ADMIN_WRITE: read and edit; READ/CORP_ADMIN_READ:
    read). ``downgraded`` is None when the server did not say.
    """

    read: bool = False
    edit: bool = False
    delete: bool = False
    share: bool = False
    downgraded: bool | None = None
    #: The v0 ``permission`` list as sent (empty for v1).
    roles: tuple[ProjectRole, ...] = ()


@attrs.frozen(slots=True)
class Project:
    """A Semrush project ("folder"): the same model from v1 and from v0."""

    project_id: int
    name: str
    #: The domain without scheme or path (v0 calls it ``url``).
    domain: str
    domain_unicode: str | None = None
    owner_id: int | None = None
    #: Tool names (``site_audit``, ``tracking``, ...), from ``{"name": ..}`` (v1) or
    #: ``{"tool": ..}`` (v0) items.
    tools: tuple[str, ...] = ()
    permissions: ProjectPermissions = ProjectPermissions()


_converter = make_converter()


def _permissions(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return {k: raw[k] for k in ("read", "edit", "delete", "share", "downgraded") if k in raw}
    if not isinstance(raw, list):
        return {}
    roles = [ProjectRole(str(r)) for r in raw]
    owner = ProjectRole.OWNER in roles
    write = owner or ProjectRole.WRITE in roles or ProjectRole.CORP_ADMIN_WRITE in roles
    return {
        "read": bool(roles),
        "edit": write,
        "delete": owner,
        "share": owner,
        "roles": roles,
    }


def _tools(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        return []
    out = []
    for t in raw:
        name = (t.get("name") or t.get("tool")) if isinstance(t, Mapping) else t
        if name is not None:
            out.append(str(name))
    return out


def decode_project(raw: Any) -> Project:
    """A :class:`Project` from a v1 or v0 project object (unknown fields ignored)."""
    if not isinstance(raw, Mapping):
        return structure(_converter, raw, Project, "project")
    doc = {
        "project_id": raw.get("project_id"),
        "name": raw.get("project_name", raw.get("name")),
        "domain": raw.get("domain", raw.get("url")),
        "domain_unicode": raw.get("domain_unicode"),
        "owner_id": raw.get("owner_id"),
        "tools": _tools(raw.get("tools")),
        "permissions": _permissions(raw.get("permissions", raw.get("permission"))),
    }
    return structure(
        _converter, {k: v for k, v in doc.items() if v is not None}, Project, "project"
    )


# --- endpoints ------------------------------------------------------------------------

_V1: Final = "/apis/v4/projects/v1/projects"
_V0: Final = "/apis/v4/projects/v0"


def _row(name: str, method: str, path: str, auth: Auth) -> Endpoint:
    # No published per-method limit: the account governor (10/s, 10 in flight).
    return Endpoint(name, method, path, auth=auth, codes=CODES)


#: Projects v1 (v4 API key).
V1: Final[Mapping[str, Endpoint]] = {
    e.name.rsplit(".", 1)[1]: e
    for e in (
        _row("projects.list", "GET", _V1, Auth.APIKEY),
        _row("projects.get", "GET", _V1 + "/{project_id}", Auth.APIKEY),
        _row("projects.create", "POST", _V1, Auth.APIKEY),
        _row("projects.rename", "PATCH", _V1 + "/{project_id}", Auth.APIKEY),
        _row("projects.delete", "DELETE", _V1 + "/{project_id}", Auth.APIKEY),
    )
}
#: The deprecated Projects (OAuth 2.0) v0, used when the client has no v4 key.
V0: Final[Mapping[str, Endpoint]] = {
    e.name.rsplit(".", 1)[1]: e
    for e in (
        _row("projects_v0.list", "GET", _V0, Auth.BEARER),
        _row("projects_v0.get", "GET", _V0 + "/{project_id}", Auth.BEARER),
        _row("projects_v0.create", "POST", _V0, Auth.BEARER),
        _row("projects_v0.rename", "PUT", _V0, Auth.BEARER),
        _row("projects_v0.delete", "DELETE", _V0 + "/{project_id}", Auth.BEARER),
    )
}

# --- input rules ----------------------------------------------------------------------

#: Characters a project name must not contain (v3 Create / OAuth Update list; the
#: OAuth Create list omits ``{ }``; the stricter list is used).
FORBIDDEN_NAME_CHARS: Final = "~`!#%'^&*=[]\\/{}|\":<>?"
MAX_PAGE_SIZE: Final = 1000
_MAX_ID: Final = 2**64 - 1
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_project_id(project_id: object) -> int:
    if (
        isinstance(project_id, bool)
        or not isinstance(project_id, int)
        or not 1 <= project_id <= _MAX_ID
    ):
        raise errors.ValidationError(
            f"project_id must be a positive integer (1 to {_MAX_ID}), got {project_id!r}"
        )
    return project_id


def validate_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise errors.ValidationError(f"project name must be a non-empty string, got {name!r}")
    bad = sorted({c for c in name if c in FORBIDDEN_NAME_CHARS})
    if bad or _CONTROL.search(name):
        shown = " ".join(bad) if bad else "control characters"
        raise errors.ValidationError(
            f"project name {name!r} contains {shown}; a name may contain any character "
            f"except control characters and {' '.join(FORBIDDEN_NAME_CHARS)}"
        )
    return name


def validate_domain(domain: object) -> str:
    allowed = "a bare domain such as example.com (no scheme, path, query or spaces)"
    if not isinstance(domain, str) or not domain.strip():
        raise errors.ValidationError(f"domain must be {allowed}, got {domain!r}")
    if _SCHEME.match(domain):
        raise errors.ValidationError(
            f"domain {domain!r} has a scheme; pass {allowed}, e.g. "
            f"{domain.split('://', 1)[1].split('/', 1)[0]!r}"
        )
    if any(c in domain for c in "/?#@\\") or any(c.isspace() for c in domain):
        raise errors.ValidationError(f"domain {domain!r} has a path or other parts; pass {allowed}")
    if _CONTROL.search(domain):
        raise errors.ValidationError(f"domain {domain!r} has control characters; pass {allowed}")
    return domain


def validate_scope(scope: object) -> ProjectScope:
    names = ", ".join(ProjectScope.__members__)
    if isinstance(scope, str):
        found = ProjectScope.__members__.get(scope.upper())
        if found is not None:
            return found
    raise errors.ValidationError(f"scope must be one of {names}, got {scope!r}")


def validate_page_size(page_size: object) -> int:
    return check_count("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)


#: The published limits of this family's governors, from its rows (the client binds them).
LIMITS: Final = limits_of([*V1.values(), *V0.values()])
