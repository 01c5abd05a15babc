"""Paging schemes of API v4, as strategies the one pager loop follows.

A strategy says what the first page asks for, where the items are in a response,
what to ask for next (None: that was the last page), and whether a page came back
shorter than asked for without the response saying the data ended there
(``maybe_cut``: the loop then asks whether the unit balance cut it). The loop that
sends the requests lives in :meth:`~semrush_async.v4.V4Engine.pager`, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs

from semrush_async import errors
from semrush_async._core.sansio import Envelope

__all__ = [
    "LimitOffset",
    "Nested",
    "OnePage",
    "PageNumber",
    "Paging",
    "SpringPages",
    "indexed",
    "items_at",
]

Params = tuple[tuple[str, str], ...]


class Paging(Protocol):
    """One paging scheme (see the module docstring)."""

    def first(self) -> Params: ...

    def items(self, page: Envelope) -> Sequence[Any]: ...

    def next(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> Params | None: ...

    def maybe_cut(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> bool: ...


def indexed(value: Any) -> list[Any] | None:
    """An object keyed by row index strings (``{"0": a, "1": b}``, as the Projects v3
    tools send lists) as the list it stands for, in index order; None if ``value``
    is not one."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and k.isdigit() for k in value):
        return None
    return [value[k] for k in sorted(value, key=int)]


def items_at(page: Envelope, key: str | None) -> Sequence[Any]:
    """The list at ``data[key]`` (or ``data`` itself when ``key`` is None); an object
    keyed by row index strings counts as the list it stands for."""
    data = page.data
    if key is not None:
        data = data.get(key) if isinstance(data, dict) else None
    if data is None:
        return []
    rows = indexed(data)
    if rows is not None:
        return rows
    if not isinstance(data, list):
        raise errors.APIError(
            f"expected a list of items{f' at data.{key}' if key else ''}, "
            f"got {type(data).__name__}",
            request_id=page.request_id,
            hint="Upgrade semrush-async, or report the response shape as a bug",
        )
    return data


def _meta_total(page: Envelope) -> int | None:
    total = page.meta.get("total_count")
    return total if isinstance(total, int) else None


@attrs.frozen(slots=True)
class LimitOffset:
    """``limit``/``offset`` paging.

    With a total (``total(page)``, e.g. Projects' ``meta.total_count``), paging goes
    on until that many items were seen: a page shorter than asked for is just a page
    (a server may serve fewer rows than ``limit`` asks). Without one, a short page is
    the last (Local: "stop on a short page"). An empty page, or ``cap`` items fetched
    (the last page then asks only for the rest), also ends it.
    """

    limit: int
    items_key: str | None = None
    total: Callable[[Envelope], int | None] | None = _meta_total
    limit_param: str = "limit"
    offset_param: str = "offset"
    start: int = 0
    cap: int | None = None

    def _page(self, seen: int) -> Params:
        size = self.limit if self.cap is None else min(self.limit, self.cap - seen)
        return ((self.limit_param, str(size)), (self.offset_param, str(self.start + seen)))

    def first(self) -> Params:
        return self._page(0)

    def items(self, page: Envelope) -> Sequence[Any]:
        return items_at(page, self.items_key)

    def _total(self, page: Envelope) -> int | None:
        return self.total(page) if self.total is not None else None

    def next(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> Params | None:
        if got == 0 or (self.cap is not None and total_so_far >= self.cap):
            return None
        total = self._total(page)
        if total is not None:
            return None if self.start + total_so_far >= total else self._page(total_so_far)
        if got < int(dict(sent)[self.limit_param]):
            return None
        return self._page(total_so_far)

    def maybe_cut(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> bool:
        if got >= int(dict(sent)[self.limit_param]):
            return False
        total = self._total(page)
        return total is None or self.start + total_so_far < total


@attrs.frozen(slots=True)
class PageNumber:
    """Numbered pages (``page`` from 1, ``limit`` rows each) with a ``total`` of rows:
    paging goes on until that many rows were seen, an empty page came, or ``cap``
    rows were fetched (the pages keep their size: a numbered page cannot be shrunk
    without moving its start)."""

    size: int
    total: Callable[[Envelope], int | None]
    items_key: str | None = "data"
    page_param: str = "page"
    size_param: str = "limit"
    cap: int | None = None

    def _page(self, number: int) -> Params:
        return ((self.page_param, str(number)), (self.size_param, str(self.size)))

    def first(self) -> Params:
        return self._page(1)

    def items(self, page: Envelope) -> Sequence[Any]:
        return items_at(page, self.items_key)

    def next(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> Params | None:
        if got == 0 or (self.cap is not None and total_so_far >= self.cap):
            return None
        total = self.total(page)
        if total is not None and total_so_far >= total:
            return None
        if total is None and got < self.size:
            return None
        return self._page(int(dict(sent)[self.page_param]) + 1)

    def maybe_cut(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> bool:
        if got >= self.size:
            return False
        total = self.total(page)
        return total is None or total_so_far < total

    def remaining(self, page: Envelope, sent: Params) -> list[Params] | None:
        """Every later page, known once ``page`` gave the total (None: not known), so
        that the pager can ask for several at once."""
        total = self.total(page)
        if total is None:
            return None
        last = -(-min(total, self.cap if self.cap is not None else total) // self.size)
        return [self._page(n) for n in range(int(dict(sent)[self.page_param]) + 1, last + 1)]


def _spring_last(page: Envelope, number: int) -> bool:
    data = page.data if isinstance(page.data, dict) else {}
    if data.get("last") is True:
        return True
    pages = data.get("totalPages")
    return isinstance(pages, int) and number + 1 >= pages


@attrs.frozen(slots=True)
class SpringPages:
    """Spring Data pages: 0-based ``page`` and ``size``; items in ``content``; the
    last page says ``last: true`` (or ``number + 1 >= totalPages``)."""

    size: int
    items_key: str | None = "content"
    page_param: str = "page"
    size_param: str = "size"
    extra: Params = ()

    def first(self) -> Params:
        return ((self.page_param, "0"), (self.size_param, str(self.size)), *self.extra)

    def items(self, page: Envelope) -> Sequence[Any]:
        return items_at(page, self.items_key)

    def next(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> Params | None:
        number = int(dict(sent)[self.page_param])
        if got == 0 or _spring_last(page, number):
            return None
        return (
            (self.page_param, str(number + 1)),
            (self.size_param, str(self.size)),
            *self.extra,
        )

    def maybe_cut(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> bool:
        # Spring pages say which one is the last: only an empty page before it is odd.
        return got == 0 and not _spring_last(page, int(dict(sent)[self.page_param]))


@attrs.frozen(slots=True)
class OnePage:
    """An endpoint that answers with everything at once: one request, no paging."""

    items_key: str | None = None
    params: Params = ()

    def first(self) -> Params:
        return self.params

    def items(self, page: Envelope) -> Sequence[Any]:
        return items_at(page, self.items_key)

    def next(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> Params | None:
        return None

    def maybe_cut(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> bool:
        # Fewer rows than a ``limit`` it sent (summary): the history ends, or the
        # balance cut it.
        limit = dict(sent).get("limit")
        return limit is not None and got < int(limit)


@attrs.frozen(slots=True)
class Nested:
    """Another strategy applied to the page found at ``data[key]`` (GetTopCompetitors
    sends a Spring page in ``data.competitors``, beside other values)."""

    inner: Paging
    key: str

    def _page(self, page: Envelope) -> Envelope:
        data = page.data.get(self.key) if isinstance(page.data, dict) else None
        return Envelope(data, page.meta, page.request_id)

    def first(self) -> Params:
        return self.inner.first()

    def items(self, page: Envelope) -> Sequence[Any]:
        return self.inner.items(self._page(page))

    def next(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> Params | None:
        return self.inner.next(self._page(page), sent, got, total_so_far)

    def maybe_cut(self, page: Envelope, sent: Params, got: int, total_so_far: int) -> bool:
        return self.inner.maybe_cut(self._page(page), sent, got, total_so_far)
