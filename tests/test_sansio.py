"""Pure request building and response decoding: no network."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from semrush_async import errors
from semrush_async._core.redact import Redactor, redact
from semrush_async._core.retry import RetryPolicy, parse_retry_after
from semrush_async._core.sansio import (
    CsvBody,
    Request,
    Response,
    analytics_error,
    analytics_request,
    is_retryable_status,
    parse_units_balance,
    refine_error,
    v4_data,
    v4_error,
)


def test_analytics_request_shape() -> None:
    r = analytics_request("https://api.semrush.com/", [("type", "backlinks")])
    assert r.method == "GET"
    assert r.url == "https://api.semrush.com/analytics/v1/"
    keyed = r.with_params(key="SECRETKEY123")
    assert ("key", "SECRETKEY123") in keyed.params
    assert "SECRETKEY123" not in repr(keyed)
    assert "SECRETKEY123" not in keyed.redacted_url
    assert "key=***" in keyed.redacted_url


@pytest.mark.parametrize(
    ("body", "status", "cls", "code"),
    [
        (b"ERROR 50 :: NOTHING FOUND", 200, errors.BadRequest, 50),
        (b"ERROR 120 :: WRONG KEY - ID PAIR", 200, errors.AuthenticationError, 120),
        (b"ERROR 122 :: WRONG FORMAT OR EMPTY KEY", 403, errors.AuthenticationError, 122),
        (b"ERROR 130 :: API DISABLED", 200, errors.PermissionDenied, 130),
        (b"ERROR 133 :: DB ACCESS DENIED", 200, errors.PermissionDenied, 133),
        (b"ERROR 135 :: API REPORT TYPE DISABLED", 200, errors.PermissionDenied, 135),
        (b"ERROR 132 :: API UNITS BALANCE IS ZERO", 403, errors.UnitsExhausted, 132),
        (b"ERROR 30 :: LIMIT EXCEEDED", 200, errors.LimitExceeded, 30),
        (b"ERROR 429 :: TOO MANY REQUESTS", 429, errors.RateLimited, 429),
        (b"ERROR 605 :: DISPLAY_OFFSET ...", 400, errors.BadRequest, 605),
        (b'ERROR 42 :: MANDATORY PARAMETER "target" NOT SET OR EMPTY', 200, errors.BadRequest, 42),
        (b"ERROR 10002 :: WRONG EXPORT COLUMNS", 200, errors.BadRequest, 10002),
    ],
)
def test_analytics_errors_any_status(
    body: bytes, status: int, cls: type[errors.APIError], code: int
) -> None:
    err = analytics_error(status, body)
    assert isinstance(err, cls)
    assert err.code == code
    assert err.status == status
    assert str(err).endswith(".")


def test_analytics_non_errors() -> None:
    assert analytics_error(200, b"ascore;total\r\n1;2\r\n") is None
    assert analytics_error(200, b"ERROR" + b"x" * 10_000) is None
    assert analytics_error(200, b"ERRORS;x\r\n") is None


def test_units_balance_parsing() -> None:
    assert parse_units_balance(b"1,000") == 1000
    assert parse_units_balance(b" 12,345,678\n") == 12_345_678
    assert parse_units_balance(b"0") == 0
    with pytest.raises(errors.AuthenticationError):
        parse_units_balance(b"ERROR 120 :: WRONG KEY - ID PAIR")
    with pytest.raises(errors.APIError):
        parse_units_balance(b"<html>")


def _resp(status: int, doc: object, headers: dict[str, str] | None = None) -> Response:
    return Response(status, headers or {}, json.dumps(doc).encode())


def test_v4_standard_error_with_field_violations() -> None:
    doc = {
        "meta": {"success": False, "status_code": 400, "request_id": "IAD-123ade456"},
        "error": {
            "code": 120200,
            "message": "This was bad",
            "details": [
                {
                    "message": {
                        "field_violations": [
                            {"field": "user_id", "description": "user_id must be a number"}
                        ]
                    }
                }
            ],
        },
    }
    err = v4_error(400, json.dumps(doc).encode())
    assert isinstance(err, errors.BadRequest)
    assert err.code == 120200
    assert err.request_id == "IAD-123ade456"
    assert err.details[0].field == "user_id"
    assert "user_id must be a number" in str(err)


def test_v4_listing_validation_error() -> None:
    doc = {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "Invalid data provided.",
            "details": [
                {
                    "code": "TIMES_NOT_ALLOWED",
                    "message": "Operation hours shouldn't be set.",
                    "field": "holidayHours.times",
                    "index": "0",
                }
            ],
        },
        "requestId": "api-flb-1",
    }
    err = v4_error(400, json.dumps(doc).encode())
    assert isinstance(err, errors.BadRequest)
    assert err.code == "VALIDATION_ERROR"
    assert err.request_id == "api-flb-1"
    d = err.details[0]
    assert (d.code, d.field, d.index) == ("TIMES_NOT_ALLOWED", "holidayHours.times", 0)
    assert "holidayHours.times[0]" in str(err)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("RESOURCE_NOT_FOUND", errors.NotFound),
        ("BAD_REQUEST", errors.BadRequest),
        ("UNAUTHORIZED", errors.AuthenticationError),
        ("FORBIDDEN_ERROR", errors.PermissionDenied),
        ("LIMIT_EXCEEDED_ERROR", errors.RateLimited),
        ("INTERNAL_SERVER_ERROR", errors.ServerError),
    ],
)
def test_v4_listing_codes(code: str, cls: type[errors.APIError]) -> None:
    err = v4_error(400, json.dumps({"error": {"code": code, "message": "m"}}).encode())
    assert isinstance(err, cls)


def test_v4_bare_errors() -> None:
    e401 = v4_error(401, b'{"code": 401, "message": "Unauthorized"}')
    assert isinstance(e401, errors.AuthenticationError)
    assert e401.code == 401
    e429 = v4_error(429, b'{"code": 429, "message": "rate limit exceeded"}')
    assert isinstance(e429, errors.RateLimited)
    assert isinstance(v4_error(553, b"<html>busy</html>"), errors.ServerError)


def test_v4_success_and_request_id_variants() -> None:
    assert v4_data(_resp(200, {"data": {"id": "x"}, "requested": "r1"})) == {"id": "x"}
    assert v4_error(200, b'{"data": [], "requestId": "r"}') is None
    with pytest.raises(errors.APIError):
        v4_data(Response(200, {}, b"not json"))


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ("authorization_pending", errors.AuthorizationPending),
        ("slow_down", errors.SlowDown),
        ("access_denied", errors.AccessDenied),
        ("expired_token", errors.DeviceCodeExpired),
        ("invalid_grant", errors.OAuthError),
    ],
)
def test_oauth_errors(error: str, cls: type[errors.OAuthError]) -> None:
    body = json.dumps({"error": error, "error_description": "d"}).encode()
    err = v4_error(400, body)
    assert type(err) is cls
    assert err.code == error


def test_retryable_statuses() -> None:
    for s in (429, 500, 502, 550, 553, 554):
        assert is_retryable_status(s)
    for s in (200, 400, 401, 403, 404):
        assert not is_retryable_status(s)


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


@given(st.integers(0, 40))
def test_backoff_full_jitter_is_capped(attempt: int) -> None:
    p = RetryPolicy(base=0.5, cap=8.0)
    assert 0 <= p.backoff(attempt) <= min(8.0, 0.5 * 2**attempt)


def test_redaction_of_params_values_and_bearer() -> None:
    text = (
        "GET https://api.semrush.com/analytics/v1/?type=x&key=abc123secret&target=a "
        "Authorization: Bearer tok.en-VALUE_1 refresh_token=rt-999999 client_secret=cs"
    )
    out = redact(text, ["tok.en-VALUE_1"])
    for secret in ("abc123secret", "tok.en-VALUE_1", "rt-999999", "=cs"):
        assert secret not in out
    assert "type=x" in out
    assert "target=a" in out
    r = Redactor(["short", "a-long-api-key-1"])
    assert r("x a-long-api-key-1 y") == "x *** y"
    assert "a-long" not in repr(r)


def test_errors_pickle_round_trip() -> None:
    import pickle

    e = errors.BadRequest(
        "m",
        status=400,
        code="VALIDATION_ERROR",
        details=[errors.ErrorDetail("C", "msg", "f", 1)],
        request_id="r",
    )
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is errors.BadRequest
    assert (e2.status, e2.code, e2.details, e2.request_id) == (
        400,
        "VALIDATION_ERROR",
        e.details,
        "r",
    )


def test_request_repr_never_shows_query_secrets() -> None:
    r = Request("GET", "https://x/analytics/v1/", (("key", "KKKKKKKK"), ("type", "b")))
    assert "KKKKKKKK" not in repr(r)


def test_decode_error_any_format_with_retry_after() -> None:
    from semrush_async._core.sansio import decode_error

    ok = Response(200, {}, b"ascore;total\r\n1;2\r\n")
    assert decode_error(ok, v4=False) is None
    busy = decode_error(Response(502, {"Retry-After": "3"}, b"<html>bad gateway</html>"), v4=False)
    assert isinstance(busy, errors.ServerError)
    assert busy.retry_after == 3.0
    # A 429 is RateLimited whatever the body says, and carries its Retry-After.
    limited = decode_error(
        Response(429, {"Retry-After": "2"}, b'{"error": {"code": "BAD_REQUEST", "message": "m"}}'),
        v4=True,
    )
    assert isinstance(limited, errors.RateLimited)
    assert (limited.retry_after, limited.code) == (2.0, "BAD_REQUEST")
    denied = decode_error(Response(403, {}, b"ERROR 132 :: API UNITS BALANCE IS ZERO"), v4=False)
    assert isinstance(denied, errors.UnitsExhausted)
    assert denied.retry_after is None


def test_a_success_body_with_an_errors_list_of_its_own_is_not_an_error() -> None:
    """Site Audit's snapshot lists the error issues it found (``errors: [{id, count}]``):
    only a list whose items carry a ``message`` is the balance endpoint's key refusal."""
    import json as _json

    from semrush_async._core.sansio import v4_error

    found = {"errors": [{"id": 3, "count": 2, "delta": 0, "checks": 10}], "snapshot_id": "a"}
    assert v4_error(200, _json.dumps(found).encode()) is None
    refused = {"errors": [{"field": "key", "message": "invalid api key"}]}
    assert v4_error(401, _json.dumps(refused).encode()) is not None


# --- a streamed CSV body (CsvBody) ---------------------------------------------------------


def _chunked(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(body)})
    return [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]


def _run(body_obj: CsvBody, chunks: list[bytes]) -> list[list[str]]:
    out: list[list[str]] = []
    for chunk in chunks:
        out += body_obj.feed(chunk)
    return out + body_obj.close()


_CELL = st.text(alphabet='ab;"\r\n é', max_size=6)


@given(
    st.lists(st.lists(_CELL, min_size=2, max_size=2), min_size=1, max_size=8),
    st.lists(st.integers(0, 200), max_size=12),
    # Blank lines before the data do not hide it (nor an ``ERROR``, below).
    st.sampled_from([b"", b"\r\n", b"\r\n\r\n"]),
)
def test_csv_body_any_chunking_gives_the_same_rows(
    table: list[list[str]], cuts: list[int], lead: bytes
) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(table)
    body = lead + buf.getvalue().encode()
    whole = CsvBody(200, {})
    expected = _run(whole, [body])
    parts = CsvBody(200, {})
    assert _run(parts, _chunked(body, cuts)) == expected
    assert parts.data
    assert not parts.empty
    assert parts.rows == max(0, len(expected) - 1)  # the header is not a data row


@given(
    st.sampled_from(
        [
            b"ERROR 132 :: API UNITS BALANCE IS ZERO",
            b"  \r\nERROR 120 :: WRONG KEY - ID PAIR\r\n",
            b"ERROR 50 :: NOTHING FOUND",
        ]
    ),
    st.lists(st.integers(0, 60), max_size=8),
)
def test_csv_body_finds_an_error_answer_in_any_chunking(body: bytes, cuts: list[int]) -> None:
    decoder = CsvBody(200, {})
    if b"NOTHING FOUND" in body:
        assert _run(decoder, _chunked(body, cuts)) == []
        assert decoder.empty
    else:
        with pytest.raises(errors.APIError) as info:
            _run(decoder, _chunked(body, cuts))
        assert info.value.code in (132, 120)
    assert not decoder.data  # an error answer is never charged as data


def test_csv_body_any_status_but_200_is_an_error_answer() -> None:
    decoder = CsvBody(502, {"Retry-After": "4"})
    assert decoder.feed(b"Domain;Rows\r\na;1\r\n") == []
    with pytest.raises(errors.ServerError) as info:
        decoder.close()
    assert info.value.retry_after == 4.0
    odd = CsvBody(204, {})
    with pytest.raises(errors.APIError, match="unexpected response"):
        odd.close()


def test_csv_body_stops_reading_a_long_error_answer() -> None:
    decoder = CsvBody(500, {})
    while not decoder.done:
        assert decoder.feed(b"x" * 10_000) == []
    with pytest.raises(errors.ServerError):
        decoder.close()


def test_csv_body_uses_the_decoder_it_is_given() -> None:
    seen: list[Response] = []

    def decode(response: Response) -> errors.APIError:
        seen.append(response)
        return errors.PermissionDenied("mapped", status=response.status)

    decoder = CsvBody(200, {}, decode)
    decoder.feed(b"ERROR 135 :: API REPORT TYPE DISABLED")
    with pytest.raises(errors.PermissionDenied, match="mapped"):
        decoder.close()
    assert seen[0].body == b"ERROR 135 :: API REPORT TYPE DISABLED"


def test_csv_body_later_attempt_drops_the_header_and_the_rows_the_caller_has() -> None:
    body = b"h1;h2\r\n" + b"".join(f"r{i};{i}\r\n".encode() for i in range(5))
    first = CsvBody(200, {})
    assert _run(first, [body])[0] == ["h1", "h2"]
    again = CsvBody(200, {}, skip=3)
    assert _run(again, _chunked(body, [9, 10, 20])) == [["r3", "3"], ["r4", "4"]]
    assert again.rows == 2
    resumed = CsvBody(200, {}, skip=0)
    assert _run(resumed, [body])[0] == ["r0", "0"]


def test_csv_body_a_short_body_is_decided_at_its_end() -> None:
    tiny = CsvBody(200, {})
    assert tiny.feed(b"a") == []
    assert [tiny.data] == [False]  # (a list: mypy would narrow the attribute for good)
    assert tiny.close() == [["a"]]
    assert tiny.data
    empty = CsvBody(200, {})
    assert empty.close() == []
    assert empty.data


# --- a call's own reading of an error (refine_error) ---------------------------------------


def test_refine_error_applies_the_code_table_and_keeps_the_rest() -> None:
    err = errors.BadRequest("taken", status=400, code="512", request_id="r1")
    err.retry_after = 2.0
    out = refine_error(err, codes={512: (errors.Conflict, "pick another name")})
    assert type(out) is errors.Conflict
    assert (out.status, out.code, out.request_id, out.retry_after) == (400, "512", "r1", 2.0)
    assert out.hint == "pick another name"
    limited = errors.RateLimited("slow down", status=429, code=512)
    assert refine_error(limited, codes={512: (errors.Conflict, "x")}) is limited


def test_refine_error_reads_a_bare_403_by_the_call() -> None:
    forbidden = errors.PermissionDenied("Forbidden", status=403)
    assert refine_error(forbidden, codes={}) is forbidden
    write = refine_error(forbidden, codes={}, method="PUT", v4_key=True)
    assert type(write) is errors.ReadOnlyKey
    assert refine_error(forbidden, codes={}, method="GET", v4_key=True) is forbidden
    priced = refine_error(forbidden, codes={}, priced_v4=True)
    assert type(priced) is errors.UnitsExhausted
