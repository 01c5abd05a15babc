"""The root reports' input to the generator (:mod:`semrush_async.v3.codegen`): their
tables, the column registry and the method groups (``client.domains`` ...)."""

from __future__ import annotations

from typing import Final

from semrush_async.apis.reports import FAMILIES
from semrush_async.v3.codegen import FamilyCode, Group
from semrush_async.v3.columns import COLUMNS
from semrush_async.v3.databases import DATABASES

__all__ = ["CODEGEN"]

#: Annotations as the rows module spells them (``datetime`` imported as ``_dt``: a
#: field may be named ``date``).
_SPELLING: Final = {"datetime | None": "_dt.datetime | None", "date | None": "_dt.date | None"}

CODEGEN: Final = FamilyCode(
    package="semrush_async.apis.reports",
    specs=tuple(s for specs in FAMILIES.values() for s in specs),
    columns={
        code: (c.field, _SPELLING.get(c.kind.value, c.kind.value)) for code, c in COLUMNS.items()
    },
    imports=(
        "import datetime as _dt",
        "from semrush_async.v3.columns import IntentCode, SerpFeatureCode",
    ),
    lazy_columns=tuple(code for code, c in COLUMNS.items() if c.lazy),
    extra_fields={"domain_domains": (("positions", "Mapping[str, int | None] | None"),)},
    row_docs={
        "domain_domains": (
            "A row of ``domain_domains`` (Domain vs. domain). Unrequested columns are None;\n"
            "``positions`` maps each compared domain to its position (P0..P4)."
        ),
    },
    rows_doc=(
        "Typed rows of the 46 reports at the API root (frozen, slotted attrs classes): one\n"
        "field per column the report can return, named as the column registry names it\n"
        "(:data:`semrush_async.COLUMNS`). A column that was not requested is None."
    ),
    groups=(
        Group("OverviewReports", "overview", "overview", "The overview reports as methods."),
        Group("DomainReports", "domains", "domain", "The domain reports as methods."),
        Group("KeywordReports", "keywords", "keyword", "The keyword reports as methods."),
        Group("SubdomainReports", "subdomains", "subdomain", "The subdomain reports as methods."),
        Group("SubfolderReports", "subfolders", "subfolder", "The subfolder reports as methods."),
        Group("UrlReports", "urls", "url", "The URL reports as methods."),
    ),
    target_types={
        "domains": "GapDomain | str | Sequence[GapDomain | str]",
    },
    method_imports=("from semrush_async.apis.reports.gap import GapDomain",),
    databases=tuple(DATABASES),
    keyword_databases=tuple(c for c, d in DATABASES.items() if d.keyword_reports),
)
