"""Overview reports (target ``domain``, or none): data only (§3.1)."""

from __future__ import annotations

from semrush_async.apis.reports._spec import root_report
from semrush_async.v3.spec import DbRule

__all__ = ["SPECS"]

_RANK_COLS = "Dn,Rk,Or,Ot,Oc,Ad,At,Ac"

SPECS = (
    root_report(
        "domain_ranks",
        "domain_ranks",
        "overview",
        "Domain overview (all databases)",
        price=(10, 50),
        target="domain",
        database=DbRule.OPTIONAL,
        defaults="Db,Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv",
        columns="Db,Dt,Dn,Rk,Or,Ot,Oc,Ad,At,Ac,Sh,Sv,FKn,FPn,Sr,Srb,St,Stb,Sc,Srn,Srl",
        sorts="rk or ot oc ad at ac",
    ),
    root_report(
        "domain_rank",
        "domain_rank",
        "overview",
        "Domain overview (one database)",
        price=(10, 50),
        target="domain",
        paged=False,
        rows_per_request=1,
        defaults=_RANK_COLS,
        columns="Dn,Rk,Or,Xn,Ot,Oc,Ad,At,Ac,FKn,FPn,Ipu,Ip0-3,Itu,It0-3,Icu,Ic0-3,"
        "Sr,Srb,St,Stb,Sc,Srn,Srl",
    ),
    root_report(
        "domain_rank_history",
        "domain_rank_history",
        "overview",
        "Domain overview (history)",
        price=(10, None),
        target="domain",
        dated=False,
        options={"display_daily": ("1",)},
        defaults="Rk,Or,Ot,Oc,Ad,At,Ac,Dt",
        columns="Rk,Or,Xn,Ot,Oc,Ad,At,Ac,Dt,FKn,FPn,Sr,Srb,St,Stb,Sc",
        sorts="dt",
    ),
    root_report(
        "rank_difference",
        "rank_difference",
        "overview",
        "Winners and losers",
        price=(20, 100),
        target=None,
        defaults=f"{_RANK_COLS},Tm,Um,Am,Bm,Cm",
        columns=f"{_RANK_COLS},Om,Tm,Um,Am,Bm,Cm,Sr,St,Sc,Srm,Stm,Scm",
        sorts="om tm um am bm cm srm stm scm",
    ),
    root_report(
        "rank",
        "rank",
        "overview",
        "Semrush rank (top domains)",
        price=(10, 50),
        target=None,
        defaults=_RANK_COLS,
        columns=f"{_RANK_COLS},Sr,St,Sc",
        filters="Or,Ot,Oc,Sr,St,Sc",
    ),
)
