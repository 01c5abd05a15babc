"""Issue 24: the CLI's manners, through ``subprocess`` against ``--sandbox``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from semrush_async.cli import build_parser
from semrush_async.testing import SemrushSandbox


def cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "semrush_async.cli", *argv],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,  # not a terminal
        timeout=120,
        cwd=cwd,
    )


ORGANIC = ("--sandbox", "report", "domain_organic", "--domain", "a.example")


@pytest.mark.parametrize(
    "argv",
    [
        (*ORGANIC, "-d", "us", "--limit", "-5"),
        (*ORGANIC, "-d", "us", "--limit", "zero"),
        (*ORGANIC, "-d", "us", "--budget", "-5"),
        (*ORGANIC, "-d", "us", "--page-size", "0"),
        (*ORGANIC, "-d", "xx"),
        ("--sandbox", "local", "categories", "u1"),
        ("--sandbox", "site-audit", "launch", "1", "--timeout", "-1"),
        ("--sandbox", "projects", "list", "--scope", "nobody"),
        ("--sandbox", "no-such-command"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv: tuple[str, ...]) -> None:
    r = cli(*argv)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ")
    assert "--help" in lines[0]
    assert r.stdout == ""


def test_unknown_database_names_the_nearest_codes() -> None:
    r = cli(*ORGANIC, "-d", "uss")
    assert r.returncode == 2
    assert "unknown database 'uss'; nearest: us" in r.stderr


def test_api_errors_exit_1_with_cli_advice() -> None:
    r = cli("--sandbox", "projects", "get", "1")
    assert r.returncode == 1
    [line] = r.stderr.strip().splitlines()
    assert "semrush-async projects list --scope all" in line
    assert "client." not in line
    assert "scope='" not in line
    r = cli("--api-key", "", "--base-url", "http://127.0.0.1:9", "units")
    [line] = r.stderr.strip().splitlines()
    assert r.returncode == 1
    assert "--api-key" in line
    assert "api_key=" not in line


def _project_id() -> int:
    r = cli("--sandbox", "projects", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    return int(json.loads(r.stdout)[0]["project_id"])


def test_delete_needs_yes_without_a_terminal() -> None:
    pid = str(_project_id())
    r = cli("--sandbox", "projects", "delete", pid)
    assert r.returncode == 2
    assert r.stderr.strip() == (
        f"error: refusing to delete project {pid} and all its data without --yes "
        "(stdin is not a terminal)"
    )
    r = cli("--sandbox", "projects", "delete", pid, "--yes")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"deleted project {pid}"
    for argv in (
        ("local", "delete", "x"),
        ("map-rank", "delete", "x"),
        ("position-tracking", "remove-keywords", "1", "kw"),
    ):
        r = cli("--sandbox", *argv)
        assert r.returncode == 2, (argv, r.stderr)
        assert "without --yes" in r.stderr


def test_global_options_after_the_subcommand() -> None:
    r = cli("projects", "list", "--sandbox", "--format", "json", "-q")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)
    r = cli("units", "--sandbox")
    assert r.returncode == 0, r.stderr


def test_case_of_enums_and_country_codes() -> None:
    for argv in (
        ("local", "categories", "us"),
        ("local", "categories", "US"),
        ("projects", "list", "--scope", "own"),
        ("projects", "list", "--scope", "ALL"),
    ):
        r = cli("--sandbox", *argv)
        assert r.returncode == 0, (argv, r.stderr)
    lower = cli(*ORGANIC, "-d", "US", "--limit", "1", "-q")
    assert lower.returncode == 0, lower.stderr
    assert lower.stdout.count("\n") == 2


def test_every_option_has_help() -> None:
    missing = []

    def walk(p: argparse.ArgumentParser, path: list[str]) -> None:
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sub in a.choices.items():
                    walk(sub, [*path, name])
            elif not isinstance(a, argparse._HelpAction | argparse._VersionAction) and not (
                a.help and a.help.strip()
            ):
                missing.append((" ".join(path), a.option_strings or a.dest))

    walk(build_parser(), [])
    assert not missing


def test_get_prints_one_object() -> None:
    pid = _project_id()
    r = cli("--sandbox", "projects", "get", str(pid), "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert isinstance(doc, dict)
    assert doc["project_id"] == pid


def test_resume_with_another_output_is_refused(tmp_path: Path) -> None:
    argv: tuple[str, ...] = (*ORGANIC, "--domain", "b.example", "-d", "us", "--limit", "2")
    argv = (*argv, "--checkpoint", "job.ckpt", "-q")
    first = cli(*argv, "-o", "a.csv", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    r = cli(*argv, "-o", "b.csv", cwd=tmp_path)
    assert r.returncode == 2
    [line] = r.stderr.strip().splitlines()
    assert "was writing to" in line
    assert "resume with -o" in line
    assert "a.csv" in line
    assert not (tmp_path / "b.csv").exists()
    again = cli(*argv, "-o", "a.csv", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_heatmap_cells_set_a_foreground_colour() -> None:
    from semrush_async.cli.map_rank import _style

    class P:
        def __init__(self, position: int | None) -> None:
            self.position = position

    for p in (None, P(None), P(1), P(5), P(15), P(50)):
        fg, _, bg = _style(p).partition(" on ")  # type: ignore[arg-type]
        assert fg.strip()
        assert bg.strip()


async def _cli_async(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    # The sandbox and the proxy run in this event loop: wait without blocking it.
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "semrush_async.cli",
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode() + err.decode()


async def test_cli_proxy_flag_and_proxy_environment(sandbox: SemrushSandbox) -> None:
    from tests.test_manners import _Proxy

    proxy = _Proxy()
    await proxy.start()
    try:
        where = ("--base-url", sandbox.url, "--www-url", sandbox.url)
        key = ("--api-key", sandbox.api_key)
        rc, text = await _cli_async(*where, *key, "--proxy", proxy.url, "units")
        assert rc == 0, text
        assert len(proxy.requests) == 1
        # Without --proxy the CLI honours HTTP_PROXY, as curl does.
        rc, text = await _cli_async(*where, *key, "units", env={"HTTP_PROXY": proxy.url})
        assert rc == 0, text
        assert len(proxy.requests) == 2
    finally:
        await proxy.stop()


@pytest.mark.parametrize(("answer", "code"), [("y", 0), ("n", 1), ("", 1)])
def test_delete_asks_on_a_terminal(answer: str, code: int) -> None:
    import pty

    pid = str(_project_id())
    master, slave = pty.openpty()
    try:
        os.write(master, f"{answer}\n".encode())
        r = subprocess.run(
            [sys.executable, "-m", "semrush_async.cli", "--sandbox", "projects", "delete", pid],
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.close(slave)
        os.close(master)
    assert r.returncode == code, r.stderr
    assert f"delete project {pid} and all its data? This cannot be undone. [y/N]" in r.stdout
    if code == 0:
        assert f"deleted project {pid}" in r.stdout
    else:
        assert r.stderr.strip() == "not deleted"


async def test_cli_timeout_cuts_a_stalled_answer_and_retries(sandbox: SemrushSandbox) -> None:
    """``--timeout``: a stalled answer (the sandbox holds it 30 s) is given up after
    0.5 s and retried, so the sandbox sees two requests; with the default timeout (60 s)
    the first one would still be waiting."""
    sandbox.inject("account", "stall", seconds=30)
    where = ("--base-url", sandbox.url, "--www-url", sandbox.url, "--api-key", sandbox.api_key)
    rc, text = await _cli_async(
        *where, "--timeout", "0.5", "backlinks", "overview", "small.example"
    )
    assert rc == 0, text
    assert sandbox.counters("account").accepted == 2


@pytest.mark.parametrize("flag", ["--timeout", "--max-wait"])
@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_cli_timeout_and_max_wait_refuse_what_is_not_a_duration(flag: str, value: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "semrush_async.cli", "--sandbox", flag, value, "units"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert f"{flag}: must be a number > 0" in r.stderr


async def test_cli_timeout_and_max_wait_reach_the_client() -> None:
    from semrush_async.cli._client import client_for

    args = build_parser().parse_args(["--sandbox", "--timeout", "7", "--max-wait", "0.25", "units"])
    async with client_for(args) as client:
        assert client.timeout == 7.0
        assert client._session.options.max_wait == 0.25
