"""v4 pages decoded whole through msgspec give what the tolerant path gives.

The page parser (``RowDecoder.page``) reads a body into msgspec structs and stores their
values into the attrs rows; whatever it refuses goes through ``json.loads`` and the
one-item decoder. The property: for any body, the client's steps on a page (the error
check, the settlement's row count, the envelope, the rows) give exactly what they gave
with ``json.loads`` and one item at a time: the same rows (same types, same reprs,
time zones and signed zeros included), or the same error.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import typing
import weakref
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from semrush_async._core.sansio import Response, decode_error, v4_envelope
from semrush_async.apis.backlinks.v4 import BACKLINKS_V4, Scope, V4Link
from semrush_async.testing import SemrushSandbox
from semrush_async.v4.convert import (
    DecodedRows,
    OpenStrEnum,
    RowDecoder,
    fast_decoder,
    make_converter,
    parse_timestamp,
)
from semrush_async.v4.endpoint import V4Engine, _data_lines
from semrush_async.v4.paging import LimitOffset, items_at

pytestmark = pytest.mark.sandbox()


class Kind(OpenStrEnum):
    ALPHA = "ALPHA"
    BETA = "BETA"


class Closed(enum.StrEnum):
    ONE = "one"
    TWO = "two"


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class Sample:
    """A row with every kind of field the page parser types."""

    name: str | None = None
    count: int | None = None
    share: float | None = None
    ok: bool | None = None
    at: dt.datetime | None = None
    kind: Kind | None = None
    closed: Closed | None = None
    ids: tuple[int, ...] | None = None


@attrs.frozen(slots=True, kw_only=True)
class WithWeakref:
    """A row that keeps its weakref slot: no twin class, filled through descriptors."""

    name: str | None = None
    count: int | None = None
    at: dt.datetime | None = None


_converter = make_converter()
_HOOKS: dict[type, Callable[[Any], Any]] = {dt.datetime: parse_timestamp}
SAMPLE = fast_decoder(Sample, _converter, _HOOKS, "Sample row")
WEAK = fast_decoder(WithWeakref, _converter, _HOOKS, "WithWeakref row")
DECODERS: dict[str, RowDecoder[Any]] = {
    **{f"backlinks_v4.{m}": s.decode for m, s in BACKLINKS_V4.items() if not s.single},
    "Sample": SAMPLE,
    "WithWeakref": WEAK,
}

# --- generated bodies ---------------------------------------------------------------

HUGE_INTS = st.sampled_from(
    [2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**64) - 1, 10**30, -(10**40), 10**400]
)
ODD_TIMESTAMPS = st.sampled_from(
    [
        "2022-03-14T07:07:10Z",
        "2022-03-14t07:07:10z",
        "2022-03-14 07:07:10Z",
        "2022-03-14T07:07Z",
        "2022-03-14T07:07:10.1234567Z",
        "2022-03-14T07:07:10.9999999Z",
        "2022-03-14T07:07:10.5Z",
        "2022-03-14T07:07:10+00:00",
        "2022-03-14T07:07:10+0200",
        "2022-03-14T07:07:10-05:30",
        "2022-03-14T07:07:10",
        "2022-03-14",
        "2022-03-14T07:07:60Z",
        "2022-02-29T00:00:00Z",
        "9999-12-31T23:59:59.9999999Z",
        "0001-01-01T00:00:00Z",
        "20220314T070710Z",
        "\uff12\uff10\uff12\uff12-03-14T07:07:10Z",  # full-width digits
        "",
        "yesterday",
    ]
)
TIMESTAMPS = st.one_of(
    ODD_TIMESTAMPS,
    st.datetimes(timezones=st.just(dt.UTC)).map(
        lambda d: d.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    ),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
TEXT = st.text(max_size=12)  # non-ASCII, surrogates, control characters included
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.lists(st.integers(-3, 3), max_size=3),
    st.just({"nested": 1}),
)


def _good(t: Any) -> st.SearchStrategy[Any]:
    args = [a for a in typing.get_args(t) if a is not type(None)]
    inner = args[0]
    if inner is int:
        return st.one_of(st.integers(-(2**40), 2**40), HUGE_INTS)
    if inner is float:
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-9, 9))
    if inner is str:
        return TEXT
    if inner is bool:
        return st.booleans()
    if inner is dt.datetime:
        return TIMESTAMPS
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return st.one_of(st.sampled_from([m.value for m in inner]), st.sampled_from(["NEW", ""]))
    return st.lists(st.one_of(st.integers(-(2**40), 2**40), HUGE_INTS), max_size=4)


def _item(model: type[Any], wrong: bool) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(model)
    fields = {
        a.name: st.one_of(_good(hints[a.name]), WRONG) if wrong else _good(hints[a.name])
        for a in attrs.fields(model)
    }
    obj = st.fixed_dictionaries({}, optional={**fields, "unknown_field": WRONG, "ünïcode": TEXT})
    # A wrong page may hold something that is not an object at all.
    return st.one_of(obj, WRONG) if wrong else obj


@st.composite
def _doc(draw: st.DrawFn, model: type[Any]) -> Any:
    """A page: mostly well-formed (types as the model says, yet with odd timestamps,
    huge ints, unknown enum values, nulls, non-ASCII text, unknown fields), else with
    wrong types, odd items, or an odd envelope."""
    wrong = draw(st.integers(0, 3)) == 0
    data = draw(st.lists(_item(model, wrong), max_size=4))
    meta = {"success": True, "request_id": draw(TEXT)}
    doc: dict[str, Any] = {"meta": meta, "data": data}
    if wrong:
        odd = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "meta": st.one_of(WRONG, st.just({"success": False})),
                    "data": WRONG,
                    "error": st.just({"code": "x", "message": "refused"}),
                    "extra": WRONG,
                },
            )
        )
        doc.update(odd)
        if draw(st.booleans()):
            doc.pop("meta", None)
    return doc


def _encode(doc: Any, style: int) -> bytes:
    text = json.dumps(doc, ensure_ascii=style % 2 == 0)
    if style == 2:
        text = f" \n{text}\t "
    return text.encode("utf-8", "surrogatepass")


BODIES = st.sampled_from(sorted(DECODERS)).flatmap(
    lambda name: st.tuples(
        st.just(name),
        _doc(DECODERS[name].model).flatmap(
            lambda d: st.integers(0, 3).map(lambda s: _encode(d, s))
        ),
    )
)

# --- the two paths --------------------------------------------------------------------


def _outcome(body: bytes, decoder: RowDecoder[Any], *, whole: bool) -> tuple[str, Any]:
    """The client's steps on one page: the error check, the settlement count, the
    envelope, the rows. ``whole``: the page parser; else ``json.loads`` + one item at a
    time (the path before msgspec)."""
    response = Response(200, {}, body, parse=decoder.page if whole else None)
    try:
        err = decode_error(response, v4=True)
        if err is not None:
            return "error", (type(err), str(err))
        lines = _data_lines(response)
        page = v4_envelope(response)
        items = items_at(page, None)
        path = "typed" if type(items) is DecodedRows else "fallback"
        rows = decoder.rows(items) if whole else [decoder(item) for item in items]
    except Exception as e:
        return "raised", (type(e), str(e))
    return path, (lines, page.meta, page.request_id, [(type(r), repr(r)) for r in rows], rows)


@settings(max_examples=400, deadline=None)
@given(case=BODIES)
def test_the_page_parser_gives_what_the_tolerant_path_gives(case: tuple[str, bytes]) -> None:
    name, body = case
    decoder = DECODERS[name]
    path, got = _outcome(body, decoder, whole=True)
    event(path)
    assert got == _outcome(body, decoder, whole=False)[1]


# Handpicked bodies: the typed path must take the common shapes, and each refusal
# must end in the fallback (not in a different answer).
_LINK = {"source_url": "https://a.example/", "first_seen_at": "2022-03-14T07:07:10Z"}


def _body(*items: Any, **top: Any) -> bytes:
    return json.dumps({"meta": {"success": True}, "data": list(items), **top}).encode()


@pytest.mark.parametrize(
    ("decoder", "body", "typed"),
    [
        (BACKLINKS_V4["links"].decode, _body(_LINK, {**_LINK, "new_field": [1]}), True),
        (BACKLINKS_V4["links"].decode, _body({**_LINK, "domain_score": None}), True),
        (BACKLINKS_V4["links"].decode, b'{"data": []}', True),
        (BACKLINKS_V4["links"].decode, _body({**_LINK, "domain_score": "7"}), False),
        (BACKLINKS_V4["links"].decode, _body({**_LINK, "domain_score": True}), False),
        (
            BACKLINKS_V4["links"].decode,
            b'{"data": [{"domain_score": ' + b"9" * 5000 + b"}]}",  # json.loads refuses it
            False,
        ),
        (BACKLINKS_V4["links"].decode, _body({**_LINK, "first_seen_at": "2022-03-14"}), True),
        # Repeated keys: the last one wins, as with json.loads.
        (BACKLINKS_V4["links"].decode, b'{"data": [{"anchor": "a", "anchor": "b"}]}', True),
        (BACKLINKS_V4["links"].decode, b'{"data": [{"page_score": 1, "page_score": "x"}]}', False),
        (BACKLINKS_V4["links"].decode, _body({**_LINK, "first_seen_at": "2022-02-30"}), False),
        (BACKLINKS_V4["links"].decode, _body(_LINK, request_id="r1"), False),
        (BACKLINKS_V4["links"].decode, _body("not an object"), False),
        (BACKLINKS_V4["links"].decode, b'{"data": [{"anchor": NaN}]}', False),
        (BACKLINKS_V4["links"].decode, b'{"data": [{"anchor": "\\ud800"}]}', False),
        (BACKLINKS_V4["matrix"].decode, _body({"backlinks_counts": [1, 2]}), True),
        (BACKLINKS_V4["matrix"].decode, _body({"backlinks_counts": [1, True]}), False),
        (BACKLINKS_V4["competitors"].decode, _body({"similarity": 10**30}), True),
        (BACKLINKS_V4["competitors"].decode, _body({"similarity": 1e400}), False),
        (SAMPLE, _body({"kind": "GAMMA", "closed": "one"}), True),
        (SAMPLE, _body({"closed": "three"}), False),
        (WEAK, _body({"name": "ü", "at": "2022-03-14T07:07:10+02:00"}), True),
    ],
)
def test_each_refusal_falls_back_to_the_same_answer(
    decoder: RowDecoder[Any], body: bytes, typed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="semrush_async"):
        try:
            doc = Response(200, {}, body, parse=decoder.page).json()
        except ValueError:  # json.loads refuses it too: the error check reports it
            doc = None
    data = doc.get("data") if isinstance(doc, dict) else None
    assert (type(data) is DecodedRows) is typed
    assert any("not decoded strictly" in r.message for r in caplog.records) is not typed
    assert _outcome(body, decoder, whole=True)[1] == _outcome(body, decoder, whole=False)[1]


def test_an_error_answer_is_not_read_as_a_page(caplog: pytest.LogCaptureFixture) -> None:
    decoder = BACKLINKS_V4["links"].decode
    body = json.dumps({"meta": {"success": False}, "error": {"code": "BAD_REQUEST"}}).encode()
    with caplog.at_level(logging.DEBUG, logger="semrush_async"):
        err = decode_error(Response(400, {}, body, parse=decoder.page), v4=True)
    assert err is not None
    assert str(err) == str(decode_error(Response(400, {}, body), v4=True))
    assert not [r for r in caplog.records if "not decoded strictly" in r.message]


def test_only_decodable_models_get_a_page_parser() -> None:
    @attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
    class Nested:
        inner: Sample | None = None

    @attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
    class Required:
        name: str | None

    @attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
    class Checked:
        count: int | None = attrs.field(default=None, validator=lambda *_: None)

    for model in (Nested, Required, Checked):
        assert fast_decoder(model, _converter, _HOOKS, "row").page is None
    assert all(s.decode.page is not None for s in BACKLINKS_V4.values())


def test_rows_built_through_the_twin_are_ordinary_rows() -> None:
    decoder = BACKLINKS_V4["links"].decode
    assert decoder.page is not None
    (row,) = decoder.rows(decoder.page(_body(_LINK))["data"])
    assert type(row) is V4Link
    seen = dt.datetime(2022, 3, 14, 7, 7, 10, tzinfo=dt.UTC)
    same = V4Link(source_url="https://a.example/", first_seen_at=seen)
    assert row == same
    assert hash(row) == hash(same)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        row.anchor = "x"  # type: ignore[misc]
    # The rows have no weakref slot (the twin needs the same layout), as v3 rows.
    with pytest.raises(TypeError):
        weakref.ref(row)
    assert WEAK.page is not None
    (weak,) = WEAK.rows(WEAK.page(_body({"name": "a"}))["data"])
    assert type(weak) is WithWeakref
    assert weakref.ref(weak)() is weak


async def test_pages_from_the_sandbox_are_decoded_whole(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Over real HTTP: every page of a paged listing goes through the page parser, and
    its rows are those of the path before it (``json.loads``, one item at a time)."""
    decoder = BACKLINKS_V4["links"].decode
    item_by_item = RowDecoder(V4Link, decoder, None)
    with caplog.at_level(logging.DEBUG, logger="semrush_async"):
        async with sandbox.client() as c:
            pager = c.backlinks_v4.links("medium.example", Scope.ROOT_DOMAIN, page_size=100)
            rows = await pager
            refused = [r for r in caplog.records if "not decoded strictly" in r.message]
            params = (("url", "medium.example"), ("scope", "ROOT_DOMAIN"))
            before = await V4Engine(c._session).pager(
                BACKLINKS_V4["links"].endpoint, LimitOffset(100), item_by_item, params=params
            )
    assert not refused
    assert pager.pages == -(-len(rows) // 100) > 1
    assert [repr(r) for r in rows] == [repr(r) for r in before]
    assert rows == before


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class TextScores:
    """``/links`` rows read with ``domain_score`` as text: the sandbox sends ints, so
    the page parser refuses every page and the tolerant path reads them ("7")."""

    source_url: str | None = None
    domain_score: str | None = None


async def test_pages_the_parser_refuses_decode_item_by_item(
    sandbox: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    decoder = fast_decoder(TextScores, _converter, _HOOKS, "TextScores row")
    links = BACKLINKS_V4["links"]
    with caplog.at_level(logging.DEBUG, logger="semrush_async"):
        async with sandbox.client() as c:
            engine = V4Engine(c._session)
            params = (("url", "medium.example"), ("scope", "ROOT_DOMAIN"))
            rows = await engine.pager(links.endpoint, LimitOffset(100), decoder, params=params)
            typed = await engine.pager(
                links.endpoint, LimitOffset(100), links.decode, params=params
            )
    refused = [r for r in caplog.records if "not decoded strictly" in r.message]
    assert len(refused) == -(-len(rows) // 100) > 1  # every page of the first listing
    assert [r.domain_score for r in rows] == [str(t.domain_score) for t in typed]
    assert [r.source_url for r in rows] == [t.source_url for t in typed]
    assert all(type(r) is TextScores for r in rows)
