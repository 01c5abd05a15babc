"""Building frozen slotted rows fast: a mutable twin class with the same slots, and
fields converted on first read.

Building a frozen attrs object normally costs one ``object.__setattr__`` call per
field. A decoder can instead fill a mutable twin class with the same slots (plain
attribute stores, which CPython specialises) and then re-label the object with
``__class__``. CPython allows that only when both layouts are identical, which is
why row classes have no ``__weakref__`` slot (``weakref_slot=False``); where it is
refused, :func:`twin_of` returns None and decoders fill the slots through their
descriptors. Both engines' decoders use it (``v3.decode``, ``v4.convert``).

A :class:`Deferred` field holds its raw cell (a plain ``str``) until it is first
read: the decoder stores the cell through the slot, and the first read converts it
and stores the value back in the slot. Everything that reads a row (attrs'
``__eq__``, ``__hash__``, ``__repr__``, ``__getstate__``, ``attrs.asdict``,
``attrs.evolve``, cattrs) reads through ``getattr``, so it only ever sees values.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Deferred", "slot_setter", "twin_of"]


def twin_of(cls: type[Any]) -> type[Any] | None:
    """A mutable class whose instances may become ``cls`` instances, or None."""
    twin = type(f"_Mutable{cls.__name__}", (), {"__slots__": cls.__slots__})
    try:
        twin().__class__ = cls
    except TypeError:  # a __weakref__ slot, or another interpreter's layout rules
        return None
    return twin


class _Verbatim:
    """A ``str`` given by the user for a deferred field: kept as given, never converted."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value


class Deferred:
    """A slotted row field converted on first read (a data descriptor over the slot).

    The slot holds a raw cell (exactly ``str``) until the first read converts it with
    ``cell`` and stores the value back through the slot (a frozen row refuses
    ``__setattr__``, the slot's own descriptor does not), so every later read returns
    the same object. ``eager`` is the field's column converter and ``deferring`` the
    column converter that returns the raw cells instead, or ``eager``'s values for a
    column whose cells might not all convert (so an error stays where it was: at
    parse time). A value set otherwise (``Row(field=...)``, unpickling) is kept as it
    is, a ``str`` included."""

    __slots__ = ("_get", "_set", "cell", "deferring", "eager", "member")

    def __init__(
        self,
        member: Any,
        cell: Callable[[str], Any],
        eager: Callable[[Sequence[str]], Sequence[Any]],
        deferring: Callable[[Sequence[str]], Sequence[Any]],
    ) -> None:
        if type(member) is not types.MemberDescriptorType:
            raise TypeError(f"a deferred field needs a slot, not {member!r}")
        self.member = member
        self._get = member.__get__
        self._set = member.__set__
        self.cell = cell
        self.eager = eager
        self.deferring = deferring

    def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        value = self._get(obj, owner)
        kind = type(value)
        if kind is str:
            value = self.cell(value)
            self._set(obj, value)
        elif kind is _Verbatim:
            return value.value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self._set(obj, _Verbatim(value) if type(value) is str else value)

    def __delete__(self, obj: Any) -> None:
        self.member.__delete__(obj)

    def __repr__(self) -> str:
        return f"<deferred field {self.member.__name__!r} of {self.member.__objclass__.__name__}>"


def slot_setter(cls: type[Any], field: str) -> Callable[[Any, Any], None]:
    """The setter a decoder stores ``field`` of ``cls`` rows with: the slot's own
    (a deferred field's raw cell is stored as it is)."""
    attr = getattr(cls, field)
    if isinstance(attr, Deferred):
        attr = attr.member
    setter: Callable[[Any, Any], None] = attr.__set__
    return setter
