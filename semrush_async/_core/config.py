"""The environment variables the library and the CLI read, in one place.

Both read them here, so ``SEMRUSH_BASE_URL`` (and the rest) mean the same to
``SemrushClient()`` and to ``semrush-async``; an explicit argument (or flag) wins.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_OAUTH_URL",
    "DEFAULT_WWW_URL",
    "ENV",
    "config_dir",
    "env_or",
    "token_file",
]

DEFAULT_BASE_URL: Final = "https://api.semrush.com"
DEFAULT_OAUTH_URL: Final = "https://oauth.semrush.com"
DEFAULT_WWW_URL: Final = "https://www.semrush.com"

#: Every variable, by the client argument (and CLI flag) it stands for.
ENV: Final = {
    "api_key": "SEMRUSH_API_KEY",
    "v4_api_key": "SEMRUSH_V4_API_KEY",
    "base_url": "SEMRUSH_BASE_URL",
    "oauth_url": "SEMRUSH_OAUTH_URL",
    "www_url": "SEMRUSH_WWW_URL",
    "token_file": "SEMRUSH_TOKEN_FILE",
}


def env_or(name: str, default: str | None) -> str | None:
    """The variable for argument ``name`` if set (and not empty), else ``default``."""
    return os.environ.get(ENV[name]) or default


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/semrush-async`` (default ``~/.config/semrush-async``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "semrush-async"


def token_file(*, default: bool) -> str | None:
    """``SEMRUSH_TOKEN_FILE``; without it the CLI's file (``default=True``) or None."""
    return env_or("token_file", str(config_dir() / "tokens.json") if default else None)
