"""The command line end to end: subprocesses, real files, a standalone sandbox."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from semrush_async.testing import DEFAULT_KEY, report_size, row

CLI = [sys.executable, "-m", "semrush_async.cli"]


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, check: bool = False
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.pop("SEMRUSH_API_KEY", None)  # only the key a test passes
    full_env.update(env or {})
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, env=full_env, check=check
    )


@pytest.fixture
def server() -> Iterator[dict[str, str]]:
    """A standalone sandbox (units persist across CLI runs), 20 ms per request."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "semrush_async.testing", "--port", "0", "--latency", "0.02"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    url = f"http://127.0.0.1:{int(proc.stdout.readline())}"
    try:
        yield {
            "SEMRUSH_API_KEY": DEFAULT_KEY,
            "SEMRUSH_BASE_URL": url,
            "SEMRUSH_WWW_URL": url,
            "SEMRUSH_OAUTH_URL": url,
        }
    finally:
        proc.terminate()
        proc.wait(10)


def balance(env: dict[str, str]) -> int:
    out = run("units", env=env, check=True).stdout
    return int(out.split("balance: ")[1].split(" ")[0].replace(",", ""))


def expected(target: str, column: str, limit: int | None = None) -> list[str]:
    n = report_size("backlinks", 0, target)
    return [row("backlinks", 0, target, i, n)[column] for i in range(min(n, limit or n))]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_export_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "links.csv"
    p = run(
        "--sandbox",
        "--quiet",
        "backlinks",
        "export",
        "backlinks",
        "medium.example",
        "small.example",
        "empty.example",
        "--columns",
        "source_url,anchor",
        "-o",
        str(out),
        check=True,
    )
    rows = read_csv(out)
    assert rows[0] == ["target", "source_url", "anchor"]
    by_target: dict[str, list[str]] = {}
    for target, url, _ in rows[1:]:
        by_target.setdefault(target, []).append(url)
    assert by_target["medium.example"] == expected("medium.example", "source_url")
    assert by_target["small.example"] == expected("small.example", "source_url")
    assert "empty.example" not in by_target
    assert "2,525 rows from 3 of 3 targets" in p.stderr


def test_export_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "links.jsonl"
    run(
        "--sandbox",
        "--quiet",
        "backlinks",
        "export",
        "refdomains",
        "small.example",
        "--format",
        "jsonl",
        "-o",
        str(out),
        check=True,
    )
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == report_size("backlinks_refdomains", 0, "small.example")
    assert docs[0]["target"] == "small.example"
    assert docs[0]["first_seen"].endswith("+00:00")


def test_resume_after_interrupt_no_duplicates_no_repaid_pages(
    tmp_path: Path, server: dict[str, str]
) -> None:
    out, ckpt = tmp_path / "links.csv", tmp_path / "job.sqlite"
    targets = ["medium.example", "small.example", "tiny.example"]
    args = [
        *CLI,
        "--quiet",
        "backlinks",
        "export",
        "backlinks",
        *targets,
        "--columns",
        "source_url",
        "--page-size",
        "100",
        "--checkpoint",
        str(ckpt),
        "-o",
        str(out),
    ]
    start = balance(server)
    proc = subprocess.Popen(
        args,
        env={**os.environ, **server},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while (not out.exists() or out.stat().st_size < 20_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "rerun with the same --checkpoint" in err
    partial = len(read_csv(out)) - 1
    total = sum(report_size("backlinks", 0, t) for t in targets)
    assert 0 < partial < total
    done = subprocess.run(
        args, env={**os.environ, **server}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = read_csv(out)
    got: dict[str, list[str]] = {}
    for target, url in rows[1:]:
        got.setdefault(target, []).append(url)
    for t in targets:
        assert got[t] == expected(t, "source_url"), t
    assert start - balance(server) == 40 * total  # every line paid exactly once


def test_budget_stops_with_a_clear_report(tmp_path: Path) -> None:
    p = run(
        "--sandbox",
        "--quiet",
        "backlinks",
        "export",
        "backlinks",
        "medium.example",
        "--budget",
        "4000",
        "-o",
        str(tmp_path / "o.csv"),
    )
    assert p.returncode == 1
    assert "stopped by --budget" in p.stderr
    assert len(read_csv(tmp_path / "o.csv")) == 101


@pytest.mark.parametrize(
    ("args", "needle", "code"),
    [
        (["backlinks", "overview", "x.example"], "pass --api-key or set SEMRUSH_API_KEY", 1),
        (
            [
                "--sandbox",
                "backlinks",
                "export",
                "backlinks",
                "x.example",
                "--target-type",
                "planet",
            ],
            "allowed: root_domain, domain, url",
            2,
        ),
        (
            ["--sandbox", "backlinks", "export", "backlinks", "x.example", "--columns", "nope"],
            "allowed: page_ascore",
            2,
        ),
        (
            ["--sandbox", "backlinks", "export", "backlinks", "x.example", "--budget", "1"],
            "below the price of one line",
            1,
        ),
        (["--sandbox", "backlinks", "export", "nosuch", "x.example"], "unknown report", 2),
    ],
)
def test_bad_input_one_line_no_traceback(args: list[str], needle: str, code: int) -> None:
    p = run(*args, "-o", os.devnull) if "export" in args else run(*args)
    assert p.returncode == code
    assert needle in p.stderr
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_invalid_location_file_names_field_and_index(tmp_path: Path) -> None:
    f = tmp_path / "locs.json"
    f.write_text(
        json.dumps(
            [
                {"id": "a", "locationName": "N", "address": "A", "phone": "+1", "city": "C"},
                {
                    "id": "b",
                    "locationName": "N",
                    "address": "A",
                    "phone": "+1",
                    "city": "C",
                    "businessHours": {"monday": [{"from": "9", "to": "17:00"}]},
                },
            ]
        )
    )
    p = run("--sandbox", "locations", "update", str(f))
    assert p.returncode == 2
    assert "locations[1].businessHours.monday[0]" in p.stderr
    assert "Traceback" not in p.stderr


def test_locations_commands(tmp_path: Path) -> None:
    listed = run("--sandbox", "locations", "list", check=True).stdout.splitlines()
    assert len(listed) == 60
    first = json.loads(listed[0])
    got = json.loads(run("--sandbox", "locations", "get", first["id"], check=True).stdout)
    assert got["id"] == first["id"]
    f = tmp_path / "locs.json"
    ids = [json.loads(x)["id"] for x in listed[:3]]
    f.write_text(
        json.dumps(
            {
                "locations": [
                    {"id": i, "locationName": "New", "address": "A", "phone": "+1", "city": "C"}
                    for i in ids
                ]
            }
        )
    )
    p = run("--sandbox", "--quiet", "locations", "update", str(f))
    assert "UPDATED" in p.stdout
    assert "updated" in p.stderr


def test_units_and_overview() -> None:
    assert "1,000,000,000" in run("--sandbox", "units", check=True).stdout
    p = run("--sandbox", "backlinks", "overview", "small.example", check=True)
    assert "total" in p.stdout
    assert "25" in p.stdout


def test_export_on_backlinks_v4_matches_v3(tmp_path: Path) -> None:
    v3, v4 = tmp_path / "v3.csv", tmp_path / "v4.csv"
    common = ["backlinks", "export", "backlinks_refdomains", "medium.example", "small.example"]
    run("--sandbox", "--quiet", *common, "-o", str(v3), check=True)
    p = run("--sandbox", "--quiet", *common, "--api", "v4", "-o", str(v4), check=True)
    assert read_csv(v4) == read_csv(v3)
    assert "Backlinks API v4" in p.stderr


def test_export_v4_with_a_checkpoint_resumes_without_repaying(tmp_path: Path) -> None:
    """``export --api v4 --checkpoint``: the same harvest as on v3 (issue 22 item 4).
    A run stopped by --budget resumes from the checkpoint; every line is paid once."""
    out, ckpt = tmp_path / "v4.csv", tmp_path / "v4.sqlite"
    common = [
        "--sandbox", "--quiet", "backlinks", "export", "backlinks_refdomains",
        "medium.example", "small.example", "--api", "v4", "--page-size", "100",
        "-o", str(out), "--checkpoint", str(ckpt),
    ]  # fmt: skip
    first = run(*common, "--budget", str(40 * 300))
    assert first.returncode == 1, first.stderr
    assert "stopped by --budget" in first.stderr
    second = run(*common)
    assert second.returncode == 0, second.stderr
    assert "replayed from the checkpoint) on Backlinks API v4" in second.stderr
    # Each --sandbox run has its own server: the two runs' spending adds up to every
    # line once (40 units per referring domain on v4).
    spent = [
        int(line.rsplit("; ", 1)[1].split()[0].replace(",", ""))
        for p in (first, second)
        for line in p.stderr.splitlines()
        if line.endswith("API units spent")
    ]
    lines = report_size("backlinks_refdomains", 0, "medium.example") + report_size(
        "backlinks_refdomains", 0, "small.example"
    )
    assert sum(spent) == 40 * lines
    v3 = tmp_path / "v3.csv"
    run(*common[:7], "-o", str(v3), check=True)
    header, *rows = read_csv(out)
    assert header == read_csv(v3)[0]
    assert sorted(rows) == sorted(read_csv(v3)[1:])


def test_export_parquet_matches_the_rows(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "links.parquet"
    run(
        "--sandbox",
        "--quiet",
        "backlinks",
        "export",
        "backlinks",
        "medium.example",
        "small.example",
        "--columns",
        "source_url,last_seen",
        "--format",
        "parquet",
        "-o",
        str(out),
        check=True,
    )
    table = pq.read_table(out)
    assert table.column_names == ["target", "source_url", "last_seen"]
    # Parquet has no seconds unit: pyarrow stores timestamp[s] as milliseconds.
    assert table.schema.field("last_seen").type.tz == "UTC"
    urls = table.column("source_url").to_pylist()
    targets = table.column("target").to_pylist()
    assert urls == expected("medium.example", "source_url") + expected(
        "small.example", "source_url"
    )
    assert set(targets) == {"medium.example", "small.example"}
    assert not (tmp_path / "links.parquet.parts").exists()
    rank = tmp_path / "rank.parquet"
    p = run(
        "--sandbox", "report", "rank", "--database", "us", "--limit", "30",
        "--format", "parquet", "-o", str(rank), check=True,
    )  # fmt: skip
    assert pq.read_table(rank).num_rows == 30
    assert "30 rows of rank" in p.stderr


def test_parquet_to_stdout_is_refused_before_sending() -> None:
    p = run("--sandbox", "backlinks", "export", "backlinks", "a.example", "--format", "parquet")
    assert p.returncode != 0
    assert "--format parquet needs -o FILE" in p.stderr
