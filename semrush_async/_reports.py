"""The 15 Backlinks report types (kept for imports; the tables live in
``semrush_async.analytics``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .analytics import BACKLINKS_REPORTS, ReportSpec
from .analytics._spec import TARGET_TYPES

__all__ = ["REPORTS", "TARGET_TYPES", "ReportSpec"]

REPORTS: Final[Mapping[str, ReportSpec]] = BACKLINKS_REPORTS
