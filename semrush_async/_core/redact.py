"""Keep secrets out of every text the client produces.

Two layers: parameter names that always hold secrets are masked in any URL or form
body (``key=``, ``access_token=`` ...), and the literal secret values the client
knows about (API key, tokens, client secret) are masked wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"

SECRET_PARAMS = frozenset(
    {
        "key",
        "access_token",
        "refresh_token",
        "client_secret",
        "device_code",
        "code",
        "token",
    }
)

_PARAM_RE = re.compile(
    r"(?P<name>(?<![A-Za-z0-9_])(?:" + "|".join(sorted(SECRET_PARAMS)) + r"))"
    r"(?P<sep>=|%3D|\"\s*:\s*\")(?P<value>[^&\s\"';,)]+)",
    re.IGNORECASE,
)
_BEARER_RE = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
#: A key carried as a path segment (``.../limits/key/<KEY>``).
_PATH_KEY_RE = re.compile(r"(/key/)[^/?#\s\"']+", re.IGNORECASE)


class Redactor:
    """Masks known secret values and secret-looking parameters in text."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        # Very short values would mask ordinary words; real keys/tokens are long.
        if secret and len(secret) >= 6:
            # As sent in a URL or form too: a server may echo the encoded form.
            self._secrets.update({secret, quote(secret, safe=""), quote_plus(secret)})

    def __call__(self, text: str) -> str:
        return redact(text, self._secrets)

    def __repr__(self) -> str:
        return f"Redactor(<{len(self._secrets)} secrets>)"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with secret parameters and known secret values masked."""
    for s in sorted(secrets, key=len, reverse=True):
        if s in text:
            text = text.replace(s, MASK)
    text = _PARAM_RE.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)
    text = _PATH_KEY_RE.sub(lambda m: f"{m[1]}{MASK}", text)
    return _BEARER_RE.sub(lambda m: f"{m[1]}{MASK}", text)
