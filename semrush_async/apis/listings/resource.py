"""``client.listings``: Listing Management v4 (GetLocations, GetLocation,
UpdateLocation, UpdateLocations)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from semrush_async._core.counts import check_counts, count_problem
from semrush_async._core.governance import Limit, Strategy
from semrush_async._core.request_path import Auth, Call, Dialect
from semrush_async._core.sansio import details_of, path_segment, v4_data, v4_request
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

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["LIMITS", "ListingsPaths", "ListingsResource"]

#: UpdateLocations takes "up to 50 locations at a time".
MAX_BULK: Final = 50


#: Listing Management's published limits (deprecated API): GetLocation(s) 20/s,
#: UpdateLocation 5/s, UpdateLocations "one such request at a time, making up to 5
#: requests per minute" (semrush-listing-management-v4.txt). Its calls take these
#: governors only.
LIMITS: Final[Mapping[str, Limit]] = {
    "listings.get_locations": Limit(20, 1.0),
    "listings.get_location": Limit(20, 1.0),
    "listings.update_location": Limit(5, 1.0),
    "listings.update_locations": Limit(5, 60.0, concurrency=1, strategy=Strategy.SLIDING_WINDOW),
}


@attrs.frozen(slots=True)
class ListingsPaths:
    """Where the endpoints live. The docs label them ``/apis/v4/`` and show examples
    on ``/apis/v4-raw/``; a successor API can be swapped in here."""

    locations: str = "/apis/v4/listing-management/v1/external/locations"

    def one(self, location_id: str) -> str:
        """The location's path; the id is validated and percent-encoded."""
        return f"{self.locations}/{path_segment(location_id, 'location id')}"


ProgressCallback = Callable[[int, int], Any]


class ListingsResource:
    """Listing Management locations (free of API units; needs an OAuth token)."""

    def __init__(self, session: Session, paths: ListingsPaths | None = None) -> None:
        self._session = session
        self.paths = paths or ListingsPaths()

    def _call(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        params: tuple[tuple[str, str], ...] = (),
        body: Any = None,
    ) -> Call:
        return Call(
            endpoint,
            v4_request(method, self._session.base_url + path, params, body),
            Dialect.V4,
            Auth.BEARER,
        )

    async def _send(self, call: Call) -> Any:
        return v4_data(await self._session.send(call))

    async def get_location(self, location_id: str) -> Location:
        """GetLocation (20/s)."""
        _check_id(location_id)
        data = await self._send(
            self._call("listings.get_location", "GET", self.paths.one(location_id))
        )
        return structure_location(data)

    async def get_locations_page(self, page: int = 1, size: int = 20) -> LocationsPage:
        """One GetLocations page (1-based)."""
        check_counts(
            "listings page",
            (count_problem("page", page, minimum=1), count_problem("size", size, minimum=1)),
        )
        data = await self._send(
            self._call(
                "listings.get_locations",
                "GET",
                self.paths.locations,
                params=(("page", str(page)), ("size", str(size))),
            )
        )
        return LocationsPage.from_data(data)

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

        async def source(pager: Pager[Location]) -> AsyncGenerator[list[Location], None]:
            first = await self.get_locations_page(1, page_size)
            pager.pages += 1
            yield list(first.content)
            pending: dict[int, asyncio.Task[LocationsPage]] = {}
            try:
                for number in range(2, first.total_pages + 1):
                    for ahead in range(number, min(first.total_pages, number + read_ahead) + 1):
                        if ahead not in pending:
                            pending[ahead] = asyncio.create_task(
                                self.get_locations_page(ahead, page_size)
                            )
                    page = await pending.pop(number)
                    pager.pages += 1
                    if page.content:
                        yield list(page.content)
            finally:
                for task in pending.values():
                    task.cancel()
                await asyncio.gather(*pending.values(), return_exceptions=True)

        return Pager(source)

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
        data = await self._send(
            self._call(
                "listings.update_location",
                "PUT",
                self.paths.one(lid),
                body=location_body(location, with_id=False),
            )
        )
        return structure_location(data)

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
                data = await self._send(
                    self._call("listings.update_locations", "PUT", self.paths.locations, body=body)
                )
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
