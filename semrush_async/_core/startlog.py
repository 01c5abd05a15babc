"""The exact record of an endpoint's request starts, and where a server counted them.

A :class:`StartLog` admits a start when the ``rate``-th latest one is ``window`` old;
:class:`Delays` turns each answered start's round trip into how late the server may
have counted it, so a strict window holds on a jittery link (see
:mod:`semrush_async._core.governance`, which keeps one or two logs per endpoint).
"""

from __future__ import annotations

import asyncio
import collections
import heapq
import math
from typing import Final

__all__ = ["EPSILON", "UNSURE", "Delays", "Start", "StartLog"]

#: How many times ``spread / answers`` is added to each excess (see :class:`Delays`).
UNSURE: Final = 6

#: Clock resolution: a wait shorter than this is over (a start 1 us early is far
#: inside the safety margin; waiting for it could spin on a virtual clock).
EPSILON: Final = 1e-6


class Start:
    """One recorded start: its slot, and once answered, its round trip."""

    __slots__ = ("rtt", "sent_at", "slot")

    def __init__(self, slot: float) -> None:
        self.slot = slot
        self.sent_at = slot
        self.rtt: float | None = None


class Delays:
    """How late requests reach the server, as far as the client can tell.

    A strict server counts arrivals. A request arrives ``up`` seconds after it left,
    and its answer comes ``rtt = up + server + down`` seconds after it left; so
    ``up - min(up) <= rtt - min(rtt)`` (server and return time taken as steady): the
    part of a round trip above the fastest one bounds how much later than the fastest
    this request can have arrived. Each start's place in the window is its slot plus
    that excess, capped at ``cap`` (server time varies too and counts as if it were
    delay: the client cannot tell them apart). A start not answered yet counts with
    the largest recent excess. The fastest round trip seen so far is above the true
    one by about ``spread / n`` after ``n`` answers (the lowest of ``n`` draws), so
    :data:`UNSURE` times that is added while few are known (for evenly spread delays,
    the true minimum is lower than that by a chance of about ``e ** -UNSURE``).
    Network jitter then widens the window only as much as was measured, instead of a
    fixed reserve that is too much on a quiet link and too little on a jittery one.
    """

    __slots__ = ("_answers", "_base", "_cap", "_recent", "_rtt_min", "_top")

    def __init__(self, cap: float, history: int) -> None:
        self._cap = cap
        self._rtt_min = math.inf
        self._answers = 0
        self._recent: collections.deque[float] = collections.deque(maxlen=history)
        # Kept up to date by answered(): excess() runs for every logged start at every
        # admission, answers come once per request.
        self._top = 0.0  # the largest recent round trip
        self._base = 0.0  # the fastest round trip, less the allowance for its estimate

    def answered(self, start: Start, rtt: float) -> None:
        start.rtt = rtt
        self._rtt_min = min(self._rtt_min, rtt)
        self._answers += 1
        self._recent.append(rtt)
        self._top = max(self._recent)
        self._base = self._rtt_min - UNSURE * (self._top - self._rtt_min) / self._answers

    def excess(self, start: Start) -> float:
        """How much later than its slot the server may have counted ``start``."""
        if not self._answers:
            return 0.0  # nothing measured: the fixed margin is all there is
        rtt = self._top if start.rtt is None else start.rtt
        return min(self._cap, rtt - self._base)

    def arrival(self, start: Start) -> float:
        return start.slot + self.excess(start)


class StartLog:
    """Log of the last ``rate`` starts; admits when the oldest is ``window`` old.

    A start that happens late (the event loop woke us a little after the slot opened)
    is recorded at ``max(slot, actual - catchup)``, so scheduling lateness up to
    ``catchup`` does not erode the rate (as GCRA keeps its theoretical arrival time).
    With ``catchup = margin * W / 4``, any N+1 actual starts still span at least
    ``W * (1 + 3 * margin / 4)``. With ``delays``, each start counts where the server
    may have seen it (:class:`Delays`), not where it left.
    """

    __slots__ = ("_catchup", "_delays", "_log", "_rate", "_window")

    def __init__(
        self, rate: int, window: float, catchup: float = 0.0, delays: Delays | None = None
    ) -> None:
        self._rate = rate
        self._window = window
        self._catchup = catchup
        self._delays = delays
        # With delays, starts can be counted out of order (a later start may have
        # arrived earlier): keep twice the rate and admit on the rate-th latest.
        self._log: collections.deque[Start] = collections.deque(
            maxlen=rate if delays is None else 2 * rate
        )

    def queue(self, ahead: int) -> float:
        """Seconds ``ahead`` waiters take to start, at the least (fail-fast estimate)."""
        return (ahead // self._rate) * self._window

    def _opens(self) -> float:
        """When the next start may go: ``window`` after the ``rate``-th latest start
        as the server may have counted it (-inf while fewer are logged)."""
        log = self._log
        if len(log) < self._rate:
            return -math.inf
        if self._delays is None:
            if self._rate == 1:
                return log[0].slot + self._window
            # min(), not [0]: a slot moved by sent() may no longer be the earliest.
            return min(s.slot for s in log) + self._window
        arrivals = map(self._delays.arrival, log)
        return heapq.nlargest(self._rate, arrivals)[-1] + self._window

    def delay(self, loop: asyncio.AbstractEventLoop) -> float:
        """How long until a start is admitted."""
        return max(0.0, self._opens() - loop.time())

    async def wait(self, loop: asyncio.AbstractEventLoop) -> None:
        while (delay := self._opens() - loop.time()) > EPSILON:
            await asyncio.sleep(delay)

    def record(self, t: float) -> Start:
        slot = self._opens()
        start = Start(max(slot, t - self._catchup))
        self._log.append(start)
        return start

    def sent(self, start: Start, t: float) -> None:
        """Move ``start`` to ``t - catchup`` when the request left late."""
        start.sent_at = t
        start.slot = max(start.slot, t - self._catchup)
