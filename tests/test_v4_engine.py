"""The API v4 engine: endpoint rows, the envelope, paging strategies, the v4 key,
and method governors chained to the account governor."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
import pytest_asyncio
from aiohttp import web
from multidict import CIMultiDict

from semrush_async import SemrushClient, errors, published_limits
from semrush_async._core.governance import GovernorChain, Limit, LocalGovernance, Strategy
from semrush_async._core.request_path import Auth
from semrush_async._core.sansio import Envelope, Response, path_segment, v4_envelope
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._keys import STATE
from semrush_async.testing._v4 import serve_v4, v4_error_response, v4_response
from semrush_async.v4 import (
    Endpoint,
    LimitOffset,
    OpenStrEnum,
    SpringPages,
    V4Engine,
    parse_timestamp,
)

from .conftest import FAST_LIMITS, FAST_RETRY
from .test_governance import max_in_window, virtual

# --- pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["", " 1", "1 ", "a/b", "..", "a..b", ".", "%2F", "a#b", "a?b", "a\\b", "a\nb", "\x00"]
)
def test_path_segment_refuses_ids_that_could_address_something_else(bad: str) -> None:
    with pytest.raises(errors.ValidationError, match="not a valid id"):
        path_segment(bad)


def test_path_segment_encodes() -> None:
    assert path_segment("café 1") == "caf%C3%A9%201"
    assert path_segment(42) == "42"


def _resp(status: int, doc: bytes) -> Response:
    return Response(status, CIMultiDict(), doc)


def test_success_false_is_an_error_whatever_the_status() -> None:
    body = (
        b'{"meta":{"success":false,"status_code":404,"request_id":"ab12"},'
        b'"error":{"code":512,"message":"no such project"}}'
    )
    with pytest.raises(errors.NotFound) as e:
        v4_envelope(_resp(200, body))
    assert e.value.status == 404
    assert e.value.code == 512
    assert e.value.request_id == "ab12"


def test_retryable_is_read_from_the_error() -> None:
    body = (
        b'{"meta":{"success":false,"status_code":500},'
        b'"error":{"code":500,"message":"x","retryable":false}}'
    )
    with pytest.raises(errors.ServerError) as e:
        v4_envelope(_resp(500, body))
    assert e.value.retryable is False


def test_envelope_data_and_meta() -> None:
    env = v4_envelope(
        _resp(200, b'{"meta":{"success":true,"total_count":3,"request_id":"r1"},"data":[1]}')
    )
    assert env == Envelope([1], {"success": True, "total_count": 3, "request_id": "r1"}, "r1")
    assert v4_envelope(_resp(204, b"")).data is None


class Colour(OpenStrEnum):
    RED = "RED"


def test_open_enum_keeps_unknown_values() -> None:
    assert Colour("RED") is Colour.RED
    assert Colour.RED.known
    purple = Colour("PURPLE")
    assert purple == "PURPLE"
    assert not purple.known
    assert isinstance(purple, Colour)


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("2026-03-20T10:11:12Z", 0),
        ("2026-03-20T10:11:12.66Z", 660000),
        ("2026-03-20T10:11:12.123456789Z", 123456),
        ("2026-03-20T10:11:12.5+02:00", 500000),
        ("2026-03-20T10:11:12.1234", 123400),
    ],
)
def test_parse_timestamp_any_precision(text: str, micro: int) -> None:
    ts = parse_timestamp(text)
    assert ts.tzinfo is not None
    assert ts.utcoffset() == dt.timedelta(0)
    assert ts.microsecond == micro


def test_parse_timestamp_refuses_dates() -> None:
    with pytest.raises(ValueError, match="not an ISO-8601 timestamp"):
        parse_timestamp("2026-03-20")


def test_limit_offset_stops_on_total_or_short_page() -> None:
    p = LimitOffset(2)
    page = Envelope([1, 2], {"total_count": 5}, None)
    assert p.next(page, p.first(), 2, 2) == (("limit", "2"), ("offset", "2"))
    assert p.next(page, p.first(), 2, 6) is None  # total reached
    assert p.next(Envelope([1], {}, None), p.first(), 1, 3) is None  # short page
    assert p.next(Envelope([], {}, None), p.first(), 0, 3) is None


def test_spring_pages_are_zero_based_and_stop_on_last() -> None:
    p = SpringPages(10)
    first = p.first()
    assert dict(first) == {"page": "0", "size": "10"}
    page = Envelope({"content": [1] * 10, "totalPages": 3, "last": False}, {}, None)
    assert dict(p.next(page, first, 10, 10) or ()) == {"page": "1", "size": "10"}
    last = Envelope({"content": [1], "totalPages": 3, "last": True}, {}, None)
    assert p.next(last, (("page", "2"), ("size", "10")), 1, 21) is None


# --- the chain under virtual time ---------------------------------------------------------


def test_chain_holds_both_limits_when_the_account_queue_is_long() -> None:
    """Method calls queued behind many account calls must not bunch up once through."""

    async def main() -> tuple[list[float], list[float]]:
        gov = LocalGovernance(
            {
                "account": Limit(10, 1.0, concurrency=10),
                "listings.update_locations": Limit(
                    3, 10.0, concurrency=3, strategy=Strategy.SLIDING_WINDOW
                ),
            }
        )
        account = gov.governor("account")
        chain = GovernorChain(gov.governor("listings.update_locations"), account)
        loop = asyncio.get_running_loop()
        method_starts: list[float] = []
        all_starts: list[float] = []

        async def plain() -> None:
            async with await account.acquire():
                all_starts.append(loop.time())
                await asyncio.sleep(0.05)

        async def chained() -> None:
            async with await chain.acquire():
                now = loop.time()
                method_starts.append(now)
                all_starts.append(now)
                await asyncio.sleep(0.05)

        tasks = [asyncio.create_task(plain()) for _ in range(300)]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(chained()) for _ in range(9)]
        await asyncio.gather(*tasks)
        return method_starts, all_starts

    method_starts, all_starts = virtual(main)
    assert len(method_starts) == 9
    assert max_in_window(method_starts, 10.0) <= 3
    assert max_in_window(all_starts, 1.0) <= 10


def test_chain_releases_the_method_slot_when_cancelled() -> None:
    async def main() -> None:
        gov = LocalGovernance({"account": Limit(1, 1.0, concurrency=1)})
        gov.register(published_limits())  # what a client does when it binds the families
        account = gov.governor("account")
        chain = GovernorChain(gov.governor("listings.update_location"), account)
        held = await account.acquire()
        waiter = asyncio.create_task(chain.acquire())
        await asyncio.sleep(0.1)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        held.release()
        assert gov.governor("listings.update_location").stats().in_flight == 0
        async with await chain.acquire():
            assert account.stats().in_flight == 1
        assert account.stats().in_flight == 0

    virtual(main)


# --- over real HTTP -----------------------------------------------------------------------

ECHO = Endpoint("test.echo", "GET", "/apis/v4/test/v1/echo/{item_id}")
WRITE = Endpoint("test.write", "POST", "/apis/v4/test/v1/items")
LIMITED = Endpoint(
    "test.limited", "GET", "/apis/v4/test/v1/limited", governor="listings.update_locations"
)
PAGED = Endpoint("test.paged", "GET", "/apis/v4/test/v1/paged")

SEEN: list[dict[str, Any]] = []


async def _echo(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]

    async def handle(account: str) -> web.StreamResponse:
        SEEN.append({"url": str(request.url), "auth": request.headers.get("Authorization")})
        item = request.match_info["item_id"]
        if item == "fails":
            return web.json_response(
                {"meta": {"success": False, "status_code": 404}, "error": {"code": 512}}
            )
        return v4_response({"item": item, "account": account})

    return await serve_v4(request, state, "test.echo", handle)


async def _write(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]

    async def handle(account: str) -> web.StreamResponse:
        SEEN.append({"url": str(request.url), "method": "POST"})
        return v4_error_response(550, 550, "Internal Server Error")

    return await serve_v4(request, state, "test.write", handle)


async def _limited(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]

    async def handle(account: str) -> web.StreamResponse:
        return v4_response({})

    return await serve_v4(request, state, "listings.update_locations", handle)


async def _paged(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]

    async def handle(account: str) -> web.StreamResponse:
        limit, offset = int(request.query["limit"]), int(request.query["offset"])
        items = list(range(23))[offset : offset + limit]
        return v4_response(items, meta={"total_count": 23, "limit": limit, "offset": offset})

    return await serve_v4(request, state, "test.paged", handle)


@pytest_asyncio.fixture
async def v4_sandbox() -> AsyncIterator[SemrushSandbox]:
    SEEN.clear()
    sb = SemrushSandbox(
        limits={
            **FAST_LIMITS,
            "listings.update_locations": Limit(
                3, 1.0, concurrency=3, strategy=Strategy.SLIDING_WINDOW
            ),
        },
        client_options={"safety_margin": 0.05, "retry_policy": FAST_RETRY},
    )
    # Routes of our own: their endpoint names are declared like the sandbox's.
    sb.state.declare("test.echo", "test.write", "test.paged")
    sb.app.router.add_get("/apis/v4/test/v1/echo/{item_id}", _echo)
    sb.app.router.add_post("/apis/v4/test/v1/items", _write)
    sb.app.router.add_get("/apis/v4/test/v1/limited", _limited)
    sb.app.router.add_get("/apis/v4/test/v1/paged", _paged)
    async with sb:
        yield sb


async def test_v4_key_goes_in_the_header_only(v4_sandbox: SemrushSandbox) -> None:
    async with v4_sandbox.client() as c:
        env = await V4Engine(c._session).send(ECHO, path={"item_id": "café"})
    assert env.data == {"item": "café", "account": v4_sandbox.api_key}
    assert SEEN[0]["auth"] == f"Apikey {v4_sandbox.v4_api_key}"
    assert v4_sandbox.v4_api_key not in SEEN[0]["url"]
    assert v4_sandbox.state.v4_key_in_url == 0


async def test_no_v4_key_sends_nothing(
    v4_sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEMRUSH_V4_API_KEY", raising=False)
    async with v4_sandbox.client(v4_api_key="") as c:
        with pytest.raises(errors.AuthenticationError, match="SEMRUSH_V4_API_KEY"):
            await V4Engine(c._session).send(ECHO, path={"item_id": "1"})
    assert v4_sandbox.counters("test.echo").accepted == 0


async def test_v4_key_from_the_environment_is_redacted(
    v4_sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMRUSH_V4_API_KEY", v4_sandbox.v4_api_key)
    # A client of our own: sandbox.client(v4_api_key=None) means "no key", never the
    # environment's (the sandbox does not touch a user's credentials).
    async with SemrushClient(base_url=v4_sandbox.url, retry_policy=FAST_RETRY) as c:
        assert c.has_v4_key
        assert v4_sandbox.v4_api_key not in repr(c)
        await V4Engine(c._session).send(ECHO, path={"item_id": "1"})
        assert c._redactor(f"x {v4_sandbox.v4_api_key} y") != f"x {v4_sandbox.v4_api_key} y"


async def test_bad_id_sends_nothing(v4_sandbox: SemrushSandbox) -> None:
    async with v4_sandbox.client() as c:
        with pytest.raises(errors.ValidationError):
            await V4Engine(c._session).send(ECHO, path={"item_id": "../admin"})
    assert v4_sandbox.counters("test.echo").accepted == 0


async def test_success_false_over_http(v4_sandbox: SemrushSandbox) -> None:
    async with v4_sandbox.client() as c:
        with pytest.raises(errors.NotFound):
            await V4Engine(c._session).send(ECHO, path={"item_id": "fails"})


async def test_read_only_key_write_is_a_typed_error(v4_sandbox: SemrushSandbox) -> None:
    async with v4_sandbox.client(v4_api_key=v4_sandbox.read_only_v4_key) as c:
        with pytest.raises(errors.ReadOnlyKey) as e:
            await V4Engine(c._session).send(WRITE, body={"a": 1})
    assert "read" in str(e.value).lower()
    assert v4_sandbox.read_only_v4_key not in str(e.value)
    assert SEEN == []


async def test_a_post_is_not_repeated_after_a_5xx(v4_sandbox: SemrushSandbox) -> None:
    async with v4_sandbox.client() as c:
        with pytest.raises(errors.ServerError):
            await V4Engine(c._session).send(WRITE, body={"a": 1})
    assert len(SEEN) == 1  # may have been created: not sent again


async def test_a_get_is_retried_after_a_5xx(v4_sandbox: SemrushSandbox) -> None:
    v4_sandbox.inject("test.echo", "550", times=2)
    async with v4_sandbox.client() as c:
        env = await V4Engine(c._session).send(ECHO, path={"item_id": "1"})
    assert env.data["item"] == "1"
    assert v4_sandbox.counters("test.echo").accepted == 3


async def test_limit_offset_pager_is_complete(v4_sandbox: SemrushSandbox) -> None:
    async with v4_sandbox.client() as c:
        pager = V4Engine(c._session).pager(PAGED, LimitOffset(5), int)
        items = await pager
    assert items == list(range(23))
    assert pager.pages == 5


async def test_mixed_v3_and_v4_calls_share_the_account_limit(
    v4_sandbox: SemrushSandbox,
) -> None:
    async with v4_sandbox.client() as c:
        engine = V4Engine(c._session)
        await asyncio.gather(
            *(engine.send(ECHO, path={"item_id": str(i)}) for i in range(30)),
            *(engine.send(LIMITED) for _ in range(6)),
            *(c.backlinks.overview(f"t{i}.example") for i in range(30)),
        )
    account = v4_sandbox.counters("account")
    assert account.accepted == 66
    assert account.rejected == 0
    assert v4_sandbox.counters("listings.update_locations").rejected == 0
    assert account.max_in_window(0.25) <= 10


def test_endpoint_defaults() -> None:
    assert ECHO.idempotent
    assert not WRITE.idempotent
    assert ECHO.auth is Auth.APIKEY
    assert ECHO.governor == "account"


async def test_a_row_carries_its_governor_limit_and_price(v4_sandbox: SemrushSandbox) -> None:
    """A limited, priced endpoint is one row: the client learns the limit from it when
    it binds the row's family, and every call carries the row's price."""
    from semrush_async._core.price import Price
    from semrush_async.v4.endpoint import limits_of

    limited = attrs.evolve(
        ECHO, governor="test.echo", limit=Limit(2, 0.5), price=Price(7, per_line=False)
    )
    async with v4_sandbox.client() as c:
        c.governance.register(limits_of([limited]))  # what binding a family does
        assert c.governor_stats()["test.echo"].limit == Limit(2, 0.5)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await asyncio.gather(
            *(V4Engine(c._session).send(limited, path={"item_id": str(i)}) for i in range(4))
        )
        elapsed = loop.time() - t0
        stats = c.governor_stats()
    assert stats["test.echo"].started == 4
    assert stats["account"].started == 4  # the chain: its own governor, then the account's
    assert elapsed >= 0.5  # 4 starts at 2 per 0.5 s need at least one more window
    assert c.units.by_report == {"test.echo": 28}


def test_rows_sharing_a_governor_must_agree_on_its_limit() -> None:
    from semrush_async.v4.endpoint import limits_of

    a = attrs.evolve(ECHO, governor="test.g", limit=Limit(2, 1.0))
    b = attrs.evolve(WRITE, governor="test.g", limit=Limit(3, 1.0))
    with pytest.raises(ValueError, match="another row says"):
        limits_of([a, b])
    with pytest.raises(ValueError, match="no limit= on its row"):
        limits_of([attrs.evolve(ECHO, governor="test.g")])
    assert limits_of([a, attrs.evolve(WRITE, governor="test.g", limit=Limit(2, 1.0))]) == {
        "test.g": Limit(2, 1.0)
    }
