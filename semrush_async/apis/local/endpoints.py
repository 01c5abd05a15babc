"""The Local API (``/apis/v4/local/v1``) as endpoint rows.

Governors: the four location methods with a published limit run at 10/s
(``local.locations``, ``local.get_location``, ``local.update_location``,
``local.create_location``, the last with one request in flight: a second concurrent
create is answered 429); Get Categories at 10 per minute (``local.categories``).
Delete Location was released after the limits page was last updated and has no
published limit: it runs on ``account``. Every method also counts against
``account`` (the engine chains the two).

Retries: GET, PATCH (an ``update_mask`` sets the same values again) and DELETE are
repeated after a 5xx or a dropped connection; Create Location (POST) is not: it may
have been created, and the API documents no idempotency key. 429s are always retried.
"""

from __future__ import annotations

from typing import Final

from semrush_async._core.governance import Limit, Strategy
from semrush_async._core.request_path import Auth
from semrush_async.v4.endpoint import Endpoint, limits_of
from semrush_async.v4.paging import LimitOffset

__all__ = [
    "CATEGORIES",
    "CATEGORIES_PAGE",
    "CREATE_LOCATION",
    "DELETE_LOCATION",
    "ENDPOINTS",
    "GET_LOCATION",
    "LIMITS",
    "LOCATIONS",
    "LOCATIONS_PAGE",
    "UPDATE_LOCATION",
]

BASE: Final = "/apis/v4/local/v1"

# Published limits (semrush-v4-projects-maprank-local.md, Local API): location methods
# 10/s; Create Location one at a time (a second concurrent create is answered 429); Get
# Categories 10 per minute. Delete Location has none of its own (``account`` only).
_PER_SECOND: Final = Limit(10, 1.0)

LOCATIONS: Final = Endpoint(
    "local.locations",
    "GET",
    BASE + "/locations",
    Auth.APIKEY,
    governor="local.locations",
    limit=_PER_SECOND,
)
GET_LOCATION: Final = Endpoint(
    "local.get_location",
    "GET",
    BASE + "/locations/{location_id}",
    Auth.APIKEY,
    governor="local.get_location",
    limit=_PER_SECOND,
)
CREATE_LOCATION: Final = Endpoint(
    "local.create_location",
    "POST",
    BASE + "/locations",
    Auth.APIKEY,
    governor="local.create_location",
    limit=Limit(10, 1.0, concurrency=1),
)
UPDATE_LOCATION: Final = Endpoint(
    "local.update_location",
    "PATCH",
    BASE + "/locations/{location_id}",
    Auth.APIKEY,
    governor="local.update_location",
    limit=_PER_SECOND,
)
DELETE_LOCATION: Final = Endpoint(
    "local.delete_location", "DELETE", BASE + "/locations/{location_id}", Auth.APIKEY
)
CATEGORIES: Final = Endpoint(
    "local.categories",
    "GET",
    BASE + "/categories",
    Auth.APIKEY,
    governor="local.categories",
    limit=Limit(10, 60.0, strategy=Strategy.SLIDING_WINDOW),
)

ENDPOINTS: Final = (
    LOCATIONS,
    GET_LOCATION,
    CREATE_LOCATION,
    UPDATE_LOCATION,
    DELETE_LOCATION,
    CATEGORIES,
)

#: Get Locations: at most 50 a page, no total count: stop on a short page.
LOCATIONS_PAGE: Final = LimitOffset(50, total=None)
#: Get Categories: at most 1000 a page.
CATEGORIES_PAGE: Final = LimitOffset(1000, total=None)

#: The published limits of this family's governors, from its rows (the client binds them).
LIMITS: Final = limits_of(ENDPOINTS)
