"""The attempt loop with a scripted transport (no server), under virtual time.

Retries, 429 pauses, Retry-After, error mapping, unit settlement of whole and cut
bodies, ``gone_ok_on_retry``, the 401 refresh and redaction, for ``send`` and
``stream_rows`` alike. They complement the tests over real HTTP against the sandbox
(the last section here, and test_client, test_reliability_core, ...).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import pickle
import random
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import looptime
import pytest

from semrush_async import errors
from semrush_async._core.governance import Limit, LocalGovernance
from semrush_async._core.price import Price
from semrush_async._core.redact import Redactor
from semrush_async._core.request_path import Auth, Call, CodeTable, Dialect, RequestPath
from semrush_async._core.retry import RetryPolicy
from semrush_async._core.sansio import Request
from semrush_async._core.units import UnitMeter
from semrush_async.testing import SemrushSandbox
from tests.conftest import FAST_RETRY
from tests.fake_transport import Answer, FakeTransport

T = TypeVar("T")

KEY = "v3key-0123456789abcdef"
V4_KEY = "v4key-fedcba9876543210"
TOKEN_1 = "bearer-token-aaaa-1111"
TOKEN_2 = "bearer-token-bbbb-2222"
PER_LINE = Price(10, per_line=True)
FLAT = Price(7, per_line=False)
POLICY = RetryPolicy(max_retries=3, base=0.01, cap=0.05, max_retry_after=60.0)
HEADER = ["Domain", "Rows"]


def virtual(fn: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Run an async test on a loop whose clock jumps over idle waits (looptime)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> T:
        base = asyncio.new_event_loop()
        assert isinstance(base, asyncio.BaseEventLoop)
        loop = looptime.patch_event_loop(base, start=0)
        try:
            return loop.run_until_complete(fn(*args, **kwargs))
        finally:
            loop.close()

    return run


class Tokens:
    """A token provider that hands out ``TOKEN_1``, then ``TOKEN_2`` after a refresh."""

    def __init__(self) -> None:
        self.token = TOKEN_1
        self.refreshed: list[str] = []

    async def access_token(self) -> str:
        return self.token

    async def refresh(self, rejected: str) -> str:
        self.refreshed.append(rejected)
        self.token = TOKEN_2
        return self.token


def make_path(
    transport: FakeTransport,
    *,
    policy: RetryPolicy = POLICY,
    budget: int | None = None,
    tokens: Tokens | None = None,
) -> RequestPath:
    return RequestPath(
        transport,
        LocalGovernance({"account": Limit(1000, 1.0)}),
        UnitMeter(budget),
        policy,
        Redactor(),
        api_key=KEY,
        tokens=tokens,
        rng=random.Random(7),
        v4_api_key=V4_KEY,
    )


def csv_call(lines: int = 10, offset: int = 0, price: Price = PER_LINE) -> Call:
    params = (("type", "test_rows"), ("display_limit", str(lines)), ("offset", str(offset)))
    return Call(
        "account",
        Request("GET", "http://test.invalid/", params),
        Dialect.ANALYTICS,
        Auth.KEY,
        report="test.rows",
        lines=lines,
        price=price,
    )


def json_call(
    method: str = "GET",
    *,
    auth: Auth = Auth.APIKEY,
    dialect: Dialect = Dialect.V4,
    idempotent: bool = True,
    codes: CodeTable | None = None,
    price: Price | None = None,
    lines: int = 0,
    gone_ok: bool = False,
    lines_of: Callable[[Any], int] | None = None,
) -> Call:
    return Call(
        "account",
        Request(method, "http://test.invalid/apis/v4/things/1"),
        dialect,
        auth,
        report="test.json" if price is not None else None,
        lines=lines,
        price=price,
        idempotent=idempotent,
        codes=codes or {},
        gone_ok_on_retry=gone_ok,
        lines_of=lines_of,
    )


def rows(first: int, n: int) -> list[list[str]]:
    return [[f"d{i}.example", str(i)] for i in range(first, first + n)]


def csv_body(first: int, n: int) -> bytes:
    lines = [";".join(HEADER)] + [";".join(r) for r in rows(first, n)]
    return "".join(f"{line}\r\n" for line in lines).encode()


def cut_after(first: int, n: int, kept: int) -> int:
    """The length of ``csv_body(first, n)`` up to the end of its ``kept``-th row."""
    return len(csv_body(first, kept))


def ok_json(data: Any = None) -> Answer:
    return Answer(200, json.dumps({"meta": {"success": True}, "data": data or {}}).encode())


def v4_error(status: int, code: str | int, message: str = "refused", **extra: Any) -> Answer:
    doc = {"meta": {"success": False, "status_code": status, "request_id": "req-1"}}
    doc["error"] = {"code": code, "message": message, **extra}
    return Answer(status, json.dumps(doc).encode())


async def collect(path: RequestPath, call: Call, resume: Any = None) -> list[list[str]]:
    out: list[list[str]] = []
    async for batch in path.stream_rows(call, resume):
        out += batch
    return out


def settled(path: RequestPath) -> tuple[int, int]:
    return path.meter.spent, path.meter.reserved


# --- retries ------------------------------------------------------------------------------


@virtual
async def test_5xx_and_drops_are_retried_and_the_answer_is_settled_once() -> None:
    t = FakeTransport(Answer(500, b"oops"), Answer(drop=True), Answer(502, b"<html>"), ok_json())
    path = make_path(t)
    response = await path.send(json_call(price=FLAT))
    assert response.status == 200
    assert len(t.requests) == 4
    assert settled(path) == (7, 0)  # failed attempts (no answer, error answers) cost nothing
    assert t.leaks == 0


@virtual
async def test_a_stream_is_retried_on_5xx_and_drops() -> None:
    t = FakeTransport(Answer(503, b"busy"), Answer(drop=True), Answer(200, csv_body(0, 3)))
    path = make_path(t)
    assert await collect(path, csv_call()) == [HEADER, *rows(0, 3)]
    assert len(t.requests) == 3
    assert settled(path) == (30, 0)


@pytest.mark.parametrize("fault", [Answer(500, b"oops"), Answer(drop=True)])
@virtual
async def test_non_idempotent_calls_are_not_retried_on_5xx_or_drops(fault: Answer) -> None:
    t = FakeTransport(fault, ok_json())
    path = make_path(t)
    with pytest.raises((errors.ServerError, errors.TransportError)):
        await path.send(json_call("POST", idempotent=False))
    assert len(t.requests) == 1


@virtual
async def test_a_429_is_retried_even_when_the_call_is_not_idempotent() -> None:
    # A 429 was not applied: repeating it cannot create anything twice.
    t = FakeTransport(v4_error(429, "LIMIT_EXCEEDED_ERROR"), ok_json())
    path = make_path(t)
    assert (await path.send(json_call("POST", idempotent=False))).status == 200
    assert len(t.requests) == 2


@virtual
async def test_retries_stop_after_max_retries_with_the_last_error() -> None:
    t = FakeTransport(*(Answer(500, f"oops {i}".encode()) for i in range(3)))
    path = make_path(t, policy=RetryPolicy(max_retries=2, base=0.01))
    with pytest.raises(errors.ServerError, match="oops 2"):
        await path.send(json_call(dialect=Dialect.PLAIN))
    assert len(t.requests) == 3


@virtual
async def test_a_v4_error_marked_not_retryable_is_final_even_on_a_5xx() -> None:
    t = FakeTransport(v4_error(503, "INTERNAL_SERVER_ERROR", retryable=False), ok_json())
    with pytest.raises(errors.ServerError):
        await make_path(t).send(json_call())
    assert len(t.requests) == 1


@virtual
async def test_client_errors_are_not_retried() -> None:
    t = FakeTransport(Answer(200, b"ERROR 42 :: MANDATORY PARAMETER NOT SET"), ok_json())
    with pytest.raises(errors.BadRequest) as info:
        await collect(make_path(t), csv_call())
    assert info.value.code == 42
    assert len(t.requests) == 1


# --- 429 and Retry-After ------------------------------------------------------------------


@virtual
async def test_a_429_pauses_the_endpoint_for_every_caller_for_its_retry_after() -> None:
    t = FakeTransport(
        Answer(429, b"ERROR 429 :: TOO MANY REQUESTS", {"Retry-After": "3"}),
        Answer(200, csv_body(0, 1)),
        Answer(200, csv_body(0, 1)),
    )
    path = make_path(t)
    loop = asyncio.get_running_loop()

    async def later() -> list[list[str]]:
        await asyncio.sleep(0.5)  # starts after the 429 arrived, before its pause ends
        return await collect(path, csv_call())

    first, second = await asyncio.gather(collect(path, csv_call()), later())
    assert first == second == [HEADER, *rows(0, 1)]
    assert t.times[0] < 0.5
    # Both the retry and the other caller's first request waited for the pause.
    assert min(t.times[1:]) >= 3.0
    assert loop.time() >= 3.0
    stats = path.governance.governor("account").stats()
    assert stats.rate_limited == 1


@virtual
async def test_retry_after_on_a_5xx_is_honoured() -> None:
    t = FakeTransport(Answer(503, b"busy", {"Retry-After": "2"}), ok_json())
    await make_path(t).send(json_call())
    assert t.times[1] - t.times[0] >= 2.0


@pytest.mark.parametrize(
    "answer",
    [
        Answer(429, b"ERROR 429 :: TOO MANY REQUESTS", {"Retry-After": "3600"}),
        Answer(503, b"busy", {"Retry-After": "Fri, 31 Dec 2100 23:59:59 GMT"}),
    ],
)
@virtual
async def test_a_retry_after_over_max_retry_after_raises_at_once(answer: Answer) -> None:
    t = FakeTransport(answer, Answer(200, csv_body(0, 1)))
    path = make_path(t)
    with pytest.raises(errors.RetryAfterTooLong) as info:
        await collect(path, csv_call())
    assert info.value.status == answer.status
    assert (info.value.retry_after or 0) > 60
    assert len(t.requests) == 1
    assert asyncio.get_running_loop().time() < 1  # no wait at all
    assert settled(path) == (0, 0)


# --- error mapping ------------------------------------------------------------------------

PROJECT_CODES: CodeTable = {512: (errors.Conflict, "use another name")}


@pytest.mark.parametrize("code", [512, "512"])
@virtual
async def test_a_products_code_table_maps_errors(code: int | str) -> None:
    t = FakeTransport(v4_error(400, code, "name is taken"))
    with pytest.raises(errors.Conflict) as info:
        await make_path(t).send(json_call("POST", codes=PROJECT_CODES))
    err = info.value
    assert (err.status, err.code, err.request_id, err.hint) == (
        400,
        code,
        "req-1",
        "use another name",
    )
    assert "name is taken" in err.message


@virtual
async def test_a_429_stays_rate_limited_whatever_the_code_table_says() -> None:
    t = FakeTransport(v4_error(429, 512), ok_json())
    path = make_path(t)
    assert (await path.send(json_call(codes=PROJECT_CODES))).status == 200
    assert path.governance.governor("account").stats().rate_limited == 1


@virtual
async def test_a_bare_403_on_a_write_with_the_v4_key_is_a_read_only_key() -> None:
    t = FakeTransport(Answer(403, b'{"message": "Forbidden"}'))
    with pytest.raises(errors.ReadOnlyKey, match="DELETE refused"):
        await make_path(t).send(json_call("DELETE"))


@virtual
async def test_a_bare_403_on_a_priced_v4_report_is_units_exhausted() -> None:
    t = FakeTransport(Answer(403, b'{"message": "Forbidden"}'))
    path = make_path(t)
    with pytest.raises(errors.UnitsExhausted, match="unit balance"):
        await path.send(json_call(price=PER_LINE, lines=5))
    assert settled(path) == (0, 0)


@virtual
async def test_an_error_in_a_200_csv_body_is_found_across_chunk_boundaries() -> None:
    body = b"  ERROR 132 :: API UNITS BALANCE IS ZERO"
    t = FakeTransport(Answer(200, body, chunk=3))
    path = make_path(t)
    with pytest.raises(errors.UnitsExhausted):
        await collect(path, csv_call())
    assert settled(path) == (0, 0)


@virtual
async def test_a_huge_error_answer_is_not_read_to_its_end() -> None:
    t = FakeTransport(Answer(500, b"x" * 1_000_000, chunk=1000), Answer(200, csv_body(0, 1)))
    path = make_path(t, policy=RetryPolicy(max_retries=0))
    with pytest.raises(errors.ServerError) as info:
        await collect(path, csv_call())
    assert len(info.value.message) <= 200
    assert t.leaks == 0


# --- settlement ---------------------------------------------------------------------------


@virtual
async def test_a_whole_body_is_settled_to_the_lines_it_delivered() -> None:
    t = FakeTransport(ok_json([1, 2, 3]))
    path = make_path(t)
    call = json_call(price=PER_LINE, lines=50, lines_of=lambda r: len(r.json()["data"]))
    await path.send(call)
    assert settled(path) == (30, 0)


@virtual
async def test_a_cut_whole_body_costs_the_whole_reservation() -> None:
    t = FakeTransport(Answer(200, b'{"data": [1, 2', cut=8), ok_json([1, 2]))
    path = make_path(t)
    call = json_call(price=PER_LINE, lines=5, lines_of=lambda r: len(r.json()["data"]))
    await path.send(call)
    # The cut answer may have been charged in full (50); the retry delivered 2 lines.
    assert settled(path) == (50 + 20, 0)


@virtual
async def test_a_complete_stream_is_settled_to_its_rows() -> None:
    t = FakeTransport(Answer(200, csv_body(0, 4), chunk=7))
    path = make_path(t)
    assert await collect(path, csv_call(lines=100)) == [HEADER, *rows(0, 4)]
    assert settled(path) == (40, 0)


@virtual
async def test_a_cut_stream_resumes_and_each_attempt_is_settled_to_its_rows() -> None:
    t = FakeTransport(
        Answer(200, csv_body(0, 10), cut=cut_after(0, 10, 4), chunk=20),
        Answer(200, csv_body(4, 6), chunk=20),
    )
    path = make_path(t)
    got = await collect(path, csv_call(lines=10), lambda seen: csv_call(10 - seen, seen))
    assert got == [HEADER, *rows(0, 10)]  # one header, no row lost or repeated
    assert ("offset", "4") in t.requests[1].params
    # The cut attempt was charged for the 10 rows from its start, the resumed one for 6.
    assert settled(path) == (100 + 60, 0)


@virtual
async def test_a_cut_stream_without_resume_repeats_the_request_and_drops_what_it_has() -> None:
    t = FakeTransport(
        Answer(200, csv_body(0, 10), cut=cut_after(0, 10, 4), chunk=20),
        Answer(200, csv_body(0, 10), chunk=20),
    )
    path = make_path(t)
    assert await collect(path, csv_call(lines=10)) == [HEADER, *rows(0, 10)]
    assert t.requests[0] == t.requests[1]
    # Each attempt started at row 0: the server charged 10 rows for each.
    assert settled(path) == (100 + 100, 0)


@virtual
async def test_a_stream_cut_for_good_keeps_every_started_page_spent() -> None:
    t = FakeTransport(
        Answer(200, csv_body(0, 10), cut=cut_after(0, 10, 4), chunk=20),
        Answer(200, csv_body(4, 6), cut=cut_after(4, 6, 2), chunk=20),
    )
    path = make_path(t, policy=RetryPolicy(max_retries=1, base=0.01))
    out: list[list[str]] = []

    async def read() -> None:
        async for batch in path.stream_rows(csv_call(10), lambda s: csv_call(10 - s, s)):
            out.extend(batch)

    with pytest.raises(errors.TransportError):
        await read()
    assert out == [HEADER, *rows(0, 6)]
    assert settled(path) == (100 + 60, 0)
    assert t.leaks == 0


@virtual
async def test_an_abandoned_stream_costs_its_whole_page() -> None:
    t = FakeTransport(Answer(200, csv_body(0, 10), chunk=20))
    path = make_path(t)
    stream = path.stream_rows(csv_call(lines=10))
    first = await anext(stream)
    assert first[0] == HEADER
    await stream.aclose()
    assert settled(path) == (100, 0)
    assert t.leaks == 0


@virtual
async def test_a_cancelled_stream_settles_and_releases_everything() -> None:
    t = FakeTransport(Answer(200, csv_body(0, 10), chunk=20, pause=1.0))
    path = make_path(t)
    started = asyncio.Event()

    async def reader() -> None:
        async for _ in path.stream_rows(csv_call(lines=10)):
            started.set()  # then cancelled while the stream waits for a chunk

    task = asyncio.ensure_future(reader())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert settled(path) == (100, 0)
    assert path.governance.governor("account").stats().in_flight == 0
    assert t.leaks == 0


@virtual
async def test_nothing_found_yields_nothing_and_costs_nothing() -> None:
    t = FakeTransport(Answer(200, b"ERROR 50 :: NOTHING FOUND\n"))
    path = make_path(t)
    assert await collect(path, csv_call(price=FLAT)) == []
    assert settled(path) == (0, 0)


@virtual
async def test_nothing_found_after_a_cut_settles_the_cut_attempt_to_the_rows_seen() -> None:
    # The page shrank between attempts: the cut attempt held the 4 rows it sent.
    t = FakeTransport(
        Answer(200, csv_body(0, 10), cut=cut_after(0, 10, 4), chunk=20),
        Answer(200, b"ERROR 50 :: NOTHING FOUND"),
    )
    path = make_path(t)
    got = await collect(path, csv_call(lines=10), lambda seen: csv_call(10 - seen, seen))
    assert got == [HEADER, *rows(0, 4)]
    assert settled(path) == (40, 0)


@virtual
async def test_budget_exceeded_sends_nothing() -> None:
    t = FakeTransport()
    path = make_path(t, budget=99)
    with pytest.raises(errors.BudgetExceeded):
        await collect(path, csv_call(lines=10))
    assert t.requests == []
    assert settled(path) == (0, 0)


@pytest.mark.parametrize(
    ("auth", "cls"),
    [
        (Auth.KEY, errors.AuthenticationError),
        (Auth.APIKEY, errors.AuthenticationError),
        (Auth.BEARER, errors.LoginRequired),
    ],
)
@virtual
async def test_a_missing_credential_sends_nothing(auth: Auth, cls: type[Exception]) -> None:
    t = FakeTransport()
    path = RequestPath(
        t,
        LocalGovernance(),
        UnitMeter(),
        POLICY,
        Redactor(),
        api_key=None,
        tokens=None,
    )
    with pytest.raises(cls, match="nothing was sent"):
        await path.send(json_call(auth=auth))
    assert t.requests == []


# --- gone_ok_on_retry ---------------------------------------------------------------------


@virtual
async def test_a_retried_delete_that_finds_nothing_succeeds() -> None:
    t = FakeTransport(Answer(502, b"bad gateway"), v4_error(404, "RESOURCE_NOT_FOUND"))
    response = await make_path(t).send(json_call("DELETE", gone_ok=True))
    assert response.status == 204
    assert len(t.requests) == 2


@virtual
async def test_a_retried_delete_after_a_drop_that_finds_nothing_succeeds() -> None:
    t = FakeTransport(Answer(drop=True), v4_error(404, "RESOURCE_NOT_FOUND"))
    assert (await make_path(t).send(json_call("DELETE", gone_ok=True))).status == 204


@virtual
async def test_a_delete_not_found_on_its_first_attempt_is_not_found() -> None:
    t = FakeTransport(v4_error(404, "RESOURCE_NOT_FOUND"))
    with pytest.raises(errors.NotFound):
        await make_path(t).send(json_call("DELETE", gone_ok=True))


@virtual
async def test_without_gone_ok_a_retried_not_found_is_not_found() -> None:
    t = FakeTransport(Answer(502, b"bad gateway"), v4_error(404, "RESOURCE_NOT_FOUND"))
    with pytest.raises(errors.NotFound):
        await make_path(t).send(json_call("DELETE"))


# --- 401 refresh --------------------------------------------------------------------------


def bearer(request: Request) -> str:
    return dict(request.headers)["Authorization"]


@virtual
async def test_a_401_refreshes_the_token_once_and_retries() -> None:
    t = FakeTransport(Answer(401, b'{"code": 401, "message": "Unauthorized"}'), ok_json())
    tokens = Tokens()
    path = make_path(t, tokens=tokens)
    assert (await path.send(json_call(auth=Auth.BEARER, dialect=Dialect.V4))).status == 200
    assert tokens.refreshed == [TOKEN_1]
    assert [bearer(r) for r in t.requests] == [f"Bearer {TOKEN_1}", f"Bearer {TOKEN_2}"]


@virtual
async def test_a_second_401_is_final() -> None:
    unauthorized = Answer(401, b'{"code": 401, "message": "Unauthorized"}')
    t = FakeTransport(unauthorized, unauthorized, ok_json())
    tokens = Tokens()
    with pytest.raises(errors.AuthenticationError):
        await make_path(t, tokens=tokens).send(json_call(auth=Auth.BEARER))
    assert tokens.refreshed == [TOKEN_1]
    assert len(t.requests) == 2


@virtual
async def test_a_401_with_the_v4_key_is_not_refreshed() -> None:
    t = FakeTransport(Answer(401, b'{"code": 401, "message": "Unauthorized"}'), ok_json())
    with pytest.raises(errors.AuthenticationError):
        await make_path(t, tokens=Tokens()).send(json_call(auth=Auth.APIKEY))
    assert len(t.requests) == 1


# --- redaction ----------------------------------------------------------------------------


def _echo(request: Request) -> Answer:
    """An error answer that quotes every secret the request carried."""
    headers = dict(request.headers)
    echoed = f"{request.full_url} {headers.get('Authorization', '')} {KEY} {V4_KEY} {TOKEN_1}"
    return Answer(400, json.dumps({"error": {"code": "BAD_REQUEST", "message": echoed}}).encode())


@pytest.mark.parametrize("auth", [Auth.KEY, Auth.APIKEY, Auth.BEARER])
@virtual
async def test_secrets_echoed_by_the_server_are_masked_everywhere(
    auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    t = FakeTransport(_echo)
    path = make_path(t, tokens=Tokens())
    with pytest.raises(errors.BadRequest) as info:
        await path.send(json_call(auth=auth))
    err = info.value
    texts = [str(err), repr(err), repr(err.args), err.message, caplog.text]
    texts.append(repr(pickle.loads(pickle.dumps(err)).__dict__))
    # The key and the v4 key are known from the start, a token once it is used.
    secrets = (KEY, V4_KEY, TOKEN_1) if auth is Auth.BEARER else (KEY, V4_KEY)
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "***" in err.message
    assert "-> 400" in caplog.text  # the attempt was logged


@virtual
async def test_the_debug_log_masks_the_key_in_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    t = FakeTransport(Answer(200, csv_body(0, 2)))
    await collect(make_path(t), csv_call())
    assert ("key", KEY) in t.requests[0].params  # sent...
    assert KEY not in caplog.text  # ...but never logged
    assert "key=***" in caplog.text
    assert "2 rows" in caplog.text


# --- over real HTTP -----------------------------------------------------------------------


async def test_a_repeated_page_is_settled_to_what_the_server_charged(
    sandbox: SemrushSandbox,
) -> None:
    # ``backlinks_historical`` has no offset: a cut page is asked for again in full,
    # and the server charges every row of it, including those the caller already has
    # (the client settled only the new rows before).
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        clean = await c.backlinks.historical("medium.example")
        spent = sandbox.units_spent()
        sandbox.inject("account", "drop")
        again = await c.backlinks.historical("medium.example")
        assert again == clean
        assert len(clean) >= 2
        assert sandbox.units_spent() - spent == 2 * spent  # the cut page and its repeat
        assert c.units.spent == sandbox.units_spent()
        assert c.units.reserved == 0
