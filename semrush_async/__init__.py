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
    NotFound,
    OAuthError,
    PermissionDenied,
    RateLimited,
    RetryAfterTooLong,
    SemrushError,
    ServerError,
    SlowDown,
    TokenFileError,
    TransportError,
    UnitsExhausted,
    ValidationError,
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
    "AuthenticationError",
    "BacklinkRow",
    "BacklinksOverview",
    "BadRequest",
    "BudgetExceeded",
    "BusinessHours",
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
    "IntentCode",
    "ItemList",
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
    "NotFound",
    "OAuthConfig",
    "OAuthError",
    "OAuthTokenProvider",
    "Pager",
    "PermissionDenied",
    "Project",
    "ProjectPermissions",
    "ProjectRole",
    "ProjectScope",
    "ProjectsResource",
    "RateLimited",
    "RefDomainRow",
    "RefIpRow",
    "RetryAfterTooLong",
    "RetryPolicy",
    "SemrushClient",
    "SemrushError",
    "SerpFeatureCode",
    "ServerError",
    "ServiceAreaPlace",
    "SlowDown",
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
    "TransportError",
    "UnitMeter",
    "UnitsExhausted",
    "UpdateState",
    "ValidationError",
    "__version__",
    "published_limits",
]

# --- API v4: Backlinks API v4 and Keyword API v4 ---------------------------------------
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
from semrush_async.errors import NotAvailableInV4, ReadOnlyKey, UnboundedCostWarning

__all__ += [
    "Intent",
    "KeywordMetrics",
    "NotAvailableInV4",
    "ReadOnlyKey",
    "Scope",
    "SerpFeature",
    "UnboundedCostWarning",
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
]

# --- Shared governance (Redis): needs the optional ``redis`` extra ---------------------
# Imported on first use (``__getattr__`` below), so that ``import semrush_async`` works
# (and stays fast) without redis-py. Not in ``__all__``: ``from semrush_async import *``
# must not need the extra.
if TYPE_CHECKING:
    from semrush_async._core.redis import RedisGovernance as RedisGovernance

# Old module paths (before the one-folder-per-family layout) keep working.
_compat.install()


def __getattr__(name: str) -> object:
    if name == "RedisGovernance":
        from semrush_async._core.redis import RedisGovernance

        return RedisGovernance
    # Names the layout replaced (PRICES, DEFAULT_LIMITS) still work, with a warning.
    return _compat.deprecated_name(name)
