"""Incremental parser for Semrush's semicolon CSV (pure, fed byte chunks).

The delimiter is ``;`` unless the caller allows several (``delimiters=``): then it
is sniffed from the header line, the first line of the body (the one that names the
columns holds the most delimiters; a tie keeps the first allowed).

Rows are cut only at a line break outside quotes, so quoted fields with ``;``, ``""``
or line breaks survive chunk boundaries, and a multi-byte UTF-8 character split
across chunks is never decoded in halves (a cut is always right after ``\\n``).
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
import re
from typing import Final

__all__ = ["CsvFeed"]


class _Dialect(csv.Dialect):
    delimiter = ";"
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL
    strict = False


DIALECT = _Dialect


class _Comma(_Dialect):
    delimiter = ","


_DIALECTS: Final[dict[str, type[csv.Dialect]]] = {";": _Dialect, ",": _Comma}


class CsvFeed:
    """Feed bytes, get complete rows back; ``close()`` flushes a last unterminated row."""

    __slots__ = ("_buf", "_choices", "_dialect", "_sep")

    def __init__(self, delimiters: tuple[str, ...] = (";",)) -> None:
        unknown = [d for d in delimiters if d not in _DIALECTS]
        if unknown or not delimiters:
            raise ValueError(f"delimiters must be some of {tuple(_DIALECTS)}, got {delimiters!r}")
        self._buf = bytearray()
        self._choices = delimiters
        self._sep = itertools.repeat(delimiters[0])
        self._dialect = _DIALECTS[delimiters[0]]

    @property
    def delimiter(self) -> str:
        """The delimiter in use (sniffed once the header line arrived)."""
        return self._dialect.delimiter

    def _sniff(self, text: str) -> None:
        head = text.split("\n", 1)[0]
        choices = self._choices
        if any(d in head for d in choices):
            best = max(choices, key=head.count)  # max keeps the first on a tie
        else:
            # One column: the delimiter is the one no unquoted cell holds (a cell
            # holding the delimiter is quoted).
            bare = _QUOTED.sub("", text)
            best = next((d for d in choices if d not in bare), choices[0])
        self._choices = (best,)
        self._sep = itertools.repeat(best)
        self._dialect = _DIALECTS[best]

    def feed(self, chunk: bytes) -> list[list[str]]:
        if not chunk:
            return []
        self._buf += chunk
        buf = self._buf
        cut = buf.rfind(b"\n")
        # A line break is a row end only with an even number of quotes before it;
        # otherwise it sits inside a quoted field: try the one before.
        while cut >= 0 and b'"' in buf and buf.count(b'"', 0, cut) % 2:
            cut = buf.rfind(b"\n", 0, cut)
        if cut < 0:
            return []
        head = bytes(buf[: cut + 1])
        del buf[: cut + 1]
        return self._parse(head)

    def close(self) -> list[list[str]]:
        """Rows from the unterminated tail (a body need not end with a line break)."""
        if not self._buf.strip():
            self._buf.clear()
            return []
        tail = bytes(self._buf)
        self._buf.clear()
        return self._parse(tail)

    @property
    def pending(self) -> int:
        """Bytes buffered but not yet parsed."""
        return len(self._buf)

    def _parse(self, data: bytes) -> list[list[str]]:
        text = data.decode("utf-8", "replace")
        if len(self._choices) > 1:
            self._sniff(text)
        lines = text.split("\r\n")
        rest = "".join(lines)  # a copy, but memchr-fast to search (count() is not)
        if "\n" in rest or "\r" in rest:
            # Not every line break is CRLF (a bare LF, or a CR elsewhere).
            if "\r" in text.replace("\r\n", ""):  # a lone CR: leave it to csv.reader
                return self._whole(text)
            lines = text.replace("\r\n", "\n").split("\n")
        lines = list(filter(None, lines))
        if '"' not in text:
            # No quote anywhere: no field can hold ";" or a line break, so splitting
            # each line is exact (and several times faster than csv.reader).
            return list(map(str.split, lines, self._sep))
        # Only lines holding a quote need csv.reader; the others are split. Every
        # step is a C-level map, so no Python code runs per line.
        quoted = list(map(str.__contains__, lines, _QUOTE))
        qlines = list(itertools.compress(lines, quoted))
        if any(map(_odd, map(str.count, qlines, _QUOTE))):
            return self._whole(text)  # a quoted field spans lines
        plain = map(str.split, itertools.compress(lines, map(operator.not_, quoted)), self._sep)
        # The sentinel line must come back as its own row: if a quoted field ran on
        # past the end of its line (malformed quoting), it was swallowed.
        qrows = csv.reader(itertools.chain(qlines, ("-",)), self._dialect)
        pick = (plain, qrows)
        rows = list(map(next, map(pick.__getitem__, quoted)))
        if len(rows) != len(lines) or next(qrows, None) != ["-"]:
            return self._whole(text)
        return rows

    def _whole(self, text: str) -> list[list[str]]:
        return [r for r in csv.reader(io.StringIO(text, newline=""), self._dialect) if r]


_QUOTE: Final = itertools.repeat('"')
_QUOTED: Final = re.compile(r'"[^"]*"')
_odd: Final = (2).__rmod__


class Lines:
    """Complete CSV rows kept as the bytes they arrived in (for a columnar reader),
    with the number of rows they hold, counted as :class:`CsvFeed` counts them.

    ``plain``: known to hold no blank line and no lone CR, so that every line feed
    outside quotes ends a row (a reader that splits rows at line feeds only, as
    polars does, then cuts them where :class:`CsvFeed` does). False when unknown."""

    __slots__ = ("data", "plain", "rows")

    def __init__(self, data: bytes, rows: int, plain: bool = False) -> None:
        self.data = data
        self.rows = rows
        self.plain = plain

    def __len__(self) -> int:
        return self.rows

    def __add__(self, other: Lines) -> Lines:
        plain = (self.plain or not self.data) and (other.plain or not other.data)
        return Lines(self.data + other.data, self.rows + other.rows, plain)

    def __delitem__(self, key: int | slice) -> None:
        # What CsvBody drops: the header (``del rows[0]``) and rows a repeated
        # request sends again (``del rows[:n]``).
        if isinstance(key, int):
            n = 1
        else:
            if key.start not in (None, 0) or key.step not in (None, 1) or key.stop is None:
                raise TypeError("Lines drops leading rows only")
            n = key.stop
        _, rest = self.split(n)
        self.data, self.rows = rest.data, rest.rows  # the rest of plain rows is plain

    def split(self, n: int) -> tuple[bytes, Lines]:
        """The first ``n`` rows' bytes, and the rows after them."""
        n = min(n, self.rows)
        data, pos, done, quotes, scanned = self.data, 0, 0, 0, 0
        if n:
            # A line break (CRLF, LF or a lone CR, as csv.reader sees them) ends a row
            # unless it sits inside a quoted field (an odd number of quotes before it).
            for m in _BREAK.finditer(data):
                quotes += data.count(b'"', scanned, m.start())
                scanned = m.start()
                if quotes % 2:
                    continue
                if m.start() > pos:  # not a blank line
                    done += 1
                pos = m.end()
                if done == n:
                    break
            else:
                pos = len(data)  # the last row has no line break
        return data[:pos], Lines(data[pos:], self.rows - n, self.plain)


class LinesFeed:
    """:class:`CsvFeed`'s counterpart that keeps rows as bytes: feed bytes, get the
    complete rows back as :class:`Lines` (cut at the same places, counted alike)."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> Lines:
        if not chunk:
            return Lines(b"", 0)
        buf = self._buf
        if b'"' not in chunk and b'"' not in buf:
            # No quote: the last line break ends the last complete row. One copy of
            # the bytes (the tail joined to the chunk), none row by row.
            cut = chunk.rfind(b"\n")
            if cut < 0:
                buf += chunk
                return Lines(b"", 0)
            head = b"".join((buf, memoryview(chunk)[: cut + 1])) if buf else chunk[: cut + 1]
            buf.clear()
            buf += memoryview(chunk)[cut + 1 :]
            return _lines(head)
        buf += chunk
        cut = buf.rfind(b"\n")
        while cut >= 0 and buf.count(b'"', 0, cut) % 2:
            cut = buf.rfind(b"\n", 0, cut)
        if cut < 0:
            return Lines(b"", 0)
        with memoryview(buf) as view:
            head = bytes(view[: cut + 1])
        del buf[: cut + 1]
        return _lines(head)

    def close(self) -> Lines:
        if not self._buf.strip():
            self._buf.clear()
            return Lines(b"", 0)
        tail = bytes(self._buf)
        self._buf.clear()
        return _lines(tail)


def _lines(data: bytes) -> Lines:
    rows, plain = _count(data)
    return Lines(data, rows, plain)


def _count(data: bytes) -> tuple[int, bool]:
    """The rows :class:`CsvFeed` finds in ``data`` (complete lines, or a last tail),
    and whether every line feed outside quotes ends one (no blank line, no lone CR)."""
    if b'"' not in data:
        # The line breaks and the delimiters alone, in order: one C-level pass, and a
        # short string to check (far cheaper than counting each kind in the data).
        marks = data.translate(None, _NOT_MARK)
        tail = not data.endswith((b"\n", b"\r")) and bool(data.strip())
        n = marks.count(b"\n")
        # A blank line is a break at the start or right after another. Two breaks in
        # a row in the marks may also be a row without a delimiter: then look in the
        # data itself.
        if b"\r" not in marks:  # every break is a LF
            blank = data.startswith(b"\n") or (b"\n\n" in marks and b"\n\n" in data)
            if not blank:
                return n + tail, True
        elif marks.count(b"\r") == n == data.count(_CRLF):  # each CR right before a LF
            blank = data.startswith(_CRLF) or (b"\r\n\r\n" in marks and b"\r\n\r\n" in data)
            if not blank:
                return n + tail, True
    if data.count(b"\r") == data.count(b"\r\n"):
        lines = data.split(b"\n")
        if not lines[-1]:
            lines.pop()
        # Every line holds an even number of quotes: no field spans lines, so each
        # line that is not blank is one row.
        if b'"' not in data or not any(map(_odd, map(bytes.count, lines, _BQUOTE))):
            blanks = lines.count(b"") + lines.count(b"\r")
            return len(lines) - blanks, not blanks
    feed = CsvFeed()  # the same parser: exact
    return len(feed.feed(data)) + len(feed.close()), False


_BQUOTE: Final = itertools.repeat(b'"')
_NOT_MARK: Final = bytes(b for b in range(256) if b not in b"\r\n;")
_CRLF: Final = b"\r\n"
_BREAK: Final = re.compile(rb"\r\n|\n|\r")
