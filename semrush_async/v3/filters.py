"""A small builder for Analytics ``display_filter`` values.

``Filter.include("type", "follow")`` -> ``+|type||follow``;
``Filter.exclude("refdomain", "spam.com", op=FilterOp.CONTAINS)`` ->
``-|refdomain|Co|spam.com``. Conditions are joined with ``|`` (at most 25); the
transport URL-encodes the whole value (``+`` -> ``%2B``, ``|`` -> ``%7C``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from semrush_async.errors import ErrorDetail, ValidationError

__all__ = ["MAX_CONDITIONS", "Filter", "FilterOp", "encode_filters"]

MAX_CONDITIONS: Final = 25
#: Fields whose values are fixed words: the operation stays empty (``+|type||follow``).
FIXED_VALUE_FIELDS: Final = frozenset(
    {"type", "newlink", "lostlink", "redirects", "newdomain", "lostdomain"}
)


class FilterOp(enum.StrEnum):
    BEGINS_WITH = "Bw"
    ENDS_WITH = "Ew"
    EQUALS = "Eq"
    CONTAINS = "Co"
    WILDCARD = "Wm"
    GREATER = "Gt"
    LESS = "Lt"


_TEXT_OPS: Final = frozenset(
    {
        FilterOp.BEGINS_WITH,
        FilterOp.ENDS_WITH,
        FilterOp.EQUALS,
        FilterOp.CONTAINS,
        FilterOp.WILDCARD,
    }
)
_NUMERIC_OPS: Final = frozenset({FilterOp.EQUALS, FilterOp.GREATER, FilterOp.LESS})

# Analytics v3 root reports name filter fields by column code (``Nq``, ``Ph``): text
# fields take the text operations, fixed-value fields none, every other code is a
# number (list codes such as ``Fk`` and ``In`` match one member with ``Eq``).
V3_TEXT_FIELDS: Final = frozenset({"Ph", "Ur", "Vu", "Tt", "Ds", "Un", "Dn", "Qu", "Rt"})
V3_FIXED_VALUES: Final = {"Br": ("0", "1", "3"), "Hs": ("0", "1")}


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


@attrs.frozen(slots=True)
class Filter:
    """One ``display_filter`` condition."""

    include: bool
    field: str
    value: str
    op: FilterOp | None = None

    @classmethod
    def including(cls, field: str, value: str | int, op: FilterOp | str | None = None) -> Filter:
        """Keep rows matching (``+``)."""
        return cls(True, field, str(value), FilterOp(op) if op else None)

    @classmethod
    def excluding(cls, field: str, value: str | int, op: FilterOp | str | None = None) -> Filter:
        """Drop rows matching (``-``)."""
        return cls(False, field, str(value), FilterOp(op) if op else None)

    def encode(self) -> str:
        return f"{'+' if self.include else '-'}|{self.field}|{self.op or ''}|{self.value}"

    def problems(self, allowed_fields: Sequence[str]) -> list[str]:
        """Why this condition is invalid for a report with ``allowed_fields`` (empty: ok)."""
        if self.field not in allowed_fields:
            allowed = ", ".join(allowed_fields) or "none (this report takes no filters)"
            return [f"unknown filter field {self.field!r}; allowed: {allowed}"]
        out = []
        if "|" in self.value:
            out.append(f"filter value {self.value!r} contains '|', which cannot be escaped")
        if self.field in FIXED_VALUE_FIELDS:
            if self.op is not None:
                out.append(f"filter field {self.field!r} takes no operation (use op=None)")
        elif self.field in V3_FIXED_VALUES or self.field == "Db":
            if self.op is not None:
                out.append(f"filter field {self.field!r} takes no operation (use op=None)")
            allowed_values = V3_FIXED_VALUES.get(self.field)
            if allowed_values and self.value not in allowed_values:
                out.append(f"filter field {self.field!r} takes one of {', '.join(allowed_values)}")
        elif self.field[:1].isupper() and self.field not in V3_TEXT_FIELDS:
            if self.op not in _NUMERIC_OPS:
                out.append(f"filter field {self.field!r} needs op Eq, Gt or Lt")
            if not _is_number(self.value):
                out.append(f"filter field {self.field!r} needs a number, got {self.value!r}")
        elif self.field.startswith("backlinksnum_"):
            if self.op not in _NUMERIC_OPS:
                out.append(f"filter field {self.field!r} needs op Eq, Gt or Lt")
            if not self.value.lstrip("-").isdigit():
                out.append(f"filter field {self.field!r} needs an integer value")
        elif self.op not in _TEXT_OPS:
            out.append(f"filter field {self.field!r} needs op Bw, Ew, Eq, Co or Wm")
        return out


def encode_filters(filters: Iterable[Filter | str], allowed_fields: Sequence[str]) -> str:
    """Validate and join conditions; raw strings are parsed and checked the same way."""
    conds = [f if isinstance(f, Filter) else _parse(f) for f in filters]
    flat: list[Filter] = []
    for c in conds:
        flat.extend(c if isinstance(c, list) else [c])
    details: list[ErrorDetail] = []
    if len(flat) > MAX_CONDITIONS:
        details.append(
            ErrorDetail(
                message=f"{len(flat)} conditions; at most {MAX_CONDITIONS}", field="filters"
            )
        )
    for i, f in enumerate(flat):
        details += [
            ErrorDetail(message=m, field="filters", index=i) for m in f.problems(allowed_fields)
        ]
    if details:
        raise ValidationError("invalid display_filter", details=details)
    return "|".join(f.encode() for f in flat)


def _parse(raw: str) -> list[Filter]:
    parts = raw.split("|")
    if len(parts) % 4:
        raise ValidationError(
            f"display_filter {raw!r} is not sign|field|operation|value groups",
            details=[ErrorDetail(field="filters", message="expected groups of four")],
        )
    out = []
    for i in range(0, len(parts), 4):
        sign, field, op, value = parts[i : i + 4]
        if sign not in ("+", "-"):
            raise ValidationError(f"display_filter sign must be + or -, got {sign!r}")
        try:
            fop = FilterOp(op) if op else None
        except ValueError:
            raise ValidationError(
                f"unknown filter operation {op!r}; allowed: {', '.join(o.value for o in FilterOp)}"
            ) from None
        out.append(Filter(sign == "+", field, value, fop))
    return out
