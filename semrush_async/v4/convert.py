"""Decoding v4 JSON into frozen attrs models: one converter recipe, tolerant by design.

v4 objects were often only partly visible in the docs, so decoding ignores unknown
fields, keeps unknown enum values (:class:`OpenStrEnum`) and parses every timestamp
precision the docs show (``.66Z`` to nanoseconds).

User input goes the other way and is strict (``make_converter(strict=True)``): a
``str`` field takes only a ``str``, an ``int`` only an ``int`` (not a ``bool``), a
``float`` only a finite number, a list only a list or tuple (never a string, which
would be split into characters), a nested object only its model or a JSON object
without unknown keys. :func:`structure_input` turns every refusal into one
:class:`~semrush_async.errors.ValidationError` naming each field and what it allows.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn, TypeVar

import attrs
import cattrs
from cattrs.cols import (
    homogenous_tuple_structure_factory,
    is_mapping,
    is_sequence,
    list_structure_factory,
    mapping_structure_factory,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from semrush_async import errors

#: ``YYYY-MM``: the month format of API v4 (Keyword v4 ``month``, Backlinks v4
#: ``date_from``/``date_to``).
MONTH: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

__all__ = [
    "MONTH",
    "OpenStrEnum",
    "camel",
    "make_converter",
    "parse_timestamp",
    "structure",
    "structure_input",
]

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
    strict: bool = False,
    forbid_extra_keys: bool | None = None,
) -> cattrs.Converter:
    """A converter for one v4 product.

    Classes in ``camel_case`` read and write camelCase keys; ``renames`` names
    individual wire keys (``{Project: {"domain": "url"}}``). Unknown keys are ignored;
    :class:`OpenStrEnum` subclasses keep unknown values; datetimes parse any precision.

    ``strict``: a converter for user input instead (see the module docstring); a
    model instance is accepted where its JSON object is, and re-checked field by field.
    Unknown keys are refused when strict unless ``forbid_extra_keys`` is False.
    """
    c = cattrs.Converter(
        forbid_extra_keys=strict if forbid_extra_keys is None else forbid_extra_keys
    )
    c.register_unstructure_hook(dt.datetime, lambda d: d.isoformat().replace("+00:00", "Z"))
    c.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    if not strict:
        c.register_structure_hook(dt.datetime, lambda v, _: parse_timestamp(v))
        c.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
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
    if strict:
        _strict_hooks(c, wires)
    return c


# --- strict input ---------------------------------------------------------------------


class InputRefused(TypeError):
    """A strict hook refused a value; the message says what the field allows."""


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _refuse(expected: str, value: Any) -> NoReturn:
    raise InputRefused(f"expected {expected}, got {_shown(value)}")


def _str(v: Any, t: Any) -> str:
    if t is not str and isinstance(t, type) and issubclass(t, enum.Enum):
        return _enum(v, t)  # type: ignore[no-any-return]
    return v if isinstance(v, str) else _refuse("a string", v)


def _int(v: Any, _: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        _refuse("an integer", v)
    return v


def _float(v: Any, _: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        _refuse("a number", v)
    if not math.isfinite(v):
        _refuse("a finite number (JSON has no NaN or Infinity)", v)
    return float(v)


def _bool(v: Any, _: Any) -> bool:
    return v if isinstance(v, bool) else _refuse("true or false", v)


_DAY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(v: Any, _: Any) -> dt.date:
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if isinstance(v, str) and _DAY.match(v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    _refuse('a date (datetime.date or "YYYY-MM-DD")', v)


def _datetime(v: Any, _: Any) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, str):
        try:
            return parse_timestamp(v)
        except ValueError:
            pass
    _refuse("a datetime or an ISO-8601 timestamp", v)


def _enum(v: Any, t: type[enum.Enum]) -> Any:
    allowed = ", ".join(str(m.value) for m in t)
    if not isinstance(v, str):
        _refuse(f"one of {allowed}", v)
    try:
        return t(v)
    except ValueError:
        _refuse(f"one of {allowed}", v)


def _strict_hooks(c: cattrs.Converter, wires: Mapping[type, Mapping[str, Any]]) -> None:
    # Class hooks (cattrs looks these up before predicate hooks, also for the type
    # inside ``X | None``); they catch subclasses too, so _str also serves str enums.
    c.register_structure_hook(str, _str)
    c.register_structure_hook(int, _int)
    c.register_structure_hook(float, _float)
    c.register_structure_hook(bool, _bool)
    c.register_structure_hook(dt.date, _date)
    c.register_structure_hook(dt.datetime, _datetime)
    c.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enum
    )

    def sequence(t: Any) -> Callable[[Any, Any], Any]:
        inner = (
            homogenous_tuple_structure_factory(t, c)
            if getattr(t, "__origin__", t) is tuple
            else list_structure_factory(t, c)
        )

        def hook(v: Any, _: Any) -> Any:
            # A string is a sequence too: "ab" would become ["a", "b"].
            if not isinstance(v, list | tuple):
                _refuse("a list", v)
            return inner(v, t)

        return hook

    def mapping(t: Any) -> Callable[[Any, Any], Any]:
        inner = mapping_structure_factory(t, c)

        def hook(v: Any, _: Any) -> Any:
            if not isinstance(v, Mapping):
                _refuse("an object", v)
            return inner(v, t)

        return hook

    def model(t: Any) -> Callable[[Any, Any], Any]:
        by_wire = make_dict_structure_fn(t, c, **wires.get(t, {}))
        by_name = make_dict_structure_fn(t, c)
        names = [a.name for a in attrs.fields(t)]

        def hook(v: Any, _: Any) -> Any:
            if isinstance(v, t):
                # attrs does not check types: rebuild the instance from its values.
                return by_name({n: getattr(v, n) for n in names}, t)
            if not isinstance(v, Mapping):
                _refuse(f"a {t.__name__} or a JSON object", v)
            return by_wire(v, t)

        return hook

    c.register_structure_hook_factory(is_sequence, sequence)
    c.register_structure_hook_factory(is_mapping, mapping)
    c.register_structure_hook_factory(attrs.has, model)


def _input_message(exc: BaseException, _: type | None) -> str:
    if isinstance(exc, InputRefused):
        return str(exc)
    if isinstance(exc, KeyError):
        return "is required"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown key(s) {', '.join(sorted(exc.extra_fields))}"
    return str(exc) or type(exc).__name__


def input_details(exc: BaseException, root: str) -> list[errors.ErrorDetail]:
    """Each refusal in a structuring error as an ErrorDetail named by its field path."""
    if not isinstance(exc, cattrs.BaseValidationError):
        return [errors.ErrorDetail(field=root, message=_input_message(exc, None))]
    out = []
    for line in cattrs.transform_error(exc, format_exception=_input_message):
        message, _, where = line.rpartition(" @ ")
        if not message:
            message, where = where, "$"
        path = where.removeprefix("$")
        field = path[1:] if path.startswith(".") and not root else root + path
        out.append(errors.ErrorDetail(field=field or root or None, message=message))
    return out


def structure_input(
    converter: cattrs.Converter, data: Any, cls: Any, what: str, *, root: str = ""
) -> Any:
    """Structure user input with a strict converter; any refusal raises one
    ValidationError naming every field (under ``root``) and what it allows."""
    try:
        return converter.structure(data, cls)
    except Exception as e:
        details = input_details(e, root)
        raise errors.ValidationError(f"invalid {what}", details=details) from None


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
