"""The global options, defined once: ``--sandbox``, the client's options and ``--quiet``.

Every client option has a flag and an environment variable (the flag wins).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from semrush_async.client import DEFAULT_BASE_URL, DEFAULT_OAUTH_URL, DEFAULT_WWW_URL

__all__ = ["add_global_options", "config_dir"]


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/semrush-async`` (default ``~/.config/semrush-async``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "semrush-async"


def add_global_options(p: argparse.ArgumentParser) -> None:
    """Add the options every command shares; their defaults are read from the environment now."""
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="run against the built-in sandbox (no key, no network)",
    )
    env_options = (
        ("--api-key", "SEMRUSH_API_KEY", None, "Analytics v3 API key"),
        ("--v4-api-key", "SEMRUSH_V4_API_KEY", None, "API v4 key (Authorization: Apikey)"),
        ("--base-url", "SEMRUSH_BASE_URL", DEFAULT_BASE_URL, "API base URL"),
        ("--oauth-url", "SEMRUSH_OAUTH_URL", DEFAULT_OAUTH_URL, "OAuth server URL"),
        ("--www-url", "SEMRUSH_WWW_URL", DEFAULT_WWW_URL, "URL of the unit balance endpoint"),
        (
            "--token-file",
            "SEMRUSH_TOKEN_FILE",
            str(config_dir() / "tokens.json"),
            "where OAuth tokens are stored, mode 0600",
        ),
    )
    for flag, var, default, text in env_options:
        p.add_argument(flag, default=os.environ.get(var, default), help=f"{text} (env {var})")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
