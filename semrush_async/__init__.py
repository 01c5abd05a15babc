"""semrush-async: an asyncio-first Semrush API client with rate governance built in."""

from typing import TYPE_CHECKING, Final

from semrush_async import _compat
from semrush_async._analytics import Analytics
from semrush_async._core.governance import (
    EndpointStats,
    Limit,
    LocalGovernance,
    Strategy,
)
from semrush_async._core.harvest import Harvest, HarvestItem
from semrush_async._core.hooks import RequestEvent, ResponseEvent
from semrush_async._core.oauth import (
    FileTokenStore,
    MemoryTokenStore,
    OAuthConfig,
    OAuthTokenProvider,
    TokenSet,
    TokenStore,
)
from semrush_async._core.retry import RetryPolicy
from semrush_async._core.tokens import StaticToken, TokenProvider
from semrush_async._core.units import UnitMeter
from semrush_async._version import __version__
from semrush_async.apis.auth.resource import DevicePrompt
from semrush_async.apis.backlinks.rows import (
    AnchorRow,
    AscoreProfileRow,
    BacklinkRow,
    BacklinksOverview,
    CategoryProfileRow,
    CategoryRow,
    ComparisonRow,
    CompetitorRow,
    GeoRow,
    HistoricalRow,
    IndexedPageRow,
    MatrixRow,
    RefDomainRow,
    RefIpRow,
    TargetType,
    TldRow,
)
from semrush_async.apis.backlinks.v4 import (
    Scope,
    V4Anchor,
    V4ComparisonRow,
    V4Competitor,
    V4Link,
    V4MatrixRow,
    V4Overview,
    V4Page,
    V4RefDomain,
    V4RefIp,
    V4ScoreBucket,
    V4SummaryRow,
)
from semrush_async.apis.keywords_v4.endpoints import Intent, KeywordMetrics, SerpFeature
from semrush_async.apis.listings.models import (
    BusinessHours,
    HolidayHours,
    HolidayType,
    Location,
    LocationError,
    LocationIssue,
    LocationUpdateResult,
    TimeRange,
    UpdateState,
)
from semrush_async.apis.local.models import (
    Category,
    Coordinates,
    LocalBusinessHours,
    LocalLocation,
    LocationStatus,
    ServiceAreaPlace,
    SpecialHours,
    SpecialHoursType,
)
from semrush_async.apis.position_tracking.backend import (
    PositionTrackingBackend,
    V3PositionTracking,
)
from semrush_async.apis.position_tracking.models import (
    CampaignDates,
    CampaignLocation,
    CampaignState,
    IntentShare,
    LandingKeyword,
    LandingPage,
    LandingPagesReport,
    LandingStats,
    OverviewTier,
    PositionRow,
    TrackedKeyword,
    TrackingCampaign,
    TrackingCampaigns,
    TrackingCompetitor,
    TrackingCompetitors,
    TrackingCompetitorStats,
    TrackingLanguage,
    TrackingLocation,
    TrackingOverview,
    VisibilityPoint,
)
from semrush_async.apis.position_tracking.resource import PositionTrackingResource
from semrush_async.apis.projects.endpoints import (
    Project,
    ProjectPermissions,
    ProjectRole,
    ProjectScope,
)
from semrush_async.apis.projects.resource import ProjectsResource
from semrush_async.apis.reports import (
    COLUMNS,
    DATABASES,
    ROOT_REPORTS,
    Column,
    ColumnKind,
    Database,
    GapDomain,
    GapSign,
    GapType,
    IntentCode,
    SerpFeatureCode,
)
from semrush_async.apis.reports.methods import (
    DomainReports,
    KeywordReports,
    OverviewReports,
    SubdomainReports,
    SubfolderReports,
    UrlReports,
)
from semrush_async.apis.site_audit.backend import IssueFilter, SiteAuditBackend, V3SiteAudit
from semrush_async.apis.site_audit.models import (
    AuditInfo,
    AuditStatus,
    IssueCount,
    IssueDetection,
    IssueMeta,
    IssueRow,
    PageIssue,
    PageRef,
    PageReport,
    SnapshotRef,
    SnapshotReport,
    UserAgent,
)
from semrush_async.apis.site_audit.resource import SiteAuditResource
from semrush_async.apis.trends.quota import TrendsQuota
from semrush_async.apis.trends.resource import TrendsResource
from semrush_async.client import SemrushClient, published_limits
from semrush_async.errors import (
    AccessDenied,
    APIError,
    AuthenticationError,
    BadRequest,
    BudgetExceeded,
    CheckpointError,
    CheckpointInUse,
    Conflict,
    CreditsExhausted,
    DeviceCodeExpired,
    ErrorDetail,
    GovernanceUnavailable,
    HarvestError,
    LimitExceeded,
    LoginRequired,
    NotAvailableInV4,
    NotFound,
    OAuthError,
    PermissionDenied,
    QueueTimeout,
    RateLimited,
    ReadOnlyKey,
    RetryAfterTooLong,
    SemrushError,
    ServerError,
    SlowDown,
    TokenFileError,
    TransportError,
    UnboundedCostWarning,
    UnitsExhausted,
    ValidationError,
    WaitTimeout,
)
from semrush_async.pagination import ItemList, Pager
from semrush_async.v3.decode import row_class_name
from semrush_async.v3.filters import Filter, FilterOp
from semrush_async.v3.parquet import ParquetSink

__all__ = [
    "COLUMNS",
    "DATABASES",
    "APIError",
    "AccessDenied",
    "Analytics",
    "AnchorRow",
    "AscoreProfileRow",
    "AuditInfo",
    "AuditStatus",
    "AuthenticationError",
    "BacklinkRow",
    "BacklinksOverview",
    "BadRequest",
    "BudgetExceeded",
    "BusinessHours",
    "CampaignDates",
    "CampaignLocation",
    "CampaignState",
    "Category",
    "CategoryProfileRow",
    "CategoryRow",
    "CheckpointError",
    "CheckpointInUse",
    "Column",
    "ColumnKind",
    "ComparisonRow",
    "CompetitorRow",
    "Conflict",
    "Coordinates",
    "CreditsExhausted",
    "Database",
    "DeviceCodeExpired",
    "DevicePrompt",
    "DomainAdwordsAdwordsRow",
    "DomainAdwordsHistoricalRow",
    "DomainAdwordsRow",
    "DomainAdwordsUniqueRow",
    "DomainDomainsRow",
    "DomainOrganicOrganicRow",
    "DomainOrganicRow",
    "DomainOrganicSubdomainsRow",
    "DomainOrganicUniqueRow",
    "DomainRankHistoryRow",
    "DomainRankRow",
    "DomainRanksRow",
    "DomainReports",
    "DomainShoppingRow",
    "DomainShoppingShoppingRow",
    "DomainShoppingUniqueRow",
    "EndpointStats",
    "ErrorDetail",
    "FileTokenStore",
    "Filter",
    "FilterOp",
    "GapDomain",
    "GapSign",
    "GapType",
    "GeoRow",
    "GovernanceUnavailable",
    "Harvest",
    "HarvestError",
    "HarvestItem",
    "HistoricalRow",
    "HolidayHours",
    "HolidayType",
    "IndexedPageRow",
    "Intent",
    "IntentCode",
    "IntentShare",
    "IssueCount",
    "IssueDetection",
    "IssueFilter",
    "IssueMeta",
    "IssueRow",
    "ItemList",
    "KeywordMetrics",
    "KeywordReports",
    "LandingKeyword",
    "LandingPage",
    "LandingPagesReport",
    "LandingStats",
    "Limit",
    "LimitExceeded",
    "LocalBusinessHours",
    "LocalGovernance",
    "LocalLocation",
    "Location",
    "LocationError",
    "LocationIssue",
    "LocationStatus",
    "LocationUpdateResult",
    "LoginRequired",
    "MatrixRow",
    "MemoryTokenStore",
    "NotAvailableInV4",
    "NotFound",
    "OAuthConfig",
    "OAuthError",
    "OAuthTokenProvider",
    "OverviewReports",
    "OverviewTier",
    "PageIssue",
    "PageRef",
    "PageReport",
    "Pager",
    "ParquetSink",
    "PermissionDenied",
    "PhraseAdwordsHistoricalRow",
    "PhraseAdwordsRow",
    "PhraseAllRow",
    "PhraseFullsearchRow",
    "PhraseKdiRow",
    "PhraseOrganicRow",
    "PhraseQuestionsRow",
    "PhraseRelatedRow",
    "PhraseTheseRow",
    "PhraseThisRow",
    "PositionRow",
    "PositionTrackingBackend",
    "PositionTrackingResource",
    "Project",
    "ProjectPermissions",
    "ProjectRole",
    "ProjectScope",
    "ProjectsResource",
    "QueueTimeout",
    "RankDifferenceRow",
    "RankRow",
    "RateLimited",
    "ReadOnlyKey",
    "RefDomainRow",
    "RefIpRow",
    "RequestEvent",
    "ResponseEvent",
    "RetryAfterTooLong",
    "RetryPolicy",
    "Scope",
    "SemrushClient",
    "SemrushError",
    "SerpFeature",
    "SerpFeatureCode",
    "ServerError",
    "ServiceAreaPlace",
    "SiteAuditBackend",
    "SiteAuditResource",
    "SlowDown",
    "SnapshotRef",
    "SnapshotReport",
    "SpecialHours",
    "SpecialHoursType",
    "StaticToken",
    "Strategy",
    "SubdomainAdwordsRow",
    "SubdomainAdwordsUniqueRow",
    "SubdomainOrganicRow",
    "SubdomainOrganicUniqueRow",
    "SubdomainRankHistoryRow",
    "SubdomainRankRow",
    "SubdomainRanksRow",
    "SubdomainReports",
    "SubfolderAdwordsRow",
    "SubfolderAdwordsUniqueRow",
    "SubfolderOrganicRow",
    "SubfolderOrganicUniqueRow",
    "SubfolderRankHistoryRow",
    "SubfolderRankRow",
    "SubfolderRanksRow",
    "SubfolderReports",
    "TargetType",
    "TimeRange",
    "TldRow",
    "TokenFileError",
    "TokenProvider",
    "TokenSet",
    "TokenStore",
    "TrackedKeyword",
    "TrackingCampaign",
    "TrackingCampaigns",
    "TrackingCompetitor",
    "TrackingCompetitorStats",
    "TrackingCompetitors",
    "TrackingLanguage",
    "TrackingLocation",
    "TrackingOverview",
    "TransportError",
    "TrendsQuota",
    "TrendsResource",
    "UnboundedCostWarning",
    "UnitMeter",
    "UnitsExhausted",
    "UpdateState",
    "UrlAdwordsRow",
    "UrlOrganicRow",
    "UrlRankHistoryRow",
    "UrlRankRow",
    "UrlRanksRow",
    "UrlReports",
    "UserAgent",
    "V3PositionTracking",
    "V3SiteAudit",
    "V4Anchor",
    "V4ComparisonRow",
    "V4Competitor",
    "V4Link",
    "V4MatrixRow",
    "V4Overview",
    "V4Page",
    "V4RefDomain",
    "V4RefIp",
    "V4ScoreBucket",
    "V4SummaryRow",
    "ValidationError",
    "VisibilityPoint",
    "WaitTimeout",
    "__version__",
    "published_limits",
]

# --- Shared governance (Redis): needs the optional ``redis`` extra ---------------------
# Imported on first use (``__getattr__`` below), so that ``import semrush_async`` works
# (and stays fast) without redis-py. Not in ``__all__``: ``from semrush_async import *``
# must not need the extra.
if TYPE_CHECKING:
    from semrush_async._core.redis import RedisGovernance as RedisGovernance
    from semrush_async.apis.reports.rows import (
        DomainAdwordsAdwordsRow as DomainAdwordsAdwordsRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainAdwordsHistoricalRow as DomainAdwordsHistoricalRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainAdwordsRow as DomainAdwordsRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainAdwordsUniqueRow as DomainAdwordsUniqueRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainDomainsRow as DomainDomainsRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainOrganicOrganicRow as DomainOrganicOrganicRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainOrganicRow as DomainOrganicRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainOrganicSubdomainsRow as DomainOrganicSubdomainsRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainOrganicUniqueRow as DomainOrganicUniqueRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainRankHistoryRow as DomainRankHistoryRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainRankRow as DomainRankRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainRanksRow as DomainRanksRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainShoppingRow as DomainShoppingRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainShoppingShoppingRow as DomainShoppingShoppingRow,
    )
    from semrush_async.apis.reports.rows import (
        DomainShoppingUniqueRow as DomainShoppingUniqueRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseAdwordsHistoricalRow as PhraseAdwordsHistoricalRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseAdwordsRow as PhraseAdwordsRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseAllRow as PhraseAllRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseFullsearchRow as PhraseFullsearchRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseKdiRow as PhraseKdiRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseOrganicRow as PhraseOrganicRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseQuestionsRow as PhraseQuestionsRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseRelatedRow as PhraseRelatedRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseTheseRow as PhraseTheseRow,
    )
    from semrush_async.apis.reports.rows import (
        PhraseThisRow as PhraseThisRow,
    )
    from semrush_async.apis.reports.rows import (
        RankDifferenceRow as RankDifferenceRow,
    )
    from semrush_async.apis.reports.rows import (
        RankRow as RankRow,
    )
    from semrush_async.apis.reports.rows import (
        SubdomainAdwordsRow as SubdomainAdwordsRow,
    )
    from semrush_async.apis.reports.rows import (
        SubdomainAdwordsUniqueRow as SubdomainAdwordsUniqueRow,
    )
    from semrush_async.apis.reports.rows import (
        SubdomainOrganicRow as SubdomainOrganicRow,
    )
    from semrush_async.apis.reports.rows import (
        SubdomainOrganicUniqueRow as SubdomainOrganicUniqueRow,
    )
    from semrush_async.apis.reports.rows import (
        SubdomainRankHistoryRow as SubdomainRankHistoryRow,
    )
    from semrush_async.apis.reports.rows import (
        SubdomainRankRow as SubdomainRankRow,
    )
    from semrush_async.apis.reports.rows import (
        SubdomainRanksRow as SubdomainRanksRow,
    )
    from semrush_async.apis.reports.rows import (
        SubfolderAdwordsRow as SubfolderAdwordsRow,
    )
    from semrush_async.apis.reports.rows import (
        SubfolderAdwordsUniqueRow as SubfolderAdwordsUniqueRow,
    )
    from semrush_async.apis.reports.rows import (
        SubfolderOrganicRow as SubfolderOrganicRow,
    )
    from semrush_async.apis.reports.rows import (
        SubfolderOrganicUniqueRow as SubfolderOrganicUniqueRow,
    )
    from semrush_async.apis.reports.rows import (
        SubfolderRankHistoryRow as SubfolderRankHistoryRow,
    )
    from semrush_async.apis.reports.rows import (
        SubfolderRankRow as SubfolderRankRow,
    )
    from semrush_async.apis.reports.rows import (
        SubfolderRanksRow as SubfolderRanksRow,
    )
    from semrush_async.apis.reports.rows import (
        UrlAdwordsRow as UrlAdwordsRow,
    )
    from semrush_async.apis.reports.rows import (
        UrlOrganicRow as UrlOrganicRow,
    )
    from semrush_async.apis.reports.rows import (
        UrlRankHistoryRow as UrlRankHistoryRow,
    )
    from semrush_async.apis.reports.rows import (
        UrlRankRow as UrlRankRow,
    )
    from semrush_async.apis.reports.rows import (
        UrlRanksRow as UrlRanksRow,
    )

# --- The root reports' row classes: imported on first use ------------------------------
# 46 generated attrs classes cost about 0.3 s to build: ``semrush_async.DomainOrganicRow``
# (and the decoder, at a root report's first page) imports them when needed.
_ROOT_ROWS: Final = frozenset(row_class_name(t) for t in ROOT_REPORTS)

# Old module paths (before the one-folder-per-family layout) keep working.
_compat.install()


def _publish_one(obj: object) -> None:
    """Show ``obj`` at its public home, ``semrush_async`` (see :func:`_publish`)."""
    import inspect
    import typing

    import attrs

    if not (isinstance(obj, type) or callable(obj)):
        return
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("semrush_async."):
        return
    own = inspect.get_annotations(obj) if isinstance(obj, type) else {}
    if own:
        # Resolve string annotations while the defining module is still known:
        # get_type_hints() (cattrs, the decoders) looks names up in __module__.
        hints = typing.get_type_hints(obj)
        obj.__annotations__ = {k: hints[k] for k in own}
        if isinstance(obj, type) and attrs.has(obj):
            attrs.resolve_types(obj)
    obj.__module__ = "semrush_async"


def _publish() -> None:
    """Show every public class and function at its public home, ``semrush_async``
    (httpx does the same): reprs, tracebacks and the API reference name
    ``semrush_async.Limit``, not the private module that defines it. Pickles then
    refer to the public name too, which stays importable whatever moves inside."""
    namespace = globals()
    for name in __all__:
        if name not in _ROOT_ROWS:
            _publish_one(namespace[name])


_publish()


def __getattr__(name: str) -> object:
    if name in _ROOT_ROWS:
        from semrush_async.apis.reports import rows

        cls: object = getattr(rows, name)
        _publish_one(cls)
        globals()[name] = cls
        return cls
    if name == "RedisGovernance":
        from semrush_async._core.redis import RedisGovernance

        return RedisGovernance
    # Names the layout replaced (PRICES, DEFAULT_LIMITS) still work, with a warning.
    return _compat.deprecated_name(name)
