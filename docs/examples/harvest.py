"""The main job: harvest backlinks for many targets into a CSV file, resumably.

    python docs/examples/harvest.py [TARGET ...] [-o links.csv] [--checkpoint job.sqlite]

Without SEMRUSH_API_KEY it starts the built-in sandbox and harvests demo targets
(no key, no network). With a key it calls the real API: mind the units (40 per line)
and pass --budget.

With --checkpoint, Ctrl-C (or a kill) and a rerun of the same command give every row
exactly once: after writing each page the script notes the CSV's size in the
checkpoint, with the page; a rerun cuts the CSV back to the size noted with the last
processed page and appends from there (the harvest replays any page received after
it, without paying again).
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
from typing import Any, TextIO

from semrush_async import Harvest, SemrushClient, SemrushError
from semrush_async.testing import SemrushSandbox

DEMO_TARGETS = ["medium.example", "small.example", "tiny.example", "empty.example"] + [
    f"site{i:02d}.example" for i in range(20)
]
COLUMNS = ["source_url", "target_url", "anchor", "page_ascore", "nofollow", "first_seen"]
#: The checkpoint note holding the CSV's size after the last processed page.
SIZE_NOTE = "output_bytes"


@contextlib.asynccontextmanager
async def make_client(budget: int | None, latency: float) -> AsyncIterator[SemrushClient]:
    if os.environ.get("SEMRUSH_API_KEY"):
        async with SemrushClient(unit_budget=budget) as client:
            yield client
        return
    print("SEMRUSH_API_KEY is not set: using the built-in sandbox.", file=sys.stderr)
    async with (
        SemrushSandbox(latency=latency) as sandbox,
        sandbox.client(unit_budget=budget) as client,
    ):
        yield client


def open_output(path: str, harvest: Harvest[Any]) -> TextIO:
    """The CSV to write: new (with its header), or cut back to the last processed page."""
    noted = harvest.resumed_notes.get(SIZE_NOTE)
    if noted is None:
        f = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        csv.writer(f).writerow(["target", *COLUMNS])
        return f
    size = int(noted)
    if not os.path.exists(path) or os.path.getsize(path) < size:
        raise SystemExit(
            f"error: {path} is shorter than the checkpoint says ({size:,} bytes written); "
            "restore it, or delete the checkpoint to start over"
        )
    # Rows written after the last page marked processed are replayed: drop them.
    os.truncate(path, size)
    return open(path, "a", newline="", encoding="utf-8")


async def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("targets", nargs="*")
    ap.add_argument("-o", "--output", default="links.csv")
    ap.add_argument("--limit-per-target", type=int, default=1_000)
    ap.add_argument("--budget", type=int, default=None, help="max API units to spend")
    ap.add_argument("--checkpoint", default=None, help="sqlite file to resume from")
    ap.add_argument(
        "--sandbox-latency",
        type=float,
        default=0.0,
        help="seconds the sandbox takes per request (time to try Ctrl-C and a rerun)",
    )
    args = ap.parse_args()
    targets = args.targets or DEMO_TARGETS
    t0 = time.perf_counter()
    async with make_client(args.budget, args.sandbox_latency) as client:
        harvest = client.backlinks.harvest(
            targets,
            columns=COLUMNS,
            limit_per_target=args.limit_per_target,
            page_size=500,
            checkpoint=args.checkpoint,
        )
        f: TextIO | None = None
        out: Any = None
        try:
            async with harvest:
                # resumed_notes is read when the harvest starts: open the file at the
                # first item (or after the loop, when there is nothing left to do).
                async for item in harvest:
                    if f is None:
                        f = open_output(args.output, harvest)
                        out = csv.writer(f)
                    if item.error:
                        print(f"  {item.target}: FAILED {item.error}", file=sys.stderr)
                        continue
                    out.writerows(
                        [item.target, *(getattr(r, c) for c in COLUMNS)] for r in item.rows
                    )
                    # On disk before the size is noted: a kill can leave a page written
                    # but not marked processed, never a size beyond the file's end.
                    f.flush()
                    harvest.note(SIZE_NOTE, str(f.tell()))
            if f is None:
                f = open_output(args.output, harvest)
        except SemrushError as e:  # a refused key stops the harvest with one error
            print(f"error: {e}", file=sys.stderr)
            return 1
        finally:
            if f is not None:
                f.close()
        # Empty when no request was needed (a rerun of a finished job).
        stats = client.governor_stats().get("account")
        print(
            f"{harvest.rows} rows from {len(harvest.completed)} targets in "
            f"{harvest.pages} pages -> {args.output} ({time.perf_counter() - t0:.1f}s)"
        )
        print(
            f"API units spent: {client.units.spent:,}; requests: "
            f"{stats.started if stats else 0}; 429s: {stats.rate_limited if stats else 0}; "
            f"max in flight: {stats.max_in_flight if stats else 0}"
        )
        if harvest.failed:
            print(f"failed targets: {', '.join(harvest.failed)}")
        if harvest.budget_exceeded:
            print(f"stopped by the budget: {harvest.tally()}: {', '.join(harvest.pending)}")
            return 1
    return 1 if harvest.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        print("interrupted: rerun with the same --checkpoint to resume", file=sys.stderr)
        sys.exit(130)
