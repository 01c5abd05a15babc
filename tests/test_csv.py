"""The incremental CSV feed: any chunking gives the same rows as one parse."""

from __future__ import annotations

import csv
import io

from hypothesis import example, given
from hypothesis import strategies as st

from semrush_async._core.csvfeed import CsvFeed

cell = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=12,
)


def encode(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerows(rows)
    return buf.getvalue().encode()


def feed_all(body: bytes, cuts: list[int]) -> list[list[str]]:
    f = CsvFeed()
    out: list[list[str]] = []
    pos = 0
    for c in sorted(set(cuts)):
        out += f.feed(body[pos:c])
        pos = c
    out += f.feed(body[pos:])
    out += f.close()
    return out


@given(
    st.lists(st.lists(cell, min_size=2, max_size=2), min_size=1, max_size=20),
    st.lists(st.integers(0, 400), max_size=30),
)
def test_any_chunking_round_trips(rows: list[list[str]], cuts: list[int]) -> None:
    # csv.writer writes [""] as "" which reads back as [""]; keep rows non-degenerate.
    rows = [r for r in rows if any(r)] or [["a", "b"]]
    body = encode(rows)
    cuts = [c for c in cuts if c <= len(body)]
    expected = list(csv.reader(io.StringIO(body.decode(), newline=""), delimiter=";"))
    assert feed_all(body, cuts) == expected


def test_tricky_values_byte_by_byte() -> None:
    body = 'a;b;c\r\n1;"x;y";"he said ""hi"""\r\n2;"multi\r\nline";é中\r\n3;;'.encode()
    got = feed_all(body, list(range(len(body))))
    assert got == [
        ["a", "b", "c"],
        ["1", "x;y", 'he said "hi"'],
        ["2", "multi\r\nline", "é中"],
        ["3", "", ""],
    ]


def test_no_rows_until_a_line_ends() -> None:
    f = CsvFeed()
    assert f.feed(b"a;b") == []
    assert f.pending == 3
    assert f.feed(b"\r\n") == [["a", "b"]]
    assert f.close() == []


# Any text at all (quotes in odd places, bare CR or LF, blank lines): the line-wise
# fast paths must give exactly what csv.reader gives for the whole text.
messy = st.lists(
    st.sampled_from(["a", "é", "中", "1", " ", ";", '"', '""', "\r\n", "\n", "\r"]),
    max_size=60,
).map("".join)


@given(st.lists(messy, max_size=8).map("\r\n".join))
@example('a";"\r\n')  # a quoted field left open at the end of the last line
def test_parse_matches_csv_reader_on_any_text(text: str) -> None:
    expected = [
        r for r in csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=False) if r
    ]
    assert CsvFeed()._parse(text.encode()) == expected


def test_parse_mixes_split_and_quoted_lines() -> None:
    text = 'a;b\r\n"x;y";2\r\nc;d\r\n"say ""hi""";3\r\n\r\ne;f\r\n'
    assert CsvFeed()._parse(text.encode()) == [
        ["a", "b"],
        ["x;y", "2"],
        ["c", "d"],
        ['say "hi"', "3"],
        ["e", "f"],
    ]
