"""Position Tracking v3 facts the sandbox states for itself: vocabularies, URL masks,
tag rules, the location table and deterministic rankings.

Sources: coverage facts §4.1 and the [AUR] ``projects_tracking_*.md`` pages. Rankings
are a pure function of (seed, campaign, keyword, URL mask, date, kind), so tests can
compute expected values (:func:`position`).
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from semrush_async.testing._data import _mix, _seed_of
from semrush_async.testing._v3json import ProjectsError, invalid

__all__ = [
    "DATES",
    "LOCATIONS",
    "SERP_FEATURES",
    "TOP_FILTERS",
    "Campaign",
    "TrackedKeyword",
    "mask_of",
    "parse_urls",
    "position",
    "sanitize_tag",
    "tag_matcher",
]


def _words(names: str) -> tuple[str, ...]:
    return tuple(names.split())


URL_TYPES: Final = ("rootdomain", "subdomain", "subfolder", "url")
DEVICES: Final = ("desktop", "phone", "tablet")
ENGINES: Final = ("google", "bing", "baidu")
LOCATION_TYPES: Final = (
    "autonomous community",
    "barrio",
    "borough",
    "canton",
    "city",
    "city region",
    "country",
    "county",
    "department",
    "district",
    "governorate",
    "municipality",
    "municipality district",
    "neighborhood",
    "okrug",
    "postal code",
    "prefecture",
    "province",
    "quarter",
    "region",
    "state",
    "sub-district",
    "sub-ward",
    "territory",
    "union territory",
)
TOP_FILTERS: Final = tuple(
    f"top_{n}{s}"
    for n in ("3", "1page", "2page", "100")
    for s in ("", "_income", "_leave", "_down", "_up")
)
TOP_DEPTH: Final = {"3": 3, "1page": 10, "2page": 20, "100": 100}
LINKTYPES: Final = (0, 1, 2, 524288, 524290, 536870912, 536870914, 537395202)
VOLUMES: Final = ("national", "regional", "local")
SERP_FEATURES: Final = _words(
    "aai aic aim aio ais amp app asr car ctt drp flg fsn geo hot img ind job kng knw mac new "
    "org rel res rev rsp shp spb stl tea twt vib vid adt adb"
)
INTENTS: Final = ("i", "n", "t", "c")
#: The crawl calendar every campaign reports on: 30 daily dates (a fixed calendar, INF).
LAST_DATE: Final = dt.date(2026, 12, 5)
DATES: Final = tuple(LAST_DATE - dt.timedelta(days=29 - k) for k in range(30))
#: display_sort vocabularies per report ({N}: 0-4, {DATE}: YYYYMMDD) [AUR].
SORTS: Final[Mapping[str, tuple[str, ...]]] = {
    "position_organic": _words("cp nq ph sov sovdiff vi {N}_be {N}_diff {N}_pos {N}_vd"),
    # The adwords page lists {N}_di; the overview page's list has {N}_diff: both accepted.
    "position_adwords": _words("cp nq ph {N}_be {N}_di {N}_diff {N}_pos"),
    "competitors_organic": _words("1_mc av cd cl {DATE} sov sovdiff tr trdiff ur"),
    "competitors_adwords": _words("av cd cl {DATE} ur"),
    "landing_pages": _words("0_mc 1_mc md 0_tr 1_tr trdiff 0_av 1_av ad 0_nq 1_nq rd"),
}


def _loc(
    lid: int,
    name: str,
    kind: str,
    parent: int,
    code: str,
    chain: Sequence[str],
    langs: Sequence[tuple[str, str]],
    weight: int,
) -> dict[str, Any]:
    full = [name, *chain]
    volumes = {"country": ["national"], "state": ["national", "regional"]}.get(
        kind, ["national", "regional", "local"]
    )
    return {
        "available_volume_types": volumes,
        "location": {
            "id": lid,
            "name": name,
            "formatted_name": ", ".join(full),
            "reversed_name": ", ".join(reversed(full)),
            "canonical_name": ",".join(full),
            "parent_id": parent,
            "country_code": code,
            "type": kind,
            "languages": [
                {"id": 0, "hl": hl, "name": lang, "is_default": n == 0}
                for n, (hl, lang) in enumerate(langs)
            ],
            "weight": weight,
        },
    }


_EN: Final = (("en", "English"),)
_US: Final = (("en", "English"), ("es", "Spanish"))
#: A small deterministic location table (ids as Google geo targets).
LOCATIONS: Final[tuple[dict[str, Any], ...]] = (
    _loc(2840, "United States", "country", 0, "us", (), _US, 2774),
    _loc(2826, "United Kingdom", "country", 0, "gb", (), _EN, 1510),
    _loc(2276, "Germany", "country", 0, "de", (), (("de", "German"),), 1320),
    _loc(2250, "France", "country", 0, "fr", (), (("fr", "French"),), 1200),
    _loc(2124, "Canada", "country", 0, "ca", (), (("en", "English"), ("fr", "French")), 900),
    _loc(2036, "Australia", "country", 0, "au", (), _EN, 850),
    _loc(2724, "Spain", "country", 0, "es", (), (("es", "Spanish"),), 800),
    _loc(2156, "China", "country", 0, "cn", (), (("zh", "Chinese"),), 760),
    _loc(21137, "California", "state", 2840, "us", ("United States",), _US, 700),
    _loc(21176, "Texas", "state", 2840, "us", ("United States",), _US, 640),
    _loc(20339, "England", "region", 2826, "gb", ("United Kingdom",), _EN, 600),
    _loc(20228, "Bavaria", "state", 2276, "de", ("Germany",), (("de", "German"),), 420),
    _loc(
        20809,
        "Community of Madrid",
        "autonomous community",
        2724,
        "es",
        ("Spain",),
        (("es", "Spanish"),),
        300,
    ),
    _loc(1014221, "San Francisco", "city", 21137, "us", ("California", "United States"), _US, 560),
    _loc(1013962, "Los Angeles", "city", 21137, "us", ("California", "United States"), _US, 540),
    _loc(1026339, "Austin", "city", 21176, "us", ("Texas", "United States"), _US, 380),
    _loc(1006886, "London", "city", 20339, "gb", ("England", "United Kingdom"), _EN, 520),
    _loc(1004234, "Munich", "city", 20228, "de", ("Bavaria", "Germany"), (("de", "German"),), 360),
    _loc(
        1005493,
        "Madrid",
        "city",
        20809,
        "es",
        ("Community of Madrid", "Spain"),
        (("es", "Spanish"),),
        340,
    ),
    _loc(1000339, "Beijing", "city", 2156, "cn", ("China",), (("zh", "Chinese"),), 330),
    _loc(
        9031974,
        "94103",
        "postal code",
        1014221,
        "us",
        ("San Francisco", "California", "United States"),
        _US,
        120,
    ),
    _loc(
        9045947,
        "Westminster",
        "borough",
        1006886,
        "gb",
        ("London", "England", "United Kingdom"),
        _EN,
        110,
    ),
    _loc(
        9061289,
        "Schwabing",
        "quarter",
        1004234,
        "de",
        ("Munich", "Bavaria", "Germany"),
        (("de", "German"),),
        60,
    ),
)
LOCATION_IDS: Final = {loc["location"]["id"]: loc for loc in LOCATIONS}
#: Engines per country (Bing: a few markets; Baidu: China) - an inference.
ENGINE_COUNTRIES: Final = {
    "google": frozenset(loc["location"]["country_code"] for loc in LOCATIONS),
    "bing": frozenset({"us", "gb", "de", "fr", "ca", "au", "es"}),
    "baidu": frozenset({"cn"}),
}

# --- tags ----------------------------------------------------------------------------------

_TAG_DROP: Final = re.compile(r"[^\w .&\-$+'#]", re.UNICODE)


def sanitize_tag(raw: str) -> str:
    """The docs' tag sanitisation: drop other characters, collapse spaces, at most two
    underscores in a row, none at the ends, lower case, trimmed."""
    tag = _TAG_DROP.sub("", raw)
    tag = re.sub(r" {2,}", " ", tag)
    tag = re.sub(r"_{3,}", "__", tag)
    return tag.strip().strip("_").strip().lower()


def _decode_tag(term: str, name: str) -> str:
    """The second decoding of a tag in a condition ("double-encoded": ``name%2526co``
    arrives as ``name%26co`` after the query's own decoding)."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", term):
        raise ProjectsError(520, f"Invalid tag name {term!r} in {name}: malformed %-escape")
    tag = sanitize_tag(urllib.parse.unquote(term))
    if not tag:
        raise ProjectsError(520, f"Invalid tag name {term!r} in {name}")
    return tag


def tag_matcher(q: Mapping[str, str]) -> Any:
    """A predicate over a keyword's tag set from ``display_tags`` or
    ``display_tags_condition`` (None: no tag filter)."""
    if "display_tags" in q and "display_tags_condition" in q:
        raise ProjectsError(511, "Use display_tags or display_tags_condition, not both")
    if "display_tags_condition" in q:
        # ``|`` OR, ``&`` AND (binding tighter), ``!`` excludes.
        groups = []
        for group in q["display_tags_condition"].split("|"):
            terms = []
            for term in group.split("&"):
                term = term.strip()
                neg = term.startswith("!")
                terms.append(
                    (neg, _decode_tag(term[1:] if neg else term, "display_tags_condition"))
                )
            groups.append(terms)

        def cond(tags: set[str]) -> bool:
            return any(all((t in tags) != neg for neg, t in g) for g in groups)

        return cond
    if "display_tags" in q:
        inc, exc = set(), set()
        for term in q["display_tags"].split("|"):
            term = term.strip()
            if term.startswith("-"):
                exc.add(_decode_tag(term[1:], "display_tags"))
            else:
                inc.add(_decode_tag(term, "display_tags"))

        def legacy(tags: set[str]) -> bool:
            return (not inc or bool(inc & tags)) and not exc & tags

        return legacy
    return None


# --- URLs ------------------------------------------------------------------------------------

_HOST: Final = r"[^/*:\s?#]+\.[^/*:\s?#]+"
_MASKS: Final = (
    re.compile(rf"^\*\.{_HOST}/\*$"),  # rootdomain  *.ebay.com/*
    re.compile(rf"^{_HOST}/\*$"),  # subdomain   www.ebay.com/*
    re.compile(rf"^\*\.{_HOST}/[^*\s]+/\*$"),  # subfolder   *.ebay.com/motors/*
    re.compile(rf"^https?://{_HOST}(/[^*\s]*)?$"),  # url  http://www.ebay.com/motors/
)
_BARE: Final = re.compile(rf"^(https?://)?{_HOST}(/[^*\s]*)?$")


def parse_urls(raw: str, *, masked: bool | None) -> list[str]:
    """``url`` as a list: ``:``-joined (a scheme's ``://`` does not split). ``masked``:
    True needs the masks, False the bare form, None accepts either."""
    urls = re.split(r":(?!//)", raw)
    for u in urls:
        ok_mask = any(m.match(u) for m in _MASKS)
        ok_bare = bool(_BARE.match(u))
        if (masked is True and not ok_mask) or (masked is False and not ok_bare):
            form = (
                "masked (*.ebay.com/*, www.ebay.com/*, *.ebay.com/motors/*, "
                "http://www.ebay.com/motors/)"
                if masked
                else "unmasked (ebay.com)"
            )
            raise invalid("url", u, f"{form} URLs joined with ':'")
        if masked is None and not (ok_mask or ok_bare):
            raise invalid("url", u, "a URL with or without a mask")
    if len(urls) > 5:
        raise invalid("url", raw, "at most 5 URLs (display_sort numbers them 0-4)")
    return urls


def mask_of(url: str, url_type: str) -> str:
    """A campaign's tracked URL as the mask its reports use by default."""
    if url_type == "rootdomain":
        return f"*.{url.removeprefix('www.')}/*"
    if url_type == "subdomain":
        return f"{url}/*"
    if url_type == "subfolder":
        host, _, path = url.partition("/")
        return f"*.{host.removeprefix('www.')}/{path.strip('/')}/*"
    return url


def host_of(url: str) -> str:
    u = url.split("://", 1)[-1].removeprefix("*.")
    return u.split("/", 1)[0].removeprefix("www.")


# --- rankings --------------------------------------------------------------------------------


def position(
    seed: int, campaign: str, own: str, keyword: str, url: str, day: dt.date, kind: str
) -> int:
    """Rank of ``url`` for ``keyword`` on ``day`` in ``campaign`` (whose tracked host is
    ``own``, ranking better): 1-100 organic, 1-12 adwords, else 0 (sent as ``"-"``)."""
    host = host_of(url)
    base_seed = _seed_of(seed, f"{campaign}\0{keyword}\0{host}", f"pt-{kind}")
    span = 110 if host == own and kind == "organic" else 130 if kind == "organic" else 30
    jitter = _mix(base_seed, day.toordinal()) % 7 - 3
    pos = max(1, 1 + base_seed % span + jitter)
    return pos if pos <= (100 if kind == "organic" else 12) else 0


def keyword_metrics(seed: int, keyword: str) -> tuple[str, str, str, list[str]]:
    """(Cp, Nq, Gs, intents) of a keyword, as the docs send them (strings)."""
    h = _seed_of(seed, keyword.lower(), "pt-keyword")
    cp = f"{(h % 2000) / 100:.2f}"
    nq = str(10 * (1 + (h >> 11) % 100_000))
    gs = "1" if (h >> 29) % 17 == 0 else "0"
    intents = [c for k, c in enumerate(INTENTS) if (h >> (33 + k)) & 1] or ["i"]
    return cp, nq, gs, intents


def keyword_id(seed: int, campaign: str, keyword: str) -> str:
    return str(_seed_of(seed, f"{campaign}\0{keyword}", "pt-id") % 10**19)


def serp_features(seed: int, keyword: str, day: dt.date) -> list[str]:
    h = _mix(_seed_of(seed, keyword, "pt-sf"), day.toordinal() // 7)
    return sorted({SERP_FEATURES[(h >> (6 * k)) % len(SERP_FEATURES)] for k in range(4)})


def parse_day(raw: str, name: str) -> dt.date:
    try:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise invalid(name, raw, "a date YYYYMMDD") from None


def period(q: Mapping[str, str]) -> tuple[dt.date, dt.date]:
    """(begin, end) from ``date_begin``/``date_end``, clamped to the crawl calendar
    (default: the last 7 crawl dates)."""
    end = parse_day(q["date_end"], "date_end") if "date_end" in q else DATES[-1]
    begin = parse_day(q["date_begin"], "date_begin") if "date_begin" in q else end - dt.timedelta(6)
    if begin > end:
        raise invalid("date_begin", q.get("date_begin"), "a date not after date_end")
    return min(max(begin, DATES[0]), DATES[-1]), min(max(end, DATES[0]), DATES[-1])


def ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


# --- the store's records ------------------------------------------------------------------


@attrs.define
class TrackedKeyword:
    keyword: str
    tags: list[str]
    timestamp: int
    added: dt.date


@attrs.define
class Campaign:
    """A Position Tracking campaign (``<project>_<n>``) of a project in the shared store."""

    id: str
    project_id: int
    url: str
    url_type: str
    location_id: int
    device: str
    weekly_notification: bool = True
    timezone: int | None = None
    business_name: str | None = None
    keywords: dict[str, TrackedKeyword] = attrs.field(factory=dict)
    competitors: list[str] = attrs.field(factory=list)

    @property
    def host(self) -> str:
        return host_of(self.url)

    @property
    def mask(self) -> str:
        return mask_of(self.url, self.url_type)
