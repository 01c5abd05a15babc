"""Decoding v4 JSON into frozen attrs models: one converter recipe, tolerant by design.

v4 objects were often only partly visible in the docs, so decoding ignores unknown
fields, keeps unknown enum values (:class:`OpenStrEnum`) and parses every timestamp
precision the docs show (``.66Z`` to nanoseconds).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .. import errors

__all__ = ["OpenStrEnum", "camel", "make_converter", "parse_timestamp", "structure"]

T = TypeVar("T")
E = TypeVar("E", bound="OpenStrEnum")


class OpenStrEnum(enum.StrEnum):
    """A closed set from the docs that still accepts values the server adds later.

    ``Status("NEW_VALUE")`` returns a pseudo-member (not in the class's members) whose
    ``known`` is False, instead of raising: a new server value must not break decoding.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """False for a value the docs did not list."""
        return self._name_ in type(self).__members__


_TS: Final = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(value: Any, *, naive_is_utc: bool = True) -> dt.datetime:
    """An ISO-8601 timestamp with any fraction (1 to 9 digits) and optional zone.

    Digits past microseconds are dropped (Python's datetime stops there). Without a
    zone the value is taken as UTC when ``naive_is_utc`` (else returned naive).
    """
    if isinstance(value, dt.datetime):
        return value
    m = _TS.match(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f"{value!r} is not an ISO-8601 timestamp")
    day, clock, frac, zone = m.groups()
    if clock.count(":") == 1:
        clock += ":00"
    text = f"{day}T{clock}"
    if frac:
        text += "." + frac[:6].ljust(6, "0")
    if zone:
        text += "+00:00" if zone == "Z" else zone
    out = dt.datetime.fromisoformat(text)
    if out.tzinfo is None and naive_is_utc:
        out = out.replace(tzinfo=dt.UTC)
    elif out.tzinfo is not None:
        out = out.astimezone(dt.UTC)
    return out


def camel(name: str) -> str:
    """``domain_unicode`` -> ``domainUnicode`` (a trailing ``_`` is dropped)."""
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def make_converter(
    *,
    camel_case: tuple[type, ...] = (),
    renames: Mapping[type, Mapping[str, str]] | None = None,
) -> cattrs.Converter:
    """A converter for one v4 product.

    Classes in ``camel_case`` read and write camelCase keys; ``renames`` names
    individual wire keys (``{Project: {"domain": "url"}}``). Unknown keys are ignored;
    :class:`OpenStrEnum` subclasses keep unknown values; datetimes parse any precision.
    """
    c = cattrs.Converter(forbid_extra_keys=False)
    c.register_structure_hook(dt.datetime, lambda v, _: parse_timestamp(v))
    c.register_unstructure_hook(dt.datetime, lambda d: d.isoformat().replace("+00:00", "Z"))
    c.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    c.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    c.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, OpenStrEnum),
        lambda v, t: t(v),
    )
    named = dict(renames or {})
    wires: dict[type, dict[str, Any]] = {}
    for cls in {*camel_case, *named}:
        wire: dict[str, Any] = {}
        for a in attrs.fields(cls):
            key = named.get(cls, {}).get(a.name)
            if key is None and cls in camel_case:
                key = camel(a.name)
            if key is not None and key != a.name:
                wire[a.name] = override(rename=key)
        wires[cls] = wire
    # Factories, not hooks made here: a generated hook resolves its fields' hooks when
    # it is made, so a class made before the renamed class it nests would read the
    # nested object with Python names (it depended on set order). A factory runs on
    # first use, when every renamed class is known.
    c.register_structure_hook_factory(
        lambda t: t in wires, lambda t: make_dict_structure_fn(t, c, **wires[t])
    )
    c.register_unstructure_hook_factory(
        lambda t: t in wires, lambda t: make_dict_unstructure_fn(t, c, **wires[t])
    )
    return c


def structure(converter: cattrs.Converter, data: Any, cls: type[T], what: str) -> T:
    """Structure server data, turning a shape mismatch into one clear APIError."""
    try:
        return converter.structure(data, cls)
    except Exception as e:
        msgs = cattrs.transform_error(e) if isinstance(e, cattrs.BaseValidationError) else [str(e)]
        raise errors.APIError(
            f"the server sent a {what} this client cannot decode: {'; '.join(msgs)[:300]}",
            hint="Upgrade semrush-async, or report the response shape as a bug",
        ) from None


_PLAIN: Final[Mapping[Any, str]] = {int: "int", str: "str", bool: "bool"}


def fast_decoder(
    cls: type[T],
    converter: cattrs.Converter,
    hooks: Mapping[type, Callable[[Any], Any]],
    what: str,
) -> Callable[[Any], T]:
    """A decoder for flat rows whose fields are all ``X | None`` with X a JSON scalar
    (int, str, bool, float), a type with a hook in ``hooks`` (datetime), or
    ``tuple[int, ...]``.

    Values whose JSON type already matches are taken as they are (no per-field
    dispatch, several times faster than a generic structure call on big listings);
    anything unexpected falls back to the converter, so decoding stays as strict and
    as tolerant as :func:`structure`.
    """
    import typing

    lines = ["def decode(d):", "    if type(d) is not dict: return slow(d)"]
    ns: dict[str, Any] = {"cls": cls, "slow": lambda d: structure(converter, d, cls, what)}
    names: list[str] = []
    hints = typing.get_type_hints(cls)
    for i, a in enumerate(attrs.fields(cls)):  # type: ignore[arg-type]
        args = [t for t in typing.get_args(hints[a.name]) if t is not type(None)]
        if len(args) != 1:
            return lambda d: structure(converter, d, cls, what)
        t = args[0]
        v = f"v{i}"
        names.append(f"{a.name}={v}")
        lines.append(f"    {v} = d.get({a.name!r})")
        if t in _PLAIN:
            ns[_PLAIN[t]] = t
            lines.append(f"    if {v} is not None and type({v}) is not {_PLAIN[t]}: return slow(d)")
        elif t is float:
            lines.append(
                f"    if {v} is not None:\n"
                f"        if type({v}) is int: {v} = float({v})\n"
                f"        elif type({v}) is not float: return slow(d)"
            )
        elif t in hooks:
            ns[f"h{i}"] = hooks[t]
            lines.append(f"    if {v} is not None: {v} = h{i}({v})")
        elif typing.get_origin(t) is tuple and typing.get_args(t) == (int, ...):
            lines.append(
                f"    if {v} is not None:\n"
                f"        if type({v}) is not list or any(type(x) is not int for x in {v}): "
                "return slow(d)\n"
                f"        {v} = tuple({v})"
            )
        else:
            return lambda d: structure(converter, d, cls, what)
    lines.append(f"    return cls({', '.join(names)})")
    exec("\n".join(lines), ns)  # noqa: S102 - code built from attrs field names only
    fast: Callable[[Any], T] = ns["decode"]
    slow = ns["slow"]

    def decode(d: Any) -> T:
        try:
            return fast(d)
        except (TypeError, ValueError):
            # A hook refused a value (e.g. a malformed timestamp): the converter
            # reports it the documented way.
            return slow(d)  # type: ignore[no-any-return]

    return decode
