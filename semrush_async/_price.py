"""``Price``: API units per line or per request (kept apart so the report tables and
the unit meter can both import it)."""

from __future__ import annotations

import attrs

__all__ = ["Price"]


@attrs.frozen(slots=True)
class Price:
    """``units`` per line (``per_line``) or per request."""

    units: int
    per_line: bool

    def cost(self, lines: int) -> int:
        """Units for a response of ``lines`` lines (reserve with lines requested,
        settle with lines received)."""
        return self.units * lines if self.per_line else self.units
