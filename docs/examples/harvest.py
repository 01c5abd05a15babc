"""The main job: harvest backlinks for many targets into a CSV file, resumably.

    python docs/examples/harvest.py [TARGET ...] [-o links.csv]

Without SEMRUSH_API_KEY it starts the built-in sandbox and harvests demo targets
(no key, no network). With a key it calls the real API: mind the units (40 per line)
and pass --budget.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import sys
import time
from collections.abc import AsyncIterator

from semrush_async import SemrushClient
from semrush_async.testing import SemrushSandbox

DEMO_TARGETS = ["medium.example", "small.example", "tiny.example", "empty.example"] + [
    f"site{i:02d}.example" for i in range(20)
]


@contextlib.asynccontextmanager
async def make_client(budget: int | None) -> AsyncIterator[SemrushClient]:
    if os.environ.get("SEMRUSH_API_KEY"):
        async with SemrushClient(unit_budget=budget) as client:
            yield client
        return
    print("SEMRUSH_API_KEY is not set: using the built-in sandbox.", file=sys.stderr)
    async with SemrushSandbox() as sandbox, sandbox.client(unit_budget=budget) as client:
        yield client


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="*")
    ap.add_argument("-o", "--output", default="links.csv")
    ap.add_argument("--limit-per-target", type=int, default=1_000)
    ap.add_argument("--budget", type=int, default=None, help="max API units to spend")
    ap.add_argument("--checkpoint", default=None, help="sqlite file to resume from")
    args = ap.parse_args()
    targets = args.targets or DEMO_TARGETS
    columns = ["source_url", "target_url", "anchor", "page_ascore", "nofollow", "first_seen"]
    t0 = time.perf_counter()
    async with make_client(args.budget) as client:
        # A local buffered file: its writes are tiny next to the network waits.
        with open(args.output, "w", newline="", encoding="utf-8") as f:  # noqa: ASYNC230
            out = csv.writer(f)
            out.writerow(["target", *columns])
            harvest = client.backlinks.harvest(
                targets,
                columns=columns,
                limit_per_target=args.limit_per_target,
                page_size=500,
                checkpoint=args.checkpoint,
            )
            async with harvest:
                async for item in harvest:
                    if item.error:
                        print(f"  {item.target}: FAILED {item.error}", file=sys.stderr)
                        continue
                    for r in item.rows:
                        out.writerow([item.target, *(getattr(r, c) for c in columns)])
        stats = client.governor_stats()["account"]
        print(
            f"{harvest.rows} rows from {len(harvest.completed)} targets in "
            f"{harvest.pages} pages -> {args.output} ({time.perf_counter() - t0:.1f}s)"
        )
        print(
            f"API units spent: {client.units.spent:,}; requests: {stats.started}; "
            f"429s: {stats.rate_limited}; max in flight: {stats.max_in_flight}"
        )
        if harvest.failed:
            print(f"failed targets: {', '.join(harvest.failed)}")
        if harvest.budget_exceeded:
            print(f"stopped by the budget; pending: {', '.join(harvest.pending)}")


if __name__ == "__main__":
    asyncio.run(main())
