"""The one Analytics v3 pager: paging quirk, unit budget, short pages, resume.

Every v3 report (Backlinks and the root reports) is fetched through
:class:`AnalyticsEngine`: a validated :class:`~semrush_async.v3.query.ReportQuery`
is walked page by page by :meth:`AnalyticsEngine.pages`, the one paging loop, whose
pages are requested with ``display_offset``/``display_limit`` (limit = end index),
streamed through the request path (which resumes a cut body from the last row
received) and yielded raw (:mod:`semrush_async._core.pages`). A :class:`Pager`
decodes them a batch at a time; a harvest stores them in its checkpoint first.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final

from semrush_async._core.counts import check_counts, count_problem
from semrush_async._core.csvfeed import CsvFeed
from semrush_async._core.pages import PAGE_END, Decode, PageEnd, PageEvent, PageIn, RawBatch
from semrush_async._core.units import BALANCE_MAX_AGE
from semrush_async.errors import BudgetExceeded, ErrorDetail, ValidationError
from semrush_async.pagination import Pager
from semrush_async.v3.decode import RowsDecoder, v3_decoder
from semrush_async.v3.query import ReportQuery
from semrush_async.v3.source import DEFAULT_PAGE_SIZE, ReportSource
from semrush_async.v3.spec import ReportSpec

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = [
    "BALANCE_MAX_AGE",
    "DEFAULT_PAGE_SIZE",
    "MAX_LIMIT",
    "AnalyticsEngine",
    "check_paging",
    "decoder_for",
]

logger: Final = logging.getLogger("semrush_async")

MAX_LIMIT: Final = 1_000_000


def decoder_for(query: ReportQuery, header: Sequence[str]) -> RowsDecoder:
    """The row decoder for a page of ``query`` with this ``header``."""
    return v3_decoder(query.spec, query.columns, tuple(header), query.keys)


def check_paging(spec: ReportSpec, limit: int | None, offset: int, page_size: int) -> None:
    """Raise ValidationError if ``spec`` cannot be paged so (nothing is sent)."""
    top = min(spec.max_page, MAX_LIMIT)
    if limit is None and offset == 0 and type(page_size) is int and 0 < page_size <= top:
        return  # the defaults of a one-request call: nothing below can object
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
    # (The Backlinks reports, target + target_type, always let a one-request report's
    # pager take a limit: it was never sent.)
    if not spec.paged and not spec.target_pair and (limit is not None or offset):
        details.append(
            ErrorDetail(
                field="limit",
                message=f"{spec.type} returns one fixed set of lines: it takes no "
                "display_limit or display_offset",
            )
        )
    if spec.max_offset is not None and offset > spec.max_offset:
        details.append(
            ErrorDetail(
                field="offset",
                message=f"offset is at most {spec.max_offset:,} for {spec.type}, got {offset:,}",
            )
        )
    if spec.paged and limit is not None and offset + limit > spec.max_end:
        why = " (display_limit is an end index)" if spec.limit_is_end else ""
        details.append(
            ErrorDetail(
                field="limit",
                message=f"offset + limit is at most {spec.max_end:,} for {spec.type}"
                f"{why}, got {offset + limit:,}",
            )
        )
    if details:
        raise ValidationError(f"invalid paging for {spec.type}", details=details)


class AnalyticsEngine(ReportSource):
    """The v3 source of every Analytics report: pages, budget checks and decoding."""

    api = "v3"

    def __init__(self, session: Session) -> None:
        self._session = session

    def check(self, query: ReportQuery, *, limit: int | None, offset: int, page_size: int) -> None:
        """Raise if ``query`` cannot be paged so (nothing is sent)."""
        check_paging(query.spec, limit, offset, page_size)

    def _can_pay(self, query: ReportQuery, limit: int | None) -> None:
        price = query.unit_price
        meter = self._session.meter(query.spec.meter)
        if limit is not None and price.per_line and meter.remaining is not None:
            # A caller asking for an explicit number of lines learns up front.
            worst = price.cost(limit)
            if worst > meter.remaining:
                raise BudgetExceeded(
                    f"{query.spec.type}: {limit} lines could cost {worst} API units but "
                    f"only {meter.remaining} of the budget remain",
                    needed=worst,
                    available=meter.remaining,
                )

    def _decoder(self, query: ReportQuery) -> Decode:
        return _Decoder(query)

    def decode(self, query: ReportQuery, header: tuple[str, ...], rows: list[Any]) -> list[Any]:
        """Typed rows of a page of ``query`` (as :meth:`pages` gave it)."""
        return decoder_for(query, header)(rows)

    async def pages(
        self,
        query: ReportQuery,
        *,
        offset: int,
        limit: int | None,
        page_size: int,
        seen: int = 0,
        pager: Pager[Any] | None = None,
        lines: bool = False,
    ) -> AsyncGenerator[PageEvent, None]:
        """The one paging loop of every v3 report (see :meth:`ReportSource.pages`);
        ``lines``: each batch's rows stay bytes (:class:`Lines`, for a columnar reader)."""
        spec = query.spec
        start, remaining = offset, limit
        while True:
            n = page_size if remaining is None else min(page_size, remaining)
            if not spec.offset and spec.paged:
                n = limit or page_size
            if spec.paged:
                n = min(n, spec.max_end - start)
            if n <= 0:  # nothing left to ask for (a harvest resumed at its limit)
                yield PageIn(True)
                yield PAGE_END
                return
            n, shrunk = await self._fit_budget(query, n, seen)
            if pager is not None:
                pager.pages += 1
            got = 0
            stream = self.raw_page(query, start, n, lines=lines)
            async with aclosing(stream):
                async for header, batch in stream:
                    got += len(batch)
                    yield RawBatch(header, batch)
            seen += got
            short = got < n
            # A page shorter than asked for ends the report; so do an unpaged report,
            # one without offset, the limit and the documented maximum end index.
            last = (
                not spec.paged
                or short
                or not spec.offset
                or (remaining is not None and remaining - got <= 0)
                or start + got >= spec.max_end
            )
            yield PageIn(last)
            # Unless the unit balance cut it (Semrush does so silently): then say so.
            if (
                spec.paged
                and short
                and not shrunk
                and await self.short_page_cut_by_balance(query, seen)
            ):
                yield PageEnd(units_exhausted=True)
            else:
                yield PAGE_END
            if last:
                if spec.paged and not spec.offset and shrunk and not short:
                    # The budget shrank the one page this report has and it came back
                    # full: the rest cannot be asked for (no offset).
                    raise self._used_up(query, seen, await self._left(query))
                return
            start += got
            if remaining is not None:
                remaining -= got

    def whole(
        self, query: ReportQuery, *, offset: int, limit: int | None, page_size: int
    ) -> Callable[[Pager[Any]], Awaitable[list[Any]]] | None:
        """An unpaged report (an overview) is one request: awaited, it is read whole
        through :meth:`Session.fetch_rows` and decoded once. The same request as
        :meth:`pages` sends, through the same attempt loop."""
        if query.spec.paged:
            return None
        n = page_size if limit is None else min(page_size, limit)
        session = self._session

        async def whole(pager: Pager[Any]) -> list[Any]:
            if n <= 0:
                return []
            pager.pages += 1
            rows = await session.fetch_rows(query.call(offset, n))
            if len(rows) < 2:
                return []
            return decoder_for(query, tuple(rows[0]))(_fit(rows[1:], len(rows[0])))

        return whole

    async def _fit_budget(self, query: ReportQuery, n: int, done: int) -> tuple[int, bool]:
        """Shrink a page to what the unit_budget can pay for; raise when nothing fits."""
        price = query.unit_price
        units = self._session.meter(query.spec.meter)
        if units.budget is None or not price.per_line or not query.spec.paged:
            return n, False
        left = await self._left(query)
        if left is None:
            return n, False
        fit = left // price.units
        if fit < 1:
            raise self._used_up(query, done, left)
        return (fit, True) if fit < n else (n, False)

    async def _left(self, query: ReportQuery) -> int | None:
        # A shared (Redis) budget is asked for what every process left (L12).
        return await self._session.meter(query.spec.meter).available()

    @staticmethod
    def _used_up(query: ReportQuery, done: int, left: int | None) -> BudgetExceeded:
        return BudgetExceeded(
            f"{query.spec.type}: the unit_budget is used up after {done} rows; more rows may exist",
            needed=query.unit_price.units,
            available=max(0, left or 0),
        )

    def columnar_pages(
        self,
        query: ReportQuery,
        *,
        offset: int,
        limit: int | None,
        page_size: int,
        pager: Pager[Any] | None = None,
    ) -> AsyncGenerator[PageEvent, None]:
        """The pages with each batch's rows kept as the bytes they arrived in (a report
        whose delimiter is sniffed per body: as rows, which the columnar reader converts
        from the typed rows)."""
        lines = query.spec.delimiters == (";",)
        return self.pages(
            query, offset=offset, limit=limit, page_size=page_size, pager=pager, lines=lines
        )

    async def raw_page(
        self, query: ReportQuery, start: int, n: int, *, lines: bool = False
    ) -> AsyncGenerator[tuple[tuple[str, ...], Any], None]:
        """Stream one page as ``(header, raw rows)`` batches (rows padded to the header;
        ``lines``: :class:`Lines`, as they arrived, for a columnar reader)."""
        spec = query.spec
        resume = None
        if spec.paged and spec.offset:

            def resume(seen: int) -> Any:
                return query.call(start + seen, n - seen)

        header: tuple[str, ...] | None = None
        if lines:
            async with aclosing(self._session.stream_lines(query.call(start, n), resume)) as raw:
                async for chunk in raw:
                    if header is None:
                        first, chunk = chunk.split(1)
                        header = tuple(CsvFeed().feed(first + b"\n")[0])
                    if chunk:
                        yield header, chunk
            return
        stream = self._session.stream_rows(query.call(start, n), resume)
        async with aclosing(stream):
            async for batch in stream:
                if header is None:
                    # Each page's stream starts with its header row.
                    header = tuple(batch[0])
                    batch = batch[1:]
                batch = _fit(batch, len(header))
                if batch:
                    yield header, batch

    async def short_page_cut_by_balance(self, query: ReportQuery, rows_so_far: int) -> bool:
        """After a short page: True (and a warning) if the unit balance may have cut it."""
        return await self._session.meter(query.spec.meter).short_page_cut(
            query.unit_price, query.spec.type, ",".join(query.targets), rows_so_far
        )


def _fit(batch: list[list[str]], width: int) -> list[list[str]]:
    """Rows are decoded by position: pad short ones, cut long ones."""
    if batch and not min(map(len, batch)) == max(map(len, batch)) == width:
        return [(r + [""] * (width - len(r)))[:width] for r in batch]
    return batch


class _Decoder:
    """A pager's decoding: the decoder of the page's header, looked up once a page."""

    __slots__ = ("_decode", "_header", "_query")

    def __init__(self, query: ReportQuery) -> None:
        self._query = query
        self._header: tuple[str, ...] | None = None
        self._decode: RowsDecoder | None = None

    def __call__(self, header: tuple[str, ...], rows: list[Any]) -> list[Any]:
        if header is not self._header or self._decode is None:
            self._header, self._decode = header, decoder_for(self._query, header)
        return self._decode(rows)
