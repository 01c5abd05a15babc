"""The keyword-gap ``domains`` value of ``domain_domains``, built from typed entries.

``<sign>|<type>|<domain>`` per domain, joined with ``|``; the transport URL-encodes
the whole value (``*`` -> ``%2A``, ``|`` -> ``%7C``, ``+`` -> ``%2B``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Final

import attrs

from semrush_async.errors import ErrorDetail, ValidationError

__all__ = [
    "MAX_GAP_DOMAINS",
    "GapDomain",
    "GapSign",
    "GapType",
    "encode_gap",
    "encode_gap_target",
]

MAX_GAP_DOMAINS: Final = 5


class GapSign(enum.StrEnum):
    #: Keywords of this domain (the first entry: the domain the others compare with).
    INTERSECT = "*"
    UNION = "+"
    EXCLUDE = "-"
    #: Keywords only one of the domains ranks for (API only).
    ONLY_ONE = "/"


class GapType(enum.StrEnum):
    ORGANIC = "or"
    PAID = "ad"


@attrs.frozen(slots=True)
class GapDomain:
    """One compared domain: ``GapDomain.first("a.com")``, ``GapDomain.excluding("b.com")``."""

    sign: GapSign
    type: GapType
    domain: str

    @classmethod
    def first(cls, domain: str, type: GapType = GapType.ORGANIC) -> GapDomain:
        return cls(GapSign.INTERSECT, type, domain)

    @classmethod
    def shared(cls, domain: str, type: GapType = GapType.ORGANIC) -> GapDomain:
        """Keep keywords this domain ranks for too (``*``)."""
        return cls(GapSign.INTERSECT, type, domain)

    @classmethod
    def union(cls, domain: str, type: GapType = GapType.ORGANIC) -> GapDomain:
        return cls(GapSign.UNION, type, domain)

    @classmethod
    def excluding(cls, domain: str, type: GapType = GapType.ORGANIC) -> GapDomain:
        return cls(GapSign.EXCLUDE, type, domain)

    @classmethod
    def only_one(cls, domain: str, type: GapType = GapType.ORGANIC) -> GapDomain:
        return cls(GapSign.ONLY_ONE, type, domain)

    def encode(self) -> str:
        return f"{GapSign(self.sign).value}|{GapType(self.type).value}|{self.domain}"


def encode_gap(entries: Sequence[GapDomain | str]) -> tuple[str, tuple[str, ...]]:
    """The ``domains`` value and the domains in P0..P4 order; bare strings are
    organic domains, the first intersected and the rest added (``*|or|a|+|or|b``)."""
    typed: list[GapDomain] = []
    details: list[ErrorDetail] = []
    for i, e in enumerate(entries):
        if isinstance(e, str):
            e = GapDomain.first(e) if i == 0 else GapDomain.union(e)
        try:
            e = GapDomain(GapSign(e.sign), GapType(e.type), e.domain)
        except ValueError as err:
            details.append(ErrorDetail(field="domains", index=i, message=str(err)))
            continue
        if not e.domain.strip() or "|" in e.domain:
            details.append(
                ErrorDetail(field="domains", index=i, message=f"bad domain {e.domain!r}")
            )
        typed.append(e)
    if not 1 <= len(entries) <= MAX_GAP_DOMAINS:
        details.append(
            ErrorDetail(
                field="domains",
                message=f"domain_domains compares 1 to {MAX_GAP_DOMAINS} domains, "
                f"got {len(entries)}",
            )
        )
    names = [e.domain.lower() for e in typed]
    if len(set(names)) != len(names):
        details.append(ErrorDetail(field="domains", message="duplicate domains"))
    if details:
        raise ValidationError("invalid domains for domain_domains", details=details)
    return "|".join(e.encode() for e in typed), tuple(e.domain for e in typed)


def encode_gap_target(
    value: GapDomain | str | Sequence[GapDomain | str],
) -> tuple[str, tuple[str, ...]]:
    """``domain_domains``' ``domains=`` as given (one entry or a list), encoded: the
    report's ``encode_target``."""
    entries: Sequence[GapDomain | str] = [value] if isinstance(value, str | GapDomain) else value
    return encode_gap(entries)
