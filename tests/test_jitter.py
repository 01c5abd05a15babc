"""Network jitter: the governor counts each start where the server may have seen it.

A strict server counts arrivals. Requests that leave evenly spaced but reach the server
0 to 30 ms late can put N + 1 arrivals into one window; the governor measures each
answer's round trip and keeps the part above the fastest one out of the window
(``_core/startlog.Delays``).
"""

from __future__ import annotations

import asyncio
import random

import aiohttp
import pytest

from benchmarks.proxy import JitterProxy
from semrush_async._core.governance import DELAY_CAP, EndpointGovernor, Limit
from semrush_async._core.sansio import Request
from semrush_async._core.transport import AiohttpTransport, SentReportingRequest
from semrush_async.testing import SemrushSandbox
from tests.test_governance import max_in_window, virtual

ACCOUNT = Limit(10, 1.0, concurrency=10)


async def _serve(
    gov: EndpointGovernor, calls: int, delays: list[float], answer: bool
) -> list[float]:
    """``calls`` requests through ``gov``; request ``i`` reaches the server
    ``delays[i]`` after it left and is answered 5 ms after that. The arrivals."""
    loop = asyncio.get_running_loop()
    arrivals: list[float] = []

    async def one(i: int) -> None:
        async with await gov.acquire(report_sent=True) as permit:
            permit.sent()
            await asyncio.sleep(delays[i])
            arrivals.append(loop.time())
            await asyncio.sleep(0.005)
            if answer:
                permit.answered()

    await asyncio.gather(*(one(i) for i in range(calls)))
    return arrivals


@pytest.mark.parametrize("high", [0.01, 0.03, 0.045])
def test_measured_delays_keep_every_window_of_arrivals_within_the_limit(high: float) -> None:
    """Fixed seeds (the estimate of the fastest round trip is a statistical one, so a
    random search would find, very rarely, delays that beat it)."""
    for seed in range(12):
        rng = random.Random(seed)
        delays = [rng.uniform(0.0, high) for _ in range(60)]

        async def main(delays: list[float] = delays) -> list[float]:
            return await _serve(EndpointGovernor("account", ACCOUNT), 60, delays, answer=True)

        arrivals = virtual(main)
        assert max_in_window(arrivals, ACCOUNT.per) <= ACCOUNT.rate, (seed, high)


def test_without_round_trips_the_fixed_margin_lets_jitter_through() -> None:
    """The same scenario with nothing measured (no ``answered()``): the 0.5 % margin
    alone admits 11 arrivals into one window for some delays. So the measuring is what
    keeps the window above, not the margin."""
    worst = 0
    for seed in range(20):
        rng = random.Random(seed)
        delays = [rng.uniform(0.0, 0.03) for _ in range(60)]

        async def main(delays: list[float] = delays) -> list[float]:
            return await _serve(EndpointGovernor("account", ACCOUNT), 60, delays, answer=False)

        worst = max(worst, max_in_window(virtual(main), ACCOUNT.per))
    assert worst > ACCOUNT.rate


def test_a_slow_answer_costs_at_most_the_cap() -> None:
    """Server time cannot be told from network delay; a slow answer widens its own
    place in the window by at most ``DELAY_CAP`` of the window."""

    async def main() -> list[float]:
        gov = EndpointGovernor("account", ACCOUNT)
        loop = asyncio.get_running_loop()
        starts: list[float] = []

        async def one(i: int) -> None:
            async with await gov.acquire(report_sent=True) as permit:
                starts.append(loop.time())
                permit.sent()
                await asyncio.sleep(0.5 if i == 0 else 0.001)  # the first answer is slow
                permit.answered()

        await asyncio.gather(*(one(i) for i in range(21)))
        return starts

    starts = virtual(main)
    # Start 10 waits for start 0's window; start 0 counts up to the cap late.
    assert starts[10] - starts[0] <= ACCOUNT.per * (1.005 + DELAY_CAP) + 1e-6
    assert starts[10] - starts[0] >= ACCOUNT.per * (1 + DELAY_CAP) - 1e-6


@pytest.mark.parametrize("seed", [1, 2])
async def test_no_429_through_a_jittery_link_over_http(seed: int) -> None:
    """Real HTTP: each request reaches the sandbox 0 to 25 ms late (a loopback proxy),
    10 per 0.5 s: the sandbox sees no window over the limit and answers no 429."""
    limit = Limit(10, 0.5, concurrency=10)
    async with SemrushSandbox(limits={"account": limit}) as sb:
        async with (
            JitterProxy(sb.port, (0.0, 0.025), seed=seed) as proxy,
            sb.client(limits={"account": limit}, base_url=proxy.url) as client,
        ):
            await asyncio.gather(*(client.backlinks.overview(f"t{i}.example") for i in range(50)))
        counters = sb.counters("account")
    assert len(proxy.delays) >= 50
    assert counters.rejected == 0
    assert counters.max_in_window(limit.per) <= limit.rate


async def test_the_session_reports_when_each_request_left() -> None:
    """Over real HTTP: the client session's request class reports "sent" once per
    request, after the request was handed to the socket and before its answer is read;
    a request opened without a report reports nothing (the hook does not leak)."""
    async with (
        SemrushSandbox() as sb,
        aiohttp.ClientSession(request_class=SentReportingRequest) as http,
    ):
        transport = AiohttpTransport(http, 5.0, str, reports_sent=True)
        request = Request("GET", sb.url + "/analytics/v1/", (("type", "nothing"),))
        events: list[str] = []
        opened = await transport.open(request, lambda: events.append("sent"))
        events.append("answered")
        await opened.read()
        await opened.aclose()
        opened = await transport.open(request)  # no report asked for
        await opened.read()
        await opened.aclose()
    assert events == ["sent", "answered"]
