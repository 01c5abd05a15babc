"""Issue 24: per-call options, queue deadlines, logging and hooks, proxies and
configuration, each over real HTTP against the sandbox."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from semrush_async import (
    Limit,
    QueueTimeout,
    RequestEvent,
    ResponseEvent,
    RetryPolicy,
    SemrushClient,
    TransportError,
)
from semrush_async.testing import SemrushSandbox
from tests.conftest import FAST_RETRY

ACCOUNT_10 = {"account": Limit(10, 1.0, concurrency=10)}


# --- max_wait ----------------------------------------------------------------------------


async def test_60_queued_calls_with_max_wait_fail_fast_past_the_deadline(
    sandbox: SemrushSandbox,
) -> None:
    async with sandbox.client(limits=ACCOUNT_10) as base:
        fast = base.with_options(max_wait=0.5)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        failed_at: list[float] = []

        async def one() -> object:
            try:
                return await fast.backlinks.overview("small.example")
            except QueueTimeout as e:
                failed_at.append(loop.time() - t0)
                return e

        results = await asyncio.gather(*(one() for _ in range(60)))
        timeouts = [r for r in results if isinstance(r, QueueTimeout)]
        ok = len(results) - len(timeouts)
        # At 10/s (spaced 0.1 s), about 5 starts fit into 0.5 s; the rest cannot.
        assert 1 <= ok <= 8, ok
        assert len(timeouts) >= 52
        for e in timeouts:
            assert e.endpoint == "account"
            assert e.expected_wait > 0.5
            assert e.max_wait == 0.5
            assert e.retry_after >= 1
            assert "max_wait=0.5s" in str(e)
        # Fail fast: most were refused at once (the waiters ahead alone would take
        # longer), not after waiting out their 0.5 s.
        assert sum(1 for t in failed_at if t < 0.5) >= 40
        # Nothing sent, nothing charged, nothing left reserved for them.
        assert sandbox.counters("account").accepted == ok
        assert base.units.spent == 40 * ok
        assert sandbox.units_spent() == 40 * ok
        assert base.units.reserved == 0
        assert base.governor_stats()["account"].started == ok
        assert base.governor_stats()["account"].waiting == 0


async def test_max_wait_on_the_client_and_none_by_default(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(limits=ACCOUNT_10, max_wait=0.0) as c:
        await c.backlinks.overview("small.example")  # the first start is free
        with pytest.raises(QueueTimeout):
            await c.backlinks.overview("small.example")
        # A view without max_wait keeps the client's; the base is unchanged.
        assert c.with_options(timeout=5)._session.options.max_wait == 0.0
    async with sandbox.client(limits=ACCOUNT_10) as c:
        await asyncio.gather(*(c.backlinks.overview("small.example") for _ in range(3)))
        assert sandbox.counters("account").accepted == 4


# --- with_options ------------------------------------------------------------------------


async def test_per_call_timeout_leaves_the_base_client_unchanged(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(retry_policy=FAST_RETRY, timeout=30.0) as base:
        sandbox.inject("account", "stall", seconds=1.0)
        view = base.with_options(timeout=0.2, max_retries=0)
        with pytest.raises(TransportError):
            await view.backlinks.overview("small.example")
        assert view.timeout == 0.2
        assert view.retry_policy.max_retries == 0
        assert base.timeout == 30.0
        assert base.retry_policy == FAST_RETRY
        # The base client still waits out a 1 s stall (its own 30 s timeout).
        sandbox.inject("account", "stall", seconds=1.0)
        assert await base.backlinks.overview("small.example") is not None
        # The view shares the session, governors, meter and tokens.
        assert view.units is base.units
        assert view.governance is base.governance
        assert view._request_path() is base._request_path()
        assert view.tokens is base.tokens
        await view.aclose()  # closes nothing
        assert await base.backlinks.overview("small.example") is not None
        assert base.units.spent == 80


async def test_with_options_retry_policy_and_validation(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(retry_policy=RetryPolicy(max_retries=0)) as base:
        sandbox.inject("account", "550", times=2)
        patient = base.with_options(retry_policy=FAST_RETRY)
        assert await patient.backlinks.overview("small.example") is not None
        for bad in ({"timeout": 0}, {"timeout": -1}, {"max_retries": -1}, {"max_wait": -0.1}):
            with pytest.raises(ValueError, match=next(iter(bad))):
                base.with_options(**bad)


# --- logging and hooks -------------------------------------------------------------------


async def test_a_retried_503_is_logged_at_info(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="semrush_async")
    sandbox.inject("account", "echo", status=503)
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        assert await c.backlinks.overview("small.example") is not None
    [record] = [r for r in caplog.records if r.levelno == logging.INFO]
    assert record.name == "semrush_async"
    assert record.endpoint == "account"  # type: ignore[attr-defined]
    assert record.attempt == 1  # type: ignore[attr-defined]
    assert record.status == 503  # type: ignore[attr-defined]
    assert record.wait >= 0  # type: ignore[attr-defined]
    assert hasattr(record, "request_id")
    text = record.getMessage()
    assert "HTTP 503" in text
    assert "retry 1 of 5" in text
    assert sandbox.api_key not in caplog.text


async def test_429_pause_and_long_governor_wait_logged_at_info(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="semrush_async")
    sandbox.inject("account", "429", seconds=0.2)
    async with sandbox.client(
        retry_policy=FAST_RETRY, limits={"account": Limit(1, 0.3)}, log_waits_over=0.1
    ) as c:
        await asyncio.gather(*(c.backlinks.overview("small.example") for _ in range(2)))
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("pausing the endpoint" in m and "RateLimited" in m for m in messages)
    assert any("for the rate limit" in m for m in messages)
    assert sandbox.api_key not in caplog.text


async def test_event_hooks_see_every_attempt_without_secrets(sandbox: SemrushSandbox) -> None:
    requests: list[RequestEvent] = []
    responses: list[ResponseEvent] = []

    def broken(event: object) -> None:
        raise RuntimeError("a metrics bug")

    sandbox.inject("account", "550")
    async with sandbox.client(
        retry_policy=FAST_RETRY,
        event_hooks={"request": [requests.append, broken], "response": [responses.append]},
    ) as c:
        await c.backlinks.overview("small.example")
    assert [e.attempt for e in requests] == [1, 2]
    assert [(e.attempt, e.status, e.error) for e in responses] == [
        (1, 550, "ServerError"),
        (2, 200, None),
    ]
    assert responses[-1].units == 40
    assert responses[0].units == 0
    assert all(e.endpoint == "account" for e in requests)
    assert all(e.endpoint == "account" for e in responses)
    assert all(sandbox.api_key not in e.url for e in requests)
    assert all(sandbox.api_key not in e.url for e in responses)
    with pytest.raises(ValueError, match="unknown event hook"):
        SemrushClient(api_key="k", event_hooks={"on_request": []})


# --- proxy -------------------------------------------------------------------------------


class _Proxy:
    """A forward HTTP proxy on 127.0.0.1 that counts what it relays."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
            self.requests.append(method + b" " + target)
            if method == b"CONNECT":
                host, port = target.decode().rsplit(":", 1)
                up_r, up_w = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                rest = b""
            else:
                url = target.decode()
                assert url.startswith("http://127.0.0.1:"), url
                hostport, _, path = url[len("http://") :].partition("/")
                host, port = hostport.rsplit(":", 1)
                up_r, up_w = await asyncio.open_connection(host, int(port))
                rest = head.replace(target, b"/" + path.encode(), 1)
                # One request per connection: the upstream closes after answering.
                rest = rest.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
            up_w.write(rest)
            await asyncio.gather(self._pipe(reader, up_w), self._pipe(up_r, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except OSError:
            pass
        finally:
            dst.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def proxy() -> AsyncIterator[_Proxy]:
    p = _Proxy()
    await p.start()
    yield p
    await p.stop()


async def test_proxy_applies_to_every_request(sandbox: SemrushSandbox, proxy: _Proxy) -> None:
    async with sandbox.client(proxy=proxy.url, retry_policy=FAST_RETRY) as c:
        await c.backlinks.overview("small.example")
        await c.units.balance()
    assert len(proxy.requests) == 2
    assert all(r.startswith(b"GET http://127.0.0.1:") for r in proxy.requests)
    assert sandbox.counters("account").accepted == 1


async def test_trust_env_takes_the_proxy_from_the_environment(
    sandbox: SemrushSandbox, proxy: _Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    async with sandbox.client(trust_env=True) as c:
        await c.backlinks.overview("small.example")
    assert len(proxy.requests) == 1
    async with sandbox.client() as c:  # trust_env=False (the default) ignores it
        await c.backlinks.overview("small.example")
    assert len(proxy.requests) == 1


# --- configuration -----------------------------------------------------------------------


async def test_the_library_reads_every_cli_variable(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("SEMRUSH_BASE_URL", sandbox.url)
    monkeypatch.setenv("SEMRUSH_OAUTH_URL", sandbox.url + "/")
    monkeypatch.setenv("SEMRUSH_WWW_URL", sandbox.url)
    monkeypatch.setenv("SEMRUSH_API_KEY", sandbox.api_key)
    token_file = f"{tmp_path}/tokens.json"
    monkeypatch.setenv("SEMRUSH_TOKEN_FILE", token_file)
    async with SemrushClient() as c:
        assert (c.base_url, c.oauth_url, c.www_url) == (sandbox.url,) * 3
        assert await c.units.balance() > 0
        assert await c.backlinks.overview("small.example") is not None
        assert str(getattr(c._oauth_provider.store, "path", "")) == token_file
    # An explicit argument wins.
    async with SemrushClient(base_url="http://127.0.0.1:9") as c:
        assert c.base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"unit_budget": -5}, "unit_budget"),
        ({"max_wait": -1}, "max_wait"),
        ({"safety_margin": 1.0}, "safety_margin"),
        ({"log_waits_over": -1}, "log_waits_over"),
    ],
)
def test_invalid_numbers_are_refused_at_construction(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        SemrushClient(api_key="k", **kwargs)  # type: ignore[arg-type]


def test_the_standalone_sandbox_prints_every_credential() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "semrush_async.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stderr is not None
        port = proc.stdout.readline().strip()
        banner = [proc.stderr.readline() for _ in range(9)]
    finally:
        proc.terminate()
        proc.wait(10)
    text = "".join(banner)
    assert f"http://127.0.0.1:{port}" in text
    from semrush_async.testing import SemrushSandbox as Sb

    sb = Sb()
    for secret in (sb.api_key, sb.v4_api_key, sb.read_only_v4_key, "sandbox-client-secret"):
        assert secret in text, secret
    assert "SEMRUSH_BASE_URL=" in text
    assert "SEMRUSH_V4_API_KEY=" in text
