"""Deterministic synthetic Backlinks data derived from (seed, target, report, row).

Row ``i`` of a report is a pure function of its inputs, so tests can compute the
expected rows without the server. Rows are generated in the report's default sort
order; other sorts and filters are served through a cached permutation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Final

__all__ = ["BASE_TIME", "SIZES", "report_size", "row", "target_size"]

#: Named targets with fixed sizes (backlinks count); others get 1..500 by hash.
SIZES: Final[Mapping[str, int]] = {
    "empty.example": 0,
    "tiny.example": 3,
    "small.example": 25,
    "medium.example": 2_500,
    "big.example": 250_000,
}
BASE_TIME: Final = 1_600_000_000
_MASK64: Final = (1 << 64) - 1

_TITLES: Final = (
    "Plain title",
    'Title with "quotes" inside',
    "Semicolon; in the title",
    "Café crème — déjà vu",
    "中文业界资讯站",
    "",
    'Both ; and "" together',
    "Ünïcödé & ampersand",
)
_ANCHORS: Final = (
    "search engine journal",
    "read more >",
    'the "best" guide',
    "a;b;c",
    "",
    "93% of people",
    "Привет мир",
    "click here",
)
_ZONES: Final = ("com", "net", "org", "uk", "de", "fr", "io", "au", "ca", "jp")
_COUNTRIES: Final = ("us", "de", "gb", "fr", "ca", "jp", "br", "in", "es", "it")
_COUNTRY_NAMES: Final = (
    "United States",
    "Germany",
    "United Kingdom",
    "France",
    "Canada",
    "Japan",
    "Brazil",
    "India",
    "Spain",
    "Italy",
)
_CATEGORIES: Final = (
    "/Business & Industrial/Advertising & Marketing/Marketing",
    "/Internet & Telecom/Web Services/Search Engine Optimization & Marketing",
    "/Business & Industrial/Advertising & Marketing/Brand Management",
    "/Internet & Telecom/Search Engines",
    "/Arts & Entertainment/Music & Audio",
    "/News/Technology News",
)


def _seed_of(seed: int, target: str, report: str) -> int:
    digest = hashlib.blake2b(f"{seed}\0{target}\0{report}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _mix(base: int, i: int) -> int:
    # splitmix64: cheap, deterministic, good enough spread for fake data.
    z = (base + (i + 1) * 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def target_size(seed: int, target: str) -> int:
    """Backlinks count of ``target``: named ones fixed, ``empty*`` 0, else 1..500."""
    t = target.lower().removeprefix("https://").removeprefix("http://").split("/")[0]
    if t in SIZES:
        return SIZES[t]
    if t.startswith("empty"):
        return 0
    return 1 + _seed_of(seed, t, "size") % 500


def report_size(report: str, seed: int, target: str) -> int:
    """Rows a report has for ``target``."""
    n = target_size(seed, target)
    if n == 0:
        return 0
    sizes: dict[str, Callable[[int], int]] = {
        "backlinks": lambda n: n,
        "backlinks_refdomains": lambda n: max(1, n // 4),
        "backlinks_refips": lambda n: max(1, n // 6),
        "backlinks_tld": lambda n: min(len(_ZONES), max(1, n // 10)),
        "backlinks_geo": lambda n: min(len(_COUNTRY_NAMES), max(1, n // 10)),
        "backlinks_anchors": lambda n: max(1, n // 5),
        "backlinks_pages": lambda n: max(1, n // 8),
        "backlinks_competitors": lambda n: min(100, max(1, n // 3)),
        "backlinks_categories_profile": lambda n: min(len(_CATEGORIES), max(1, n // 4)),
        "backlinks_categories": lambda n: min(5, len(_CATEGORIES)),
        "backlinks_historical": lambda n: 36,
        "backlinks_ascore_profile": lambda n: 101,
        "backlinks_overview": lambda n: 1,
    }
    return sizes[report](n)


def _ts(h: int) -> tuple[int, int]:
    first = BASE_TIME + (h % 50_000_000)
    last = first + ((h >> 20) % 20_000_000)
    return first, last


def _desc(i: int, n: int, top: int) -> int:
    """A value that falls from ``top`` to 0 as ``i`` goes 0..n-1 (default sort order)."""
    return top - (i * top) // max(1, n)


def row(report: str, seed: int, target: str, i: int, n: int) -> dict[str, str]:
    """All columns of row ``i`` (0-based, default order) of a report with ``n`` rows."""
    h = _mix(_seed_of(seed, target, report), i)

    def b(k: int) -> str:
        return "true" if (h >> k) & 1 else "false"

    first, last = _ts(h)
    if report == "backlinks":
        image = (h >> 3) & 7 == 0
        redirect = (h >> 9) & 15 == 0
        return {
            "page_ascore": str(_desc(i, n, 100)),
            "response_code": ("200", "200", "200", "301", "404")[(h >> 5) % 5],
            "source_size": str((h >> 11) % 500_000),
            "external_num": str((h >> 13) % 400),
            "internal_num": str((h >> 17) % 900),
            "redirect_url": f"https://r{(h >> 21) % 97}.example/go" if redirect else "",
            "source_url": f"https://ref{(h >> 23) % 9973}.{_ZONES[h % 10]}/p/{i}",
            "source_title": _TITLES[(h >> 29) % len(_TITLES)],
            "image_url": f"https://img.example/{i}.png" if image else "",
            "target_url": f"https://{target}/page/{(h >> 31) % 1000}",
            "target_title": _TITLES[(h >> 37) % len(_TITLES)],
            "anchor": "" if image else _ANCHORS[(h >> 41) % len(_ANCHORS)],
            "image_alt": _ANCHORS[(h >> 43) % len(_ANCHORS)] if image else "",
            "last_seen": str(last),
            "first_seen": str(first),
            "nofollow": b(45),
            "form": "false",
            "frame": b(46) if (h >> 47) & 7 == 0 else "false",
            "image": "true" if image else "false",
            "sitewide": b(48),
            "newlink": b(49) if (h >> 50) & 3 == 0 else "false",
            "lostlink": b(51) if (h >> 52) & 3 == 0 else "false",
        }
    if report == "backlinks_refdomains":
        return {
            "domain_ascore": str((h >> 3) % 101),
            "domain": f"ref{i}.{_ZONES[h % 10]}",
            "backlinks_num": str(_desc(i, n, 2_000_000) + 1),
            "ip": f"{(h >> 8) % 223 + 1}.{(h >> 16) % 256}.{(h >> 24) % 256}.{(h >> 32) % 254 + 1}",
            "country": _COUNTRIES[(h >> 40) % 10],
            "first_seen": str(first),
            "last_seen": str(last),
        }
    if report == "backlinks_refips":
        return {
            "ip": f"10.{(i >> 16) % 256}.{(i >> 8) % 256}.{i % 256}",
            "country": _COUNTRIES[(h >> 40) % 10],
            "domains_num": str(_desc(i, n, 700) + 1),
            "backlinks_num": str((h >> 7) % 5000 + 1),
            "first_seen": str(first),
            "last_seen": str(last),
        }
    if report == "backlinks_tld":
        return {
            "zone": _ZONES[i],
            "domains_num": str(_desc(i, n, 30_000) + 1),
            "backlinks_num": str((h >> 7) % 10_000_000),
        }
    if report == "backlinks_geo":
        return {
            "country": _COUNTRY_NAMES[i],
            "domains_num": str(_desc(i, n, 40_000) + 1),
            "backlinks_num": str((h >> 7) % 6_000_000),
        }
    if report == "backlinks_anchors":
        return {
            "anchor": f"{_ANCHORS[h % len(_ANCHORS)]} #{i}",
            "domains_num": str((h >> 7) % 9000),
            "backlinks_num": str(_desc(i, n, 700_000) + 1),
            "first_seen": str(first),
            "last_seen": str(last),
        }
    if report == "backlinks_pages":
        return {
            "source_url": f"https://{target}/page/{i}",
            "source_title": _TITLES[h % len(_TITLES)],
            "response_code": ("200", "200", "301", "404")[(h >> 5) % 4],
            "backlinks_num": str(_desc(i, n, 200_000) + 1),
            "domains_num": str((h >> 9) % 4000),
            "last_seen": str(last),
            "external_num": str((h >> 13) % 90),
            "internal_num": str((h >> 17) % 400),
        }
    if report == "backlinks_competitors":
        return {
            "ascore": str((h >> 3) % 101),
            "neighbour": f"rival{i}.{_ZONES[h % 10]}",
            "similarity": str(_desc(i, n, 99) + 1),
            "common_refdomains": str((h >> 9) % 20_000),
            "domains_num": str((h >> 17) % 100_000),
            "backlinks_num": str((h >> 25) % 50_000_000),
        }
    if report == "backlinks_categories_profile":
        return {"category_name": _CATEGORIES[i], "rating": str(_desc(i, n, 2200) + 1)}
    if report == "backlinks_categories":
        return {
            "category_name": _CATEGORIES[i],
            "rating": f"{0.95 - i * 0.05 - ((h % 1000) / 100_000):.6f}",
        }
    if report == "backlinks_historical":
        # Monthly, most recent first ("sorted by date in descending order").
        return {
            "date": str(BASE_TIME + 86_400 * 30 * (36 - i)),
            "backlinks_num": str((h >> 3) % 20_000_000),
            "domains_num": str((h >> 29) % 400_000),
        }
    if report == "backlinks_ascore_profile":
        return {"ascore": str(i), "domains_num": str((h >> 3) % 1000)}
    if report == "backlinks_overview":
        total = target_size(seed, target)
        return {
            "ascore": str(h % 101),
            "total": str(total),
            "domains_num": str(max(1, total // 4) if total else 0),
            "urls_num": str(total // 2),
            "ips_num": str(max(1, total // 6) if total else 0),
            "ipclassc_num": str(total // 9),
            "follows_num": str(total - total // 3),
            "nofollows_num": str(total // 3),
            "sponsored_num": str(total // 50),
            "ugc_num": str(total // 40),
            "texts_num": str(total - total // 8),
            "images_num": str(total // 8),
            "forms_num": "0",
            "frames_num": str(total // 100),
        }
    raise KeyError(report)


def comparison_row(seed: int, target: str, target_type: str) -> dict[str, str]:
    """One ``backlinks_comparison`` row for a target."""
    ov = row("backlinks_overview", seed, target, 0, 1)
    return {
        "target": target,
        "target_type": target_type,
        "ascore": ov["ascore"],
        "backlinks_num": ov["total"],
        "domains_num": ov["domains_num"],
        "ips_num": ov["ips_num"],
        "follows_num": ov["follows_num"],
        "nofollows_num": ov["nofollows_num"],
        "texts_num": ov["texts_num"],
        "images_num": ov["images_num"],
        "forms_num": ov["forms_num"],
        "frames_num": ov["frames_num"],
    }


def matrix_size(seed: int, targets: list[str]) -> int:
    return min(5_000, max((target_size(seed, t) for t in targets), default=0) // 4)


def matrix_row(seed: int, targets: list[str], i: int) -> dict[str, str]:
    """One ``backlinks_matrix`` row: a referring domain and per-target counts."""
    h = _mix(_seed_of(seed, "|".join(targets), "matrix"), i)
    counts = [((h >> (7 * k)) % 12) if (h >> (k + 50)) & 1 else 0 for k in range(len(targets))]
    out = {
        "domain": f"shared{i}.{_ZONES[h % 10]}",
        "domain_ascore": str((h >> 3) % 101),
        "matches_num": str(sum(1 for c in counts if c)),
    }
    for t, c in zip(targets, counts, strict=True):
        out[t] = str(c)
    return out
