"""Trends parse throughput: ``client.trends``' path (the incremental feed sniffing the
delimiter from the header, then the rows mapped by the header's names into typed
``SourceRow``s) against ``csv.reader`` lists, on the same ``sources`` body.

``python benchmarks/trends_parse.py [--smoke] [--rounds N]`` prints one JSON object.
Each contender runs in a fresh process, in turn within each round (order rotating),
as the other parse measures do.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from semrush_async._core.csvfeed import CsvFeed  # noqa: E402
from semrush_async.apis.trends.reports import REPORTS  # noqa: E402
from semrush_async.testing._trends_data import REPORTS as ORACLE  # noqa: E402
from semrush_async.testing._trends_rows import Ctx, trends_rows  # noqa: E402
from semrush_async.v3.decode import v3_decoder  # noqa: E402

SPEC = REPORTS["sources"]


def make_body(rows: int, delimiter: str = ";") -> bytes:
    """``rows`` rows of ``sources`` (the sandbox's, every column) as the server sends them."""
    import datetime as dt

    ctx = Ctx("sources", "big.example", dt.date(2026, 11, 1), "all", "GLOBAL")
    base = trends_rows(0, ctx, range(min(rows, 12_000)))
    header = ORACLE["sources"].header
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([base[i % len(base)][c] for c in header] for i in range(rows))
    return buf.getvalue().encode()


def parse_typed(body: bytes, chunk: int = 64 * 1024) -> int:
    feed = CsvFeed(SPEC.delimiters)
    decode: Any = None
    count = 0
    for i in range(0, len(body) + 1, chunk):
        rows = feed.feed(body[i : i + chunk]) if i < len(body) else feed.close()
        if decode is None and rows:
            decode = v3_decoder(SPEC, (), tuple(rows[0]))
            rows = rows[1:]
        if rows:
            count += len(decode(rows))
    return count


def parse_csv_reader(body: bytes) -> int:
    text = body.decode("utf-8")
    return len(list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))) - 1


_PROBE = """
import sys, time
from benchmarks import trends_parse as m
body = open(sys.argv[2], "rb").read()
fn = getattr(m, "parse_" + sys.argv[1])
t0 = time.perf_counter()
n = fn(body)
print(n, time.perf_counter() - t0)
"""


def run(rows: int, rounds: int) -> dict[str, Any]:
    """Rows/s of each contender and the median per-round ratio csv_reader/typed time."""
    body = make_body(rows)
    names = ["typed", "csv_reader"]
    times: dict[str, list[float]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "body.csv"
        path.write_bytes(body)
        for k in range(rounds):
            for name in names[k % 2 :] + names[: k % 2]:
                out = subprocess.run(
                    [sys.executable, "-c", _PROBE, name, str(path)],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    check=True,
                ).stdout.split()
                assert int(out[0]) == rows, out
                times[name].append(float(out[1]))
    ratios = [c / t for c, t in zip(times["csv_reader"], times["typed"], strict=True)]
    return {
        "rows": rows,
        "rounds": rounds,
        "mb": len(body) / 1e6,
        "columns": len(ORACLE["sources"].header),
        "typed_rows_s": rows / statistics.median(times["typed"]),
        "csv_reader_rows_s": rows / statistics.median(times["csv_reader"]),
        # < 1: typed rows cost more than csv.reader's lists of strings.
        "vs_csv_reader": statistics.median(ratios),
        "vs_csv_reader_range": [min(ratios), max(ratios)],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    result = run(5_000, 1) if args.smoke else run(250_000, args.rounds)
    result["seconds"] = time.monotonic() - t0
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
