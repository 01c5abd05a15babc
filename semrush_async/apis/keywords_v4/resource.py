"""``client.keywords_v4``: Keyword API v4 (one method over the table in
:mod:`semrush_async.apis.keywords_v4.endpoints`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from semrush_async.apis.keywords_v4.endpoints import (
    COUNTRIES,
    MAX_KEYWORD,
    METRICS,
    KeywordMetrics,
    validate_month,
)
from semrush_async.apis.keywords_v4.endpoints import converter as _kw_converter
from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.v4 import V4Engine, structure

if TYPE_CHECKING:
    from semrush_async._core.session import Session

__all__ = ["KeywordsV4Resource"]


class KeywordsV4Resource:
    """Keyword API v4: ``metrics`` (20 units per request)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def metrics(self, keyword: str, country: str, month: str | None = None) -> KeywordMetrics:
        """Metrics of ``keyword`` in ``country`` (``US``, ``UK``...) for ``month``
        (``YYYY-MM``, default: the current month)."""
        problems: list[ErrorDetail] = []
        if not isinstance(keyword, str) or not keyword.strip() or len(keyword) > MAX_KEYWORD:
            problems.append(ErrorDetail(field="keyword", message="1 to 255 characters"))
        code = country.upper() if isinstance(country, str) else ""
        if code not in COUNTRIES:
            hint = " (the United Kingdom is UK)" if code == "GB" else ""
            problems.append(
                ErrorDetail(
                    field="country",
                    message=f"{country!r} is not supported{hint}: one of "
                    f"{', '.join(sorted(COUNTRIES))}",
                )
            )
        if month is not None:
            bad = validate_month(month)
            if bad:
                problems.append(ErrorDetail(field="month", message=bad))
        if problems:
            raise ValidationError("invalid keywords_v4.metrics request", details=problems)
        params = [("keyword", keyword), ("country", code)]
        if month is not None:
            params.append(("month", month))
        page = await V4Engine(self._session).send(METRICS, params=params)
        doc = dict(page.data or {})
        doc.setdefault("keyword", page.meta.get("keyword", keyword))
        doc.setdefault("country", page.meta.get("country", code))
        doc.setdefault("month", page.meta.get("month", month))
        return structure(_kw_converter, doc, KeywordMetrics, "keyword metrics")
