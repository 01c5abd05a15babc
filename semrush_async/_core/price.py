"""``Price``: API units per line or per request (kept apart so the report tables and
the unit meter can both import it)."""

from __future__ import annotations

import attrs

__all__ = ["Price"]


@attrs.frozen(slots=True)
class Price:
    """``units`` per line (``per_line``) or per request.

    ``known=False`` marks a price no source documents: ``units`` is then an
    estimate (the v3 equivalent). It is reserved, so a budget still holds; the call
    is then settled from the account balance when the client can read it
    (:meth:`UnitMeter.measure`), else at the estimate, counted in
    :attr:`UnitMeter.estimated`.
    """

    units: int
    per_line: bool
    known: bool = True
    #: An empty answer (``NOTHING FOUND``) is charged too (a per-request price).
    empty_charged: bool = False

    def cost(self, lines: int) -> int:
        """Units for a response of ``lines`` lines (reserve with lines requested,
        settle with lines received)."""
        return self.units * lines if self.per_line else self.units
