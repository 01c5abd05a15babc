"""The public API's static types, as a user's type checker sees them (issue 23).

``tests/typing/api.py`` uses every family and pins each result with ``assert_type``:
``mypy --strict`` and pyright (strict; basedpyright, which bundles its Node runtime in
its wheel) must pass it with no error. ``tests/typing/mistakes.py`` plants mistakes,
each marked ``# expect: <mypy code> <pyright rule>``: both checkers must report
exactly those, no more and no fewer. ``nox -s typing`` runs the same.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TYPING = ROOT / "tests" / "typing"
_EXPECT = re.compile(r"# expect: ([\w-]+) (\w+)")
_MYPY_ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[\w-]+)\]$")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return _run("mypy", "--strict", "--no-error-summary", "--hide-error-context", str(path))


def _pyright(path: Path) -> list[dict[str, object]]:
    done = _run("basedpyright", "--outputjson", "-p", str(TYPING / "pyrightconfig.json"), str(path))
    report = json.loads(done.stdout)
    diagnostics: list[dict[str, object]] = report["generalDiagnostics"]
    return diagnostics


def _expected() -> dict[int, tuple[str, str]]:
    lines = (TYPING / "mistakes.py").read_text(encoding="utf-8").splitlines()
    return {
        n: (m.group(1), m.group(2))
        for n, text in enumerate(lines, 1)
        if (m := _EXPECT.search(text))
    }


@pytest.mark.slow
def test_user_module_passes_mypy_strict() -> None:
    done = _mypy(TYPING / "api.py")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_user_module_passes_pyright_strict() -> None:
    found = _pyright(TYPING / "api.py")
    assert found == [], json.dumps(found, indent=1)


@pytest.mark.slow
def test_mypy_reports_exactly_the_planted_mistakes() -> None:
    done = _mypy(TYPING / "mistakes.py")
    found = {
        (int(m["line"]), m["code"])
        for line in done.stdout.splitlines()
        if (m := _MYPY_ERROR.match(line))
    }
    want = {(n, codes[0]) for n, codes in _expected().items()}
    assert len(want) >= 9
    assert found == want, done.stdout


@pytest.mark.slow
def test_pyright_reports_exactly_the_planted_mistakes() -> None:
    found = set()
    for d in _pyright(TYPING / "mistakes.py"):
        assert d["severity"] == "error", d
        start = d["range"]["start"]  # type: ignore[index]
        found.add((int(start["line"]) + 1, str(d.get("rule"))))
    want = {(n, codes[1]) for n, codes in _expected().items()}
    assert found == want
