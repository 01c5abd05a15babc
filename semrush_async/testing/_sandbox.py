"""The sandbox server object: wiring and lifecycle.

The top of ``testing``: it sets up every product, and no product imports it. What
the handlers share (:class:`SandboxState`, the keys, the envelopes) lives below, in
``_state``, ``_keys`` and ``_envelope``.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from semrush_async import Limit, MemoryTokenStore, SemrushClient
from semrush_async.testing._backlinks_v3 import setup_backlinks_v3
from semrush_async.testing._backlinks_v4 import setup_backlinks_v4
from semrush_async.testing._envelope import v4_error_response, v4_response
from semrush_async.testing._keys import STATE
from semrush_async.testing._listings import setup_listings
from semrush_async.testing._local import setup_local
from semrush_async.testing._maprank_routes import setup_maprank
from semrush_async.testing._oauth import setup_oauth
from semrush_async.testing._position_tracking import setup_position_tracking
from semrush_async.testing._projects import setup_projects
from semrush_async.testing._root_reports import setup_root_reports
from semrush_async.testing._site_audit import setup_site_audit
from semrush_async.testing._state import (
    DEFAULT_BALANCE,
    DEFAULT_KEY,
    DEFAULT_V4_KEY,
    OAUTH_ACCOUNT,
    PUBLISHED_LIMITS,
    READ_ONLY_V4_KEY,
    BalanceErrors,
    EndpointCounters,
    Fault,
    FaultKind,
    Faults,
    SandboxState,
    StrictLimits,
    V4Key,
    check_fault_kind,
    endpoint_name,
    endpoint_names,
)
from semrush_async.testing._trends import setup_trends
from semrush_async.testing._v3 import balance_handler

__all__ = [
    "DEFAULT_BALANCE",
    "DEFAULT_KEY",
    "DEFAULT_V4_KEY",
    "OAUTH_ACCOUNT",
    "READ_ONLY_V4_KEY",
    "SandboxState",
    "SemrushSandbox",
    "V4Key",
    "v4_error_response",
    "v4_response",
]

RefreshRefusal = Literal["invalid_grant", "invalid_request"]


class SemrushSandbox:
    """A local stand-in for the Semrush API, bound to 127.0.0.1.

    ``async with SemrushSandbox() as sandbox:`` starts it on a free port;
    ``sandbox.client()`` returns a :class:`~semrush_async.SemrushClient` pointed at it
    with the sandbox's key and limits. See ``docs/sandbox.md`` for what it emulates.

    ``v4_max_page``: Backlinks v4 list pages hold at most this many rows, whatever
    ``limit`` asks (``meta.limit`` says how many were served). ``v4_total=False``:
    they carry no ``meta.total``.
    Endpoint names in ``limits=`` and ``latency=`` are checked (see :attr:`endpoints`).
    ``balance_errors="json"`` answers an unknown key on the balance endpoint with the
    JSON body seen live; ``refresh_refusal="invalid_request"`` refuses a dead refresh
    token as Semrush does.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        port: int = 0,
        keys: Mapping[str, int] | None = None,
        limits: Mapping[str, Limit] | None = None,
        latency: float | Mapping[str, float] = 0.0,
        fault_rate: float = 0.0,
        fault_seed: int = 0,
        fault_kinds: tuple[FaultKind, ...] | None = None,
        retry_after: bool = True,
        token_lifetime: float = 604_800.0,
        refresh_lifetime: float = 2_592_000.0,
        locations: int = 60,
        client_options: Mapping[str, Any] | None = None,
        enforce_limits: bool = True,
        v4_max_page: int | None = None,
        v4_total: bool = True,
        trends_delimiter: str = ";",
        trends_quota: int = 10_000,
        audit_seconds: float = 60.0,
        balance_errors: BalanceErrors = "text",
        refresh_refusal: RefreshRefusal = "invalid_grant",
    ) -> None:
        faults = Faults(fault_rate, fault_seed)
        if fault_kinds is not None:
            faults.kinds = tuple(check_fault_kind(k) for k in fault_kinds)
        if balance_errors not in ("text", "json"):
            raise ValueError(f"balance_errors must be 'text' or 'json', not {balance_errors!r}")
        if refresh_refusal not in ("invalid_grant", "invalid_request"):
            raise ValueError(
                "refresh_refusal must be 'invalid_grant' or 'invalid_request', "
                f"not {refresh_refusal!r}"
            )
        self.state = SandboxState(
            seed=seed,
            balances=keys if keys is not None else {DEFAULT_KEY: DEFAULT_BALANCE},
            limits={},
            latency=0.0,
            faults=faults,
            retry_after=retry_after,
        )
        # Backlinks v4 list pages: Semrush's largest page and whether it always sends
        # meta.total are not published; these play a server that serves fewer rows
        # than asked for, or sends no total.
        self.state.v4_max_page = v4_max_page
        self.state.v4_total = v4_total
        self.state.balance_errors = balance_errors
        self._port = port
        #: Defaults for every :meth:`client` (e.g. a retry policy or safety margin).
        self.client_options = dict(client_options or {})
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.app = web.Application()
        self.app[STATE] = self.state
        self.app.router.add_get("/users/countapiunits.html", balance_handler)
        setup_backlinks_v3(self.app, self.state)
        setup_root_reports(self.app, self.state)  # the 46 root Analytics v3 reports
        setup_oauth(self.app, self.state, token_lifetime, refresh_lifetime)
        setup_listings(self.app, self.state, locations)
        setup_backlinks_v4(self.app, self.state)
        setup_maprank(self.app, self.state)
        setup_projects(self.app, self.state)
        setup_local(self.app, self.state)
        setup_trends(self.app, self.state, trends_quota, trends_delimiter)
        setup_position_tracking(self.app, self.state)
        setup_site_audit(self.app, self.state, audit_seconds)
        self.state.extensions["oauth"].refusal = refresh_refusal
        # Names are checked once every product has declared its endpoints.
        known = self.state.endpoints
        overrides = endpoint_names(limits or {}, known, what="limits", stacklevel=2)
        # enforce_limits=False: count everything, reject nothing (overhead benchmarks).
        self.limits = {**PUBLISHED_LIMITS, **overrides} if enforce_limits else {}
        #: What :meth:`client` hands the client: the overrides only (the client has
        #: the published limits itself, which the server then checks).
        self._overrides = overrides if enforce_limits else {}
        self.state.limits = StrictLimits(self.limits, retry_after=retry_after)
        if isinstance(latency, Mapping):
            latency = endpoint_names(latency, known, what="latency", stacklevel=2)
        self.state.latency = latency

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        # Comparison takes 200 targets: longer request lines than aiohttp's 8 KiB default.
        self._runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, max_line_size=65536
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SemrushSandbox:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # --- conveniences ---------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        """A valid key (the first configured one)."""
        return next(iter(self.state.initial_balances))

    @property
    def v4_api_key(self) -> str:
        """A read-and-write API v4 key of the sandbox account."""
        return DEFAULT_V4_KEY

    @property
    def read_only_v4_key(self) -> str:
        """A read-only API v4 key (writes get 403)."""
        return READ_ONLY_V4_KEY

    def client(self, **kwargs: Any) -> SemrushClient:
        """A client pointed at this sandbox (its key, URLs and limits unless overridden).

        It never touches the user's credentials: ``api_key=None`` / ``v4_api_key=None``
        mean "no key" (not the ``SEMRUSH_*`` environment variables), and tokens live in
        a memory store unless ``token_store=`` says otherwise.
        """
        kwargs = {**self.client_options, **kwargs}
        # Not the client's default (SEMRUSH_TOKEN_FILE, the user's token file).
        kwargs.setdefault("token_store", MemoryTokenStore())
        for name, default in (("api_key", self.api_key), ("v4_api_key", self.v4_api_key)):
            # "" is "no key" to the client; None would fall back to the environment.
            kwargs[name] = default if name not in kwargs else kwargs[name] or ""
        kwargs.setdefault("base_url", self.url)
        kwargs.setdefault("oauth_url", self.url)
        kwargs.setdefault("www_url", self.url)
        if "governance" not in kwargs and self._overrides:
            from semrush_async import published_limits

            # Only the limits the client has a governor for (it governs the others
            # through "account"); a server-only limit just answers 429s.
            known = published_limits()
            own = {k: v for k, v in self._overrides.items() if k in known}
            kwargs.setdefault("limits", own)
        if "token" not in kwargs and "oauth" in self.state.extensions:
            kwargs["token"] = self.state.extensions["oauth"].issue_static_token()
        return SemrushClient(**kwargs)

    @property
    def endpoints(self) -> frozenset[str]:
        """The endpoint names ``limits=``, ``latency=``, :meth:`inject` and
        :meth:`counters` accept."""
        return frozenset(self.state.endpoints)

    def counters(self, endpoint: str) -> EndpointCounters:
        """What the server saw on one endpoint (accepted, rejected, starts ...); an
        unknown name is a ValueError naming the known ones."""
        name = endpoint_name(endpoint, self.state.endpoints, what="counters", stacklevel=2)
        return self.state.limits.counters[name]

    def inject(
        self,
        endpoint: str,
        kind: FaultKind,
        *,
        times: int = 1,
        seconds: float = 1.0,
        retry_after: str | None = None,
        status: int | None = None,
    ) -> None:
        """Make the next ``times`` requests to ``endpoint`` fail with ``kind``
        (``retry_after``: a Retry-After header sent with a 5xx; ``status``: the HTTP
        status of an ``echo``)."""
        name = endpoint_name(endpoint, self.state.endpoints, what="inject", stacklevel=2)
        fault = Fault(check_fault_kind(kind), seconds, retry_after, status)
        self.state.faults.queue(name, fault, times)

    @property
    def faults_injected(self) -> list[tuple[str, FaultKind]]:
        return list(self.state.faults.injected)

    def balance(self, key: str | None = None) -> int:
        return self.state.balances[key or self.api_key]

    def set_balance(self, units: int, key: str | None = None) -> None:
        self.state.balances[key or self.api_key] = units

    def units_spent(self, key: str | None = None) -> int:
        return self.state.units_spent.get(key or self.api_key, 0)

    def reset(self) -> None:
        """Forget counters, faults, spent units and Trends quota use (balances back to
        their start)."""
        self.state.reset()

    # --- Trends quota and the Site Audit clock -------------------------------------------

    def trends_spent(self, key: str | None = None) -> int:
        """Trends quota units ``key`` spent (apart from the Standard units)."""
        return int(self.state.extensions["trends"].used.get(key or self.api_key, 0))

    def trends_remaining(self, key: str | None = None) -> int:
        """What is left of ``key``'s monthly Trends quota."""
        return int(self.state.extensions["trends"].remaining(key or self.api_key))

    def set_trends_quota(self, units: int, key: str | None = None) -> None:
        """Set ``key``'s monthly Trends quota (``monthly_limit``)."""
        self.state.extensions["trends"].quotas[key or self.api_key] = units

    def advance_audits(self, seconds: float) -> None:
        """Move the Site Audit clock on: running audits crawl, then finish."""
        self.state.extensions["site_audit"].advance(seconds)
