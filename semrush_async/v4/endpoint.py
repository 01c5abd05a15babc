"""API v4 endpoints as data, and the one executor that turns a row into a call."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from semrush_async._core.governance import Limit
from semrush_async._core.price import Price
from semrush_async._core.request_path import Auth, Call, CodeTable, Dialect
from semrush_async._core.sansio import (
    Envelope,
    Response,
    path_segment,
    v4_envelope,
    v4_error,
    v4_request,
)
from semrush_async.pagination import Pager
from semrush_async.v4.convert import RowDecoder
from semrush_async.v4.paging import LimitOffset, OnePage, PageNumber, Paging

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["Endpoint", "V4Engine", "limits_of"]

T = TypeVar("T")

#: The governor of every method without a published limit of its own.
ACCOUNT = "account"


def _is_delete(ep: Endpoint) -> bool:
    # Every v4 DELETE alike: a retry that finds the resource gone means the attempt
    # whose answer was lost deleted it, which is what was asked for.
    return ep.method == "DELETE"


def _default_idempotent(ep: Endpoint) -> bool:
    # POST creates something: repeating it after a 5xx or a dropped connection could
    # create it twice (v4 documents no idempotency keys). 429s are always retried:
    # the server refused the request, so nothing happened.
    return ep.method != "POST"


@attrs.frozen(slots=True)
class Endpoint:
    """One v4 method: verb, path template, credential, governor and its limit, price,
    retry safety. The client learns the governor's limit from the row when it binds
    the family (:func:`limits_of`); the price travels with every call it makes."""

    #: Dotted name for docs and errors, e.g. ``projects.get``.
    name: str
    method: str
    #: Path template; ``{name}`` parts are filled from validated, encoded ids.
    path: str
    auth: Auth = Auth.APIKEY
    #: The method's own governor; ``account`` when it has no published limit.
    governor: str = ACCOUNT
    #: The published limit of ``governor`` (required for a governor of its own; the
    #: call also goes through ``account``).
    limit: Limit | None = None
    #: Safe to repeat after a 5xx or a dropped connection (default: not for POST).
    idempotent: bool = attrs.field(default=attrs.Factory(_default_idempotent, takes_self=True))
    #: The unit price (None: free). A per-line price reserves the request's ``limit``
    #: and settles to the rows in ``data``.
    price: Price | None = None
    #: What the unit meter books the calls under (``units.by_report``); default: the
    #: endpoint's name.
    report: str | None = None
    #: The product's own error codes (``code -> (error class, hint)``).
    codes: CodeTable = attrs.field(factory=dict, hash=False)
    #: A retry that finds the resource gone succeeded (see ``Call``); default: for
    #: every DELETE.
    gone_ok_on_retry: bool = attrs.field(default=attrs.Factory(_is_delete, takes_self=True))
    #: False for a JSON API whose answers are not the v4 ``{meta, data}`` envelope (the
    #: Projects v3 tools): the whole document is the envelope's ``data``.
    envelope: bool = True
    #: The query parameter that bounds a per-line price's rows (the worst case reserved).
    limit_param: str = "limit"
    #: Rows an answer delivered, for a per-line price (default: the length of a
    #: ``data`` list, else 1).
    lines_of: Callable[[Response], int] | None = attrs.field(default=None, eq=False)

    def url(self, base_url: str, path_args: Mapping[str, str | int]) -> str:
        """The full URL, every path argument checked and percent-encoded."""
        return base_url + self.path.format_map(
            {k: path_segment(v, k) for k, v in path_args.items()}
        )


def _data_lines(response: Response) -> int:
    """Rows a v4 response delivered: the length of a ``data`` list, else 1."""
    try:
        doc = response.json()
    except ValueError:
        return 0
    data = doc.get("data") if isinstance(doc, dict) else None
    return len(data) if isinstance(data, list) else 1


def _plain_envelope(response: Response) -> Envelope:
    """A JSON answer without the v4 envelope: the whole document is ``data`` (its
    error, in any form :func:`v4_error` reads, is raised)."""
    if 200 <= response.status < 300 and (response.status == 204 or not response.body.strip()):
        return Envelope(None, {}, None)
    try:
        doc = response.json()
    except ValueError:
        doc = None
    err = v4_error(response.status, response.body, doc)
    if err is not None:
        raise err
    return Envelope(doc, {}, None)


class V4Engine:
    """Sends :class:`Endpoint` calls through the client's request path."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def call(
        self,
        ep: Endpoint,
        *,
        path: Mapping[str, str | int] | None = None,
        params: Sequence[tuple[str, str]] = (),
        body: Any = None,
        lines: int | None = None,
        parse: Callable[[bytes], Any] | None = None,
    ) -> Call:
        """The :class:`Call` for one request (pure: nothing is sent).

        ``lines``: the most rows a per-line price can charge (default: ``limit``).
        ``parse``: how the response body becomes its JSON document (default
        ``json.loads``; a :class:`~semrush_async.v4.convert.RowDecoder`'s ``page``).
        """
        request = v4_request(ep.method, ep.url(self._session.base_url, path or {}), params, body)
        if lines is None:
            lines = 1
            if ep.price is not None and ep.price.per_line:
                lines = int(dict(params).get(ep.limit_param, "1"))
        return Call(
            ep.governor,
            request,
            Dialect.V4,
            ep.auth,
            report=ep.report or ep.name,
            lines=lines,
            price=ep.price,
            idempotent=ep.idempotent,
            lines_of=(ep.lines_of or _data_lines) if ep.price is not None else None,
            within=None if ep.governor == ACCOUNT else ACCOUNT,
            codes=ep.codes,
            gone_ok_on_retry=ep.gone_ok_on_retry,
            parse=parse,
        )

    async def send(
        self,
        ep: Endpoint,
        *,
        path: Mapping[str, str | int] | None = None,
        params: Sequence[tuple[str, str]] = (),
        body: Any = None,
        lines: int | None = None,
        parse: Callable[[bytes], Any] | None = None,
    ) -> Envelope:
        """Send one request and return its decoded envelope (or raise its error)."""
        call = self.call(ep, path=path, params=params, body=body, lines=lines, parse=parse)
        response = await self._session.send(call)
        return v4_envelope(response) if ep.envelope else _plain_envelope(response)

    def pager(
        self,
        ep: Endpoint,
        paging: Paging,
        decode: Callable[[Any], T],
        *,
        path: Mapping[str, str | int] | None = None,
        params: Sequence[tuple[str, str]] = (),
        on_page: Callable[[Pager[T], Envelope], None] | None = None,
        lines: int | None = None,
        read_ahead: int = 0,
    ) -> Pager[T]:
        """A :class:`Pager` over ``ep`` following ``paging``; ``decode`` makes one item.

        Nothing is sent until the pager is awaited or iterated. ``on_page`` sees every
        page's envelope (for values carried beside the items). ``read_ahead``: once the
        first page tells how many pages there are (numbered pages), up to that many
        pages beyond the one being read are requested at once, at the governor's pace,
        and still yielded in order.

        With a :class:`RowDecoder` whose rows are the page's ``data`` list, each page
        is decoded whole (its ``page`` parser: msgspec, falling back to ``json.loads``
        and one item at a time), unless ``on_page`` wants the raw items.
        """
        # Build the first request now: a bad id fails here, before any request.
        self.call(ep, path=path, params=(*params, *paging.first()))
        # The page parser types the envelope's ``data`` list and nothing else: it needs
        # the envelope, the items in ``data``, the default row count, no raw items.
        whole = (
            isinstance(decode, RowDecoder)
            and on_page is None
            and ep.envelope
            and ep.lines_of is None
            and _items_in_data(paging)
        )
        parse = decode.page if isinstance(decode, RowDecoder) and whole else None
        rows = decode.rows if isinstance(decode, RowDecoder) else None

        async def source(pager: Pager[T]) -> AsyncGenerator[list[T], None]:
            sent: tuple[tuple[str, str], ...] | None = paging.first()
            seen = 0
            later: list[tuple[tuple[str, str], ...]] | None = None
            while sent is not None:
                page = await self.send(
                    ep, path=path, params=(*params, *sent), lines=lines, parse=parse
                )
                pager.pages += 1
                if on_page is not None:
                    on_page(pager, page)
                raw = paging.items(page)
                seen += len(raw)
                if raw:
                    yield rows(raw) if rows is not None else [decode(item) for item in raw]
                if read_ahead and later is None and isinstance(paging, PageNumber):
                    later = paging.remaining(page, sent)
                    if later is not None:
                        break
                following = paging.next(page, sent, len(raw), seen)
                if paging.maybe_cut(page, sent, len(raw), seen) and await self._cut_by_balance(
                    ep, params, seen
                ):
                    pager.units_exhausted = True
                    return
                sent = following
            if not later:
                return
            # aclosing: a consumer that stops early cancels the pages in flight now.
            ahead = self._ahead(ep, path, params, later, read_ahead, lines)
            async with contextlib.aclosing(ahead) as pages:
                async for page in pages:
                    pager.pages += 1
                    if on_page is not None:
                        on_page(pager, page)
                    raw = paging.items(page)
                    if raw:
                        yield rows(raw) if rows is not None else [decode(item) for item in raw]

        return Pager(source)

    async def _ahead(
        self,
        ep: Endpoint,
        path: Mapping[str, str | int] | None,
        params: Sequence[tuple[str, str]],
        pages: Sequence[tuple[tuple[str, str], ...]],
        read_ahead: int,
        lines: int | None,
    ) -> AsyncGenerator[Envelope, None]:
        """``pages`` in order, each with up to ``read_ahead`` later ones in flight."""
        pending: dict[int, asyncio.Task[Envelope]] = {}
        try:
            for i in range(len(pages)):
                for j in range(i, min(len(pages), i + read_ahead + 1)):
                    if j not in pending:
                        pending[j] = asyncio.create_task(
                            self.send(ep, path=path, params=(*params, *pages[j]), lines=lines)
                        )
                yield await pending.pop(i)
        finally:
            for task in pending.values():
                task.cancel()
            await asyncio.gather(*pending.values(), return_exceptions=True)

    async def _cut_by_balance(
        self, ep: Endpoint, params: Sequence[tuple[str, str]], seen: int
    ) -> bool:
        """A short page of a per-line report: did the unit balance cut it? (the check
        the Analytics v3 pager makes, shared)."""
        if ep.price is None:
            return False
        sent = dict(params)
        target = sent.get("url") or sent.get("domain") or sent.get("urls") or ""
        return await self._session.units.short_page_cut(ep.price, ep.name, target, seen)


def _items_in_data(paging: Paging) -> bool:
    """The strategy's items are the ``data`` list itself (what a page parser types)."""
    return isinstance(paging, LimitOffset | OnePage) and paging.items_key is None


def limits_of(endpoints: Iterable[Endpoint]) -> dict[str, Limit]:
    """The published limit of every governor ``endpoints`` name (what a family hands
    the client to bind). Rows sharing a governor must state the same limit."""
    out: dict[str, Limit] = {}
    for ep in endpoints:
        if ep.governor == ACCOUNT:
            continue
        if ep.limit is None:
            raise ValueError(f"{ep.name}: governor {ep.governor!r} has no limit= on its row")
        seen = out.setdefault(ep.governor, ep.limit)
        if seen != ep.limit:
            raise ValueError(
                f"{ep.name}: governor {ep.governor!r} has limit {ep.limit}, another row says {seen}"
            )
    return out
