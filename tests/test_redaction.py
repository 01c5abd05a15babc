"""Secrets echoed by the server never reach any form of an error (issue 21 C1, L3).

The sandbox's ``echo`` fault answers with an error body, in the endpoint's own format,
that quotes every credential the request carried (query key, ``Authorization`` value,
OAuth form fields), and its ``garbage`` fault makes aiohttp fail with the whole URL in
its message. For every error path provoked that way, the v3 key, the v4 key, the
access and refresh tokens, the client secret and the device code appear nowhere: not
in ``str``, ``repr``, ``args``, any attribute, ``details``, the pickle, the formatted
traceback (with its causes and contexts) or the log captured at DEBUG.
"""

from __future__ import annotations

import json
import logging
import pickle
import string
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semrush_async import (
    APIError,
    AuthenticationError,
    BadRequest,
    LoginRequired,
    OAuthError,
    PermissionDenied,
    RateLimited,
    ReadOnlyKey,
    RetryPolicy,
    SemrushClient,
    SemrushError,
    ServerError,
    TransportError,
    UnitsExhausted,
)
from semrush_async._core.oauth import OAuthConfig, TokenSet
from semrush_async._core.redact import Redactor
from semrush_async._core.sansio import Response, decode_error
from semrush_async.testing import CLIENT_ID, CLIENT_SECRET, OAuthServer, SemrushSandbox

#: A v3 key with characters a URL encodes (``+``, ``/``, ``=``): the server decodes
#: and echoes it raw, while the client sent it encoded.
V3_KEY = "v3+Secret/Key=0123456789abcdef"
WRONG_KEY = "wrong+Key/0000000000000000"
QUICK = RetryPolicy(max_retries=2, base=0.001, cap=0.01, max_retry_after=5.0)
#: Attempts a retried fault needs to outlast QUICK.
ALL = QUICK.max_retries + 1


def oauth(sb: SemrushSandbox) -> OAuthServer:
    server: OAuthServer = sb.state.extensions["oauth"]
    return server


def chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception reachable through causes and contexts."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (e.__cause__, e.__context__) if x is not None]


def every_form(exc: BaseException) -> list[bytes]:
    """Every form of ``exc`` (and its chain) a secret could hide in."""
    out = ["".join(traceback.format_exception(exc)).encode()]
    for e in chain(exc):
        out += [str(e).encode(), repr(e).encode(), repr(e.args).encode()]
        out += [repr(vars(e)).encode(), pickle.dumps(e)]
        if isinstance(e, SemrushError):
            for d in e.details:
                out += [str(d).encode(), repr(d).encode(), repr(attrs.asdict(d)).encode()]
    return out


def assert_clean(exc: BaseException, secrets: list[str], log: str) -> None:
    forms = [*every_form(exc), log.encode()]
    for secret in secrets:
        for variant in {secret, quote(secret, safe=""), quote_plus(secret)}:
            for form in forms:
                assert variant.encode() not in form, (variant, form[:2000])


@attrs.frozen
class Case:
    """One error path: what to inject, the call that meets it, the error it raises."""

    name: str
    endpoint: str
    call: Callable[[SemrushClient, SemrushSandbox], Awaitable[Any]]
    raises: type[BaseException]
    kind: str = "echo"
    status: int | None = None
    times: int = 1
    #: Sandbox options for this case.
    options: dict[str, Any] = attrs.field(factory=dict)


async def v3_report(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return await c.backlinks.overview("small.example")


async def v3_list(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return [r async for r in c.backlinks.backlinks("small.example", limit=5)]


async def balance(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return await c.units.balance()


async def v4_overview(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return await c.backlinks_v4.overview("small.example", "root_domain")


async def listing(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return await c.listings.get_location(str(next(iter(sb.state.extensions["locations"]))))


async def map_rank(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return await c.map_rank.limits()


async def project_create(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return await c.projects.create("secret.example", "Secret")


async def local_location(c: SemrushClient, sb: SemrushSandbox) -> Any:
    return await c.local.get_location("0" * 32)


async def device_login(c: SemrushClient, sb: SemrushSandbox) -> Any:
    """The poll after the device code (the echo quotes the device code)."""

    def prompt(p: Any) -> None:
        sb.inject("oauth", "echo")

    async def no_wait(seconds: float) -> None:
        return None

    c.auth.sleep = no_wait
    return await c.auth.device_login(on_prompt=prompt)


async def refresh(c: SemrushClient, sb: SemrushSandbox) -> Any:
    """A confidential client's refresh (the echo quotes refresh token and secret)."""
    doc = oauth(sb).issue_token_set()
    tokens = TokenSet.from_response(
        doc, grant="authorization_code", now=time.time(), refresh_lifetime=86400.0
    )
    await c.auth.provider.set(attrs.evolve(tokens, expires_at=time.time()))
    return await listing(c, sb)


CASES = [
    Case("v3 CSV error, streamed", "account", v3_report, AuthenticationError),
    Case("v3 CSV error on a list report", "account", v3_list, AuthenticationError),
    Case("v3 5xx text after retries", "account", v3_report, ServerError, status=502, times=ALL),
    Case("v3 429 after retries", "account", v3_report, RateLimited, status=429, times=ALL),
    Case("balance JSON errors (200)", "units", balance, AuthenticationError),
    Case("balance JSON errors (401)", "units", balance, AuthenticationError, status=401),
    Case("v4 envelope with details (401)", "backlinks_v4.overview", v4_overview,
         AuthenticationError),
    Case("v4 envelope with details (400)", "backlinks_v4.overview", v4_overview, BadRequest,
         status=400),
    Case("v4 priced report 403 recoded", "backlinks_v4.overview", v4_overview, UnitsExhausted,
         status=403),
    Case("v4 5xx after retries", "backlinks_v4.overview", v4_overview, ServerError,
         status=503, times=ALL),
    Case("v4 write 403 recoded (read-only key)", "projects.create", project_create,
         ReadOnlyKey, status=403),
    Case("Local API 400 with details", "local.get_location", local_location, BadRequest,
         status=400),
    Case("Listing Management 400 with details and request id", "listings.get_location",
         listing, BadRequest, status=400),
    Case("Bearer 401, then a static token cannot refresh", "listings.get_location", listing,
         LoginRequired, status=401),
    Case("Map Rank Tracker 403", "map_rank.limits", map_rank, PermissionDenied, status=403),
    Case("OAuth device poll", "oauth", device_login, OAuthError, times=0),
    Case("OAuth refresh with client secret", "oauth", refresh, LoginRequired),
    Case("transport: not HTTP, URL with the key", "account", v3_report, TransportError,
         kind="garbage", times=ALL),
    Case("transport: not HTTP on v4", "backlinks_v4.overview", v4_overview, TransportError,
         kind="garbage", times=ALL),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_no_echoed_secret_in_any_form_of_the_error(
    case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with SemrushSandbox(keys={V3_KEY: 10**9}, **case.options) as sb:
        token = oauth(sb).issue_static_token()
        static = case.call not in (refresh, device_login)
        config = OAuthConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        async with sb.client(
            retry_policy=QUICK, token=token if static else None, oauth=config
        ) as c:
            if case.times:
                sb.inject(case.endpoint, case.kind, times=case.times, status=case.status)  # type: ignore[arg-type]
            with pytest.raises(case.raises) as info:
                await case.call(c, sb)
            provider_tokens = await c.auth.provider.current()
        # The fault was served (the body did carry the secrets), and nothing else.
        kinds = [k for e, k in sb.faults_injected if e == case.endpoint]
        assert kinds == [case.kind] * max(case.times, 1), sb.faults_injected
        secrets = [V3_KEY, sb.v4_api_key, token, CLIENT_SECRET]
        if provider_tokens is not None:
            secrets += [provider_tokens.access_token, provider_tokens.refresh_token or ""]
        secrets += list(oauth(sb).devices)
        assert_clean(info.value, [s for s in secrets if s], caplog.text)
        if case.kind == "echo":
            # Something was masked: the echo reached the error, then was redacted.
            assert any(b"***" in f for f in every_form(info.value)), str(info.value)


async def test_balance_answering_a_wrong_key_in_json_is_an_authentication_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The live balance endpoint answers an unknown key with
    ``{"errors":[{"field":"key","message":"invalid api key: <key>"}]}``: a clear
    AuthenticationError (not "unexpected unit balance body"), the key masked."""
    caplog.set_level(logging.DEBUG)
    async with (
        SemrushSandbox(balance_errors="json") as sb,
        sb.client(api_key=WRONG_KEY) as c,
    ):
        with pytest.raises(AuthenticationError) as info:
            await c.units.balance()
    e = info.value
    assert e.message == "the API key was rejected"
    assert [(d.field, d.message) for d in e.details] == [("key", "invalid api key: ***")]
    assert "SEMRUSH_API_KEY" in str(e)
    assert sb.counters("units").accepted == 0  # refused before admission
    assert_clean(e, [WRONG_KEY], caplog.text)


async def test_args_hold_the_redacted_message() -> None:
    """``exc.args[0]`` is what ``str`` and ``.message`` show (it used to keep the
    server's text with the key in it)."""
    async with SemrushSandbox(keys={V3_KEY: 10**9}) as sb, sb.client(retry_policy=QUICK) as c:
        sb.inject("account", "echo")
        with pytest.raises(APIError) as info:
            await v3_report(c, sb)
    e = info.value
    assert e.args == (e.message,)
    assert e.message == "WRONG KEY - ID PAIR ***"
    restored = pickle.loads(pickle.dumps(e))
    assert (type(restored), restored.args, restored.message) == (type(e), e.args, e.message)


# --- the decoder alone: any secret, any documented format, any status -------------------

_SECRET = st.text(alphabet=string.ascii_letters + string.digits + "+/=._-~", min_size=6).map(
    lambda s: "S3cr3t" + s  # a prefix no hint or format text contains
)


def _bodies(secret: str) -> list[tuple[bytes, bool]]:
    """(body, v4 dialect) in every format the decoders read, each quoting ``secret``."""
    s = secret
    details = [
        {"field": s, "message": s, "code": s},
        {"message": {"field_violations": [{"field": "k", "description": s}]}},
        s,
    ]
    docs: list[tuple[object, bool]] = [
        ({"errors": [{"field": "key", "message": f"invalid api key: {s}"}]}, False),
        ({"errors": [{"field": "key", "message": s}]}, True),
        (
            {
                "meta": {"success": False, "status_code": 400, "request_id": s},
                "error": {"code": s, "message": s, "details": details},
            },
            True,
        ),
        ({"error": {"code": "X", "message": s, "details": details}, "requestId": s}, True),
        ({"code": 401, "message": s}, True),
        ({"error": "invalid_request", "error_description": s}, True),
    ]
    texts = [
        (f"ERROR 120 :: WRONG KEY {s}", False),
        (f"<html>bad key {s}</html>", False),
        (f"not json {s}", True),
    ]
    return [(json.dumps(d).encode(), v4) for d, v4 in docs] + [(t.encode(), v4) for t, v4 in texts]


@settings(max_examples=60)
@given(secret=_SECRET, status=st.sampled_from([200, 400, 401, 403, 404, 429, 500, 503]))
def test_decoded_errors_never_hold_the_secret(secret: str, status: int) -> None:
    scrub = Redactor([secret])
    for body, v4 in _bodies(secret):
        err = decode_error(Response(status, {}, body), v4=v4, scrub=scrub)
        if err is None:
            continue  # a success (a 200 the format allows)
        for form in every_form(err):
            assert secret.encode() not in form, (body, form)
