"""The docs' report table, rendered from the specs (``docs/analytics.md`` embeds it;
a test checks the page matches ``reports_table(semrush_async.client.V3_TABLES)``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from semrush_async.v3.spec import DbRule, ReportSpec

__all__ = ["reports_table"]


def _price(spec: ReportSpec) -> tuple[str, str]:
    unit = "line" if spec.per_line else "request"
    live = f"{spec.units} / {unit}"
    if not spec.dated:
        return live, "—"
    return live, f"{spec.historical_price.units} / {unit}"


def _row(spec: ReportSpec, call: str) -> str:
    live, hist = _price(spec)
    db = {DbRule.REQUIRED: "required", DbRule.OPTIONAL: "optional", DbRule.NONE: "—"}[spec.database]
    if spec.keyword_db and spec.database is not DbRule.NONE:
        db += " (desktop)"
    target = {"target": "target + target_type", None: "—"}.get(spec.target, spec.target)
    paged = "yes" if spec.paged else "no"
    return (
        f"| `{spec.type}` | {spec.title} | `{call}` | {target} | {db} | {paged} | {live} | {hist} |"
    )


def reports_table(tables: Mapping[str, Iterable[ReportSpec]]) -> str:
    """Every report of ``tables`` (client attribute -> its reports) with its call,
    target, database rule, paging and prices."""
    lines = [
        "| type | report | call | target | database | paged | price | past date |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for attribute, specs in tables.items():
        for spec in specs:
            lines.append(_row(spec, f"client.{attribute}.{spec.method}"))
    return "\n".join(lines)
