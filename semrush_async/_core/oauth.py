"""OAuth 2.0 tokens for API v4: token sets, stores and the refreshing provider.

Access tokens last 7 days and refresh tokens 30 days. The provider refreshes ahead
of expiry and once after a 401, single-flight: however many coroutines find the
token stale at once, one refresh request is sent and all of them use its result.
Refresh tokens rotate; the store always holds the newest pair.

Clients sharing one store (other processes, other hosts) stay consistent: a refresh
is serialised by a lock (``FileTokenStore``'s file lock, and the lock factory, e.g.
Redis governance's lock), the store is re-read before refreshing and again after an
``invalid_grant``, so whoever refreshed first wins and everyone else adopts its pair.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, Protocol, get_args, runtime_checkable

import anyio.to_thread
import attrs

from semrush_async._core.redact import Redactor
from semrush_async.errors import LoginRequired, OAuthError, SemrushError, TokenFileError

__all__ = [
    "FileTokenStore",
    "LockFactory",
    "MemoryTokenStore",
    "OAuthConfig",
    "OAuthTokenProvider",
    "TokenSet",
    "TokenStore",
]

logger: Final = logging.getLogger("semrush_async")

Grant = Literal["device_code", "authorization_code", "static"]
_GRANTS: Final = frozenset(get_args(Grant))

#: A token is refreshed once this fraction of its lifetime is left, if that comes
#: before ``refresh_ahead``: a token shorter than ``refresh_ahead`` would otherwise be
#: "due" the moment it is issued, and every call would refresh it again.
REFRESH_AHEAD_FRACTION: Final = 0.5
#: After a failed refresh ahead of expiry, wait at most this long before trying again
#: (and at most a quarter of the token's remaining life).
RETRY_REFRESH_AFTER: Final = 60.0
#: The name the provider's lock factory is asked for.
REFRESH_LOCK_NAME: Final = "oauth-refresh"
#: A temp file this old is stale whoever wrote it (a save takes milliseconds).
STALE_TEMP_AGE: Final = 600.0

#: Makes a cross-process lock by name, e.g. ``RedisGovernance.lock``.
LockFactory = Callable[[str], contextlib.AbstractAsyncContextManager[None]]


def _hidden(value: object) -> str:
    return "***" if value else repr(value)


def _number(doc: Mapping[str, Any], name: str) -> float | None:
    value = doc.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} is not a number")
    return float(value)


def _text(doc: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = doc.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{name} is {'missing or ' if required else ''}not a string")
    return value


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
    #: Unix time when the access token was issued (None: unknown, e.g. an old file).
    issued_at: float | None = None

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
            issued_at=now,
        )

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at is not None and self.expires_at - now <= seconds

    def refresh_due(self, refresh_ahead: float, now: float) -> bool:
        """Whether to refresh now: ``refresh_ahead`` before expiry, or earlier than
        that for a short-lived token (when ``REFRESH_AHEAD_FRACTION`` of it is left)."""
        if self.expires_at is None:
            return False
        ahead = refresh_ahead
        if self.issued_at is not None:
            lifetime = max(0.0, self.expires_at - self.issued_at)
            ahead = min(ahead, REFRESH_AHEAD_FRACTION * lifetime)
        return self.expires_at - now <= ahead

    def can_refresh(self, now: float) -> bool:
        if not self.refresh_token:
            return False
        return self.refresh_expires_at is None or self.refresh_expires_at > now

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, doc: object) -> TokenSet:
        """Rebuild from :meth:`to_json`. Raises ``ValueError`` naming the field that
        is wrong (never its value, which may be a token); unknown keys are ignored."""
        if not isinstance(doc, Mapping):
            raise ValueError("expected a JSON object")
        grant = doc.get("grant", "device_code")
        if grant not in _GRANTS:
            raise ValueError(f"grant is not one of {', '.join(sorted(_GRANTS))}")
        return cls(
            access_token=_text(doc, "access_token", required=True) or "",
            refresh_token=_text(doc, "refresh_token"),
            expires_at=_number(doc, "expires_at"),
            refresh_expires_at=_number(doc, "refresh_expires_at"),
            token_type=_text(doc, "token_type") or "Bearer",
            scope=_text(doc, "scope"),
            grant=grant,
            issued_at=_number(doc, "issued_at"),
        )


@runtime_checkable
class TokenStore(Protocol):
    """Where token sets live between runs.

    A store may also offer ``lock()``, an async context manager that excludes other
    processes; the provider holds it while it refreshes (``FileTokenStore`` does).
    """

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
    """A JSON file of mode 0600, replaced atomically on every save.

    A save writes a 0600 temp file beside it (``.<name>.<host>.<pid>.<random>.tmp``)
    and renames it over the file. Temp files left by a killed save are removed by the
    next load, save or clear in any process (those of dead processes on this host at
    once, any other after ten minutes). ``lock()`` takes an exclusive ``flock`` on
    ``<name>.lock`` beside the file, which stays (empty) afterwards.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._tmp_prefix = f".{self.path.name}."

    async def load(self) -> TokenSet | None:
        return await anyio.to_thread.run_sync(self._load)

    def _load(self) -> TokenSet | None:
        self._sweep()
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise TokenFileError(
                f"cannot read the token file {self.path} ({e.strerror or type(e).__name__})"
            ) from None
        try:
            doc = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            why = "not UTF-8 text"
        except json.JSONDecodeError as e:
            why = f"invalid JSON at line {e.lineno}"  # never quote the content
        except RecursionError:
            why = "JSON nested too deeply"
        else:
            try:
                return TokenSet.from_json(doc)
            except ValueError as e:
                why = str(e)  # names the field, never its value
        raise TokenFileError(f"the token file {self.path} is not a token set ({why})")

    async def save(self, tokens: TokenSet) -> None:
        await anyio.to_thread.run_sync(self._save, tokens)

    def _save(self, tokens: TokenSet) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._sweep()
        tmp = self.path.with_name(
            f"{self._tmp_prefix}{_host()}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        )
        # Created 0600 (whatever the umask), so the tokens are never readable by others;
        # a reader never sees a half-written file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(tokens.to_json(), f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._fsync_dir()

    def _fsync_dir(self) -> None:
        # Make the rename durable; not every platform lets a directory be opened.
        with contextlib.suppress(OSError):
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def _sweep(self) -> None:
        """Remove temp files that no live save will rename (left by a killed save)."""
        try:
            names = os.listdir(self.path.parent)
        except OSError:
            return
        now, host = time.time(), _host()
        for name in names:
            if not (name.startswith(self._tmp_prefix) and name.endswith(".tmp")):
                continue
            tmp = self.path.parent / name
            writer = name[len(self._tmp_prefix) : -len(".tmp")].rsplit(".", 2)
            try:
                # A pid means something only on its own host (and PID namespace, which
                # a container's own hostname stands for); any temp file is stale after
                # STALE_TEMP_AGE.
                dead = len(writer) == 3 and writer[0] == host and not _alive(int(writer[1]))
                if dead or now - tmp.stat().st_mtime > STALE_TEMP_AGE:
                    tmp.unlink(missing_ok=True)
            except (OSError, ValueError):
                continue

    async def clear(self) -> None:
        await anyio.to_thread.run_sync(self._clear)

    def _clear(self) -> None:
        self.path.unlink(missing_ok=True)
        self._sweep()

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        """Exclude every other process (and every other store object) using this file.

        Polls a non-blocking ``flock``, so waiting never blocks the event loop and
        can be cancelled.
        """
        try:
            import fcntl
        except ImportError:  # not POSIX (Windows): no cross-process lock
            yield
            return
        # Opening is instant (a local file); only the wait could block, and it polls.
        fd = self._open_lock()
        try:
            delay = 0.002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.05)
            yield
        finally:
            os.close(fd)  # releases the lock too

    def _open_lock(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


@attrs.frozen(slots=True)
class OAuthConfig:
    """How to refresh. The docs only document refresh at ``/oauth2/access_token`` with
    client credentials; how device-flow tokens refresh is undocumented, so both the
    URL and the credentials are configurable per grant."""

    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=_hidden)
    #: Refresh endpoint; default ``{oauth_url}/oauth2/access_token``.
    refresh_url: str | None = None
    #: Refresh this long before the access token expires (or when half of its
    #: lifetime is left, if that comes first).
    refresh_ahead: float = 3600.0
    #: Refresh tokens live 30 days (the docs).
    refresh_lifetime: float = 30 * 86_400.0


Refresher = Callable[[TokenSet], Awaitable[TokenSet]]

#: Answers to a refresh that mean "this refresh token will never work": RFC 6749's,
#: and ``invalid_request``, which Semrush sends for a dead refresh token (Semrush
#: support, quoted in Yoast/wordpress-seo#22399; a client that retried it made
#: 814,000 failing refresh calls a day). One refusal, one LoginRequired, and that
#: refresh token is never sent again.
_REFUSED: Final = ("invalid_grant", "invalid_request", "invalid_client", "unauthorized_client")


class OAuthTokenProvider:
    """The v4 request path's token source: stored tokens, refreshed single-flight.

    ``lock`` makes a lock shared with other processes (e.g. ``RedisGovernance.lock``);
    it is held, together with the store's own ``lock()`` if it has one, around every
    refresh. ``redactor`` learns every token loaded or stored.
    """

    def __init__(
        self,
        store: TokenStore,
        refresher: Refresher | None = None,
        *,
        refresh_ahead: float = 3600.0,
        clock: Callable[[], float] = time.time,
        lock: LockFactory | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.store = store
        self._refresher = refresher
        self.refresh_ahead = refresh_ahead
        self.clock = clock
        self._lock_factory = lock
        self._redactor = redactor
        self._tokens: TokenSet | None = None
        self._loaded = False
        self._lock = asyncio.Lock()
        #: No refresh ahead of expiry before this time (set after one failed).
        self._retry_at = 0.0
        #: Refresh attempts finished, and how the last one failed (None: it did not).
        self._attempts = 0
        self._failure: SemrushError | None = None
        #: A refresh token the server refused (and how): never sent again.
        self._refused: str | None = None
        self._refused_code: str | int | None = None
        #: Refresh requests sent by this provider.
        self.refreshes = 0

    def bind(self, refresher: Refresher) -> None:
        """Set how to refresh (the client's auth resource does this)."""
        self._refresher = refresher

    async def current(self) -> TokenSet | None:
        if not self._loaded:
            await self._reload()
        return self._tokens

    async def _reload(self) -> TokenSet | None:
        tokens = await self.store.load()
        self._remember(tokens)
        self._loaded = True
        return tokens

    def _remember(self, tokens: TokenSet | None) -> None:
        self._mask(tokens)
        self._tokens = tokens

    def _mask(self, tokens: TokenSet | None) -> None:
        # Every token this provider sees, whatever its source, is masked in any text
        # the client produces from now on.
        if tokens is not None and self._redactor is not None:
            self._redactor.add(tokens.access_token)
            self._redactor.add(tokens.refresh_token)

    async def set(self, tokens: TokenSet) -> None:
        """Store a new token set (after a login or refresh)."""
        self._mask(tokens)
        await self.store.save(tokens)
        self._remember(tokens)
        self._loaded = True

    def forget(self) -> None:
        """Drop the cached tokens (after a logout)."""
        self._tokens = None
        self._loaded = True
        self._retry_at = 0.0

    async def access_token(self) -> str:
        tokens = await self.current()
        if tokens is None:
            raise LoginRequired(
                "no API v4 token: pass token= or log in with client.auth.device_login(); "
                "nothing was sent"
            )
        now = self.clock()
        if tokens.expires_within(0, now):
            if tokens.can_refresh(now) and self._refresher is not None:
                tokens = await self._refresh_from(tokens.access_token, forced=True)
            else:
                raise LoginRequired(
                    "the API v4 access token expired and cannot be refreshed "
                    "(no refresh token, or it expired after 30 days)"
                )
        elif (
            tokens.refresh_due(self.refresh_ahead, now)
            and now >= self._retry_at
            and tokens.can_refresh(now)
            and self._refresher is not None
        ):
            tokens = await self._refresh_from(tokens.access_token, forced=False)
        return tokens.access_token

    async def refresh(self, rejected: str) -> str:
        return (await self._refresh_from(rejected, forced=True)).access_token

    async def _refresh_from(self, stale: str, *, forced: bool) -> TokenSet:
        """Refresh ``stale`` unless someone already did; ``forced``: it was rejected or
        has expired (else: a refresh ahead of expiry, which may fail harmlessly)."""
        attempt = self._attempts
        async with self._lock:
            # Single flight: whoever waited here uses the outcome of the refresh it
            # waited on, its tokens or its error, and sends nothing itself.
            if attempt != self._attempts and self._failure is not None:
                if forced or (kept := self._valid(self._tokens)) is None:
                    raise self._failure.with_traceback(None)
                return kept
            if (cached := self._waited_for(self._tokens, stale)) is not None:
                return cached
            if not forced and self.clock() < self._retry_at and self._tokens is not None:
                return self._tokens  # an ahead-of-expiry refresh failed a moment ago
            async with self._exclusive():
                # Another process sharing the store may have refreshed already.
                tokens = await self._reload()
                if tokens is None:
                    raise LoginRequired("no API v4 token: log in first")
                if (theirs := self._waited_for(tokens, stale)) is not None:
                    return theirs
                try:
                    fresh, stored = await self._send_refresh(tokens)
                except SemrushError as e:
                    self._attempts, self._failure = self._attempts + 1, e
                    if forced or tokens.expires_within(0, self.clock()):
                        raise
                    return self._keep_after_failure(tokens, e)
                except BaseException:
                    self._attempts, self._failure = self._attempts + 1, None
                    raise
                self._attempts, self._failure = self._attempts + 1, None
                self._retry_at = 0.0
                if not stored:
                    await self.set(fresh)
                return fresh

    def _valid(self, tokens: TokenSet | None) -> TokenSet | None:
        """``tokens`` if the access token has not expired, else None."""
        if tokens is None or tokens.expires_within(0, self.clock()):
            return None
        return tokens

    def _waited_for(self, tokens: TokenSet | None, stale: str) -> TokenSet | None:
        """``tokens`` if they replaced ``stale`` and are still valid, else None."""
        if tokens is None or tokens.access_token == stale:
            return None
        return self._valid(tokens)

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if self._lock_factory is not None:
                await stack.enter_async_context(self._lock_factory(REFRESH_LOCK_NAME))
            store_lock = getattr(self.store, "lock", None)
            if callable(store_lock):
                await stack.enter_async_context(store_lock())
            yield

    async def _send_refresh(self, tokens: TokenSet) -> tuple[TokenSet, bool]:
        """The refreshed tokens, and whether they are already in the store."""
        if self._refresher is None or not tokens.can_refresh(self.clock()):
            raise LoginRequired("the API v4 token was rejected or expired and cannot be refreshed")
        if tokens.refresh_token == self._refused:
            raise LoginRequired(
                "the refresh token was refused before and is not sent again; nothing was sent",
                code=self._refused_code,
            )
        self.refreshes += 1
        try:
            return await self._refresher(tokens), False
        except OAuthError as e:
            if e.code not in _REFUSED:
                raise
            # A writer that did not take our lock (another host) may have rotated the
            # pair since we read it: its pair is in the store.
            again = await self._reload()
            if again is not None and again.refresh_token != tokens.refresh_token:
                return again, True
            self._refused, self._refused_code = tokens.refresh_token, e.code
            raise LoginRequired(
                f"the refresh was refused ({e.code}): the refresh token is no longer valid",
                status=e.status,
                code=e.code,
            ) from None

    def _keep_after_failure(self, tokens: TokenSet, error: SemrushError) -> TokenSet:
        # The access token still works: use it, and try again later.
        left = (tokens.expires_at or self.clock()) - self.clock()
        wait = max(0.0, min(RETRY_REFRESH_AFTER, left / 4))
        self._retry_at = self.clock() + wait
        text = str(error)
        if self._redactor is not None:
            text = self._redactor(text)
        logger.warning(
            "refreshing the API v4 token ahead of expiry failed (%s: %s); using the "
            "current token, valid for %.0f s more, and trying again in %.1f s",
            type(error).__name__,
            text,
            left,
            wait,
        )
        return tokens

    def __repr__(self) -> str:
        return f"OAuthTokenProvider(store={self.store!r}, refreshes={self.refreshes})"
