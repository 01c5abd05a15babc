"""The Projects error-code table, on the existing error tree.

One table for Projects and the tools that live in a project: the Projects v3 API
overview states it once for all of them [AUR projects_api_overview], Position
Tracking v3 and Site Audit v3 answer HTTP 400 ``{"code", "message"}`` with these codes
(``semrush-coverage-2026-12-06.md`` §4.1, §5.1; ``semrush-v4-projects-maprank-local.md``
§2.9), and the v4 Projects overview repeats it. Applied in one place: the request
path (``Call.codes``), from each row's ``codes=``.
"""

from __future__ import annotations

from typing import Final

from semrush_async import errors
from semrush_async._core.request_path import CodeTable

__all__ = ["CODES"]

# Keys are version-specific since 2026-07-15: the v3 tools take the v3 key, v4 the v4 key.
_KEY = (
    "Check the API key: the v4 key for API v4 (Projects v1), the v3 key for the v3 tools "
    "(Position Tracking, Site Audit); v3 and v4 keys are not interchangeable"
)

#: Projects' own error codes (70, 120-122, 130-134, 511-522) -> (error class, hint).
CODES: Final[CodeTable] = {
    70: (errors.AuthenticationError, _KEY),
    120: (errors.AuthenticationError, _KEY),
    121: (errors.AuthenticationError, _KEY),
    122: (errors.AuthenticationError, _KEY),
    130: (errors.PermissionDenied, "The plan has no API access to Projects (SEO Business)"),
    131: (errors.LimitExceeded, "The request limit was reached; wait for it to reset"),
    132: (errors.UnitsExhausted, "The API unit balance is zero; buy more units"),
    134: (errors.LimitExceeded, "The total request limit was reached; wait for it to reset"),
    511: (
        errors.BadRequest,
        "Unknown error: the message may name what was refused; otherwise ask Semrush support",
    ),
    512: (
        errors.NotFound,
        "Check the project or campaign id; client.projects.list(scope='ALL') lists the "
        "projects you can see",
    ),
    513: (errors.BadRequest, "Check the tool id"),
    515: (errors.Conflict, "The campaign already exists"),
    519: (errors.BadRequest, "A mandatory parameter is missing"),
    520: (errors.BadRequest, "Check the tag name"),
    521: (
        errors.LimitExceeded,
        "The account's projects limit is reached: delete a project or raise the limit",
    ),
    522: (errors.LimitExceeded, "The account's tracked-keywords limit is reached"),
}
