"""Analytics API v3: request building and the ``ERROR <code> :: <MESSAGE>`` answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from semrush_async import errors
from semrush_async._core.redact import redact
from semrush_async._core.sansio.messages import MAX_ERROR_BODY, Request, Scrub


def analytics_request(
    base_url: str, params: Sequence[tuple[str, str]], path: str = "/analytics/v1/"
) -> Request:
    """Build a GET on ``{base_url}{path}`` (Backlinks: ``/analytics/v1/``; the other
    v3 reports: ``/``); the request path adds ``key``."""
    return Request("GET", base_url.rstrip("/") + path, tuple(params))


_ERROR_RE = re.compile(rb"^\s*ERROR\s+(\d+)\s*::\s*(.*?)\s*$", re.DOTALL)

_AUTH_CODES: Final = frozenset({70, 110, 120, 121, 122})
_PERMISSION_CODES: Final = frozenset({130, 133, 135})
_LIMIT_CODES: Final = frozenset({30, 131, 134, 136})


def analytics_error(status: int, body: bytes, scrub: Scrub = redact) -> errors.APIError | None:
    """Decode ``ERROR <code> :: <MESSAGE>`` (any HTTP status) into a typed error.

    Returns None when the body is not an error. ``ERROR 50 :: NOTHING FOUND`` decodes
    to a :class:`~semrush_async.errors.BadRequest` with ``code == 50``; list reports
    treat it as an empty result before this function's result is raised.
    """
    if len(body) > MAX_ERROR_BODY or body.lstrip()[:5] != b"ERROR":
        return None
    m = _ERROR_RE.match(body)
    if m is None:
        return None
    code = int(m[1])
    message = scrub(m[2].decode("utf-8", "replace"))
    kw: dict[str, Any] = {"status": status, "code": code}
    cls: type[errors.APIError]
    if code in _AUTH_CODES:
        cls = errors.AuthenticationError
    elif code in _PERMISSION_CODES:
        cls = errors.PermissionDenied
    elif code == 132:
        cls = errors.UnitsExhausted
    elif code == 429 or status == 429:
        cls = errors.RateLimited
    elif code in _LIMIT_CODES:
        cls = errors.LimitExceeded
    elif 500 <= status <= 599:
        cls = errors.ServerError
    else:
        cls = errors.BadRequest
    return cls(message, **kw)


def parse_units_balance(body: bytes) -> int:
    """Parse ``/users/countapiunits.html``'s body, e.g. ``b"1,000"`` -> 1000."""
    text = body.decode("ascii", "replace").strip()
    err = analytics_error(200, body)
    if err is not None:
        raise err
    digits = text.replace(",", "").replace(" ", "")
    if not digits.lstrip("-").isdigit():
        # Not quoted: an unexpected body may echo the key.
        raise errors.APIError(
            f"unexpected unit balance body ({len(body)} bytes, not a number like 1,000)"
        )
    return int(digits)
