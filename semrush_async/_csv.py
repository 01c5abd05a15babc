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
        while cut >= 0 and buf.count(b'"', 0, cut) % 2:
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
        if b'"' not in data:
            # No quote anywhere: no field can hold ";" or a line break, so plain
            # splitting is exact, and about twice as fast as csv.reader.
            rows = [line.split(";") for line in text.replace("\r\n", "\n").split("\n") if line]
        else:
            rows = [r for r in csv.reader(io.StringIO(text, newline=""), DIALECT) if r]
        return rows
