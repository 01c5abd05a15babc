"""Planted mistakes: each line marked ``# expect: <mypy code> <pyright rule>`` must be
reported by both checkers, and nothing else (``tests/test_typing.py``)."""

# The follow-on "unknown type" reports of a wrong attribute are pyright's strict echo
# of the one mistake:
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false

from __future__ import annotations

from semrush_async import SemrushClient


async def mistakes(client: SemrushClient) -> None:
    rows = await client.domains.organic("example.com", database="us")
    print(rows[0].no_such_field)  # expect: attr-defined reportAttributeAccessIssue
    client.domains.organic("example.com", databse="us")  # expect: call-arg reportCallIssue
    client.domains.organik("example.com", database="us")  # expect: attr-defined reportAttributeAccessIssue
    client.domains.organic("example.com", database="uss")  # expect: arg-type reportArgumentType
    client.domains.organic("example.com", columns=["Phh"])  # expect: list-item reportArgumentType
    client.domains.organic("example.com", sort="pos_asc")  # expect: arg-type reportArgumentType
    client.overview.rank("example.com", database="us")  # expect: arg-type reportArgumentType
    client.backlinks.refdomains("example.com", limt=5)  # expect: call-arg reportCallIssue
    client.backlinks.harvest(["a.example"], workerz=2)  # expect: call-overload reportCallIssue
    refs = client.analytics.report("backlinks_refdomains", target="example.com")
    async for ref in refs:
        print(ref.keyword)  # expect: attr-defined reportAttributeAccessIssue
    async with client.analytics.harvest("domain_organic", ["a.example"]) as h:
        async for item in h:
            print(item.rows[0].domain_ascore)  # expect: attr-defined reportAttributeAccessIssue
