"""Backlinks v4 benchmarks: JSON row decoding against the v3 CSV path on the same rows,
and peak memory while streaming a large ``/links`` listing.

``python benchmarks/v4_decode.py [--smoke] [--rounds N]`` prints one JSON object.
Both decoders run side by side in each round (alternating which goes first), each in a
fresh process (a parser that runs after another one built a big list measures slower in
the same process).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from semrush_async._core.csvfeed import CsvFeed  # noqa: E402
from semrush_async._core.sansio import Response, decode_error, v4_envelope  # noqa: E402
from semrush_async.apis.backlinks.rows import rows_decoder  # noqa: E402
from semrush_async.apis.backlinks.v4 import BACKLINKS_V4  # noqa: E402
from semrush_async.testing import _data  # noqa: E402
from semrush_async.testing._backlinks_v4 import _MAPPERS  # noqa: E402
from semrush_async.v4.endpoint import _data_lines  # noqa: E402
from semrush_async.v4.paging import items_at  # noqa: E402

TARGET = "big.example"


def bodies(n: int) -> tuple[bytes, bytes]:
    """The same ``n`` backlinks as a v3 CSV body and a v4 JSON body."""
    size = _data.report_size("backlinks", 0, TARGET)
    rows = [_data.row("backlinks", 0, TARGET, i, size) for i in range(n)]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(list(rows[0]))
    w.writerows(r.values() for r in rows)
    v4 = {"meta": {"success": True}, "data": [_MAPPERS["links"](r) for r in rows]}
    return buf.getvalue().encode(), json.dumps(v4).encode()


def decode_v3(body: bytes) -> int:
    feed = CsvFeed()
    batches = [feed.feed(body[i : i + 65536]) for i in range(0, len(body), 65536)]
    batches.append(feed.close())
    header = tuple(batches[0][0])
    batches[0] = batches[0][1:]
    decode = rows_decoder("backlinks", header)
    return sum(len(decode(b)) for b in batches if b)


def decode_v4(body: bytes) -> int:
    """What the client does with a v4 page once it has the body: the error check,
    the settlement's row count, the envelope and the rows, sharing one parse (the
    ``links`` decoder's page parser, as the pager passes it to the request path)."""
    decode = BACKLINKS_V4["links"].decode
    response = Response(200, {}, body, parse=decode.page)
    assert decode_error(response, v4=True) is None
    _data_lines(response)
    return len(decode.rows(items_at(v4_envelope(response), None)))


def _probe(kind: str, n: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--probe", kind, "--rows", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def _run_probe(kind: str, n: int) -> None:
    v3, v4 = bodies(n)
    body, fn = (v3, decode_v3) if kind == "v3" else (v4, decode_v4)
    t0 = time.perf_counter()
    assert fn(body) == n
    print(n / (time.perf_counter() - t0))


def _hwm_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def _run_memory(url: str, n: int, whole: bool) -> None:
    from semrush_async import SemrushClient
    from semrush_async.testing._sandbox import DEFAULT_V4_KEY

    async def main() -> int:
        async with SemrushClient(v4_api_key=DEFAULT_V4_KEY, base_url=url) as c:
            pager = c.backlinks_v4.links(TARGET, "ROOT_DOMAIN", limit=n, page_size=1000)
            if whole:
                return len(await pager)
            count = 0
            async for _ in pager:
                count += 1
            return count

    base = _hwm_kb()
    got = asyncio.run(main())
    assert got == n, got
    print((_hwm_kb() - base) / 1024)


def _memory(n: int, whole: bool) -> float:
    # The sandbox runs in its own process: its page generation is not the client's.
    from benchmarks.run import sandbox_process

    with sandbox_process("--no-limits") as url:
        out = subprocess.run(
            [sys.executable, __file__, "--probe", "whole" if whole else "stream",
             "--rows", str(n), "--url", url],
            capture_output=True,
            text=True,
            check=True,
        )  # fmt: skip
    return float(out.stdout.strip())


def run(rows: int, rounds: int, stream_rows: int) -> dict[str, Any]:
    ratios, v3s, v4s = [], [], []
    for k in range(rounds):
        # Alternate which goes first: the place in a round alone moves a ratio.
        if k % 2:
            b, a = _probe("v4", rows), _probe("v3", rows)
        else:
            a, b = _probe("v3", rows), _probe("v4", rows)
        v3s.append(a)
        v4s.append(b)
        ratios.append(b / a)
    return {
        "rows": rows,
        "rounds": rounds,
        "v3_csv_rows_per_s": statistics.median(v3s),
        "v4_json_rows_per_s": statistics.median(v4s),
        "v4_over_v3": statistics.median(ratios),
        "v4_over_v3_range": [min(ratios), max(ratios)],
        "stream_rows": stream_rows,
        "stream_peak_growth_mb": _memory(stream_rows, whole=False),
        "whole_peak_growth_mb": _memory(stream_rows, whole=True),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--probe", choices=("v3", "v4", "stream", "whole"))
    ap.add_argument("--url", default="")
    args = ap.parse_args(argv)
    if args.probe in ("v3", "v4"):
        _run_probe(args.probe, args.rows)
        return 0
    if args.probe in ("stream", "whole"):
        _run_memory(args.url, args.rows, whole=args.probe == "whole")
        return 0
    rows, rounds, stream = (2_000, 1, 3_000) if args.smoke else (args.rows or 100_000,
                                                                 args.rounds, 250_000)  # fmt: skip
    result = run(rows, rounds, stream)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
