"""``SemrushClient``: owns the HTTP session and the one request path."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final

import aiohttp

from semrush_async._analytics import Analytics
from semrush_async._core.config import (
    DEFAULT_BASE_URL,
    DEFAULT_OAUTH_URL,
    DEFAULT_WWW_URL,
    env_or,
    token_file,
)
from semrush_async._core.governance import (
    DEFAULT_LIMITS,
    DEFAULT_SAFETY_MARGIN,
    EndpointStats,
    Governance,
    Limit,
    LocalGovernance,
)
from semrush_async._core.hooks import Hooks
from semrush_async._core.oauth import (
    FileTokenStore,
    MemoryTokenStore,
    OAuthConfig,
    OAuthTokenProvider,
    TokenStore,
)
from semrush_async._core.options import CallOptions, check_number
from semrush_async._core.redact import Redactor
from semrush_async._core.request_path import Auth, Call, Dialect, RequestPath
from semrush_async._core.retry import RetryPolicy
from semrush_async._core.sansio import Request, parse_units_balance
from semrush_async._core.session import Session
from semrush_async._core.tokens import StaticToken, TokenProvider
from semrush_async._core.transport import AiohttpTransport, SentReportingRequest
from semrush_async._core.units import UnitMeter
from semrush_async._version import __version__
from semrush_async.apis.auth import resource as _auth
from semrush_async.apis.auth.resource import AuthResource
from semrush_async.apis.backlinks import reports as backlinks_reports
from semrush_async.apis.backlinks import v4 as _backlinks_v4
from semrush_async.apis.backlinks.bridge import BridgeSource
from semrush_async.apis.backlinks.resource import BacklinksResource
from semrush_async.apis.backlinks.v4_resource import BacklinksV4Resource
from semrush_async.apis.keywords_v4 import endpoints as _keywords_v4
from semrush_async.apis.keywords_v4.resource import KeywordsV4Resource
from semrush_async.apis.listings import resource as _listings
from semrush_async.apis.listings.resource import ListingsPaths, ListingsResource
from semrush_async.apis.local import endpoints as _local
from semrush_async.apis.local.resource import LocalResource
from semrush_async.apis.map_rank import endpoints as _map_rank
from semrush_async.apis.map_rank.resource import MapRankResource
from semrush_async.apis.position_tracking import endpoints as _position_tracking
from semrush_async.apis.position_tracking.resource import PositionTrackingResource
from semrush_async.apis.projects import endpoints as _projects
from semrush_async.apis.projects.resource import ProjectsResource
from semrush_async.apis.reports import FAMILIES
from semrush_async.apis.reports.methods import (
    DomainReports,
    KeywordReports,
    OverviewReports,
    SubdomainReports,
    SubfolderReports,
    UrlReports,
)
from semrush_async.apis.site_audit import endpoints as _site_audit
from semrush_async.apis.site_audit.resource import SiteAuditResource
from semrush_async.apis.trends import reports as _trends
from semrush_async.apis.trends.resource import TrendsResource
from semrush_async.v3.pager import AnalyticsEngine
from semrush_async.v3.source import Reports, ReportSource
from semrush_async.v3.spec import ReportSpec

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_OAUTH_URL",
    "DEFAULT_WWW_URL",
    "SemrushClient",
    "published_limits",
]

#: The Analytics v3 report tables, by the client attribute that serves them (each
#: family folder exposes its table; the docs' report table is rendered from this).
V3_TABLES: Final[Mapping[str, tuple[ReportSpec, ...]]] = {
    "overview": FAMILIES["overview"],
    "domains": FAMILIES["domain"],
    "keywords": FAMILIES["keyword"],
    "subdomains": FAMILIES["subdomain"],
    "subfolders": FAMILIES["subfolder"],
    "urls": FAMILIES["url"],
    "backlinks": backlinks_reports.SPECS,
    "trends": _trends.SPECS,
}


#: The client's own governor: the unit balance endpoint (``units``) publishes no
#: limit; this polite default governs it.
_CLIENT_LIMITS: Final[Mapping[str, Limit]] = {"units": Limit(5, 1.0, concurrency=4)}

#: The governors each bound family declares on its rows (an ``Endpoint``'s ``limit=``,
#: or the family's own table), in binding order. A new limited endpoint is a row in its
#: family's table; nothing here changes.
_FAMILY_LIMITS: Final[tuple[Mapping[str, Limit], ...]] = (
    _CLIENT_LIMITS,
    _auth.LIMITS,
    _backlinks_v4.LIMITS,
    _keywords_v4.LIMITS,
    _listings.LIMITS,
    _local.LIMITS,
    _map_rank.LIMITS,
    _projects.LIMITS,
    _position_tracking.LIMITS,
    _site_audit.LIMITS,
)


def published_limits() -> dict[str, Limit]:
    """The published limit of every governor a client has: the account-wide one
    (``account``) and those each API family declares (``local.categories`` ...).

    ``SemrushClient(limits=...)`` and ``LocalGovernance(limits=...)`` override these
    by name; ``client.governor_stats()`` reports them.
    """
    out = dict(DEFAULT_LIMITS)
    for table in _FAMILY_LIMITS:
        for name, limit in table.items():
            out.setdefault(name, limit)
    return out


class SemrushClient:
    """Async Semrush API client. Use as ``async with SemrushClient() as client:``.

    One client holds one credential, one governor per endpoint and one unit meter;
    share it across every coroutine (and FastAPI request) that uses that credential.
    ``session`` lets you inject an aiohttp session, which the client leaves open
    (``proxy=``, ``trust_env=`` and ``trace_configs=`` then belong to that session).

    Arguments left out are read from the environment as the CLI reads them
    (``SEMRUSH_API_KEY``, ``SEMRUSH_V4_API_KEY``, ``SEMRUSH_BASE_URL``,
    ``SEMRUSH_OAUTH_URL``, ``SEMRUSH_WWW_URL``, ``SEMRUSH_TOKEN_FILE``). A number
    the client cannot use (``timeout=0``, ``max_retries=-1``) is refused here.
    ``client.with_options(timeout=..., max_wait=...)`` is a view with other per-call
    options over the same session, governors, meter and tokens.

    :param api_key: The Analytics (v3) API key; default ``$SEMRUSH_API_KEY``.
    :param v4_api_key: The API v4 key (Backlinks v4, Keyword v4, Projects, Map Rank,
        Local); default ``$SEMRUSH_V4_API_KEY``. Keys are version-specific.
    :param token: An OAuth access token, or a ``TokenProvider``; default: the
        tokens of ``token_store`` (``client.auth`` logs in and refreshes them).
    :param base_url: The API's address (the sandbox's in tests); default
        ``$SEMRUSH_BASE_URL``, else ``https://api.semrush.com``.
    :param oauth_url: The OAuth server's address.
    :param www_url: The address of the ``www`` endpoints (Listing Management v0).
    :param limits: Governor limits by name, overriding the published ones
        (``published_limits()`` lists them); not together with ``governance``.
    :param unit_budget: The most API units this client may spend; a call that
        would exceed it raises ``BudgetExceeded`` before it is sent.
    :param max_retries: Retries after the first attempt (when ``retry_policy`` is
        not given).
    :param timeout: Seconds one HTTP request may take.
    :param session: An aiohttp session to use (the client leaves it open).
    :param governance: The governors and unit meter: ``LocalGovernance`` (default)
        or ``RedisGovernance`` shared by several processes.
    :param safety_margin: The fraction of each published limit kept in reserve (network
        jitter is measured on top of it, up to 5% of a window).
    :param retry_policy: How faults are retried (backoff, ``Retry-After`` cap).
    :param rng: The random source of the backoff jitter (tests pass a seeded one).
    :param listings_path: The path prefix of the Listing Management endpoints.
    :param token_store: Where OAuth tokens are kept (default: in memory).
    :param oauth: The OAuth client's settings (client id, secret, refresh ahead).
    :param backlinks_api: ``"v3"`` (Analytics) or ``"v4"``: which API
        ``client.backlinks`` runs on (the same row classes).
    :param trends_budget: The most Trends quota units this client may spend (a meter
        apart from the API units, ``client.trends.units``).
    :param max_wait: The longest a call may wait in a governor's queue before it
        raises ``QueueTimeout`` (nothing sent, nothing reserved); None: no limit.
    :param proxy: A proxy URL for every request of the client's own session.
    :param trust_env: Read proxies from the environment (``HTTPS_PROXY`` ...).
    :param trace_configs: aiohttp ``TraceConfig`` objects for the client's own session.
    :param event_hooks: ``{"request": [...], "response": [...]}``: callables given a
        redacted ``RequestEvent`` or ``ResponseEvent`` (sync or async), as in httpx.
    :param log_waits_over: Governor waits longer than this many seconds are logged at
        INFO on the ``semrush_async`` logger.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        v4_api_key: str | None = None,
        token: str | TokenProvider | None = None,
        base_url: str | None = None,
        oauth_url: str | None = None,
        www_url: str | None = None,
        limits: Mapping[str, Limit] | None = None,
        unit_budget: int | None = None,
        max_retries: int = 5,
        timeout: float = 60.0,
        session: aiohttp.ClientSession | None = None,
        governance: Governance | None = None,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        retry_policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        listings_path: str | None = None,
        token_store: TokenStore | None = None,
        oauth: OAuthConfig | None = None,
        backlinks_api: str = "v3",
        trends_budget: int | None = None,
        max_wait: float | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        event_hooks: Mapping[str, Sequence[Callable[..., object]]] | None = None,
        log_waits_over: float = 1.0,
    ) -> None:
        check_number("timeout", timeout, positive=True)
        check_number("max_retries", max_retries)
        if not isinstance(max_retries, int):
            raise ValueError(f"max_retries must be an int >= 0, not {max_retries!r}")
        check_number("unit_budget", unit_budget, optional=True)
        check_number("max_wait", max_wait, optional=True)
        check_number("log_waits_over", log_waits_over)
        if not 0 <= safety_margin < 1:
            raise ValueError(f"safety_margin must be in [0, 1), not {safety_margin!r}")
        if session is not None and (proxy or trust_env or trace_configs):
            raise ValueError(
                "proxy=, trust_env= and trace_configs= configure the client's own "
                "session; set them on the injected session instead"
            )
        self._hooks = Hooks(event_hooks)
        self._proxy = proxy
        self._trust_env = trust_env
        self._trace_configs = tuple(trace_configs)
        self._log_waits_over = log_waits_over
        if backlinks_api not in ("v3", "v4"):
            raise ValueError(f"backlinks_api must be 'v3' or 'v4', not {backlinks_api!r}")
        #: Which API ``client.backlinks`` runs on: "v3" (Analytics) or "v4" (Backlinks
        #: API v4, with the v4 key; the same row classes, mapped from v4 fields).
        self.backlinks_api = backlinks_api
        self._api_key = api_key if api_key is not None else env_or("api_key", None)
        # Keys are version-specific (since 2026-07-15): a v3 key cannot call v4.
        self._v4_api_key = v4_api_key if v4_api_key is not None else env_or("v4_api_key", None)
        self.base_url = (base_url or env_or("base_url", DEFAULT_BASE_URL) or "").rstrip("/")
        self.oauth_url = (oauth_url or env_or("oauth_url", DEFAULT_OAUTH_URL) or "").rstrip("/")
        self.www_url = (www_url or env_or("www_url", DEFAULT_WWW_URL) or "").rstrip("/")
        self.timeout = timeout
        if governance is not None and limits is not None:
            raise ValueError("pass limits to the governance object, not to both")
        self.governance: Governance = (
            governance
            if governance is not None
            else LocalGovernance(limits, safety_margin=safety_margin)
        )
        # Bind every family's governors (their published limits travel with the rows
        # that declare them), then refuse overrides of names no family declared.
        for table in _FAMILY_LIMITS:
            self.governance.register(table)
        self.governance.check()
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self._redactor = Redactor(
            [self._api_key, self._v4_api_key, token if isinstance(token, str) else None]
        )
        config = oauth or OAuthConfig()
        # Known from the start, whether or not client.auth is ever built.
        self._redactor.add(config.client_secret)
        if token_store is None:
            # SEMRUSH_TOKEN_FILE: the file the CLI logs in to (none: tokens in memory).
            path = token_file(default=False)
            token_store = FileTokenStore(path) if path else MemoryTokenStore()
        provider = OAuthTokenProvider(
            token_store,
            refresh_ahead=config.refresh_ahead,
            lock=getattr(self.governance, "lock", None),
            redactor=self._redactor,
        )
        self._tokens: TokenProvider | None = (
            StaticToken(token) if isinstance(token, str) else token or provider
        )
        # A shared governance (Redis) is keyed by the account and may share the unit
        # budget too. Without an API key it must have been given credential= (OAuth-only
        # clients of different accounts must not share limits).
        bind = getattr(self.governance, "bind", None)
        if bind is not None:
            # Either key names the account; processes that use different keys (a v3
            # key here, a v4 key there) must pass the same credential= to share.
            bind(self._api_key or self._v4_api_key)
        make_meter = getattr(self.governance, "unit_meter", None)
        #: The API-unit meter: ``spent``, ``reserved``, ``remaining``, ``balance()``.
        self.units: UnitMeter = (
            make_meter(unit_budget, self._fetch_balance)
            if make_meter is not None
            else UnitMeter(unit_budget, balance_fetcher=self._fetch_balance)
        )
        # Only the v3 key can read the balance (countapiunits.html).
        self.units.balance_readable = bool(self._api_key)
        # Quotas apart from the API units, each a meter of its own (a row names the
        # meter that pays for it): the Trends plan's (trends_budget= bounds it).
        self._meters: dict[str, UnitMeter] = {_trends.METER: UnitMeter(trends_budget)}
        self._http = session
        self._owns_session = session is None
        self._rng = rng
        self._path: RequestPath | None = None
        self._closed = False
        #: The client this one is a view of (``with_options``), or None.
        self._base: SemrushClient | None = None
        #: What every resource sees of this client (no resource holds the client).
        self._session = Session(
            base_url=self.base_url,
            oauth_url=self.oauth_url,
            www_url=self.www_url,
            units=self.units,
            governance=self.governance,
            redactor=self._redactor,
            path=self._request_path,
            has_v3_key=bool(self._api_key),
            has_v4_key=bool(self._v4_api_key),
            tokens=lambda: self.tokens,
            set_tokens=self._set_tokens,
            meters=self._meters,
            options=CallOptions(max_wait=max_wait),
        )
        self._oauth_provider = provider
        self._oauth_config = config
        self._listings_path = listings_path
        # The OAuth refresh goes through client.auth (built on first use).
        provider.bind(lambda tokens: self.auth._refresh(tokens))

    # --- the API families, built on first use ------------------------------------------

    @functools.cached_property
    def auth(self) -> AuthResource:
        """OAuth 2.0 logins for API v4 (device flow, auth code, refresh)."""
        return AuthResource(self._session, self._oauth_provider, self._oauth_config)

    @functools.cached_property
    def backlinks_v4(self) -> BacklinksV4Resource:
        """Backlinks API v4 (v4 key): the successor of the v3 Backlinks reports."""
        return BacklinksV4Resource(self._session)

    @functools.cached_property
    def _v3_engine(self) -> AnalyticsEngine:
        return AnalyticsEngine(self._session)

    @functools.cached_property
    def _backlinks_source(self) -> ReportSource:
        # Chosen once, here: it serves every Backlinks entry point (client.backlinks,
        # report-by-name, both harvests and the CLI).
        if self.backlinks_api == "v3":
            return self._v3_engine
        return BridgeSource(self.backlinks_v4)

    @functools.cached_property
    def _reports(self) -> Reports:
        # Each Analytics v3 family's table bound to the source of its pages.
        reports = Reports()
        reports.bind(V3_TABLES["backlinks"], self._backlinks_source)
        reports.bind(V3_TABLES["trends"], self._v3_engine)
        for specs in FAMILIES.values():
            reports.bind(specs, self._v3_engine)
        return reports

    @functools.cached_property
    def backlinks(self) -> BacklinksResource:
        """The 15 Backlinks Analytics reports (on v3, or v4 with ``backlinks_api="v4"``)."""
        return BacklinksResource(self._session, self._backlinks_source)

    @functools.cached_property
    def trends(self) -> TrendsResource:
        """The 21 Trends API v3 reports, paid from the Trends quota (``trends.units``)."""
        return TrendsResource(self._session, self._v3_engine)

    @functools.cached_property
    def analytics(self) -> Analytics:
        """Every Analytics v3 report: ``report(type, ...)`` and ``harvest(type, ...)``."""
        return Analytics(self._session, self._reports)

    @functools.cached_property
    def overview(self) -> OverviewReports:
        """The overview reports as methods (from the report tables)."""
        return OverviewReports(self.analytics, "overview", FAMILIES["overview"])

    @functools.cached_property
    def domains(self) -> DomainReports:
        """The domain reports as methods."""
        return DomainReports(self.analytics, "domain", FAMILIES["domain"])

    @functools.cached_property
    def keywords(self) -> KeywordReports:
        """The keyword reports as methods."""
        return KeywordReports(self.analytics, "keyword", FAMILIES["keyword"])

    @functools.cached_property
    def subdomains(self) -> SubdomainReports:
        """The subdomain reports as methods."""
        return SubdomainReports(self.analytics, "subdomain", FAMILIES["subdomain"])

    @functools.cached_property
    def subfolders(self) -> SubfolderReports:
        """The subfolder reports as methods."""
        return SubfolderReports(self.analytics, "subfolder", FAMILIES["subfolder"])

    @functools.cached_property
    def urls(self) -> UrlReports:
        """The URL reports as methods."""
        return UrlReports(self.analytics, "url", FAMILIES["url"])

    @functools.cached_property
    def keywords_v4(self) -> KeywordsV4Resource:
        """Keyword API v4 (v4 key): keyword metrics."""
        return KeywordsV4Resource(self._session)

    @functools.cached_property
    def listings(self) -> ListingsResource:
        """Listing Management locations (deprecated; OAuth)."""
        paths = ListingsPaths(self._listings_path) if self._listings_path else None
        return ListingsResource(self._session, paths)

    @functools.cached_property
    def map_rank(self) -> MapRankResource:
        """Map Rank Tracker (the v4 key; the OAuth token without one)."""
        return MapRankResource(self._session)

    @functools.cached_property
    def projects(self) -> ProjectsResource:
        """Projects API v4 (v4 key; the deprecated OAuth v0 without one)."""
        return ProjectsResource(self._session)

    @functools.cached_property
    def position_tracking(self) -> PositionTrackingResource:
        """Position Tracking (API v3, the v3 key): campaigns, keywords, reports."""
        return PositionTrackingResource(self._session)

    @functools.cached_property
    def site_audit(self) -> SiteAuditResource:
        """Site Audit (API v3, the v3 key): audits, snapshots, issues, pages."""
        return SiteAuditResource(self._session)

    @functools.cached_property
    def local(self) -> LocalResource:
        """The Local API (Listing Management on /apis/v4/local/v1, API v4 key)."""
        return LocalResource(self._session)

    # --- per-call options -----------------------------------------------------------------

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        max_wait: float | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> SemrushClient:
        """A view of this client with other per-call options (None: keep this one's).

        The view shares the HTTP session, the governors, the unit meter and the
        tokens: ``await client.with_options(timeout=5).domains.domain_organic(...)``
        for one call, or keep it (``fast = client.with_options(max_wait=0.5)``).
        This client is unchanged. Closing a view closes nothing; close this client.
        """
        base = self._base or self
        options = self._session.options.merged(
            timeout=timeout,
            max_retries=max_retries,
            max_wait=max_wait,
            retry_policy=retry_policy,
            base_policy=self.retry_policy,
        )
        view = object.__new__(SemrushClient)  # not copy.copy: a client refuses pickling
        view.__dict__.update(self.__dict__)
        # Resources are cached per instance: the view builds its own over its session.
        for name in [
            k for k, v in vars(SemrushClient).items() if isinstance(v, functools.cached_property)
        ]:
            view.__dict__.pop(name, None)
        view._base = base
        view._owns_session = False
        view._session = self._session.with_options(options)
        view._session._path = base._request_path
        if options.timeout is not None:
            view.timeout = options.timeout
        if options.policy is not None:
            view.retry_policy = options.policy
        return view

    # --- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> SemrushClient:
        self._request_path()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the owned HTTP session (an injected one stays open); a view
        (``with_options``) closes nothing."""
        if self._base is not None:
            return
        self._closed = True
        if self._owns_session and self._http is not None:
            await self._http.close()
        await self.governance.aclose()

    def _request_path(self) -> RequestPath:
        if self._base is not None:
            return self._base._request_path()
        if self._path is None:
            if self._closed:
                raise RuntimeError("this SemrushClient is closed; create a new one")
            if self._http is None:
                self._http = aiohttp.ClientSession(
                    headers={"User-Agent": f"semrush-async/{__version__}"},
                    connector=aiohttp.TCPConnector(limit=100),
                    trace_configs=list(self._trace_configs) or None,
                    request_class=SentReportingRequest,
                    proxy=self._proxy,
                    trust_env=self._trust_env,
                )

            self._path = RequestPath(
                AiohttpTransport(
                    self._http, self.timeout, self._redactor, reports_sent=self._owns_session
                ),
                self.governance,
                self.units,
                self.retry_policy,
                self._redactor,
                api_key=self._api_key,
                tokens=self._tokens,
                rng=self._rng,
                v4_api_key=self._v4_api_key,
                meters=self._meters,
                hooks=self._hooks,
                log_waits_over=self._log_waits_over,
            )
        return self._path

    # --- shared helpers -------------------------------------------------------------------

    @property
    def tokens(self) -> TokenProvider | None:
        """The token provider used for API v4 requests."""
        return self._tokens if self._base is None else self._base.tokens

    @tokens.setter
    def tokens(self, provider: TokenProvider | None) -> None:
        self._set_tokens(provider)

    def _set_tokens(self, provider: TokenProvider | None) -> None:
        if self._base is not None:
            self._base._set_tokens(provider)  # a view shares its client's tokens
            return
        self._tokens = provider
        if self._path is not None:
            self._path.tokens = provider

    @property
    def has_v4_key(self) -> bool:
        """True when an API v4 key is configured (``v4_api_key=`` or SEMRUSH_V4_API_KEY)."""
        return bool(self._v4_api_key)

    def governance_limit(self, endpoint: str) -> Limit:
        """The limit the governor applies to ``endpoint``."""
        return self.governance.limits[endpoint]

    def governor_stats(self) -> dict[str, EndpointStats]:
        """Per-endpoint counters: started, waits, in flight, 429s seen."""
        return self.governance.stats()

    async def _fetch_balance(self) -> int:
        call = Call(
            "units",
            Request("GET", f"{self.www_url}/users/countapiunits.html"),
            Dialect.PLAIN,
            Auth.KEY,
        )
        response = await self._session.send(call)
        return parse_units_balance(response.body)

    def __repr__(self) -> str:
        return (
            f"<SemrushClient base_url={self.base_url!r} "
            f"api_key={'set' if self._api_key else 'unset'} "
            f"v4_api_key={'set' if self._v4_api_key else 'unset'} "
            f"token={'set' if self._tokens else 'unset'}>"
        )

    def __getstate__(self) -> Any:
        raise TypeError("SemrushClient holds a live session and cannot be pickled")
