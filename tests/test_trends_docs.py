"""The Trends page: its report table is the table's (a drift test), and its recipe
(``docs/examples/trends_competitors.py``) runs as written against the sandbox."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from docs.examples.trends_competitors import main
from semrush_async.apis.trends._docs import reports_table
from semrush_async.apis.trends.reports import SPECS

ROOT = Path(__file__).resolve().parent.parent


def test_the_page_lists_every_report_as_the_table_says() -> None:
    page = (ROOT / "docs/trends.md").read_text(encoding="utf-8")
    assert reports_table() in page
    for spec in SPECS:
        assert f"`client.trends.{spec.method}`" in page


def test_the_recipe_snippet_is_the_function() -> None:
    page = (ROOT / "docs/trends.md").read_text(encoding="utf-8")
    found = re.search(r'--8<-- "docs/examples/trends_competitors.py:(\d+):(\d+)"', page)
    assert found is not None
    lines = (ROOT / "docs/examples/trends_competitors.py").read_text().splitlines()
    first, last = int(found[1]), int(found[2])
    assert lines[first - 1].startswith("async def traffic(")
    assert lines[last - 1] == "    return sum(map(len, answers))"


async def test_the_recipe_writes_500_competitors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SEMRUSH_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    out = tmp_path / "traffic.csv"
    assert await main(["-o", str(out)]) == 0
    header, *rows = csv.reader(out.read_text(encoding="utf-8").splitlines())
    assert header[:2] == ["target", "visits"]
    assert [r[0] for r in rows] == [f"competitor{i:03d}.example" for i in range(500)]
    assert "500 Trends units spent" in capsys.readouterr().err
