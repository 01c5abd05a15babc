"""Sandbox OAuth 2.0: device authorization grant, auth-code flow, refresh, Bearer checks.

Interpretations (the docs leave these open):

* Device-flow tokens refresh at ``/oauth2/access_token`` with ``grant_type=
  refresh_token`` and no client secret (a device client is public); auth-code
  tokens need the ``client_id``/``client_secret`` they were issued to.
* A refresh rotates both tokens; the old refresh token is rejected afterwards.
* Polling faster than the current interval (counted from the previous poll, or
  from issuing the code for the first poll) answers ``slow_down`` and adds 5 s to
  the interval (RFC 8628 3.5).
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import attrs
from aiohttp import web

if TYPE_CHECKING:
    from semrush_async.testing._state import SandboxState

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "OAuthServer", "setup_oauth"]

CLIENT_ID: Final = "sandbox-client"
CLIENT_SECRET: Final = "sandbox-client-secret-000000"
DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"


@attrs.define
class _Device:
    device_code: str
    user_code: str
    expires_at: float
    interval: float
    scope: str | None
    last_poll: float | None = None
    state: str = "pending"  # pending | approved | denied | used


@attrs.define
class _Token:
    access_token: str
    refresh_token: str
    account: str
    client_id: str | None
    expires_at: float
    refresh_expires_at: float


class OAuthServer:
    """In-memory OAuth state; ``clock`` can be advanced to expire tokens in tests."""

    def __init__(
        self,
        token_lifetime: float,
        refresh_lifetime: float,
        *,
        device_expires_in: int = 300,
        interval: int = 5,
    ) -> None:
        self.token_lifetime = token_lifetime
        self.refresh_lifetime = refresh_lifetime
        self.device_expires_in = device_expires_in
        self.interval = interval
        self.offset = 0.0
        self.devices: dict[str, _Device] = {}
        self.by_user_code: dict[str, _Device] = {}
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (client_id, redirect_uri)
        self.tokens: dict[str, _Token] = {}
        self.refresh_tokens: dict[str, _Token] = {}
        self.refresh_count = 0
        self.token_requests = 0
        #: What a dead (unknown, rotated or expired) refresh token is answered with:
        #: RFC 6749's ``invalid_grant``, or ``invalid_request``, which Semrush sends
        #: (Semrush support, quoted in Yoast/wordpress-seo#22399).
        self.refusal = "invalid_grant"
        #: Refresh requests received (refused ones included).
        self.refresh_requests = 0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the OAuth clock forward (expire tokens/codes without waiting)."""
        self.offset += seconds

    def _issue(self, account: str, client_id: str | None) -> _Token:
        now = self.now()
        tok = _Token(
            access_token=secrets.token_urlsafe(30),
            refresh_token=secrets.token_urlsafe(30),
            account=account,
            client_id=client_id,
            expires_at=now + self.token_lifetime,
            refresh_expires_at=now + self.refresh_lifetime,
        )
        self.tokens[tok.access_token] = tok
        self.refresh_tokens[tok.refresh_token] = tok
        return tok

    def issue_static_token(self, account: str = "sandbox-account") -> str:
        """A valid access token for tests that do not exercise a login flow."""
        return self._issue(account, None).access_token

    def issue_token_set(self, account: str = "sandbox-account") -> dict[str, Any]:
        return self._body(self._issue(account, None))

    def _body(self, tok: _Token) -> dict[str, Any]:
        return {
            "access_token": tok.access_token,
            "token_type": "Bearer",
            "expires_in": round(tok.expires_at - self.now()),
            "refresh_token": tok.refresh_token,
        }

    def account_for(self, request: web.Request) -> str | None:
        """The account of a valid ``Authorization: Bearer`` header, else None."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        tok = self.tokens.get(token.strip())
        if tok is None or tok.expires_at <= self.now():
            return None
        return tok.account

    def approve(self, user_code: str) -> None:
        self.by_user_code[user_code].state = "approved"

    def deny(self, user_code: str) -> None:
        self.by_user_code[user_code].state = "denied"

    def revoke_all(self) -> None:
        self.tokens.clear()


def _err(code: str, description: str, status: int = 400) -> web.Response:
    return web.json_response({"error": code, "error_description": description}, status=status)


def setup_oauth(
    app: web.Application, state: SandboxState, token_lifetime: float, refresh_lifetime: float
) -> OAuthServer:
    server = OAuthServer(token_lifetime, refresh_lifetime)
    state.extensions["oauth"] = server
    state.declare("oauth")

    def base(request: web.Request) -> str:
        return f"{request.scheme}://{request.host}"

    async def device_code(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        scope = form.get("scope")

        async def handle() -> web.StreamResponse:
            dev = _Device(
                device_code=secrets.token_hex(32),
                user_code=secrets.token_hex(5).upper()[:9],
                expires_at=server.now() + server.device_expires_in,
                interval=server.interval,
                scope=str(scope) if scope else None,
                last_poll=server.now(),
            )
            server.devices[dev.device_code] = dev
            server.by_user_code[dev.user_code] = dev
            return web.json_response(
                {
                    "device_code": dev.device_code,
                    "user_code": dev.user_code,
                    "verification_uri": (
                        f"{base(request)}/dag/auth/verify_code?code={dev.user_code}"
                    ),
                    "expires_in": server.device_expires_in,
                    "interval": server.interval,
                }
            )

        return await state.governed(request, "oauth", "oauth", handle, "v4")

    async def device_token(request: web.Request) -> web.StreamResponse:
        form = await request.post()

        async def handle() -> web.StreamResponse:
            server.token_requests += 1
            if form.get("grant_type") != DEVICE_GRANT:
                return _err("unsupported_grant_type", "expected the device_code grant")
            dev = server.devices.get(str(form.get("device_code", "")))
            if dev is None:
                return _err("invalid_grant", "unknown device_code")
            now = server.now()
            if now >= dev.expires_at:
                return _err("expired_token", "the device code has expired")
            if dev.state == "denied":
                return _err("access_denied", "the user denied the request")
            if dev.state == "used":
                return _err("invalid_grant", "the device code was already used")
            too_fast = dev.last_poll is not None and now - dev.last_poll < dev.interval - 0.05
            dev.last_poll = now
            if too_fast:
                dev.interval += 5
                return _err("slow_down", f"poll at most every {dev.interval:g} seconds")
            if dev.state == "pending":
                return _err("authorization_pending", "waiting for the user to approve")
            dev.state = "used"
            return web.json_response(server._body(server._issue("device-account", None)))

        return await state.governed(request, "oauth", "oauth", handle, "v4")

    async def verify_code(request: web.Request) -> web.Response:
        """What the user's browser opens; ``?action=deny`` denies, otherwise approves."""
        code = request.query.get("code", "")
        dev = server.by_user_code.get(code)
        if dev is None:
            return web.Response(status=404, text="unknown code")
        dev.state = "denied" if request.query.get("action") == "deny" else "approved"
        return web.Response(text=f"Access {dev.state}", content_type="text/html")

    async def authorize(request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return web.Response(status=400, text="invalid authorize request")
        redirect_uri = q.get("redirect_uri", "/oauth2/success")
        code = secrets.token_urlsafe(24)
        server.codes[code] = (CLIENT_ID, redirect_uri)
        target = redirect_uri if "://" in redirect_uri else base(request) + redirect_uri
        raise web.HTTPFound(f"{target}?{urlencode({'code': code})}")

    async def success(request: web.Request) -> web.Response:
        return web.Response(text="<title>Authorization provided</title>", content_type="text/html")

    async def access_token(request: web.Request) -> web.StreamResponse:
        form = await request.post()

        async def handle() -> web.StreamResponse:
            server.token_requests += 1
            grant = form.get("grant_type")
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            confidential = client_id == CLIENT_ID and client_secret == CLIENT_SECRET
            if grant == "authorization_code":
                if not confidential:
                    return _err("invalid_client", "bad client credentials", 401)
                entry = server.codes.pop(str(form.get("code", "")), None)
                if entry is None or entry[1] != form.get("redirect_uri", entry[1]):
                    return _err("invalid_grant", "the code is invalid or was already used")
                return web.json_response(server._body(server._issue("code-account", CLIENT_ID)))
            if grant == "refresh_token":
                server.refresh_requests += 1
                old = server.refresh_tokens.get(str(form.get("refresh_token", "")))
                if old is None or old.refresh_expires_at <= server.now():
                    return _err(server.refusal, "the refresh token is invalid or expired")
                if old.client_id is not None and not confidential:
                    return _err("invalid_client", "bad client credentials", 401)
                # Rotation: the old pair stops working.
                del server.refresh_tokens[old.refresh_token]
                server.tokens.pop(old.access_token, None)
                server.refresh_count += 1
                return web.json_response(server._body(server._issue(old.account, old.client_id)))
            return _err("unsupported_grant_type", f"grant_type {grant!r} is not supported")

        return await state.governed(request, "oauth", "oauth", handle, "v4")

    app.router.add_post("/dag/device/code", device_code)
    app.router.add_post("/dag/device/token", device_token)
    app.router.add_get("/dag/auth/verify_code", verify_code)
    app.router.add_get("/oauth2/authorize", authorize)
    app.router.add_get("/oauth2/success", success)
    app.router.add_post("/oauth2/access_token", access_token)
    return server
