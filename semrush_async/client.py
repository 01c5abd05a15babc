"""``SemrushClient``: owns the HTTP session and the one request path."""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, cast

import aiohttp

from semrush_async._core.governance import (
    DEFAULT_SAFETY_MARGIN,
    EndpointStats,
    Governance,
    Limit,
    LocalGovernance,
)
from semrush_async._core.oauth import MemoryTokenStore, OAuthConfig, OAuthTokenProvider, TokenStore
from semrush_async._core.price import Price
from semrush_async._core.redact import Redactor
from semrush_async._core.request_path import Auth, Call, Dialect, RequestPath
from semrush_async._core.retry import RetryPolicy
from semrush_async._core.sansio import Request, parse_units_balance
from semrush_async._core.session import Session
from semrush_async._core.tokens import StaticToken, TokenProvider
from semrush_async._core.transport import AiohttpTransport, sent_trace
from semrush_async._core.units import PRICES, UnitMeter
from semrush_async._version import __version__
from semrush_async.apis.auth.resource import AuthResource
from semrush_async.apis.backlinks import reports as backlinks_reports
from semrush_async.apis.backlinks.bridge import BridgeSource
from semrush_async.apis.backlinks.resource import BacklinksResource
from semrush_async.apis.backlinks.v4_resource import BacklinksV4Resource
from semrush_async.apis.keywords_v4.resource import KeywordsV4Resource
from semrush_async.apis.listings.resource import ListingsPaths, ListingsResource
from semrush_async.apis.local.resource import LocalResource
from semrush_async.apis.map_rank.resource import MapRankResource
from semrush_async.apis.projects.resource import ProjectsResource
from semrush_async.apis.reports import FAMILIES
from semrush_async.v3.pager import AnalyticsEngine
from semrush_async.v3.resource import AnalyticsResource, ReportGroup
from semrush_async.v3.source import Reports, ReportSource
from semrush_async.v3.spec import ReportSpec

__all__ = ["SemrushClient"]

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
}
# Until the meter learns the prices from the rows it binds (issue 22, item 2), the
# published PRICES table lists every v3 report: the Backlinks rows join the root
# reports' here, where both families may be imported.
cast("dict[str, Price]", PRICES).update({s.type: s.price for s in backlinks_reports.SPECS})

DEFAULT_BASE_URL = "https://api.semrush.com"
DEFAULT_OAUTH_URL = "https://oauth.semrush.com"
DEFAULT_WWW_URL = "https://www.semrush.com"


class SemrushClient:
    """Async Semrush API client. Use as ``async with SemrushClient() as client:``.

    One client holds one credential, one governor per endpoint and one unit meter;
    share it across every coroutine (and FastAPI request) that uses that credential.
    ``session`` lets you inject an aiohttp session, which the client leaves open.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        v4_api_key: str | None = None,
        token: str | TokenProvider | None = None,
        base_url: str = DEFAULT_BASE_URL,
        oauth_url: str = DEFAULT_OAUTH_URL,
        www_url: str = DEFAULT_WWW_URL,
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
    ) -> None:
        if backlinks_api not in ("v3", "v4"):
            raise ValueError(f"backlinks_api must be 'v3' or 'v4', not {backlinks_api!r}")
        #: Which API ``client.backlinks`` runs on: "v3" (Analytics) or "v4" (Backlinks
        #: API v4, with the v4 key; the same row classes, mapped from v4 fields).
        self.backlinks_api = backlinks_api
        self._api_key = api_key if api_key is not None else os.environ.get("SEMRUSH_API_KEY")
        # Keys are version-specific (since 2026-07-15): a v3 key cannot call v4.
        self._v4_api_key = (
            v4_api_key if v4_api_key is not None else os.environ.get("SEMRUSH_V4_API_KEY")
        )
        self.base_url = base_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.www_url = www_url.rstrip("/")
        self.timeout = timeout
        if governance is not None and limits is not None:
            raise ValueError("pass limits to the governance object, not to both")
        self.governance: Governance = (
            governance
            if governance is not None
            else LocalGovernance(limits, safety_margin=safety_margin)
        )
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self._redactor = Redactor(
            [self._api_key, self._v4_api_key, token if isinstance(token, str) else None]
        )
        config = oauth or OAuthConfig()
        provider = OAuthTokenProvider(
            token_store if token_store is not None else MemoryTokenStore(),
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
        self._http = session
        self._owns_session = session is None
        self._rng = rng
        self._path: RequestPath | None = None
        self._closed = False
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
            tokens=lambda: self._tokens,
            set_tokens=self._set_tokens,
        )
        s = self._session
        #: OAuth 2.0 logins for API v4 (device flow, auth code, refresh).
        self.auth = AuthResource(s, provider, config)
        provider.bind(self.auth._refresh)
        #: Backlinks API v4 (v4 key): the successor of the v3 Backlinks reports.
        self.backlinks_v4 = BacklinksV4Resource(s)
        # The Analytics v3 reports: each family's table bound to the source of its
        # pages. The Backlinks source is chosen once, here, and serves every entry
        # point: client.backlinks, report-by-name, both harvests and the CLI.
        engine = AnalyticsEngine(s)
        backlinks: ReportSource = (
            engine if backlinks_api == "v3" else BridgeSource(self.backlinks_v4)
        )
        reports = Reports()
        reports.bind(V3_TABLES["backlinks"], backlinks)
        for specs in FAMILIES.values():
            reports.bind(specs, engine)
        #: Backlinks Analytics reports.
        self.backlinks = BacklinksResource(s, backlinks)
        #: Every Analytics v3 report: ``report(type, ...)`` and ``harvest(type, ...)``.
        self.analytics = AnalyticsResource(s, reports)
        #: Named Analytics v3 reports by family (methods from the report tables).
        self.overview = ReportGroup(self.analytics, "overview", FAMILIES["overview"])
        self.domains = ReportGroup(self.analytics, "domain", FAMILIES["domain"])
        self.keywords = ReportGroup(self.analytics, "keyword", FAMILIES["keyword"])
        self.subdomains = ReportGroup(self.analytics, "subdomain", FAMILIES["subdomain"])
        self.subfolders = ReportGroup(self.analytics, "subfolder", FAMILIES["subfolder"])
        self.urls = ReportGroup(self.analytics, "url", FAMILIES["url"])
        #: Keyword API v4 (v4 key): keyword metrics.
        self.keywords_v4 = KeywordsV4Resource(s)
        #: Listing Management v4 locations.
        self.listings = ListingsResource(s, ListingsPaths(listings_path) if listings_path else None)
        #: Map Rank Tracker (API v4 family, OAuth Bearer).
        self.map_rank = MapRankResource(s)
        #: Projects API v4 (v4 key; the deprecated OAuth v0 without one).
        self.projects = ProjectsResource(s)
        #: The Local API (Listing Management on /apis/v4/local/v1, API v4 key).
        self.local = LocalResource(s)

    # --- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> SemrushClient:
        self._request_path()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the owned HTTP session (an injected one stays open)."""
        self._closed = True
        if self._owns_session and self._http is not None:
            await self._http.close()
        await self.governance.aclose()

    def _request_path(self) -> RequestPath:
        if self._path is None:
            if self._closed:
                raise RuntimeError("this SemrushClient is closed; create a new one")
            if self._http is None:
                self._http = aiohttp.ClientSession(
                    headers={"User-Agent": f"semrush-async/{__version__}"},
                    connector=aiohttp.TCPConnector(limit=100),
                    trace_configs=[sent_trace()],
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
            )
        return self._path

    # --- shared helpers -------------------------------------------------------------------

    @property
    def tokens(self) -> TokenProvider | None:
        """The token provider used for API v4 requests."""
        return self._tokens

    @tokens.setter
    def tokens(self, provider: TokenProvider | None) -> None:
        self._set_tokens(provider)

    def _set_tokens(self, provider: TokenProvider | None) -> None:
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
        response = await self._request_path().send(call)
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
