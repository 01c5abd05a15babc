"""OAuth 2.0 for API v4 against the sandbox over real HTTP (long waits simulated)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest

from semrush_async import (
    AccessDenied,
    DeviceCodeExpired,
    LoginRequired,
    SemrushClient,
    TokenFileError,
)
from semrush_async._core.oauth import (
    FileTokenStore,
    MemoryTokenStore,
    OAuthConfig,
    OAuthTokenProvider,
    TokenSet,
    _host,
)
from semrush_async.apis.auth.resource import DevicePrompt
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


# --- issue 13: short tokens, shared stores, failed refreshes, token files ------------------

ROOT = Path(__file__).resolve().parent.parent


def token_set(sb: SemrushSandbox, **changes: Any) -> TokenSet:
    doc = oauth(sb).issue_token_set()
    tokens = TokenSet.from_response(
        doc, grant="device_code", now=offset_clock(sb)(), refresh_lifetime=30 * 86400
    )
    return attrs.evolve(tokens, **changes)


@pytest.mark.sandbox(token_lifetime=60)
@pytest.mark.parametrize("elapsed", [40.0, 61.0], ids=["due", "expired"])
async def test_short_lived_token_is_refreshed_once(sandbox: SemrushSandbox, elapsed: float) -> None:
    """M1: a token shorter than refresh_ahead (1 h) is refreshed once, not per call."""
    async with sandbox.client(token=None) as c:
        c.auth.provider.clock = offset_clock(sandbox)
        await log_in(c, sandbox)
        lid = some_location(sandbox)
        assert (await c.listings.get_location(lid)).id == lid  # fresh 60 s token: no refresh
        assert oauth(sandbox).refresh_count == 0
        oauth(sandbox).advance(elapsed)  # 20 s left (due: under half), or expired
        results = await asyncio.gather(*(c.listings.get_location(lid) for _ in range(30)))
        assert all(r.id == lid for r in results)
        assert oauth(sandbox).refresh_count == 1
        for _ in range(30):  # the fresh token is not due: later calls do not refresh
            await c.listings.get_location(lid)
    assert oauth(sandbox).refresh_count == 1
    assert c.auth.provider.refreshes == 1
    assert sandbox.counters("listings.get_location").rejected == 0


async def test_waiters_share_a_failed_refresh(sandbox: SemrushSandbox) -> None:
    """M1: 20 calls wait on one refresh that is refused: one request, 20 errors."""
    async with sandbox.client(token=None) as c:
        await c.auth.provider.set(
            token_set(sandbox, refresh_token="revoked-refresh-token-111", expires_at=time.time())
        )
        lid = some_location(sandbox)
        outcomes = await asyncio.gather(
            *(c.listings.get_location(lid) for _ in range(20)), return_exceptions=True
        )
    assert all(isinstance(o, LoginRequired) for o in outcomes), outcomes
    assert "invalid_grant" in str(outcomes[-1])
    assert oauth(sandbox).token_requests == 1
    assert c.auth.provider.refreshes == 1
    assert sandbox.counters("listings.get_location").accepted == 0


async def test_client_adopts_the_pair_another_client_rotated(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    """H4: B's pair was rotated away by A (same file): B re-reads the file, no refresh."""
    path = tmp_path / "tokens.json"
    await FileTokenStore(path).save(token_set(sandbox))
    lid = some_location(sandbox)
    async with (
        sandbox.client(token=None, token_store=FileTokenStore(path)) as a,
        sandbox.client(token=None, token_store=FileTokenStore(path)) as b,
    ):
        await a.listings.get_location(lid)
        await b.listings.get_location(lid)
        rotated = await a.auth.refresh()  # the server drops the pair B holds
        assert (await b.listings.get_location(lid)).id == lid  # 401, re-read, retry
        assert (await b.auth.status()) == rotated
    assert oauth(sandbox).refresh_count == 1
    assert (a.auth.provider.refreshes, b.auth.provider.refreshes) == (1, 0)
    assert await FileTokenStore(path).load() == rotated


async def test_invalid_grant_rereads_the_store(sandbox: SemrushSandbox, tmp_path: Path) -> None:
    """H4: a writer that took no lock (another host) rotated the pair while B was
    refreshing; B's refresh gets invalid_grant, and B adopts the stored pair."""
    path = tmp_path / "tokens.json"
    original = token_set(sandbox, expires_at=offset_clock(sandbox)() - 1)
    await FileTokenStore(path).save(original)
    theirs: list[TokenSet] = []
    async with sandbox.client(token=None, token_store=FileTokenStore(path)) as b:
        send = b.auth._refresh

        async def raced(tokens: TokenSet) -> TokenSet:
            async with (
                aiohttp.ClientSession() as s,
                s.post(
                    sandbox.url + "/oauth2/access_token",
                    data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                ) as r,
            ):
                doc = await r.json()
            other = TokenSet.from_response(
                doc, grant="device_code", now=time.time(), refresh_lifetime=30 * 86400
            )
            await FileTokenStore(path).save(other)  # no lock: it is the other host's
            theirs.append(other)
            return await send(tokens)  # the pair B read is stale now: invalid_grant

        b.auth.provider.bind(raced)
        assert (await b.listings.get_location(some_location(sandbox))).id
        assert await b.auth.status() == theirs[0]
    assert oauth(sandbox).refresh_count == 1  # the other host's; B's was refused
    assert await FileTokenStore(path).load() == theirs[0]


@pytest.mark.sandbox(latency={"oauth": 0.3})
async def test_processes_sharing_a_token_file_refresh_once(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    """H4: four processes find the stored token expired at the same moment; the file
    lock lets one refresh, and the others use its pair (no invalid_grant)."""
    path = tmp_path / "tokens.json"
    await FileTokenStore(path).save(token_set(sandbox, expires_at=time.time() - 1))
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "tests" / "oauth_worker.py"),
            sandbox.url,
            str(path),
            some_location(sandbox),
            "3",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for _ in range(4)
    ]
    for p in procs:
        assert p.stdout is not None
        assert (await p.stdout.readline()).strip() == b"ready"
    outs = await asyncio.gather(*(p.communicate(b"go\n") for p in procs))
    reports = []
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    assert all(r["ok"] for r in reports), reports
    assert sum(r["refreshes"] for r in reports) == 1
    assert oauth(sandbox).refresh_count == 1
    stored = await FileTokenStore(path).load()
    assert stored is not None
    assert stored.access_token in oauth(sandbox).tokens


async def test_lock_factory_is_held_around_each_refresh(sandbox: SemrushSandbox) -> None:
    """H4: the provider takes the lock factory's lock (Redis governance's) to refresh."""
    held: list[str] = []
    inside: list[bool] = []

    @contextlib.asynccontextmanager
    async def lock(name: str) -> AsyncIterator[None]:
        held.append(name)
        yield
        held.remove(name)

    async with sandbox.client(token=None) as c:
        provider = OAuthTokenProvider(
            MemoryTokenStore(token_set(sandbox, expires_at=time.time() - 1)),
            refresh_ahead=3600,
            lock=lock,
        )
        send = c.auth._refresh

        async def refresher(tokens: TokenSet) -> TokenSet:
            inside.append(bool(held))
            return await send(tokens)

        provider.bind(refresher)
        c.tokens = provider
        await asyncio.gather(*(c.listings.get_location(some_location(sandbox)) for _ in range(5)))
    assert inside == [True]
    assert held == []


async def test_failed_refresh_ahead_of_expiry_keeps_the_valid_token(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """L4: a refresh ahead of expiry fails (500, then invalid_grant); the call still
    succeeds with the current token, a warning says so, and the refresh is retried later."""
    caplog.set_level(logging.WARNING, logger="semrush_async")
    lid = some_location(sandbox)
    async with sandbox.client(token=None) as c:
        c.auth.provider.clock = offset_clock(sandbox)
        await log_in(c, sandbox)
        tokens = await c.auth.status()
        assert tokens is not None
        oauth(sandbox).advance(WEEK - 600)  # ten minutes left: due
        sandbox.inject("oauth", "502")
        results = await asyncio.gather(*(c.listings.get_location(lid) for _ in range(10)))
        assert all(r.id == lid for r in results)
        assert c.auth.provider.refreshes == 1  # one failed attempt, shared by all ten
        assert "ahead of expiry failed (ServerError" in caplog.text
        await c.listings.get_location(lid)  # within the back-off: no new attempt
        assert c.auth.provider.refreshes == 1
        oauth(sandbox).advance(61)  # back-off over: the retry succeeds
        await c.listings.get_location(lid)
        assert (c.auth.provider.refreshes, oauth(sandbox).refresh_count) == (2, 1)
        # A refused refresh token (invalid_grant) does not fail a valid token either.
        doomed = token_set(sandbox, refresh_token="revoked-refresh-token-000")
        await c.auth.provider.set(doomed)
        oauth(sandbox).advance(WEEK - 600)
        assert (await c.listings.get_location(lid)).id == lid
        assert "ahead of expiry failed (LoginRequired" in caplog.text
        oauth(sandbox).advance(601)  # now it has expired: the refusal is final
        with pytest.raises(LoginRequired, match="invalid_grant"):
            await c.listings.get_location(lid)
    assert sandbox.counters("listings.get_location").rejected == 0
    for secret in (tokens.access_token, tokens.refresh_token or "", doomed.access_token):
        assert secret not in caplog.text
    assert "revoked-refresh-token-000" not in caplog.text


async def test_tokens_loaded_from_a_store_are_redacted(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    """L5: the tokens a store holds are masked before any request uses them."""
    path = tmp_path / "tokens.json"
    stored = token_set(sandbox)
    await FileTokenStore(path).save(stored)
    async with sandbox.client(token=None, token_store=FileTokenStore(path)) as c:
        assert await c.auth.status() == stored
        text = f"access {stored.access_token} refresh {stored.refresh_token}"
        assert c._redactor(text) == "access *** refresh ***"
        assert (await c.listings.get_location(some_location(sandbox))).id
        rotated = await c.auth.refresh()
        assert rotated.refresh_token
        assert c._redactor(f"x {rotated.refresh_token}") == "x ***"


KILLED_SAVE = """
import asyncio, os, signal, sys
from semrush_async._core.oauth import FileTokenStore, TokenSet
# Die the moment the temp file holds the tokens, before the rename.
os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(FileTokenStore(sys.argv[1]).save(TokenSet(sys.argv[2], sys.argv[3])))
"""


def kill_during_save(path: Path, access: str, refresh: str) -> list[Path]:
    """Run a save in a process killed mid-write; return the temp files it left."""
    p = subprocess.run(
        [sys.executable, "-c", KILLED_SAVE, str(path), access, refresh],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
    )
    assert p.returncode == -signal.SIGKILL, p.stderr.decode()
    left = [f for f in path.parent.iterdir() if f.name != path.name]
    assert left
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in left)
    assert any(access in f.read_text() for f in left)  # the kill did leave tokens behind
    return left


def token_files(directory: Path, secret: str) -> list[str]:
    return [f.name for f in directory.iterdir() if f.is_file() and secret in f.read_text()]


async def test_killed_save_leaves_no_temp_file(tmp_path: Path) -> None:
    """L7: temp files of a killed save are removed by the next load (or save)."""
    path = tmp_path / "tokens.json"
    await FileTokenStore(path).save(TokenSet("kept-access-000", "kept-refresh-000"))
    kill_during_save(path, "killed-access-000", "killed-refresh-000")
    assert await FileTokenStore(path).load() == TokenSet("kept-access-000", "kept-refresh-000")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["tokens.json"]
    kill_during_save(path, "killed-access-111", "killed-refresh-111")
    await FileTokenStore(path).save(TokenSet("next-access-000", "next-refresh-000"))
    assert sorted(f.name for f in tmp_path.iterdir()) == ["tokens.json"]


async def test_logout_removes_the_token_file_and_temp_files(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    """L7: after a killed save, logout leaves no file holding a token."""
    path = tmp_path / "tokens.json"
    await FileTokenStore(path).save(token_set(sandbox))
    async with sandbox.client(token=None, token_store=FileTokenStore(path)) as c:
        assert (await c.listings.get_location(some_location(sandbox))).id
        left = kill_during_save(path, "killed-access-222", "killed-refresh-222")
        await c.auth.logout()
        with pytest.raises(LoginRequired, match="device_login"):
            await c.listings.get_location(some_location(sandbox))
    assert not path.exists()
    assert not any(f.exists() for f in left)
    assert token_files(tmp_path, "killed-access-222") == []
    assert token_files(tmp_path, "access_token") == []


WRONG_SHAPES = [
    ("[]", "expected a JSON object"),
    ('"tokens"', "expected a JSON object"),
    ("{}", "access_token is missing"),
    ('{"access_token": 12345678}', "access_token is missing or not a string"),
    ('{"access_token": "SECRET-ACCESS-1", "refresh_token": ["x"]}', "refresh_token is not"),
    ('{"access_token": "SECRET-ACCESS-1", "expires_at": "soon"}', "expires_at is not a number"),
    ('{"access_token": "SECRET-ACCESS-1", "expires_at": true}', "expires_at is not a number"),
    ('{"access_token": "SECRET-ACCESS-1", "grant": "SECRET-GRANT"}', "grant is not one of"),
    ('{"access_token": "SECRET-ACCESS-1",', "invalid JSON at line 1"),
    ("[" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(("content", "reason"), WRONG_SHAPES)
async def test_token_file_of_the_wrong_shape(tmp_path: Path, content: str, reason: str) -> None:
    """L8: a typed one-line error naming the problem, never the file's content."""
    path = tmp_path / "tokens.json"
    path.write_text(content)
    with pytest.raises(TokenFileError) as info:
        await FileTokenStore(path).load()
    text = str(info.value)
    assert reason in text
    assert str(path) in text
    assert "log in again" in text
    assert "\n" not in text
    assert "SECRET" not in text
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert isinstance(info.value, LoginRequired)


def test_cli_reports_a_bad_token_file_in_one_line(tmp_path: Path) -> None:
    """L8: ``auth status`` on a token file of the wrong shape: one line, no traceback.
    (Without ``--sandbox``, which never reads a token file; status sends nothing, and
    every URL points at a closed local port anyway.)"""
    path = tmp_path / "tokens.json"
    nowhere = "http://127.0.0.1:9"
    env = {**os.environ, "SEMRUSH_TOKEN_FILE": str(path), "SEMRUSH_OAUTH_URL": nowhere}
    env.update(SEMRUSH_BASE_URL=nowhere, SEMRUSH_WWW_URL=nowhere)
    env.pop("SEMRUSH_API_KEY", None)
    for content in ('["SECRET-ACCESS-1"]', '{"refresh_token": "SECRET-REFRESH-1"}'):
        path.write_text(content)
        p = subprocess.run(
            [sys.executable, "-m", "semrush_async.cli", "auth", "status"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=ROOT,
        )
        assert p.returncode == 1
        assert p.stdout == ""
        lines = p.stderr.splitlines()
        assert len(lines) == 1, p.stderr
        assert lines[0].startswith(f"error: the token file {path} is not a token set")
        assert "semrush-async auth login" in lines[0]
        assert "Traceback" not in p.stderr
        assert "SECRET" not in p.stderr


async def test_sweep_spares_temp_files_of_live_saves(tmp_path: Path) -> None:
    """L7: only temp files no live save will rename are removed: a live process's
    stays; another host's stays until it is ten minutes old."""
    path = tmp_path / "tokens.json"
    host = _host()
    live = tmp_path / f".tokens.json.{host}.{os.getpid()}.0a0a0a0a.tmp"
    foreign = tmp_path / ".tokens.json.other-host.1.0b0b0b0b.tmp"
    ancient = tmp_path / ".tokens.json.other-host.2.0c0c0c0c.tmp"
    unrelated = tmp_path / ".tokens.json.notes"
    for f in (live, foreign, ancient, unrelated):
        f.write_text("{}")
    os.utime(ancient, (time.time() - 601, time.time() - 601))
    assert await FileTokenStore(path).load() is None
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(
        f.name for f in (live, foreign, unrelated)
    )


async def test_file_lock_waits_without_blocking_the_loop(tmp_path: Path) -> None:
    """H4: a second holder of the token file's lock waits by polling (the loop keeps
    running, the wait can be cancelled) and gets the lock once it is free."""
    path = tmp_path / "tokens.json"
    order: list[str] = []

    async def take(store: FileTokenStore, name: str) -> None:
        async with store.lock():
            order.append(name)

    async with FileTokenStore(path).lock():
        cancelled = asyncio.create_task(take(FileTokenStore(path), "cancelled"))
        later = asyncio.create_task(take(FileTokenStore(path), "later"))
        for _ in range(5):
            await asyncio.sleep(0.02)  # the event loop is not blocked by the waiters
        assert order == []
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    async with asyncio.timeout(10):
        await later
    assert order == ["later"]
    assert (tmp_path / "tokens.json.lock").stat().st_size == 0


# --- issue 21 C3: Semrush refuses a dead refresh token with invalid_request ------------


@pytest.mark.sandbox(refresh_refusal="invalid_request")
async def test_dead_refresh_token_answered_invalid_request_is_refused_once(
    sandbox: SemrushSandbox,
) -> None:
    """``invalid_request`` on a refresh is a refusal, like ``invalid_grant``: one refresh
    request, LoginRequired for every caller, and later calls send no refresh at all
    (a client that retried it made 814,000 failing refresh calls a day)."""
    async with sandbox.client(token=None) as c:
        await c.auth.provider.set(
            token_set(sandbox, refresh_token="dead-refresh-token-222", expires_at=time.time())
        )
        lid = some_location(sandbox)
        outcomes = await asyncio.gather(
            *(c.listings.get_location(lid) for _ in range(20)), return_exceptions=True
        )
        assert all(isinstance(o, LoginRequired) for o in outcomes), outcomes
        assert "refused (invalid_request)" in str(outcomes[-1])
        assert "semrush_async" not in str(outcomes[-1])
        for _ in range(5):
            with pytest.raises(LoginRequired, match="not sent again; nothing was sent"):
                await c.listings.get_location(lid)
    assert oauth(sandbox).refresh_requests == 1
    assert c.auth.provider.refreshes == 1
    assert sandbox.counters("listings.get_location").accepted == 0


@pytest.mark.sandbox(refresh_refusal="invalid_request")
async def test_401_then_invalid_request_logs_in_again_without_a_refresh_loop(
    sandbox: SemrushSandbox,
) -> None:
    """A rejected (revoked) access token: one refresh, refused; every later 401 on the
    same token ends in LoginRequired with no second refresh request."""
    async with sandbox.client(token=None) as c:
        await c.auth.provider.set(token_set(sandbox, refresh_token="dead-refresh-token-333"))
        oauth(sandbox).revoke_all()
        lid = some_location(sandbox)
        for _ in range(3):
            with pytest.raises(LoginRequired):
                await c.listings.get_location(lid)
    assert oauth(sandbox).refresh_requests == 1


async def test_sandbox_refuses_a_dead_refresh_token_as_configured() -> None:
    for refusal in ("invalid_grant", "invalid_request"):
        async with SemrushSandbox(refresh_refusal=refusal) as sb:
            form = {"grant_type": "refresh_token", "refresh_token": "never-issued-000"}
            async with (
                aiohttp.ClientSession() as s,
                s.post(f"{sb.url}/oauth2/access_token", data=form) as r,
            ):
                assert (r.status, (await r.json())["error"]) == (400, refusal)
    with pytest.raises(ValueError, match="refresh_refusal must be"):
        SemrushSandbox(refresh_refusal="invalid_client")  # type: ignore[arg-type]
