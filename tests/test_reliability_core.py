"""Issue 13 section 4: units, retries, harvest and input, over real HTTP.

Each test here failed on e367d70/a4ccf66: units settled below what the server charged
(M7), a 5xx Retry-After that parked the call (M8), two harvests on one checkpoint and
paid pages lost behind an ExceptionGroup (M9), checkpoint and input failures that
were tracebacks (L1, L9), blank targets and ``workers=0`` (L2, L13), a page lost to a
kill during the balance check (L3), aiohttp's exception kept as context (L6) and
location ids sent into the path unencoded (L10).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from semrush_async import (
    BudgetExceeded,
    CheckpointError,
    CheckpointInUse,
    HarvestError,
    NotFound,
    RetryAfterTooLong,
    RetryPolicy,
    SemrushClient,
    TransportError,
    ValidationError,
)
from semrush_async._core.checkpoint import Checkpoint
from semrush_async.cli import main
from semrush_async.testing import DEFAULT_KEY, SemrushSandbox
from tests.conftest import FAST_RETRY

ROOT = Path(__file__).resolve().parents[1]
NO_RETRY = RetryPolicy(max_retries=0)


# --- M7: settle what the server may have charged ---------------------------------------


async def test_cut_page_is_settled_to_what_the_server_charged(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "drop")  # the first body is cut after 100 of 200 rows
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        rows = await c.backlinks.backlinks("medium.example", limit=200, page_size=200)
        assert len(rows) == 200
        # The server charged the whole cut page (200 rows) and then the resumed 100.
        assert sandbox.units_spent() == 40 * 300
        assert c.units.spent == sandbox.units_spent()
        assert c.units.reserved == 0


async def test_cut_pages_never_overshoot_the_unit_budget(sandbox: SemrushSandbox) -> None:
    budget = 40 * 250
    sandbox.inject("account", "drop")
    async with sandbox.client(retry_policy=FAST_RETRY, unit_budget=budget) as c:
        with pytest.raises(BudgetExceeded, match="unit_budget"):
            await c.backlinks.backlinks("medium.example", page_size=200)
        assert sandbox.units_spent() <= budget
        assert c.units.spent >= sandbox.units_spent()
        assert c.units.reserved == 0


async def test_abandoned_page_is_settled_to_the_whole_page(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        pager = c.backlinks.backlinks("big.example", columns=["source_url"], page_size=20_000)
        async with contextlib.aclosing(pager.batches()) as batches:
            async for _batch in batches:
                break  # the caller leaves after the first batch
        assert sandbox.units_spent() == 40 * 20_000
        assert c.units.spent >= sandbox.units_spent()
        assert c.units.reserved == 0


# --- M8: every server-requested wait is capped -----------------------------------------


@pytest.mark.parametrize("retry_after", ["86400", "Thu, 01 Jan 2099 00:00:00 GMT"])
async def test_5xx_retry_after_beyond_the_cap_raises_at_once(
    sandbox: SemrushSandbox, retry_after: str
) -> None:
    sandbox.inject("account", "550", retry_after=retry_after)
    async with sandbox.client(retry_policy=FAST_RETRY) as c, asyncio.timeout(10):
        with pytest.raises(RetryAfterTooLong) as ei:
            await c.backlinks.overview("small.example")
    assert ei.value.status == 550
    assert ei.value.retry_after is not None
    assert ei.value.retry_after > 80_000
    assert "max_retry_after=5s" in str(ei.value)
    assert sandbox.counters("account").accepted == 1  # not retried either


async def test_v4_5xx_retry_after_beyond_the_cap_raises(sandbox: SemrushSandbox) -> None:
    sandbox.inject("listings.get_location", "550", retry_after="86400")
    async with sandbox.client(retry_policy=FAST_RETRY) as c, asyncio.timeout(10):
        with pytest.raises(RetryAfterTooLong):
            await c.listings.get_location("anything")
    assert sandbox.counters("listings.get_location").accepted == 1


async def test_5xx_retry_after_within_the_cap_is_honoured(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "550", retry_after="0.3")
    async with sandbox.client(retry_policy=FAST_RETRY) as c:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        assert await c.backlinks.overview("small.example") is not None
        assert loop.time() - t0 >= 0.3
    assert sandbox.counters("account").accepted == 2


# --- M9 / L1: one owner per checkpoint, typed errors ----------------------------------


async def test_second_harvest_on_a_checkpoint_is_refused_before_sending(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    ckpt = str(tmp_path / "h.sqlite")
    async with sandbox.client() as c:
        first = c.backlinks.harvest(["medium.example"], page_size=100, checkpoint=ckpt)
        async with first:
            async for _item in first:
                break  # holds the checkpoint while the second one starts
            sent = sandbox.counters("account").accepted
            spent = sandbox.units_spent()
            second = c.backlinks.harvest(["medium.example"], page_size=100, checkpoint=ckpt)
            with pytest.raises(CheckpointInUse, match="in use by another harvest"):
                async for _item in second:
                    pass
            assert sandbox.counters("account").accepted == sent
            assert sandbox.units_spent() == spent
        # Released with the first harvest: a third one resumes.
        third = c.backlinks.harvest(["medium.example"], page_size=100, checkpoint=ckpt)
        items = [i async for i in third]
    assert items[0].replayed or items[0].offset > 0


async def test_checkpoint_owned_by_another_process_is_refused(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    ckpt = tmp_path / "p.sqlite"
    code = (
        "import sys\nfrom semrush_async._core.checkpoint import Checkpoint\n"
        f"c = Checkpoint({str(ckpt)!r}, 'job')\nprint('owned', flush=True)\nsys.stdin.read()\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"owned"
        async with sandbox.client() as c:
            h = c.backlinks.harvest(["small.example"], checkpoint=str(ckpt))
            with pytest.raises(CheckpointInUse):
                [i async for i in h]
        assert sandbox.counters("account").accepted == 0
    finally:
        proc.kill()
        await proc.wait()
    # The owner died: the lock went with it.
    async with sandbox.client() as c:
        items = [i async for i in c.backlinks.harvest(["small.example"], checkpoint=str(ckpt))]
    assert sum(len(i.rows) for i in items) == 25


@pytest.mark.parametrize("kind", ["corrupt", "missing-dir", "wrong-schema", "directory"])
async def test_unusable_checkpoint_is_a_typed_error_before_sending(
    sandbox: SemrushSandbox, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "c.sqlite"
    if kind == "corrupt":
        path.write_bytes(b"this is not a database\n" * 200)
    elif kind == "missing-dir":
        path = tmp_path / "no" / "such" / "dir" / "c.sqlite"
    elif kind == "wrong-schema":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE harvest (something TEXT)")
        db.commit()
        db.close()
    else:
        path.mkdir()
    async with sandbox.client() as c:
        h = c.backlinks.harvest(["small.example"], checkpoint=str(path))
        with pytest.raises(CheckpointError) as ei:
            [i async for i in h]
    assert str(path) in str(ei.value)
    assert "\n" not in str(ei.value)
    assert sandbox.counters("account").accepted == 0


async def test_checkpoint_failure_mid_run_loses_no_paid_page(
    sandbox: SemrushSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint that fails mid-run (disk full, I/O error) stops the harvest with a
    typed error; the page it could not save is on the error, and the pages other
    workers had in flight still reach the consumer."""
    real = Checkpoint.store_received
    calls = 0

    def failing(self: Checkpoint, page: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            # From here on every write fails, as on a full disk.
            db = self._db
            assert db is not None
            db.execute("PRAGMA query_only = ON")
        real(self, page)

    monkeypatch.setattr(Checkpoint, "store_received", failing)
    targets = ["medium.example", "huge.example", "large.example"]
    got: dict[str, int] = {}
    async with sandbox.client() as c:
        h = c.backlinks.harvest(
            targets, columns=["source_url"], page_size=100, checkpoint=str(tmp_path / "f.db")
        )

        async def consume() -> None:
            async for item in h:
                got[item.target] = got.get(item.target, 0) + len(item.rows)

        with pytest.raises(HarvestError) as ei:
            await consume()
    err = ei.value
    assert isinstance(err, CheckpointError)  # typed, not an ExceptionGroup
    # The page whose write failed, and the pages other workers had in flight (their
    # writes failed too): paid for, in no checkpoint, so handed over here.
    assert err.unsaved
    assert all(i.rows and i.error is None for i in err.unsaved)
    assert "error.unsaved" in str(err)
    assert err.pending
    for item in err.unsaved:
        got[item.target] = got.get(item.target, 0) + len(item.rows)
    # Every row the server charged for reached the caller, either way.
    assert 40 * sum(got.values()) == sandbox.units_spent()


async def test_bug_in_a_worker_is_a_harvest_error(
    sandbox: SemrushSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from semrush_async._core.harvest import Harvest

    real = Harvest._item

    def broken(self: Harvest[Any], page: Any, *, replayed: bool = False) -> Any:
        if page.target == "huge.example":
            raise KeyError("decoder bug")
        return real(self, page, replayed=replayed)

    monkeypatch.setattr(Harvest, "_item", broken)
    async with sandbox.client() as c:
        h = c.backlinks.harvest(["huge.example"], page_size=100)
        with pytest.raises(HarvestError, match="unexpected error: KeyError") as ei:
            [i async for i in h]
    assert isinstance(ei.value.__cause__, KeyError)
    assert ei.value.pending == ["huge.example"]


# --- L1 / L9 in the CLI: one line, no traceback ----------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


def test_cli_corrupt_checkpoint_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"\x00garbage" * 500)
    out = tmp_path / "out.csv"
    code, err = _cli(
        capsys,
        "--sandbox",
        "-q",
        "backlinks",
        "export",
        "backlinks",
        "small.example",
        "-o",
        str(out),
        "--checkpoint",
        str(bad),
    )
    assert code == 1
    assert "not a usable harvest checkpoint" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_missing_checkpoint_dir_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _cli(
        capsys,
        "--sandbox",
        "-q",
        "backlinks",
        "export",
        "backlinks",
        "small.example",
        "-o",
        str(tmp_path / "out.csv"),
        "--checkpoint",
        str(tmp_path / "gone" / "c.sqlite"),
    )
    assert code == 1
    assert "cannot open checkpoint" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_locked_checkpoint_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "locked.sqlite"
    owner = Checkpoint(path, "another job")
    try:
        code, err = _cli(
            capsys,
            "--sandbox",
            "-q",
            "backlinks",
            "export",
            "backlinks",
            "small.example",
            "-o",
            str(tmp_path / "out.csv"),
            "--checkpoint",
            str(path),
        )
    finally:
        owner.close()
    assert code == 1
    assert "in use by another harvest" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "doc",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"locations": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"locations": [' + '{"a": ' * 20_000 + "1" + "}" * 20_000 + "]}",
    ],
)
def test_cli_deeply_nested_locations_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: str
) -> None:
    f = tmp_path / "deep.json"
    f.write_text(doc)
    code, err = _cli(capsys, "--sandbox", "-q", "locations", "update", str(f))
    assert code == 2
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_blank_target_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _cli(
        capsys, "--sandbox", "-q", "backlinks", "export", "backlinks", "a.example", " ", "-o", "-"
    )
    assert code == 2
    assert "targets[1]" in err
    assert len(err.strip().splitlines()) == 1


# --- L2 / L13: every target and `workers` validated before anything is sent ------------


@pytest.mark.parametrize("blank", ["", "   ", "\n", "\t "])
async def test_harvest_refuses_blank_targets_before_sending(
    sandbox: SemrushSandbox, blank: str
) -> None:
    async with sandbox.client() as c:
        with pytest.raises(ValidationError) as ei:
            c.backlinks.harvest(["small.example", blank, "tiny.example"])
    assert [(d.field, d.index) for d in ei.value.details] == [("targets", 1)]
    assert sandbox.counters("account").accepted == 0
    assert sandbox.units_spent() == 0


@pytest.mark.parametrize("workers", [0, -1])
async def test_harvest_refuses_workers_below_one(sandbox: SemrushSandbox, workers: int) -> None:
    async with sandbox.client() as c:
        with pytest.raises(ValidationError, match="workers must be"):
            c.backlinks.harvest(["small.example"], workers=workers)
    assert sandbox.counters("account").accepted == 0


# --- L3: a page is saved before the balance check -------------------------------------


@contextlib.asynccontextmanager
async def _hanging_balance() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A balance endpoint that never answers; ``arrived`` is set when it is asked."""
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.Response(text="0")

    app = web.Application()
    app.router.add_get("/users/countapiunits.html", handler)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", arrived
    finally:
        release.set()
        await runner.cleanup()


CHILD = """
import asyncio, sys
from semrush_async import SemrushClient

async def main(base: str, www: str, ckpt: str, key: str) -> None:
    async with SemrushClient(api_key=key, base_url=base, www_url=www, oauth_url=base) as c:
        async for _item in c.backlinks.harvest(["small.example"], page_size=100, checkpoint=ckpt):
            pass

asyncio.run(main(*sys.argv[1:]))
"""


async def test_kill_during_balance_check_keeps_the_received_page(
    sandbox: SemrushSandbox, tmp_path: Path
) -> None:
    ckpt = str(tmp_path / "k.sqlite")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    async with _hanging_balance() as (www, arrived):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            sandbox.url,
            www,
            ckpt,
            DEFAULT_KEY,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            # small.example has 25 rows: a short page, so the child checks the balance.
            await asyncio.wait_for(arrived.wait(), 60)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
    assert sandbox.counters("account").accepted == 1
    assert sandbox.units_spent() == 40 * 25
    async with sandbox.client() as c:
        h = c.backlinks.harvest(["small.example"], page_size=100, checkpoint=ckpt)
        items = [i async for i in h]
    assert [(i.offset, len(i.rows), i.replayed) for i in items] == [(0, 25, True)]
    assert sandbox.counters("account").accepted == 1  # not requested again
    assert sandbox.units_spent() == 40 * 25  # not paid again
    assert h.completed == ["small.example"]


# --- L6: no aiohttp exception behind a TransportError ----------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [e.__cause__, e.__context__]
    return seen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_connection_refused_carries_no_aiohttp_exception() -> None:
    key = "SECRETKEY0123456789abcdef"
    url = f"http://127.0.0.1:{_free_port()}"
    async with SemrushClient(api_key=key, base_url=url, www_url=url, retry_policy=NO_RETRY) as c:
        with pytest.raises(TransportError) as ei:
            await c.backlinks.overview("small.example")
    err = ei.value
    assert err.__cause__ is None
    assert err.__context__ is None
    text = "".join(traceback.format_exception(err))
    assert key not in text
    assert "key=" not in text
    for e in _chain(err):
        assert key not in f"{e!r} {e}"


async def test_cut_body_carries_no_aiohttp_exception(sandbox: SemrushSandbox) -> None:
    sandbox.inject("account", "drop")
    async with sandbox.client(retry_policy=NO_RETRY) as c:
        with pytest.raises(TransportError) as ei:
            await c.backlinks.backlinks("medium.example", limit=200, page_size=200)
    assert _chain(ei.value) == [ei.value]
    assert sandbox.api_key not in "".join(traceback.format_exception(ei.value))


# --- L10: ids are validated and encoded in paths ---------------------------------------


@pytest.mark.parametrize(
    "bad", ["", "#frag", "..", ".", "a/../b", "%2F", "a%2Fb", "a?x=1", " a", "a ", "a\nb", "\x00"]
)
async def test_bad_location_ids_are_refused_before_sending(
    sandbox: SemrushSandbox, bad: str
) -> None:
    async with sandbox.client() as c:
        loc = (await c.listings.get_locations_page(1, 1)).content[0]
        with pytest.raises(ValidationError, match="location id"):
            await c.listings.get_location(bad)
        if bad:  # "" means "use location.id" here
            with pytest.raises(ValidationError, match="location id"):
                await c.listings.update_location(loc, bad)
    assert sandbox.counters("listings.get_location").accepted == 0
    assert sandbox.counters("listings.update_location").accepted == 0


async def test_location_id_is_percent_encoded(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        with pytest.raises(NotFound):
            await c.listings.get_location("no such id")  # %20-encoded, reaches the route
    assert sandbox.counters("listings.get_location").accepted == 1


def test_cli_bad_location_id_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _cli(capsys, "--sandbox", "locations", "get", "../x")
    assert code == 2
    assert "not a valid id" in err
    assert len(err.strip().splitlines()) == 1
