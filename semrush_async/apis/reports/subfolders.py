"""Subfolder reports (target ``subfolder``, e.g. ``example.com/blog/``): data only (§3.5).

Same seven shapes as the subdomain reports; only the prices differ.
"""

from __future__ import annotations

from semrush_async.apis.reports.subdomains import section

__all__ = ["SPECS"]

SPECS = section(
    "subfolder",
    "subfolder",
    {
        "rank": (10, 50),
        "ranks": (10, 50),
        "rank_history": (10, None),
        "organic": (10, 50),
        "adwords": (20, 100),
        "organic_unique": (10, 50),
        "adwords_unique": (40, None),
    },
)
