"""Regional database codes as data (``semrush-analytics-v3-reports.md`` §5).

Keyword reports refuse mobile and ``-ext`` databases; a code missing from this table
is passed through with a warning, so that Semrush adding a database never breaks
the client (landscape §4 #10).
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["DATABASES", "Database", "DatabaseKind", "nearest_databases"]


class DatabaseKind(enum.StrEnum):
    DESKTOP = "desktop"
    MOBILE = "mobile"
    EXTENDED = "extended"


@attrs.frozen(slots=True)
class Database:
    code: str
    kind: DatabaseKind
    #: Also carries PLA (shopping) data.
    pla: bool = False

    @property
    def keyword_reports(self) -> bool:
        """Mobile and extended databases are not available for keyword reports."""
        return self.kind is DatabaseKind.DESKTOP


_PLA: Final = [
    "us",
    "uk",
    "ca",
    "ru",
    "de",
    "fr",
    "es",
    "it",
    "br",
    "au",
    "ar",
    "be",
    "ch",
    "dk",
    "hk",
    "ie",
    "mx",
    "nl",
    "no",
    "pl",
    "se",
    "sg",
    "tr",
    "jp",
    "in",
    "at",
    "nz",
    "cl",
    "co",
    "cz",
    "id",
    "my",
    "ph",
    "pt",
    "za",
    "ae",
]
_NO_PLA: Final = [
    "fi",
    "il",
    "hu",
    "af",
    "al",
    "dz",
    "ao",
    "am",
    "az",
    "bh",
    "bd",
    "by",
    "bz",
    "bo",
    "ba",
    "bw",
    "bn",
    "bg",
    "cv",
    "kh",
    "cm",
    "cr",
    "hr",
    "cy",
    "cd",
    "do",
    "ec",
    "eg",
    "sv",
    "ee",
    "et",
    "ge",
    "gh",
    "gr",
    "gt",
    "gy",
    "ht",
    "hn",
    "is",
    "jm",
    "jo",
    "kz",
    "kw",
    "lv",
    "lb",
    "lt",
    "lu",
    "mg",
    "mt",
    "mu",
    "md",
    "mn",
    "me",
    "ma",
    "mz",
    "na",
    "np",
    "ni",
    "ng",
    "om",
    "py",
    "pe",
    "ro",
    "sa",
    "sn",
    "rs",
    "sk",
    "si",
    "kr",
    "lk",
    "th",
    "bs",
    "tt",
    "tn",
    "ua",
    "uy",
    "ve",
    "vn",
    "zm",
    "zw",
    "ly",
    "pa",
    "pk",
    "tw",
    "qa",
]
_MOBILE: Final = [
    "us",
    "uk",
    "ca",
    "de",
    "fr",
    "es",
    "it",
    "br",
    "au",
    "dk",
    "mx",
    "nl",
    "se",
    "tr",
    "in",
    "id",
    "il",
]
_EXT: Final = (
    "il-ext",
    "tr-ext",
    "dk-ext",
    "no-ext",
    "se-ext",
    "fi-ext",
    "ch-ext",
    "mobile-il-ext",
)

DATABASES: Final[Mapping[str, Database]] = {
    **{c: Database(c, DatabaseKind.DESKTOP, pla=True) for c in _PLA},
    **{c: Database(c, DatabaseKind.DESKTOP) for c in _NO_PLA},
    **{f"mobile-{c}": Database(f"mobile-{c}", DatabaseKind.MOBILE) for c in _MOBILE},
    **{c: Database(c, DatabaseKind.EXTENDED, pla=c in ("tr-ext", "ch-ext")) for c in _EXT},
}


def nearest_databases(code: str, *, keyword_reports: bool = False, n: int = 3) -> list[str]:
    """The ``n`` known codes most like ``code`` (for "did you mean"), closest first.

    Candidates are of the kind the code looks like (``mobile-``, ``-ext``, else
    desktop; desktop only for keyword reports). ``difflib`` similarity first, then a
    shared first letter (``xx`` is as unlike
    every code as the next, so a hint still names real codes), then the code.
    """
    code = code.strip().lower()
    kind = (
        DatabaseKind.MOBILE
        if code.startswith("mobile-")
        else DatabaseKind.EXTENDED
        if code.endswith("-ext")
        else DatabaseKind.DESKTOP
    )
    if keyword_reports:
        kind = DatabaseKind.DESKTOP
    codes = [c for c, d in DATABASES.items() if d.kind is kind]

    def key(candidate: str) -> tuple[float, int, str]:
        ratio = difflib.SequenceMatcher(None, code, candidate).ratio()
        return (-ratio, 0 if candidate[:1] == code[:1] else 1, candidate)

    return sorted(codes, key=key)[:n]
