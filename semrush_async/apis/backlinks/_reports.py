"""The 15 Backlinks report types (kept for imports; the tables live in
``semrush_async.apis.reports``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from semrush_async.apis.reports import BACKLINKS_REPORTS, ReportSpec
from semrush_async.v3.spec import TARGET_TYPES

__all__ = ["REPORTS", "TARGET_TYPES", "ReportSpec"]

REPORTS: Final[Mapping[str, ReportSpec]] = BACKLINKS_REPORTS
