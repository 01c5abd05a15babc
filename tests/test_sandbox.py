"""Self-tests of the sandbox over real HTTP with a plain aiohttp client."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from semrush_async import Limit, Strategy
from semrush_async.testing import (
    CLIENT_ID,
    CLIENT_SECRET,
    FaultKind,
    SemrushSandbox,
    report_size,
    row,
)

pytestmark = pytest.mark.sandbox(limits={"account": Limit(10, 0.5, concurrency=10)})


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def analytics(
    http: aiohttp.ClientSession, sb: SemrushSandbox, **params: Any
) -> tuple[int, str]:
    q = {"key": sb.api_key, **{k: str(v) for k, v in params.items()}}
    async with http.get(sb.url + "/analytics/v1/", params=q) as r:
        return r.status, await r.text()


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


BL = {
    "type": "backlinks",
    "target": "medium.example",
    "target_type": "root_domain",
    "export_columns": "source_url,anchor",
}


async def test_rate_window_rejects_exactly_the_extra_start(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    results = await asyncio.gather(
        *(analytics(http, sandbox, **BL, display_limit=1) for _ in range(11))
    )
    statuses = [s for s, _ in results]
    assert statuses.count(429) == 1
    assert statuses.count(200) == 10
    c = sandbox.counters("account")
    assert (c.accepted, c.rejected) == (10, 1)
    assert c.max_in_window(0.5) == 10
    await asyncio.sleep(0.55)
    assert (await analytics(http, sandbox, **BL, display_limit=1))[0] == 200


@pytest.mark.sandbox(limits={"account": Limit(100, 1.0, concurrency=2)}, latency=0.2)
async def test_concurrency_cap(sandbox: SemrushSandbox, http: aiohttp.ClientSession) -> None:
    statuses = [
        s
        for s, _ in await asyncio.gather(
            *(analytics(http, sandbox, **BL, display_limit=1) for _ in range(3))
        )
    ]
    assert sorted(statuses) == [200, 200, 429]
    assert sandbox.counters("account").max_in_flight == 2


async def test_paging_quirk_and_defaults(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    n = report_size("backlinks", 0, "medium.example")
    want = [row("backlinks", 0, "medium.example", i, n)["source_url"] for i in range(n)]
    status, text = await analytics(http, sandbox, **BL, display_offset=10, display_limit=15)
    rows = parse(text)
    assert status == 200
    assert rows[0] == ["source_url", "anchor"]
    assert [r[0] for r in rows[1:]] == want[10:15]  # rows [offset, limit)
    assert text.endswith("\r\n")
    _, text = await analytics(http, sandbox, **BL)
    assert len(parse(text)) - 1 == min(n, 10_000)
    _, text0 = await analytics(http, sandbox, **BL, display_limit=0)
    assert text0 == text
    status, text = await analytics(http, sandbox, **BL, display_offset=20, display_limit=20)
    assert text == "ERROR 605 :: DISPLAY_OFFSET MUST BE LESS THAN DISPLAY_LIMIT"
    assert status == 400
    status, text = await analytics(http, sandbox, **BL, display_offset=n, display_limit=n + 5)
    assert (status, text) == (200, "ERROR 50 :: NOTHING FOUND")


async def test_errors_not_always_http_200(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(sandbox.url + "/analytics/v1/", params={"type": "backlinks"}) as r:
        assert (r.status, await r.text()) == (403, "ERROR 122 :: WRONG FORMAT OR EMPTY KEY")
    async with http.get(sandbox.url + "/analytics/v1/", params={"key": "nope"}) as r:
        assert (r.status, await r.text()) == (403, "ERROR 120 :: WRONG KEY - ID PAIR")
    assert (await analytics(http, sandbox))[1].startswith("ERROR 41 :: MANDATORY")
    assert (await analytics(http, sandbox, **{**BL, "export_columns": "nope"}))[1].startswith(
        "ERROR 10002"
    )
    assert (await analytics(http, sandbox, **BL, display_sort="zzz"))[1].startswith("ERROR 10003")
    assert (await analytics(http, sandbox, **{**BL, "target_type": "x"}))[1].startswith(
        "ERROR 10005"
    )
    hist = {**BL, "type": "backlinks_historical", "export_columns": "date", "target_type": "domain"}
    assert (await analytics(http, sandbox, **hist))[1].startswith("ERROR 10005")
    assert (await analytics(http, sandbox, **{**BL, "target": "empty.example"}))[1] == (
        "ERROR 50 :: NOTHING FOUND"
    )
    assert (await analytics(http, sandbox, **BL, display_filter="+|nope||x"))[1].startswith(
        "ERROR 10004"
    )


async def test_tricky_values_are_valid_csv(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    cols = "source_title,anchor,image_alt,redirect_url"
    _, text = await analytics(http, sandbox, **{**BL, "export_columns": cols})
    rows = parse(text)[1:]
    flat = [v for r in rows for v in r]
    assert any(";" in v for v in flat)
    assert any('"' in v for v in flat)
    assert any(not v.isascii() for v in flat)
    assert "" in flat
    assert all(len(r) == 4 for r in rows)


async def test_units_prices_truncation_and_132(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.set_balance(1_000)
    async with http.get(
        sandbox.url + "/users/countapiunits.html", params={"key": sandbox.api_key}
    ) as r:
        assert await r.text() == "1,000"
    _, text = await analytics(http, sandbox, **BL, display_limit=100)
    assert len(parse(text)) - 1 == 25  # 1,000 units pay for 25 lines at 40
    assert sandbox.balance() == 0
    assert sandbox.units_spent() == 1_000
    status, text = await analytics(http, sandbox, **BL, display_limit=5)
    assert (status, text) == (403, "ERROR 132 :: API UNITS BALANCE IS ZERO")
    sandbox.set_balance(99)
    ov = {
        "type": "backlinks_ascore_profile",
        "target": "small.example",
        "target_type": "root_domain",
    }
    assert (await analytics(http, sandbox, **ov))[1] == "ERROR 132 :: API UNITS BALANCE IS ZERO"
    sandbox.set_balance(100)
    _, text = await analytics(http, sandbox, **ov)
    assert len(parse(text)) - 1 == 101
    assert sandbox.balance() == 0


async def test_matrix_and_comparison_arrays(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    params = [
        ("key", sandbox.api_key),
        ("type", "backlinks_matrix"),
        ("targets[]", "a.example"),
        ("targets[]", "medium.example"),
        ("target_types[]", "root_domain"),
        ("target_types[]", "root_domain"),
        ("export_columns", "domain,matches_num,backlinks_num"),
        ("display_limit", "3"),
    ]
    async with http.get(sandbox.url + "/analytics/v1/", params=params) as r:
        rows = parse(await r.text())
    assert rows[0] == ["domain", "matches_num", "a.example", "medium.example"]
    assert len(rows) == 4
    params = [
        ("key", sandbox.api_key),
        ("type", "backlinks_comparison"),
        *[("targets[]", f"t{i}.example") for i in range(3)],
        *[("target_types[]", "domain") for _ in range(3)],
        ("export_columns", "target,target_type,backlinks_num"),
    ]
    async with http.get(sandbox.url + "/analytics/v1/", params=params) as r:
        rows = parse(await r.text())
    assert [r[:2] for r in rows[1:]] == [[f"t{i}.example", "domain"] for i in range(3)]


async def test_drop_fault_cuts_the_body(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.inject("account", "drop")
    with pytest.raises(aiohttp.ClientPayloadError):
        await analytics(http, sandbox, **BL)
    assert sandbox.faults_injected == [("account", "drop")]


async def test_random_faults_are_seeded() -> None:
    async def run() -> list[tuple[str, FaultKind]]:
        async with SemrushSandbox(fault_rate=0.5, fault_seed=7, fault_kinds=("502", "550")) as sb:
            async with aiohttp.ClientSession() as s:
                for _ in range(10):
                    await analytics(s, sb, **BL, display_limit=1)
                    await asyncio.sleep(0.11)
            return sb.faults_injected

    first, second = await run(), await run()
    assert first == second
    assert 0 < len(first) < 10


# --- Listing Management ---------------------------------------------------------------

LM = "/apis/v4/listing-management/v1/external/locations"


async def bearer(sb: SemrushSandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {sb.state.extensions['oauth'].issue_static_token()}"}


async def test_listings_need_a_bearer_token(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(sandbox.url + LM) as r:
        assert r.status == 401
        assert await r.json() == {"code": 401, "message": "Unauthorized"}


async def test_get_locations_pages_and_both_prefixes(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    h = await bearer(sandbox)
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        async with http.get(sandbox.url + LM, params={"page": page, "size": 20}, headers=h) as r:
            doc = await r.json()
        assert doc["data"]["totalElements"] == 60
        assert doc["data"]["totalPages"] == 3
        seen += [loc["id"] for loc in doc["data"]["content"]]
    assert len(seen) == len(set(seen)) == 60
    raw = LM.replace("/apis/v4/", "/apis/v4-raw/")
    async with http.get(sandbox.url + raw + "/" + seen[0], headers=h) as r:
        doc = await r.json()
    assert doc["data"]["id"] == seen[0]
    assert "requested" in doc


async def test_update_location_persists_and_validates(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    h = await bearer(sandbox)
    lid = next(iter(sandbox.state.extensions["locations"]))
    body = {"locationName": "New", "address": "1 St", "phone": "+100", "city": "Ashville"}
    async with http.put(sandbox.url + LM + "/" + lid, json=body, headers=h) as r:
        assert r.status == 200
    async with http.get(sandbox.url + LM + "/" + lid, headers=h) as r:
        loc = (await r.json())["data"]
    assert loc["locationName"] == "New"
    assert loc["zip"]  # untouched fields stay
    bad = {
        **body,
        "businessHours": {"monday": [{"from": "9:00", "to": "17:00"}]},
        "holidayHours": [
            {"type": "CLOSED", "day": "2030-01-01", "times": [{"from": "10:00", "to": "11:00"}]}
        ],
    }
    async with http.put(sandbox.url + LM + "/" + lid, json=bad, headers=h) as r:
        doc = await r.json()
    assert r.status == 400
    codes = {(d["code"], d["field"]) for d in doc["error"]["details"]}
    assert ("INVALID_TIME_FORMAT", "businessHours.monday") in codes
    assert ("TIMES_NOT_ALLOWED", "holidayHours.times") in codes


async def test_update_locations_partial_failures_in_200(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    h = await bearer(sandbox)
    store = sandbox.state.extensions["locations"]
    ids = list(store)
    pending = next(i for i in ids if store[i]["status"] != "COMPLETE")
    base = {"locationName": "N", "address": "A", "phone": "+1", "city": "C"}
    body = {
        "locations": [
            {**base, "id": ids[0]},
            {**base, "id": pending},
            {**base, "id": "0" * 32},
            {"id": ids[1], "locationName": "x" * 101},
        ]
    }
    async with http.put(sandbox.url + LM, json=body, headers=h) as r:
        assert r.status == 200
        doc = await r.json()
    states = [(d["locationId"], d["state"], d.get("error", {}).get("code")) for d in doc["data"]]
    assert states == [
        (ids[0], "UPDATED", None),
        (pending, "FAILED", "BAD_REQUEST"),
        ("0" * 32, "FAILED", "RESOURCE_NOT_FOUND"),
        (ids[1], "FAILED", "VALIDATION_ERROR"),
    ]
    dup = {"locations": [{**base, "id": ids[0]}, {**base, "id": ids[0]}]}
    async with http.put(sandbox.url + LM, json=dup, headers=h) as r:
        doc = await r.json()
    assert r.status == 400
    assert doc["error"]["details"][0]["code"] == "LOCATIONS_ARE_NOT_UNIQUE"
    many = {"locations": [{**base, "id": f"{i:032x}"} for i in range(51)]}
    async with http.put(sandbox.url + LM, json=many, headers=h) as r:
        assert r.status == 400


@pytest.mark.sandbox(
    limits={
        "listings.update_locations": Limit(5, 1.0, concurrency=1, strategy=Strategy.SLIDING_WINDOW)
    },
)
async def test_update_locations_limits(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    h = await bearer(sandbox)
    lid = next(iter(sandbox.state.extensions["locations"]))
    body = {
        "locations": [{"id": lid, "locationName": "N", "address": "A", "phone": "+1", "city": "C"}]
    }
    statuses = []
    for _ in range(6):
        async with http.put(sandbox.url + LM, json=body, headers=h) as r:
            statuses.append(r.status)
    assert statuses == [200] * 5 + [429]


# --- OAuth ----------------------------------------------------------------------------


async def test_device_flow_pending_slow_down_and_success(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    oauth = sandbox.state.extensions["oauth"]
    async with http.post(sandbox.url + "/dag/device/code", data={}) as r:
        code = await r.json()
    assert code["interval"] == 5
    grant = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": code["device_code"],
    }

    async def poll() -> dict[str, Any]:
        async with http.post(sandbox.url + "/dag/device/token", data=grant) as r:
            return dict(await r.json())

    assert (await poll())["error"] == "slow_down"  # polled at once: interval -> 10
    oauth.advance(5)
    assert (await poll())["error"] == "slow_down"  # 5 s is now too fast: -> 15
    oauth.advance(15)
    assert (await poll())["error"] == "authorization_pending"
    async with http.get(code["verification_uri"]) as r:
        assert r.status == 200
    oauth.advance(15)
    tokens = await poll()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 604_800


async def test_auth_code_and_refresh_rotation(
    sandbox: SemrushSandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(
        sandbox.url + "/oauth2/authorize",
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": "/oauth2/success",
            "response_type": "code",
            "scope": "user.id",
        },
        allow_redirects=False,
    ) as r:
        assert r.status == 302
        code = r.headers["Location"].split("code=")[1]
    creds = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    async with http.post(
        sandbox.url + "/oauth2/access_token",
        data={
            **creds,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "/oauth2/success",
        },
    ) as r:
        first = await r.json()
    async with http.post(
        sandbox.url + "/oauth2/access_token",
        data={**creds, "grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    ) as r:
        second = await r.json()
    assert second["refresh_token"] != first["refresh_token"]
    async with http.post(
        sandbox.url + "/oauth2/access_token",
        data={**creds, "grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    ) as r:
        assert (await r.json())["error"] == "invalid_grant"
    h = {"Authorization": f"Bearer {first['access_token']}"}
    async with http.get(sandbox.url + LM, headers=h) as r:
        assert r.status == 401  # rotated away
    h = {"Authorization": f"Bearer {second['access_token']}"}
    async with http.get(sandbox.url + LM, headers=h) as r:
        assert r.status == 200


async def test_access_tokens_expire(sandbox: SemrushSandbox, http: aiohttp.ClientSession) -> None:
    h = await bearer(sandbox)
    async with http.get(sandbox.url + LM, headers=h) as r:
        assert r.status == 200
    sandbox.state.extensions["oauth"].advance(604_801)
    async with http.get(sandbox.url + LM, headers=h) as r:
        assert r.status == 401


async def test_standalone_server_prints_its_port() -> None:
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "semrush_async.testing",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        port = int((await asyncio.wait_for(proc.stdout.readline(), 20)).strip())
        async with (
            aiohttp.ClientSession() as s,
            s.get(
                f"http://127.0.0.1:{port}/users/countapiunits.html",
                params={"key": "sandbox-key-0000000000000000"},
            ) as r,
        ):
            assert await r.text() == "1,000,000,000"
    finally:
        proc.terminate()
        await proc.wait()


async def test_reset(sandbox: SemrushSandbox, http: aiohttp.ClientSession) -> None:
    await analytics(http, sandbox, **BL, display_limit=1)
    sandbox.reset()
    assert sandbox.counters("account").accepted == 0
    assert sandbox.units_spent() == 0
