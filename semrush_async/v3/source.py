"""Where a report's pages come from, chosen once, and the report-by-name registry.

A :class:`ReportSource` pages a validated :class:`~semrush_async.v3.query.ReportQuery`:
the v3 engine (:class:`~semrush_async.v3.pager.AnalyticsEngine`) for every report, or
a family's successor API for its own reports (the Backlinks v3->v4 bridge, chosen by
``backlinks_api="v4"``). Everything that fetches a report goes through its source:
the family's methods, ``client.analytics.report`` and ``pager``, and the harvest
(:class:`ReportJob`), so a switch of source reaches all of them at once.

The families hand their tables to the client, which binds them here with their
source (:class:`Reports`); the engine imports no family.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import attrs

from semrush_async._core.harvest import Harvest, check_targets
from semrush_async._core.pages import Decode, PageEvent, pager_of
from semrush_async.errors import ValidationError
from semrush_async.pagination import Pager

if TYPE_CHECKING:
    from semrush_async._core.checkpoint import ReceivedPage
    from semrush_async._core.governance import Limit
    from semrush_async.v3.query import ReportQuery
    from semrush_async.v3.spec import ReportSpec

__all__ = ["DEFAULT_PAGE_SIZE", "ReportHarvest", "ReportJob", "ReportSource", "Reports"]


RowT = TypeVar("RowT")

#: Semrush's own default page ("the default value will be 10,000 lines").
DEFAULT_PAGE_SIZE: Final = 10_000


class ReportSource(abc.ABC):
    """One place a report's pages come from (see the module docstring): it walks a
    query's raw pages (the one paging loop) and decodes them; its pager and a harvest
    both run on that walk."""

    #: The API it reads (``"v3"``, ``"v4"``): a harvest's checkpoint key names it.
    api: str

    @abc.abstractmethod
    def check(self, query: ReportQuery, *, limit: int | None, offset: int, page_size: int) -> None:
        """Raise if ``query`` cannot be served so (nothing is sent)."""

    @abc.abstractmethod
    def pages(
        self,
        query: ReportQuery,
        *,
        offset: int,
        limit: int | None,
        page_size: int,
        seen: int = 0,
        pager: Pager[Any] | None = None,
    ) -> AsyncGenerator[PageEvent, None]:
        """The raw pages of ``query`` from ``offset``, ``limit`` rows in all
        (:mod:`semrush_async._core.pages`); ``seen``: rows before ``offset`` (for
        messages), ``pager``: where requests are counted."""

    @abc.abstractmethod
    def decode(self, query: ReportQuery, header: tuple[str, ...], rows: list[Any]) -> list[Any]:
        """Typed rows of a raw page of ``query``."""

    def pager(
        self,
        query: ReportQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Any]:
        """Rows of ``query`` from ``offset``, ``limit`` in all, ``page_size`` per request
        (checked now; nothing is sent until the pager runs)."""
        self.check(query, limit=limit, offset=offset, page_size=page_size)
        self._can_pay(query, limit)

        def columnar(pager: Pager[Any]) -> AsyncGenerator[Any, None]:
            from semrush_async.v3.arrow import columnar_events

            pages = self.columnar_pages(
                query, offset=offset, limit=limit, page_size=page_size, pager=pager
            )
            return columnar_events(query, pages, pager, self._decoder(query))

        return pager_of(
            lambda pager: self.pages(
                query, offset=offset, limit=limit, page_size=page_size, pager=pager
            ),
            self._decoder(query),
            columnar,
            self.whole(query, offset=offset, limit=limit, page_size=page_size),
        )

    def whole(
        self, query: ReportQuery, *, offset: int, limit: int | None, page_size: int
    ) -> Callable[[Pager[Any]], Awaitable[list[Any]]] | None:
        """Every row of ``query`` at once when that is one request (an awaited
        pager then skips the streaming layers); None: the pages are streamed."""
        return None

    def columnar_pages(
        self,
        query: ReportQuery,
        *,
        offset: int,
        limit: int | None,
        page_size: int,
        pager: Pager[Any] | None = None,
    ) -> AsyncGenerator[PageEvent, None]:
        """The pages a pager's columnar form reads (:mod:`semrush_async.v3.arrow`):
        :meth:`pages`; a source whose pages can stay bytes yields them so."""
        return self.pages(query, offset=offset, limit=limit, page_size=page_size, pager=pager)

    def _can_pay(self, query: ReportQuery, limit: int | None) -> None:  # noqa: B027
        """Raise BudgetExceeded if ``limit`` lines surely cannot be paid for (the
        request path still checks every page; a source may say so up front)."""

    def _decoder(self, query: ReportQuery) -> Decode:
        return functools.partial(self.decode, query)


@attrs.frozen(slots=True)
class _Bound:
    spec: ReportSpec
    source: ReportSource


class Reports(Mapping[str, "ReportSpec"]):
    """Every report the client bound, by type, with the source of its pages."""

    def __init__(self) -> None:
        self._bound: dict[str, _Bound] = {}

    def bind(self, specs: Iterable[ReportSpec], source: ReportSource) -> None:
        """Serve ``specs`` (a family's table) from ``source``."""
        for spec in specs:
            if spec.type in self._bound:
                raise ValueError(f"report {spec.type!r} is bound twice")
            self._bound[spec.type] = _Bound(spec, source)

    def spec(self, type: str) -> ReportSpec:
        """The spec of report ``type``; ValidationError naming every type if unknown."""
        bound = self._bound.get(type)
        if bound is None:
            raise ValidationError(
                f"unknown report type {type!r}; allowed: {', '.join(sorted(self._bound))}"
            )
        return bound.spec

    def source(self, spec: ReportSpec) -> ReportSource:
        """Where ``spec``'s pages come from."""
        return self._bound[spec.type].source

    def __getitem__(self, type: str) -> ReportSpec:
        return self._bound[type].spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._bound)

    def __len__(self) -> int:
        return len(self._bound)


class ReportJob:
    """A harvest of one report (a :class:`~semrush_async._core.harvest.HarvestJob`):
    each target's pages from the report's source, the template's target swapped."""

    def __init__(self, source: ReportSource, template: ReportQuery, limit: Limit) -> None:
        self._source = source
        self._template = template
        self.report = template.spec.type
        self.api = source.api
        # A v3 job keeps the key it always had (checkpoints written before the v4
        # harvest existed still resume); any other API is named in it.
        api = {} if source.api == "v3" else {"api": source.api}
        self.key: Mapping[str, Any] = {**template.job_params(), **api}
        self.limit = limit

    def check(self, targets: Sequence[str], limit: int | None, page_size: int) -> None:
        for target in targets:
            # The per-target limit is a harvest's own bound, not a display_limit.
            self._source.check(self._query(target), limit=None, offset=0, page_size=page_size)

    def pages(
        self, target: str, offset: int, limit: int | None, page_size: int
    ) -> AsyncGenerator[PageEvent, None]:
        return self._source.pages(
            self._query(target), offset=offset, limit=limit, page_size=page_size, seen=offset
        )

    def decode(self, page: ReceivedPage) -> list[Any]:
        return self._source.decode(self._query(page.target), page.header, page.rows)

    def _query(self, target: str) -> ReportQuery:
        return self._template.retarget(target)


class ReportHarvest(Harvest[RowT], Generic[RowT]):
    """A :class:`~semrush_async.Harvest` of one v3 report over many targets (its rows:
    the report's row class)."""

    def __init__(
        self,
        source: ReportSource,
        template: ReportQuery,
        targets: list[str],
        limit: Limit,
        *,
        limit_per_target: int | None,
        page_size: int,
        checkpoint: str | None,
        workers: int | None,
    ) -> None:
        check_targets(targets)
        self._template = template
        super().__init__(
            ReportJob(source, template, limit),
            targets,
            limit_per_target=limit_per_target,
            page_size=page_size,
            checkpoint=checkpoint,
            workers=workers,
        )

    @property
    def template(self) -> ReportQuery:
        """The validated request each target fills (its columns: the rows' columns)."""
        return self._template
