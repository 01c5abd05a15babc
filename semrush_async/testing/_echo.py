"""Faults that test a client's secrecy, not its retries.

``echo``: an error body, in the endpoint's own format, that quotes every credential
the request carried (query ``key``, the ``Authorization`` value, OAuth form fields),
as servers do ("invalid api key: ..."). ``garbage``: an answer that is not HTTP, so the
client's HTTP library fails with an error whose text holds the whole URL.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

__all__ = ["balance_key_error", "credentials_of", "echo_response", "send_garbage"]

#: Request fields that hold credentials (query or form).
SECRET_FIELDS: Final = (
    "key",
    "access_token",
    "refresh_token",
    "client_secret",
    "device_code",
    "code",
)
#: A response line no HTTP parser accepts (the header value is not a number).
GARBAGE: Final = b"HTTP/1.1 200 OK\r\nContent-Length: not-a-number\r\n\r\n"


async def credentials_of(request: web.Request) -> list[str]:
    """Every credential value the request carried, in order of appearance."""
    found = [request.query[n] for n in SECRET_FIELDS if request.query.get(n)]
    _, _, value = request.headers.get("Authorization", "").partition(" ")
    if value.strip():
        found.append(value.strip())
    if request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        found += [v for n in SECRET_FIELDS if isinstance(v := form.get(n), str) and v]
    return found or ["(no credential)"]


def balance_key_error(key: str, status: int = 200) -> web.Response:
    """The live balance endpoint's answer to an unknown key: JSON, not ``ERROR 120``
    (observed 2026-09-21 [ADB]; its HTTP status was not recorded, 200 is ours)."""
    doc = {"errors": [{"field": "key", "message": f"invalid api key: {key}"}]}
    return _json(status, doc)


def echo_response(
    endpoint: str, dialect: str, found: list[str], status: int | None
) -> web.Response:
    """An error answer quoting ``found`` in ``endpoint``'s format (``status``: its
    HTTP status; None picks the format's usual one)."""
    said = ", ".join(found)
    if endpoint == "units":
        return balance_key_error(said, status or 200)
    if endpoint == "oauth":
        doc = {"error": "invalid_request", "error_description": f"invalid credentials: {said}"}
        return _json(status or 400, doc)
    if dialect == "analytics":
        status = status or 403
        if status >= 500:
            return web.Response(status=status, text=f"Internal Server Error serving {said}")
        return web.Response(status=status, text=f"ERROR 120 :: WRONG KEY - ID PAIR {said}")
    status = status or 401
    code = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN_ERROR"}.get(
        status, "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST"
    )
    details: list[Any] = [
        {"field": "Authorization", "message": f"{said} is not a valid credential", "code": said},
        {"message": {"field_violations": [{"field": "key", "description": f"got {said}"}]}},
    ]
    error = {"code": code, "message": f"credential rejected: {said}", "details": details}
    if dialect == "v4json":
        meta = {"success": False, "status_code": status, "request_id": secrets.token_hex(16)}
        return _json(status, {"meta": meta, "error": error})
    return _json(status, {"error": error, "requestId": f"echo-{said}"})


def send_garbage(request: web.Request) -> web.Response:
    """Write a broken response line straight to the socket and close it."""
    transport = request.transport
    if transport is not None:
        transport.write(GARBAGE)
        transport.close()
    return web.Response(status=500)


def _json(status: int, doc: Mapping[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(doc), content_type="application/json")
