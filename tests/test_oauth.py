"""OAuth 2.0 for API v4 against the sandbox over real HTTP (long waits simulated)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from semrush_async import AccessDenied, DeviceCodeExpired, LoginRequired, SemrushClient
from semrush_async.oauth import FileTokenStore, MemoryTokenStore, OAuthConfig, TokenSet
from semrush_async.resources.auth import DevicePrompt
from semrush_async.testing import CLIENT_ID, CLIENT_SECRET, OAuthServer, SemrushSandbox

WEEK = 604_800


def oauth(sb: SemrushSandbox) -> OAuthServer:
    server: OAuthServer = sb.state.extensions["oauth"]
    return server


def some_location(sb: SemrushSandbox) -> str:
    return str(next(iter(sb.state.extensions["locations"])))


def fake_sleep(
    sb: SemrushSandbox,
    sleeps: list[float],
    *,
    short_first: bool = False,
    on_poll: Callable[[int], None] | None = None,
) -> Callable[[float], Awaitable[None]]:
    """Advance the sandbox's OAuth clock instead of waiting (optionally too little once,
    as a client polling too fast would)."""

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        advance = 1.0 if short_first and len(sleeps) == 1 else seconds
        oauth(sb).advance(advance)
        if on_poll is not None:
            on_poll(len(sleeps))
        await asyncio.sleep(0)

    return sleep


async def log_in(c: SemrushClient, sb: SemrushSandbox) -> None:
    """Store a fresh device-flow token set, as if the user had logged in."""
    doc = oauth(sb).issue_token_set()
    tokens = TokenSet.from_response(
        doc, grant="device_code", now=time.time(), refresh_lifetime=30 * 86400
    )
    await c.auth.provider.set(tokens)


def offset_clock(sb: SemrushSandbox) -> Callable[[], float]:
    return lambda: time.time() + oauth(sb).offset


async def test_device_flow_end_to_end(sandbox: SemrushSandbox) -> None:
    prompts: list[DevicePrompt] = []
    sleeps: list[float] = []

    def approve_on_third(n: int) -> None:
        if n == 3:
            oauth(sandbox).approve(prompts[0].user_code)

    async with sandbox.client(token=None) as c:
        c.auth.sleep = fake_sleep(sandbox, sleeps, on_poll=approve_on_third)
        tokens = await c.auth.device_login(on_prompt=prompts.append)
        loc = await c.listings.get_location(some_location(sandbox))
    assert prompts[0].verification_uri.startswith(sandbox.url + "/dag/auth/verify_code")
    assert prompts[0].expires_in == 300
    assert "open http" in str(prompts[0])
    assert sleeps == [5, 5, 5]
    assert tokens.grant == "device_code"
    assert tokens.expires_at is not None
    assert "***" in repr(tokens)
    assert tokens.access_token not in repr(tokens)
    assert loc.id == some_location(sandbox)


async def test_slow_down_adds_five_seconds_for_every_later_poll(sandbox: SemrushSandbox) -> None:
    sleeps: list[float] = []
    prompts: list[DevicePrompt] = []

    def approve(n: int) -> None:
        if n == 4:
            oauth(sandbox).approve(prompts[0].user_code)

    async with sandbox.client(token=None) as c:
        c.auth.sleep = fake_sleep(sandbox, sleeps, short_first=True, on_poll=approve)
        await c.auth.device_login(on_prompt=prompts.append)
    # First poll came too early -> slow_down -> every later interval is 10 s.
    assert sleeps == [5, 10, 10, 10]


async def test_denied_and_expired(sandbox: SemrushSandbox) -> None:
    prompts: list[DevicePrompt] = []

    async with sandbox.client(token=None) as c:
        c.auth.sleep = fake_sleep(
            sandbox, [], on_poll=lambda n: oauth(sandbox).deny(prompts[-1].user_code)
        )
        with pytest.raises(AccessDenied, match="Run the login again"):
            await c.auth.device_login(on_prompt=prompts.append)
        c.auth.sleep = fake_sleep(sandbox, [], on_poll=lambda n: oauth(sandbox).advance(400))
        c.auth.clock = offset_clock(sandbox)
        with pytest.raises(DeviceCodeExpired):
            await c.auth.device_login(on_prompt=prompts.append)


async def test_cancelling_stops_polling(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(token=None) as c:
        task = asyncio.create_task(c.auth.device_login(on_prompt=lambda p: None))
        await asyncio.sleep(0.2)  # real 5 s interval: the task is sleeping
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert oauth(sandbox).token_requests == 0


async def test_auth_code_exchange_and_refresh_rotation(sandbox: SemrushSandbox) -> None:
    config = OAuthConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    async with sandbox.client(token=None, oauth=config) as c:
        url = c.auth.authorize_url(state="xyz")
        assert "response_type=code" in url
        async with aiohttp.ClientSession() as s, s.get(url, allow_redirects=False) as r:
            code = r.headers["Location"].split("code=")[1]
        first = await c.auth.exchange_code(code)
        assert first.grant == "authorization_code"
        second = await c.auth.refresh()
        assert second.refresh_token != first.refresh_token
        assert (await c.listings.get_location(some_location(sandbox))).id
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            sandbox.url + "/oauth2/access_token",
            data={
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": first.refresh_token or "",
            },
        ) as r,
    ):
        assert (await r.json())["error"] == "invalid_grant"


async def test_401_refreshes_once_and_retries(sandbox: SemrushSandbox) -> None:
    store = MemoryTokenStore()
    async with sandbox.client(token=None, token_store=store) as c:
        await log_in(c, sandbox)
        oauth(sandbox).revoke_all()  # the server forgets access tokens
        loc = await c.listings.get_location(some_location(sandbox))
    assert loc.id
    assert c.auth.provider.refreshes == 1
    assert oauth(sandbox).refresh_count == 1
    # The sandbox answers a bad token before admission: only the retry is counted.
    assert sandbox.counters("listings.get_location").accepted == 1


async def test_single_flight_refresh_for_100_concurrent_calls(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(token=None) as c:
        await log_in(c, sandbox)
        oauth(sandbox).advance(WEEK + 1)  # every access token is now expired
        c.auth.provider.clock = offset_clock(sandbox)
        lid = some_location(sandbox)
        results = await asyncio.gather(*(c.listings.get_location(lid) for _ in range(100)))
    assert len(results) == 100
    assert all(r.id == lid for r in results)
    assert oauth(sandbox).refresh_count == 1
    assert c.auth.provider.refreshes == 1
    assert sandbox.counters("listings.get_location").rejected == 0


async def test_refresh_ahead_of_expiry_avoids_401(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(token=None) as c:
        await log_in(c, sandbox)
        oauth(sandbox).advance(WEEK - 600)  # ten minutes left, inside refresh_ahead
        c.auth.provider.clock = offset_clock(sandbox)
        await c.listings.get_location(some_location(sandbox))
    assert oauth(sandbox).refresh_count == 1
    assert sandbox.counters("listings.get_location").accepted == 1


async def test_refresh_impossible_says_log_in_again(sandbox: SemrushSandbox) -> None:
    async with sandbox.client(token=None) as c:
        await log_in(c, sandbox)
        oauth(sandbox).advance(31 * 86400)
        c.auth.provider.clock = offset_clock(sandbox)
        with pytest.raises(LoginRequired, match="device_login"):
            await c.listings.get_location(some_location(sandbox))
        # The server refusing a refresh token also ends in LoginRequired.
        await c.auth.provider.set(
            TokenSet("bogus-access-000", "bogus-refresh-000", expires_at=time.time())
        )
        c.auth.provider.clock = time.time
        with pytest.raises(LoginRequired, match="invalid_grant"):
            await c.listings.get_location(some_location(sandbox))
    assert sandbox.counters("listings.get_location").accepted == 0


async def test_file_store_mode_atomicity_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "tokens.json"
    store = FileTokenStore(path)
    assert await store.load() is None
    t1 = TokenSet("access-1-xxxxxx", "refresh-1-xxxxx", expires_at=1.0, grant="device_code")
    await store.save(t1)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert await store.load() == t1
    # Concurrent saves: the file is always one complete token set, no temp files left.
    sets = [TokenSet(f"access-{i}-xxxxxx", f"refresh-{i}-xxxx") for i in range(20)]
    await asyncio.gather(*(store.save(t) for t in sets))
    assert await store.load() in sets
    assert json.loads(path.read_text())["access_token"].startswith("access-")
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens.json"]
    await store.clear()
    assert await store.load() is None
    path.write_text("{not json")
    with pytest.raises(LoginRequired):
        await store.load()


async def test_file_store_feeds_a_new_client(sandbox: SemrushSandbox, tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    doc = oauth(sandbox).issue_token_set()
    await store.save(
        TokenSet.from_response(
            doc, grant="device_code", now=time.time(), refresh_lifetime=30 * 86400
        )
    )
    async with SemrushClient(base_url=sandbox.url, oauth_url=sandbox.url, token_store=store) as c:
        assert (await c.listings.get_location(some_location(sandbox))).id


async def test_no_secret_in_logs_or_errors(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    config = OAuthConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    texts: list[str] = []
    async with sandbox.client(token=None, oauth=config) as c:
        async with (
            aiohttp.ClientSession() as s,
            s.get(c.auth.authorize_url(), allow_redirects=False) as r,
        ):
            code = r.headers["Location"].split("code=")[1]
        tokens = await c.auth.exchange_code(code)
        second = await c.auth.refresh()
        try:
            await c.auth.exchange_code(code)  # reused code -> invalid_grant
        except Exception as e:
            texts += [str(e), repr(e), "".join(traceback.format_exception(e))]
        texts += [repr(c), repr(c.auth.provider), repr(config), repr(tokens)]
    secrets = [
        CLIENT_SECRET,
        code,
        tokens.access_token,
        tokens.refresh_token or "",
        second.access_token,
        second.refresh_token or "",
    ]
    for secret in secrets:
        assert secret not in caplog.text
        for t in texts:
            assert secret not in t
