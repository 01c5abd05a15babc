"""API-unit prices and the client's unit meter.

Before a priced request is sent, the meter reserves its worst case (price x lines
requested, or the per-request price); when the response is in, the reservation is
settled to what was actually delivered (never less, even beyond the reservation).
With a ``unit_budget``, a reservation that could exceed it raises
:class:`~semrush_async.errors.BudgetExceeded` before anything is sent. Reservation is
synchronous inside one event loop, so concurrent calls can never overshoot the budget
together.

The server charges a request when its answer starts, not when the client has read
it: the request path calls :meth:`Reservation.charged` at that moment, and whatever
compares the account balance with this client's spending (a measured call, the
cached balance) counts each request by that moment, at the units it is settled at.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final

from semrush_async._core.price import Price
from semrush_async.errors import BudgetExceeded, SemrushError

__all__ = ["BALANCE_MAX_AGE", "Price", "Reservation", "UnitMeter"]

logger: Final = logging.getLogger("semrush_async")


#: How old a fetched unit balance may be when judging a short page.
BALANCE_MAX_AGE: Final = 30.0


class _Charges:
    """What the server charged this client from one moment on (a balance read).

    A request counts from the moment its answer started (:meth:`Reservation.charged`),
    at the units it is settled at, whenever that happens; ``pending`` counts those
    charged but not settled yet. ``known_only``: requests at unpublished prices do
    not count.
    """

    __slots__ = ("_then", "known_only", "open", "pending", "units")

    def __init__(self, *, known_only: bool) -> None:
        self.known_only = known_only
        self.open = True
        self.pending = 0
        self.units = 0
        self._then: Callable[[], None] | None = None

    def then(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once this is closed and every request counted in it settled."""
        self._then = fn
        self.done_if_settled()

    def done_if_settled(self) -> None:
        if not self.open and self.pending == 0 and self._then is not None:
            fn, self._then = self._then, None
            fn()


class Reservation:
    """Units held for one request until it is settled or cancelled."""

    __slots__ = ("_counted", "_done", "_meter", "known", "report", "units")

    def __init__(self, meter: UnitMeter, report: str, units: int, known: bool = True) -> None:
        self._meter = meter
        self.report = report
        self.units = units
        #: False for a price no source publishes (an estimate, settled from the balance).
        self.known = known
        self._done = False
        #: Where the server's charge for it was counted (None: not charged yet).
        self._counted: tuple[_Charges, ...] | None = None

    def charged(self) -> None:
        """The server charged this request: its answer started (the request path
        calls this once, at that moment)."""
        if not self._done and self._counted is None:
            self._counted = self._meter._count_charge(self)

    def settle(self, actual: int) -> None:
        """Turn the reservation into ``actual`` spent units: what the answer cost,
        even beyond the reservation (the server charged it; a budget is told the truth)."""
        if self._done:
            return
        self._done = True
        if actual > self.units:
            logger.warning(
                "%s cost %d API units, more than the %d reserved for it: the answer "
                "held more lines than the request could ask for",
                self.report,
                actual,
                self.units,
            )
        self._meter._settle(self, actual)

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
        self._measured = 0
        self._short_pages = 0
        #: True when ``balance()`` works (the client has an Analytics v3 key): then
        #: calls at an unpublished price are settled from the balance (see measure()).
        self.balance_readable = False
        self._measure_lock = asyncio.Lock()
        #: Units the call being measured was settled at (None: no measurement open).
        self._measuring: int | None = None
        self._balance_fetcher = balance_fetcher
        self._balance_lock = asyncio.Lock()
        #: The last balance read: (value, charges since, monotonic time).
        self._known: tuple[int, _Charges, float] | None = None
        self._watching: list[_Charges] = []

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

    async def reserve(self, report: str, units: int, *, known: bool = True) -> Reservation:
        """Hold ``units`` for a request or raise BudgetExceeded (nothing sent).

        ``known=False``: the price is an estimate (no source publishes it)."""
        if units < 0:
            raise ValueError("units must be >= 0")
        remaining = self.remaining
        if remaining is not None and units > remaining:
            left = max(0, remaining)
            raise BudgetExceeded(
                f"{report} could cost up to {units} API units but only {left} "
                f"of the unit_budget {self.budget} remain ({self._spent} spent, "
                f"{self._reserved} reserved)",
                needed=units,
                available=left,
            )
        self._reserved += units
        return Reservation(self, report, units, known)

    def _settle(self, r: Reservation, actual: int) -> None:
        self._reserved -= r.units
        self._spent += actual
        if actual:
            self._by_report[r.report] = self._by_report.get(r.report, 0) + actual
            if not r.known:
                self._estimated += actual
                if self._measuring is not None:
                    self._measuring += actual
            if r._counted is None:
                # Settled without a charge moment (no request path): count it now.
                r._counted = self._count_charge(r)
        for c in r._counted or ():
            c.pending -= 1
            c.units += actual
            c.done_if_settled()

    # --- what the server charged, by when it charged it --------------------------------

    def _watch(self, *, known_only: bool) -> _Charges:
        c = _Charges(known_only=known_only)
        self._watching.append(c)
        return c

    def _unwatch(self, c: _Charges) -> None:
        if c.open:
            c.open = False
            self._watching.remove(c)
            c.done_if_settled()

    def _count_charge(self, r: Reservation) -> tuple[_Charges, ...]:
        if r.report == "free" or not self._watching:
            return ()
        unpublished = not r.known
        counted = tuple(c for c in self._watching if not (unpublished and c.known_only))
        for c in counted:
            c.pending += 1
        return counted

    @contextlib.asynccontextmanager
    async def measure(self, report: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Settle a call at an unpublished price from the account balance.

        One such call at a time: the balance is read before it, and ``settle()``
        (called once the response is in) reads it again. The call is booked at what
        the balance lost in between, less what this client's known-price requests
        were charged in between. Those are counted by when the server charged them
        (their answer started), not when they were settled: a page charged before
        the first read and read to its end during the call is not subtracted, one
        charged in between and still being read is waited for. Other clients
        spending from the same account at that moment make the figure too high; a
        failed balance read keeps the estimate (logged).
        """
        async with self._measure_lock:
            try:
                before: int | None = await self.balance()
            except Exception as e:  # the estimate stands; the call itself goes on
                logger.warning("unit balance unreadable, %s stays estimated: %s", report, e)
                before = None
            known = self._watch(known_only=True)
            self._measuring = 0
            own = 0

            def close() -> None:
                nonlocal own
                if self._measuring is not None:
                    own, self._measuring = self._measuring, None
                    self._unwatch(known)

            async def settle() -> None:
                if self._measuring is None:
                    return
                # The window closes before the second read is sent: a request charged
                # from now on may come after that read, so it is not subtracted.
                close()
                if before is None:
                    return
                try:
                    after = await self.balance()
                except Exception as e:
                    logger.warning("unit balance unreadable, %s stays estimated: %s", report, e)
                    return
                known.then(lambda: self._book_measured(report, own, before - after - known.units))

            try:
                yield settle
            finally:
                close()

    def _book_measured(self, report: str, estimated: int, measured: int) -> None:
        """Replace the ``estimated`` units a measured call was settled at by ``measured``."""
        measured = max(0, measured)
        self._spent += measured - estimated
        self._estimated -= estimated
        self._by_report[report] = self._by_report.get(report, 0) + measured - estimated
        self._measured += measured

    @property
    def measured(self) -> int:
        """Units in :attr:`spent` that were read from the balance (unpublished prices)."""
        return self._measured

    def note_short_page(self) -> None:
        self._short_pages += 1

    async def short_page_cut(self, price: Price, report: str, target: str, rows: int) -> bool:
        """After a page shorter than asked for: True (and a warning) if the account's
        unit balance may have cut it (below one line's price; cached for
        :data:`BALANCE_MAX_AGE` s). Semrush cuts a line report to what the balance
        pays for, silently. Without a readable balance (no v3 key) this cannot tell."""
        if not price.per_line or not self.balance_readable:
            return False
        try:
            balance = await self.cached_balance(BALANCE_MAX_AGE)
        except SemrushError as e:
            logger.warning("could not read the unit balance to judge a short page: %s", e)
            return False
        if balance >= price.units:
            return False
        self.note_short_page()
        logger.warning(
            "%s for %s stopped after %d rows with the account's unit balance below one "
            "line's price: the data may be incomplete",
            report,
            target or "(no target)",
            rows,
        )
        return True

    async def balance(self) -> int:
        """The account's unit balance from ``{www_url}/users/countapiunits.html`` (free)."""
        if self._balance_fetcher is None:
            raise RuntimeError("this meter is not attached to a client")
        value = await self._balance_fetcher()
        if self._known is not None:
            self._unwatch(self._known[1])
        self._known = (value, self._watch(known_only=False), time.monotonic())
        return value

    async def cached_balance(self, max_age: float) -> int:
        """The balance fetched at most ``max_age`` seconds ago, less what this client
        was charged since (requests charged after that read, once settled).

        Other clients spending from the same account make this an upper bound.
        """
        async with self._balance_lock:
            if self._known is not None:
                value, since, at = self._known
                if time.monotonic() - at <= max_age:
                    return max(0, value - since.units)
            return await self.balance()

    def __repr__(self) -> str:
        return f"UnitMeter(spent={self._spent}, reserved={self._reserved}, budget={self.budget})"
