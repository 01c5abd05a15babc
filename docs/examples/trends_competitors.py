"""Recipe: last month's traffic of 500 competitors into a CSV (Trends ``summary``).

    python docs/examples/trends_competitors.py competitors.txt -o traffic.csv

``summary`` takes up to 200 targets in one request and costs 1 Trends unit per
target with data, so 500 competitors are 3 requests and at most 500 units of the
Trends quota (never Standard API units). Without SEMRUSH_API_KEY it runs against
the built-in sandbox with 500 demo domains.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import sys
from collections.abc import AsyncIterator, Sequence

from semrush_async import SemrushClient
from semrush_async.testing import SemrushSandbox

COLUMNS = ["target", "visits", "users", "desktop_share", "mobile_share", "bounce_rate"]
PER_REQUEST = 200  # summary's documented maximum


@contextlib.asynccontextmanager
async def make_client(budget: int) -> AsyncIterator[SemrushClient]:
    if os.environ.get("SEMRUSH_API_KEY"):
        async with SemrushClient(trends_budget=budget) as client:
            yield client
        return
    print("SEMRUSH_API_KEY is not set: using the built-in sandbox.", file=sys.stderr)
    async with SemrushSandbox() as sandbox, sandbox.client(trends_budget=budget) as client:
        yield client


async def traffic(client: SemrushClient, domains: Sequence[str], path: str) -> int:
    """Write one line per domain with data; return the number of lines."""
    groups = [domains[i : i + PER_REQUEST] for i in range(0, len(domains), PER_REQUEST)]
    # The groups run concurrently; the account governor keeps them within 10/s.
    answers = await asyncio.gather(
        *(client.trends.summary(group, columns=COLUMNS) for group in groups)
    )
    write_csv(path, [[getattr(row, c) for c in COLUMNS] for rows in answers for row in rows])
    return sum(map(len, answers))


def write_csv(path: str, lines: list[list[object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        out.writerows(lines)


def read_domains(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


async def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("domains", nargs="?", help="a file with one domain per line")
    ap.add_argument("-o", "--output", default="traffic.csv")
    ap.add_argument("--budget", type=int, default=500, help="max Trends units to spend")
    args = ap.parse_args(argv)
    if args.domains:
        domains = read_domains(args.domains)
    else:
        domains = [f"competitor{i:03d}.example" for i in range(500)]
    async with make_client(args.budget) as client:
        lines = await traffic(client, domains, args.output)
        print(
            f"{lines} domains with data written to {args.output}; "
            f"{client.trends.units.spent} Trends units spent",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
