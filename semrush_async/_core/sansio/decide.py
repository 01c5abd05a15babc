"""Which error an answer carries, and how a call's own rules read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from semrush_async import errors
from semrush_async._core.redact import redact
from semrush_async._core.retry import parse_retry_after
from semrush_async._core.sansio.messages import (
    MAX_ERROR_BODY,
    CodeTable,
    Response,
    Scrub,
    _by_status,
    is_retryable_status,
)
from semrush_async._core.sansio.v3 import analytics_error
from semrush_async._core.sansio.v4 import _errors_list_error, _key_refused, v4_error


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


def int_code(code: int | str | None) -> int | None:
    """An error code as a number (v4 sends some as strings), None if it is not one."""
    if isinstance(code, int):
        return code
    return int(code) if isinstance(code, str) and code.isdigit() else None


def refine_error(
    err: errors.APIError,
    *,
    codes: CodeTable,
    method: str = "GET",
    v4_key: bool = False,
    priced_v4: bool = False,
) -> errors.APIError:
    """``err`` as the call that got it reads it: its product's ``codes`` first (a 429
    stays RateLimited); then, with the v4 key (``v4_key``), a bare 403 on a write is a
    read-only key; on a priced v4 report (``priced_v4``), a bare 403 is a unit balance
    used up."""
    code = int_code(err.code)
    rule = codes.get(code) if code is not None else None
    if rule is not None and not isinstance(err, errors.RateLimited):
        err = recode(err, *rule)
    if (
        v4_key
        and err.status == 403
        and method not in ("GET", "HEAD")
        and type(err) is errors.PermissionDenied
    ):
        # The v4 key model: read-only keys may only GET.
        err = recode(
            err,
            errors.ReadOnlyKey,
            message=f"{method} refused for this v4 API key (it may be read-only): {err.message}",
        )
    elif priced_v4 and err.status == 403 and type(err) is errors.PermissionDenied:
        # v4 reports answer a zero unit balance with a bare 403 "Forbidden"
        # (observed live, semrush-v4-backlinks-keywords.md §2.3): the same
        # situation as v3's ERROR 132.
        err = recode(
            err,
            errors.UnitsExhausted,
            message=f"{err.message} (on a priced API v4 report a 403 means the "
            "account's unit balance is used up, or the key lacks access to this API)",
        )
    return err


def recode(
    err: errors.APIError,
    cls: type[errors.APIError],
    hint: str | None = None,
    message: str | None = None,
) -> errors.APIError:
    """``err`` as another class of the tree (a product's code table, a read-only key,
    a v4 zero balance), keeping its status, code, details, request id and retry hints."""
    out = cls(
        err.message if message is None else message,
        status=err.status,
        code=err.code,
        details=err.details,
        request_id=err.request_id,
        hint=hint,
    )
    out.retryable = err.retryable
    out.retry_after = err.retry_after
    return out
