"""``semrush-async trends REPORT TARGET...`` in-process against the built-in sandbox
(real HTTP on 127.0.0.1)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from semrush_async.cli import main
from semrush_async.testing._trends_rows import Ctx, trends_rows

SEED = 0  # --sandbox's


@pytest.fixture(autouse=True)
def _no_user_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for var in ("SEMRUSH_API_KEY", "SEMRUSH_V4_API_KEY", "SEMRUSH_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _oracle(report: str, target: str, month: dt.date, **kw: str) -> list[dict[str, str]]:
    country = kw.pop("country", "GLOBAL")
    device = kw.pop("device", "all")
    ctx = Ctx(report, target, month, device, country, tuple(sorted(kw.items())), _today())
    return trends_rows(SEED, ctx)


def _trends(*args: str) -> list[str]:
    return ["--sandbox", "--quiet", "trends", *args]


def test_sources_of_two_targets_to_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sources.csv"
    month = dt.date(2026, 3, 1)
    code = main(
        _trends(
            "sources",
            "a.example",
            "b.example",
            "--date",
            "2026-03",
            "--country",
            "us",
            "--columns",
            "from_target,traffic,channel",
            "-o",
            str(out),
        )
    )
    err = capsys.readouterr().err
    assert code == 0, err
    header, *rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert header == ["target", "from_target", "traffic", "channel"]
    want = [
        [t, w["from_target"], w["traffic"], w["channel"]]
        for t in ("a.example", "b.example")
        for w in _oracle("sources", t, month, country="US")
    ]
    assert rows == want
    assert "2 Trends units spent" in err


def test_summary_sends_its_targets_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "summary.jsonl"
    targets = [f"s{i}.example" for i in range(250)]  # 200 a request: 2 requests
    code = main(_trends("summary", *targets, "--format", "jsonl", "-o", str(out)))
    err = capsys.readouterr().err
    assert code == 0, err
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["target"] for d in docs] == targets
    assert list(docs[0])[:3] == ["target", "rank", "visits"]
    assert main(_trends("summary", "a.example", "b.example", "-o", str(tmp_path / "s.csv"))) == 0
    header, *rows = csv.reader((tmp_path / "s.csv").read_text(encoding="utf-8").splitlines())
    assert header.count("target") == 1
    assert [row[0] for row in rows] == ["a.example", "b.example"]
    assert "250 Trends units spent" in err.splitlines()[-1]
    assert "2 pages" in err


def test_rank_takes_no_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rank.csv"
    assert main(_trends("rank", "--limit", "5", "--columns", "rank,domain", "-o", str(out))) == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows == [["rank", "domain"], *([str(i), f"site{i}.example"] for i in range(1, 6))]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sources", "a.example", "--country", "uk"], "'gb'"),
        (["geo", "a.example", "--device", "tablet"], "desktop, mobile"),
        (["rank", "a.example"], "takes no targets"),
        (["sources"], "needs at least one target"),
        (["trafic", "a.example"], "allowed: summary"),
        (["summary", *(f"s{i}.example" for i in range(3)), "--date", "2016-01"], "from 2017-01"),
    ],
)
def test_bad_input_is_one_line_and_sends_nothing(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    assert main(_trends(*args, "-o", str(out))) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ")
    assert needle in line
    assert not out.exists()
