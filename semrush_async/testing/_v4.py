"""What every current v4 product in the sandbox shares: credentials, the envelope,
and admission against the method's limit and the account-wide limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from aiohttp import web

from semrush_async.testing._envelope import v4_error_response, v4_response
from semrush_async.testing._state import SandboxState

__all__ = ["bad_request", "not_found", "serve_v4", "v4_error_response", "v4_response"]

#: "apikey_or_bearer": a v4 key in ``Authorization: Apikey`` or an OAuth Bearer token
#: (Map Rank Tracker since 2026-08-19).
V4Auth = Literal["apikey", "bearer", "apikey_or_bearer"]
Handler = Callable[[str], Awaitable[web.StreamResponse]]


def _apikey(request: web.Request, state: SandboxState) -> tuple[str, str] | web.Response:
    """(credential, account) for a valid ``Authorization: Apikey`` key, else a 401/403."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    key = value.strip()
    if not header and request.method == "GET" and "key" in request.query:
        # The docs allow ?key= on GET; the client never sends it (counted for tests).
        state.v4_key_in_url += 1
        key, scheme = request.query["key"], "Apikey"
    if scheme != "Apikey" or key not in state.v4_keys:
        return v4_error_response(401, 401, "Unauthorized: send Authorization: Apikey <key>")
    found = state.v4_keys[key]
    if found.read_only and request.method not in ("GET", "HEAD"):
        return v4_error_response(
            403, 403, "Forbidden: this API key is read-only (GET requests only)"
        )
    return key, found.account


def _bearer(request: web.Request, state: SandboxState) -> tuple[str, str] | web.Response:
    account = state.extensions["oauth"].account_for(request)
    if not isinstance(account, str):
        return v4_error_response(401, 401, "Unauthorized: invalid or expired access token")
    return account, account


async def serve_v4(
    request: web.Request,
    state: SandboxState,
    endpoint: str,
    handle: Handler,
    *,
    auth: V4Auth = "apikey",
) -> web.StreamResponse:
    """Check the credential (before any rate admission, as the real API answers
    unauthorised requests), then admit against ``endpoint`` and the account limit,
    then run ``handle(account)``."""
    if auth == "apikey_or_bearer":
        bearer = request.headers.get("Authorization", "").startswith("Bearer ")
        auth = "bearer" if bearer else "apikey"
    who = _apikey(request, state) if auth == "apikey" else _bearer(request, state)
    if isinstance(who, web.Response):
        return who
    credential, account = who
    return await state.governed(
        request, credential, endpoint, lambda: handle(account), "v4json", account_wide=True
    )


def bad_request(message: str, details: Any = None) -> web.Response:
    """A 400 in the envelope (``details`` as the product documents them)."""
    return v4_error_response(400, 400, message, details=details)


def not_found(message: str = "Not Found") -> web.Response:
    return v4_error_response(404, 404, message)
