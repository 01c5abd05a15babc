"""``semrush-async position-tracking`` and ``site-audit`` in-process with ``--sandbox``:
campaigns, keywords, a positions export, ``launch --wait`` with its progress bar."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import pytest

from semrush_async import cli, testing
from semrush_async.testing import SemrushSandbox

#: The seeded campaign of the sandbox's first own project (see docs/sandbox.md).
PROJECT = 643526670283248


def campaign() -> str:
    return f"{PROJECT}_17238"


def test_campaigns_and_keywords(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--sandbox", "position-tracking", "campaigns", str(PROJECT)]) == 0
    out = capsys.readouterr().out
    assert campaign() in out
    assert "137" in out
    argv = ["--sandbox", "position-tracking", "add-keywords", campaign(), "new one", "new two"]
    assert cli.main([*argv, "--tag", "cli", "--format", "json"]) == 0
    added = {k["keyword"]: k["tags"] for k in json.loads(capsys.readouterr().out)}
    assert added["new one"] == ["cli"]
    assert len(added) == 139
    argv = ["--sandbox", "position-tracking", "remove-keywords", campaign(), "best seo", "--yes"]
    assert cli.main([*argv, "--format", "json"]) == 0
    left = {k["keyword"] for k in json.loads(capsys.readouterr().out)}
    assert "best seo" not in left
    assert len(left) == 136


def test_positions_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "positions.csv"
    argv = ["--sandbox", "position-tracking", "positions", campaign(), "--limit", "30"]
    assert cli.main([*argv, "--page-size", "20", "-o", str(out)]) == 0
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30
    assert {r["url"] for r in rows} == {"*.xn--harbor-caf-0-keb.example/*"}
    err = capsys.readouterr().err
    assert "30 keywords, 2 requests, 3,000 units" in err


def test_site_audit_launch_wait_issues_and_page(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Audits of one second (the in-process sandbox's clock is the event loop's).
    monkeypatch.setattr(
        testing, "SemrushSandbox", functools.partial(SemrushSandbox, audit_seconds=1.0)
    )
    argv = ["--sandbox", "site-audit", "launch", str(PROJECT), "--wait", "--interval", "0.05"]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    snapshot = captured.out.strip()
    assert len(snapshot) == 24
    assert "pages crawled" in captured.err
    assert "FINISHED" in captured.err
    assert cli.main(["--sandbox", "site-audit", "info", str(PROJECT), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["status"] == "FINISHED"
