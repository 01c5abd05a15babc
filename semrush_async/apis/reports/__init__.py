"""The 46 Analytics v3 reports at the API root: their tables, by family.

``overview.py``, ``domains.py``, ``keywords.py``, ``subdomains.py``, ``subfolders.py``,
``urls.py``: the tables (data only); ``gap.py``: ``domain_domains``' typed target.
The client binds these tables to the v3 engine (:mod:`semrush_async.v3`); the
generated row classes (``DomainOrganicRow``...) are found here by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

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
from semrush_async.v3.decode import row_class, row_class_name
from semrush_async.v3.spec import DbRule, ReportSpec, is_historical

__all__ = [
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


#: The 46 reports at the API root, by family.
def _here(specs: tuple[ReportSpec, ...]) -> tuple[ReportSpec, ...]:
    # The row classes are generated into rows.py (semrush_async.v3.codegen).
    return tuple(attrs.evolve(s, rows_module=f"{__name__}.rows") for s in specs)


FAMILIES: Final[Mapping[str, tuple[ReportSpec, ...]]] = {
    "overview": _here(overview.SPECS),
    "domain": _here(domains.SPECS),
    "keyword": _here(keywords.SPECS),
    "subdomain": _here(subdomains.SPECS),
    "subfolder": _here(subfolders.SPECS),
    "url": _here(urls.SPECS),
}
ROOT_REPORTS: Final[Mapping[str, ReportSpec]] = {
    s.type: s for specs in FAMILIES.values() for s in specs
}
#: Every report of this family (the Backlinks reports are in
#: ``semrush_async.apis.backlinks.reports``).
REPORTS: Final[Mapping[str, ReportSpec]] = ROOT_REPORTS


def __getattr__(name: str) -> Any:
    # The row classes were found here before they were generated (old pickles).
    for spec in ROOT_REPORTS.values():
        if row_class_name(spec.type) == name:
            return row_class(spec)
    raise AttributeError(name)
