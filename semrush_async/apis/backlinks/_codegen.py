"""The Backlinks family's input to the generator (:mod:`semrush_async.v3.codegen`):
its table and its column registry."""

from __future__ import annotations

from typing import Final

from semrush_async.apis.backlinks.columns import COLUMN_TYPES, ROW_DOCS, ROW_NAMES, TYPE_OVERRIDES
from semrush_async.apis.backlinks.reports import SPECS
from semrush_async.v3.codegen import FamilyCode, Group

__all__ = ["CODEGEN"]

_ROWS_DOC = """Typed rows of the 15 Backlinks reports (frozen, slotted attrs classes).

Fields are named after the documented columns. Numbers are ints (floats where the
docs show fractions), ``true``/``false`` are bools, unix timestamps are timezone-aware
UTC datetimes. A column that was not requested is None; an empty numeric value is
None; an empty text value is ``""``.
"""

_FOOTER = '''
def rows_decoder(report: str, header: Sequence[str]) -> RowsDecoder:
    """Compile a function turning a batch of CSV rows (each exactly ``len(header)``
    fields, in ``header`` order) into typed rows of ``report``.

    The Analytics engine's one decoder (:func:`semrush_async.v3.decode.compile_named`):
    cells are mapped by the header's names and converted by the fields' types. Unknown
    header names are ignored, except for ``backlinks_matrix``, whose extra columns are
    the per-target counts.
    """
    return compile_named(ROW_TYPES[report], header, report)
'''

CODEGEN: Final = FamilyCode(
    package="semrush_async.apis.backlinks",
    specs=SPECS,
    columns={c: (c, t) for c, t in COLUMN_TYPES.items()},
    imports=(
        "import datetime as _dt",
        "from collections.abc import Sequence",
        "from semrush_async.apis.backlinks.columns import TargetType",
        "from semrush_async.v3.decode import RowsDecoder, compile_named",
    ),
    row_names=ROW_NAMES,
    overrides=TYPE_OVERRIDES,
    extra_fields={"backlinks_matrix": (("backlinks", "Mapping[str, int | None] | None"),)},
    row_docs=ROW_DOCS,
    rows_doc=_ROWS_DOC.strip("\n"),
    rows_footer=_FOOTER,
    rows_exports=("TargetType", "rows_decoder"),
    groups=(
        Group(
            "BacklinksMethods",
            "backlinks",
            "backlinks",
            "The 15 Backlinks Analytics reports, one method each (from the table).",
            harvest_default="backlinks",
        ),
    ),
)
