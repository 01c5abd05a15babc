"""The Trends quota: ``GET /analytics/ta/limits/key/<KEY>`` read into :class:`TrendsQuota`.

The endpoint is free and answers "your monthly API unit usage" plus legacy daily and
hourly fields that are no longer decremented [OFF-BAL, OFF-LIM]. No source shows its
body (§3.3: not found), so it is decoded tolerantly (INF): a JSON object whose
``monthly_*``, ``daily_*`` and ``hourly_*`` numbers are read when present, every
other field kept in ``extra``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Final

import attrs

from semrush_async import errors

__all__ = ["LIMITS_PATH", "TrendsQuota", "parse_quota"]

#: The balance endpoint; the v3 key is its last path segment.
LIMITS_PATH: Final = "/analytics/ta/limits/key/"

_KNOWN: Final = tuple(
    f"{period}_{what}"
    for period in ("monthly", "daily", "hourly")
    for what in ("limit", "used", "remaining")
)


@attrs.frozen(slots=True, kw_only=True)
class TrendsQuota:
    """The Trends plan's quota (requests or lines of the plan, not API units).

    ``daily_*``/``hourly_*`` are legacy fields Semrush keeps "for backward
    compatibility" and does not decrement [OFF-LIM]. None: the field was absent.
    """

    monthly_limit: int | None = None
    monthly_used: int | None = None
    monthly_remaining: int | None = None
    daily_limit: int | None = None
    daily_used: int | None = None
    daily_remaining: int | None = None
    hourly_limit: int | None = None
    hourly_used: int | None = None
    hourly_remaining: int | None = None
    #: Every other field of the answer, as sent.
    extra: Mapping[str, object] = attrs.field(factory=dict)

    @property
    def remaining(self) -> int | None:
        """What the month has left (``monthly_remaining``, else limit - used)."""
        if self.monthly_remaining is not None:
            return self.monthly_remaining
        if self.monthly_limit is not None and self.monthly_used is not None:
            return max(0, self.monthly_limit - self.monthly_used)
        return None


def _number(name: str, value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise errors.APIError(f"Trends limits: {name} is not a number: {value!r}")
    try:
        return int(float(value))
    except ValueError:
        raise errors.APIError(f"Trends limits: {name} is not a number: {value!r}") from None


def parse_quota(body: bytes, scrub: Callable[[str], str] = str) -> TrendsQuota:
    """Decode the limits answer (a JSON object; see the module docstring); ``scrub``
    masks secrets in what an error quotes of the body."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise errors.APIError(
            "Trends limits: the answer is not a JSON object; the endpoint may have "
            "changed (report it with the body's first bytes): "
            + scrub(body[:80].decode("utf-8", "replace")),
        )
    known = {k: _number(k, doc[k]) for k in _KNOWN if k in doc}
    extra = {str(k): v for k, v in doc.items() if k not in _KNOWN}
    return TrendsQuota(**known, extra=extra)
