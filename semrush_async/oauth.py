"""OAuth 2.0 tokens for API v4: token sets, stores and the refreshing provider.

Access tokens last 7 days and refresh tokens 30 days. The provider refreshes ahead
of expiry and once after a 401, single-flight: however many coroutines find the
token stale at once, one refresh request is sent and all of them use its result.
Refresh tokens rotate; the store always holds the newest pair.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import anyio.to_thread
import attrs

from .errors import LoginRequired, OAuthError

__all__ = [
    "FileTokenStore",
    "MemoryTokenStore",
    "OAuthConfig",
    "OAuthTokenProvider",
    "TokenSet",
    "TokenStore",
]

Grant = Literal["device_code", "authorization_code", "static"]


def _hidden(value: object) -> str:
    return "***" if value else repr(value)


@attrs.frozen(slots=True)
class TokenSet:
    """Tokens from one grant. ``repr`` never shows the tokens."""

    access_token: str = attrs.field(repr=_hidden)
    refresh_token: str | None = attrs.field(default=None, repr=_hidden)
    #: Unix time when the access token expires (None: unknown).
    expires_at: float | None = None
    #: Unix time when the refresh token expires (30 days after issue, per the docs).
    refresh_expires_at: float | None = None
    token_type: str = "Bearer"
    scope: str | None = None
    #: How the tokens were obtained; decides how they are refreshed.
    grant: Grant = "device_code"

    @classmethod
    def from_response(
        cls, doc: Mapping[str, Any], *, grant: Grant, now: float, refresh_lifetime: float
    ) -> TokenSet:
        try:
            access = str(doc["access_token"])
        except KeyError:
            raise OAuthError("the token response has no access_token") from None
        expires_in = doc.get("expires_in")
        refresh = doc.get("refresh_token")
        return cls(
            access_token=access,
            refresh_token=str(refresh) if refresh else None,
            expires_at=now + float(expires_in) if expires_in is not None else None,
            refresh_expires_at=now + refresh_lifetime if refresh else None,
            token_type=str(doc.get("token_type", "Bearer")),
            scope=doc.get("scope"),
            grant=grant,
        )

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at is not None and self.expires_at - now <= seconds

    def can_refresh(self, now: float) -> bool:
        if not self.refresh_token:
            return False
        return self.refresh_expires_at is None or self.refresh_expires_at > now

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TokenSet:
        names = {a.name for a in attrs.fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in names})


@runtime_checkable
class TokenStore(Protocol):
    """Where token sets live between runs."""

    async def load(self) -> TokenSet | None: ...

    async def save(self, tokens: TokenSet) -> None: ...

    async def clear(self) -> None: ...


class MemoryTokenStore:
    """Keeps tokens in this process only."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self._tokens = tokens

    async def load(self) -> TokenSet | None:
        return self._tokens

    async def save(self, tokens: TokenSet) -> None:
        self._tokens = tokens

    async def clear(self) -> None:
        self._tokens = None

    def __repr__(self) -> str:
        return f"MemoryTokenStore({'set' if self._tokens else 'empty'})"


class FileTokenStore:
    """A JSON file, created with mode 0600 and replaced atomically on every save."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    async def load(self) -> TokenSet | None:
        return await anyio.to_thread.run_sync(self._load)

    def _load(self) -> TokenSet | None:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise LoginRequired(f"cannot read the token file {self.path}: {e}") from None
        return TokenSet.from_json(doc)

    async def save(self, tokens: TokenSet) -> None:
        await anyio.to_thread.run_sync(self._save, tokens)

    def _save(self, tokens: TokenSet) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # mkstemp creates the file with 0600; a reader never sees a half-written file.
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(tokens.to_json(), f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def clear(self) -> None:
        await anyio.to_thread.run_sync(lambda: self.path.unlink(missing_ok=True))

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"


@attrs.frozen(slots=True)
class OAuthConfig:
    """How to refresh. The docs only document refresh at ``/oauth2/access_token`` with
    client credentials; how device-flow tokens refresh is undocumented, so both the
    URL and the credentials are configurable per grant."""

    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=_hidden)
    #: Refresh endpoint; default ``{oauth_url}/oauth2/access_token``.
    refresh_url: str | None = None
    #: Refresh this long before the access token expires.
    refresh_ahead: float = 3600.0
    #: Refresh tokens live 30 days (the docs).
    refresh_lifetime: float = 30 * 86_400.0


Refresher = Callable[[TokenSet], Awaitable[TokenSet]]


class OAuthTokenProvider:
    """The v4 request path's token source: stored tokens, refreshed single-flight."""

    def __init__(
        self,
        store: TokenStore,
        refresher: Refresher | None = None,
        *,
        refresh_ahead: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._refresher = refresher
        self.refresh_ahead = refresh_ahead
        self.clock = clock
        self._tokens: TokenSet | None = None
        self._loaded = False
        self._lock = asyncio.Lock()
        #: Refresh requests sent by this provider.
        self.refreshes = 0

    def bind(self, refresher: Refresher) -> None:
        """Set how to refresh (the client's auth resource does this)."""
        self._refresher = refresher

    async def current(self) -> TokenSet | None:
        if not self._loaded:
            self._tokens = await self.store.load()
            self._loaded = True
        return self._tokens

    async def set(self, tokens: TokenSet) -> None:
        """Store a new token set (after a login or refresh)."""
        await self.store.save(tokens)
        self._tokens = tokens
        self._loaded = True

    async def access_token(self) -> str:
        tokens = await self.current()
        now = self.clock()
        if tokens is None:
            raise LoginRequired(
                "no API v4 token: pass token= or log in with client.auth.device_login(); "
                "nothing was sent"
            )
        if tokens.expires_within(self.refresh_ahead, now):
            if tokens.can_refresh(now) and self._refresher is not None:
                tokens = await self._refresh_from(tokens.access_token)
            elif tokens.expires_within(0, now):
                raise LoginRequired(
                    "the API v4 access token expired and cannot be refreshed "
                    "(no refresh token, or it expired after 30 days)"
                )
        return tokens.access_token

    async def refresh(self, rejected: str) -> str:
        return (await self._refresh_from(rejected)).access_token

    async def _refresh_from(self, stale: str) -> TokenSet:
        async with self._lock:
            tokens = await self.current()
            if tokens is None:
                raise LoginRequired("no API v4 token: log in first")
            if tokens.access_token != stale and not tokens.expires_within(
                self.refresh_ahead, self.clock()
            ):
                return tokens  # another coroutine refreshed while we waited
            if self._refresher is None or not tokens.can_refresh(self.clock()):
                raise LoginRequired(
                    "the API v4 token was rejected or expired and cannot be refreshed"
                )
            self.refreshes += 1
            try:
                fresh = await self._refresher(tokens)
            except OAuthError as e:
                if e.code in ("invalid_grant", "invalid_client", "unauthorized_client"):
                    raise LoginRequired(
                        f"the refresh was refused ({e.code}): the refresh token is no longer valid",
                        status=e.status,
                        code=e.code,
                    ) from None
                raise
            await self.set(fresh)
            return fresh

    def __repr__(self) -> str:
        return f"OAuthTokenProvider(store={self.store!r}, refreshes={self.refreshes})"
