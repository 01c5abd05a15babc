"""Where the v4 request path gets its Bearer token from."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from semrush_async.errors import LoginRequired

__all__ = ["StaticToken", "TokenProvider"]


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies access tokens; ``refresh`` is called once after a 401."""

    async def access_token(self) -> str:
        """A token to send now (refreshing ahead of expiry if it can)."""
        ...

    async def refresh(self, rejected: str) -> str:
        """A new token after ``rejected`` got a 401; raise LoginRequired if impossible."""
        ...


class StaticToken:
    """A fixed access token; it cannot be refreshed."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("token must be a non-empty string")
        self._token = token

    async def access_token(self) -> str:
        return self._token

    async def refresh(self, rejected: str) -> str:
        raise LoginRequired(
            "the access token was rejected and a static token cannot be refreshed",
            status=401,
        )

    def __repr__(self) -> str:
        return "StaticToken(***)"
