"""Raw pages: what a page source yields, for its pager and for a harvest alike.

A page source (the Analytics v3 engine, or the Backlinks v3->v4 bridge) walks one
report's pages as a stream of events, in this order for each page:

- :class:`RawBatch` as the page's rows arrive, raw (CSV fields on v3, JSON items on
  v4): what a checkpoint stores and what the source decodes into rows;
- :class:`PageIn`: the page is in, and whether it is the report's last. A harvest
  stores it now, before anything else is awaited (the balance check below sends a
  request that may stall or be killed): a page received is never paid for twice;
- :class:`PageEnd`: after the balance check of a short page, whether the balance may
  have cut it. A pager flags that; a harvest hands the page over.

After the last page's ``PageEnd`` the stream ends. :func:`pager_of` makes a
:class:`~semrush_async.pagination.Pager` of such a stream: the one paging loop is the
source's, and the pager and the harvest both run on it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, Final

import attrs

from semrush_async.pagination import Pager

__all__ = ["PAGE_END", "Decode", "PageEnd", "PageEvent", "PageIn", "RawBatch", "pager_of"]


@attrs.frozen(slots=True)
class RawBatch:
    """Rows of the page in progress, as they arrived."""

    header: tuple[str, ...]
    rows: list[Any]


@attrs.frozen(slots=True)
class PageIn:
    """Every batch of the page was yielded; ``last``: no page follows it."""

    last: bool


@attrs.frozen(slots=True)
class PageEnd:
    """The page is done; ``units_exhausted``: the unit balance may have cut it short."""

    units_exhausted: bool = False


#: The usual end of a page.
PAGE_END: Final = PageEnd()

PageEvent = RawBatch | PageIn | PageEnd
#: Raw rows (with their header) -> typed rows.
Decode = Callable[[tuple[str, ...], list[Any]], list[Any]]


def pager_of(
    events: Callable[[Pager[Any]], AsyncGenerator[PageEvent, None]],
    decode: Decode,
    columnar: Callable[[Pager[Any]], AsyncGenerator[Any, None]] | None = None,
    whole: Callable[[Pager[Any]], Awaitable[list[Any]]] | None = None,
) -> Pager[Any]:
    """A pager over a page source's stream: ``events(pager)`` walks the pages (and
    counts the requests on ``pager.pages``), ``decode`` types each batch;
    ``columnar(pager)``: the same pages as Arrow record batches."""

    async def source(pager: Pager[Any]) -> AsyncGenerator[list[Any], None]:
        async with aclosing(events(pager)) as stream:
            async for event in stream:
                if type(event) is RawBatch:
                    rows = decode(event.header, event.rows)
                    if rows:
                        yield rows
                elif type(event) is PageEnd and event.units_exhausted:
                    pager.units_exhausted = True

    return Pager(source, columnar, whole)
