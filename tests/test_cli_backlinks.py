"""``backlinks export`` of every report, on v3 and on ``--api v4``, in-process against
the built-in sandbox (real HTTP on 127.0.0.1): issue 21 A4 (and A8's CLI side)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from semrush_async.apis.backlinks.reports import REPORTS
from semrush_async.cli import main
from semrush_async.testing import report_size
from semrush_async.testing._backlinks_v4 import v4_rows
from semrush_async.testing._data import matrix_row, matrix_size

TARGETS = ["small.example", "tiny.example"]  # 25 and 3 backlinks
LIMIT = 4
SEED = 0  # --sandbox's
NOT_IN_V4 = {"backlinks_categories", "backlinks_categories_profile"}


@pytest.fixture(autouse=True)
def _no_user_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing of the user's may be read or written (config, token file, keys).
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for var in ("SEMRUSH_API_KEY", "SEMRUSH_V4_API_KEY", "SEMRUSH_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)


def _export(*args: str) -> list[str]:
    return ["--sandbox", "--quiet", "backlinks", "export", *args]


def _rows_expected(report: str, api: str) -> int:
    spec = REPORTS[report]
    if report == "backlinks_matrix":
        return min(LIMIT, matrix_size(SEED, TARGETS))
    if report == "backlinks_comparison":
        return len(TARGETS)
    total = 0
    for t in TARGETS:
        if api == "v4" and report in ("backlinks_tld", "backlinks_geo"):
            # Grouped from the referring domains (the sandbox's own v4 rows).
            domains = v4_rows("ref-domains", SEED, [t])
            if report == "backlinks_tld":
                groups = {d["domain"].rsplit(".", 1)[-1] for d in domains}
            else:
                groups = {d["country"] for d in domains}
            total += min(LIMIT, len(groups))
        else:
            n = report_size(report, SEED, t)
            total += min(LIMIT, n) if spec.paged else n
    return total


def _columns_expected(report: str) -> list[str]:
    spec = REPORTS[report]
    if report == "backlinks_matrix":
        return ["domain", "domain_ascore", "matches_num", *TARGETS]
    if report == "backlinks_comparison":
        return list(spec.columns)
    return ["target", *spec.columns]


def _read(path: Path, fmt: str) -> tuple[list[str], list[list[str]] | list[dict[str, object]]]:
    text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        header, *rows = list(csv.reader(text.splitlines()))
        assert all(len(r) == len(header) for r in rows)
        return header, rows
    docs = [json.loads(line) for line in text.splitlines()]
    keys = list(docs[0]) if docs else []
    assert all(list(d) == keys for d in docs)
    return keys, docs


@pytest.mark.parametrize("api", ["v3", "v4"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_report_exports(
    report: str, fmt: str, api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"out.{fmt}"
    name = REPORTS[report].method
    code = main(
        _export(
            name, *TARGETS, "--limit", str(LIMIT), "--format", fmt, "--api", api, "-o", str(out)
        )
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if api == "v4" and report in NOT_IN_V4:
        # No v4 report: one error line, the usage exit code, and no output file.
        assert code == 2
        [line] = err.splitlines()
        assert line.startswith("error: ")
        assert "--api v3" in line
        assert not out.exists()
        return
    assert code == 0, err
    names, rows = _read(out, fmt)
    assert names == _columns_expected(report)
    assert len(rows) == _rows_expected(report, api)


@pytest.mark.parametrize("api", ["v3", "v4"])
def test_matrix_sends_its_targets_together(
    api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "matrix.csv"
    assert main(_export("matrix", *TARGETS, "--api", api, "-o", str(out))) == 0
    assert " in 1 request" in capsys.readouterr().err
    header, *rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    n = matrix_size(SEED, TARGETS)
    assert header == ["domain", "domain_ascore", "matches_num", *TARGETS]
    # Each row counts the links of one referring domain to both targets at once.
    expected = [matrix_row(SEED, TARGETS, i) for i in range(n)]
    assert rows == [
        [r["domain"], r["domain_ascore"], r["matches_num"], *(r[t] for t in TARGETS)]
        for r in expected
    ]


def test_comparison_beyond_one_request_is_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = [f"t{i}.example" for i in range(201)]  # one request takes 200
    out = tmp_path / "cmp.jsonl"
    assert main(_export("comparison", *targets, "--format", "jsonl", "-o", str(out))) == 0
    assert " in 2 requests" in capsys.readouterr().err
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["target"] for d in docs] == targets


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["matrix", "a.example", "a.example"], "a.example"),
        (["matrix", "a.example", "b.example", "--checkpoint", "c.db"], "--checkpoint"),
        (["matrix", *(f"t{i}.example" for i in range(7))], "at most 6 targets"),
    ],
)
def test_multi_target_input_refused_in_one_line(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    assert main(_export(*args, "-o", str(out))) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ")
    assert needle in line
    assert not out.exists()


def test_v4_tld_prints_its_worst_case_before_the_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tld.csv"
    # medium.example: 625 referring domains at 40 units each, whatever --limit says.
    code = main(_export("tld", "medium.example", "--api", "v4", "--limit", "2", "-o", str(out)))
    lines = capsys.readouterr().err.splitlines()
    assert code == 0
    assert lines[0].startswith("warning: ")
    assert "up to 25,000 API units" in lines[0]
    assert "25,045 API units spent" in lines[-1]  # the probe (45) and every line
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 2

    code = main(
        _export("tld", "medium.example", "--api", "v4", "--budget", "10000", "-o", str(out))
    )
    err = capsys.readouterr().err
    # The same harvest as on v3: a budget stop names what it could not pay for, and
    # the target left to resume; no referring domain was read (only the probe).
    assert code == 1
    assert "Traceback" not in err
    [why] = [line for line in err.splitlines() if "up to 25,000 API units" in line]
    assert "no referring domain was read" in why
    assert "stopped by --budget: 0 of 1 targets complete" in err
    assert "; 45 API units spent" in err
