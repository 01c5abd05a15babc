"""Limits: what a governor enforces (:class:`Limit`), the account-wide default, and
the table of every governor's limit (published, learned from the rows, overridden)."""

from __future__ import annotations

import enum
import warnings
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["DEFAULT_LIMITS", "RENAMED", "Limit", "LimitTable", "Strategy", "resolve_limits"]


class Strategy(enum.Enum):
    """How an endpoint's starts are admitted."""

    SPACED = "spaced"
    SLIDING_WINDOW = "sliding_window"


@attrs.frozen(slots=True)
class Limit:
    """``rate`` request starts per ``per`` seconds, at most ``concurrency`` in flight."""

    rate: int = attrs.field(validator=attrs.validators.gt(0))
    per: float = attrs.field(validator=attrs.validators.gt(0))
    concurrency: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.gt(0))
    )
    strategy: Strategy = Strategy.SPACED


#: The one limit that is truly account-wide: "10 requests per second and 10
#: simultaneous requests per account", across every Semrush API method. Every
#: Analytics v3 report and every v4 method without a published limit of its own goes
#: through it; a v4 method with its own limit goes through its governor and then
#: through ``account``. Every other governor's limit is declared by the rows that use
#: it (an ``Endpoint``'s ``limit=``, a family's table) and learned when the client
#: binds the family (:meth:`LocalGovernance.register`).
DEFAULT_LIMITS: Final[Mapping[str, Limit]] = {
    "account": Limit(10, 1.0, concurrency=10),
}


#: Old endpoint names still accepted in ``limits=`` (with a DeprecationWarning).
RENAMED: Final[Mapping[str, str]] = {"analytics": "account"}


def _renamed(limits: Mapping[str, Limit] | None) -> dict[str, Limit]:
    given = dict(limits or {})
    for old, new in RENAMED.items():
        if old in given:
            warnings.warn(
                f"the {old!r} governor is now called {new!r} (it governs the whole account)",
                DeprecationWarning,
                stacklevel=4,
            )
            given.setdefault(new, given.pop(old))
    return given


class LimitTable:
    """The limit of every governor: the account-wide default, the published ones
    learned from the rows that declare them (``register``), and the user's overrides,
    which win.

    An override is usable at once (a governance can be used on its own); ``check()``
    (the client calls it once every family is bound) refuses one that names a
    governor no family declared, naming those that exist.
    """

    def __init__(self, overrides: Mapping[str, Limit] | None = None) -> None:
        self.overrides = _renamed(overrides)
        self.declared: set[str] = set(DEFAULT_LIMITS)
        self.limits: dict[str, Limit] = {**DEFAULT_LIMITS, **self.overrides}

    def register(self, published: Mapping[str, Limit]) -> None:
        """Learn the published limits of a family's governors (an override, or a
        governor already known, keeps its limit)."""
        for name, limit in published.items():
            self.declared.add(name)
            self.limits.setdefault(name, limit)

    def check(self) -> None:
        """Refuse overrides of governors no bound family declared."""
        unknown = set(self.overrides) - self.declared
        if unknown:
            raise ValueError(
                f"unknown endpoint name(s) {sorted(unknown)}; expected some of "
                f"{sorted(self.declared)}"
            )


def resolve_limits(limits: Mapping[str, Limit] | None) -> dict[str, Limit]:
    """Deprecated: the account-wide defaults plus ``limits`` (governors are now
    learned from the families a client binds; see :class:`LimitTable`)."""
    return dict(LimitTable(limits).limits)
