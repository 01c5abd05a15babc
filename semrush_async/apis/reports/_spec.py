"""``root_report``: a row of the root reports' tables, as the docs' table writes it."""

from __future__ import annotations

from typing import Any, Final

from semrush_async.v3.spec import DbRule, ReportSpec, both_ways, column_codes

__all__ = ["ROOT_PATH", "root_report"]

#: The root reports are served at the API root.
ROOT_PATH: Final = "/"


def root_report(
    type: str,
    method: str,
    family: str,
    title: str,
    *,
    price: tuple[int, int | None],
    columns: str,
    defaults: str,
    target: str | None,
    database: DbRule = DbRule.REQUIRED,
    paged: bool = True,
    dated: bool = True,
    sorts: str = "",
    filters: str = "",
    **kw: Any,
) -> ReportSpec:
    """A report at the API root, from the docs' table row (column lists as written)."""
    live, historical = price
    return ReportSpec(
        type,
        method,
        column_codes(columns),
        both_ways(*sorts.split()),
        kw.pop("default_sort", None),
        column_codes(filters),
        paged=paged,
        family=family,
        title=title,
        path=ROOT_PATH,
        target=target,
        database=database,
        default_columns=column_codes(defaults),
        dated=dated,
        units=live,
        historical_units=historical,
        escape=True,
        max_end=kw.pop("max_end", 4_000_000),
        max_page=kw.pop("max_page", 100_000),
        **kw,
    )
