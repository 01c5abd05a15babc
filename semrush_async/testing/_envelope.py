"""Response bodies every sandbox product shares: the v4 envelope, JSON, the 429s.

A leaf module: products and the shared state import it; it imports no product.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Literal

from aiohttp import web

__all__ = [
    "Dialect",
    "json_response",
    "request_id",
    "too_many",
    "v4_error_response",
    "v4_response",
]

#: "analytics": ``ERROR nn ::`` text; "v4": Listing Management's bare JSON;
#: "v4json": the ``meta`` + ``error`` envelope of current v4 products.
Dialect = Literal["analytics", "v4", "v4json"]


def request_id() -> str:
    """A fresh 32-hex request id, as v4 sends in ``meta.request_id``."""
    return os.urandom(16).hex()


def v4_response(
    data: Any, status: int = 200, *, meta: Mapping[str, Any] | None = None
) -> web.Response:
    """A v4 success: ``{"meta": {"success": true, ...}, "data": ...}``."""
    doc = {
        "meta": {
            "success": True,
            "status_code": status,
            "request_id": request_id(),
            **(meta or {}),
        },
        "data": data,
    }
    return json_response(status, doc)


def v4_error_response(
    status: int,
    code: int | str,
    message: str,
    *,
    details: Any = None,
    retryable: bool | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """A v4 error: ``{"meta": {"success": false, ...}, "error": {code, message, ...}}``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    if retryable is not None:
        error["retryable"] = retryable
    doc = {
        "meta": {"success": False, "status_code": status, "request_id": request_id()},
        "error": error,
    }
    return json_response(status, doc, headers)


def json_response(
    status: int, doc: object, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(doc),
        content_type="application/json",
        headers=dict(headers or {}),
    )


def too_many(dialect: Dialect, headers: Mapping[str, str]) -> web.Response:
    """A 429 in the dialect's format (Analytics text or the docs' v4 JSON)."""
    if dialect == "analytics":
        return web.Response(
            status=429, text="ERROR 429 :: TOO MANY REQUESTS", headers=dict(headers)
        )
    if dialect == "v4json":
        # v4 documents no rate-limit headers; Retry-After is the sandbox's courtesy
        # (turned off with retry_after=False).
        return v4_error_response(429, 429, "Too Many Requests", headers=headers)
    return json_response(429, {"code": 429, "message": "rate limit exceeded"}, headers)
