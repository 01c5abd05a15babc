"""semrush-async: an asyncio-first Semrush API client with rate governance built in."""

from ._retry import RetryPolicy
from ._version import __version__
from .client import SemrushClient
from .errors import (
    AccessDenied,
    APIError,
    AuthenticationError,
    BadRequest,
    BudgetExceeded,
    Conflict,
    DeviceCodeExpired,
    ErrorDetail,
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
    TransportError,
    UnitsExhausted,
    ValidationError,
)
from .governance import DEFAULT_LIMITS, EndpointStats, Limit, LocalGovernance, Strategy
from .tokens import StaticToken, TokenProvider
from .units import PRICES, UnitMeter

__all__ = [
    "DEFAULT_LIMITS",
    "PRICES",
    "APIError",
    "AccessDenied",
    "AuthenticationError",
    "BadRequest",
    "BudgetExceeded",
    "Conflict",
    "DeviceCodeExpired",
    "EndpointStats",
    "ErrorDetail",
    "Limit",
    "LimitExceeded",
    "LocalGovernance",
    "LoginRequired",
    "NotFound",
    "OAuthError",
    "PermissionDenied",
    "RateLimited",
    "RetryAfterTooLong",
    "RetryPolicy",
    "SemrushClient",
    "SemrushError",
    "ServerError",
    "SlowDown",
    "StaticToken",
    "Strategy",
    "TokenProvider",
    "TransportError",
    "UnitMeter",
    "UnitsExhausted",
    "ValidationError",
    "__version__",
]
