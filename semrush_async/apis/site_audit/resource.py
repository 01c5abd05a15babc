"""``client.site_audit``: enable and configure Site Audit on a project, run audits,
wait for them, and read snapshots, issues and pages.

Every method validates its input first: bad input raises
:class:`~semrush_async.errors.ValidationError` naming what is allowed, sends nothing
and costs nothing. Calls go through a :class:`~.backend.SiteAuditBackend` (today the v3
API, :class:`~.backend.V3SiteAudit`); a v4 backend can take its place later without
changing this interface.

Prices (reserved before a call is sent): 100 per request; a snapshot 10,000; history
10,000 per snapshot returned (a page reserves ``page_size`` of them); a page 1,000.
:meth:`SiteAuditResource.wait` polls :meth:`~SiteAuditResource.info`: 100 units a
poll, governed, counted and bounded by ``unit_budget`` like any call.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from semrush_async import errors
from semrush_async._core.counts import check_count
from semrush_async._core.sansio import path_segment
from semrush_async.apis.projects.endpoints import validate_project_id
from semrush_async.apis.site_audit.backend import (
    AuditSettings,
    IssueFilter,
    SiteAuditBackend,
    V3SiteAudit,
)
from semrush_async.apis.site_audit.models import (
    AuditInfo,
    IssueMeta,
    IssueRow,
    PageRef,
    PageReport,
    SnapshotRef,
    SnapshotReport,
    UserAgent,
)
from semrush_async.pagination import Pager

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["SiteAuditResource"]

#: ``pageLimit`` 1 to 100,000 (INF: Semrush's largest audit; the docs give no maximum).
MAX_PAGE_LIMIT: Final = 100_000
#: Issue pages and history: the docs give the defaults (10 and 7), no maximum; 100
#: (INF, as Site Audit v4's list and the sandbox).
MAX_PAGE_SIZE: Final = 100
#: History costs 10,000 units per snapshot: the docs' default page by default.
HISTORY_PAGE_SIZE: Final = 7
OPS: Final = ("Bw", "Ew", "Eq", "Co")
_FIELD: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_DOMAIN: Final = re.compile(r"^[^/:\s*?#@]+\.[^/:\s*?#@]+$")


def _bool(name: str, value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise errors.ValidationError(f"{name} must be True, False or None, got {value!r}")
    return value


def _strings(name: str, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise errors.ValidationError(f"{name} must be a list of strings, got {value!r}")
    if not all(isinstance(x, str) and x for x in value):
        raise errors.ValidationError(f"{name} must hold non-empty strings, got {value!r}")
    return tuple(value)


def _user_agent(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, UserAgent):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in set(UserAgent):
        return value
    names = ", ".join(f"{u.value} ({u.name})" for u in UserAgent)
    raise errors.ValidationError(
        f"user_agent must be one of {names}, or UserAgent(n) for a newer one; got {value!r}"
    )


def _id(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise errors.ValidationError(f"{name} must be a string, got {value!r}")
    path_segment(value, name)
    return value


def _settings(
    domain: object,
    page_limit: object,
    *,
    schedule_day: object,
    notify: object,
    allow: object,
    disallow: object,
    user_agent: object,
    removed_parameters: object,
    crawl_subdomains: object,
    respect_crawl_delay: object,
    js_rendering: object = None,
) -> AuditSettings:
    if not isinstance(domain, str) or not _DOMAIN.match(domain):
        raise errors.ValidationError(
            f"domain must be a domain without protocol or path (example.com), got {domain!r}"
        )
    return AuditSettings(
        domain,
        check_count("page_limit", page_limit, minimum=1, maximum=MAX_PAGE_LIMIT),
        None
        if schedule_day is None
        else check_count("schedule_day", schedule_day, minimum=0, maximum=7),
        _bool("notify", notify),
        _strings("allow", allow),
        _strings("disallow", disallow),
        _user_agent(user_agent),
        _strings("removed_parameters", removed_parameters),
        _bool("crawl_subdomains", crawl_subdomains),
        _bool("respect_crawl_delay", respect_crawl_delay),
        _bool("js_rendering", js_rendering),
    )


def _filters(filters: object) -> tuple[IssueFilter, ...]:
    if filters is None:
        return ()
    if isinstance(filters, IssueFilter):
        filters = [filters]
    if isinstance(filters, str) or not isinstance(filters, Sequence):
        raise errors.ValidationError("filters must be a list of IssueFilter")
    for f in filters:
        if not isinstance(f, IssueFilter):
            raise errors.ValidationError(f"a filter must be an IssueFilter, got {f!r}")
        if not _FIELD.match(f.field):
            raise errors.ValidationError(
                f"filter field must be a field name such as source_url, got {f.field!r}"
            )
        if f.op not in OPS:
            raise errors.ValidationError(f"filter op must be one of {', '.join(OPS)}, got {f.op!r}")
        if not f.values or not all(
            isinstance(x, str) and x and not set(x) & set(";|") for x in f.values
        ):
            raise errors.ValidationError(
                f"filter values must be non-empty strings without ';' or '|', got {f.values!r}"
            )
        if not isinstance(f.exclude, bool):
            raise errors.ValidationError("filter exclude must be True or False")
    return tuple(filters)


class SiteAuditResource:
    """Site Audit (API v3 today; see the module docstring). ``project_id`` is the
    project the audit belongs to, in every method."""

    def __init__(self, session: Session, backend: SiteAuditBackend | None = None) -> None:
        #: The API version behind the methods.
        self.backend: SiteAuditBackend = backend or V3SiteAudit(session)

    async def enable(
        self,
        project_id: int,
        domain: str,
        page_limit: int,
        *,
        schedule_day: int | None = None,
        notify: bool | None = None,
        allow: Sequence[str] | None = None,
        disallow: Sequence[str] | None = None,
        user_agent: UserAgent | int | None = None,
        removed_parameters: Sequence[str] | None = None,
        crawl_subdomains: bool | None = None,
        respect_crawl_delay: bool | None = None,
    ) -> None:
        """Enable Site Audit on a project. ``page_limit`` 1-100,000 pages per audit;
        ``schedule_day`` 1-7 (a weekday) or 0 (manual); ``user_agent`` a
        :class:`UserAgent`. Never repeated after a 5xx or a dropped connection."""
        pid = validate_project_id(project_id)
        settings = _settings(
            domain, page_limit, schedule_day=schedule_day, notify=notify, allow=allow,
            disallow=disallow, user_agent=user_agent, removed_parameters=removed_parameters,
            crawl_subdomains=crawl_subdomains, respect_crawl_delay=respect_crawl_delay,
        )  # fmt: skip
        await self.backend.enable(pid, settings)

    async def save(
        self,
        project_id: int,
        *,
        domain: str,
        page_limit: int,
        js_rendering: bool | None = None,
        schedule_day: int | None = None,
        notify: bool | None = None,
        allow: Sequence[str] | None = None,
        disallow: Sequence[str] | None = None,
        user_agent: UserAgent | int | None = None,
        removed_parameters: Sequence[str] | None = None,
        crawl_subdomains: bool | None = None,
        respect_crawl_delay: bool | None = None,
    ) -> None:
        """Edit the campaign's settings (the docs require ``domain`` and ``page_limit``
        again); ``js_rendering`` True renders JavaScript on every page."""
        pid = validate_project_id(project_id)
        settings = _settings(
            domain, page_limit, schedule_day=schedule_day, notify=notify, allow=allow,
            disallow=disallow, user_agent=user_agent, removed_parameters=removed_parameters,
            crawl_subdomains=crawl_subdomains, respect_crawl_delay=respect_crawl_delay,
            js_rendering=js_rendering,
        )  # fmt: skip
        await self.backend.save(pid, settings)

    async def launch(self, project_id: int) -> str:
        """Start an audit; returns its snapshot id (usable once it is FINISHED).
        Never repeated after a 5xx or a dropped connection: :meth:`info` tells
        whether it started."""
        return await self.backend.launch(validate_project_id(project_id))

    async def info(self, project_id: int) -> AuditInfo:
        """The campaign: settings, status, pages crawled, the last audit's totals."""
        return await self.backend.info(validate_project_id(project_id))

    async def wait(
        self,
        project_id: int,
        *,
        timeout: float = 3600.0,
        interval: float = 10.0,
        on_poll: Callable[[AuditInfo], None] | None = None,
    ) -> AuditInfo:
        """Poll :meth:`info` every ``interval`` seconds until the audit is FINISHED and
        return that info; past ``timeout`` seconds raise
        :class:`~semrush_async.errors.WaitTimeout` (a ``TimeoutError``; the audit goes
        on). Each poll is a governed call at 100 units; ``on_poll`` sees each info."""
        pid = validate_project_id(project_id)
        for name, value in (("timeout", timeout), ("interval", interval)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise errors.ValidationError(f"{name} must be a positive number of seconds")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            info = await self.backend.info(pid)
            if on_poll is not None:
                on_poll(info)
            if info.finished:
                return info
            left = deadline - loop.time()
            if left <= 0:
                raise errors.WaitTimeout(
                    f"the audit of project {pid} is still {info.status} after {timeout:g}s "
                    f"({info.running_pages_crawled} of {info.running_pages_limit} pages "
                    "crawled)"
                )
            await asyncio.sleep(min(interval, left))

    async def snapshots(self, project_id: int) -> tuple[SnapshotRef, ...]:
        """The finished audits (snapshot ids and finish times)."""
        return await self.backend.snapshots(validate_project_id(project_id))

    async def snapshot(self, project_id: int, snapshot_id: str) -> SnapshotReport:
        """One finished audit: Site Health and the count of each issue (10,000 units)."""
        pid = validate_project_id(project_id)
        return await self.backend.snapshot(pid, _id("snapshot_id", snapshot_id))

    def history(
        self,
        project_id: int,
        *,
        limit: int | None = None,
        page_size: int = HISTORY_PAGE_SIZE,
    ) -> Pager[SnapshotReport]:
        """Past audits, newest first: 10,000 units per snapshot returned (each page
        reserves ``page_size`` of them, 1 to 100); ``limit``: snapshots in all."""
        pid = validate_project_id(project_id)
        size = check_count("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        cap = None if limit is None else check_count("limit", limit, minimum=1)
        return self.backend.history(
            pid, page_size=size if cap is None else min(size, cap), limit=cap
        )

    def issue(
        self,
        project_id: int,
        snapshot_id: str,
        issue_id: int,
        *,
        filters: IssueFilter | Sequence[IssueFilter] | None = None,
        sort: str = "DESC",
        limit: int | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Pager[IssueRow]:
        """Every detection of one issue in a snapshot, page by page (``page``/
        ``limit``; 100 units a page). ``filters``: :class:`IssueFilter` values, ANDed;
        ``sort`` ASC or DESC; ``limit``: rows in all; ``page_size`` 1 to 100."""
        pid = validate_project_id(project_id)
        sid = _id("snapshot_id", snapshot_id)
        iid = check_count("issue_id", issue_id, minimum=1)
        if sort not in ("ASC", "DESC"):
            raise errors.ValidationError(f"sort must be ASC or DESC, got {sort!r}")
        size = check_count("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        cap = None if limit is None else check_count("limit", limit, minimum=1)
        return self.backend.issue(
            pid, sid, iid, filters=_filters(filters), sort=sort,
            page_size=size if cap is None else min(size, cap), limit=cap,
        )  # fmt: skip

    async def meta_issues(self, project_id: int) -> tuple[IssueMeta, ...]:
        """Every issue's title and texts (with its severity from the docs' tables:
        :data:`~.endpoints.ERRORS`, :data:`~.endpoints.WARNINGS`, :data:`~.endpoints.NOTICES`)."""
        return await self.backend.meta_issues(validate_project_id(project_id))

    async def find_pages(
        self, project_id: int, url: str, *, limit: int = 10
    ) -> tuple[PageRef, ...]:
        """Pages of the last audit whose URL contains ``url`` (``limit`` 1 to 100)."""
        pid = validate_project_id(project_id)
        if not isinstance(url, str) or not url.strip():
            raise errors.ValidationError(f"url must be a non-empty string, got {url!r}")
        n = check_count("limit", limit, minimum=1, maximum=MAX_PAGE_SIZE)
        found, _ = await self.backend.find_pages(pid, url, n)
        return found

    async def page(self, project_id: int, page_id: str) -> PageReport:
        """One crawled page and its issues (1,000 units)."""
        pid = validate_project_id(project_id)
        return await self.backend.page(pid, _id("page_id", page_id))
