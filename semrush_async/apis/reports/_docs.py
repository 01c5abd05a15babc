"""The docs' report table, rendered from the specs (``docs/analytics.md`` embeds it;
a test checks the page matches)."""

from __future__ import annotations

from semrush_async.apis.reports import BACKLINKS_REPORTS, FAMILIES
from semrush_async.v3.spec import DbRule, ReportSpec

__all__ = ["reports_table"]

_GROUPS = {
    "overview": "overview",
    "domain": "domains",
    "keyword": "keywords",
    "subdomain": "subdomains",
    "subfolder": "subfolders",
    "url": "urls",
}


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


def reports_table() -> str:
    """Every v3 report with its call, target, database rule, paging and prices."""
    lines = [
        "| type | report | call | target | database | paged | price | past date |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for family, specs in FAMILIES.items():
        for spec in specs:
            lines.append(_row(spec, f"client.{_GROUPS[family]}.{spec.method}"))
    for spec in BACKLINKS_REPORTS.values():
        lines.append(_row(spec, f"client.backlinks.{spec.method}"))
    return "\n".join(lines)
