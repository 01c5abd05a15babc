"""``--sandbox``, ``SemrushSandbox.client()`` and the pytest plugin never read, write or
delete a user's credentials: token files (default path, ``SEMRUSH_TOKEN_FILE``,
``--token-file``) and keys in the environment."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from semrush_async import AuthenticationError, LoginRequired
from semrush_async.testing import SemrushSandbox

CLI = [sys.executable, "-m", "semrush_async.cli"]

#: What a real user's token file holds (a valid token set: a command that read it
#: would report it as logged in).
ACCESS = "REAL-USER-ACCESS-TOKEN-do-not-touch-0001"
REFRESH = "REAL-USER-REFRESH-TOKEN-do-not-touch-0001"
SENTINEL = {
    "access_token": ACCESS,
    "refresh_token": REFRESH,
    "expires_at": 4_102_444_800.0,
    "refresh_expires_at": 4_102_444_800.0,
    "token_type": "Bearer",
    "scope": None,
    "grant": "device_code",
    "issued_at": 1_700_000_000.0,
}
#: A temp file a killed save left behind: any FileTokenStore load, save or clear in
#: this directory deletes it (it is ten minutes old and not of a live process).
STALE_TEMP = ".tokens.json.otherhost.1.0badf00d.tmp"
#: Real-looking keys in the environment: the sandbox must use its own.
ENV_KEYS = {
    "SEMRUSH_API_KEY": "REAL-USER-V3-KEY-do-not-send-0001",
    "SEMRUSH_V4_API_KEY": "REAL-USER-V4-KEY-do-not-send-0001",
}


def plant(directory: Path) -> Path:
    """A user's token file with a stale temp file beside it; atime set before mtime
    (so that, under relatime, any read moves it)."""
    directory.mkdir(parents=True)
    tokens = directory / "tokens.json"
    tokens.write_text(json.dumps(SENTINEL), encoding="utf-8")
    os.chmod(tokens, 0o600)
    stale = directory / STALE_TEMP
    stale.write_text("{}", encoding="utf-8")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    os.utime(tokens, (1_000_000_000, 1_500_000_000))
    return tokens


def snapshot(*roots: Path) -> dict[str, tuple[bytes, int, int, int]]:
    """Every file under ``roots``: content, mode, mtime and atime (ns); directories:
    mode and mtime (an entry created or removed moves it)."""
    out: dict[str, tuple[bytes, int, int, int]] = {}
    for root in roots:
        for f in sorted(root.rglob("*")):
            st = f.stat()
            if f.is_dir():
                out[str(f)] = (b"", st.st_mode, st.st_mtime_ns, 0)
                continue
            # Our own read must not hide theirs: put the times back afterwards.
            out[str(f)] = (f.read_bytes(), st.st_mode, st.st_mtime_ns, st.st_atime_ns)
            os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    return out


@dataclasses.dataclass
class Home:
    env: dict[str, str]
    #: Directories holding the user's token files.
    roots: tuple[Path, ...]
    #: A --token-file path whose directory does not exist.
    absent: Path
    work: Path


@pytest.fixture
def user(tmp_path: Path) -> Home:
    """A user's home: the default token file, one named by SEMRUSH_TOKEN_FILE, and a
    --token-file path whose directory does not exist; real-looking keys in the env."""
    home = tmp_path / "home"
    plant(home / ".config" / "semrush-async")
    named = plant(tmp_path / "named")
    env = {k: v for k, v in os.environ.items() if k != "XDG_CONFIG_HOME"}
    env.update(HOME=str(home), SEMRUSH_TOKEN_FILE=str(named), **ENV_KEYS)
    absent = tmp_path / "absent" / "dir" / "tokens.json"
    return Home(env, (home, named.parent), absent, tmp_path / "work")


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("where", ["default", "env", "flag"])
def test_sandbox_auth_never_touches_a_token_file(user: Home, where: str) -> None:
    """Regression (issue 21 A1): ``--sandbox auth login`` overwrote the real token
    file, ``status`` read it, ``logout`` deleted it."""
    env, roots, absent = dict(user.env), user.roots, user.absent
    flag: tuple[str, ...] = ()
    if where == "default":
        env.pop("SEMRUSH_TOKEN_FILE")
    elif where == "flag":
        flag = ("--token-file", str(absent))
    before = snapshot(*roots)

    login = cli(env, "--sandbox", *flag, "auth", "login")
    assert login.returncode == 0, login.stderr
    assert "logged in; token kept in memory only" in login.stdout
    assert snapshot(*roots) == before

    status = cli(env, "--sandbox", *flag, "auth", "status")
    # A fresh sandbox has no tokens: reading the user's file would say "logged in".
    assert status.returncode == 1, status.stdout + status.stderr
    assert status.stdout.startswith("not logged in")
    assert snapshot(*roots) == before

    logout = cli(env, "--sandbox", *flag, "auth", "logout")
    assert logout.returncode == 0, logout.stderr
    assert snapshot(*roots) == before
    assert not absent.parent.parent.exists()
    for out in (login, status, logout):
        for secret in (ACCESS, REFRESH, *ENV_KEYS.values()):
            assert secret not in out.stdout + out.stderr


# One process runs every other command (imports once): each is one ``main()`` call.
_DRIVER = """
import json, sys
from semrush_async.cli import main
codes = [main(argv) for argv in json.loads(sys.argv[1])]
print("CODES", json.dumps(codes))
"""


def test_every_sandbox_command_leaves_credentials_alone(user: Home) -> None:
    """Audit of every command group under ``--sandbox``: no token file is opened,
    created or removed, and no key from the environment is sent or printed."""
    env, roots, work = user.env, user.roots, user.work
    work.mkdir()
    s, us, resume = ("--sandbox", "--quiet"), ("--database", "us"), ("--checkpoint", "c.sqlite")
    commands = [
        [*s, "units"],
        [*s, "backlinks", "overview", "small.example"],
        [*s, "backlinks", "export", "backlinks", "tiny.example", "-o", "bl.csv"],
        [*s, "backlinks", "export", "backlinks", "tiny.example", "--api", "v4", "-o", "v4.csv"],
        [*s, "backlinks", "export", "refdomains", "tiny.example", "-o", "c.csv", *resume],
        [*s, "report", "domain_organic", "--domain", "tiny.example", *us, "-o", "r.csv"],
        [*s, "keywords", "overview", "seo", *us],
        [*s, "locations", "list"],
        [*s, "projects", "list"],
        [*s, "local", "list"],
        [*s, "map-rank", "campaigns"],
        [*s, "map-rank", "limits"],
    ]
    before = snapshot(*roots)
    p = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=work,
    )
    assert p.returncode == 0, p.stderr
    codes = json.loads(p.stdout.rsplit("CODES ", 1)[1])
    assert codes == [0] * len(commands), p.stderr
    assert snapshot(*roots) == before
    for secret in (ACCESS, REFRESH, *ENV_KEYS.values()):
        assert secret not in p.stdout + p.stderr
        for f in work.iterdir():
            assert secret.encode() not in f.read_bytes()
    # Checkpoints and outputs are the user's own files, written where asked.
    assert {"bl.csv", "v4.csv", "c.csv", "c.sqlite", "r.csv"} <= {f.name for f in work.iterdir()}


async def test_sandbox_client_uses_no_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, semrush_sandbox: SemrushSandbox
) -> None:
    """``sandbox.client(api_key=None)`` (and the plugin's fixture) means "no key"; it
    must not pick up the user's real key from the environment and send it."""
    for name, value in ENV_KEYS.items():
        monkeypatch.setenv(name, value)
    async with semrush_sandbox.client(api_key=None, v4_api_key=None, token=None) as client:
        assert not client.has_v4_key
        with pytest.raises(AuthenticationError, match="nothing was sent"):
            await client.backlinks.overview("small.example")
        with pytest.raises(AuthenticationError, match="nothing was sent"):
            await client.local.categories("US")
        with pytest.raises(LoginRequired, match="nothing was sent"):
            await client.map_rank.limits()
        assert await client.auth.status() is None
    assert semrush_sandbox.counters("account").accepted == 0


def test_file_token_store_end_to_end_without_sandbox(tmp_path: Path) -> None:
    """The real token file works as before, against a standalone sandbox server (no
    ``--sandbox``): login writes it 0600, status reads it, logout removes it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "semrush_async.testing", "--port", "0", "--oauth-interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    try:
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        tokens = tmp_path / "cfg" / "tokens.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEMRUSH_")}
        env.update(SEMRUSH_TOKEN_FILE=str(tokens), SEMRUSH_OAUTH_URL=url, HOME=str(tmp_path))
        login = subprocess.Popen(
            [*CLI, "auth", "login"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert login.stderr is not None
        line = login.stderr.readline()
        m = re.search(r"open (\S+)", line)
        assert m is not None, line
        # The user approves in the browser.
        with urllib.request.urlopen(m[1], timeout=30) as r:
            assert r.status == 200
        out, err = login.communicate(timeout=60)
        assert login.returncode == 0, err
        assert f"stored in {tokens}" in out
        assert oct(tokens.stat().st_mode & 0o777) == "0o600"
        assert "logged in" in cli(env, "auth", "status").stdout
        assert cli(env, "auth", "logout").returncode == 0
        assert not tokens.exists()
        assert cli(env, "auth", "status").returncode == 1
    finally:
        server.terminate()
        server.wait(10)
