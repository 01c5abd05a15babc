"""``client.site_audit`` over real HTTP against the sandbox, whose audits run on an
advanceable clock: launch -> wait -> snapshot -> issue pages -> page, prices, retries of
writes, the polls of ``wait`` governed and priced; and Map Rank Tracker with only the
v4 key."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from semrush_async import (
    AuditInfo,
    AuditStatus,
    BudgetExceeded,
    Conflict,
    IssueFilter,
    NotFound,
    SemrushClient,
    ServerError,
    TransportError,
    UserAgent,
    ValidationError,
    WaitTimeout,
)
from semrush_async.apis.site_audit.endpoints import ERRORS, NOTICES, WARNINGS
from semrush_async.testing import SemrushSandbox
from tests.test_position_tracking import Recorder, attempt, own_projects, requests, seeded


def audited(sb: SemrushSandbox) -> int:
    return seeded(sb).project_id


async def test_launch_wait_snapshot_issue_pages_page(sandbox: SemrushSandbox) -> None:
    pid = audited(sandbox)
    seen: list[AuditInfo] = []

    def poll(info: AuditInfo) -> None:
        seen.append(info)
        sandbox.advance_audits(7.0)  # the audit clock moves between polls

    async with sandbox.client() as c:
        sa = c.site_audit
        before = await sa.snapshots(pid)
        sid = await sa.launch(pid)
        done = await sa.wait(pid, interval=0.001, timeout=30, on_poll=poll)
        assert done.status is AuditStatus.FINISHED
        statuses = [i.status for i in seen]
        assert statuses[0] is AuditStatus.RUNNING
        assert statuses[-1] is AuditStatus.FINISHED
        assert AuditStatus.CHECKING in statuses or AuditStatus.SAVING in statuses
        crawled = [i.running_pages_crawled for i in seen if i.status is AuditStatus.RUNNING]
        assert crawled == sorted(crawled)
        assert crawled[-1] > crawled[0]
        after = await sa.snapshots(pid)
        assert [s.snapshot_id for s in after] == [*(s.snapshot_id for s in before), sid]
        snap = await sa.snapshot(pid, sid)
        assert snap.snapshot_id == sid
        assert snap.pages_crawled == done.pages_crawled
        issue = next(i for i in (*snap.errors, *snap.warnings, *snap.notices) if i.count > 3)
        rows = await sa.issue(pid, sid, issue.id, page_size=2)
        assert len(rows) == issue.count
        assert rows.pages == (issue.count + 1) // 2
        assert [r.source_url for r in rows] == sorted((r.source_url for r in rows), reverse=True)
        first = await sa.issue(pid, sid, issue.id, limit=3, page_size=2)
        assert list(first) == list(rows)[:3]
        assert first.pages == 2
        kept = rows[0].source_url
        only = await sa.issue(
            pid, sid, issue.id, filters=IssueFilter("source_url", "Eq", (kept,)), sort="ASC"
        )
        assert [r.source_url for r in only] == [kept]
        page = await sa.page(pid, rows[0].page_id)
        assert page.url == kept
        assert page.page_id == rows[0].page_id
        found = [i.id for i in (*page.errors, *page.warnings, *page.notices)]
        assert issue.id in found
        refs = await sa.find_pages(pid, "/blog/", limit=5)
        assert refs
        assert all("/blog/" in r.url for r in refs)
        meta = await sa.meta_issues(pid)
        history = await sa.history(pid, page_size=2)
    polls = len(seen)
    assert len(history) == 4
    assert history.pages == 2
    assert history[0].snapshot_id == sid
    assert {m.severity for m in meta} == {"error", "warning", "notice"}
    assert {m.id for m in meta} == set(ERRORS) | set(WARNINGS) | set(NOTICES)
    pages = rows.pages + first.pages + only.pages
    expected = 100 * (3 + polls + pages + 2) + 10_000 * (1 + 4) + 1_000
    assert c.units.spent == sandbox.units_spent() == expected
    assert c.units.by_report["site_audit.info"] == 100 * polls


async def test_wait_times_out_and_its_polls_are_priced_and_budgeted(
    sandbox: SemrushSandbox,
) -> None:
    pid = audited(sandbox)
    async with sandbox.client() as c:
        await c.site_audit.launch(pid)
        with pytest.raises(WaitTimeout) as e:
            await c.site_audit.wait(pid, timeout=0.05, interval=0.01)
        assert isinstance(e.value, TimeoutError)
        assert "RUNNING" in str(e.value)
        polls = sandbox.counters("site_audit.info").accepted
        assert polls >= 2
        assert c.units.spent == sandbox.units_spent() == 100 * (1 + polls)
    async with sandbox.client(unit_budget=350) as c:
        with pytest.raises(BudgetExceeded):
            await c.site_audit.wait(pid, timeout=60, interval=0.001)
        assert c.units.spent == 300  # three polls fit the budget, the fourth is refused
    assert sandbox.counters("site_audit.info").accepted == polls + 3


async def test_enable_save_and_writes_not_repeated(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    pid = own_projects(sandbox)[1]
    domain = sandbox.state.extensions["projects"].projects[pid].domain
    recorder = Recorder()
    try:
        async with sandbox.client(session=recorder.session) as c:
            sa = c.site_audit
            sandbox.inject("site_audit.enable", "502")
            with pytest.raises(ServerError):
                await sa.enable(pid, domain, 50)
            assert sandbox.counters("site_audit.enable").accepted == 1
            await sa.enable(
                pid, domain, 50, schedule_day=3, user_agent=UserAgent.OPENAI_SEARCH,
                allow=["/blog/"], crawl_subdomains=True,
            )  # fmt: skip
            with pytest.raises(Conflict) as e:
                await sa.enable(pid, domain, 50)
            assert e.value.code == 515
            await sa.save(pid, domain=domain, page_limit=80, js_rendering=True)
            info = await sa.info(pid)
            assert (info.user_agent, info.pages_limit, info.status) == (
                UserAgent.OPENAI_SEARCH,
                80,
                AuditStatus.FINISHED,
            )
            assert info.last_audit is None
            assert info.mask_allow == ("/blog/",)
            sandbox.inject("site_audit.launch", "drop")
            with pytest.raises(TransportError):
                await sa.launch(pid)
            assert sandbox.counters("site_audit.launch").accepted == 1
            assert (await sa.info(pid)).status is AuditStatus.RUNNING  # it did start
            with pytest.raises(NotFound) as nf:
                await sa.info(own_projects(sandbox)[2])
            assert nf.value.code == 512
    finally:
        await recorder.session.close()
    bodies = [(m, p, b) for m, p, _, _, b in recorder.sent if m == "POST"]
    mg = f"/management/v1/projects/{pid}/siteaudit"
    assert bodies[1] == (
        "POST",
        mg + "/enable",
        {
            "domain": domain,
            "pageLimit": 50,
            "scheduleDay": 3,
            "allow": ["/blog/"],
            "userAgentType": 9,
            "crawlSubdomains": True,
        },
    )
    assert bodies[3] == (
        "POST",
        mg + "/save",
        {"domain": domain, "pageLimit": 80, "jsRendering": "RENDER_ALL"},
    )
    assert bodies[4][1] == f"/reports/v1/projects/{pid}/siteaudit/launch"
    assert all(q["key"] == sandbox.api_key for _, _, q, _, _ in recorder.sent)
    assert sandbox.api_key not in caplog.text
    assert c.units.spent == sandbox.units_spent()


async def test_bad_input_sends_nothing(sandbox: SemrushSandbox) -> None:
    pid = audited(sandbox)
    async with sandbox.client() as c:
        sa = c.site_audit
        bad: list[Any] = [
            lambda: sa.enable(pid, "https://example.com", 10),
            lambda: sa.enable(pid, "example.com", 0),
            lambda: sa.enable(pid, "example.com", 100_001),
            lambda: sa.enable(pid, "example.com", 10, schedule_day=8),
            lambda: sa.enable(pid, "example.com", 10, user_agent=4),
            lambda: sa.enable(pid, "example.com", 10, allow="/blog/"),
            lambda: sa.save(pid, domain="example.com", page_limit=10, js_rendering="yes"),  # type: ignore[arg-type]
            lambda: sa.launch(-1),
            lambda: sa.snapshot(pid, "a/b"),
            lambda: sa.history(pid, page_size=101),
            lambda: sa.issue(pid, "abc", 0),
            lambda: sa.issue(pid, "abc", 1, sort="down"),
            lambda: sa.issue(pid, "abc", 1, filters=[IssueFilter("source_url", "Gt", ("x",))]),
            lambda: sa.issue(pid, "abc", 1, filters=[IssueFilter("Source URL", "Eq", ("x",))]),
            lambda: sa.issue(pid, "abc", 1, filters=[IssueFilter("source_url", "Eq", ("a;b",))]),
            lambda: sa.find_pages(pid, ""),
            lambda: sa.find_pages(pid, "x", limit=101),
            lambda: sa.page(pid, ".."),
            lambda: sa.wait(pid, timeout=0),
            lambda: sa.wait(pid, interval=-1),
        ]
        for make in bad:
            with pytest.raises(ValidationError):
                await attempt(make)
    assert requests(sandbox) == 0
    assert c.units.spent == sandbox.units_spent() == 0
    assert UserAgent(12).known is False
    assert UserAgent(9).known


# --- Map Rank Tracker with only the v4 key ------------------------------------------------------


async def test_map_rank_end_to_end_with_only_the_v4_key(sandbox: SemrushSandbox) -> None:
    recorder = Recorder()
    oauth = sandbox.state.extensions["oauth"]
    tokens_before = len(oauth.tokens)
    try:
        async with SemrushClient(
            v4_api_key=sandbox.v4_api_key,
            base_url=sandbox.url,
            oauth_url=sandbox.url,
            www_url=sandbox.url,
            session=recorder.session,
        ) as c:
            mrt = c.map_rank
            made = await mrt.create_campaign("ChIJv4only", ["pizza", "pasta"], name="Key only")
            listed = await mrt.campaigns(page_size=50)
            assert made.id in {x.id for x in listed}
            date = await mrt.collect(made.id)
            got = await mrt.get_campaign(made.id)
            assert got.last_report_date == date
            statuses = await mrt.keyword_statuses(made.id)
            kw = got.keywords[0].id
            business = got.business.cid if got.business else None
            heat = await mrt.heatmap(made.id, kw, cid=business)
            metrics = await mrt.metrics(made.id, kw, cid=business)
            rivals = await mrt.top_competitors(made.id, kw, date)
            await mrt.update_campaign(made.id, name="Renamed")
            limits = await mrt.limits()
            await mrt.delete_campaign(made.id)
    finally:
        await recorder.session.close()
    assert len(statuses) == 2
    assert heat is not None
    assert metrics is not None
    assert rivals is not None
    assert limits.credits.total == 10_000
    auth = {h.get("Authorization") for _, _, _, h, _ in recorder.sent}
    assert auth == {f"Apikey {sandbox.v4_api_key}"}
    assert all("key" not in q for _, _, q, _, _ in recorder.sent)
    assert sandbox.state.v4_key_in_url == 0
    assert len(oauth.tokens) == tokens_before  # no OAuth at all
    assert oauth.token_requests == 0


async def test_map_rank_prefers_the_v4_key_over_oauth(sandbox: SemrushSandbox) -> None:
    recorder = Recorder()
    try:
        # The sandbox client has both a v4 key and a token: the key is sent.
        async with sandbox.client(session=recorder.session) as c:
            await c.map_rank.limits()
        async with sandbox.client(session=recorder.session, v4_api_key=None) as c:
            await c.map_rank.limits()
    finally:
        await recorder.session.close()
    schemes = [h["Authorization"].split()[0] for _, _, _, h, _ in recorder.sent]
    assert schemes == ["Apikey", "Bearer"]
