"""URL reports (target ``url``, a full URL): data only (§3.6)."""

from __future__ import annotations

from semrush_async.apis.reports._spec import root_report
from semrush_async.apis.reports.subdomains import SHAPES
from semrush_async.v3.spec import DbRule

__all__ = ["SPECS"]

SPECS = (
    root_report(
        "url_rank",
        "rank",
        "url",
        "URL overview (one database)",
        price=(10, 50),
        target="url",
        paged=False,
        rows_per_request=1,
        defaults="Rk,Or,Ot,Oc,Ad,At,Ac",
        columns=SHAPES["rank"]["columns"],
    ),
    root_report(
        "url_ranks",
        "ranks",
        "url",
        "URL overview (all databases)",
        price=(10, 50),
        target="url",
        database=DbRule.OPTIONAL,
        defaults="Db,Rk,Dn,Or,Ot,Oc,Ad,At,Ac,Sh,Sv",
        columns="Db,Dt,Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv,FKn,FPn,Sr,Srb,St,Stb,Sc,Srn,Srl",
        sorts="rk or ot oc ad at ac",
    ),
    root_report(
        "url_rank_history",
        "rank_history",
        "url",
        "URL overview (history)",
        price=(10, None),
        target="url",
        dated=False,
        options={"display_daily": ("1",)},
        defaults="Rk,Or,Ot,Oc,Ad,At,Ac,Dt",
        columns=SHAPES["rank_history"]["columns"],
        sorts="dt",
    ),
    root_report(
        "url_organic",
        "organic",
        "url",
        "URL organic search keywords",
        price=(10, 50),
        target="url",
        options={"display_positions_type": ("organic", "all", "serp_features")},
        defaults="Ph,Po,Nq,Cp,Co,Tr,Tc,Nr,Td,Fp,Ts",
        columns="Ph,Po,Pp,Nq,Cp,Co,Kd,Tr,Tg,Tc,Nr,Td,Fp,Fk,Ts,In,Pt",
        sorts="po tg tr tc nq",
        filters="Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd,Fp,Fk,In,Br",
    ),
    root_report(
        "url_adwords",
        "adwords",
        "url",
        "URL paid search keywords",
        price=(20, 100),
        target="url",
        defaults="Ph,Po,Nq,Cp,Co,Tr,Tc,Nr,Td,Tt,Ds",
        columns="Ph,Po,Nq,Cp,Co,Tg,Tr,Tc,Nr,Td,Tt,Ds,Ts",
        sorts="po tg tr tc nq",
        filters="Ph,Po,Nq,Cp,Ur,Tg,Tr,Tc,Nr,Co,Pp,Pd",
    ),
)
