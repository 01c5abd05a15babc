"""The global options, defined once: ``--sandbox``, the client's options and ``--quiet``.

Every client option has a flag and an environment variable (the flag wins).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import sys
from collections.abc import Callable
from typing import NoReturn

from semrush_async._core.config import (
    DEFAULT_BASE_URL,
    DEFAULT_OAUTH_URL,
    DEFAULT_WWW_URL,
    ENV,
    config_dir,
    env_or,
    token_file,
)
from semrush_async.cli._errors import EXIT_USAGE

__all__ = [
    "Parser",
    "add_everywhere",
    "add_global_options",
    "add_yes",
    "config_dir",
    "confirm",
    "count",
    "country",
    "database",
    "lower",
    "seconds",
    "upper",
]


def add_global_options(p: argparse.ArgumentParser, *, again: bool = False) -> None:
    """Add the options every command shares; their defaults are read from the
    environment now (:mod:`semrush_async._core.config`, as the library reads them).

    ``again``: the same options on a subcommand's parser, so that they are accepted
    after the subcommand too (``semrush-async units --sandbox``); their defaults are
    suppressed there so a value given before the subcommand is kept.
    """

    def add(*flags: str, **kw: object) -> None:
        if again:
            kw["default"] = argparse.SUPPRESS
        # A subcommand with an option of its own by that name keeps it.
        with contextlib.suppress(argparse.ArgumentError):
            p.add_argument(*flags, **kw)  # type: ignore[arg-type]

    add(
        "--sandbox",
        action="store_true",
        help="run against the built-in sandbox (no key, no network)",
    )
    env_options = (
        ("--api-key", "api_key", None, "Analytics v3 API key"),
        ("--v4-api-key", "v4_api_key", None, "API v4 key (Authorization: Apikey)"),
        ("--base-url", "base_url", DEFAULT_BASE_URL, "API base URL"),
        ("--oauth-url", "oauth_url", DEFAULT_OAUTH_URL, "OAuth server URL"),
        ("--www-url", "www_url", DEFAULT_WWW_URL, "URL of the unit balance endpoint"),
        (
            "--token-file",
            "token_file",
            token_file(default=True),
            "where OAuth tokens are stored, mode 0600",
        ),
    )
    for flag, name, default, text in env_options:
        add(flag, default=env_or(name, default), help=f"{text} (env {ENV[name]})")
    add(
        "--proxy",
        metavar="URL",
        default=None,
        help="send every request through this HTTP proxy (default: HTTPS_PROXY / HTTP_PROXY)",
    )
    add(
        "--timeout",
        metavar="SECONDS",
        type=seconds,
        default=None,
        help="longest wait for a connection or for the next bytes of an answer (default 60)",
    )
    add(
        "--max-wait",
        metavar="SECONDS",
        type=seconds,
        default=None,
        help="fail a request that would wait longer than this for the rate limit, "
        "instead of queueing (default: wait as long as it takes)",
    )
    add("--quiet", "-q", action="store_true", help="no progress output")


def add_everywhere(parser: argparse.ArgumentParser) -> None:
    """Accept the global options after the subcommand too, on every subparser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                add_global_options(sub, again=True)
                add_everywhere(sub)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``error: ...`` and where to look, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see: {self.prog} --help)\n")


def count(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, not {text!r}")
        return value

    parse.__name__ = "count"
    return parse


def seconds(text: str) -> float:
    """An argparse type: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, not {text!r}")
    return value


def database(text: str) -> str:
    """An argparse type: a known Analytics database code, any case (``US`` is ``us``)."""
    from semrush_async import DATABASES

    code = text.strip().lower()
    if code in DATABASES:
        return code
    near = difflib.get_close_matches(code, list(DATABASES), n=3, cutoff=0.0)
    raise argparse.ArgumentTypeError(f"unknown database {text!r}; nearest: {', '.join(near)}")


def country(text: str) -> str:
    """An argparse type: a two-letter country code, any case (``us`` is ``US``)."""
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise argparse.ArgumentTypeError(f"must be a two-letter country code, not {text!r}")
    return code


def upper(text: str) -> str:
    """An argparse type for upper-case choices given in any case."""
    return text.strip().upper()


def lower(text: str) -> str:
    """An argparse type for lower-case choices given in any case."""
    return text.strip().lower()


def add_yes(p: argparse.ArgumentParser) -> None:
    """``--yes``: a destructive command's confirmation (required without a terminal)."""
    p.add_argument(
        "--yes", "-y", action="store_true", help="do it without asking (needed when not a terminal)"
    )


def confirm(args: argparse.Namespace, what: str) -> bool:
    """True when ``what`` may go ahead: ``--yes``, or a "y" typed at the prompt.

    Without a terminal on stdin there is no one to ask: the command is refused
    (exit 2) unless ``--yes`` was given, so a script never deletes by accident.
    """
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print(f"error: refusing to {what} without --yes (stdin is not a terminal)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    answer = input(f"{what}? This cannot be undone. [y/N] ")
    return answer.strip().lower() in ("y", "yes")
