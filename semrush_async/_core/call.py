"""``Call``: one logical API call as the request path receives it (the request, its
wire format, its credential, and what governs, prices and settles it)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import attrs

from semrush_async._core.price import Price
from semrush_async._core.sansio import CodeTable, Request, Response

__all__ = ["Auth", "Call", "Dialect"]


class Dialect(enum.Enum):
    """Which wire format the response uses (decides error decoding)."""

    ANALYTICS = "analytics"
    V4 = "v4"
    OAUTH = "oauth"
    PLAIN = "plain"


class Auth(enum.Enum):
    """Which credential a call carries."""

    #: The Analytics v3 key, as ``key=`` in the query.
    KEY = "key"
    #: The Analytics v3 key as the last segment of the path (``.../key/<KEY>``).
    KEY_PATH = "key_path"
    #: The API v4 key, as ``Authorization: Apikey <key>`` (never in the URL).
    APIKEY = "apikey"
    #: An OAuth 2.0 access token, as ``Authorization: Bearer <token>``.
    BEARER = "bearer"
    NONE = "none"


@attrs.frozen(slots=True)
class Call:
    """One logical API call: the request plus what the path needs to govern it."""

    endpoint: str
    request: Request
    dialect: Dialect
    auth: Auth = Auth.NONE
    #: What the unit meter books the call under (``units.by_report``); default: the
    #: endpoint name.
    report: str | None = None
    #: Lines requested, for per-line prices (the worst case to reserve).
    lines: int = 0
    #: The call's price, carried by the row that made it (None: the call is free).
    price: Price | None = None
    #: False for requests that must not be repeated after they may have arrived
    #: (an OAuth code exchange, a create): no retry on transport errors or 5xx.
    idempotent: bool = True
    #: For per-line prices: how many lines a response delivered (settle to that, not
    #: to the lines requested). None: settle to ``lines``.
    lines_of: Callable[[Response], int] | None = None
    #: A second governor the call also needs (``"account"`` for a v4 method with a
    #: limit of its own); None when ``endpoint`` is the only one.
    within: str | None = None
    #: The product's error codes, applied to every error this call gets.
    codes: CodeTable = attrs.field(factory=dict, hash=False)
    #: A NotFound after an attempt that may have been applied (5xx, dropped
    #: connection) means the resource is gone: report success (a DELETE retried;
    #: ``send`` answers 204, ``stream_rows`` no rows).
    gone_ok_on_retry: bool = False
    #: The named meter that pays for the call (``RequestPath(meters=)``; a quota of
    #: its own); None: the client's unit meter.
    meter: str | None = None
    #: A CSV body's delimiter; several: sniffed from its header line (``CsvFeed``).
    delimiters: tuple[str, ...] = (";",)
    #: How the body becomes its JSON document (None: ``json.loads``); see ``Response``.
    parse: Callable[[bytes], Any] | None = attrs.field(default=None, eq=False)
