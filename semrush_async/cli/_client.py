"""The client a command runs with: from the global options, or the in-process sandbox."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from semrush_async._core.oauth import FileTokenStore, MemoryTokenStore
from semrush_async.client import SemrushClient

if TYPE_CHECKING:
    from semrush_async.testing import SemrushSandbox

__all__ = ["client_and_sandbox", "client_for"]


@contextlib.asynccontextmanager
async def client_and_sandbox(
    args: argparse.Namespace, **kwargs: Any
) -> AsyncIterator[tuple[SemrushClient, SemrushSandbox | None]]:
    """A client for the command, and the in-process sandbox behind it (``--sandbox``).

    ``--sandbox`` never reads, writes or deletes a credential file: its tokens live in
    memory and die with the process (``--token-file``, ``SEMRUSH_TOKEN_FILE`` and the
    default file are not opened), and no key from the environment is used.
    """
    for name in ("timeout", "max_wait"):
        if getattr(args, name, None) is not None:
            kwargs.setdefault(name, getattr(args, name))
    if args.sandbox:
        from semrush_async.testing import SemrushSandbox

        async with SemrushSandbox() as sandbox:
            sandbox.state.extensions["oauth"].interval = 1
            async with sandbox.client(**kwargs, token_store=MemoryTokenStore()) as client:
                yield client, sandbox
        return
    kwargs["token_store"] = FileTokenStore(args.token_file)
    # As curl does: --proxy, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment.
    proxy = getattr(args, "proxy", None)
    kwargs.setdefault("proxy", proxy)
    kwargs.setdefault("trust_env", proxy is None)
    async with SemrushClient(
        api_key=args.api_key,
        v4_api_key=args.v4_api_key,
        base_url=args.base_url,
        oauth_url=args.oauth_url,
        www_url=args.www_url,
        **kwargs,
    ) as client:
        yield client, None


@contextlib.asynccontextmanager
async def client_for(args: argparse.Namespace, **kwargs: Any) -> AsyncIterator[SemrushClient]:
    """``async with client_for(args, unit_budget=...) as client:`` (the sandbox with it)."""
    async with client_and_sandbox(args, **kwargs) as (client, _):
        yield client
