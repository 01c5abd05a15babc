"""One exception hierarchy for everything the client raises.

Every error carries ``status`` (HTTP status or None), ``code`` (the API's own code:
an int for Analytics v3, a string such as ``"VALIDATION_ERROR"`` for v4, the OAuth
``error`` value), ``message``, ``details`` (a tuple of :class:`ErrorDetail`) and
``request_id`` where the API sent one. ``str(error)`` ends with what to do about it.

Secrets never appear in these messages: the request path redacts every text that
goes into an error (see ``semrush_async._core.redact``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs

__all__ = [
    "APIError",
    "AccessDenied",
    "AuthenticationError",
    "AuthorizationPending",
    "BadRequest",
    "BudgetExceeded",
    "CheckpointError",
    "CheckpointInUse",
    "Conflict",
    "CreditsExhausted",
    "DeviceCodeExpired",
    "ErrorDetail",
    "GovernanceUnavailable",
    "HarvestError",
    "LimitExceeded",
    "LoginRequired",
    "NotAvailableInV4",
    "NotFound",
    "OAuthError",
    "PermissionDenied",
    "QueueTimeout",
    "RateLimited",
    "ReadOnlyKey",
    "RetryAfterTooLong",
    "SemrushError",
    "ServerError",
    "SlowDown",
    "TokenFileError",
    "TransportError",
    "UnboundedCostWarning",
    "UnitsExhausted",
    "ValidationError",
    "WaitTimeout",
]


@attrs.frozen(slots=True)
class ErrorDetail:
    """One entry of an error's ``details`` list (field and index where given)."""

    code: str | None = None
    message: str | None = None
    field: str | None = None
    index: int | None = None
    extra: Any = None

    def __str__(self) -> str:
        where = ""
        if self.field is not None:
            where = self.field if self.index is None else f"{self.field}[{self.index}]"
            where += ": "
        text = self.message or ""
        if self.code:
            text = f"{self.code} {text}".strip()
        return where + text


class SemrushError(Exception):
    """Base class of every error this package raises."""

    #: What the user should do next; subclasses override it.
    hint: str = ""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        details: Sequence[ErrorDetail] = (),
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details: tuple[ErrorDetail, ...] = tuple(details)
        self.request_id = request_id
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        parts = [self.message]
        meta = []
        if self.status is not None:
            meta.append(f"HTTP {self.status}")
        if self.code is not None:
            meta.append(f"code {self.code}")
        if self.request_id:
            meta.append(f"request id {self.request_id}")
        if meta:
            parts[0] += f" ({', '.join(meta)})"
        if self.details:
            parts.append("; ".join(str(d) for d in self.details))
        if self.hint:
            parts.append(self.hint)
        return ". ".join(p.rstrip(".") for p in parts if p) + "."

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor: make errors picklable (multiprocessing, Celery).
        return (
            _rebuild,
            (type(self), self.message, self.status, self.code, self.details, self.request_id),
        )


def _rebuild(
    cls: type[SemrushError],
    message: str,
    status: int | None,
    code: int | str | None,
    details: tuple[ErrorDetail, ...],
    request_id: str | None,
) -> SemrushError:
    err = cls.__new__(cls)
    SemrushError.__init__(
        err, message, status=status, code=code, details=details, request_id=request_id
    )
    return err


class ValidationError(SemrushError, ValueError):
    """Bad input caught before anything was sent (no rate budget or units spent)."""

    hint = "Fix the input; nothing was sent to Semrush"


class NotAvailableInV4(SemrushError):
    """The v3 report (or one of its options) has no Backlinks API v4 equivalent; nothing
    was sent."""

    hint = "Use client.backlinks_v4 directly, or run this report with backlinks_api='v3'"


class BudgetExceeded(SemrushError):
    """The call could exceed the client's ``unit_budget``; nothing was sent."""

    hint = "Raise unit_budget, request fewer lines, or start a new client for a new budget"

    def __init__(self, message: str, *, needed: int = 0, available: int = 0) -> None:
        super().__init__(message)
        self.needed = needed
        self.available = available


class WaitTimeout(SemrushError, TimeoutError):
    """Waiting for a job the server runs (a Site Audit crawl) passed its ``timeout``;
    the job itself goes on."""

    hint = "Wait again (it goes on running), or pass a longer timeout="


class QueueTimeout(SemrushError, TimeoutError):
    """The call would have waited for its governor permit longer than ``max_wait``;
    nothing was sent and no units were reserved for it.

    ``endpoint`` names the governor, ``expected_wait`` how long (seconds) the call
    would have waited in all; ``retry_after`` is the same figure, rounded up, for a
    ``Retry-After`` header (a web service maps this error to 503).
    """

    hint = "Retry later, raise max_wait, or send fewer calls at once; nothing was sent"

    def __init__(self, endpoint: str, expected_wait: float, max_wait: float) -> None:
        super().__init__(
            f"{endpoint}: the call would wait about {expected_wait:.2f}s for its rate "
            f"limit, more than max_wait={max_wait:g}s"
        )
        self.endpoint = endpoint
        self.expected_wait = expected_wait
        self.max_wait = max_wait

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait before trying again (at least 1)."""
        return max(1, math.ceil(self.expected_wait))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.endpoint, self.expected_wait, self.max_wait))


class GovernanceUnavailable(SemrushError):
    """The shared governor (Redis) is unreachable; nothing was sent."""

    hint = (
        "Check Redis, or set RedisGovernance(fallback_workers=N) to fall back to a local "
        "governor at 1/N of each limit"
    )


class HarvestError(SemrushError):
    """A harvest stopped on a failure that is not one target's (its checkpoint failed,
    or an unexpected error); targets' own failures are on ``Harvest.failed`` instead."""

    hint = (
        "Pages already processed are recorded in the checkpoint; rerun with the same "
        "checkpoint to continue. Pages on error.unsaved were paid for but are in no "
        "checkpoint: keep them, or they are fetched (and paid for) again"
    )

    def __init__(self, message: str, *, unsaved: Sequence[Any] = ()) -> None:
        super().__init__(message)
        #: Pages (HarvestItem) received and paid for that were neither yielded nor
        #: saved in the checkpoint.
        self.unsaved: list[Any] = list(unsaved)
        #: Targets finished, and targets not finished, when the harvest stopped.
        self.completed: list[str] = []
        self.pending: list[str] = []


class CheckpointError(HarvestError):
    """The harvest checkpoint cannot be opened, read or written (missing directory,
    not a checkpoint, corrupt, read-only, disk full); raised before anything is sent
    when opening it fails."""

    hint = (
        "Check the checkpoint path (its directory must exist and be writable); a corrupt "
        "file can be deleted to start afresh (its progress is lost)"
    )


class CheckpointInUse(CheckpointError):
    """Another harvest, in this process or another, owns the checkpoint; nothing was sent."""

    hint = (
        "Wait for the other harvest to finish or stop it, or use another checkpoint file; "
        "two harvests on one checkpoint would both pay for every page"
    )


class TransportError(SemrushError):
    """The request did not complete: connection error, timeout or truncated body."""

    hint = "Check the network and base_url; the client already retried max_retries times"


class APIError(SemrushError):
    """Semrush answered with an error."""

    hint = "See the message and details"
    #: Seconds the server asked to wait (Retry-After), where it said.
    retry_after: float | None = None
    #: For bulk calls: the results of the batches completed before this error.
    partial: list[Any] | None = None
    #: The v4 envelope's ``error.retryable`` where the server sent it (None: not said).
    #: True makes an error retryable; False stops retries even on a 5xx.
    retryable: bool | None = None


class BadRequest(APIError):
    """The request was malformed (missing/invalid parameter, v4 VALIDATION_ERROR, 400)."""

    hint = "Check the parameters named in the details"


class AuthenticationError(APIError):
    """The API key or access token was missing, malformed or rejected."""

    hint = (
        "Check SEMRUSH_API_KEY / api_key for Analytics v3, SEMRUSH_V4_API_KEY / v4_api_key "
        "for API v4 key endpoints (keys are version-specific), or log in again "
        "(client.auth.device_login) for OAuth endpoints"
    )


class LoginRequired(AuthenticationError):
    """No usable token and no way to refresh one."""

    hint = "Log in again with client.auth.device_login()"


class TokenFileError(LoginRequired):
    """The token file cannot be read or does not hold a token set."""

    hint = (
        "Delete the file (or fix its permissions) and log in again with client.auth.device_login()"
    )


class PermissionDenied(APIError):
    """The account may not use this API, database or report (codes 130/133/135, 403)."""

    hint = "Check the subscription's API access, or contact Semrush support"


class ReadOnlyKey(PermissionDenied):
    """A read-only v4 API key tried a write (POST, PUT, PATCH or DELETE); the server said 403."""

    hint = (
        "Use a v4 API key with the 'Read and write' permission (profile > API Keys), "
        "or only read with this one"
    )


class UnitsExhausted(APIError):
    """The account's API unit balance is zero (ERROR 132)."""

    hint = "Buy more API units or wait for the balance to be topped up"


class LimitExceeded(APIError):
    """A Semrush account limit was hit (codes 30/131/134/136)."""

    hint = "Wait for the limit to reset or raise it with Semrush"


class CreditsExhausted(LimitExceeded):
    """A Map Rank Tracker collection would spend more credits than are available;
    the client refused it before sending the collect request."""

    hint = (
        "Wait for credits to reset on the 1st of the month, collect fewer keywords or "
        "points, or pass check_credits=False to let the server decide"
    )
    #: Credits the collection would spend, and credits available when checked.
    needed: int = 0
    available: int = 0

    def __init__(self, message: str, *, needed: int = 0, available: int = 0, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.needed = needed
        self.available = available


class RateLimited(LimitExceeded):
    """HTTP 429 after every retry; the endpoint's governor was paused meanwhile."""

    hint = "Lower the client's limits for this endpoint or share one client across tasks"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class RetryAfterTooLong(RateLimited):
    """The server asked to wait longer than ``max_retry_after`` (on a 429 or a 5xx:
    ``status`` says which); the client did not wait."""

    hint = "Retry later, or raise max_retry_after to let the client wait"


class NotFound(APIError):
    """The resource does not exist (404, RESOURCE_NOT_FOUND)."""

    hint = "Check the id or path"


class Conflict(APIError):
    """The resource's state conflicts with the request (409)."""

    hint = "Retry later or check the resource's state"


class ServerError(APIError):
    """Semrush failed (5xx, including 550/553/554) after every retry."""

    hint = "Retry later; the client already retried max_retries times"


class OAuthError(APIError):
    """An OAuth 2.0 error response (RFC 6749 section 5.2)."""

    hint = "Log in again with client.auth.device_login()"


class AuthorizationPending(OAuthError):
    """Device flow: the user has not approved yet (the poller keeps polling)."""


class SlowDown(OAuthError):
    """Device flow: polled too fast (the poller adds 5 s to its interval)."""


class AccessDenied(OAuthError):
    """Device flow: the user denied the request."""

    hint = "Run the login again and approve the request in the browser"


class DeviceCodeExpired(OAuthError):
    """Device flow: the device code expired before approval."""

    hint = "Run the login again and approve within the time shown"


class UnboundedCostWarning(UserWarning):
    """A call whose cost its ``limit`` cannot bound is about to run (a warning, not an
    error: it is issued before the costly part is sent).

    On Backlinks API v4, ``backlinks.tld()`` and ``backlinks.geo()`` read every
    referring domain, paid per line, and group them. ``worst_case`` is the most the
    call can cost in API units (None when unknown); with a ``unit_budget`` the call is
    refused (BudgetExceeded) when the worst case does not fit. Turn it into an error
    to refuse such calls outright:
    ``warnings.simplefilter("error", UnboundedCostWarning)``.
    """

    def __init__(self, message: str, *, worst_case: int | None = None) -> None:
        super().__init__(message)
        self.worst_case = worst_case
