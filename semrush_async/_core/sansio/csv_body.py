"""A streamed Analytics CSV body, decided and decoded as its chunks arrive."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from semrush_async import errors
from semrush_async._core.csvfeed import CsvFeed
from semrush_async._core.sansio.decide import decode_error
from semrush_async._core.sansio.messages import MAX_ERROR_READ, NOTHING_FOUND, Response

_UNDECIDED: Final = 0
_ROWS: Final = 1
_ERROR: Final = 2
#: Decodes a whole error answer (the request path's: the call's rules and redactor).
ErrorDecoder = Callable[[Response], errors.APIError | None]


class CsvBody:
    """A streamed Analytics CSV answer, decided and decoded as its chunks arrive.

    ``feed()`` every chunk read, then ``close()`` at the end of the body. A 200 answer
    whose first non-blank bytes are ``ERROR`` (``ERROR <code> :: <MESSAGE>``), or an
    answer with any other status, is an error answer: up to :data:`MAX_ERROR_READ`
    bytes of it are kept (``done`` turns True when reading may stop) and ``close()``
    raises the error ``decode`` finds in it, except ``ERROR 50 :: NOTHING FOUND``,
    which is an empty result (``close()`` returns no rows, ``empty`` is True). Any
    other body is rows: ``data`` turns True as soon as that is known (the server has
    charged the page from then on), and each call returns the complete rows so far.

    ``skip``: None for a first attempt; for a later attempt of the same request, the
    rows the caller has: the body's header and that many data rows are dropped.
    ``rows`` counts the data rows returned (a header is not one). ``delimiters``:
    :class:`CsvFeed`'s (several: sniffed from the header line).
    """

    __slots__ = (
        "_buf",
        "_decode",
        "_feed",
        "_head",
        "_headers",
        "_skip",
        "_state",
        "_status",
        "data",
        "done",
        "empty",
        "rows",
    )

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str],
        decode: ErrorDecoder | None = None,
        *,
        skip: int | None = None,
        delimiters: tuple[str, ...] = (";",),
    ) -> None:
        self._status = status
        self._headers = headers
        self._decode = decode
        self._feed = CsvFeed(delimiters)
        self._buf = bytearray()
        self._state = _UNDECIDED if status == 200 else _ERROR
        #: True until the body's first row (its header) was returned or dropped.
        self._head = True
        self._skip = skip
        self.data = False
        self.done = False
        self.empty = False
        self.rows = 0

    def feed(self, chunk: bytes) -> list[list[str]]:
        """The complete rows ``chunk`` ends (none while the answer is undecided or an error)."""
        state = self._state
        if state == _ROWS:
            return self._take(self._feed.feed(chunk))
        if state == _UNDECIDED:
            if self._buf:
                chunk = bytes(self._buf + chunk)
                self._buf.clear()
            start = chunk.lstrip()[:5]
            if len(start) == 5 or len(chunk) >= MAX_ERROR_READ:
                return self._decide(start, chunk)
            self._buf += chunk  # too short to tell ``ERROR`` from data yet
            return []
        if not self.done:
            self._buf += chunk
            self.done = len(self._buf) >= MAX_ERROR_READ
        return []

    def close(self) -> list[list[str]]:
        """The rows of an unterminated last line; for an error answer, raise its error
        (NOTHING FOUND: return no rows and set ``empty``)."""
        if self._state == _UNDECIDED:
            body = bytes(self._buf)
            self._buf.clear()
            rows = self._decide(body.lstrip()[:5], body)
            if self._state == _ROWS:
                return rows + self._take(self._feed.close())
        elif self._state == _ROWS:
            return self._take(self._feed.close())
        answer = Response(self._status, self._headers, bytes(self._buf))
        err = decode_error(answer, v4=False) if self._decode is None else self._decode(answer)
        if err is None:
            err = errors.APIError("unexpected response", status=self._status)
        if err.code == NOTHING_FOUND:
            self.empty = True
            return []
        raise err

    def _decide(self, start: bytes, body: bytes) -> list[list[str]]:
        if start == b"ERROR":
            self._state = _ERROR
            self._buf += body
            self.done = len(self._buf) >= MAX_ERROR_READ
            return []
        self._state = _ROWS
        self.data = True
        return self._take(self._feed.feed(body))

    def _take(self, rows: list[list[str]]) -> list[list[str]]:
        if rows and (self._head or self._skip):
            if self._head:
                self._head = False
                if self._skip is None:
                    self.rows -= 1  # the header goes out, but it is not a data row
                else:
                    del rows[0]  # the caller has it
            if self._skip:
                n = min(self._skip, len(rows))
                self._skip -= n
                del rows[:n]  # the caller has these too
        self.rows += len(rows)
        return rows
