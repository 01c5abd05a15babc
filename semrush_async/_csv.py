"""Incremental parser for Semrush's semicolon CSV (pure, fed byte chunks).

Rows are cut only at a line break outside quotes, so quoted fields with ``;``, ``""``
or line breaks survive chunk boundaries, and a multi-byte UTF-8 character split
across chunks is never decoded in halves (a cut is always right after ``\\n``).
"""

from __future__ import annotations

import csv
import io

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

    __slots__ = ("_buf", "_quotes", "rows_out")

    def __init__(self) -> None:
        self._buf = bytearray()
        # Count of '"' in _buf: odd means the buffer ends inside a quoted field.
        self._quotes = 0
        self.rows_out = 0

    def feed(self, chunk: bytes) -> list[list[str]]:
        if not chunk:
            return []
        start = len(self._buf)
        self._buf += chunk
        self._quotes += chunk.count(b'"')
        cut = self._buf.rfind(b"\n", start if self._quotes % 2 == 0 else 0)
        if cut < 0:
            if self._quotes % 2 == 0:
                return []
            cut = self._buf.rfind(b"\n")
            if cut < 0:
                return []
        if self._quotes % 2:
            # The newest line break may sit inside a quoted field; find the last
            # one with an even number of quotes before it.
            while cut >= 0 and self._buf.count(b'"', 0, cut) % 2:
                cut = self._buf.rfind(b"\n", 0, cut)
            if cut < 0:
                return []
        head = bytes(self._buf[: cut + 1])
        del self._buf[: cut + 1]
        self._quotes -= head.count(b'"')
        return self._parse(head)

    def close(self) -> list[list[str]]:
        """Rows from the unterminated tail (a body need not end with a line break)."""
        if not self._buf.strip():
            self._buf.clear()
            return []
        tail = bytes(self._buf)
        self._buf.clear()
        self._quotes = 0
        return self._parse(tail)

    @property
    def pending(self) -> int:
        """Bytes buffered but not yet parsed."""
        return len(self._buf)

    def _parse(self, data: bytes) -> list[list[str]]:
        text = data.decode("utf-8", "replace")
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), DIALECT) if r]
        self.rows_out += len(rows)
        return rows
