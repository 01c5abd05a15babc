"""The one request path over real loopback HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import logging
import traceback

import aiohttp
import pytest

from semrush_async import (
    AuthenticationError,
    RateLimited,
    RetryAfterTooLong,
    RetryPolicy,
    SemrushClient,
    ServerError,
    TransportError,
)
from semrush_async.testing import SemrushSandbox, report_size, row
from tests.conftest import FAST_RETRY

KEY = "sandbox-key-0000000000000000"


async def test_balance_with_thousands_separators(sandbox: SemrushSandbox) -> None:
    sandbox.set_balance(1_234_567)
    async with sandbox.client() as c:
        assert await c.units.balance() == 1_234_567


async def test_missing_key_raises_before_sending(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEMRUSH_API_KEY", raising=False)
    async with sandbox.client(api_key=None) as c:
        with pytest.raises(AuthenticationError, match="SEMRUSH_API_KEY"):
            await c.backlinks.overview("small.example")
    assert sandbox.counters("account").accepted == 0
    assert not any(s.started or s.waiting for s in c.governor_stats().values())


async def test_api_key_from_environment(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMRUSH_API_KEY", sandbox.api_key)
    async with SemrushClient(base_url=sandbox.url, www_url=sandbox.url) as c:
        assert await c.units.balance() > 0


@pytest.mark.parametrize("kind", ["502", "550", "553", "554"])
async def test_5xx_is_retried(sandbox: SemrushSandbox, kind: str) -> None:
    sandbox.inject("account", kind, times=2)  # type: ignore[arg-type]
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        ov = await c.backlinks.overview("small.example")
    assert ov is not None
    assert sandbox.counters("account").accepted == 3
    assert c.units.spent == 40


async def test_retries_exhausted_raise_server_error(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "550", times=10)
    policy = RetryPolicy(max_retries=2, base=0.01, cap=0.02)
    async with sandbox.client(retry_policy=policy) as c:
        with pytest.raises(ServerError) as ei:
            await c.backlinks.overview("small.example")
    assert ei.value.status == 550
    assert sandbox.counters("account").accepted == 3
    assert c.units.spent == 0
    assert c.units.reserved == 0


async def test_429_pauses_the_endpoint_for_every_caller(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "429", seconds=0.5)
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await asyncio.gather(*(c.backlinks.overview(f"s{i}.example") for i in range(5)))
        elapsed = loop.time() - t0
        stats = c.governor_stats()["account"]
    assert stats.rate_limited == 1
    starts = sandbox.counters("account").starts
    # Nothing started in the pause that followed the 429 (first start + 0.5 s).
    after = [s - starts[0] for s in starts[1:]]
    assert all(a >= 0.45 for a in after[1:]), after
    assert elapsed >= 0.5


async def test_retry_after_above_the_cap_raises(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "429", seconds=600)
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        with pytest.raises(RetryAfterTooLong) as ei:
            await c.backlinks.overview("small.example")
    assert ei.value.retry_after == 600
    assert isinstance(ei.value, RateLimited)


async def test_mid_stream_drop_resumes_without_loss_or_duplicates(
    sandbox: SemrushSandbox,
) -> None:
    n = report_size("backlinks", 0, "medium.example")
    sandbox.inject("account", "drop", times=2)
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        rows = await c.backlinks.backlinks("medium.example", columns=["source_url"])
        spent = c.units.spent
    expected = [row("backlinks", 0, "medium.example", i, n)["source_url"] for i in range(n)]
    assert [r.source_url for r in rows] == expected
    # The server charges a page when it starts sending it: each cut page was paid in
    # full, each resume again. The client settles to exactly that, never less.
    assert sandbox.units_spent() == 40 * (n + n // 2 + n // 4)
    assert spent == sandbox.units_spent()
    assert sandbox.faults_injected == [("account", "drop"), ("account", "drop")]


async def test_stall_times_out_and_retries(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "stall", seconds=1.0)
    async with sandbox.client(retry_policy=FAST_RETRY, timeout=0.2) as c:
        ov = await c.backlinks.overview("small.example")
    assert ov is not None


async def test_connection_refused_is_a_redacted_transport_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Bind and close a socket to get a port nobody listens on.
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    policy = RetryPolicy(max_retries=1, base=0.01, cap=0.01)
    async with SemrushClient(
        api_key="TOPSECRETKEY-42", base_url=f"http://127.0.0.1:{port}", retry_policy=policy
    ) as c:
        with pytest.raises(TransportError) as ei:
            await c.backlinks.overview("small.example")
    text = str(ei.value) + repr(ei.value) + "".join(traceback.format_exception(ei.value))
    assert "TOPSECRETKEY-42" not in text
    assert "TOPSECRETKEY-42" not in caplog.text
    assert ei.value.__cause__ is None


async def test_no_secret_in_errors_logs_or_reprs(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    async with sandbox.client() as c:
        await c.backlinks.overview("small.example")
        r = repr(c)
    async with sandbox.client(api_key="WRONG-KEY-9876543") as bad:
        with pytest.raises(AuthenticationError) as ei:
            await bad.backlinks.overview("small.example")
    for secret in (KEY, "WRONG-KEY-9876543"):
        assert secret not in caplog.text
        assert secret not in r
        assert secret not in str(ei.value)
        assert secret not in "".join(traceback.format_exception(ei.value))
    assert "key=***" in caplog.text


async def test_one_debug_record_per_request(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    async with sandbox.client() as c:
        await c.backlinks.overview("small.example")
        await c.units.balance()
    records = [r for r in caplog.records if r.name == "semrush_async"]
    assert len(records) == 2
    msg = records[0].getMessage()
    assert "/analytics/v1/" in msg
    assert "-> 200" in msg
    assert "governor wait" in msg
    assert " ms" in msg


async def test_injected_session_is_left_open(sandbox: SemrushSandbox) -> None:
    async with aiohttp.ClientSession() as session:
        async with sandbox.client(session=session) as c:
            await c.units.balance()
        assert not session.closed
    async with sandbox.client() as owned:
        await owned.units.balance()
        inner = owned._http
    assert inner is not None
    assert inner.closed


async def test_closed_client_refuses_new_requests(sandbox: SemrushSandbox) -> None:
    c = sandbox.client()
    async with c:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        await c.units.balance()
