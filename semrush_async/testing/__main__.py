"""``python -m semrush_async.testing [--port N] [--seed N]``: run the sandbox standalone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

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
        print(
            f"Semrush sandbox on {sandbox.url} (api key {sandbox.api_key}); Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )
        await asyncio.Event().wait()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())


if __name__ == "__main__":
    main()
