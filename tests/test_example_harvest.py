"""Issue 21 A2: ``docs/examples/harvest.py`` is exactly-once across interruptions.

The example runs as a user runs it (a subprocess, its built-in sandbox since no
SEMRUSH_API_KEY is set, HOME and the token file in tmp_path). A first run is stopped
by SIGINT (Ctrl-C); rows are then appended as if a page had been written but not
marked processed when the process died; a second run is stopped by SIGKILL, a third
finishes. The CSV must hold exactly the rows of an uninterrupted run. A fourth run of
the finished job changes nothing.

Interruptions wait for the file to reach a row count (polled, with a timeout), not
for a time; the sandbox's latency makes the interrupted runs last far longer than
the wait.
"""

from __future__ import annotations

import collections
import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "harvest.py"
TARGETS = ["big.example", "medium.example", "site01.example", "site06.example"]
TARGETS += ["tiny.example", "empty.example"]
#: big.example alone is 12 pages of 500 rows, fetched one after another: with 0.5 s
#: per request an interrupted run would last 6 s or more; it is stopped after 1-2 s.
ARGS = [*TARGETS, "--limit-per-target", "6000"]
SLOW = ["--sandbox-latency", "0.5"]


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMRUSH_")}
    env.update(HOME=str(home), SEMRUSH_TOKEN_FILE=str(home / "tokens.json"))
    return env


def start(home: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(EXAMPLE), *ARGS, *extra],
        cwd=home,
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *ARGS, *extra],
        cwd=home,
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=120,
    )


def lines(path: Path) -> list[str]:
    """Complete lines written so far (a line being written is not counted)."""
    if not path.exists():
        return []
    text = path.read_bytes().decode("utf-8", errors="replace")
    return text.split("\n")[:-1]


def rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [tuple(r) for r in csv.reader(f)]


def wait_for_rows(proc: subprocess.Popen[str], path: Path, n: int) -> None:
    deadline = time.monotonic() + 60
    while len(lines(path)) - 1 < n:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, f"{path} did not reach {n} rows in 60 s"
        time.sleep(0.02)


def test_example_is_exactly_once_across_sigint_and_kill(tmp_path: Path) -> None:
    ref_home, home = tmp_path / "reference", tmp_path / "job"
    ref_home.mkdir()
    home.mkdir()
    # The uninterrupted reference run, in parallel with the interrupted ones.
    ref = start(ref_home, "-o", "links.csv")

    out, job = home / "links.csv", ["-o", "links.csv", "--checkpoint", "job.sqlite"]
    first = start(home, *job, *SLOW)
    wait_for_rows(first, out, 1_000)
    first.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "rerun with the same --checkpoint" in err
    after_first = len(lines(out)) - 1
    assert after_first >= 1_000
    # A page written after the last one marked processed (a kill in between): the
    # rerun must cut it off, since the harvest hands that page over again.
    with out.open("a", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines(out)[-300:]) + "\n" + "big.example,half a line")

    second = start(home, *job, *SLOW)
    wait_for_rows(second, out, after_first + 1_000)
    second.kill()  # SIGKILL: no cleanup at all
    second.communicate(timeout=60)
    interrupted = len(lines(out)) - 1

    _, err = ref.communicate(timeout=120)
    assert ref.returncode == 0, err
    want = rows(ref_home / "links.csv")
    assert want[0][:2] == ("target", "source_url")
    assert len(set(want)) == len(want)  # so a duplicate below cannot hide
    assert interrupted < len(lines(ref_home / "links.csv")) - 1

    third = finish(home, *job)
    assert third.returncode == 0, third.stderr
    got = rows(out)
    assert got[0] == want[0]  # one header
    assert collections.Counter(got) == collections.Counter(want)  # none lost, none twice

    # Rerunning the finished job sends nothing, changes nothing, and does not crash.
    before = out.read_bytes()
    again = finish(home, *job)
    assert again.returncode == 0, again.stderr
    assert "requests: 0" in again.stdout
    assert out.read_bytes() == before
