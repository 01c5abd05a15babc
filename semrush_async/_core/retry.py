"""Retry policy: capped exponential backoff with full jitter, Retry-After parsing."""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime

import attrs

__all__ = ["RetryPolicy", "parse_retry_after"]


@attrs.frozen(slots=True)
class RetryPolicy:
    """How often and how long to retry.

    ``max_retries`` counts attempts after the first. Backoff before retry ``n``
    (0-based) is uniform in ``[0, min(cap, base * 2**n)]`` ("full jitter"), so many
    coroutines that failed together do not come back together. A Retry-After (on a
    429 or a 5xx, seconds or HTTP date) longer than ``max_retry_after`` raises
    :class:`~semrush_async.errors.RetryAfterTooLong` instead of waiting.
    """

    max_retries: int = attrs.field(default=5, validator=attrs.validators.ge(0))
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 300.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(attempt, 30)))
        return (rng or random).uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
