"""The one check for every count a caller gives (``limit``, ``offset``, ``page_size``,
``workers``, ...): an ``int`` (never a ``bool`` or a float such as ``2.5e3``) within
its range, refused before anything is sent.

Every pager and every other method that takes a count calls :func:`count_problem`
(to collect problems) or :func:`check_count` (to raise at once), so the rule and its
wording exist once.
"""

from __future__ import annotations

from collections.abc import Iterable

from semrush_async.errors import ErrorDetail, ValidationError

__all__ = ["check_count", "check_counts", "count_problem", "is_count"]


def is_count(value: object) -> bool:
    """True for an ``int`` that is not a ``bool``."""
    return isinstance(value, int) and not isinstance(value, bool)


def _allowed(minimum: int | None, maximum: int | None, optional: bool) -> str:
    if minimum is not None and maximum is not None:
        text = f"an integer from {minimum} to {maximum}"
    elif minimum is not None:
        text = f"an integer >= {minimum}"
    elif maximum is not None:
        text = f"an integer <= {maximum}"
    else:
        text = "an integer"
    return text + (" or None" if optional else "")


def count_problem(
    field: str,
    value: object,
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
    optional: bool = False,
) -> ErrorDetail | None:
    """None when ``value`` is an allowed count, else the problem naming the field
    and what it allows (``optional``: None is allowed too)."""
    if value is None and optional:
        return None
    ok = is_count(value)
    if ok:
        assert isinstance(value, int)
        ok = (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if ok:
        return None
    allowed = _allowed(minimum, maximum, optional)
    got = repr(value) if is_count(value) else f"{type(value).__name__} {value!r}"
    return ErrorDetail(
        code="INVALID_COUNT", field=field, message=f"{field} must be {allowed}, got {got}"
    )


def check_counts(what: str, problems: Iterable[ErrorDetail | None]) -> None:
    """Raise one ValidationError listing every problem (none: return)."""
    found = [p for p in problems if p is not None]
    if found:
        raise ValidationError(f"invalid {what}", details=found)


def check_count(
    field: str, value: object, *, minimum: int | None = 0, maximum: int | None = None
) -> int:
    """``value`` if it is an allowed count (see :func:`count_problem`), else raise."""
    problem = count_problem(field, value, minimum=minimum, maximum=maximum)
    if problem is not None:
        raise ValidationError(f"invalid {field}", details=[problem])
    assert isinstance(value, int)
    return value
