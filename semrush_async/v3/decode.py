"""Row classes and fast batch decoders, generated from the report specs.

``compile_decoder`` is the one batch decoder (Backlinks' hand-written row classes
use it too): rows are decoded a batch at a time, column by column, each column
through one C-level ``map``, and the objects are then built by one generated
function per (row class, column layout).

Building a frozen attrs object normally costs one ``object.__setattr__`` call per
field. The generated function instead fills a mutable twin class with the same
slots (plain attribute stores, which CPython specialises) and then re-labels the
object with ``__class__``. CPython allows that only when both layouts are identical,
which is why row classes have no ``__weakref__`` slot (``weakref_slot=False``);
where it is refused the function falls back to the slot descriptors.

Root reports get one generated frozen attrs class each (``DomainOrganicRow`` ...)
with a field per available column (None when not requested).
``domain_domains`` rows also carry ``positions``: the compared domains mapped to
their positions (P0..P4).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from semrush_async._core.twin import twin_of
from semrush_async.v3.columns import COLUMNS, Column, converter
from semrush_async.v3.spec import ReportSpec

__all__ = ["RowsDecoder", "compile_decoder", "row_class", "twin_of", "v3_decoder"]

RowsDecoder = Callable[[Sequence[Sequence[str]]], list[Any]]
Converter = Callable[[Sequence[str]], Sequence[Any]]

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
    Fields in neither are None.
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
        lines.append(f"    for {targets}, in zip({', '.join(exprs)}):")
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
            ns[f"_s_{field}"] = getattr(cls, field).__set__
            lines.append(f"        _s_{field}(o, {value})")
    lines += ["        app(o)", "    return out"]
    exec("\n".join(lines), ns)  # noqa: S102 - code built from attrs field names only
    decode: RowsDecoder = ns["decode"]
    return decode


# --- generated row classes (root reports) ---------------------------------------------


def _class_name(report: str) -> str:
    return "".join(p.title() for p in report.split("_")) + "Row"


@functools.cache
def row_class(spec: ReportSpec) -> type[Any]:
    """The frozen attrs row class of a root report: one field per available column."""
    cols: list[Column] = [COLUMNS[c] for c in spec.columns]
    fields: dict[str, Any] = {}
    for c in cols:
        annotation: Any = c.python_type | None
        fields[c.field] = attrs.field(default=None, type=annotation)
    if spec.target == "domains":
        positions: Any = Mapping[str, int | None] | None
        fields["positions"] = attrs.field(default=None, type=positions)
    name = _class_name(spec.type)
    cls = attrs.make_class(
        name,
        fields,
        frozen=True,
        slots=True,
        kw_only=True,
        weakref_slot=False,
        cache_hash=False,
    )
    # Picklable: the module resolves the name through __getattr__ below.
    cls.__module__ = __name__
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
    """The decoder for ``columns`` of a root report (``keys``: the domains compared by
    ``domain_domains``, in P0..P4 order)."""
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
    if spec.target == "domains" and keys:
        at = tuple(pos for code, pos in layout if code in ("P0", "P1", "P2", "P3", "P4"))
        pcodes = [code for code, _ in layout if code in ("P0", "P1", "P2", "P3", "P4")]
        named = tuple(keys[int(c[1])] for c in pcodes if int(c[1]) < len(keys))
        computed["positions"] = _positions(named, at[: len(named)])
    return compile_decoder(cls, _twin(cls), width, fields, spec.type, computed)


def __getattr__(name: str) -> Any:
    # Generated classes live here for pickle: build on first use.
    from semrush_async.apis.reports import REPORTS

    for spec in REPORTS.values():
        if spec.family != "backlinks" and _class_name(spec.type) == name:
            return row_class(spec)
    raise AttributeError(name)
