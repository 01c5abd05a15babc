"""Paginators that are both awaitable (all items as a list) and async-iterable.

``await pager`` returns every item as a :class:`ItemList`; ``async for item in pager``
streams them page by page; ``pager.batches()`` yields lists as they are parsed. A
report's pager also has a columnar form (the ``arrow`` extra): ``pager.arrow_batches()``
yields Arrow record batches, ``await pager.to_arrow()`` / ``to_polars()`` collect them.
A pager runs its requests once: iterating it a second time raises, because a second
run would silently pay for the same Analytics data again.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from semrush_async._core.extras import require

if TYPE_CHECKING:
    import polars

__all__ = ["ItemList", "Pager"]

T = TypeVar("T")


class ItemList(list[T]):
    """A list of results plus what the pager learned while fetching them."""

    #: True when the account's unit balance may have cut the data short.
    units_exhausted: bool = False
    #: Requests sent to fetch these items.
    pages: int = 0


class Pager(Generic[T]):
    """Lazily runs ``source`` (an async generator of item batches) exactly once."""

    def __init__(
        self,
        source: Callable[[Pager[T]], AsyncGenerator[list[T], None]],
        columnar: Callable[[Pager[T]], AsyncGenerator[Any, None]] | None = None,
        whole: Callable[[Pager[T]], Awaitable[list[T]]] | None = None,
    ) -> None:
        self._source = source
        self._columnar = columnar
        #: Every item at once, for a source that is one request: awaiting the pager
        #: then skips the layers streaming needs (same requests, same items).
        self._whole = whole
        self._started = False
        #: Requests sent so far.
        self.pages = 0
        #: Items yielded so far.
        self.count = 0
        #: Set when a short page coincided with an exhausted unit balance: the data
        #: may be incomplete, not finished.
        self.units_exhausted = False

    def _claim(self) -> AsyncGenerator[list[T], None]:
        self._start()
        return self._source(self)

    def _start(self) -> None:
        if self._started:
            raise RuntimeError(
                "this pager was already consumed; call the resource method again "
                "(that sends the requests and spends the units again)"
            )
        self._started = True

    async def arrow_batches(self) -> AsyncGenerator[Any, None]:
        """Yield the rows as ``pyarrow.RecordBatch`` es as they arrive, columns typed
        from the column registry (the ``arrow`` extra; only report pagers have it)."""
        if self._columnar is None:
            raise TypeError(f"{type(self).__name__}: only report pagers have a columnar form")
        require("pyarrow", "arrow_batches()")
        self._start()
        async with aclosing(self._columnar(self)) as source:
            async for batch in source:
                self.count += batch.num_rows
                yield batch

    async def to_arrow(self) -> Any:
        """Every row as one ``pyarrow.Table`` (the ``arrow`` extra)."""
        pa = require("pyarrow", "to_arrow()")
        batches = [batch async for batch in self.arrow_batches()]
        return pa.Table.from_batches(batches) if batches else pa.table({})

    async def to_polars(self) -> polars.DataFrame:
        """Every row as one ``polars.DataFrame`` (the ``polars`` extra)."""
        pl = require("polars", "to_polars()")
        table = await self.to_arrow()
        frame: polars.DataFrame = pl.from_arrow(table)
        return frame

    async def batches(self) -> AsyncGenerator[list[T], None]:
        """Yield items in batches as they arrive (the cheapest way to stream)."""
        # aclosing: breaking out must close the request (and free its governor slot)
        # now, not whenever the garbage collector finalises the inner generator.
        async with aclosing(self._claim()) as source:
            async for batch in source:
                self.count += len(batch)
                yield batch

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncGenerator[T, None]:
        async with aclosing(self.batches()) as batches:
            async for batch in batches:
                for item in batch:
                    yield item

    def __await__(self) -> Generator[Any, None, ItemList[T]]:
        return self._collect().__await__()

    async def _collect(self) -> ItemList[T]:
        out: ItemList[T] = ItemList()
        if self._whole is not None:
            self._start()
            out.extend(await self._whole(self))
            self.count = len(out)
        else:
            async for batch in self.batches():
                out.extend(batch)
        out.units_exhausted = self.units_exhausted
        out.pages = self.pages
        return out

    def __repr__(self) -> str:
        state = "consumed" if self._started else "not started"
        return f"<{type(self).__name__} {state}, {self.pages} pages, {self.count} items>"
