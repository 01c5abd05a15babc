"""Typed aiohttp application keys of the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from semrush_async.testing._sandbox import SandboxState

STATE: web.AppKey[SandboxState] = web.AppKey("state")
