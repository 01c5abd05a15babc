"""Requests and responses as plain data, and what every format shares."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import quote

import attrs

from semrush_async import errors
from semrush_async._core.redact import redact

NOTHING_FOUND: Final = 50
# Analytics v3 error bodies are short; a body this long cannot be one.
MAX_ERROR_BODY: Final = 4096
#: An error answer never needs more than this: a streamed body stops being read there.
MAX_ERROR_READ: Final = 64 * 1024

#: A product's own error codes: ``code -> (error class, hint)`` (its family's table).
CodeTable = Mapping[int, tuple[type[errors.APIError], str]]

Params = tuple[tuple[str, str], ...]
#: Masks secrets in a text taken from a response. Every decoder below passes each such
#: text through one before an error is built from it, so that no attribute, ``args``
#: entry, detail, pickle or traceback of the error can hold a secret the server echoed.
#: The request path passes the client's redactor (which knows the literal key and
#: tokens); the default masks secret-looking parameters and Bearer values only.
Scrub = Callable[[str], str]


@functools.lru_cache(maxsize=4096)
def _q(value: str) -> str:
    # Parameter values repeat (report type, columns, target type): encoding them once
    # matters on the hot path, where urllib's pure-Python quoting shows up.
    return quote(value, safe="[],")


@attrs.frozen(slots=True, repr=False)
class Request:
    """An HTTP request as plain data. ``repr`` and ``redacted_url`` hide secrets."""

    method: str
    url: str
    params: Params = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @property
    def full_url(self) -> str:
        """The URL as sent: ``[]`` and ``,`` literal (as the docs show), everything
        else percent-encoded (``+`` -> ``%2B``, ``|`` -> ``%7C``, space -> ``%20``)."""
        if not self.params:
            return self.url
        return f"{self.url}?{'&'.join(f'{_q(k)}={_q(v)}' for k, v in self.params)}"

    @property
    def redacted_url(self) -> str:
        return redact(self.full_url)

    def with_params(self, **updates: str) -> Request:
        """Return a copy with the named query parameters replaced or added."""
        kept = [(k, v) for k, v in self.params if k not in updates]
        return attrs.evolve(self, params=(*kept, *updates.items()))

    def with_header(self, name: str, value: str) -> Request:
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return attrs.evolve(self, headers=(*kept, (name, value)))

    def __repr__(self) -> str:
        return f"Request({self.method} {self.redacted_url})"


@attrs.frozen(slots=True)
class Response:
    """A complete HTTP response as plain data."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    #: How a success body becomes its JSON document (default ``json.loads``): a v4
    #: pager passes a parser that decodes a page's rows as it reads them.
    parse: Callable[[bytes], Any] | None = attrs.field(
        default=None, eq=False, repr=False, kw_only=True
    )
    _doc: Any = attrs.field(init=False, default=None, eq=False, repr=False)

    def json(self) -> Any:
        """The body parsed as JSON (parsed once: the error check, settlement and
        decoding share it)."""
        if self._doc is None:
            # An error status has an error body: ``parse`` (a page of rows) is for success.
            parse = self.parse if self.parse is not None and self.status < 300 else json.loads
            object.__setattr__(self, "_doc", (parse(self.body),))
        return self._doc[0]


def is_retryable_status(status: int) -> bool:
    """429 and every 5xx (Semrush uses 550/553/554 too) are worth another attempt."""
    return status == 429 or 500 <= status <= 599


#: Error classes by HTTP status (every JSON format shares them).
_V4_STATUS_ERRORS: Final[Mapping[int, type[errors.APIError]]] = {
    400: errors.BadRequest,
    401: errors.AuthenticationError,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    409: errors.Conflict,
    429: errors.RateLimited,
}


def _by_status(status: int) -> type[errors.APIError]:
    if status in _V4_STATUS_ERRORS:
        return _V4_STATUS_ERRORS[status]
    if status >= 500:
        return errors.ServerError
    return errors.APIError
