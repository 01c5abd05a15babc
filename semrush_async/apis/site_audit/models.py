"""Site Audit results as frozen attrs models, and their decoding.

Shapes as the docs show them [AUR ``projects_siteaudit_*.md``]; times in ms become
UTC datetimes (0 and -1, "none", become None); unknown fields are ignored; unknown
statuses and user agents are kept (open enums, ``.known`` False). The models do not
depend on the wire: a v4 backend can fill them too.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from semrush_async import errors
from semrush_async.v4.convert import OpenStrEnum

__all__ = [
    "AuditInfo",
    "AuditStatus",
    "IssueCount",
    "IssueDetection",
    "IssueMeta",
    "IssueRow",
    "PageIssue",
    "PageRef",
    "PageReport",
    "SnapshotRef",
    "SnapshotReport",
    "UserAgent",
]


class AuditStatus(OpenStrEnum):
    """Where an audit is: RUNNING, then CHECKING and SAVING, then FINISHED."""

    RUNNING = "RUNNING"
    CHECKING = "CHECKING"
    SAVING = "SAVING"
    FINISHED = "FINISHED"


class UserAgent(enum.IntEnum):
    """The crawler's user agent (``userAgentType``). Open: ``UserAgent(12)`` makes a
    value the docs do not list yet (``known`` False), and decoding keeps one."""

    GOOGLEBOT_DESKTOP = 2
    GOOGLEBOT_MOBILE = 3
    SITEAUDITBOT_DESKTOP = 7
    SITEAUDITBOT_MOBILE = 8
    OPENAI_SEARCH = 9

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return None
        member = int.__new__(cls, value)
        member._name_ = f"USER_AGENT_{value}"
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """False for a value the docs did not list."""
        return self._name_ in type(self).__members__


def _bad(what: str, value: Any) -> errors.APIError:
    return errors.APIError(
        f"unexpected {what} in a Site Audit answer: {str(value)[:80]!r}",
        hint="Upgrade semrush-async, or report the response shape as a bug",
    )


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return 0


def when(ms: Any) -> dt.datetime | None:
    """A time in ms since the epoch; 0, -1 and None are "none"."""
    if isinstance(ms, bool) or not isinstance(ms, int | float) or ms <= 0:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _counts(value: Any) -> dict[int, int]:
    if not isinstance(value, Mapping):
        return {}
    return {int(k): _int(v) for k, v in value.items() if str(k).lstrip("-").isdigit()}


@attrs.frozen(slots=True)
class AuditInfo:
    """A project's Site Audit campaign: settings, status and the last audit's totals."""

    project_id: int
    url: str
    name: str | None
    status: AuditStatus
    errors: int
    warnings: int
    notices: int
    broken: int
    blocked: int
    redirected: int
    healthy: int
    have_issues: int
    have_issues_delta: int
    #: Issue id -> pages with it (the last audit).
    defects: Mapping[int, int]
    markups: Mapping[str, int]
    #: Crawl depth -> pages.
    depths: Mapping[int, int]
    crawl_subdomains: bool
    respect_crawl_delay: bool
    user_agent: UserAgent | None
    last_audit: dt.datetime | None
    last_failed_audit: dt.datetime | None
    next_audit: dt.datetime | None
    #: Pages the running audit has crawled so far (a progress bar's value).
    running_pages_crawled: int
    running_pages_limit: int
    pages_crawled: int
    pages_limit: int
    total_checks: int
    errors_delta: int
    warnings_delta: int
    notices_delta: int
    mask_allow: tuple[str, ...]
    mask_disallow: tuple[str, ...]
    removed_parameters: tuple[str, ...]
    excluded_checks: tuple[str, ...]

    @property
    def finished(self) -> bool:
        return self.status is AuditStatus.FINISHED


def decode_info(doc: Any) -> AuditInfo:
    if not isinstance(doc, Mapping):
        raise _bad("campaign info", doc)
    agent = doc.get("user_agent_type")
    return AuditInfo(
        project_id=_int(doc.get("id")),
        url=str(doc.get("url", "")),
        name=doc.get("name"),
        status=AuditStatus(str(doc.get("status", ""))),
        errors=_int(doc.get("errors")),
        warnings=_int(doc.get("warnings")),
        notices=_int(doc.get("notices")),
        broken=_int(doc.get("broken")),
        blocked=_int(doc.get("blocked")),
        redirected=_int(doc.get("redirected")),
        healthy=_int(doc.get("healthy")),
        have_issues=_int(doc.get("haveIssues")),
        have_issues_delta=_int(doc.get("haveIssuesDelta")),
        defects=_counts(doc.get("defects")),
        markups={str(k): _int(v) for k, v in (doc.get("markups") or {}).items()},
        depths=_counts(doc.get("depths")),
        crawl_subdomains=bool(doc.get("crawlSubdomains")),
        respect_crawl_delay=bool(doc.get("respectCrawlDelay")),
        user_agent=UserAgent(agent) if isinstance(agent, int) and agent > 0 else None,
        last_audit=when(doc.get("last_audit")),
        last_failed_audit=when(doc.get("last_failed_audit")),
        next_audit=when(doc.get("next_audit")),
        running_pages_crawled=_int(doc.get("running_pages_crawled")),
        running_pages_limit=_int(doc.get("running_pages_limit")),
        pages_crawled=_int(doc.get("pages_crawled")),
        pages_limit=_int(doc.get("pages_limit")),
        total_checks=_int(doc.get("total_checks")),
        errors_delta=_int(doc.get("errors_delta")),
        warnings_delta=_int(doc.get("warnings_delta")),
        notices_delta=_int(doc.get("notices_delta")),
        mask_allow=_strs(doc.get("mask_allow")),
        mask_disallow=_strs(doc.get("mask_disallow")),
        removed_parameters=_strs(doc.get("removedParameters")),
        excluded_checks=_strs(doc.get("excluded_checks")),
    )


@attrs.frozen(slots=True)
class SnapshotRef:
    snapshot_id: str
    finished: dt.datetime | None


def decode_snapshots(doc: Any) -> tuple[SnapshotRef, ...]:
    # The REST docs wrap the list in {"snapshots": ...}; the hosted MCP sent a bare
    # list [ADB]: both are read.
    items = doc.get("snapshots") if isinstance(doc, Mapping) else doc
    if not isinstance(items, list):
        raise _bad("snapshot list", doc)
    return tuple(
        SnapshotRef(str(s.get("snapshot_id", "")), when(s.get("finish_date"))) for s in items
    )


@attrs.frozen(slots=True)
class IssueCount:
    """One issue in a snapshot: pages with it, the change since the previous audit."""

    id: int
    count: int
    delta: int
    checks: int


@attrs.frozen(slots=True)
class SnapshotReport:
    snapshot_id: str
    #: Site Health, 0-100.
    quality: int
    quality_delta: int
    errors: tuple[IssueCount, ...]
    warnings: tuple[IssueCount, ...]
    notices: tuple[IssueCount, ...]
    pages_crawled: int
    finished: dt.datetime | None


def _issue_counts(value: Any) -> tuple[IssueCount, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        IssueCount(
            _int(i.get("id")), _int(i.get("count")), _int(i.get("delta")), _int(i.get("checks"))
        )
        for i in value
        if isinstance(i, Mapping)
    )


def decode_snapshot(doc: Any) -> SnapshotReport:
    if not isinstance(doc, Mapping):
        raise _bad("snapshot", doc)
    quality = doc.get("quality") if isinstance(doc.get("quality"), Mapping) else {}
    assert isinstance(quality, Mapping)
    return SnapshotReport(
        str(doc.get("snapshot_id", "")),
        _int(quality.get("value")),
        _int(quality.get("delta")),
        _issue_counts(doc.get("errors")),
        _issue_counts(doc.get("warnings")),
        _issue_counts(doc.get("notices")),
        _int(doc.get("pages_crawled")),
        when(doc.get("finish_date")),
    )


@attrs.frozen(slots=True)
class IssueRow:
    """One detection of an issue: the page it is on and what it points at."""

    source_url: str
    target_url: str
    page_id: str


def decode_issue_row(raw: Any) -> IssueRow:
    if not isinstance(raw, Mapping):
        raise _bad("issue row", raw)
    return IssueRow(
        str(raw.get("source_url", "")), str(raw.get("target_url", "")), str(raw.get("page_id", ""))
    )


@attrs.frozen(slots=True)
class IssueMeta:
    """An issue's texts (``title_page`` holds ``##count##`` for the number of pages)."""

    id: int
    title: str
    title_page: str
    url_column: str
    info_column: str
    #: error, warning or notice (from the docs' tables; None for an id they lack).
    severity: str | None = None


def decode_meta(doc: Any, severity: Any) -> tuple[IssueMeta, ...]:
    items = doc.get("issues") if isinstance(doc, Mapping) else None
    if not isinstance(items, list):
        raise _bad("issue texts", doc)
    return tuple(
        IssueMeta(
            _int(i.get("id")),
            str(i.get("title", "")),
            str(i.get("title_page", "")),
            str(i.get("url_column") or ""),
            str(i.get("info_column") or ""),
            severity(_int(i.get("id"))),
        )
        for i in items
        if isinstance(i, Mapping)
    )


@attrs.frozen(slots=True)
class PageRef:
    url: str
    page_id: str


def decode_page_refs(doc: Any) -> tuple[tuple[PageRef, ...], int]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("data"), list):
        raise _bad("page list", doc)
    found = tuple(PageRef(str(p.get("url", "")), str(p.get("page_id", ""))) for p in doc["data"])
    return found, _int(doc.get("total"))


@attrs.frozen(slots=True)
class IssueDetection:
    discovered: dt.datetime | None
    #: e.g. the HTTP code of a broken link.
    info: str | None
    target_url: str | None


@attrs.frozen(slots=True)
class PageIssue:
    id: int
    total: int
    detections: tuple[IssueDetection, ...]


@attrs.frozen(slots=True)
class PageReport:
    """One crawled page and every issue found on it."""

    page_id: str
    url: str
    title: str | None
    errors: tuple[PageIssue, ...]
    warnings: tuple[PageIssue, ...]
    notices: tuple[PageIssue, ...]


def _page_issues(value: Any) -> tuple[PageIssue, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        PageIssue(
            _int(i.get("id")),
            _int(i.get("total")),
            tuple(
                IssueDetection(
                    when(d.get("discovered")),
                    None if d.get("info") is None else str(d.get("info")),
                    d.get("target_url"),
                )
                for d in i.get("data") or ()
                if isinstance(d, Mapping)
            ),
        )
        for i in value
        if isinstance(i, Mapping)
    )


def decode_page(doc: Any) -> PageReport:
    if not isinstance(doc, Mapping):
        raise _bad("page", doc)
    return PageReport(
        str(doc.get("page_id", "")),
        str(doc.get("url", "")),
        doc.get("title"),
        _page_issues(doc.get("errors")),
        _page_issues(doc.get("warnings")),
        _page_issues(doc.get("notices")),
    )
