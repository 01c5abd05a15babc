"""A worker process for tests/test_redis.py: one client sharing governance via Redis."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time

from semrush_async import BudgetExceeded, Limit, Location, SemrushClient, Strategy
from semrush_async._core.redis import RedisGovernance


async def main() -> None:
    mode, redis_url, url, key, token, n = sys.argv[1:7]
    limits = {
        "account": Limit(10, 1.0, concurrency=10),
        "listings.update_locations": Limit(5, 1.5, concurrency=1, strategy=Strategy.SLIDING_WINDOW),
    }
    # Six processes on two cores (workers, Redis, the sandbox): arrival jitter is
    # large, so use a 5% margin (37 ms of slack on the real 1 s window).
    # Bulk updates: three fresh processes open their first connections inside one 1.5 s
    # window while the sandbox shares the test's event loop; the server-side arrival
    # times jitter by more than 5% of it on a loaded machine (a fresh-suite run once
    # saw it), so that mode keeps 10%.
    margin = 0.10 if mode == "bulk" else 0.05
    gov = RedisGovernance(redis_url, limits=limits, lease_seconds=1.0, safety_margin=margin)
    if mode == "hold":
        # Take UpdateLocations' single slot and never give it back (killed by the test).
        gov.bind(key)
        permit = await gov.governor("listings.update_locations").acquire()
        print("held", flush=True)
        await asyncio.sleep(3600)
        permit.release()
        return
    budget = int(n) if mode == "budget" else 1_000_000 if mode == "one" else None
    async with SemrushClient(
        api_key=key, token=token, base_url=url, www_url=url, governance=gov, unit_budget=budget
    ) as client:
        if mode == "saturate":
            await asyncio.gather(
                *(client.backlinks.overview(f"w{i}.example") for i in range(int(n)))
            )
        elif mode == "bulk":
            ids = json.loads(sys.stdin.read())
            await asyncio.gather(
                *(
                    client.listings.update_locations(
                        [Location(id=i, location_name="W", address="A", phone="+1", city="C")]
                    )
                    for i in ids
                )
            )
        elif mode == "one":
            # One priced call, then a clean exit: the settlement must reach Redis.
            await client.backlinks.overview("one.example")
        elif mode == "busy":
            # CPU work between awaits blocks the loop: requests leave late.
            busy = asyncio.ensure_future(_busy_loop())
            await asyncio.gather(
                *(client.backlinks.overview(f"w{i}.example") for i in range(int(n)))
            )
            busy.cancel()
        elif mode == "budget":
            try:
                async for _ in client.backlinks.backlinks("medium.example", page_size=30):
                    pass
            except BudgetExceeded:
                pass
            await client.units.flush()  # type: ignore[attr-defined]
        print(
            json.dumps(
                {
                    "round_trips": gov.round_trips,
                    "started": sum(s.started for s in gov.stats().values()),
                }
            ),
            flush=True,
        )


async def _busy_loop() -> None:
    rng = random.Random(13)
    while True:
        time.sleep(rng.uniform(0.0, 0.15))  # blocks the event loop, as CPU work would
        await asyncio.sleep(rng.uniform(0.0, 0.03))


if __name__ == "__main__":
    asyncio.run(main())
