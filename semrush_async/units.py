"""API-unit prices and the client's unit meter.

Before a priced request is sent, the meter reserves its worst case (price x lines
requested, or the per-request price); when the response is in, the reservation is
settled to what was actually delivered. With a ``unit_budget``, a reservation that
could exceed it raises :class:`~semrush_async.errors.BudgetExceeded` before anything
is sent. Reservation is synchronous inside one event loop, so concurrent calls can
never overshoot the budget together.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

import attrs

from .errors import BudgetExceeded

__all__ = ["PRICES", "Price", "Reservation", "UnitMeter"]


@attrs.frozen(slots=True)
class Price:
    """``units`` per line (``per_line``) or per request."""

    units: int
    per_line: bool

    def cost(self, lines: int) -> int:
        """Units for a response of ``lines`` lines (reserve with lines requested,
        settle with lines received)."""
        return self.units * lines if self.per_line else self.units


#: Prices from the Backlinks docs ("Price: 40 API units per line" etc.).
#: Listing Management and OAuth calls cost no units.
PRICES: Final[Mapping[str, Price]] = {
    "backlinks_overview": Price(40, per_line=False),
    "backlinks": Price(40, per_line=True),
    "backlinks_refdomains": Price(40, per_line=True),
    "backlinks_refips": Price(40, per_line=True),
    "backlinks_tld": Price(40, per_line=True),
    "backlinks_geo": Price(40, per_line=True),
    "backlinks_anchors": Price(40, per_line=True),
    "backlinks_pages": Price(40, per_line=True),
    "backlinks_competitors": Price(40, per_line=True),
    "backlinks_matrix": Price(40, per_line=True),
    "backlinks_comparison": Price(40, per_line=True),
    "backlinks_ascore_profile": Price(100, per_line=False),
    "backlinks_categories_profile": Price(40, per_line=True),
    "backlinks_categories": Price(50, per_line=False),
    "backlinks_historical": Price(40, per_line=True),
}


class Reservation:
    """Units held for one request until it is settled or cancelled."""

    __slots__ = ("_done", "_meter", "report", "units")

    def __init__(self, meter: UnitMeter, report: str, units: int) -> None:
        self._meter = meter
        self.report = report
        self.units = units
        self._done = False

    def settle(self, actual: int) -> None:
        """Turn the reservation into ``actual`` spent units (never more than reserved)."""
        if self._done:
            return
        self._done = True
        self._meter._settle(self, min(actual, self.units))

    def cancel(self) -> None:
        """Release the reservation without spending anything."""
        self.settle(0)


class UnitMeter:
    """Tracks units spent and reserved by one client, against an optional budget."""

    def __init__(
        self,
        budget: int | None = None,
        *,
        balance_fetcher: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        if budget is not None and budget < 0:
            raise ValueError("unit_budget must be >= 0")
        self.budget = budget
        self._spent = 0
        self._reserved = 0
        self._by_report: dict[str, int] = {}
        self._short_pages = 0
        self._balance_fetcher = balance_fetcher
        self._balance_lock = asyncio.Lock()
        self._known: tuple[int, int, float] | None = None

    @property
    def spent(self) -> int:
        """Units spent by settled requests."""
        return self._spent

    @property
    def reserved(self) -> int:
        """Units held by requests in flight."""
        return self._reserved

    @property
    def remaining(self) -> int | None:
        """Budget left for new reservations, or None without a budget."""
        if self.budget is None:
            return None
        return self.budget - self._spent - self._reserved

    async def available(self) -> int | None:
        """Units the budget can still pay for now (a shared meter asks Redis)."""
        return self.remaining

    @property
    def by_report(self) -> dict[str, int]:
        """Units spent per report type."""
        return dict(self._by_report)

    @property
    def short_pages(self) -> int:
        """Pages that the account balance may have cut short."""
        return self._short_pages

    async def reserve(self, report: str, units: int) -> Reservation:
        """Hold ``units`` for a request or raise BudgetExceeded (nothing sent)."""
        if units < 0:
            raise ValueError("units must be >= 0")
        remaining = self.remaining
        if remaining is not None and units > remaining:
            raise BudgetExceeded(
                f"{report} could cost up to {units} API units but only {remaining} "
                f"of the unit_budget {self.budget} remain ({self._spent} spent, "
                f"{self._reserved} reserved)",
                needed=units,
                available=remaining,
            )
        self._reserved += units
        return Reservation(self, report, units)

    def _settle(self, r: Reservation, actual: int) -> None:
        self._reserved -= r.units
        self._spent += actual
        if actual:
            self._by_report[r.report] = self._by_report.get(r.report, 0) + actual

    def note_short_page(self) -> None:
        self._short_pages += 1

    async def balance(self) -> int:
        """The account's unit balance from ``{www_url}/users/countapiunits.html`` (free)."""
        if self._balance_fetcher is None:
            raise RuntimeError("this meter is not attached to a client")
        value = await self._balance_fetcher()
        self._known = (value, self._spent, time.monotonic())
        return value

    async def cached_balance(self, max_age: float) -> int:
        """The balance fetched at most ``max_age`` seconds ago, less what we spent since.

        Other clients spending from the same account make this an upper bound.
        """
        async with self._balance_lock:
            if self._known is not None:
                value, spent_then, at = self._known
                if time.monotonic() - at <= max_age:
                    return max(0, value - (self._spent - spent_then))
            return await self.balance()

    def __repr__(self) -> str:
        return f"UnitMeter(spent={self._spent}, reserved={self._reserved}, budget={self.budget})"
