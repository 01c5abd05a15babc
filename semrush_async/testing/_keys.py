"""Typed aiohttp application keys of the sandbox."""

from __future__ import annotations

from aiohttp import web

from semrush_async.testing._state import SandboxState

STATE: web.AppKey[SandboxState] = web.AppKey("state", SandboxState)
