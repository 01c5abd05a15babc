"""``Session``: what engines and resources may use of a client, and nothing more.

Resources are typed against this class, never against ``SemrushClient``: the client
builds one Session and hands it to every family it binds. It holds the base URLs, the
one request path (built on first use), the unit meter, the governance's limits and
the redactor. No product knowledge lives here.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncGenerator, Callable, Mapping

from semrush_async._core.csvfeed import Lines
from semrush_async._core.governance import Governance, Limit
from semrush_async._core.options import CallOptions
from semrush_async._core.redact import Redactor
from semrush_async._core.request_path import Call, RequestPath
from semrush_async._core.sansio import Response
from semrush_async._core.tokens import TokenProvider
from semrush_async._core.units import UnitMeter

__all__ = ["Session"]


class Session:
    """The client as its resources see it."""

    def __init__(
        self,
        *,
        base_url: str,
        oauth_url: str,
        www_url: str,
        units: UnitMeter,
        governance: Governance,
        redactor: Redactor,
        path: Callable[[], RequestPath],
        has_v3_key: bool,
        has_v4_key: bool,
        tokens: Callable[[], TokenProvider | None],
        set_tokens: Callable[[TokenProvider | None], None],
        meters: Mapping[str, UnitMeter] | None = None,
        options: CallOptions | None = None,
    ) -> None:
        #: The API host (``https://api.semrush.com``), the OAuth host and www.
        self.base_url = base_url
        self.oauth_url = oauth_url
        self.www_url = www_url
        #: The client's unit meter (reservations, budget, balance).
        self.units = units
        #: Meters of their own (quotas apart from the units), by name.
        self.meters: Mapping[str, UnitMeter] = meters or {}
        self.governance = governance
        self.redactor = redactor
        self._path = path
        self.has_v3_key = has_v3_key
        self.has_v4_key = has_v4_key
        self._get_tokens = tokens
        self._set_tokens = set_tokens
        #: What every call of this session overrides (a client view's options).
        self.options = options or CallOptions()

    def with_options(self, options: CallOptions) -> Session:
        """The same session (same path, meter, governance, tokens) with ``options``."""
        view = copy.copy(self)
        view.options = options
        return view

    @property
    def path(self) -> RequestPath:
        """The one request path (the HTTP session is opened on first use)."""
        return self._path()

    async def send(self, call: Call) -> Response:
        """Send one call through the request path (whole body)."""
        return await self._path().send(call, self.options)

    def stream_rows(
        self, call: Call, resume: Callable[[int], Call] | None = None
    ) -> AsyncGenerator[list[list[str]], None]:
        """Stream a CSV body's rows through the request path."""
        return self._path().stream_rows(call, resume, self.options)

    async def fetch_rows(self, call: Call) -> list[list[str]]:
        """A one-page CSV body's rows, header first, through the request path."""
        return await self._path().fetch_rows(call, self.options)

    def meter(self, name: str | None) -> UnitMeter:
        """The meter named ``name`` (a ``Call.meter``); None: the unit meter."""
        return self.units if name is None else self.meters[name]

    def stream_lines(
        self, call: Call, resume: Callable[[int], Call] | None = None
    ) -> AsyncGenerator[Lines, None]:
        """As :meth:`stream_rows`, the rows kept as bytes (for a columnar reader)."""
        return self._path().stream_lines(call, resume, self.options)

    def limit(self, governor: str) -> Limit:
        """The limit the governance applies to ``governor``."""
        return self.governance.limits[governor]

    def add_secret(self, secret: str | None) -> None:
        """Redact ``secret`` from every message, log line and error from now on."""
        self.redactor.add(secret)

    @property
    def tokens(self) -> TokenProvider | None:
        """The token provider of OAuth (Bearer) calls."""
        return self._get_tokens()

    @tokens.setter
    def tokens(self, provider: TokenProvider | None) -> None:
        self._set_tokens(provider)
