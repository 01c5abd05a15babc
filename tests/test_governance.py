"""The governor under virtual time (looptime): guarantees, FIFO, cancellation, pauses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import looptime
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semrush_async import SemrushClient, published_limits
from semrush_async._core.governance import (
    DEFAULT_SAFETY_MARGIN,
    EndpointGovernor,
    Limit,
    LocalGovernance,
    Strategy,
)

T = TypeVar("T")


def virtual(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` on a fresh event loop whose clock jumps over idle waits."""
    base = asyncio.new_event_loop()
    assert isinstance(base, asyncio.BaseEventLoop)
    loop = looptime.patch_event_loop(base, start=0)
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


def max_in_window(starts: list[float], window: float) -> int:
    """Most starts inside any half-open window [t, t + window)."""
    starts = sorted(starts)
    best = lo = 0
    for hi in range(len(starts)):
        while starts[hi] - starts[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def saturate(gov: EndpointGovernor, calls: int, hold: float = 0.0) -> tuple[list[float], int]:
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    peak = 0
    live = 0

    async def one() -> None:
        nonlocal live, peak
        async with await gov.acquire():
            starts.append(loop.time())
            live += 1
            peak = max(peak, live)
            await asyncio.sleep(hold)
            live -= 1

    await asyncio.gather(*(one() for _ in range(calls)))
    return starts, peak


@pytest.mark.parametrize(
    "name", sorted(n for n in published_limits() if n.count(".") or n == "account")
)
def test_default_limits_hold_under_saturation(name: str) -> None:
    limit = published_limits()[name]
    calls = limit.rate * 20

    async def main() -> tuple[list[float], int]:
        return await saturate(EndpointGovernor(name, limit), calls, hold=0.05)

    starts, peak = virtual(main)
    assert len(starts) == calls
    assert max_in_window(starts, limit.per) <= limit.rate
    if limit.concurrency:
        assert peak <= limit.concurrency
    # Sustained rate over the run: (calls - 1) intervals.
    span = max(starts) - min(starts)
    if limit.strategy is Strategy.SPACED:
        rate = (calls - 1) / span
        assert rate / (limit.rate / limit.per) >= 0.97
    else:
        # Sliding window: rate starts per window (+ margin), bursts allowed.
        windows = (calls - 1) // limit.rate
        assert span <= windows * limit.per * 1.03 + limit.rate * 0.05


def test_naive_aiolimiter_would_burst() -> None:
    """The reason for the SPACED strategy: AsyncLimiter(N, W) admits 2N-1 in a window."""
    from aiolimiter import AsyncLimiter

    async def main() -> list[float]:
        lim = AsyncLimiter(10, 1.0)
        loop = asyncio.get_running_loop()
        out: list[float] = []

        async def one() -> None:
            async with lim:
                out.append(loop.time())

        await asyncio.gather(*(one() for _ in range(40)))
        return out

    assert max_in_window(virtual(main), 1.0) > 10


def _greedy_aiolimiter(max_rate: int, period: float, step: float, horizon: float) -> list[float]:
    """Start times an AsyncLimiter admits under unlimited demand, polled every ``step``
    (its own waiter wake-ups livelock a virtual clock; polling never waits in it)."""
    from aiolimiter import AsyncLimiter

    async def main() -> list[float]:
        lim = AsyncLimiter(max_rate, period)
        loop = asyncio.get_running_loop()
        out: list[float] = []
        while loop.time() < horizon:
            while lim.has_capacity():
                await lim.acquire()  # does not wait: there is capacity
                out.append(loop.time())
            await asyncio.sleep(step)
        return out

    return virtual(main)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_measured_against_aiolimiter(n: int) -> None:
    """The comparison stated in the docs, measured: AsyncLimiter(N, W) admits 2N-1
    starts in one window; the governor (SPACED, no margin) admits exactly the starts
    of AsyncLimiter(1, W/N). W/N and the polling step are binary fractions, so both
    run on exact arithmetic."""
    window, horizon = 1.0, 3.0
    step = window / n / 4

    async def governed() -> list[float]:
        gov = EndpointGovernor("t", Limit(n, window), safety_margin=0.0)
        loop = asyncio.get_running_loop()
        out: list[float] = []

        async def consumer() -> None:
            while True:
                async with await gov.acquire():
                    if loop.time() >= horizon:
                        return
                    out.append(loop.time())

        await asyncio.gather(*(consumer() for _ in range(2 * n)))
        return out

    burst = _greedy_aiolimiter(n, window, step, horizon)
    assert max_in_window(burst, window) == 2 * n - 1
    spaced = _greedy_aiolimiter(1, window / n, step, horizon)
    ours = virtual(governed)
    assert ours == spaced == [k * window / n for k in range(int(horizon * n))]
    assert max_in_window(ours, window) == n


def test_fifo_order() -> None:
    async def main() -> list[int]:
        gov = EndpointGovernor("t", Limit(2, 1.0, concurrency=1))
        order: list[int] = []

        async def one(i: int) -> None:
            async with await gov.acquire():
                order.append(i)
                await asyncio.sleep(0.01)

        tasks = []
        for i in range(20):
            tasks.append(asyncio.create_task(one(i)))
            await asyncio.sleep(0)  # arrival order = i
        await asyncio.gather(*tasks)
        return order

    assert virtual(main) == list(range(20))


def test_cancelled_waiters_and_requests_leak_nothing() -> None:
    async def main() -> tuple[int, int, list[float]]:
        gov = EndpointGovernor("t", Limit(5, 1.0, concurrency=2))
        loop = asyncio.get_running_loop()
        starts: list[float] = []

        async def one(hold: float) -> None:
            async with await gov.acquire():
                starts.append(loop.time())
                await asyncio.sleep(hold)

        tasks = [asyncio.create_task(one(10.0 if i % 3 == 0 else 0.1)) for i in range(30)]
        await asyncio.sleep(2.0)
        for i, t in enumerate(tasks):
            if i % 2 == 0:
                t.cancel()  # some waiting, some in flight
        await asyncio.gather(*tasks, return_exceptions=True)
        s = gov.stats()
        # Everything released: a new caller gets through at once.
        t0 = loop.time()
        async with await gov.acquire():
            pass
        assert loop.time() - t0 < 0.3
        return s.in_flight, s.waiting, starts

    in_flight, waiting, starts = virtual(main)
    assert in_flight == 0
    assert waiting == 0
    assert max_in_window(starts, 1.0) <= 5


def test_pause_holds_every_waiter() -> None:
    async def main() -> list[float]:
        gov = EndpointGovernor("t", Limit(10, 1.0))
        loop = asyncio.get_running_loop()
        starts: list[float] = []

        async def one() -> None:
            async with await gov.acquire():
                starts.append(loop.time())

        tasks = [asyncio.create_task(one()) for _ in range(5)]
        await asyncio.sleep(0.25)  # ~3 started
        await gov.pause(5.0)
        gov.note_rate_limited()
        await asyncio.gather(*tasks)
        assert gov.stats().rate_limited == 1
        return starts

    starts = virtual(main)
    before = [s for s in starts if s < 1]
    after = [s for s in starts if s >= 5.25]
    assert len(before) + len(after) == 5
    assert after, "waiters must resume after the pause"


def test_stats_counters() -> None:
    async def main() -> None:
        gov = EndpointGovernor("t", Limit(4, 1.0, concurrency=2))
        await saturate(gov, 12, hold=0.3)
        s = gov.stats()
        assert s.started == 12
        assert s.max_in_flight == 2
        assert s.in_flight == 0
        assert s.max_wait > 0
        assert s.total_wait >= s.max_wait
        assert s.mean_wait > 0

    virtual(main)


def test_local_governance_overrides_and_unknown_names() -> None:
    g = LocalGovernance({"account": Limit(3, 1.0)})
    assert g.governor("account").limit == Limit(3, 1.0)
    assert g.governor("account") is g.governor("account")
    # Governors are learned from the families a client binds: an override of a name no
    # bound family declares is refused when the client binds the governance.
    g = LocalGovernance({"nope": Limit(1, 1.0), "local.categories": Limit(2, 1.0)})
    with pytest.raises(
        ValueError, match=r"unknown endpoint name\(s\) \['local.categories', 'nope'\]"
    ):
        g.check()
    with pytest.raises(ValueError, match=r"unknown endpoint.*expected some of.*local.categories"):
        SemrushClient(api_key="k" * 8, governance=g)
    g = LocalGovernance({"local.categories": Limit(2, 1.0)})
    SemrushClient(api_key="k" * 8, governance=g)
    # The override wins over the limit the row declares.
    assert g.limits["local.categories"] == Limit(2, 1.0)
    assert g.limits["local.create_location"].concurrency == 1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    rate=st.integers(1, 8),
    per=st.sampled_from([0.5, 1.0, 60.0]),
    concurrency=st.one_of(st.none(), st.integers(1, 4)),
    strategy=st.sampled_from(list(Strategy)),
    arrivals=st.lists(
        st.tuples(
            st.floats(0, 3.0),  # arrival delay (in windows)
            st.floats(0, 0.5),  # hold time (in windows)
            st.one_of(st.none(), st.floats(0, 2.0)),  # cancel after (in windows)
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_property_no_window_holds_more_than_n(
    rate: int,
    per: float,
    concurrency: int | None,
    strategy: Strategy,
    arrivals: list[tuple[float, float, float | None]],
) -> None:
    """Random arrivals, holds and cancellations: never > N starts in any window W,
    never more than the concurrency cap in flight, and nothing leaks."""

    async def main() -> None:
        gov = EndpointGovernor("p", Limit(rate, per, concurrency, strategy))
        loop = asyncio.get_running_loop()
        starts: list[float] = []
        live = 0
        peak = 0

        async def one(delay: float, hold: float) -> None:
            nonlocal live, peak
            await asyncio.sleep(delay * per)
            async with await gov.acquire():
                starts.append(loop.time())
                live += 1
                peak = max(peak, live)
                try:
                    await asyncio.sleep(hold * per)
                finally:
                    live -= 1

        tasks = [asyncio.create_task(one(d, h)) for d, h, _ in arrivals]

        async def canceller(task: asyncio.Task[None], after: float) -> None:
            await asyncio.sleep(after * per)
            task.cancel()

        cancels = [
            asyncio.create_task(canceller(t, c))
            for t, (_, _, c) in zip(tasks, arrivals, strict=True)
            if c is not None
        ]
        await asyncio.gather(*tasks, *cancels, return_exceptions=True)
        assert max_in_window(starts, per) <= rate
        # The precise bound: any N+1 starts span W * (1 + 3 margin / 4) or more,
        # leaving three quarters of the safety margin for network jitter.
        ordered = sorted(starts)
        for k in range(len(ordered) - rate):
            span = ordered[k + rate] - ordered[k]
            assert span >= per * (1 + 3 * DEFAULT_SAFETY_MARGIN / 4) - 1e-6
        if concurrency is not None:
            assert peak <= concurrency
        s = gov.stats()
        assert s.in_flight == 0
        assert s.waiting == 0

    virtual(main)


def test_a_late_send_pushes_later_starts() -> None:
    """A request that leaves late (connection setup) moves its slot: the next start
    keeps its distance from what the server sees, not from the admission time."""

    async def main() -> tuple[float, float]:
        gov = EndpointGovernor("t", Limit(10, 1.0))
        loop = asyncio.get_running_loop()
        first = await gov.acquire()
        await asyncio.sleep(0.05)  # e.g. a TLS handshake
        first.sent()
        sent_at = loop.time()
        second = await gov.acquire()
        t2 = loop.time()
        first.release()
        second.release()
        return sent_at, t2

    sent_at, t2 = virtual(main)
    catchup = DEFAULT_SAFETY_MARGIN * 1.0 / 4
    assert t2 - sent_at >= 0.1 * (1 + DEFAULT_SAFETY_MARGIN) - catchup - 1e-6


def test_send_barrier_waits_for_the_previous_request_to_leave() -> None:
    """A start admitted while the previous request is still opening its connection
    would reach the server together with it: the next start waits for the send."""

    async def main() -> tuple[float, float, float]:
        gov = EndpointGovernor("t", Limit(10, 1.0))
        loop = asyncio.get_running_loop()
        first = await gov.acquire(report_sent=True)
        second_task = asyncio.create_task(gov.acquire(report_sent=True))
        await asyncio.sleep(0.3)  # three spacings: a slow connection setup
        assert not second_task.done()
        first.sent()
        sent_at = loop.time()
        second = await second_task
        t2 = loop.time()
        # Released without sending (e.g. connection refused): nobody waits for it.
        third_task = asyncio.create_task(gov.acquire(report_sent=True))
        second.release()
        third = await third_task
        t3 = loop.time()
        first.release()
        third.release()
        return sent_at, t2, t3

    sent_at, t2, t3 = virtual(main)
    catchup = DEFAULT_SAFETY_MARGIN / 4
    assert t2 - sent_at >= 0.1 * (1 + DEFAULT_SAFETY_MARGIN) - catchup - 1e-6
    assert t3 - t2 < 0.2


@pytest.mark.parametrize(
    "name", [n for n, lim in published_limits().items() if lim.strategy is Strategy.SPACED]
)
def test_send_barrier_holds_at_every_published_limit(name: str) -> None:
    """At the real limits the next start still waits for the previous one to leave."""
    limit = published_limits()[name]

    async def main() -> None:
        gov = EndpointGovernor(name, limit)
        first = await gov.acquire(report_sent=True)
        second = asyncio.create_task(gov.acquire(report_sent=True))
        await asyncio.sleep(3 * limit.per / limit.rate)  # a slow connection setup
        assert not second.done()
        first.sent()
        if limit.concurrency == 1:
            first.release()  # one in flight: the second needs the first's slot too
        (await second).release()
        first.release()

    virtual(main)


def test_relaxed_limit_does_not_serialise_starts_behind_a_slow_setup() -> None:
    """At 1,000/s a window has spare room for 9 late arrivals (2% margin): nine
    starts go out together while the first connection is still being set up, the
    tenth waits for the first send."""

    async def main() -> tuple[list[float], float, float]:
        gov = EndpointGovernor("t", Limit(1000, 1.0), safety_margin=0.02)
        loop = asyncio.get_running_loop()
        first = await gov.acquire(report_sent=True)
        tasks = [asyncio.create_task(gov.acquire(report_sent=True)) for _ in range(9)]
        await asyncio.sleep(0.3)  # the first request is still opening its connection
        admitted = [t for t in tasks if t.done()]
        times = [loop.time()] * len(admitted)
        assert len(admitted) == 8  # with the first one: 9 unsent, the depth
        first.sent()
        sent_at = loop.time()
        last = await tasks[-1]
        t_last = loop.time()
        for t in admitted:
            t.result().release()
        last.release()
        first.release()
        return times, sent_at, t_last

    times, sent_at, t_last = virtual(main)
    assert len(times) == 8
    assert t_last >= sent_at  # the tenth start waited for the first send


def test_relaxed_limit_with_slow_setups_still_keeps_every_window() -> None:
    """The depth is what a window can absorb: 300 slow connection setups followed by
    a steady stream never put more than N sends inside any window (unbounded, the
    slow ones would land on top of the steady ones: about 1,270 in one window)."""

    async def main() -> list[float]:
        gov = EndpointGovernor("t", Limit(1000, 1.0))
        loop = asyncio.get_running_loop()
        sends: list[float] = []

        async def one(i: int) -> None:
            async with await gov.acquire(report_sent=True) as permit:
                if i < 300:
                    await asyncio.sleep(0.3)  # new connections: TLS handshakes
                permit.sent()
                sends.append(loop.time())

        await asyncio.gather(*(one(i) for i in range(1500)))
        return sends

    sends = virtual(main)
    assert len(sends) == 1500
    assert max_in_window(sends, 1.0) <= 1000
