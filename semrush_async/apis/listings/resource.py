"""``client.listings``: Listing Management v4 (GetLocations, GetLocation,
UpdateLocation, UpdateLocations)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from semrush_async._core.counts import check_counts, count_problem
from semrush_async._core.governance import Limit, Strategy
from semrush_async._core.request_path import Auth
from semrush_async._core.sansio import Envelope, details_of, path_segment
from semrush_async.apis.listings.models import (
    Location,
    LocationError,
    LocationUpdateResult,
    UpdateState,
    location_body,
    location_input,
    structure_location,
    validate_location,
    validate_locations,
)
from semrush_async.errors import APIError, ErrorDetail, ValidationError
from semrush_async.pagination import Pager
from semrush_async.v4.endpoint import Endpoint, V4Engine, limits_of
from semrush_async.v4.paging import PageNumber

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["ENDPOINTS", "LIMITS", "ListingsPaths", "ListingsResource"]

#: UpdateLocations takes "up to 50 locations at a time".
MAX_BULK: Final = 50


_LOCATIONS: Final = "/apis/v4/listing-management/v1/external/locations"

# Listing Management's published limits (deprecated API): GetLocation(s) 20/s,
# UpdateLocation 5/s, UpdateLocations "one such request at a time, making up to 5
# requests per minute" (semrush-listing-management-v4.txt). Its calls take these
# governors only. Every call needs an OAuth token.
GET_LOCATIONS: Final = Endpoint(
    "listings.get_locations",
    "GET",
    _LOCATIONS,
    Auth.BEARER,
    governor="listings.get_locations",
    limit=Limit(20, 1.0),
)
GET_LOCATION: Final = Endpoint(
    "listings.get_location",
    "GET",
    _LOCATIONS + "/{location_id}",
    Auth.BEARER,
    governor="listings.get_location",
    limit=Limit(20, 1.0),
)
UPDATE_LOCATION: Final = Endpoint(
    "listings.update_location",
    "PUT",
    _LOCATIONS + "/{location_id}",
    Auth.BEARER,
    governor="listings.update_location",
    limit=Limit(5, 1.0),
)
UPDATE_LOCATIONS: Final = Endpoint(
    "listings.update_locations",
    "PUT",
    _LOCATIONS,
    Auth.BEARER,
    governor="listings.update_locations",
    limit=Limit(5, 60.0, concurrency=1, strategy=Strategy.SLIDING_WINDOW),
)
ENDPOINTS: Final = (GET_LOCATIONS, GET_LOCATION, UPDATE_LOCATION, UPDATE_LOCATIONS)
LIMITS: Final[Mapping[str, Limit]] = limits_of(ENDPOINTS)


@attrs.frozen(slots=True)
class ListingsPaths:
    """Where the endpoints live. The docs label them ``/apis/v4/`` and show examples
    on ``/apis/v4-raw/``; a successor API can be swapped in here."""

    locations: str = _LOCATIONS

    def one(self, location_id: str) -> str:
        """The location's path; the id is validated and percent-encoded."""
        return f"{self.locations}/{path_segment(location_id, 'location id')}"


ProgressCallback = Callable[[int, int], Any]


class ListingsResource:
    """Listing Management locations (free of API units; needs an OAuth token)."""

    def __init__(self, session: Session, paths: ListingsPaths | None = None) -> None:
        self._engine = V4Engine(session)
        self.paths = paths or ListingsPaths()
        # The rows at the configured paths (a successor API can be swapped in).
        one = self.paths.locations + "/{location_id}"
        self._get_locations = attrs.evolve(GET_LOCATIONS, path=self.paths.locations)
        self._get_location = attrs.evolve(GET_LOCATION, path=one)
        self._update_location = attrs.evolve(UPDATE_LOCATION, path=one)
        self._update_locations = attrs.evolve(UPDATE_LOCATIONS, path=self.paths.locations)

    async def get_location(self, location_id: str) -> Location:
        """GetLocation (20/s)."""
        _check_id(location_id)
        page = await self._engine.send(self._get_location, path={"location_id": location_id})
        return structure_location(page.data)

    async def get_locations_page(self, page: int = 1, size: int = 20) -> LocationsPage:
        """One GetLocations page (1-based)."""
        check_counts(
            "listings page",
            (count_problem("page", page, minimum=1), count_problem("size", size, minimum=1)),
        )
        got = await self._engine.send(
            self._get_locations, params=(("page", str(page)), ("size", str(size)))
        )
        return LocationsPage.from_data(got.data)

    def locations(self, page_size: int = 20, *, read_ahead: int = 4) -> Pager[Location]:
        """Every location: ``await`` for a list or ``async for`` to stream.

        After the first page (which gives the page count), up to ``read_ahead`` later
        pages are requested at once, so iteration runs at the 20/s governor's pace
        rather than one round trip per page.
        """
        check_counts(
            "listings.locations",
            (
                count_problem("page_size", page_size, minimum=1),
                count_problem("read_ahead", read_ahead),
            ),
        )

        return self._engine.pager(
            self._get_locations,
            PageNumber(page_size, _total_elements, items_key="content", size_param="size"),
            structure_location,
            read_ahead=read_ahead,
        )

    async def update_location(self, location: Location, location_id: str | None = None) -> Location:
        """UpdateLocation (5/s): PUT on the location; absent fields keep their values."""
        location = location_input(location)
        lid = location.id if location_id is None else location_id
        if not lid:
            raise ValidationError(
                "update_location needs location.id or location_id",
                details=[ErrorDetail(field="id", message="required")],
            )
        _check_id(lid)
        problems = validate_location(location, require_id=False)
        if problems:
            raise ValidationError("invalid location", details=problems)
        page = await self._engine.send(
            self._update_location,
            path={"location_id": lid},
            body=location_body(location, with_id=False),
        )
        return structure_location(page.data)

    async def update_locations(
        self,
        locations: Iterable[Location],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[LocationUpdateResult]:
        """UpdateLocations for any number of locations, 50 per request.

        The governor keeps one request in flight and at most 5 per minute, so 1,000
        locations take about 4 minutes. A FAILED location never fails the call; its
        result carries the error. A whole-request error (e.g. 401) is raised, after the
        batches before it were applied (their results are on ``error.partial``).
        ``progress(done, total)`` is called after every batch.
        """
        locs = [location_input(loc, f"locations[{i}]") for i, loc in enumerate(locations)]
        validate_locations(locs)
        results: list[LocationUpdateResult] = []
        total = len(locs)
        for start in range(0, total, MAX_BULK):
            batch = locs[start : start + MAX_BULK]
            body = {"locations": [location_body(loc, with_id=True) for loc in batch]}
            try:
                data = (await self._engine.send(self._update_locations, body=body)).data
            except APIError as e:
                e.partial = list(results)
                raise
            results += [_update_result(item) for item in data or []]
            if progress is not None:
                outcome = progress(len(results), total)
                if asyncio.iscoroutine(outcome):
                    await outcome
        return results


@attrs.frozen(slots=True)
class LocationsPage:
    """One GetLocations page."""

    page: int
    total_elements: int
    total_pages: int
    content: tuple[Location, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LocationsPage:
        return cls(
            page=int(data.get("page", 1)),
            total_elements=int(data.get("totalElements", 0)),
            total_pages=int(data.get("totalPages", 0)),
            content=tuple(structure_location(x) for x in data.get("content") or ()),
        )


def _total_elements(page: Envelope) -> int | None:
    data = page.data if isinstance(page.data, Mapping) else {}
    total = data.get("totalElements")
    return total if isinstance(total, int) else None


def _update_result(item: Mapping[str, Any]) -> LocationUpdateResult:
    err = item.get("error")
    error = None
    if isinstance(err, Mapping):
        error = LocationError(
            code=str(err.get("code", "")),
            message=str(err.get("message", "")),
            details=details_of(err.get("details")),
        )
    return LocationUpdateResult(
        location_id=str(item.get("locationId", "")),
        state=UpdateState(item.get("state", "FAILED")),
        error=error,
    )


def _check_id(location_id: object) -> None:
    # Documented as a string only (no format): a number is refused, not stringified.
    if not isinstance(location_id, str):
        raise ValidationError(f"location id must be a string, got {location_id!r}")
    path_segment(location_id, "location id")
