"""The sandbox server object: state, wiring and lifecycle."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Final, Literal

import attrs
from aiohttp import web

from semrush_async import Limit, SemrushClient
from semrush_async.testing._analytics import OrderCache, analytics_handler, balance_handler
from semrush_async.testing._echo import credentials_of, echo_response, send_garbage
from semrush_async.testing._keys import STATE
from semrush_async.testing._root_reports import root_handler
from semrush_async.testing._state import (
    CURRENT_FAULT,
    PUBLISHED_LIMITS,
    EndpointCounters,
    Fault,
    FaultKind,
    Faults,
    StrictLimits,
    check_fault_kind,
    endpoint_name,
    endpoint_names,
)

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_V4_KEY",
    "READ_ONLY_V4_KEY",
    "SandboxState",
    "SemrushSandbox",
    "V4Key",
    "v4_error_response",
    "v4_response",
]

DEFAULT_KEY: Final = "sandbox-key-0000000000000000"
#: The sandbox account's API v4 keys: read-and-write, and read-only (GET only).
DEFAULT_V4_KEY: Final = "sandbox-v4-key-rw-000000000000"
READ_ONLY_V4_KEY: Final = "sandbox-v4-key-ro-000000000000"
DEFAULT_BALANCE: Final = 1_000_000_000
#: The account the sandbox's OAuth tokens belong to.
OAUTH_ACCOUNT: Final = "sandbox-account"

#: "analytics": ``ERROR nn ::`` text; "v4": Listing Management's bare JSON;
#: "v4json": the ``meta`` + ``error`` envelope of current v4 products.
Dialect = Literal["analytics", "v4", "v4json"]
BalanceErrors = Literal["text", "json"]
RefreshRefusal = Literal["invalid_grant", "invalid_request"]


@attrs.frozen
class V4Key:
    """An API v4 key of a sandbox account."""

    account: str
    read_only: bool = False


class SandboxState:
    """Everything the handlers share; one per sandbox instance."""

    def __init__(
        self,
        *,
        seed: int,
        balances: Mapping[str, int],
        limits: Mapping[str, Limit],
        latency: float | Mapping[str, float],
        faults: Faults,
        retry_after: bool,
    ) -> None:
        self.seed = seed
        self.initial_balances = dict(balances)
        self.balances = dict(balances)
        self.units_spent: dict[str, int] = {}
        self.limits = StrictLimits(limits, retry_after=retry_after)
        self.latency = latency
        self.faults = faults
        self.order_cache = OrderCache()
        self.extensions: dict[str, Any] = {}
        first = next(iter(balances), DEFAULT_KEY)
        #: v4 key -> its account (the v3 key of the same account).
        self.v4_keys: dict[str, V4Key] = {
            DEFAULT_V4_KEY: V4Key(first),
            READ_ONLY_V4_KEY: V4Key(first, read_only=True),
        }
        #: How many requests carried a v4 key in the URL (the client never should).
        self.v4_key_in_url = 0
        #: Backlinks v4 lists: most rows one page holds whatever ``limit`` asks
        #: (None: ``limit``), and whether ``meta.total`` is sent (see SemrushSandbox).
        self.v4_max_page: int | None = None
        self.v4_total = True
        #: Every endpoint name the handlers count under (``limits=``, ``latency=``,
        #: ``inject`` and ``counters`` accept these and nothing else).
        self.endpoints: set[str] = {"account", "units"}
        #: "json": an unknown key on the balance endpoint gets the JSON ``errors`` body
        #: seen live, instead of the documented-style ``ERROR 120``.
        self.balance_errors: BalanceErrors = "text"

    def declare(self, *names: str) -> None:
        """Name the endpoints a product's handlers count under (at setup)."""
        self.endpoints.update(names)

    def account_of(self, credential: str) -> str:
        """The account a credential belongs to: the account-wide limit counts per
        account, whatever mix of v3 key, v4 key and OAuth token its calls use."""
        if credential in self.v4_keys:
            return self.v4_keys[credential].account
        if credential == OAUTH_ACCOUNT:
            return next(iter(self.initial_balances), DEFAULT_KEY)
        return credential

    def latency_for(self, endpoint: str) -> float:
        if isinstance(self.latency, Mapping):
            return float(self.latency.get(endpoint, 0.0))
        return self.latency

    async def governed(
        self,
        request: web.Request,
        credential: str,
        endpoint: str,
        handler: Callable[[], Awaitable[web.StreamResponse]],
        dialect: Dialect = "analytics",
        *,
        account_wide: bool = False,
    ) -> web.StreamResponse:
        """Admit (or 429), inject a fault, add latency, run ``handler``, count.

        ``account_wide``: the request also counts against the ``account`` limit of
        the credential's account (every v4 method does, besides its own limit).
        """
        # A name no one declared could be neither limited nor inspected.
        assert endpoint in self.endpoints, f"undeclared sandbox endpoint {endpoint!r}"
        also = ("account", self.account_of(credential)) if account_wide else None
        wait = self.limits.admit(credential, endpoint, also=also)
        if wait is not None:
            headers = {"Retry-After": f"{wait:.3f}"} if self.limits.retry_after else {}
            return _too_many(dialect, headers)
        try:
            fault = self.faults.next(endpoint)
            CURRENT_FAULT.set(fault)
            if fault is not None:
                self.limits.counters[endpoint].faults += 1
                if fault.kind == "stall":
                    await asyncio.sleep(fault.seconds)
                elif fault.kind == "429":
                    return _too_many(dialect, {"Retry-After": f"{fault.seconds:g}"})
                elif fault.kind == "echo":
                    found = await credentials_of(request)
                    return echo_response(endpoint, dialect, found, fault.status)
                elif fault.kind == "garbage":
                    return send_garbage(request)
                elif fault.kind != "drop":
                    status = int(fault.kind)
                    hdrs = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    if dialect == "analytics":
                        return web.Response(
                            status=status, text="Internal Server Error", headers=hdrs
                        )
                    if dialect == "v4json":
                        return v4_error_response(
                            status, status, "Internal Server Error", headers=hdrs
                        )
                    return _json(status, {"code": status, "message": "Internal Server Error"}, hdrs)
            if (delay := self.latency_for(endpoint)) > 0:
                await asyncio.sleep(delay)
            response = await handler()
            if fault is not None and fault.kind == "drop" and isinstance(response, web.Response):
                return await self._drop_after_half(request, response)
            return response
        finally:
            self.limits.done(credential, endpoint, also=also)

    async def _drop_after_half(
        self, request: web.Request, response: web.Response
    ) -> web.StreamResponse:
        body = response.body if isinstance(response.body, bytes) else b""
        stream = web.StreamResponse(status=response.status)
        stream.content_type = response.content_type
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        self.drop_connection(request)
        return stream

    @staticmethod
    def drop_connection(request: web.Request) -> None:
        """Close the socket under a response that is still being written."""
        transport = request.transport
        if transport is not None:
            transport.abort()

    def reset(self) -> None:
        self.balances = dict(self.initial_balances)
        self.units_spent.clear()
        self.limits.reset()
        self.faults.reset()
        for extension in self.extensions.values():
            # Extensions with a meter of their own (the Trends quota) forget it too.
            hook = getattr(extension, "on_sandbox_reset", None)
            if hook is not None:
                hook()


def _too_many(dialect: Dialect, headers: Mapping[str, str]) -> web.Response:
    """A 429 in the dialect's format (Analytics text or the docs' v4 JSON)."""
    if dialect == "analytics":
        return web.Response(
            status=429, text="ERROR 429 :: TOO MANY REQUESTS", headers=dict(headers)
        )
    if dialect == "v4json":
        # v4 documents no rate-limit headers; Retry-After is the sandbox's courtesy
        # (turned off with retry_after=False).
        return v4_error_response(429, 429, "Too Many Requests", headers=headers)
    return _json(429, {"code": 429, "message": "rate limit exceeded"}, headers)


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
    return _json(status, doc)


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
    return _json(status, doc, headers)


def _json(status: int, doc: object, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(doc),
        content_type="application/json",
        headers=dict(headers or {}),
    )


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
        self.app.router.add_get("/analytics/v1/", analytics_handler)
        self.app.router.add_get("/users/countapiunits.html", balance_handler)
        self.app.router.add_get("/", root_handler)  # the 46 root Analytics v3 reports
        self._setup_extensions(token_lifetime, refresh_lifetime, locations)
        self._setup_new_families(trends_delimiter, trends_quota, audit_seconds)
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

    def _setup_new_families(self, delimiter: str, quota: int, audit_seconds: float) -> None:
        from semrush_async.testing._position_tracking import setup_position_tracking
        from semrush_async.testing._site_audit import setup_site_audit
        from semrush_async.testing._trends import setup_trends

        setup_trends(self.app, self.state, quota, delimiter)
        setup_position_tracking(self.app, self.state)
        setup_site_audit(self.app, self.state, audit_seconds)

    def _setup_extensions(
        self, token_lifetime: float, refresh_lifetime: float, locations: int
    ) -> None:
        from semrush_async.testing._backlinks_v4 import setup_backlinks_v4
        from semrush_async.testing._listings import setup_listings
        from semrush_async.testing._local import setup_local
        from semrush_async.testing._maprank import setup_maprank
        from semrush_async.testing._oauth import setup_oauth
        from semrush_async.testing._projects import setup_projects

        setup_oauth(self.app, self.state, token_lifetime, refresh_lifetime)
        setup_listings(self.app, self.state, locations)
        setup_backlinks_v4(self.app, self.state)
        setup_maprank(self.app, self.state)
        setup_projects(self.app, self.state)
        setup_local(self.app, self.state)

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
