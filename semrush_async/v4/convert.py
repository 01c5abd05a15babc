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
import json
import logging
import math
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Generic, NoReturn, TypeVar

import attrs
import cattrs
import msgspec
from cattrs.cols import (
    homogenous_tuple_structure_factory,
    is_mapping,
    is_sequence,
    list_structure_factory,
    mapping_structure_factory,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from semrush_async import errors
from semrush_async._core.twin import twin_of

#: ``YYYY-MM``: the month format of API v4 (Keyword v4 ``month``, Backlinks v4
#: ``date_from``/``date_to``).
MONTH: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

__all__ = [
    "MONTH",
    "DecodedRows",
    "OpenStrEnum",
    "RowDecoder",
    "camel",
    "fast_decoder",
    "make_converter",
    "page_decoder",
    "parse_timestamp",
    "structure",
    "structure_input",
]

logger: Final = logging.getLogger("semrush_async")

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


class DecodedRows(list):  # type: ignore[type-arg]
    """The ``data`` list of a page that :meth:`RowDecoder.page` decoded into rows
    already (the pager hands it on instead of decoding each item)."""

    __slots__ = ()


class RowDecoder(Generic[T]):
    """The decoder of one row model: ``decoder(item)`` makes one row from a JSON
    object; ``decoder.page`` (None when the model has fields it cannot type) parses a
    whole ``{"meta": ..., "data": [...]}`` body at once into the document with its
    ``data`` already rows (:class:`DecodedRows`), falling back to ``json.loads``.
    """

    __slots__ = ("_one", "model", "page")

    def __init__(
        self,
        model: type[T],
        one: Callable[[Any], T],
        page: Callable[[bytes], Any] | None,
    ) -> None:
        self.model = model
        self._one = one
        self.page = page

    def __call__(self, item: Any) -> T:
        return self._one(item)

    def rows(self, items: Sequence[Any]) -> list[T]:
        """The rows of a page's items (decoded already when :attr:`page` parsed it)."""
        if type(items) is DecodedRows:
            return list(items)
        one = self._one
        return [one(item) for item in items]


def fast_decoder(
    cls: type[T],
    converter: cattrs.Converter,
    hooks: Mapping[type, Callable[[Any], Any]],
    what: str,
) -> RowDecoder[T]:
    """The :class:`RowDecoder` of flat rows whose fields are all ``X | None`` (default
    None) with X a JSON scalar (int, str, bool, float), a type with a hook in
    ``hooks`` (datetime), ``tuple[int, ...]`` or (pages only) a str enum.

    One item: values whose JSON type already matches are taken as they are (no
    per-field dispatch, several times faster than a generic structure call on big
    listings); anything unexpected falls back to the converter, so decoding stays as
    strict and as tolerant as :func:`structure`.

    A page (:func:`page_decoder`): msgspec reads the body straight into structs; a
    body it refuses goes through ``json.loads`` and the one-item path, so the rows
    are the same either way.
    """
    return RowDecoder(
        cls, _one_decoder(cls, converter, hooks, what), page_decoder(cls, hooks, what)
    )


def _one_decoder(
    cls: type[T],
    converter: cattrs.Converter,
    hooks: Mapping[type, Callable[[Any], Any]],
    what: str,
) -> Callable[[Any], T]:
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
        except (TypeError, ValueError, OverflowError):
            # A hook refused a value (e.g. a malformed timestamp), or an int too big
            # for a float: the converter reports it the documented way.
            return slow(d)  # type: ignore[no-any-return]

    return decode


# --- whole pages through msgspec --------------------------------------------------------


def _str_enum(t: Any) -> bool:
    return (
        isinstance(t, type)
        and issubclass(t, enum.Enum)
        and all(isinstance(m.value, str) for m in t)
    )


def _struct_field(t: Any, hooks: Mapping[type, Callable[[Any], Any]]) -> tuple[Any, Any] | None:
    """(msgspec type, conversion or None) of one field's non-None type, or None."""
    if t in hooks:
        # Any: msgspec hands the hook the JSON value as json.loads would.
        return Any, hooks[t]
    if t in (int, str, bool, float):
        # Strict: an int field refuses true and 1.5, a float takes 1 as 1.0 (as the
        # one-item path does); anything else sends the page the tolerant way.
        return t, None
    if typing.get_origin(t) is tuple and typing.get_args(t) == (int, ...):
        return t, None
    if _str_enum(t):
        return str, t
    return None


def _plain_row(cls: type[Any]) -> bool:
    """Rows built without ``__init__`` must not need it: every field defaults to
    None, with no validator, converter or post-init hook."""
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return False
    return all(
        a.default is None and a.validator is None and a.converter is None and a.init
        for a in attrs.fields(cls)
    )


def page_decoder(
    cls: type[T], hooks: Mapping[type, Callable[[Any], Any]], what: str
) -> Callable[[bytes], Any] | None:
    """A parser of whole v4 pages whose ``data`` is a list of ``cls`` rows.

    The body is decoded by msgspec into structs generated from ``cls`` (strict types,
    unknown fields ignored, a top-level key other than ``meta``/``data`` refused), and
    each struct's values are stored into a ``cls`` row through the mutable twin class
    (see :mod:`semrush_async.v3.decode`: rows need ``weakref_slot=False`` for it;
    others are filled through their slot descriptors). Anything refused (a wrong
    type, a value a hook rejects, malformed JSON) makes the page go through
    ``json.loads``, whose ``data`` items the one-item decoder then reads as before.
    None if ``cls`` has a field type this cannot decode.
    """
    if not attrs.has(cls) or not _plain_row(cls):
        return None
    hints = typing.get_type_hints(cls)
    spec: list[tuple[str, Any, Any]] = []
    ns: dict[str, Any] = {"_cls": cls, "_twin": twin_of(cls), "_new": object.__new__}
    stores: list[str] = []
    for i, a in enumerate(attrs.fields(cls)):
        args = [t for t in typing.get_args(hints[a.name]) if t is not type(None)]
        field = _struct_field(args[0], hooks) if len(args) == 1 else None
        if field is None:
            return None
        kind, convert = field
        spec.append((f"f{i}", kind | None, msgspec.field(default=None, name=a.name)))
        value = f"s.f{i}"
        if convert is not None:
            ns[f"_c{i}"] = convert
            value = f"_c{i}(v) if (v := s.f{i}) is not None else None"
        if ns["_twin"] is not None:
            stores.append(f"        o.{a.name} = {value}")
        else:
            ns[f"_s{i}"] = getattr(cls, a.name).__set__
            stores.append(f"        _s{i}(o, {value})")
    # gc=False: the structs only hold JSON values (no cycles), and untracked
    # structs spare the collector a pass over every row of a big page.
    row = msgspec.defstruct(f"_{cls.__name__}Struct", spec, gc=False)
    page = msgspec.defstruct(
        f"_{cls.__name__}Page",
        [("data", list[row]), ("meta", Any, msgspec.UNSET)],  # type: ignore[valid-type]
        forbid_unknown_fields=True,
    )
    lines = [
        "def build(items):",
        "    out = _Rows()",
        "    app = out.append",
        "    for s in items:",
    ]
    lines.append("        o = _twin()" if ns["_twin"] is not None else "        o = _new(_cls)")
    lines += stores
    if ns["_twin"] is not None:
        lines.append("        o.__class__ = _cls")
    lines += ["        app(o)", "    return out"]
    ns["_Rows"] = DecodedRows
    exec("\n".join(lines), ns)  # noqa: S102 - code built from attrs field names only
    build: Callable[[list[Any]], DecodedRows] = ns["build"]
    decode: Callable[[bytes], Any] = msgspec.json.Decoder(page).decode

    def parse(body: bytes) -> Any:
        try:
            got = decode(body)
            doc: dict[str, Any] = {"data": build(got.data)}
        except Exception as e:  # any refusal: the tolerant path decides
            logger.debug("%s page: not decoded strictly (%s); decoding it item by item", what, e)
            return json.loads(body)
        if got.meta is not msgspec.UNSET:
            doc["meta"] = got.meta
        return doc

    return parse
