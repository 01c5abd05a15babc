"""API v4 (standard, Listing Management and bare formats) and OAuth 2.0 answers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

import attrs

from semrush_async import errors
from semrush_async._core.redact import redact
from semrush_async._core.sansio.messages import Request, Response, Scrub, _by_status

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
    # Every item needs a message: a success body may hold an ``errors`` list of its
    # own (Site Audit's snapshot lists the error issues it found, ``{id, count, ...}``).
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, Mapping) and "message" in i for i in items)
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
