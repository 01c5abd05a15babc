"""``report``, ``keywords overview`` and ``domains organic`` end to end (subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

from semrush_async.testing._root_reports import root_row, root_size
from tests.test_cli import read_csv, run, server

__all__ = ["server"]


def keywords(report: str, target: str, limit: int | None = None) -> list[str]:
    n = root_size(report, 0, target, "us")
    return [root_row(report, 0, target, i, database="us")["Ph"] for i in range(min(n, limit or n))]


def test_report_streams_many_targets_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "kw.csv"
    p = run(
        "--sandbox",
        "--quiet",
        "report",
        "domain_organic",
        "--domain",
        "medium.example",
        "--domain",
        "tricky.example",
        "--domain",
        "empty.example",
        "--database",
        "us",
        "--columns",
        "Ph,Po,Td",
        "--limit",
        "300",
        "-o",
        str(out),
        check=True,
    )
    rows = read_csv(out)
    assert rows[0] == ["target", "keyword", "position", "trends"]
    by_target: dict[str, list[str]] = {}
    for target, kw, _, trend in rows[1:]:
        by_target.setdefault(target, []).append(kw)
        assert len(trend.split(",")) == 12
    assert by_target["medium.example"] == keywords("domain_organic", "medium.example", 300)
    assert by_target["tricky.example"] == keywords("domain_organic", "tricky.example")
    assert "empty.example" not in by_target
    assert "312 rows from 3 of 3 targets" in p.stderr


def test_report_budget_stop_then_resume_from_checkpoint(
    tmp_path: Path,
    server: dict[str, str],
) -> None:
    out, ckpt = tmp_path / "kw.jsonl", tmp_path / "job.sqlite"
    args = [
        "--quiet",
        "report",
        "domain_adwords",
        "--domain",
        "medium.example",
        "--domain",
        "small.example",
        "--database",
        "us",
        "--columns",
        "Ph,Tt",
        "--page-size",
        "100",
        "--limit",
        "400",
        "--format",
        "jsonl",
        "--checkpoint",
        str(ckpt),
        "-o",
        str(out),
    ]
    first = run(*args, "--budget", "3000", env=server)  # 150 lines at 20 units
    assert first.returncode == 1
    assert "stopped by --budget" in first.stderr
    second = run(*args, "--budget", "1000000", env=server, check=True)
    assert "replayed" in second.stderr
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    got: dict[str, list[str]] = {}
    for d in docs:
        got.setdefault(d["target"], []).append(d["keyword"])
    assert got["medium.example"] == keywords("domain_adwords", "medium.example", 400)
    assert got["small.example"] == keywords("domain_adwords", "small.example")
    # Every line was paid for exactly once.
    units = run("units", env=server, check=True).stdout
    spent = 1_000_000_000 - int(units.split("balance: ")[1].split(" ")[0].replace(",", ""))
    assert spent == 20 * (400 + 25)


def test_shortcuts_keywords_overview_and_domains_organic(tmp_path: Path) -> None:
    p = run(
        "--sandbox",
        "--quiet",
        "keywords",
        "overview",
        "seo tools",
        "café crème",
        "--database",
        "uk",
        "--columns",
        "Ph,Nq,In",
        check=True,
    )
    lines = p.stdout.splitlines()
    assert lines[0] == "keyword,search_volume,intents"
    assert [line.split(",")[0] for line in lines[1:]] == ["seo tools", "café crème"]
    out = tmp_path / "org.csv"
    run(
        "--sandbox",
        "--quiet",
        "domains",
        "organic",
        "small.example",
        "--database",
        "us",
        "-o",
        str(out),
        check=True,
    )
    rows = read_csv(out)
    assert rows[0][:3] == ["target", "keyword", "position"]
    assert [r[1] for r in rows[1:]] == keywords("domain_organic", "small.example")


def test_bad_input_is_one_line_and_exit_2() -> None:
    p = run("--sandbox", "report", "domain_organic", "--phrase", "x", "--database", "us")
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        "error: domain_organic takes --domain (got: phrase). Fix the input; nothing was sent "
        "to Semrush."
    ]
    p = run("--sandbox", "report", "phrase_this", "--phrase", "x", "--database", "mobile-us")
    assert p.returncode == 2
    assert "desktop databases only" in p.stderr
    p = run("--sandbox", "report", "nope", "--domain", "x")
    assert p.returncode == 2
    assert "allowed: domain_adwords" in p.stderr
