"""Regenerate the committed typed code of every v3 family: ``python -m
semrush_async._generate`` (``--check``: exit 1 when a file differs).

Each family hands its table and column registry (its ``_codegen.CODEGEN``) to the
generator, :mod:`semrush_async.v3.codegen`; this module lists the families and writes
the files (formatted by ``ruff format``, as the rest of the code).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from semrush_async.apis.backlinks._codegen import CODEGEN as BACKLINKS
from semrush_async.apis.reports._codegen import CODEGEN as ROOT_REPORTS
from semrush_async.v3.codegen import FamilyCode, methods_module, rows_module, write_analytics

__all__ = ["FAMILIES", "generated", "main"]

#: Every v3 family whose typed code is generated (a new family: one entry here).
FAMILIES: tuple[FamilyCode, ...] = (ROOT_REPORTS, BACKLINKS)

_ROOT = Path(__file__).resolve().parent


def _path(package: str, module: str) -> Path:
    parts = package.split(".")[1:]
    return _ROOT.joinpath(*parts, f"{module}.py")


def _ruff(source: str, path: Path, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - ruff from the environment, our own source
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(path), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
        cwd=_ROOT.parent,
    )
    if done.returncode:
        raise RuntimeError(f"ruff {args[0]} {path}: {done.stderr or done.stdout}")
    return done.stdout


def _format(source: str, path: Path) -> str:
    # Imports sorted as ruff's isort rule wants them, then the formatter.
    source = _ruff(source, path, "check", "--fix", "--select", "I", "--quiet", "--exit-zero")
    return _ruff(source, path, "format")


def generated() -> dict[Path, str]:
    """Every generated file's path and its expected (formatted) text."""
    out: dict[Path, str] = {}
    for family in FAMILIES:
        out[_path(family.package, "rows")] = rows_module(family)
        if family.groups:
            out[_path(family.package, "methods")] = methods_module(family)
    out[_ROOT / "_analytics.py"] = write_analytics(FAMILIES)
    return {path: _format(text, path) for path, text in out.items()}


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for path, text in generated().items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            stale.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path.relative_to(_ROOT.parent)}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
