"""Subdomain reports (target ``subdomain``, e.g. ``shop.example.com``): data only (§3.4).

Subfolder reports have the same seven shapes (``subfolders.py``); :data:`SHAPES` holds
the column lists both tables are written from.
"""

from __future__ import annotations

from semrush_async.apis.reports._spec import root_report
from semrush_async.apis.reports.domains import ORGANIC_OPTIONS
from semrush_async.v3.spec import DbRule, ReportSpec

__all__ = ["SHAPES", "SPECS", "section"]

SHAPES = {
    "rank": {
        "defaults": "Rk,Or,Ot,Oc,Ad,At,Ac",
        "columns": "Dn,Or,Xn,Ot,Oc,Ad,At,Ac,FKn,FPn,Ipu,Ip0-3,Itu,It0-3,Icu,Ic0-3,"
        "Sr,Srb,St,Stb,Sc,Srn,Srl,Rk",
    },
    "ranks": {
        "defaults": "Db,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv",
        "columns": "Db,Dt,Dn,Or,Ot,Oc,Ad,At,Ac,Sh,Sv,FKn,FPn,Sr,Srb,St,Stb,Sc,Srn,Srl,Rk",
        "sorts": "or ot oc ad at ac",
    },
    "rank_history": {
        "defaults": "Rk,Or,Ot,Oc,Ad,At,Ac,Dt",
        "columns": "Or,Xn,Ot,Oc,Ad,At,Ac,Dt,FKn,FPn,Sr,Srb,St,Stb,Sc,Rk",
        "sorts": "dt",
    },
    "organic": {
        "defaults": "Ph,Po,Pp,Pd,Nq,Cp,Ur,Tr,Tc,Co,Nr,Td",
        "columns": "Ph,Po,Pp,Pd,Nq,Cp,Ur,Tr,Tg,Tc,Co,Nr,Td,Kd,Fp,Fk,Ts,In,Pt",
        "sorts": "po tg tr tc nq co kd cp nr ts",
        "filters": "Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd,Fp,Fk,In,Br",
    },
    "adwords": {
        "defaults": "Ph,Po,Pp,Pd,Nq,Cp,Vu,Tr,Tc,Co,Nr,Td",
        "columns": "Ph,Po,Pp,Pd,Ab,Nq,Cp,Tg,Tr,Tc,Co,Nr,Td,Tt,Ds,Vu,Ur,Ts,Un",
        "sorts": "po tg tr tc nq",
        "filters": "Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd,Un",
    },
    "organic_unique": {
        "defaults": "Ur,Pc,Tg,Tr",
        "columns": "Ur,Pc,Tg,Tr,Ipu,Ip0-3,Itu,It0-3,Sr,St",
        "sorts": "pc tg tr sr st",
        "filters": "Ur,Pc,Tg,Tr,Ipu,Ip0-3,Sr,St",
    },
    "adwords_unique": {
        "defaults": "Tt,Ds,Vu,Ur,Pc,Un",
        "columns": "Ph,Un,Tt,Ds,Vu,Ur,Pc,Ts",
        "sorts": "pc",
        "filters": "Tt,Ds,Vu",
    },
}


def section(
    family: str, target: str, prices: dict[str, tuple[int, int | None]]
) -> tuple[ReportSpec, ...]:
    """The seven reports of a section family (``subdomain``/``subfolder``)."""
    rules: dict[str, dict[str, object]] = {
        "rank": {"paged": False, "rows_per_request": 1},
        "ranks": {"database": DbRule.OPTIONAL},
        "rank_history": {"dated": False, "options": {"display_daily": ("1",)}},
        "organic": {"daily_dates": True, "options": ORGANIC_OPTIONS},
        "adwords": {"options": {"display_positions": ("new", "lost", "rise", "fall")}},
        "adwords_unique": {"dated": False},
    }
    return tuple(
        root_report(
            f"{family}_{shape}",
            shape,
            family,
            f"{family.title()} {shape.replace('_', ' ')}",
            price=price,
            target=target,
            **SHAPES[shape],  # type: ignore[arg-type]
            **rules.get(shape, {}),  # type: ignore[arg-type]
        )
        for shape, price in prices.items()
    )


SPECS = section(
    "subdomain",
    "subdomain",
    {
        "rank": (10, None),  # the docs list no historical price for subdomain_rank
        "ranks": (10, 50),
        "rank_history": (10, None),
        "organic": (10, 50),
        "adwords": (20, 100),
        "organic_unique": (10, 50),
        "adwords_unique": (40, None),
    },
)
