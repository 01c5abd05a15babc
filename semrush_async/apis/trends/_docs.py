"""The Trends page's report table, rendered from the table (``docs/trends.md`` embeds
it; a test checks the page matches ``reports_table()``)."""

from __future__ import annotations

from semrush_async.apis.trends.reports import SPECS
from semrush_async.apis.trends.resource import options_of
from semrush_async.v3.spec import ReportSpec

__all__ = ["reports_table"]

_COMMON = {"date", "columns", "device", "country", "limit", "offset", "page_size"}


def _target(spec: ReportSpec) -> str:
    if spec.target is None:
        return "—"
    if spec.encode_target is not None:
        return f"`targets` (≤ {spec.max_targets})"
    kinds = f" + `target_type` ({', '.join(spec.target_types)})" if spec.target_types else ""
    return f"`{spec.target}`{kinds}"


def _paging(spec: ReportSpec) -> str:
    if not spec.paged:
        return "no"
    text = f"{spec.max_page:,} / request"
    if spec.max_offset is not None:
        text += f", offset ≤ {spec.max_offset:,}"
    return text


def _price(spec: ReportSpec) -> str:
    unit = "line" if spec.per_line else "request"
    empty = "; empty answers free" if not spec.empty_charged else ""
    return f"{spec.units} / {unit}{empty}"


def _months(spec: ReportSpec) -> str:
    rule = spec.months
    assert rule is not None
    last = "current month" if rule.current else "last month"
    return f"{rule.first:%Y-%m} to {last}"


def _options(spec: ReportSpec) -> str:
    device = spec.options.get("device_type")
    own = [f"`{o}`" for o in options_of(spec) if o not in _COMMON and o != "target_type"]
    if device is not None:
        own.insert(0, f"`device` ({', '.join(device)})")
    if "country" in spec.options:
        own.insert(1 if device is not None else 0, "`country`")
    return ", ".join(own) or "—"


def reports_table() -> str:
    """Every Trends report with its call, target, options, paging, price and dates."""
    lines = [
        "| report | call | target | options | paging | price (Trends units) | months |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in SPECS:
        lines.append(
            f"| `{spec.method}` | `client.trends.{spec.method}` | {_target(spec)} | "
            f"{_options(spec)} | {_paging(spec)} | {_price(spec)} | {_months(spec)} |"
        )
    return "\n".join(lines)
