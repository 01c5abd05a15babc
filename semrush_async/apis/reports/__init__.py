"""The Analytics v3 engine: report tables, one column registry, one row factory.

- ``_spec.py``: :class:`ReportSpec` (one table row) and the pricing rule;
- ``_columns.py``: :data:`COLUMNS`, every column code -> field, type, header;
- ``_databases.py``: :data:`DATABASES`;
- ``_rows.py``: generated row classes and the batch decoder;
- ``_query.py``: validation and query building;
- ``backlinks.py``, ``overview.py``, ``domains.py``, ``keywords.py``,
  ``subdomains.py``, ``subfolders.py``, ``urls.py``: the tables (data only).

The pager, the request path and the resources live in ``semrush_async.resources``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from semrush_async.apis.backlinks import reports as backlinks
from semrush_async.apis.reports import domains, keywords, overview, subdomains, subfolders, urls
from semrush_async.apis.reports.gap import GapDomain, GapSign, GapType
from semrush_async.v3.columns import (
    COLUMNS,
    DOMAIN_SERP_FEATURES,
    Column,
    ColumnKind,
    IntentCode,
    SerpFeatureCode,
)
from semrush_async.v3.databases import DATABASES, Database, DatabaseKind
from semrush_async.v3.spec import DbRule, ReportSpec, is_historical

__all__ = [
    "BACKLINKS_REPORTS",
    "COLUMNS",
    "DATABASES",
    "DOMAIN_SERP_FEATURES",
    "FAMILIES",
    "REPORTS",
    "ROOT_REPORTS",
    "Column",
    "ColumnKind",
    "Database",
    "DatabaseKind",
    "DbRule",
    "GapDomain",
    "GapSign",
    "GapType",
    "IntentCode",
    "ReportSpec",
    "SerpFeatureCode",
    "is_historical",
]

#: The 15 Backlinks reports (``/analytics/v1/``).
BACKLINKS_REPORTS: Final[Mapping[str, ReportSpec]] = {s.type: s for s in backlinks.SPECS}
#: The 46 reports at the API root, by family.
FAMILIES: Final[Mapping[str, tuple[ReportSpec, ...]]] = {
    "overview": overview.SPECS,
    "domain": domains.SPECS,
    "keyword": keywords.SPECS,
    "subdomain": subdomains.SPECS,
    "subfolder": subfolders.SPECS,
    "url": urls.SPECS,
}
ROOT_REPORTS: Final[Mapping[str, ReportSpec]] = {
    s.type: s for specs in FAMILIES.values() for s in specs
}
#: Every Analytics v3 report type.
REPORTS: Final[Mapping[str, ReportSpec]] = {**BACKLINKS_REPORTS, **ROOT_REPORTS}
