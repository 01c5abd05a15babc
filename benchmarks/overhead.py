"""Measure 2: the client's CPU per request against raw aiohttp doing the same work.

Three contenders fetch ``backlinks_overview`` (one row, 14 columns) from a sandbox in
another process (its CPU is not counted), ``requests`` calls per batch at a fixed
concurrency, governance relaxed:

``raw_parse``
    aiohttp that does what the client does with the body: reads it, checks the status
    and Semrush's ``ERROR <code> :: <message>`` body, splits it with ``csv.reader`` and
    builds the same typed :class:`~semrush_async.apis.backlinks.rows.BacklinksOverview`
    with the public :func:`~semrush_async.apis.backlinks.rows.rows_decoder` (one
    compiled decoder per header, cached, as the client caches it). The fair baseline.
``raw_read``
    aiohttp that only reads the body (the old baseline, kept for comparison).
``client``
    ``await client.backlinks.overview(target)``.

CPU is ``time.process_time()`` over a batch, divided by its requests. Each round runs
every contender once, in an order that rotates from round to round; a ratio is the
median of the per-round ratios (each compares batches run moments apart), so a slow
spell of a shared machine hits both sides of a ratio alike.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import statistics
import time
import timeit
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp

from semrush_async import Limit, SemrushClient
from semrush_async.apis.backlinks.reports import REPORTS
from semrush_async.apis.backlinks.rows import BacklinksOverview, rows_decoder
from semrush_async.errors import APIError
from semrush_async.testing import DEFAULT_KEY

__all__ = ["CONTENDERS", "overhead"]

CONTENDERS: Final = ("raw_parse", "raw_read", "client")
RELAXED: Final = {"account": Limit(1_000_000, 1.0)}
TARGET: Final = "small.example"

Batch = Callable[[], Awaitable[list[Any]]]


def _params() -> dict[str, str]:
    return {
        "key": DEFAULT_KEY,
        "type": "backlinks_overview",
        "target": TARGET,
        "target_type": "root_domain",
        "export_columns": ",".join(REPORTS["backlinks_overview"].columns),
    }


class _RawParse:
    """aiohttp plus the work a hand-written caller must do to get typed rows."""

    def __init__(self) -> None:
        self._decoders: dict[tuple[str, ...], Callable[[list[list[str]]], list[Any]]] = {}

    def rows(self, status: int, body: bytes) -> list[BacklinksOverview]:
        if body[:5] == b"ERROR" or status != 200:
            raise APIError(body[:200].decode("utf-8", "replace"), status=status)
        lines = list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter=";"))
        if not lines:
            return []
        header = tuple(lines[0])
        decode = self._decoders.get(header)
        if decode is None:
            decode = self._decoders[header] = rows_decoder("backlinks_overview", header)
        return decode(lines[1:])


def _one_raw(
    s: aiohttp.ClientSession, url: str, sem: asyncio.Semaphore, parse: _RawParse | None
) -> Callable[[], Awaitable[Any]]:
    params = _params()

    async def one() -> Any:
        async with sem, s.get(url, params=params) as r:
            body = await r.read()
            if parse is None:
                return body
            rows = parse.rows(r.status, body)
            return rows[0] if rows else None

    return one


async def _batch(name: str, url: str, requests: int, concurrency: int) -> tuple[float, float, Any]:
    """(wall s, CPU s, one result) for ``requests`` calls by contender ``name``."""
    sem = asyncio.Semaphore(concurrency)
    gc.collect()
    if name == "client":
        async with SemrushClient(
            api_key=DEFAULT_KEY, base_url=url, www_url=url, oauth_url=url, limits=RELAXED
        ) as c:

            async def one() -> Any:
                async with sem:
                    return await c.backlinks.overview(TARGET)

            return await _timed(one, requests)
    conn = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=conn) as s:
        parse = _RawParse() if name == "raw_parse" else None
        return await _timed(_one_raw(s, url + "/analytics/v1/", sem, parse), requests)


async def _timed(one: Callable[[], Awaitable[Any]], n: int) -> tuple[float, float, Any]:
    w0, c0 = time.perf_counter(), time.process_time()
    got = await asyncio.gather(*(one() for _ in range(n)))
    return time.perf_counter() - w0, time.process_time() - c0, got[0]


async def _parse_only_us(url: str, number: int = 2_000) -> float:
    """What ``raw_parse`` adds to ``raw_read``, timed alone on one body: the minimum of
    5 loops of ``number`` calls (in the batches it is within the noise of a shared
    machine)."""
    async with (
        aiohttp.ClientSession() as s,
        s.get(url + "/analytics/v1/", params=_params()) as r,
    ):
        status, body = r.status, await r.read()
    parse = _RawParse()
    parse.rows(status, body)
    loops = timeit.repeat(lambda: parse.rows(status, body), number=number, repeat=5)
    return min(loops) / number * 1e6


async def overhead(url: str, requests: int, concurrency: int, rounds: int) -> dict[str, Any]:
    """Per contender: median CPU µs and req/s; the client's per-round ratios to each raw."""
    # Warm-up (connections, imports, the decoder caches), and proof that the fair
    # baseline builds exactly the client's typed row.
    warm = {n: (await _batch(n, url, min(requests, 50), concurrency))[2] for n in CONTENDERS}
    if warm["raw_parse"] != warm["client"] or not isinstance(warm["client"], BacklinksOverview):
        raise RuntimeError(f"benchmark 2: raw_parse {warm['raw_parse']} != {warm['client']}")
    cpu: dict[str, list[float]] = {n: [] for n in CONTENDERS}
    wall: dict[str, list[float]] = {n: [] for n in CONTENDERS}
    for k in range(rounds):
        order = CONTENDERS[k % 3 :] + CONTENDERS[: k % 3]
        for name in order:
            w, c, _ = await _batch(name, url, requests, concurrency)
            cpu[name].append(c / requests * 1e6)
            wall[name].append(w)
    out: dict[str, Any] = {"requests": requests, "concurrency": concurrency, "rounds": rounds}
    out["parse_only_us"] = await _parse_only_us(url)
    for name in CONTENDERS:
        out[f"{name}_cpu_us"] = statistics.median(cpu[name])
        out[f"{name}_rps"] = requests / statistics.median(wall[name])
    for raw in ("raw_parse", "raw_read"):
        c_ratios = [a / b for a, b in zip(cpu["client"], cpu[raw], strict=True)]
        # Throughput the other way round: client req/s ÷ raw req/s = raw wall ÷ client wall.
        r_ratios = [b / a for a, b in zip(wall["client"], wall[raw], strict=True)]
        out[f"cpu_ratio_vs_{raw}"] = statistics.median(c_ratios)
        out[f"cpu_ratio_vs_{raw}_range"] = [min(c_ratios), max(c_ratios)]
        out[f"rps_ratio_vs_{raw}"] = statistics.median(r_ratios)
        out[f"rps_ratio_vs_{raw}_range"] = [min(r_ratios), max(r_ratios)]
    return out
