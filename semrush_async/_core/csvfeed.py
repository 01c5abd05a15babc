"""Incremental parser for Semrush's semicolon CSV (pure, fed byte chunks).

Rows are cut only at a line break outside quotes, so quoted fields with ``;``, ``""``
or line breaks survive chunk boundaries, and a multi-byte UTF-8 character split
across chunks is never decoded in halves (a cut is always right after ``\\n``).
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
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


class CsvFeed:
    """Feed bytes, get complete rows back; ``close()`` flushes a last unterminated row."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

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
            return list(map(str.split, lines, _SEMICOLON))
        # Only lines holding a quote need csv.reader; the others are split. Every
        # step is a C-level map, so no Python code runs per line.
        quoted = list(map(str.__contains__, lines, _QUOTE))
        qlines = list(itertools.compress(lines, quoted))
        if any(map(_odd, map(str.count, qlines, _QUOTE))):
            return self._whole(text)  # a quoted field spans lines
        plain = map(str.split, itertools.compress(lines, map(operator.not_, quoted)), _SEMICOLON)
        # The sentinel line must come back as its own row: if a quoted field ran on
        # past the end of its line (malformed quoting), it was swallowed.
        qrows = csv.reader(itertools.chain(qlines, ("-",)), DIALECT)
        pick = (plain, qrows)
        rows = list(map(next, map(pick.__getitem__, quoted)))
        if len(rows) != len(lines) or next(qrows, None) != ["-"]:
            return self._whole(text)
        return rows

    @staticmethod
    def _whole(text: str) -> list[list[str]]:
        return [r for r in csv.reader(io.StringIO(text, newline=""), DIALECT) if r]


_SEMICOLON: Final = itertools.repeat(";")
_QUOTE: Final = itertools.repeat('"')
_odd: Final = (2).__rmod__
