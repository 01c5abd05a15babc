"""A worker process for tests/test_oauth.py: one client on a shared FileTokenStore.

Prints ``ready``, waits for a line on stdin (so every worker starts together), makes
``n`` v4 calls, then prints ``{"refreshes": ..., "ok": ...}`` as its last line.
"""

from __future__ import annotations

import asyncio
import json
import sys

from semrush_async import SemrushClient, SemrushError
from semrush_async._core.oauth import FileTokenStore


async def main() -> None:
    url, token_file, location, n = sys.argv[1:5]
    store = FileTokenStore(token_file)
    async with SemrushClient(base_url=url, oauth_url=url, token_store=store) as client:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        ok, error = True, ""
        try:
            for _ in range(int(n)):
                await client.listings.get_location(location)
        except SemrushError as e:
            ok, error = False, f"{type(e).__name__}: {e}"
        print(json.dumps({"refreshes": client.auth.provider.refreshes, "ok": ok, "error": error}))


if __name__ == "__main__":
    asyncio.run(main())
