"""``client.local``: the Local API (Listing Management on ``/apis/v4/local/v1``).

Takes the API v4 key (``Authorization: Apikey``). Successor of ``client.listings``
(the deprecated OAuth Listing Management API), with new ids and snake_case fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from semrush_async.apis.local.endpoints import (
    CATEGORIES,
    CATEGORIES_PAGE,
    CREATE_LOCATION,
    DELETE_LOCATION,
    GET_LOCATION,
    LOCATIONS,
    LOCATIONS_PAGE,
    UPDATE_LOCATION,
)
from semrush_async.apis.local.models import (
    SUPPORTED_COUNTRIES,
    UPDATABLE,
    Category,
    LocalLocation,
    LocationStatus,
    check_id,
    converter,
    location_body,
    location_input,
    raise_if,
    structure_change,
    validate_changes,
    validate_location,
    wire_value,
)
from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.pagination import Pager
from semrush_async.v4.convert import structure
from semrush_async.v4.endpoint import V4Engine

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["LocalResource"]


def _flag(value: object, what: str = "validate_only") -> str:
    if not isinstance(value, bool):
        raise ValidationError(f"{what} must be True or False, got {value!r}")
    return "true" if value else "false"


def _location(data: Any) -> LocalLocation:
    return structure(converter, data, LocalLocation, "location")


def _category(data: Any) -> Category:
    return structure(converter, data, Category, "category")


class LocalResource:
    """Locations and categories of Semrush Local (no API units; Local Pro/Business)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        #: The date ``reopen_date`` must lie after (None: today, local time).
        self.today: dt.date | None = None

    @property
    def _engine(self) -> V4Engine:
        return V4Engine(self._session)

    def locations(
        self, statuses: Iterable[LocationStatus | str] | LocationStatus | str | None = None
    ) -> Pager[LocalLocation]:
        """Every location (optionally only those in ``statuses``), 50 a page."""
        params: list[tuple[str, str]] = []
        if statuses is not None:
            if not isinstance(statuses, str) and not isinstance(statuses, Iterable):
                raise ValidationError(
                    f"statuses must be a status or a list of them, got {statuses!r}; allowed: "
                    f"{', '.join(LocationStatus.__members__)}"
                )
            wanted = [statuses] if isinstance(statuses, str) else list(statuses)
            bad = [s for s in wanted if not isinstance(s, str) or not LocationStatus(s).known]
            if bad or not wanted:
                raise ValidationError(
                    f"unknown location status(es) {bad}; allowed: "
                    f"{', '.join(LocationStatus.__members__)}"
                    if bad
                    else "statuses is empty; pass None for every location, or some of "
                    f"{', '.join(LocationStatus.__members__)}"
                )
            params.append(("location_statuses", ",".join(dict.fromkeys(wanted))))
        return self._engine.pager(LOCATIONS, LOCATIONS_PAGE, _location, params=params)

    async def get_location(self, location_id: str) -> LocalLocation:
        """One location by its Local API id."""
        env = await self._engine.send(GET_LOCATION, path={"location_id": check_id(location_id)})
        return _location(env.data)

    async def create_location(
        self, location: LocalLocation | Mapping[str, Any], *, validate_only: bool = False
    ) -> LocalLocation:
        """Create a location; it comes back ``PROCESSING`` (then ``COMPLETED`` or
        ``FAILED``). ``validate_only``: the server checks it and stores nothing.

        Every documented rule is checked first; all violations are raised together.
        Not retried after a 5xx or a dropped connection (it may have been created).
        """
        flag = _flag(validate_only)
        loc = location_input(location)
        raise_if(validate_location(loc, today=self.today), "location")
        env = await self._engine.send(
            CREATE_LOCATION,
            params=[("validate_only", flag)],
            body=location_body(loc),
        )
        return _location(env.data)

    async def update_location(
        self,
        location_id: str,
        changes: Mapping[str, Any] | None = None,
        /,
        *,
        validate_only: bool = False,
        **fields: Any,
    ) -> LocalLocation:
        """Change the named fields only: ``update_location(id, city="Delta")`` or
        ``update_location(id, {"city": "Delta"})``.

        The ``update_mask`` is the set of names given; a field given as None is
        cleared; fields not named stay as they are. ``country`` cannot be updated.
        Values may be typed (``LocalBusinessHours(...)``) or plain JSON.
        """
        lid = check_id(location_id)
        flag = _flag(validate_only)
        if changes is not None and not isinstance(changes, Mapping):
            raise ValidationError(f"changes must be a mapping of field names, got {changes!r}")
        twice = sorted(set(changes or {}) & set(fields))
        if twice:
            raise ValidationError(f"field(s) {twice} given both in changes and as keywords")
        named: dict[str, Any] = {**(changes or {}), **fields}
        if not named:
            raise ValidationError(
                "name at least one field to change (a field given as None is cleared)"
            )
        typed: dict[str, Any] = {}
        bad: list[ErrorDetail] = []
        for name, value in named.items():
            if name in ("country", "location_id") or name not in UPDATABLE:
                typed[name] = value
                continue
            try:
                typed[name] = structure_change(name, value)
            except ValidationError as e:
                bad += e.details
        raise_if(bad + validate_changes(typed, today=self.today), "update")
        body = {k: wire_value(v) for k, v in typed.items() if v is not None}
        env = await self._engine.send(
            UPDATE_LOCATION,
            path={"location_id": lid},
            params=[("update_mask", ",".join(typed)), ("validate_only", flag)],
            body=body,
        )
        return _location(env.data)

    async def delete_location(self, location_id: str) -> None:
        """Delete a location (e.g. a ``FAILED`` one before creating it again).

        Retried after a 5xx or a dropped connection; when the retry finds the location
        gone, the lost attempt deleted it and the call succeeds. A location that did
        not exist at the first attempt raises :class:`~semrush_async.errors.NotFound`.
        """
        await self._engine.send(DELETE_LOCATION, path={"location_id": check_id(location_id)})

    def categories(self, country: str) -> Pager[Category]:
        """The business categories of ``country`` (upper-case code), 1000 a page.

        Get Categories allows 10 requests per minute: a big country's pages wait.
        """
        if country not in SUPPORTED_COUNTRIES:
            hint = " (codes are upper case)" if str(country).upper() in SUPPORTED_COUNTRIES else ""
            raise ValidationError(
                f"{country!r} is not a supported country{hint}; one of "
                f"{', '.join(sorted(SUPPORTED_COUNTRIES))}"
            )
        return self._engine.pager(
            CATEGORIES, CATEGORIES_PAGE, _category, params=[("country", country)]
        )
