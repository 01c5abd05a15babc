"""Analytics v3 column codes and databases, as the sandbox states them.

From semrush-analytics-v3-reports.md: §6 (code -> CSV header -> value type), §6.1
(SERP feature codes) and §5 (database codes), independently of the client's
registry; ``tests/test_sandbox_rules.py`` checks that the two agree. The kind of a
column decides how the sandbox generates its cells and which filter operations it
takes (text: Bw Ew Eq Co Wm; every other kind: Eq Gt Lt, §2.3).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = [
    "COLUMNS",
    "DATABASES",
    "DESKTOP_DATABASES",
    "DOMAIN_FEATURES",
    "SERP_FEATURES",
    "Column",
    "Kind",
    "expand",
]


class Kind(enum.Enum):
    """A cell's value type (§6, "Value type")."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    #: ``Td``: 12 comma-separated floats 0-1 in one cell.
    TREND = "trend"
    #: ``In``: comma-separated intent codes 0-3.
    INTENTS = "intents"
    #: ``Fk``/``Fp``: comma-separated SERP feature codes (§6.1).
    FEATURES = "features"
    #: ``Ts``: Unix time.
    TIME = "time"
    #: ``Dt``: ``YYYYMMDD`` (``YYYYMM`` in ``phrase_all``).
    DATE = "date"


@attrs.frozen
class Column:
    header: str
    kind: Kind


#: §6, one line per code: code, kind, the documented CSV header. Where report
#: examples disagree with the glossary (§10 #1: ``Tc``, ``In``, ``Fk``), the glossary.
_TABLE: Final = """
Ph text Keyword
Po int Position
Pp int Previous Position
Pd int Position Difference
Pt int Position type
Nq int Search Volume
Cp float CPC
Co float Competition
Nr int Number of Results
Td trend Trends
Kd float Keyword Difficulty Index
In intents Intents
Fk features Keywords SERP Features
Fp features SERP Features
Fl text SERP Features
Ur text Url
Vu text Visible Url
Tr float Traffic (%)
Tc float Traffic Cost (%)
Tg int Traffic
Ts time Timestamp
Dt date Date
Db text Database
Dn text Domain
Rk int Rank
Or int Organic Keywords
Ot int Organic Traffic
Oc int Organic Cost
Ad int Adwords Keywords
At int Adwords Traffic
Ac int Adwords Cost
Sh int PLA keywords
Sv int PLA uniques
On int Organic Positions New
Ol int Organic Positions Lost
Oe int Organic Positions Improved
Oi int Organic Positions Declined
Om int Organic Keywords Difference
Tm int Organic Traffic Difference
Um int Organic Cost Difference
Am int Adwords Keywords Difference
Bm int Adwords Traffic Difference
Cm int Adwords Cost Difference
Sr int SERP Features Positions
Srb int SERP Features Positions Branded
Srn int SERP Features Positions New
Srl int SERP Features Positions Lost
Srm int SERP Features Positions Difference
St int SERP Features Traffic
Stb int SERP Features Traffic Branded
Stm int SERP Features Traffic Difference
Sc int SERP Features Traffic Cost
Scm int SERP Features Traffic Cost Difference
Np int Common Keywords
Cr float Competitor Relevance
Rr float Related Relevance
Pc int Number of Keywords
Ab text Adwords Block
Tt text Title
Ds text Description
Un text Ad id
Cv int Coverage
Sn text Shop Name
Pr float Product Price
"""

#: §6.1: every SERP feature code (there is no 33).
SERP_FEATURES: Final = tuple(n for n in range(53) if n != 33)
#: §6.1: "Features that do not link to a domain (0, 2, 8, 12, 14-19, 23, 26, 30, 32,
#: 34-37, 49-51) make no sense as FPn": the other ones are the FPn columns.
_NO_DOMAIN: Final = frozenset(
    {0, 2, 8, 12, *range(14, 20), 23, 26, 30, 32, *range(34, 38), *range(49, 52)}
)
DOMAIN_FEATURES: Final = tuple(n for n in SERP_FEATURES if n not in _NO_DOMAIN)
#: §6: ``Ipu``, ``Ip0``-``Ip3`` (u = unknown, 0-3 = the intent codes of ``In``).
_INTENTS: Final = (
    ("u", "Unknown"),
    ("0", "Commercial"),
    ("1", "Informational"),
    ("2", "Navigational"),
    ("3", "Transactional"),
)


def _columns() -> dict[str, Column]:
    out: dict[str, Column] = {}
    for line in _TABLE.strip().splitlines():
        code, kind, header = line.split(" ", 2)
        out[code] = Column(header, Kind(kind))
    # "Intent ... Positions", "Intent ... Traffic", "Intent ... Traffic Cost".
    for prefix, what in (("Ip", "Positions"), ("It", "Traffic"), ("Ic", "Traffic Cost")):
        for suffix, intent in _INTENTS:
            out[f"{prefix}{suffix}"] = Column(f"Intent {intent} {what}", Kind.INT)
    # Xn: position buckets X0..X9, XA; P0..P4: one position per compared domain (the
    # response names them after the domains); FKn/FPn: per-feature counts. No header
    # text is documented for these (§11): the code stands in.
    for code in (*(f"X{k}" for k in "0123456789A"), *(f"P{k}" for k in range(5))):
        out[code] = Column(code, Kind.INT)
    for n in SERP_FEATURES:
        out[f"FK{n}"] = Column(f"FK{n}", Kind.INT)
    for n in DOMAIN_FEATURES:
        out[f"FP{n}"] = Column(f"FP{n}", Kind.INT)
    return out


#: Every documented column code of the reports at the API root.
COLUMNS: Final[Mapping[str, Column]] = _columns()


def expand(codes: str) -> tuple[str, ...]:
    """A column list as the docs write it: ``Ip0-3`` -> Ip0..Ip3, ``Xn`` -> X0..XA,
    ``P0-P4`` -> P0..P4, ``FKn``/``FPn`` -> every per-feature code."""
    out: list[str] = []
    for raw in codes.replace(",", " ").split():
        if raw == "FKn":
            out += [f"FK{n}" for n in SERP_FEATURES]
        elif raw == "FPn":
            out += [f"FP{n}" for n in DOMAIN_FEATURES]
        elif raw == "Xn":
            out += [f"X{k}" for k in "0123456789A"]
        elif raw == "P0-P4":
            out += [f"P{k}" for k in range(5)]
        elif raw.endswith("0-3"):
            out += [f"{raw[:-3]}{k}" for k in range(4)]
        else:
            out.append(raw)
    return tuple(dict.fromkeys(out))


# --- §5: databases -------------------------------------------------------------------

#: 121 desktop databases, in the order §5 lists them: 36 with PLA data, then 85
#: without. Keyword reports take only these ("Mobile/extended not available for
#: keyword reports").
DESKTOP_DATABASES: Final = tuple(
    """
    us uk ca ru de fr es it br au ar be ch dk hk ie mx nl no pl se sg tr jp in at nz cl
    co cz id my ph pt za ae
    fi il hu af al dz ao am az bh bd by bz bo ba bw bn bg cv kh cm cr hr cy cd do ec eg
    sv ee et ge gh gr gt gy ht hn is jm jo kz kw lv lb lt lu mg mt mu md mn me ma mz na
    np ni ng om py pe ro sa sn rs sk si kr lk th bs tt tn ua uy ve vn zm zw ly pa pk tw
    qa
    """.split()  # noqa: SIM905 (the list as §5 writes it)
)
#: 17 mobile and 8 extended databases (§5).
_MOBILE: Final = tuple(
    f"mobile-{c}"
    for c in "us uk ca de fr es it br au dk mx nl se tr in id il".split()  # noqa: SIM905
)
_EXTENDED: Final = ("il-ext", "tr-ext", "dk-ext", "no-ext", "se-ext", "fi-ext", "ch-ext",
                    "mobile-il-ext")  # fmt: skip
#: Every database code -> "desktop", "mobile" or "extended".
DATABASES: Final[Mapping[str, str]] = {
    **dict.fromkeys(DESKTOP_DATABASES, "desktop"),
    **dict.fromkeys(_MOBILE, "mobile"),
    **dict.fromkeys(_EXTENDED, "extended"),
}
