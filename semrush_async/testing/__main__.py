"""``python -m semrush_async.testing [--port N] [--seed N]``: run the sandbox standalone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from semrush_async.testing._oauth import CLIENT_ID, CLIENT_SECRET
from semrush_async.testing._sandbox import SemrushSandbox


async def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m semrush_async.testing")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--no-limits", action="store_true", help="reject nothing (benchmarks)")
    parser.add_argument(
        "--oauth-interval", type=int, default=5, help="device-flow polling interval (seconds)"
    )
    args = parser.parse_args(argv)
    async with SemrushSandbox(
        port=args.port,
        seed=args.seed,
        latency=args.latency,
        fault_rate=args.fault_rate,
        enforce_limits=not args.no_limits,
    ) as sandbox:
        sandbox.state.extensions["oauth"].interval = args.oauth_interval
        print(sandbox.port, flush=True)
        print(_banner(sandbox), file=sys.stderr, flush=True)
        await asyncio.Event().wait()


def _banner(sandbox: SemrushSandbox) -> str:
    """Every credential the sandbox accepts, and the environment that uses them."""
    keys = ", ".join(sorted(sandbox.state.initial_balances))
    return "\n".join(
        (
            f"Semrush sandbox on {sandbox.url}; Ctrl-C stops it",
            f"  Analytics v3 API key(s):  {keys}",
            f"  API v4 key:               {sandbox.v4_api_key}",
            f"  API v4 key (read-only):   {sandbox.read_only_v4_key}",
            f"  OAuth client id / secret: {CLIENT_ID} / {CLIENT_SECRET}",
            "  OAuth tokens: log in with the device flow (semrush-async auth login)",
            "  Use it from a shell:",
            f"    export SEMRUSH_BASE_URL={sandbox.url} SEMRUSH_OAUTH_URL={sandbox.url} "
            f"SEMRUSH_WWW_URL={sandbox.url}",
            f"    export SEMRUSH_API_KEY={sandbox.api_key} SEMRUSH_V4_API_KEY={sandbox.v4_api_key}",
        )
    )


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())


if __name__ == "__main__":
    main()
