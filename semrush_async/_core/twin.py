"""Building frozen slotted rows fast: a mutable twin class with the same slots.

Building a frozen attrs object normally costs one ``object.__setattr__`` call per
field. A decoder can instead fill a mutable twin class with the same slots (plain
attribute stores, which CPython specialises) and then re-label the object with
``__class__``. CPython allows that only when both layouts are identical, which is
why row classes have no ``__weakref__`` slot (``weakref_slot=False``); where it is
refused, :func:`twin_of` returns None and decoders fill the slots through their
descriptors. Both engines' decoders use it (``v3.decode``, ``v4.convert``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["twin_of"]


def twin_of(cls: type[Any]) -> type[Any] | None:
    """A mutable class whose instances may become ``cls`` instances, or None."""
    twin = type(f"_Mutable{cls.__name__}", (), {"__slots__": cls.__slots__})
    try:
        twin().__class__ = cls
    except TypeError:  # a __weakref__ slot, or another interpreter's layout rules
        return None
    return twin
