"""Developer tasks: ``nox -s tests``, ``nox -s lint``, ``nox -s typing``, ``nox -s bench``."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests"]

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite (sandbox over real loopback HTTP, virtual time)."""
    session.install("-e", ".[tests]")
    session.run("pytest", *(session.posargs or ["-q"]))


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against the sandbox; ``nox -s bench -- --smoke`` for a quick run."""
    session.install("-e", ".[bench]")
    # python-semrush pins requests-async>=0.6.2, which the package index does not
    # carry; its parse_response is a pure function, so install it without that pin
    # (requests-async is imported at module level, any version satisfies the import).
    session.install("--no-deps", "python-semrush==0.1.5")
    session.install("requests-async")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site with ``--strict`` (warnings fail)."""
    session.install("-e", ".[docs]")
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"}
    )
    # Every public name rendered, no private module, no raw sphinx role markup.
    session.run("python", "docs/_ext/check_site.py", "site")


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """The public API as users' checkers see it: ``mypy --strict`` and pyright (strict)
    on ``tests/typing/api.py``, the planted mistakes reported exactly, and the
    generated code up to date (``python -m semrush_async._generate --check``)."""
    session.install("-e", ".[tests]")
    session.run("python", "-m", "semrush_async._generate", "--check")
    session.run("mypy", "--strict", "tests/typing/api.py")
    # basedpyright: pyright with its Node runtime inside the wheel (PyPI only; the
    # `pyright` package downloads Node and pyright from npm at first run).
    session.run("basedpyright", "-p", "tests/typing/pyrightconfig.json", "tests/typing/api.py")
    session.run("pytest", "-q", "tests/test_typing.py", "tests/test_codegen.py")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) and mypy --strict."""
    session.install("-e", ".[tests,lint,cli,bench]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
