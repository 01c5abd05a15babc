"""Print the latest heatmap of a Map Rank Tracker campaign, then its top competitors.

    python docs/examples/map_rank_heatmap.py [CAMPAIGN_ID]

Without a campaign id it starts the built-in sandbox (no token, no network) and uses
its first collected campaign. With one it needs an OAuth login (``semrush-async auth
login``) and reads the real account; reading costs no credits.
"""

from __future__ import annotations

import asyncio
import sys

from semrush_async import SemrushClient
from semrush_async._core.oauth import FileTokenStore
from semrush_async.testing import SemrushSandbox


async def print_heatmap(client: SemrushClient, campaign_id: str) -> str:
    """Print the grid of positions for the campaign's first keyword; return it."""
    campaign = await client.map_rank.get_campaign(campaign_id)
    assert campaign.business is not None
    assert campaign.business.cid is not None
    keyword = campaign.keywords[0]
    heatmap = await client.map_rank.heatmap(
        campaign.id,
        keyword.id,
        cid=campaign.business.cid,  # or place_ids=campaign.business.place_ids
        report_date=campaign.last_report_date,  # omit it: the client uses the last one
    )
    lines = []
    for row in heatmap.rows():  # north to south, west to east
        cells = ["  --" if p is None or p.position is None else f"{p.position:4d}" for p in row]
        lines.append("".join(cells))
    text = "\n".join(lines)
    print(f"{campaign.name}: {keyword.name!r} at {heatmap.date:%Y-%m-%d %H:%M} UTC")
    print(text)

    competitors = client.map_rank.top_competitors(
        campaign.id, keyword.id, campaign.report_dates[0], sort="averagePosition,ASC"
    )
    top = [standing async for standing in competitors][:3]
    if competitors.business is not None:  # the campaign's own business, sent with page 1
        print(f"you: average position {competitors.business.average_position}")
    for standing in top:
        print(f"  {standing.business.name}: {standing.average_position}")
    return text


async def main() -> None:
    if len(sys.argv) > 1:
        # The file `semrush-async auth login` writes (refreshed tokens are saved back).
        store = FileTokenStore("~/.config/semrush-async/tokens.json")
        async with SemrushClient(token_store=store) as client:
            await print_heatmap(client, sys.argv[1])
        return
    async with SemrushSandbox() as sandbox, sandbox.client() as client:
        collected = [c for c in await client.map_rank.campaigns() if c.last_report_date]
        await print_heatmap(client, collected[0].id)


if __name__ == "__main__":
    asyncio.run(main())
