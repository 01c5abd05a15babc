"""The suite's own rules (tests/conftest.py): the Hypothesis profile follows CI, and
a skipped test counts as a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import tests.conftest\n"
    "from hypothesis import settings\n"
    "s = settings()\n"
    "print(s.derandomize, s.deadline, s.database is None)\n"
)


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


@pytest.mark.parametrize(
    ("ci", "expected"),
    [("true", "True None True"), (None, "False 0:00:02 False")],
)
def test_hypothesis_profile_follows_ci(ci: str | None, expected: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_env(CI=ci), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected


def test_a_skipped_test_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\ndef test_skips():\n    pytest.skip('no server')\n"
    )
    args = ["-q", "-p", "tests.conftest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", *args, str(tmp_path)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1, out.stdout
    assert "1 failed" in out.stdout
    assert "tests may not skip" in out.stdout
