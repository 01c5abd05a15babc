"""The global options, defined once: ``--sandbox``, the client's options and ``--quiet``.

Every client option has a flag and an environment variable (the flag wins).
"""

from __future__ import annotations

import argparse
import contextlib

from semrush_async._core.config import (
    DEFAULT_BASE_URL,
    DEFAULT_OAUTH_URL,
    DEFAULT_WWW_URL,
    ENV,
    config_dir,
    env_or,
    token_file,
)

__all__ = ["add_global_options", "config_dir"]


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
    add("--quiet", "-q", action="store_true", help="no progress output")


def add_everywhere(parser: argparse.ArgumentParser) -> None:
    """Accept the global options after the subcommand too, on every subparser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                add_global_options(sub, again=True)
                add_everywhere(sub)
