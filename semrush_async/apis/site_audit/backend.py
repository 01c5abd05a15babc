"""Where ``client.site_audit`` sends its calls: a backend protocol, and the Site Audit
API v3 backend, its one implementation today.

The resource validates the caller's input into neutral values (:class:`AuditSettings`,
:class:`IssueFilter`) and calls a :class:`SiteAuditBackend`; the backend turns them into
requests and answers into the models of :mod:`.models`. v3 was deprecated on
2026-11-16 and works until the end of 2027; its v4 successor is documented only in
part (coverage §5.2: campaigns keyed by the project id, Start Audit answering 202,
progress polled until FINISHED). A v4 backend will implement the same protocol, so
user code will not change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from semrush_async import errors
from semrush_async.apis.site_audit.endpoints import ENDPOINTS, severity_of
from semrush_async.apis.site_audit.models import (
    AuditInfo,
    IssueMeta,
    IssueRow,
    PageRef,
    PageReport,
    SnapshotRef,
    SnapshotReport,
    decode_info,
    decode_issue_row,
    decode_meta,
    decode_page,
    decode_page_refs,
    decode_snapshot,
    decode_snapshots,
)
from semrush_async.pagination import Pager
from semrush_async.v4 import LimitOffset, PageNumber, V4Engine

if TYPE_CHECKING:
    from semrush_async._core.sansio import Envelope
    from semrush_async._core.session import Session

__all__ = ["AuditSettings", "IssueFilter", "SiteAuditBackend", "V3SiteAudit"]


@attrs.frozen(slots=True)
class AuditSettings:
    """A campaign's settings, validated (None: not sent, the server keeps its value)."""

    domain: str
    page_limit: int
    schedule_day: int | None = None
    notify: bool | None = None
    allow: tuple[str, ...] | None = None
    disallow: tuple[str, ...] | None = None
    user_agent: int | None = None
    removed_parameters: tuple[str, ...] | None = None
    crawl_subdomains: bool | None = None
    respect_crawl_delay: bool | None = None
    #: Save only.
    js_rendering: bool | None = None


@attrs.frozen(slots=True)
class IssueFilter:
    """Rows whose ``field`` matches (``op``: Bw begins with, Ew ends with, Eq equals,
    Co contains) any of ``values``; ``exclude`` drops them instead."""

    field: str
    op: str
    values: tuple[str, ...]
    exclude: bool = False

    def wire(self) -> str:
        """``[+-]|field|op|v1;...;vN``."""
        return "|".join(("-" if self.exclude else "+", self.field, self.op, ";".join(self.values)))


class SiteAuditBackend(Protocol):
    """What the resource asks of an API version."""

    async def enable(self, project_id: int, settings: AuditSettings) -> None: ...

    async def save(self, project_id: int, settings: AuditSettings) -> None: ...

    async def launch(self, project_id: int) -> str: ...

    async def info(self, project_id: int) -> AuditInfo: ...

    async def snapshots(self, project_id: int) -> tuple[SnapshotRef, ...]: ...

    async def snapshot(self, project_id: int, snapshot_id: str) -> SnapshotReport: ...

    def history(
        self, project_id: int, *, page_size: int, limit: int | None
    ) -> Pager[SnapshotReport]: ...

    def issue(
        self,
        project_id: int,
        snapshot_id: str,
        issue_id: int,
        *,
        filters: tuple[IssueFilter, ...],
        sort: str,
        page_size: int,
        limit: int | None,
    ) -> Pager[IssueRow]: ...

    async def meta_issues(self, project_id: int) -> tuple[IssueMeta, ...]: ...

    async def find_pages(
        self, project_id: int, url: str, limit: int
    ) -> tuple[tuple[PageRef, ...], int]: ...

    async def page(self, project_id: int, page_id: str) -> PageReport: ...


_WIRE_NAMES = {
    "domain": "domain",
    "page_limit": "pageLimit",
    "schedule_day": "scheduleDay",
    "notify": "notify",
    "allow": "allow",
    "disallow": "disallow",
    "user_agent": "userAgentType",
    "removed_parameters": "removedParameters",
    "crawl_subdomains": "crawlSubdomains",
    "respect_crawl_delay": "respectCrawlDelay",
}


def settings_body(settings: AuditSettings) -> dict[str, Any]:
    """The enable/save JSON body (``jsRendering``: ``RENDER_ALL`` or ``DISABLED``)."""
    body: dict[str, Any] = {}
    for name, wire in _WIRE_NAMES.items():
        value = getattr(settings, name)
        if value is not None:
            body[wire] = list(value) if isinstance(value, tuple) else value
    if settings.js_rendering is not None:
        body["jsRendering"] = "RENDER_ALL" if settings.js_rendering else "DISABLED"
    return body


def _total(page: Envelope) -> int | None:
    total = page.data.get("total") if isinstance(page.data, Mapping) else None
    return total if isinstance(total, int) else None


def capped(pager: Pager[Any], limit: int | None) -> Pager[Any]:
    """``pager`` stopping after ``limit`` items (a numbered page cannot be shrunk)."""
    if limit is None:
        return pager

    async def source(outer: Pager[Any]) -> Any:
        left = limit
        async for batch in pager.batches():
            outer.pages = pager.pages
            yield batch[:left]
            left -= len(batch)
            if left <= 0:
                return

    return Pager(source)


class V3SiteAudit:
    """Site Audit API v3 (``key=`` in the query, JSON answers)."""

    def __init__(self, session: Session) -> None:
        self._engine = V4Engine(session)

    async def _send(
        self, name: str, project_id: int, params: Sequence[tuple[str, str]] = (), **kw: Any
    ) -> Any:
        path = {"id": project_id, **kw.pop("path", {})}
        env = await self._engine.send(ENDPOINTS[name], path=path, params=params, **kw)
        return env.data

    async def enable(self, project_id: int, settings: AuditSettings) -> None:
        await self._send("enable", project_id, body=settings_body(settings))

    async def save(self, project_id: int, settings: AuditSettings) -> None:
        await self._send("save", project_id, body=settings_body(settings))

    async def launch(self, project_id: int) -> str:
        doc = await self._send("launch", project_id)
        sid = doc.get("snapshot_id") if isinstance(doc, Mapping) else None
        if not isinstance(sid, str) or not sid:
            raise errors.APIError(
                "site_audit.launch: no snapshot_id in the answer",
                hint="Upgrade semrush-async, or report the response shape as a bug",
            )
        return sid

    async def info(self, project_id: int) -> AuditInfo:
        return decode_info(await self._send("info", project_id))

    async def snapshots(self, project_id: int) -> tuple[SnapshotRef, ...]:
        return decode_snapshots(await self._send("snapshots", project_id))

    async def snapshot(self, project_id: int, snapshot_id: str) -> SnapshotReport:
        doc = await self._send("snapshot", project_id, (("snapshot_id", snapshot_id),))
        return decode_snapshot(doc)

    def history(
        self, project_id: int, *, page_size: int, limit: int | None
    ) -> Pager[SnapshotReport]:
        paging = LimitOffset(page_size, items_key="data", total=_total, cap=limit)
        return self._engine.pager(
            ENDPOINTS["history"], paging, decode_snapshot, path={"id": project_id}
        )

    def issue(
        self,
        project_id: int,
        snapshot_id: str,
        issue_id: int,
        *,
        filters: tuple[IssueFilter, ...],
        sort: str,
        page_size: int,
        limit: int | None,
    ) -> Pager[IssueRow]:
        params = [("sort", sort), *(("filter", f.wire()) for f in filters)]
        paging = PageNumber(page_size, _total, cap=limit)
        pager = self._engine.pager(
            ENDPOINTS["issue"],
            paging,
            decode_issue_row,
            path={"id": project_id, "snapshot_id": snapshot_id, "issue_id": issue_id},
            params=params,
        )
        return capped(pager, limit)

    async def meta_issues(self, project_id: int) -> tuple[IssueMeta, ...]:
        return decode_meta(await self._send("meta_issues", project_id), severity_of)

    async def find_pages(
        self, project_id: int, url: str, limit: int
    ) -> tuple[tuple[PageRef, ...], int]:
        doc = await self._send("find_pages", project_id, (("url", url), ("limit", str(limit))))
        return decode_page_refs(doc)

    async def page(self, project_id: int, page_id: str) -> PageReport:
        return decode_page(await self._send("page", project_id, path={"page_id": page_id}))
