"""A user's module: every family, checked by ``mypy --strict`` and pyright (strict)
in ``nox -s typing`` and ``tests/test_typing.py``; never run.

Each result is pinned with ``assert_type``: a result that became ``Any`` (or another
type) fails the checkers. Row fields carry ``| None`` (a cell may be empty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import assert_type

from semrush_async import (
    AuditInfo,
    BacklinkRow,
    BacklinksOverview,
    CategoryRow,
    DomainDomainsRow,
    DomainOrganicRow,
    Harvest,
    HarvestItem,
    IntentCode,
    ItemList,
    KeywordMetrics,
    LocalLocation,
    MatrixRow,
    Pager,
    PhraseThisRow,
    PositionRow,
    Project,
    RankRow,
    RefDomainRow,
    SemrushClient,
    SerpFeatureCode,
    SnapshotReport,
    SubdomainOrganicRow,
    SubfolderOrganicRow,
    TrackingCampaigns,
    UrlOrganicRow,
    V4Link,
    V4Overview,
)
from semrush_async.apis.map_rank.endpoints import Campaign
from semrush_async.v3.source import ReportHarvest


def store(row: DomainOrganicRow) -> None:
    """Users annotate their own functions with the generated row classes."""
    assert_type(row.keyword, str | None)
    assert_type(row.position, int | None)
    assert_type(row.cpc, float | None)
    assert_type(row.timestamp, dt.datetime | None)
    assert_type(row.trends, tuple[float, ...] | None)
    assert_type(row.intents, tuple[IntentCode, ...] | None)
    assert_type(row.serp_features, tuple[SerpFeatureCode, ...] | None)


async def root_reports(client: SemrushClient) -> None:
    organic = client.domains.organic(
        "example.com",
        database="us",
        columns=["Ph", "position", "Nq", "trends"],
        sort="tr_desc",
        display_positions="new",
        limit=100,
    )
    assert_type(organic, Pager[DomainOrganicRow])
    async for row in organic:
        assert_type(row, DomainOrganicRow)
        store(row)
    rows = await client.domains.organic("example.com", database="us")
    assert_type(rows, ItemList[DomainOrganicRow])
    gap = await client.domains.domain_vs_domain(["a.example", "b.example"], database="us")
    assert_type(gap[0], DomainDomainsRow)
    assert_type(gap[0].positions, Mapping[str, int | None] | None)
    kw = await client.keywords.overview("seo", database="uk")
    assert_type(kw, ItemList[PhraseThisRow])
    assert_type(kw[0].keyword_difficulty, float | None)
    assert_type(await client.overview.rank(database="us", limit=4), ItemList[RankRow])
    url = client.urls.organic("https://example.com/", database="us")
    assert_type(url, Pager[UrlOrganicRow])
    sub = client.subdomains.organic("blog.example.com", database="us")
    assert_type(sub, Pager[SubdomainOrganicRow])
    folder = client.subfolders.organic("example.com/blog/", database="us")
    assert_type(folder, Pager[SubfolderOrganicRow])


async def by_name(client: SemrushClient) -> None:
    pager = client.analytics.report("domain_organic", domain="example.com", database="us")
    assert_type(pager, Pager[DomainOrganicRow])
    refs = client.analytics.report("backlinks_refdomains", target="example.com")
    assert_type(refs, Pager[RefDomainRow])
    targets = ["a.example", "b.example"]
    harvest = client.analytics.harvest("domain_organic", targets, database="us")
    assert_type(harvest, ReportHarvest[DomainOrganicRow])
    async with harvest as h:
        async for item in h:
            assert_type(item, HarvestItem[DomainOrganicRow])
            assert_type(item.rows, list[DomainOrganicRow])
    group = client.domains.harvest("organic", ["a.example"], database="us")
    assert_type(group, ReportHarvest[DomainOrganicRow])
    plain: Harvest[DomainOrganicRow] = group
    assert_type(plain.completed, list[str])


async def backlinks(client: SemrushClient) -> None:
    overview = await client.backlinks.overview("example.com")
    assert_type(overview, BacklinksOverview | None)
    links = client.backlinks.backlinks("example.com", "root_domain", limit=10)
    assert_type(links, Pager[BacklinkRow])
    async for link in links:
        assert_type(link.first_seen, dt.datetime | None)
        assert_type(link.nofollow, bool | None)
    matrix = await client.backlinks.matrix(["a.example", "b.example"])
    assert_type(matrix[0], MatrixRow)
    assert_type(await client.backlinks.categories("example.com"), list[CategoryRow])
    harvest = client.backlinks.harvest(["a.example"], "backlinks_refdomains")
    assert_type(harvest, ReportHarvest[RefDomainRow])
    assert_type(client.backlinks.harvest(["a.example"]), ReportHarvest[BacklinkRow])


async def v4_families(client: SemrushClient) -> None:
    assert_type(await client.backlinks_v4.overview("example.com", "root_domain"), V4Overview)
    assert_type(client.backlinks_v4.links("example.com", "root_domain"), Pager[V4Link])
    assert_type(await client.keywords_v4.metrics("seo", "us"), KeywordMetrics)
    assert_type(client.local.locations(), Pager[LocalLocation])
    assert_type(client.projects.list(), Pager[Project])
    assert_type(client.map_rank.campaigns(), Pager[Campaign])
    assert_type(await client.position_tracking.campaigns(1), TrackingCampaigns)
    assert_type(client.position_tracking.positions("1_2"), Pager[PositionRow])
    assert_type(await client.site_audit.info(1), AuditInfo)
    assert_type(client.site_audit.history(1), Pager[SnapshotReport])
