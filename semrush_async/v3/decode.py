"""Row classes and the one batch decoder of every v3 report.

``compile_decoder`` is the one batch decoder: rows are decoded a batch at a time,
column by column, each column through one C-level ``map`` (the one converter set,
:mod:`semrush_async.v3.columns`), and the objects are then built by one generated
function per (row class, column layout). A report's spec says which row class: a
hand-written one (``spec.row``: Backlinks), whose fields are named as the header's
cells, or one generated from the column registry (the root reports).

Building a frozen attrs object normally costs one ``object.__setattr__`` call per
field. The generated function instead fills a mutable twin class with the same
slots (plain attribute stores, which CPython specialises) and then re-labels the
object with ``__class__``. CPython allows that only when both layouts are identical,
which is why row classes have no ``__weakref__`` slot (``weakref_slot=False``);
where it is refused the function falls back to the slot descriptors.

Root reports have one generated frozen attrs class each (``DomainOrganicRow`` ...,
written by :mod:`semrush_async.v3.codegen` into the family's ``rows.py``, named by
``spec.rows_module``) with a field per available column (None when not requested).
``domain_domains`` rows also carry ``positions``: the compared domains mapped to
their positions (P0..P4).
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, cast

import attrs

from semrush_async._core.twin import Deferred, slot_setter, twin_of
from semrush_async.v3.columns import (
    COLUMNS,
    Column,
    Converter,
    converter,
    converter_for,
    lazy_columns,
)
from semrush_async.v3.spec import ReportSpec

__all__ = [
    "RowsDecoder",
    "compile_decoder",
    "compile_named",
    "row_class",
    "row_class_name",
    "twin_of",
    "v3_decoder",
]

RowsDecoder = Callable[[Sequence[Sequence[str]]], list[Any]]

#: Headers seen in the docs' examples that differ from the glossary (§10.1).
_ALTERNATE_HEADERS: Final[Mapping[str, str]] = {
    "Intent": "In",
    "SERP Features": "Fk",
    "Traffic Cost": "Tc",
}


def compile_decoder(
    cls: type[Any],
    twin: type[Any] | None,
    width: int,
    columns: Mapping[str, tuple[int, Converter | None]],
    name: str,
    computed: Mapping[str, Callable[[Sequence[Sequence[str]]], Sequence[Any]]] | None = None,
) -> RowsDecoder:
    """A function turning a batch of rows (each ``width`` fields) into ``cls`` rows.

    ``columns`` maps a field to (position, column converter or None for strings);
    ``computed`` maps a field to a function of all columns (e.g. per-target counts).
    Fields in neither are None. A field of ``cls`` converted on first read
    (:class:`~semrush_async._core.twin.Deferred`) given its eager converter gets the
    raw cells instead, where they will all convert.
    """
    computed = computed or {}
    ns: dict[str, Any] = {
        "_cls": cls,
        "_twin": twin,
        "_new": object.__new__,
        "_width": width,
        "_report": name,
    }
    exprs: list[str] = []
    stores: list[tuple[str, str]] = []
    for f in attrs.fields(cls):
        expr: str | None = None
        if f.name in computed:
            ns[f"_fn_{f.name}"] = computed[f.name]
            expr = f"_fn_{f.name}(cols)"
        elif f.name in columns:
            pos, conv = columns[f.name]
            deferred = getattr(cls, f.name, None)
            if isinstance(deferred, Deferred) and conv is deferred.eager:
                conv = deferred.deferring
            expr = f"cols[{pos}]"
            if conv is not None:
                ns[f"_conv_{f.name}"] = conv
                expr = f"_conv_{f.name}({expr})"
        if expr is None:
            stores.append((f.name, "None"))
        else:
            exprs.append(expr)
            stores.append((f.name, f"v{len(exprs) - 1}"))
    targets = ", ".join(f"v{i}" for i in range(len(exprs)))
    lines = [
        "def decode(rows):",
        "    if not rows:",
        "        return []",
        "    cols = list(zip(*rows, strict=True))",
        "    if len(cols) != _width:",
        "        raise ValueError(f'{_report}: rows of {len(cols)} fields, header of {_width}')",
        "    out = []",
        "    app = out.append",
    ]
    if exprs:
        # strict: a column of another length is an error, never rows silently lost.
        lines.append(f"    for {targets}, in zip({', '.join(exprs)}, strict=True):")
    else:
        lines.append("    for _ in rows:")
    if twin is not None:
        # Plain slot stores on the mutable twin, then one re-label; see above.
        lines.append("        o = _twin()")
        lines += [f"        o.{field} = {value}" for field, value in stores]
        lines.append("        o.__class__ = _cls")
    else:
        lines.append("        o = _new(_cls)")
        for field, value in stores:
            ns[f"_s_{field}"] = slot_setter(cls, field)
            lines.append(f"        _s_{field}(o, {value})")
    lines += ["        app(o)", "    return out"]
    exec("\n".join(lines), ns)  # noqa: S102 - code built from attrs field names only
    decode: RowsDecoder = ns["decode"]
    return decode


# --- generated row classes (root reports) ---------------------------------------------


def row_class_name(report: str) -> str:
    """The name of a generated row class: ``domain_organic`` -> ``DomainOrganicRow``."""
    return "".join(p.title() for p in report.split("_")) + "Row"


@functools.cache
def row_class(spec: ReportSpec) -> type[Any]:
    """The row class of a report: ``spec.row``, else the class of its name in
    ``spec.rows_module`` (the family's generated ``rows.py``), else one built now with
    the same fields (a family whose rows are not generated yet)."""
    if spec.row is not None:
        return spec.row
    if spec.rows_module:
        found = getattr(importlib.import_module(spec.rows_module), row_class_name(spec.type), None)
        if found is not None:
            return cast("type[Any]", found)
    cols: list[Column] = [COLUMNS[c] for c in spec.columns]
    fields: dict[str, Any] = {}
    for c in cols:
        annotation: Any = c.python_type | None
        fields[c.field] = attrs.field(default=None, type=annotation)
    if spec.target == "domains":
        positions: Any = Mapping[str, int | None] | None
        fields["positions"] = attrs.field(default=None, type=positions)
    name = row_class_name(spec.type)
    cls = attrs.make_class(
        name,
        fields,
        frozen=True,
        slots=True,
        kw_only=True,
        weakref_slot=False,
        cache_hash=False,
    )
    lazy = [c.code for c in cols if c.lazy]
    if lazy:
        cls = lazy_columns(*lazy)(cls)
    # Picklable: the family module that holds the table finds it by name (__getattr__).
    cls.__module__ = spec.rows_module or __name__
    cls.__doc__ = f"A row of ``{spec.type}`` ({spec.title}). Unrequested columns are None."
    return cls


_twin_cache: dict[type[Any], type[Any] | None] = {}


def _twin(cls: type[Any]) -> type[Any] | None:
    if cls not in _twin_cache:
        _twin_cache[cls] = twin_of(cls)
    return _twin_cache[cls]


def _positions(keys: tuple[str, ...], at: tuple[int, ...]) -> Callable[..., list[Any]]:
    def build(cols: Sequence[Sequence[str]]) -> list[dict[str, int | None]]:
        values = [[int(v) if v else None for v in cols[i]] for i in at]
        return [dict(zip(keys, row, strict=True)) for row in zip(*values, strict=True)]

    return build


def _layout(columns: tuple[str, ...], header: tuple[str, ...] | None) -> list[tuple[str, int]]:
    """(code, position) pairs. Cells are mapped by the requested order; when the
    header's width differs (Semrush may omit a column), by header name instead."""
    if header is None or len(header) == len(columns):
        return [(c, i) for i, c in enumerate(columns)]
    by_header = {COLUMNS[c].header: c for c in columns}
    by_header.update({h: c for h, c in _ALTERNATE_HEADERS.items() if c in columns})
    by_header.update({c: c for c in columns})
    return [(by_header[h], i) for i, h in enumerate(header) if h in by_header]


def v3_decoder(
    spec: ReportSpec,
    columns: tuple[str, ...],
    header: tuple[str, ...] | None = None,
    keys: tuple[str, ...] = (),
) -> RowsDecoder:
    """The decoder of ``spec``'s rows: for a hand-written row class, by the header's
    names; else for ``columns`` (``keys``: the domains compared by ``domain_domains``,
    in P0..P4 order)."""
    if spec.row is not None:
        return _named(spec.row, header if header is not None else columns, spec.type)
    return _v3_decoder(
        spec, columns, header if header and len(header) != len(columns) else None, keys
    )


@functools.lru_cache(maxsize=512)
def _v3_decoder(
    spec: ReportSpec,
    columns: tuple[str, ...],
    header: tuple[str, ...] | None,
    keys: tuple[str, ...],
) -> RowsDecoder:
    cls = row_class(spec)
    layout = _layout(columns, header)
    width = len(header) if header is not None else len(columns)
    fields: dict[str, tuple[int, Converter | None]] = {}
    for code, pos in layout:
        col = COLUMNS[code]
        fields[col.field] = (pos, converter(col.kind))
    computed = {}
    # Each requested Pn column that names a compared domain (Pn is the n-th domain).
    # None requested: ``positions`` stays None (a function of no columns would give
    # no rows at all, and the loop would yield none).
    named = [
        (keys[int(code[1])], pos)
        for code, pos in layout
        if code in ("P0", "P1", "P2", "P3", "P4") and int(code[1]) < len(keys)
    ]
    if spec.target == "domains" and named:
        computed["positions"] = _positions(
            tuple(k for k, _ in named), tuple(pos for _, pos in named)
        )
    return compile_decoder(cls, _twin(cls), width, fields, spec.type, computed)


# --- hand-written row classes (Backlinks): cells mapped by the header's names ----------


def _cell_type(tp: Any) -> Any:
    """``X | None`` -> ``X``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


_FIELD_TYPES: dict[type[Any], Mapping[str, Any]] = {}


def _field_types(cls: type[Any]) -> Mapping[str, Any]:
    found = _FIELD_TYPES.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = {f.name: _cell_type(hints[f.name]) for f in attrs.fields(cls)}
        _FIELD_TYPES[cls] = found
    return found


def _is_mapping(tp: Any) -> bool:
    return typing.get_origin(tp) in (collections.abc.Mapping, dict)


def compile_named(cls: type[Any], header: Sequence[str], name: str) -> RowsDecoder:
    """A decoder of rows of ``cls`` whose header names its fields (``name``: the report,
    for errors). Cells of other names are ignored, unless ``cls`` has a mapping field,
    which then maps each of them to its value (a matrix's per-target counts)."""
    types_ = _field_types(cls)
    position = {h: i for i, h in enumerate(header)}
    mapping = next((f for f, tp in types_.items() if _is_mapping(tp)), None)
    columns: dict[str, tuple[int, Converter | None]] = {}
    for field, tp in types_.items():
        if field in position and field != mapping:
            columns[field] = (position[field], converter_for(tp))
    computed = {}
    extra = tuple((h, i) for h, i in position.items() if h not in types_)
    if mapping is not None and extra:
        value = _cell_type(typing.get_args(types_[mapping])[1])
        convs = [converter_for(value) for _ in extra]
        computed[mapping] = functools.partial(_keyed, extra=extra, convs=convs)
    return compile_decoder(cls, _twin(cls), len(header), columns, name, computed)


_NAMED: dict[tuple[type[Any], tuple[str, ...], str], RowsDecoder] = {}


def _named(cls: type[Any], header: tuple[str, ...], name: str) -> RowsDecoder:
    # One decoder per (class, header), as the pager sees the same header page after page.
    key = (cls, header, name)
    found = _NAMED.get(key)
    if found is None:
        if len(_NAMED) >= 256:
            _NAMED.clear()
        found = _NAMED[key] = compile_named(cls, header, name)
    return found


def _keyed(
    cols: Sequence[Sequence[str]],
    extra: Sequence[tuple[str, int]],
    convs: Sequence[Converter | None],
) -> list[dict[str, Any]]:
    keys = [h for h, _ in extra]
    values = [cols[i] if c is None else c(cols[i]) for (_, i), c in zip(extra, convs, strict=True)]
    return [dict(zip(keys, v, strict=True)) for v in zip(*values, strict=True)]
