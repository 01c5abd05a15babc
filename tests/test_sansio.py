"""Pure request building and response decoding: no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from semrush_async import errors
from semrush_async._core.redact import Redactor, redact
from semrush_async._core.retry import RetryPolicy, parse_retry_after
from semrush_async._core.sansio import (
    Request,
    Response,
    analytics_error,
    analytics_request,
    is_retryable_status,
    parse_units_balance,
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
