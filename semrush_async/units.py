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
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Final

from ._price import Price
from .analytics import REPORTS
from .errors import BudgetExceeded

__all__ = ["PRICES", "Price", "Reservation", "UnitMeter"]

logger: Final = logging.getLogger("semrush_async")


#: Prices of every report: the 61 Analytics v3 reports from the report tables (the
#: Backlinks docs' "Price: 40 API units per line" etc.; the root reports' live
#: per-line prices; historical ones: ``REPORTS[type].historical_price``), then API v4.
#: Listing Management and OAuth calls cost no units.
PRICES: Final[Mapping[str, Price]] = {
    **{t: s.price for t, s in REPORTS.items()},
    # Backlinks API v4 and Keyword API v4 (semrush-v4-backlinks-keywords.md §3, §5.2):
    # overview 45/request, links 45/line, summary and ref-domains 40/line, ref-ips
    # 20/line [REFMD, AE-SKILL]; keyword metrics 20/request [OFF-KW4]. The other six
    # prices are "not found": the v3 price of the same report stands in, marked.
    "v4.backlinks.overview": Price(45, per_line=False),
    "v4.backlinks.summary": Price(40, per_line=True),
    "v4.backlinks.links": Price(45, per_line=True),
    "v4.backlinks.ref_domains": Price(40, per_line=True),
    "v4.backlinks.ref_ips": Price(20, per_line=True),
    "v4.backlinks.pages": Price(40, per_line=True, known=False),
    "v4.backlinks.anchors": Price(40, per_line=True, known=False),
    "v4.backlinks.score_profile": Price(100, per_line=False, known=False),
    "v4.backlinks.competitors": Price(40, per_line=True, known=False),
    "v4.backlinks.comparison": Price(40, per_line=True, known=False),
    "v4.backlinks.matrix": Price(40, per_line=True, known=False),
    "v4.keywords.metrics": Price(20, per_line=False),
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
        self._estimated = 0
        self._known_spent = 0
        self._measured = 0
        self._short_pages = 0
        #: True when ``balance()`` works (the client has an Analytics v3 key): then
        #: calls at an unpublished price are settled from the balance (see measure()).
        self.balance_readable = False
        self._measure_lock = asyncio.Lock()
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
    def estimated(self) -> int:
        """Units in :attr:`spent` that come from estimated prices (``Price.known`` False);
        ``await balance()`` gives the account's real figure."""
        return self._estimated

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
            price = PRICES.get(r.report)
            if price is not None and not price.known:
                self._estimated += actual
            else:
                self._known_spent += actual

    @contextlib.asynccontextmanager
    async def measure(self, report: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Settle a call at an unpublished price from the account balance.

        One such call at a time: the balance is read before it, and ``settle()``
        (called once the response is in) reads it again and replaces the estimate
        this call spent by what the balance actually lost, less what this client
        spent at known prices meanwhile. Other clients spending from the same account
        at the same moment make the figure too high; a failed balance read keeps the
        estimate (logged).
        """
        async with self._measure_lock:
            try:
                before: int | None = await self.balance()
            except Exception as e:  # the estimate stands; the call itself goes on
                logger.warning("unit balance unreadable, %s stays estimated: %s", report, e)
                before = None
            known0 = self._known_spent
            estimate0 = self._by_report.get(report, 0)

            async def settle() -> None:
                if before is None:
                    return
                try:
                    after = await self.balance()
                except Exception as e:
                    logger.warning("unit balance unreadable, %s stays estimated: %s", report, e)
                    return
                measured = max(0, before - after - (self._known_spent - known0))
                estimated = self._by_report.get(report, 0) - estimate0
                self._spent += measured - estimated
                self._estimated -= estimated
                self._by_report[report] = estimate0 + measured
                self._measured += measured

            yield settle

    @property
    def measured(self) -> int:
        """Units in :attr:`spent` that were read from the balance (unpublished prices)."""
        return self._measured

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
