"""``semrush-async auth login|status|logout``: OAuth for API v4 (device login)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Final

from semrush_async.apis.auth.resource import DevicePrompt
from semrush_async.cli._client import client_and_sandbox
from semrush_async.cli._command import Command, actions
from semrush_async.cli._errors import EXIT_ERROR

__all__ = ["COMMANDS"]


def _arguments(parser: argparse.ArgumentParser) -> None:
    auth = actions(parser)
    login = auth.add_parser("login", help="device login (prints a URL and a code)")
    login.add_argument(
        "--scope", default=None, help="OAuth scopes to ask for (default: the server's)"
    )
    auth.add_parser("status", help="show the stored token")
    auth.add_parser("logout", help="forget the stored token")


async def cmd_auth(args: argparse.Namespace) -> int:
    # token=None: the command works on the stored tokens (the sandbox's in memory).
    async with client_and_sandbox(args, token=None) as (client, sandbox):
        if args.action == "login":

            def prompt(p: DevicePrompt) -> None:
                print(p, file=sys.stderr, flush=True)
                if sandbox is not None:
                    print("(sandbox: approving on your behalf)", file=sys.stderr)
                    sandbox.state.extensions["oauth"].approve(p.user_code)

            new = await client.auth.device_login(args.scope, on_prompt=prompt)
            where = (
                "kept in memory only (--sandbox: no token file is read or written)"
                if sandbox is not None
                else f"stored in {args.token_file}"
            )
            print(f"logged in; token {where} (expires {_when(new.expires_at)})")
        elif args.action == "status":
            tokens = await client.auth.status()
            if tokens is None:
                note = " (--sandbox starts with no tokens and never reads a token file)"
                print("not logged in" + (note if sandbox is not None else ""))
                return EXIT_ERROR
            print(
                f"logged in ({tokens.grant}); access token expires "
                f"{_when(tokens.expires_at)}; refresh token "
                f"{'present' if tokens.refresh_token else 'absent'}"
            )
        else:
            await client.auth.logout()
            print("logged out" + (" (--sandbox: no token file touched)" if sandbox else ""))
    return 0


def _when(ts: float | None) -> str:
    return (
        "at an unknown time" if ts is None else datetime.fromtimestamp(ts).isoformat(" ", "seconds")
    )


COMMANDS: Final = (Command("auth", "OAuth login for API v4", _arguments, cmd_auth),)
