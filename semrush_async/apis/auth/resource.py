"""``client.auth``: OAuth 2.0 logins for API v4 (device flow, auth code, refresh)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import attrs

from semrush_async._core.governance import Limit
from semrush_async._core.oauth import Grant, OAuthConfig, OAuthTokenProvider, TokenSet
from semrush_async._core.request_path import Auth, Call, Dialect
from semrush_async._core.sansio import Request
from semrush_async.errors import AuthorizationPending, DeviceCodeExpired, SlowDown

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["LIMITS", "AuthResource", "DevicePrompt"]

#: The OAuth endpoints publish no limit; this polite default governs them (``oauth``).
LIMITS: Final[Mapping[str, Limit]] = {"oauth": Limit(5, 1.0, concurrency=4)}

DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 8628 3.5: poll every 5 s when the server gives no interval; slow_down adds 5 s.
DEFAULT_INTERVAL: Final = 5.0
SLOW_DOWN_STEP: Final = 5.0


@attrs.frozen(slots=True)
class DevicePrompt:
    """What the user must do to approve a device login."""

    verification_uri: str
    user_code: str
    expires_in: float
    interval: float

    def __str__(self) -> str:
        minutes = max(1, round(self.expires_in / 60))
        return (
            f"To authorize semrush-async, open {self.verification_uri}\n"
            f"and approve the request (code {self.user_code}) within {minutes} minute(s)."
        )


PromptHandler = Callable[[DevicePrompt], Any]


def _print_prompt(prompt: DevicePrompt) -> None:
    print(prompt, flush=True)


class AuthResource:
    """Logins and token refresh; the tokens feed ``client``'s v4 requests."""

    def __init__(
        self,
        session: Session,
        provider: OAuthTokenProvider,
        config: OAuthConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self.provider = provider
        self.config = config
        #: How the device flow waits between polls, and what "now" is (tests swap these).
        self.sleep = sleep
        self.clock = clock
        session.add_secret(config.client_secret)

    # --- plumbing -------------------------------------------------------------------------

    def _form(self, path_or_url: str, form: Mapping[str, str], *, idempotent: bool) -> Call:
        url = path_or_url if "://" in path_or_url else self._session.oauth_url + path_or_url
        body = urlencode(form).encode()
        headers = (
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        )
        return Call(
            "oauth",
            Request("POST", url, (), headers, body),
            Dialect.OAUTH,
            Auth.NONE,
            idempotent=idempotent,
        )

    async def _post(
        self, path: str, form: Mapping[str, str], *, idempotent: bool = True
    ) -> dict[str, Any]:
        response = await self._session.send(self._form(path, form, idempotent=idempotent))
        doc: dict[str, Any] = response.json()
        return doc

    def _tokens(self, doc: Mapping[str, Any], grant: Grant) -> TokenSet:
        # Stamp expiry with the clock the provider judges it by.
        tokens = TokenSet.from_response(
            doc,
            grant=grant,
            now=self.provider.clock(),
            refresh_lifetime=self.config.refresh_lifetime,
        )
        self._session.add_secret(tokens.access_token)
        self._session.add_secret(tokens.refresh_token)
        return tokens

    # --- device authorization grant (RFC 8628) -----------------------------------------------

    async def device_login(
        self, scope: str | None = None, on_prompt: PromptHandler | None = None
    ) -> TokenSet:
        """Run the device flow: show the prompt, poll until approved, store the tokens.

        Raises :class:`~semrush_async.errors.AccessDenied` or
        :class:`~semrush_async.errors.DeviceCodeExpired`; cancelling the task stops
        polling at once.
        """
        form = {"scope": scope} if scope else {}
        code = await self._post("/dag/device/code", form)
        device_code = str(code["device_code"])
        self._session.add_secret(device_code)
        interval = float(code.get("interval") or DEFAULT_INTERVAL)
        expires_in = float(code.get("expires_in") or 300)
        prompt = DevicePrompt(
            str(code["verification_uri"]), str(code["user_code"]), expires_in, interval
        )
        shown = (on_prompt or _print_prompt)(prompt)
        if inspect.isawaitable(shown):
            await shown
        deadline = self.clock() + expires_in
        grant = {"grant_type": DEVICE_GRANT, "device_code": device_code}
        while True:
            await self.sleep(interval)
            if self.clock() >= deadline:
                raise DeviceCodeExpired(
                    "the device code expired before the login was approved",
                    code="expired_token",
                )
            try:
                doc = await self._post("/dag/device/token", grant)
            except AuthorizationPending:
                continue
            except SlowDown:
                interval += SLOW_DOWN_STEP  # for this and every later poll
                continue
            tokens = self._tokens(doc, "device_code")
            await self._adopt(tokens)
            return tokens

    # --- Semrush auth-code flow ---------------------------------------------------------------

    def authorize_url(
        self,
        redirect_uri: str = "/oauth2/success",
        scope: str = "user.id",
        state: str | None = None,
        client_id: str | None = None,
    ) -> str:
        """The URL the user opens to approve access (Semrush Auth, step 1)."""
        cid = client_id or self.config.client_id
        if not cid:
            raise ValueError("authorize_url needs a client_id (OAuthConfig or argument)")
        q = {
            "client_id": cid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
        }
        if state:
            q["state"] = state
        return f"{self._session.oauth_url}/oauth2/authorize?{urlencode(q)}"

    async def exchange_code(self, code: str, redirect_uri: str = "/oauth2/success") -> TokenSet:
        """Exchange an authorization code for tokens (Semrush Auth, step 2) and store them."""
        cid, secret = self.config.client_id, self.config.client_secret
        if not cid or not secret:
            raise ValueError("exchange_code needs OAuthConfig(client_id=..., client_secret=...)")
        self._session.add_secret(code)
        doc = await self._post(
            "/oauth2/access_token",
            {
                "client_id": cid,
                "client_secret": secret,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
            },
            idempotent=False,  # a code works once: never resend after it may have arrived
        )
        tokens = self._tokens(doc, "authorization_code")
        await self._adopt(tokens)
        return tokens

    async def _adopt(self, tokens: TokenSet) -> None:
        # A login switches the client's v4 requests to these tokens.
        await self.provider.set(tokens)
        self._session.tokens = self.provider

    # --- refresh ------------------------------------------------------------------------------

    async def _refresh(self, tokens: TokenSet) -> TokenSet:
        assert tokens.refresh_token
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        if self.config.client_id:
            form["client_id"] = self.config.client_id
        if self.config.client_secret:
            form["client_secret"] = self.config.client_secret
        url = self.config.refresh_url or "/oauth2/access_token"
        # Rotation makes a repeat after a lost answer fail: do not resend blindly.
        doc = await self._post(url, form, idempotent=False)
        return self._tokens(doc, tokens.grant)

    async def refresh(self) -> TokenSet:
        """Refresh now (normally automatic) and store the rotated tokens."""
        current = await self.provider.current()
        await self.provider.refresh(current.access_token if current else "")
        fresh = await self.provider.current()
        assert fresh is not None
        return fresh

    async def status(self) -> TokenSet | None:
        """The stored token set, if any (tokens hidden in its repr)."""
        return await self.provider.current()

    async def logout(self) -> None:
        """Forget the stored tokens (a file store also removes any temp files)."""
        await self.provider.store.clear()
        self.provider.forget()
