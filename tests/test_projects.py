"""client.projects over real HTTP against the sandbox: v1 with the v4 key, the
deprecated OAuth v0 fallback, validation, error codes, retries, governance, CLI."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from semrush_async import Project, ProjectScope, SemrushClient, errors
from semrush_async._core.sansio import int_code
from semrush_async.apis.projects.endpoints import (
    CODES,
    FORBIDDEN_NAME_CHARS,
    V0,
    V1,
    decode_project,
    validate_domain,
    validate_name,
)
from semrush_async.cli import main
from semrush_async.cli.projects import COLUMNS
from semrush_async.testing import SemrushSandbox
from semrush_async.testing._projects import ProjectsServer, _domain_problem, _name_problem

from .conftest import FAST_LIMITS, FAST_RETRY

ENDPOINTS = (*(e.name for e in V1.values()), *(e.name for e in V0.values()))
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest_asyncio.fixture
async def sb() -> AsyncIterator[SemrushSandbox]:
    async with SemrushSandbox(
        limits=FAST_LIMITS,
        client_options={"safety_margin": 0.05, "retry_policy": FAST_RETRY},
    ) as sandbox:
        yield sandbox


def store(sandbox: SemrushSandbox) -> ProjectsServer:
    server: ProjectsServer = sandbox.state.extensions["projects"]
    return server


def sent(sandbox: SemrushSandbox) -> int:
    """Requests the sandbox accepted on any Projects endpoint."""
    return sum(sandbox.counters(name).accepted for name in ENDPOINTS)


def v0_client(sandbox: SemrushSandbox, **kw: Any) -> SemrushClient:
    """A client with only OAuth (the sandbox's static Bearer token), no v4 key."""
    return sandbox.client(v4_api_key="", **kw)


# --- paging ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "page_size", "count", "pages"),
    [
        ("ALL", 25, 130, 6),
        ("ALL", 65, 130, 2),  # total reached exactly: no empty third page
        ("ALL", 1000, 130, 1),
        ("OWN", 10, 91, 10),
        ("SHARED", 7, 26, 4),
        ("corporate", 1, 13, 13),
    ],
)
async def test_list_pages_through_every_project_once(
    sb: SemrushSandbox, scope: str, page_size: int, count: int, pages: int
) -> None:
    async with sb.client() as c:
        pager = c.projects.list(scope, page_size=page_size)
        items = await pager
    ids = [p.project_id for p in items]
    assert len(ids) == len(set(ids)) == count
    expected = [p.project_id for p in store(sb).in_scope(scope.upper())]
    assert ids == expected
    assert pager.pages == items.pages == pages
    assert sb.counters("projects.list").accepted == pages


async def test_list_streams(sb: SemrushSandbox) -> None:
    async with sb.client() as c:
        seen = [p async for p in c.projects.list(ProjectScope.ALL, page_size=40)]
    assert len({p.project_id for p in seen}) == 130
    assert all(isinstance(p, Project) for p in seen)


async def test_default_list_is_own_projects_in_one_request(sb: SemrushSandbox) -> None:
    async with sb.client() as c:
        items = await c.projects.list()
    assert len(items) == 91
    assert {p.owner_id for p in items} == {123_456_780}
    assert all(p.permissions.delete for p in items)


# --- the methods ------------------------------------------------------------------------


async def test_get_create_rename_delete_persist(sb: SemrushSandbox) -> None:
    first = next(iter(store(sb).projects.values()))
    async with sb.client() as c:
        got = await c.projects.get(first.project_id)
        assert got.name == first.name
        assert got.domain == first.domain
        assert got.domain_unicode == "harbor-café-0.example"
        assert got.domain.startswith("xn--")
        assert got.tools == tuple(first.tools)
        created = await c.projects.create("bücher.example", "Books & more"[:5] + " shop")
        assert created.project_id in store(sb).projects
        assert created.domain == "xn--bcher-kva.example"
        assert created.domain_unicode == "bücher.example"
        assert created.tools == ()
        renamed = await c.projects.rename(created.project_id, "Renamed (2026)")
        assert renamed.name == "Renamed (2026)"
        assert store(sb).projects[created.project_id].name == "Renamed (2026)"
        assert (await c.projects.get(created.project_id)).name == "Renamed (2026)"
        assert len(await c.projects.list("ALL")) == 131
        await c.projects.delete(created.project_id)
        assert created.project_id not in store(sb).projects
        with pytest.raises(errors.NotFound):
            await c.projects.get(created.project_id)


# --- the deprecated OAuth v0 ------------------------------------------------------------


async def test_without_a_v4_key_the_methods_use_v0_with_bearer(sb: SemrushSandbox) -> None:
    async with v0_client(sb) as c:
        assert c.projects.uses_v0
        everything = await c.projects.list("ALL", page_size=10)
        own = await c.projects.list()
        shared = await c.projects.list("SHARED")
        corporate = await c.projects.list("CORPORATE")
        one = await c.projects.get(everything[0].project_id)
        made = await c.projects.create("v0.example", "Made on v0")
        renamed = await c.projects.rename(made.project_id, "Renamed on v0")
        await c.projects.delete(made.project_id)
    assert len(everything) == 130
    assert everything.pages == 1  # v0 has no paging
    assert [len(own), len(shared), len(corporate)] == [91, 26, 13]
    assert {p.project_id for p in own} == {p.project_id for p in store(sb).in_scope("OWN")}
    assert one.domain == everything[0].domain  # v0's ``url``
    assert one.permissions.roles == ("OWNER",)
    assert one.permissions.delete
    assert one.permissions.edit
    assert "site_audit" in {t for p in everything for t in p.tools}
    assert made.domain == "v0.example"
    assert renamed.name == "Renamed on v0"
    assert made.project_id not in store(sb).projects
    assert sb.counters("projects_v0.list").accepted == 4
    assert sum(sb.counters(e.name).accepted for e in V1.values()) == 0


async def test_v0_and_v1_decode_to_the_same_project(sb: SemrushSandbox) -> None:
    pid = next(iter(store(sb).projects))
    async with sb.client() as c1, v0_client(sb) as c0:
        p1, p0 = await c1.projects.get(pid), await c0.projects.get(pid)
    same = ("project_id", "name", "domain", "domain_unicode", "owner_id", "tools")
    assert [getattr(p1, f) for f in same] == [getattr(p0, f) for f in same]
    assert (p1.permissions.read, p1.permissions.edit, p1.permissions.delete) == (
        p0.permissions.read,
        p0.permissions.edit,
        p0.permissions.delete,
    )


async def test_the_v4_key_wins_when_both_credentials_exist(sb: SemrushSandbox) -> None:
    async with sb.client() as c:  # v4 key and a Bearer token
        assert c.has_v4_key
        assert not c.projects.uses_v0
        await c.projects.get(next(iter(store(sb).projects)))
    assert sb.counters("projects.get").accepted == 1
    assert sb.counters("projects_v0.get").accepted == 0


async def test_no_credential_at_all_sends_nothing(sb: SemrushSandbox) -> None:
    async with sb.client(v4_api_key="", token=None) as c:
        with pytest.raises(errors.LoginRequired, match="v4 API key"):
            await c.projects.get(1)
        with pytest.raises(errors.LoginRequired, match="SEMRUSH_V4_API_KEY"):
            await c.projects.list()
    assert sent(sb) == 0


async def test_v0_unknown_project_is_code_512(sb: SemrushSandbox) -> None:
    async with v0_client(sb) as c:
        with pytest.raises(errors.NotFound) as e:
            await c.projects.delete(12345)
    assert e.value.code == 512
    assert REQUEST_ID.match(e.value.request_id or "")


# --- validation: nothing sent ------------------------------------------------------------

Call = Callable[[SemrushClient], Awaitable[Any]]

BAD_INPUT: list[tuple[str, Call, str]] = [
    ("scope", lambda c: c.projects.list("MINE"), "OWN, ALL, SHARED, CORPORATE"),
    ("scope type", lambda c: c.projects.list(3), "OWN, ALL, SHARED, CORPORATE"),  # type: ignore[arg-type]
    ("page 0", lambda c: c.projects.list(page_size=0), "from 1 to 1000"),
    ("page 1001", lambda c: c.projects.list(page_size=1001), "from 1 to 1000"),
    ("page bool", lambda c: c.projects.list(page_size=True), "from 1 to 1000"),
    ("id 0", lambda c: c.projects.get(0), "positive integer"),
    ("id -1", lambda c: c.projects.delete(-1), "positive integer"),
    ("id str", lambda c: c.projects.get("12"), "positive integer"),  # type: ignore[arg-type]
    ("id huge", lambda c: c.projects.rename(2**64, "x"), "positive integer"),
    ("empty domain", lambda c: c.projects.create("", "x"), "bare domain"),
    ("blank domain", lambda c: c.projects.create("  ", "x"), "bare domain"),
    ("scheme", lambda c: c.projects.create("https://example.com", "x"), "'example.com'"),
    ("path", lambda c: c.projects.create("example.com/blog", "x"), "bare domain"),
    ("query", lambda c: c.projects.create("example.com?a=1", "x"), "bare domain"),
    ("space", lambda c: c.projects.create("exa mple.com", "x"), "bare domain"),
    ("empty name", lambda c: c.projects.create("example.com", ""), "non-empty"),
    ("name !", lambda c: c.projects.create("example.com", "Hi!"), "~ ` ! # %"),
    ("name {}", lambda c: c.projects.rename(1, "a{b}"), "{ }"),
    ("name /", lambda c: c.projects.rename(1, "a/b"), "\\ /"),
    ("name control", lambda c: c.projects.create("example.com", "a\tb"), "control"),
]


@pytest.mark.parametrize(("what", "call", "names"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
@pytest.mark.parametrize("variant", ["v1", "v0"])
async def test_bad_input_is_refused_before_sending(
    sb: SemrushSandbox, what: str, call: Call, names: str, variant: str
) -> None:
    client = sb.client() if variant == "v1" else v0_client(sb)
    async with client as c:
        with pytest.raises(errors.ValidationError) as e:
            await call(c)
    assert names in str(e.value)
    assert "nothing was sent" in str(e.value)
    assert sent(sb) == 0
    assert sb.counters("account").accepted == 0


# --- secrets --------------------------------------------------------------------------------


async def test_the_key_is_never_in_a_url_or_a_log(
    sb: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    sb.inject("projects.get", "550")
    async with sb.client() as c:
        await c.projects.list("ALL", page_size=50)
        pid = (await c.projects.create("secret.example", "Secret")).project_id
        await c.projects.get(pid)
        await c.projects.rename(pid, "Still secret")
        await c.projects.delete(pid)
        with pytest.raises(errors.NotFound) as e:
            await c.projects.get(pid)
        text = repr(c) + str(e.value) + repr(e.value)
    assert sb.state.v4_key_in_url == 0
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) >= 8  # every attempt was logged, the retried 550 too
    assert any("/apis/v4/projects/v1/projects" in m for m in logged)
    assert not any(sb.v4_api_key in m for m in logged)
    assert sb.v4_api_key not in text


async def test_the_bearer_token_is_never_in_a_log_on_v0(
    sb: SemrushSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="semrush_async")
    token = sb.state.extensions["oauth"].issue_static_token()
    async with v0_client(sb, token=token) as c:
        await c.projects.list("ALL")
        with pytest.raises(errors.NotFound) as e:
            await c.projects.get(3)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "/apis/v4/projects/v0" in logged
    assert token not in logged
    assert token not in str(e.value)


async def test_read_only_key_reads_but_writes_raise_read_only_key(sb: SemrushSandbox) -> None:
    pid = next(iter(store(sb).projects))
    before = dict(store(sb).projects)
    async with sb.client(v4_api_key=sb.read_only_v4_key) as c:
        assert len(await c.projects.list("ALL")) == 130
        assert (await c.projects.get(pid)).project_id == pid
        for write in (
            c.projects.create("ro.example", "Read only"),
            c.projects.rename(pid, "Nope"),
            c.projects.delete(pid),
        ):
            with pytest.raises(errors.ReadOnlyKey) as e:
                await write
            assert e.value.status == 403
            assert "read-only" in str(e.value)
            assert sb.read_only_v4_key not in str(e.value)
    assert store(sb).projects == before
    for name in ("projects.create", "projects.rename", "projects.delete"):
        assert sb.counters(name).accepted == 0  # refused at the credential check


# --- error codes -----------------------------------------------------------------------------


async def test_unknown_project_is_not_found_code_512_with_request_id(sb: SemrushSandbox) -> None:
    async with sb.client() as c:
        for call in (c.projects.get(1), c.projects.rename(1, "x"), c.projects.delete(1)):
            with pytest.raises(errors.NotFound) as e:
                await call
            assert e.value.code == 512
            assert e.value.status == 404
            assert REQUEST_ID.match(e.value.request_id or "")
            assert "project_id 1" in str(e.value)
            assert "client.projects.list" in str(e.value)
    assert sb.counters("projects.delete").accepted == 1  # a first-attempt 404 is not retried


async def test_projects_limit_is_limit_exceeded_code_521(sb: SemrushSandbox) -> None:
    store(sb).limit = store(sb).owned
    async with sb.client() as c, v0_client(sb) as c0:
        for client in (c, c0):
            with pytest.raises(errors.LimitExceeded) as e:
                await client.projects.create("one-more.example", "One more")
            assert not isinstance(e.value, errors.RateLimited)
            assert e.value.code == 521
            assert REQUEST_ID.match(e.value.request_id or "")
            assert "delete a project" in str(e.value)
    assert len(store(sb).projects) == 130


def test_code_table_covers_the_documented_codes() -> None:
    assert CODES[512][0] is errors.NotFound
    assert CODES[521][0] is errors.LimitExceeded
    assert CODES[132][0] is errors.UnitsExhausted
    assert CODES[130][0] is errors.PermissionDenied
    auth = {k for k, v in CODES.items() if v[0] is errors.AuthenticationError}
    assert {70, 120, 121, 122} <= auth
    assert all(e.codes is CODES for e in (*V1.values(), *V0.values()))
    assert all(e.governor == "account" for e in (*V1.values(), *V0.values()))


# --- retries ---------------------------------------------------------------------------------


async def test_a_5xx_on_get_is_retried(sb: SemrushSandbox) -> None:
    sb.inject("projects.get", "550", times=2)
    sb.inject("projects.list", "553")
    pid = next(iter(store(sb).projects))
    async with sb.client() as c:
        assert (await c.projects.get(pid)).project_id == pid
        assert len(await c.projects.list("ALL", page_size=100)) == 130
    assert sb.counters("projects.get").accepted == 3
    assert sb.counters("projects.list").accepted == 3  # 553, then two pages


@pytest.mark.parametrize("fault", ["550", "drop"])
async def test_create_is_not_repeated_after_a_5xx_or_a_drop(sb: SemrushSandbox, fault: Any) -> None:
    sb.inject("projects.create", fault)
    async with sb.client() as c:
        with pytest.raises((errors.ServerError, errors.TransportError)):
            await c.projects.create("maybe.example", "Maybe")
    assert sb.counters("projects.create").accepted == 1
    made = [p for p in store(sb).projects.values() if p.domain == "maybe.example"]
    # A 550 came before the create ran; a drop cut the answer after it ran: either
    # way exactly what the one request did, never a duplicate.
    assert len(made) == (1 if fault == "drop" else 0)


async def test_create_is_retried_after_a_429(sb: SemrushSandbox) -> None:
    sb.inject("projects.create", "429", seconds=0.01)
    async with sb.client() as c:
        await c.projects.create("later.example", "Later")
    assert sb.counters("projects.create").accepted == 2
    assert [p.domain for p in store(sb).projects.values()].count("later.example") == 1


async def test_rename_is_retried_after_a_drop(sb: SemrushSandbox) -> None:
    pid = next(iter(store(sb).projects))
    sb.inject("projects.rename", "drop")
    async with sb.client() as c:
        assert (await c.projects.rename(pid, "Twice is fine")).name == "Twice is fine"
    assert sb.counters("projects.rename").accepted == 2


@pytest.mark.parametrize("variant", ["v1", "v0"])
async def test_delete_whose_answer_was_lost_succeeds_on_the_retry(
    sb: SemrushSandbox, variant: str
) -> None:
    pid = next(iter(store(sb).projects))
    name = "projects.delete" if variant == "v1" else "projects_v0.delete"
    sb.inject(name, "drop")  # the first DELETE runs; its answer is cut off
    async with sb.client() if variant == "v1" else v0_client(sb) as c:
        await c.projects.delete(pid)
    assert pid not in store(sb).projects
    assert sb.counters(name).accepted == 2  # the retry got 404/512, reported as done


async def test_delete_after_a_refused_attempt_still_reports_a_missing_project(
    sb: SemrushSandbox,
) -> None:
    # A 429 means nothing happened: a 404 after it is a real "no such project".
    sb.inject("projects.delete", "429", seconds=0.01)
    async with sb.client() as c:
        with pytest.raises(errors.NotFound):
            await c.projects.delete(1)
    assert sb.counters("projects.delete").accepted == 2


# --- governance ------------------------------------------------------------------------------


async def test_sixty_concurrent_calls_get_no_429(sb: SemrushSandbox) -> None:
    ids = list(store(sb).projects)
    async with sb.client() as c:
        calls: list[Awaitable[Any]] = [c.projects.get(pid) for pid in ids[:40]]
        calls += [c.projects.list("ALL", page_size=500) for _ in range(10)]
        calls += [c.projects.rename(pid, f"Concurrent {i}") for i, pid in enumerate(ids[40:50])]
        results = await asyncio.gather(*calls)
    assert len(results) == 60
    account = sb.counters("account")
    assert account.accepted == 60
    assert account.rejected == 0
    assert account.max_in_flight <= 10
    assert account.max_in_window(0.25) <= 10


# --- the sandbox's own rules (the oracle) -------------------------------------------------------


async def test_sandbox_is_strict(sb: SemrushSandbox) -> None:
    v1 = sb.url + "/apis/v4/projects/v1/projects"
    v0 = sb.url + "/apis/v4/projects/v0"
    key = {"Authorization": f"Apikey {sb.v4_api_key}"}
    token = sb.state.extensions["oauth"].issue_static_token()
    bearer = {"Authorization": f"Bearer {token}"}

    async def status(method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
        await asyncio.sleep(0.03)  # stay under the account's 10 per (shrunk) 0.25 s
        async with aiohttp.ClientSession() as s, s.request(method, url, headers=headers, **kw) as r:
            doc = json.loads(await r.read())
            return r.status, doc

    cases: list[tuple[str, str, dict[str, str], dict[str, Any], int]] = [
        ("GET", v1, bearer, {}, 401),
        ("GET", v0, key, {}, 401),
        ("GET", v1, {}, {}, 401),
        ("GET", v1, key, {"params": {"scope": "own"}}, 400),
        ("GET", v1, key, {"params": {"limit": "1001"}}, 400),
        ("GET", v1, key, {"params": {"limit": "0"}}, 400),
        ("GET", v1, key, {"params": {"offset": "-1"}}, 400),
        ("GET", v1, key, {"params": {"page": "2"}}, 400),
        ("GET", v1 + "/abc", key, {}, 400),
        ("POST", v1, key, {"json": {"domain": "a.example"}}, 400),
        ("POST", v1, key, {"json": {"domain": "http://a.example", "project_name": "A"}}, 400),
        ("POST", v1, key, {"json": {"domain": "a.example", "project_name": "A?"}}, 400),
        ("POST", v1, key, {"json": {"domain": "a.example", "project_name": "A", "x": 1}}, 400),
        ("POST", v1, {"Authorization": f"Apikey {sb.read_only_v4_key}"}, {"json": {}}, 403),
        ("PATCH", v1 + "/1", key, {"json": {"project_name": "A"}}, 404),
        ("GET", v0, bearer, {"params": {"scope": "ALL"}}, 400),
        ("POST", v0, bearer, {"json": {"project_name": "No url"}}, 400),
    ]
    for method, url, headers, kw, expected in cases:
        got, doc = await status(method, url, headers, **kw)
        assert got == expected, (method, url, kw)
        assert doc["meta"]["success"] is False
        assert doc["meta"]["status_code"] == expected
    got, doc = await status("GET", v1, key, params={"scope": "SHARED", "limit": "5"})
    assert got == 200
    assert doc["meta"] | {"request_id": ""} == {
        "success": True,
        "status_code": 200,
        "request_id": "",
        "scope": "SHARED",
        "limit": 5,
        "offset": 0,
        "total_count": 26,
    }
    got, doc = await status("POST", v1, key, json={"domain": "b.example", "project_name": "B"})
    assert got == 201
    assert doc["data"]["tools"] == []
    assert len(store(sb).projects) == 131


# --- the client's rules never let through what the sandbox refuses --------------------------

_NAMES = st.text(alphabet=st.sampled_from([*FORBIDDEN_NAME_CHARS, "a", "é", " ", "\t", "-"]))
_DOMAINS = st.lists(st.sampled_from([*"ab.-:/?#@", "://", "é", " ", "\n", "\u2003"])).map("".join)


def _accepts(validate: Callable[[object], object], value: str) -> bool:
    try:
        validate(value)
    except errors.ValidationError:
        return False
    return True


@given(_NAMES)
def test_client_name_rule_is_at_least_as_strict_as_the_sandbox(name: str) -> None:
    if _accepts(validate_name, name):
        assert _name_problem(name) is None


@given(_DOMAINS)
def test_client_domain_rule_is_at_least_as_strict_as_the_sandbox(domain: str) -> None:
    if _accepts(validate_domain, domain):
        assert _domain_problem(domain) is None


def test_error_codes_may_arrive_as_strings() -> None:
    assert int_code("512") == 512
    assert int_code(521) == 521
    assert int_code("LIMIT_EXCEEDED_ERROR") is None
    assert int_code(None) is None


# --- decoding ----------------------------------------------------------------------------------


def test_decoding_ignores_unknown_fields_and_accepts_legacy_names() -> None:
    p = decode_project(
        {
            "project_id": "643526670283248",
            "project_name": "Website",
            "url": "example.test",
            "tools": [{"tool": "tracking"}, {"name": "site_audit", "extra": 1}, "brand"],
            "permission": ["READ", "SOMETHING_NEW"],
            "created_at": "2026-07-02T00:00:00Z",
            "new_object": {"nested": True},
        }
    )
    assert p.project_id == 643526670283248
    assert p.domain == "example.test"
    assert p.domain_unicode is None
    assert p.owner_id is None
    assert p.tools == ("tracking", "site_audit", "brand")
    assert p.permissions.read
    assert not p.permissions.edit
    assert [r.known for r in p.permissions.roles] == [True, False]


def test_an_undecodable_project_is_an_api_error() -> None:
    with pytest.raises(errors.APIError, match="cannot decode"):
        decode_project({"project_name": "no id", "domain": "x.example"})


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_list_csv_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sandbox", "projects", "list", "--scope", "ALL", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "project_id,name,domain,domain_unicode,owner_id,tools"
    assert len(lines) == 131
    assert main(["--sandbox", "projects", "list", "--page-size", "20", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 91
    assert rows[0]["permissions"]["delete"] is True
    assert main(["--sandbox", "projects", "list", "--scope", "corporate"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert tuple(table[0].split()) == COLUMNS
    assert len(table) == 14


def test_cli_get_create_rename_delete(capsys: pytest.CaptureFixture[str]) -> None:
    pid = str(next(iter(ProjectsServer(0).projects)))
    assert main(["--sandbox", "projects", "get", pid, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["project_id"] == int(pid)
    args = ["--sandbox", "projects", "create", "cli.example", "From CLI", "--format", "csv"]
    assert main(args) == 0
    assert capsys.readouterr().out.splitlines()[1].split(",")[2] == "cli.example"
    assert main(["--sandbox", "projects", "rename", pid, "New name"]) == 0
    assert "New name" in capsys.readouterr().out
    assert main(["--sandbox", "projects", "delete", pid, "--yes"]) == 0
    assert capsys.readouterr().out.strip() == f"deleted project {pid}"


def test_cli_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sandbox", "projects", "create", "https://x.example", "X"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: domain")
    assert err.count("\n") == 1
    assert main(["--sandbox", "projects", "get", "7"]) == 1
    err = capsys.readouterr().err
    assert "code 512" in err
    assert "request id" in err
    assert main(["--sandbox", "projects", "list", "--page-size", "5000"]) == 2
    assert "1 to 1000" in capsys.readouterr().err


# --- units ------------------------------------------------------------------------------------


async def test_projects_calls_are_not_metered_client_side(sb: SemrushSandbox) -> None:
    async with sb.client(unit_budget=0) as c:
        assert len(await c.projects.list("ALL")) == 130
        await c.projects.create("free.example", "Free")
        assert c.units.spent == 0
    assert sb.units_spent() == 0
    assert sb.balance() == 1_000_000_000


async def test_a_zero_unit_balance_is_units_exhausted_code_132(sb: SemrushSandbox) -> None:
    sb.set_balance(0)
    async with sb.client() as c:
        for call in (c.projects.list(), c.projects.create("no-units.example", "No units")):
            with pytest.raises(errors.UnitsExhausted) as e:
                await call
            assert e.value.code == 132
            assert REQUEST_ID.match(e.value.request_id or "")
            assert "buy more units" in str(e.value)
    assert len(store(sb).projects) == 130
