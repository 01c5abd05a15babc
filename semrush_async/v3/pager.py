"""The one Analytics v3 pager: paging quirk, unit budget, short pages, resume.

Every v3 report (Backlinks and the root reports) is fetched through
:class:`AnalyticsEngine`: a validated :class:`~semrush_async.v3.query.ReportQuery`
becomes a :class:`~semrush_async.pagination.Pager` whose pages are requested with
``display_offset``/``display_limit`` (limit = end index), streamed through the
request path (which resumes a cut body from the last row received) and decoded a
batch at a time by the report's row decoder.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final

from semrush_async._core.counts import check_counts, count_problem
from semrush_async._core.units import BALANCE_MAX_AGE
from semrush_async.errors import BudgetExceeded, ErrorDetail, ValidationError
from semrush_async.pagination import Pager
from semrush_async.v3.decode import RowsDecoder, v3_decoder
from semrush_async.v3.query import ReportQuery
from semrush_async.v3.spec import ReportSpec

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["BALANCE_MAX_AGE", "DEFAULT_PAGE_SIZE", "MAX_LIMIT", "AnalyticsEngine"]

logger: Final = logging.getLogger("semrush_async")

#: Semrush's own default page ("the default value will be 10,000 lines").
DEFAULT_PAGE_SIZE: Final = 10_000
MAX_LIMIT: Final = 1_000_000


def decoder_for(query: ReportQuery, header: Sequence[str]) -> RowsDecoder:
    """The row decoder for a page of ``query`` with this ``header``."""
    return v3_decoder(query.spec, query.columns, tuple(header), query.keys)


class AnalyticsEngine:
    """Pages, budget checks and decoding shared by every Analytics v3 resource."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def runs_on_v4(self, query: ReportQuery) -> bool:
        """True when ``query``'s pages come from Backlinks API v4 (the v3/v4 switch)."""
        return False

    @staticmethod
    def _check_paging(spec: ReportSpec, limit: int | None, offset: int, page_size: int) -> None:
        top = min(spec.max_page, MAX_LIMIT)
        check_counts(
            f"paging for {spec.type}",
            (
                count_problem("limit", limit, minimum=1, optional=True),
                count_problem("offset", offset),
                count_problem("page_size", page_size, minimum=1, maximum=top),
            ),
        )
        details = []
        if offset and not spec.offset:
            details.append(ErrorDetail(field="offset", message=f"{spec.type} takes no offset"))
        if not spec.paged and spec.family != "backlinks" and (limit is not None or offset):
            details.append(
                ErrorDetail(
                    field="limit",
                    message=f"{spec.type} returns one fixed set of lines: it takes no "
                    "display_limit or display_offset",
                )
            )
        if spec.paged and limit is not None and offset + limit > spec.max_end:
            details.append(
                ErrorDetail(
                    field="limit",
                    message=f"offset + limit is at most {spec.max_end:,} for {spec.type} "
                    f"(display_limit is an end index), got {offset + limit:,}",
                )
            )
        if details:
            raise ValidationError(f"invalid paging for {spec.type}", details=details)

    def pager(
        self,
        query: ReportQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Any]:
        """Rows of ``query`` from ``offset``, ``limit`` in all, ``page_size`` per request."""
        spec = query.spec
        self._check_paging(spec, limit, offset, page_size)
        price = query.unit_price
        meter = self._session.units
        if limit is not None and price.per_line and meter.remaining is not None:
            # A caller asking for an explicit number of lines learns up front.
            worst = price.cost(limit)
            if worst > meter.remaining:
                raise BudgetExceeded(
                    f"{spec.type}: {limit} lines could cost {worst} API units but only "
                    f"{meter.remaining} of the unit_budget remain",
                    needed=worst,
                    available=meter.remaining,
                )

        async def source(pager: Pager[Any]) -> AsyncGenerator[list[Any], None]:
            start, remaining = offset, limit
            while remaining is None or remaining > 0:
                n = page_size if remaining is None else min(page_size, remaining)
                if not spec.offset and spec.paged:
                    n = limit or page_size
                if spec.paged:
                    n = min(n, spec.max_end - start)
                    if n <= 0:
                        return  # the documented maximum end index
                n, shrunk = await self._fit_budget(query, n, pager.count)
                pager.pages += 1
                got = 0
                decode: RowsDecoder | None = None
                stream = self.raw_page(query, start, n)
                async with aclosing(stream):
                    async for header, batch in stream:
                        if decode is None:
                            decode = decoder_for(query, header)
                        rows = decode(batch)
                        if rows:
                            got += len(rows)
                            yield rows
                if not spec.paged:
                    return
                if got < n:
                    # A page shorter than asked for ends the report, unless the unit
                    # balance cut it (Semrush does so silently): then say so.
                    if not shrunk and await self.short_page_cut_by_balance(query, pager.count):
                        pager.units_exhausted = True
                    return
                if not spec.offset:
                    if shrunk:
                        # The budget shrank the one page this report has and it came
                        # back full: the rest cannot be asked for (no offset).
                        raise self._used_up(query, pager.count, await self._left())
                    return
                start += got
                if remaining is not None:
                    remaining -= got

        return Pager(source)

    @staticmethod
    def _decoder_for(query: ReportQuery, header: Sequence[str]) -> RowsDecoder:
        return decoder_for(query, header)

    async def _fit_budget(self, query: ReportQuery, n: int, done: int) -> tuple[int, bool]:
        """Shrink a page to what the unit_budget can pay for; raise when nothing fits."""
        price = query.unit_price
        units = self._session.units
        if units.budget is None or not price.per_line or not query.spec.paged:
            return n, False
        left = await self._left()
        if left is None:
            return n, False
        fit = left // price.units
        if fit < 1:
            raise self._used_up(query, done, left)
        return (fit, True) if fit < n else (n, False)

    async def _left(self) -> int | None:
        # A shared (Redis) budget is asked for what every process left (L12).
        return await self._session.units.available()

    @staticmethod
    def _used_up(query: ReportQuery, done: int, left: int | None) -> BudgetExceeded:
        return BudgetExceeded(
            f"{query.spec.type}: the unit_budget is used up after {done} rows; more rows may exist",
            needed=query.unit_price.units,
            available=max(0, left or 0),
        )

    async def raw_page(
        self, query: ReportQuery, start: int, n: int
    ) -> AsyncGenerator[tuple[tuple[str, ...], list[list[str]]], None]:
        """Stream one page as ``(header, raw rows)`` batches (rows padded to the header)."""
        spec = query.spec
        resume = None
        if spec.paged and spec.offset:

            def resume(seen: int) -> Any:
                return query.call(start + seen, n - seen)

        header: tuple[str, ...] | None = None
        stream = self._session.stream_rows(query.call(start, n), resume)
        async with aclosing(stream):
            async for batch in stream:
                if header is None:
                    # Each page's stream starts with its header row.
                    header = tuple(batch[0])
                    batch = batch[1:]
                width = len(header)
                if batch and not min(map(len, batch)) == max(map(len, batch)) == width:
                    # Rows are decoded by position: pad short ones, cut long ones.
                    batch = [(r + [""] * (width - len(r)))[:width] for r in batch]
                if batch:
                    yield header, batch

    async def short_page_cut_by_balance(self, query: ReportQuery, rows_so_far: int) -> bool:
        """After a short page: True (and a warning) if the unit balance may have cut it."""
        return await self._session.units.short_page_cut(
            query.unit_price, query.spec.type, ",".join(query.targets), rows_so_far
        )
