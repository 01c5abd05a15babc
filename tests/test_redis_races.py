"""Ordering and cancellation on shared (Redis) governance, with local counterparts:
governor chains keep the method's own window, leases and locks survive a caller
cancelled mid round trip, leases are renewed while their holder waits, and
``governor_stats()`` lists every governor from the start (issue 21: M3, M4, A2)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from types import TracebackType

import pytest
import redis.asyncio as aioredis

from semrush_async import Limit, SemrushClient, Strategy, published_limits
from semrush_async._core.governance import Governance, LocalGovernance
from semrush_async._core.redis import RedisGovernance
from semrush_async.testing import SemrushSandbox

from .local_servers import redis_server
from .test_redis import _complete_ids, _location


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


class HoldingProxy:
    """A TCP proxy on 127.0.0.1 in front of Redis that can hold one request in the
    network: the connection carrying the next request that contains ``marker`` is held
    (its bytes reach Redis only after :meth:`let_go`). Bytes a client sent before it
    closed its connection still reach Redis, as TCP would deliver them."""

    def __init__(self, upstream: str) -> None:
        self._upstream = _port(upstream)
        #: Set when a request is held; ``answered`` when Redis answered it.
        self.held = asyncio.Event()
        self.answered = asyncio.Event()
        self._gate = asyncio.Event()
        self._marker = b""
        #: Requests containing ``EVALSHA`` (a script call) that reached Redis.
        self.scripts_passed = 0
        self._pumps: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.url = ""

    async def __aenter__(self) -> HoldingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        self._gate.set()
        for task in list(self._pumps):
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    def hold_next(self, marker: bytes) -> None:
        self._marker = marker
        self._gate.clear()
        self.held.clear()
        self.answered.clear()

    def let_go(self) -> None:
        self._gate.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        holding: list[bool] = [False]  # this connection carries the held request
        for pump in (
            self._up(reader, up_writer, holding),
            self._down(up_reader, writer, holding, up_writer),
        ):
            task = asyncio.ensure_future(pump)
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _up(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, holding: list[bool]
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                if not holding[0] and self._marker and self._marker in chunk:
                    self._marker = b""
                    holding[0] = True
                    self.held.set()
                if holding[0]:
                    await self._gate.wait()
                self.scripts_passed += b"EVALSHA" in chunk
                writer.write(chunk)
                await writer.drain()

    async def _down(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        holding: list[bool],
        upstream: asyncio.StreamWriter,
    ) -> None:
        # Holds ``upstream`` until Redis has answered: a collected StreamWriter closes
        # its connection, and Redis would run the held request without answering it.
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                if holding[0]:
                    self.answered.set()
                with contextlib.suppress(ConnectionError):  # the client may be gone
                    writer.write(chunk)
                    await writer.drain()
        writer.close()
        upstream.close()


async def _until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


# --- M3: a governor chain keeps the method's own window ----------------------------------

#: Get Categories (its own limit, then the account's) with a 2 s window of 3, and an
#: account of one request at a time that a slow v3 call holds for 1.5 s.
CHAIN_LIMITS = {
    "local.categories": Limit(3, 2.0, strategy=Strategy.SLIDING_WINDOW),
    "account": Limit(10, 1.0, concurrency=1),
}


@pytest.mark.parametrize("shared", [False, True], ids=["local", "redis"])
async def test_chain_keeps_the_methods_window_while_the_account_is_busy(
    shared: bool, request: pytest.FixtureRequest
) -> None:
    """M3: six Get Categories calls (each its own process on Redis) queue behind a v3
    call that holds the account. A method start reserved before the account wait sat
    in the log, was pushed out by later reservations and left late: 3 x 429 on Redis.
    Nested (the method start recorded only once the account admits): none."""
    async with SemrushSandbox(limits=CHAIN_LIMITS, latency={"account": 1.5}) as sb:
        governances: list[Governance]
        if shared:
            url = request.getfixturevalue("redis_url")
            governances = [
                RedisGovernance(url, limits=CHAIN_LIMITS, lease_seconds=5) for _ in range(7)
            ]
        else:
            governances = [LocalGovernance(CHAIN_LIMITS)] * 7
        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(sb.client(governance=g)) for g in governances
            ]
            slow = asyncio.ensure_future(clients[0].backlinks.overview("a.example"))
            await _until(lambda: sb.counters("account").in_flight == 1)
            pages = await asyncio.gather(*(c.local.categories("DE") for c in clients[1:]))
            await slow
        categories, account = sb.counters("local.categories"), sb.counters("account")
    seen = (categories.starts, categories.rejected, account.rejected)  # shown on failure
    assert all(pages), seen
    assert categories.accepted == 6, seen
    assert categories.rejected == 0, seen
    assert categories.max_in_window(2.0) <= 3, seen
    assert account.rejected == 0, seen
    assert account.max_in_window(1.0) <= 10, seen
    assert account.max_in_flight == 1, seen


async def test_chain_on_redis_falls_back_to_a_nested_local_chain() -> None:
    """With Redis unreachable and ``fallback_workers`` set, a chain nests on the local
    fallback governors and gives both permits back."""
    async with SemrushSandbox(limits=CHAIN_LIMITS) as sb:
        gov = RedisGovernance(
            "redis://127.0.0.1:1/0", limits=CHAIN_LIMITS, fallback_workers=1, probe_interval=5
        )
        async with sb.client(governance=gov) as client:
            assert await client.local.categories("DE")
            assert gov.on_fallback
            stats = client.governor_stats()
        assert stats["local.categories"].in_flight == stats["account"].in_flight == 0
        assert (sb.counters("local.categories").accepted, sb.counters("account").accepted) == (1, 1)


# --- M4: a lease or a lock taken for a caller cancelled mid round trip --------------------

UPDATE_LOCATIONS = {
    "listings.update_locations": Limit(5, 1.0, concurrency=1, strategy=Strategy.SLIDING_WINDOW)
}


async def test_lease_of_a_caller_cancelled_mid_round_trip_is_given_back(redis_url: str) -> None:
    """M4: the lease script is on its way (held in the network) when its caller is
    cancelled; Redis grants the lease anyway. It used to stay taken for
    ``lease_seconds`` (here 120 s), blocking the endpoint for every worker."""
    async with HoldingProxy(redis_url) as proxy:
        slow = RedisGovernance(
            proxy.url, credential="acct", limits=UPDATE_LOCATIONS, lease_seconds=120
        )
        other = RedisGovernance(
            redis_url, credential="acct", limits=UPDATE_LOCATIONS, lease_seconds=120
        )
        gov = slow.governor("listings.update_locations")
        (await gov.acquire()).release()  # scripts loaded, a connection open
        await gov.aclose()
        proxy.hold_next(b"EVALSHA")
        caller = asyncio.ensure_future(gov.acquire())
        await proxy.held.wait()
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        proxy.let_go()
        await proxy.answered.wait()  # Redis ran the lease script: the lease was granted
        permit = await asyncio.wait_for(other.governor("listings.update_locations").acquire(), 10)
        permit.release()
        await slow.aclose()
        await other.aclose()
    r = aioredis.from_url(redis_url)
    try:
        assert await r.zcard(other.key("listings.update_locations", "leases")) == 0
    finally:
        await r.aclose()


async def test_lock_taken_for_a_cancelled_caller_is_given_back(redis_url: str) -> None:
    """The lock script is on its way when its caller is cancelled: the give-back used
    to go out at once on another connection, overtake it and find nothing, so the
    lock stayed taken by nobody for ``ttl``. Now it waits for the take to land."""
    async with HoldingProxy(redis_url) as proxy:
        slow = RedisGovernance(proxy.url, credential="acct")
        other = RedisGovernance(redis_url, credential="acct")
        async with slow.lock("refresh", ttl=120):  # scripts loaded, a connection open
            pass
        proxy.hold_next(b"EVALSHA")
        passed = proxy.scripts_passed
        taker = asyncio.ensure_future(_enter(slow.lock("refresh", ttl=120)))
        await proxy.held.wait()
        taker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await taker
        # Give an early give-back time to go through (it did, before the fix).
        with contextlib.suppress(TimeoutError):
            await _until(lambda: proxy.scripts_passed > passed, 1.0)
        proxy.let_go()
        await proxy.answered.wait()  # Redis ran the lock script: the lock was taken
        async with asyncio.timeout(10):
            async with other.lock("refresh", ttl=120):
                pass
        await slow.aclose()
        await other.aclose()


async def _enter(cm: contextlib.AbstractAsyncContextManager[None]) -> None:
    async with cm:
        pass


# --- a lease is renewed while its holder waits for its start slot -------------------------


async def test_lease_is_renewed_while_its_holder_waits_for_its_slot(redis_url: str) -> None:
    """A capped endpoint's lease is taken before the start slot; the wait for the slot
    (up to a window) can outlast ``lease_seconds``. The lease was renewed only once the
    request ran, so it expired during the wait, a second process took it and both
    requests were in flight together: 2 x 429 from a single-flight endpoint."""
    limits = {
        "listings.update_locations": Limit(3, 3.0, concurrency=1, strategy=Strategy.SLIDING_WINDOW)
    }
    async with SemrushSandbox(limits=limits, latency={"listings.update_locations": 0.05}) as sb:
        ids = _complete_ids(sb, 6)
        token = sb.state.extensions["oauth"].issue_static_token()
        async with contextlib.AsyncExitStack() as stack:
            clients: list[SemrushClient] = [
                await stack.enter_async_context(
                    sb.client(
                        governance=RedisGovernance(
                            redis_url, credential="acct", limits=limits, lease_seconds=1.0
                        ),
                        token=token,
                    )
                )
                for _ in range(4)
            ]
            for lid in ids[:3]:  # fill the window: the next start waits about 3 s
                await clients[0].listings.update_locations([_location(lid)])
            sb.inject("listings.update_locations", "stall", seconds=1.0)

            async def one(k: int) -> None:
                await asyncio.sleep(0.05 * k)
                await clients[k].listings.update_locations([_location(ids[2 + k])])

            await asyncio.gather(*(one(k) for k in (1, 2, 3)))
        c = sb.counters("listings.update_locations")
    seen = (c.accepted, c.rejected, c.max_in_flight, c.starts)
    assert c.accepted == 6, seen
    assert c.rejected == 0, seen
    assert c.max_in_flight == 1, seen
    assert c.max_in_window(3.0) <= 3, seen


# --- A2: governor_stats() lists every governor from the start -----------------------------


@pytest.mark.parametrize("shared", [False, True], ids=["local", "redis"])
async def test_governor_stats_lists_every_governor_before_the_first_request(
    shared: bool, request: pytest.FixtureRequest
) -> None:
    async with SemrushSandbox() as sb:
        governance: Governance = (
            RedisGovernance(request.getfixturevalue("redis_url")) if shared else LocalGovernance()
        )
        async with sb.client(governance=governance) as client:
            before = client.governor_stats()
            published = published_limits()
            assert sorted(before) == sorted(published)
            for name, s in before.items():
                assert s.name == name
                assert s.limit == published[name]
                assert (s.started, s.in_flight, s.waiting, s.rate_limited) == (0, 0, 0, 0)
            await client.backlinks.overview("a.example")
            after = client.governor_stats()
        assert sorted(after) == sorted(published)
        assert after["account"].started == 1
        assert after["local.categories"].started == 0
