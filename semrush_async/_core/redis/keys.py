"""Key names: ``{prefix}:{<keyed hash of the credential>}:...``.

The tag is HMAC-SHA256 of the credential, keyed with a per-deployment salt
(``salt=`` or ``SEMRUSH_REDIS_SALT``): the credential never appears in clear, and
the braces put all keys of one credential in one Redis Cluster slot.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Final

__all__ = ["SALT_ENV", "Keyspace", "credential_tag"]

#: Environment variable holding the per-deployment salt of the key-name hash.
SALT_ENV: Final = "SEMRUSH_REDIS_SALT"
# Used when no salt is configured: the tag is still a keyed hash, but anyone who
# knows this package can test guesses against it. Set a salt in production.
_DEFAULT_SALT: Final = b"semrush-async/redis-governance/v1"


def _salt_bytes(salt: str | bytes | None) -> bytes:
    if salt is None:
        salt = os.environ.get(SALT_ENV) or None
    if salt is None:
        return _DEFAULT_SALT
    return salt.encode() if isinstance(salt, str) else salt


def credential_tag(credential: str, salt: str | bytes | None = None) -> str:
    """The keyed hash (HMAC-SHA256, 128 bits) of the credential used in key names.

    ``salt`` defaults to ``$SEMRUSH_REDIS_SALT``, then to a fixed package salt.
    """
    return hmac.new(_salt_bytes(salt), credential.encode(), hashlib.sha256).hexdigest()[:32]


class Keyspace:
    """The key names of one account: bound to its credential once."""

    __slots__ = ("_salt", "_tag", "prefix")

    def __init__(self, prefix: str, salt: str | bytes | None, credential: str | None) -> None:
        self.prefix = prefix
        self._salt = _salt_bytes(salt)
        self._tag: str | None = credential_tag(credential, self._salt) if credential else None

    def bind(self, credential: str | None) -> None:
        """Name the account, unless it is named already."""
        if self._tag is not None:
            return
        if not credential:
            raise ValueError(
                "RedisGovernance needs credential= when the client has no API key (v3 or "
                "v4): pass a "
                "stable identifier of the Semrush account (e.g. its user id), the same in "
                "every process, so that only clients of one account share limits"
            )
        self._tag = credential_tag(credential, self._salt)

    def key(self, *parts: str) -> str:
        if self._tag is None:
            raise RuntimeError("RedisGovernance has no credential: pass credential=")
        return ":".join((self.prefix, "{" + self._tag + "}", *parts))
