"""The generated typed code (issue 23): up to date with the tables, the same rows as
the classes the engine built at run time, and columns by code or by name."""

from __future__ import annotations

import pickle
import typing
from pathlib import Path

import attrs
import pytest

import semrush_async
from semrush_async import DomainOrganicRow, ValidationError
from semrush_async._generate import FAMILIES, generated
from semrush_async.apis.backlinks.columns import ROW_NAMES
from semrush_async.apis.backlinks.reports import SPECS as BACKLINKS
from semrush_async.apis.reports import ROOT_REPORTS
from semrush_async.apis.reports import rows as root_rows
from semrush_async.testing import SemrushSandbox
from semrush_async.v3.columns import COLUMNS
from semrush_async.v3.decode import row_class, row_class_name
from tests.test_cli import run
from tests.test_strict_input import assert_nothing_sent

ROOT = Path(__file__).resolve().parents[1]


def test_generated_files_are_up_to_date() -> None:
    # The drift test: regenerate (python -m semrush_async._generate) and compare.
    stale = [
        str(path.relative_to(ROOT))
        for path, text in generated().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"regenerate with `python -m semrush_async._generate`: {stale}"


def test_every_generated_file_says_so() -> None:
    for path in generated():
        assert "@generated" in path.read_text(encoding="utf-8")[:200], path


@pytest.mark.parametrize("report", sorted(ROOT_REPORTS))
def test_root_rows_are_the_classes_the_engine_built(report: str) -> None:
    # The same fields, order, types and shape as the classes once built at run time
    # from the column registry (attrs.make_class): the same rows, the same speed.
    spec = ROOT_REPORTS[report]
    cls = row_class(spec)
    assert cls is getattr(root_rows, row_class_name(report))
    assert cls is getattr(semrush_async, cls.__name__)
    want = [COLUMNS[c].field for c in spec.columns]
    want += ["positions"] if spec.target == "domains" else []
    assert [f.name for f in attrs.fields(cls)] == want
    hints = typing.get_type_hints(cls)
    for code in spec.columns:
        col = COLUMNS[code]
        assert hints[col.field] == col.python_type | None
    assert cls.__slots__ == tuple(want) or set(cls.__slots__) == set(want)
    assert not hasattr(cls, "__weakref__")
    assert cls.__attrs_attrs__  # frozen attrs
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        cls().__setattr__(want[0], None)


def test_backlinks_rows_come_from_the_generator() -> None:
    for spec in BACKLINKS:
        assert spec.row is not None
        assert spec.row.__name__ == ROW_NAMES[spec.type]
        names = [f.name for f in attrs.fields(spec.row)]
        extra = ["backlinks"] if spec.type == "backlinks_matrix" else []
        assert names == [*spec.columns, *extra]


def test_a_family_without_generated_rows_still_gets_its_class() -> None:
    # A family plugged in before its rows are generated (Trends, say) keeps working.
    spec = attrs.evolve(ROOT_REPORTS["domain_organic"], rows_module="", type="new_report")
    cls = row_class(spec)
    assert cls.__name__ == "NewReportRow"
    assert [f.name for f in attrs.fields(cls)] == [f.name for f in attrs.fields(DomainOrganicRow)]


def test_generated_rows_pickle_by_their_public_name() -> None:
    row = DomainOrganicRow(keyword="seo", position=1)
    assert pickle.loads(pickle.dumps(row)) == row
    assert DomainOrganicRow.__module__ == "semrush_async"


def test_every_family_is_generated() -> None:
    assert {f.package for f in FAMILIES} == {
        "semrush_async.apis.reports",
        "semrush_async.apis.backlinks",
    }


async def test_columns_by_name_or_code(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        by_code = await c.domains.organic(
            "small.example", database="us", columns=["Ph", "Po"], limit=5
        )
        by_name = await c.domains.organic(
            "small.example", database="us", columns=["keyword", "position"], limit=5
        )
        mixed = await c.analytics.report(
            "domain_organic", domain="small.example", database="us", columns="keyword,Po", limit=5
        )
        query = c.analytics.query(
            "domain_organic", domain="x.example", database="us", columns=["keyword", "position"]
        )
    assert list(by_name) == list(by_code) == list(mixed)
    assert by_name[0].keyword
    assert by_name[0].position is not None
    assert by_name[0].cpc is None  # not requested
    assert query.columns == ("Ph", "Po")  # what is sent: the codes


async def test_bad_column_names_are_refused_before_sending(sandbox: SemrushSandbox) -> None:
    async with sandbox.client() as c:
        with pytest.raises(ValidationError, match=r"nope.*or by name: keyword, position"):
            c.domains.organic(
                "a.example",
                database="us",
                columns=["keyword", "nope"],  # type: ignore[list-item]
            )
        with pytest.raises(ValidationError, match="named twice"):
            c.domains.organic("a.example", database="us", columns=["keyword", "Ph"])
        assert_nothing_sent(sandbox, c)


def test_cli_takes_columns_by_name() -> None:
    p = run(
        "--sandbox",
        "--quiet",
        "keywords",
        "overview",
        "seo tools",
        "--database",
        "uk",
        "--columns",
        "keyword,search_volume,In",
        check=True,
    )
    lines = p.stdout.splitlines()
    assert lines[0] == "keyword,search_volume,intents"
    assert lines[1].split(",")[0] == "seo tools"
