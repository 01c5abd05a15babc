"""Pure request building and response decoding (no I/O).

The transport moves :class:`Request` and :class:`Response` values; everything that
knows about Semrush's wire formats lives here and is tested without a network.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

import attrs

from semrush_async import errors
from semrush_async._core.redact import redact
from semrush_async._core.retry import parse_retry_after

__all__ = [
    "NOTHING_FOUND",
    "Envelope",
    "Request",
    "Response",
    "analytics_error",
    "analytics_request",
    "decode_error",
    "is_retryable_status",
    "oauth_error",
    "parse_units_balance",
    "path_segment",
    "v4_data",
    "v4_envelope",
    "v4_error",
    "v4_request",
]

NOTHING_FOUND: Final = 50
# Analytics v3 error bodies are short; a body this long cannot be one.
MAX_ERROR_BODY: Final = 4096

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
    #: How the body becomes its JSON document (default ``json.loads``): a v4 pager
    #: passes a parser that decodes a page's rows as it reads them.
    parse: Callable[[bytes], Any] | None = attrs.field(
        default=None, eq=False, repr=False, kw_only=True
    )
    _doc: Any = attrs.field(init=False, default=None, eq=False, repr=False)

    def json(self) -> Any:
        """The body parsed as JSON (parsed once: the error check, settlement and
        decoding share it)."""
        if self._doc is None:
            object.__setattr__(self, "_doc", ((self.parse or json.loads)(self.body),))
        return self._doc[0]


def is_retryable_status(status: int) -> bool:
    """429 and every 5xx (Semrush uses 550/553/554 too) are worth another attempt."""
    return status == 429 or 500 <= status <= 599


# --- Analytics API v3 ----------------------------------------------------------------


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


# --- API v4 (standard, Listing Management and bare formats) ---------------------------

_V4_STATUS_ERRORS: Final[Mapping[int, type[errors.APIError]]] = {
    400: errors.BadRequest,
    401: errors.AuthenticationError,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    409: errors.Conflict,
    429: errors.RateLimited,
}
_V4_CODE_ERRORS: Final[Mapping[str, type[errors.APIError]]] = {
    "UNAUTHORIZED": errors.AuthenticationError,
    "FORBIDDEN_ERROR": errors.PermissionDenied,
    "LIMIT_EXCEEDED_ERROR": errors.RateLimited,
    "INTERNAL_SERVER_ERROR": errors.ServerError,
    "RESOURCE_NOT_FOUND": errors.NotFound,
    "BAD_REQUEST": errors.BadRequest,
    "VALIDATION_ERROR": errors.BadRequest,
}


def request_id_of(doc: Mapping[str, Any], scrub: Scrub = redact) -> str | None:
    """The request id wherever v4 put it: ``meta.request_id``, ``requestId``, ``requested``."""
    meta = doc.get("meta")
    if isinstance(meta, Mapping) and meta.get("request_id"):
        return scrub(str(meta["request_id"]))
    for key in ("requestId", "requested", "request_id"):
        if doc.get(key):
            return scrub(str(doc[key]))
    return None


def details_of(raw: Any, scrub: Scrub = redact) -> tuple[errors.ErrorDetail, ...]:
    """Normalise v4 ``details`` (Listing Management entries or ``field_violations``)."""
    if not isinstance(raw, list):
        return ()
    out: list[errors.ErrorDetail] = []
    for item in raw:
        if not isinstance(item, Mapping):
            out.append(errors.ErrorDetail(message=scrub(str(item))))
            continue
        msg = item.get("message")
        if isinstance(msg, Mapping) and isinstance(msg.get("field_violations"), list):
            for fv in msg["field_violations"]:
                if isinstance(fv, Mapping):
                    out.append(
                        errors.ErrorDetail(
                            field=_text(fv.get("field"), scrub),
                            message=_text(fv.get("description"), scrub),
                        )
                    )
            continue
        index = item.get("index")
        # The Local API names a detail's machine code ``error_status``.
        code = item["code"] if "code" in item else item.get("error_status")
        out.append(
            errors.ErrorDetail(
                code=_text(code, scrub),
                message=_text(msg, scrub),
                field=_text(item.get("field"), scrub),
                index=int(index) if isinstance(index, int | str) and str(index).isdigit() else None,
            )
        )
    return tuple(out)


def _text(v: Any, scrub: Scrub) -> str | None:
    return None if v is None else scrub(str(v))


def _code(v: Any, scrub: Scrub) -> int | str | None:
    if isinstance(v, str):
        return scrub(v)
    return v if isinstance(v, int) else None


def _key_refused(doc: Mapping[str, Any]) -> bool:
    """A body of the form ``{"errors": [{"field": ..., "message": ...}, ...]}``, with
    no data: the balance endpoint's answer to an unknown key (observed live, with
    ``"field": "key"``; semrush-coverage-2026-12-06 §11)."""
    items = doc.get("errors")
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, Mapping) for i in items)
        and "data" not in doc
    )


def _errors_list_error(status: int, doc: Mapping[str, Any], scrub: Scrub) -> errors.APIError:
    items: list[Mapping[str, Any]] = doc["errors"]
    details = tuple(
        errors.ErrorDetail(
            code=_text(i.get("code"), scrub),
            message=_text(i.get("message"), scrub),
            field=_text(i.get("field"), scrub),
        )
        for i in items
    )
    fields = {str(i.get("field", "")).lower() for i in items}
    if status == 401 or fields & {"key", "api_key", "apikey", "token", "access_token"}:
        return errors.AuthenticationError(
            "the API key was rejected", status=status, details=details
        )
    cls = _by_status(status) if status >= 400 else errors.BadRequest
    return cls("request refused", status=status, details=details)


def v4_error(
    status: int, body: bytes, doc: Any = None, scrub: Scrub = redact
) -> errors.APIError | None:
    """Decode any documented v4 error body; None if the response is a success."""
    if doc is None:
        try:
            doc = json.loads(body) if body.strip() else {}
        except ValueError:
            doc = None
    if not isinstance(doc, Mapping):
        if 200 <= status < 300 and doc is not None:
            return None
        text = scrub(body[:200].decode("utf-8", "replace").strip())
        if 200 <= status < 300:
            return errors.APIError(f"response is not JSON: {text!r}", status=status)
        return _by_status(status)(text or f"HTTP {status}", status=status)
    rid = request_id_of(doc, scrub)
    err = doc.get("error")
    meta = doc.get("meta")
    failed = isinstance(meta, Mapping) and meta.get("success") is False
    if isinstance(err, Mapping) or (failed and not isinstance(err, str)):
        # ``meta.success: false`` is an error whatever the HTTP status says.
        body_err: Mapping[str, Any] = err if isinstance(err, Mapping) else {}
        if failed and status < 400 and isinstance(meta, Mapping):
            meta_status = meta.get("status_code")
            status = meta_status if isinstance(meta_status, int) and meta_status >= 400 else 400
        code = body_err.get("code")
        cls = _V4_CODE_ERRORS.get(str(code)) if isinstance(code, str) else None
        if cls is None:
            cls = _by_status(status)
        out = cls(
            scrub(str(body_err.get("message") or f"request failed (HTTP {status})")),
            status=status,
            code=_code(code, scrub),
            details=details_of(body_err.get("details"), scrub),
            request_id=rid,
        )
        retryable = body_err.get("retryable")
        if isinstance(retryable, bool):
            out.retryable = retryable
        return out
    if isinstance(err, str):
        return oauth_error(status, doc, scrub)
    if _key_refused(doc):
        return _errors_list_error(status, doc, scrub)
    if status >= 400:
        # Bare {"code": 401, "message": "Unauthorized"} and anything else unrecognised.
        message = scrub(str(doc.get("message") or f"HTTP {status}"))
        return _by_status(status)(
            message,
            status=status,
            code=_code(doc.get("code"), scrub),
            request_id=rid,
        )
    return None


def decode_error(response: Response, *, v4: bool, scrub: Scrub = redact) -> errors.APIError | None:
    """The error a response carries, in any documented format and whatever its HTTP
    status (None for a success); a 429 is always RateLimited, and 429/5xx errors
    carry the Retry-After the server sent. Every text taken from the response passes
    through ``scrub`` before the error is built."""
    status = response.status
    err: errors.APIError | None
    if v4:
        err = v4_error(status, response.body, _parsed(response), scrub=scrub)
    else:
        err = analytics_error(status, response.body, scrub) or _json_errors(response, scrub)
        if err is None and status >= 400:
            text = scrub(response.body[:200].decode("utf-8", "replace").strip())
            err = _by_status(status)(text or f"HTTP {status}", status=status)
    if err is None:
        return None
    if status == 429 and not isinstance(err, errors.RateLimited):
        err = errors.RateLimited(
            err.message,
            status=status,
            code=err.code,
            details=err.details,
            request_id=err.request_id,
        )
    if isinstance(err, errors.RateLimited) or is_retryable_status(status):
        err.retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return err


def _parsed(response: Response) -> Any:
    """The response's document, parsed once (None: blank or not JSON; ``v4_error``
    then reads the body itself, as before)."""
    if not response.body.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _json_errors(response: Response, scrub: Scrub) -> errors.APIError | None:
    """A v3 endpoint's JSON ``errors`` body (the balance endpoint's answer to an
    unknown key), whatever the HTTP status."""
    if response.body.lstrip()[:1] != b"{" or len(response.body) > MAX_ERROR_BODY:
        return None
    try:
        doc = response.json()
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, Mapping) or not _key_refused(doc):
        return None
    return _errors_list_error(response.status, doc, scrub)


def _by_status(status: int) -> type[errors.APIError]:
    if status in _V4_STATUS_ERRORS:
        return _V4_STATUS_ERRORS[status]
    if status >= 500:
        return errors.ServerError
    return errors.APIError


def v4_data(response: Response) -> Any:
    """Return the ``data`` member of a successful v4 response or raise its error."""
    return v4_envelope(response).data


_BAD_SEGMENT_RE = re.compile(r"[\x00-\x1f\x7f/\\?#%]|\.\.|^\.$|^\s|\s$")


def path_segment(value: str | int, what: str = "id") -> str:
    """One URL path segment, validated and percent-encoded.

    Ids go into paths; a ``/``, ``..``, ``#``, ``?``, ``%``, control character or
    surrounding space in one could address another resource, so it is refused
    before anything is sent rather than encoded into something surprising.
    """
    text = str(value)
    if not text or _BAD_SEGMENT_RE.search(text):
        raise errors.ValidationError(
            f"{what} {text!r} is not a valid id: it must be non-empty, without '/', "
            "'\\', '?', '#', '%', '..', control characters or surrounding spaces, and not "
            "'.'"
        )
    return quote(text, safe="")


def v4_request(
    method: str,
    url: str,
    params: Sequence[tuple[str, str]] = (),
    body: Any = None,
) -> Request:
    """A JSON API v4 request (the request path adds ``Authorization``)."""
    headers: tuple[tuple[str, str], ...] = (("Accept", "application/json"),)
    data = None
    if body is not None:
        try:
            # allow_nan=False: NaN and Infinity are not JSON; a server would refuse
            # them or read them as something else.
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise errors.ValidationError(
                f"the request body is not valid JSON ({e}): numbers must be finite and "
                "values JSON types"
            ) from None
        data = text.encode()
        headers += (("Content-Type", "application/json"),)
    return Request(method, url, tuple(params), headers, data)


@attrs.frozen(slots=True)
class Envelope:
    """A successful v4 response: ``data`` plus the ``meta`` object (empty if absent)."""

    data: Any
    meta: Mapping[str, Any]
    request_id: str | None


def v4_envelope(response: Response) -> Envelope:
    """Decode a v4 ``meta`` + ``data`` response, raising the error it carries."""
    if 200 <= response.status < 300 and (response.status == 204 or not response.body.strip()):
        return Envelope(None, {}, None)
    try:
        doc = response.json()
    except ValueError:
        doc = None
    err = v4_error(response.status, response.body, doc)
    if err is not None:
        raise err
    if not isinstance(doc, Mapping):
        return Envelope(doc, {}, None)
    meta = doc.get("meta")
    return Envelope(doc.get("data"), meta if isinstance(meta, Mapping) else {}, request_id_of(doc))


# --- OAuth 2.0 (RFC 6749 5.2, RFC 8628 3.5) -------------------------------------------

_OAUTH_ERRORS: Final[Mapping[str, type[errors.OAuthError]]] = {
    "authorization_pending": errors.AuthorizationPending,
    "slow_down": errors.SlowDown,
    "access_denied": errors.AccessDenied,
    "expired_token": errors.DeviceCodeExpired,
}


def oauth_error(status: int, doc: Mapping[str, Any], scrub: Scrub = redact) -> errors.OAuthError:
    code = str(doc.get("error"))
    cls = _OAUTH_ERRORS.get(code, errors.OAuthError)
    description = doc.get("error_description")
    message = scrub(f"OAuth error {code}" + (f": {description}" if description else ""))
    return cls(message, status=status, code=scrub(code))
