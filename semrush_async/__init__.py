"""semrush-async: an asyncio-first Semrush API client with rate governance built in."""

from typing import TYPE_CHECKING

from semrush_async import _compat
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
    Column,
    ColumnKind,
    Database,
    GapDomain,
    GapSign,
    GapType,
    IntentCode,
    SerpFeatureCode,
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
from semrush_async.v3.filters import Filter, FilterOp

__all__ = [
    "COLUMNS",
    "DATABASES",
    "APIError",
    "AccessDenied",
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
    "OverviewTier",
    "PageIssue",
    "PageRef",
    "PageReport",
    "Pager",
    "PermissionDenied",
    "PositionRow",
    "PositionTrackingBackend",
    "PositionTrackingResource",
    "Project",
    "ProjectPermissions",
    "ProjectRole",
    "ProjectScope",
    "ProjectsResource",
    "QueueTimeout",
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
    "UnboundedCostWarning",
    "UnitMeter",
    "UnitsExhausted",
    "UpdateState",
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

# Old module paths (before the one-folder-per-family layout) keep working.
_compat.install()


def _publish() -> None:
    """Show every public class and function at its public home, ``semrush_async``
    (httpx does the same): reprs, tracebacks and the API reference name
    ``semrush_async.Limit``, not the private module that defines it. Pickles then
    refer to the public name too, which stays importable whatever moves inside."""
    import inspect
    import typing

    import attrs

    namespace = globals()
    for name in __all__:
        obj = namespace[name]
        if not (isinstance(obj, type) or callable(obj)):
            continue
        module = getattr(obj, "__module__", "") or ""
        if not module.startswith("semrush_async."):
            continue
        own = inspect.get_annotations(obj) if isinstance(obj, type) else {}
        if own:
            # Resolve string annotations while the defining module is still known:
            # get_type_hints() (cattrs, the decoders) looks names up in __module__.
            hints = typing.get_type_hints(obj)
            obj.__annotations__ = {k: hints[k] for k in own}
            if attrs.has(obj):
                attrs.resolve_types(obj)
        obj.__module__ = "semrush_async"


_publish()


def __getattr__(name: str) -> object:
    if name == "RedisGovernance":
        from semrush_async._core.redis import RedisGovernance

        return RedisGovernance
    # Names the layout replaced (PRICES, DEFAULT_LIMITS) still work, with a warning.
    return _compat.deprecated_name(name)
