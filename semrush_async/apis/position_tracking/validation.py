"""Position Tracking input rules, checked before anything is sent: the documented
vocabularies (URL masks, tag conditions, ``top_filter``, ``display_filter``,
``display_sort``, ``linktype_filter``, ``use_volume``, SERP features, location types)
and the management limits (5 tags per keyword, 20 competitors).

Facts: ``semrush-coverage-2026-12-06.md`` §4.1 and [AUR
``projects_tracking_overview.md``] (masks, double encoding, tag sanitisation, sorts,
filters, SERP feature codes). Every refusal is a
:class:`~semrush_async.errors.ValidationError` naming what is allowed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import quote

from semrush_async import errors
from semrush_async._core.counts import check_count

__all__ = [
    "DEVICES",
    "ENGINES",
    "KINDS",
    "LINKTYPES",
    "LOCATION_TYPES",
    "MAX_COMPETITORS",
    "MAX_TAGS",
    "SERP_FEATURES",
    "SORTS",
    "TOP_FILTERS",
    "URL_TYPES",
    "VOLUMES",
    "check_campaign_id",
    "check_dates",
    "check_display_filter",
    "check_sort",
    "check_urls",
    "one_of",
    "sanitize_tag",
    "tag_condition",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split(" "))


KINDS: Final = ("organic", "adwords")
URL_TYPES: Final = ("rootdomain", "subdomain", "subfolder", "url")
DEVICES: Final = ("desktop", "phone", "tablet")
ENGINES: Final = ("google", "bing", "baidu")
VOLUMES: Final = ("national", "regional", "local")
MAX_TAGS: Final = 5
MAX_COMPETITORS: Final = 20
MAX_URLS: Final = 5  # display_sort numbers the URLs 0-4 ({DOMAIN_N})
MAX_FILTERS: Final = 25
#: The location search's ``type`` values [AUR projects_tracking_locations.md].
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
    f"top_{depth}{how}"
    for depth in ("3", "1page", "2page", "100")
    for how in ("", "_income", "_leave", "_down", "_up")
)
#: ``linktype_filter`` bit values: 0 both (default), 1 local pack and hotels only, 2 no
#: local pack, 524288 no hotels, 524290 neither, 536870912 no AI Overview, 536870914
#: no local pack nor AI Overview, 537395202 none of the three.
LINKTYPES: Final = (0, 1, 2, 524288, 524290, 536870912, 536870914, 537395202)
SERP_FEATURES: Final = _words(
    "aai aic aim aio ais amp app asr car ctt drp flg fsn geo hot img ind job kng knw mac "
    "new org rel res rev rsp shp spb stl tea twt vib vid adt adb"
)
#: ``display_sort`` fields per report ({N}: a URL of ``url``, 0-4; {DATE}: YYYYMMDD),
#: each with ``_asc`` or ``_desc`` [AUR report pages]. The adwords positions page lists
#: ``{N}_di``, the overview's list ``{N}_diff``: both are accepted.
SORTS: Final[Mapping[str, tuple[str, ...]]] = {
    "tracking_position_organic": _words("cp nq ph sov sovdiff vi {N}_be {N}_diff {N}_pos {N}_vd"),
    "tracking_position_adwords": _words("cp nq ph {N}_be {N}_di {N}_diff {N}_pos"),
    "tracking_competitors_organic": _words("1_mc av cd cl {DATE} sov sovdiff tr trdiff ur"),
    "tracking_competitors_adwords": _words("av cd cl {DATE} ur"),
    "tracking_landing_pages_organic": _words(
        "0_mc 1_mc md 0_tr 1_tr trdiff 0_av 1_av ad 0_nq 1_nq rd"
    ),
    "tracking_landing_pages_adwords": _words(
        "0_mc 1_mc md 0_tr 1_tr trdiff 0_av 1_av ad 0_nq 1_nq rd"
    ),
}

_HOST: Final = r"[^/*:\s?#@]+\.[^/*:\s?#@]+"
_MASKS: Final = (
    re.compile(rf"^\*\.{_HOST}/\*$"),  # rootdomain  *.ebay.com/*
    re.compile(rf"^{_HOST}/\*$"),  # subdomain   www.ebay.com/*
    re.compile(rf"^\*\.{_HOST}/[^*\s]+/\*$"),  # subfolder   *.ebay.com/motors/*
    re.compile(rf"^https?://{_HOST}(/[^*\s]*)?$"),  # url  http://www.ebay.com/motors/
)
_BARE: Final = re.compile(rf"^(https?://)?{_HOST}(/[^*\s]*)?$")
_DOMAIN: Final = re.compile(rf"^{_HOST}$")
_CAMPAIGN: Final = re.compile(r"^\d+_\d+$")
_TAG_DROP: Final = re.compile(r"[^\w .&\-$+'#]", re.UNICODE)


def one_of(name: str, value: object, allowed: Sequence[object]) -> str:
    """``value`` as sent if it is one of ``allowed``, else a ValidationError listing them."""
    if isinstance(value, bool) or value not in allowed:
        raise errors.ValidationError(
            f"{name} must be one of {', '.join(map(str, allowed))}, got {value!r}"
        )
    return str(value)


def check_campaign_id(campaign_id: object) -> str:
    """A campaign id ``<project id>_<n>`` (a string, as ``enable`` returns it)."""
    if not isinstance(campaign_id, str) or not _CAMPAIGN.match(campaign_id):
        raise errors.ValidationError(
            "campaign_id must be a string '<project id>_<n>' such as '6647718_272401' "
            f"(as enable() and campaigns() return it), got {campaign_id!r}"
        )
    return campaign_id


def check_domain(name: str, value: object) -> str:
    """A bare domain (no scheme, path or mask), as competitor lists take them."""
    if not isinstance(value, str) or not _DOMAIN.match(value):
        raise errors.ValidationError(
            f"{name} must be a domain without protocol, path or mask (ebay.com), got {value!r}"
        )
    return value.lower()


def check_tracking_url(url: object, url_type: str) -> str:
    shapes = {
        "rootdomain": (_DOMAIN, "a domain (ebay.com)"),
        "subdomain": (_DOMAIN, "a host (www.ebay.com)"),
        "subfolder": (re.compile(rf"^{_HOST}/\S+$"), "host/folder/ (ebay.com/motors/)"),
        "url": (re.compile(rf"^https?://{_HOST}(/\S*)?$"), "http(s)://host/path"),
    }
    pattern, shape = shapes[url_type]
    if not isinstance(url, str) or not pattern.match(url):
        raise errors.ValidationError(f"url must be {shape} for url_type {url_type!r}, got {url!r}")
    return url


def check_urls(urls: str | Sequence[str], *, masked: bool | None) -> str:
    """``url`` for a report: up to 5 URLs joined with ``:``; ``masked`` True needs the
    masks (``*.ebay.com/*``, ``www.ebay.com/*``, ``*.ebay.com/motors/*``,
    ``http://www.ebay.com/motors/``), False the bare form (``ebay.com``), None either."""
    items = [urls] if isinstance(urls, str) else list(urls)
    if not items or not all(isinstance(u, str) for u in items):
        raise errors.ValidationError(f"url must be a URL or a list of URLs, got {urls!r}")
    if len(items) > MAX_URLS:
        raise errors.ValidationError(
            f"at most {MAX_URLS} URLs per report (display_sort numbers them 0-4), got {len(items)}"
        )
    for u in items:
        masked_ok = any(m.match(u) for m in _MASKS)
        bare_ok = bool(_BARE.match(u))
        ok = masked_ok if masked is True else bare_ok if masked is False else masked_ok or bare_ok
        if not ok:
            form = (
                "a masked URL: *.ebay.com/* (root domain), www.ebay.com/* (subdomain), "
                "*.ebay.com/motors/* (subfolder) or http://www.ebay.com/motors/ (URL)"
                if masked
                else "a URL without a mask, e.g. ebay.com"
                if masked is False
                else "a URL with or without a mask"
            )
            raise errors.ValidationError(f"url {u!r} is not {form}")
    return ":".join(items)


def sanitize_tag(raw: str) -> str:
    """A tag as Semrush stores it: other characters than letters, digits, spaces and
    ``. & - $ + ' #`` dropped, spaces collapsed, at most two underscores in a row and
    none at the ends, lower case, trimmed [AUR]."""
    tag = _TAG_DROP.sub("", raw)
    tag = re.sub(r" {2,}", " ", tag)
    tag = re.sub(r"_{3,}", "__", tag)
    return tag.strip().strip("_").strip().lower()


def check_tag(value: object, what: str = "tag") -> str:
    if not isinstance(value, str) or not sanitize_tag(value):
        raise errors.ValidationError(
            f"{what} {value!r} is not a tag: it needs a letter or digit (tags keep letters, "
            "digits, spaces and . & - $ + ' #)"
        )
    return value


def check_tags(tags: object, keyword: str) -> list[str]:
    if not isinstance(tags, list | tuple):
        raise errors.ValidationError(f"tags of {keyword!r} must be a list of strings")
    out = list(dict.fromkeys(check_tag(t) for t in tags))
    if len({sanitize_tag(t) for t in out}) > MAX_TAGS:
        raise errors.ValidationError(
            f"keyword {keyword!r} has {len(out)} tags; at most {MAX_TAGS} per keyword"
        )
    return out


def tag_condition(tags: str | Sequence[str] | Sequence[Sequence[str]]) -> str:
    """``display_tags_condition`` from tags: a tag, a list of tags (any of them), or a
    list of groups (any group, all tags of a group); a tag starting with ``!`` is
    excluded. Each tag is percent-encoded here and the query encodes it again: the
    documented double encoding (``name&co`` -> ``name%2526co`` on the wire)."""
    if isinstance(tags, str):
        groups: list[list[str]] = [[tags]]
    elif isinstance(tags, Sequence) and tags and all(isinstance(t, str) for t in tags):
        groups = [[t] for t in tags]  # type: ignore[list-item]
    elif (
        isinstance(tags, Sequence)
        and tags
        and all(
            isinstance(g, Sequence)
            and not isinstance(g, str)
            and g
            and all(isinstance(t, str) for t in g)
            for g in tags
        )
    ):
        groups = [list(g) for g in tags]
    else:
        raise errors.ValidationError(
            "tags must be a tag, a list of tags (any of them) or a list of lists (any "
            f"group, all of a group), each tag optionally starting with '!', got {tags!r}"
        )
    out = []
    for group in groups:
        terms = []
        for tag in group:
            neg = tag.startswith("!")
            name = check_tag(tag[1:] if neg else tag)
            terms.append(("!" if neg else "") + quote(name, safe=""))
        out.append("&".join(terms))
    return "|".join(out)


def check_dates(begin: dt.date | None, end: dt.date | None) -> list[tuple[str, str]]:
    out = []
    for name, value in (("date_begin", begin), ("date_end", end)):
        if value is None:
            continue
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise errors.ValidationError(f"{name} must be a datetime.date, got {value!r}")
        out.append((name, value.strftime("%Y%m%d")))
    if begin is not None and end is not None and begin > end:
        raise errors.ValidationError(f"date_begin {begin} is after date_end {end}")
    return out


_TEXT_OPS: Final = ("Bw", "Ew", "Eq", "Co")
_NUMBER_OPS: Final = ("Eq", "Gt", "Lt")


def check_display_filter(filters: object) -> str:
    """``display_filter`` from ``(sign, field, op, value)`` tuples: sign ``+`` or ``-``,
    field ``Ph`` (ops Bw Ew Eq Co) or ``Cp``/``Nq`` (ops Eq Gt Lt, a number), at most 25."""
    if isinstance(filters, str | bytes) or not isinstance(filters, Sequence):
        raise errors.ValidationError("filters must be a list of (sign, field, op, value) tuples")
    if not 1 <= len(filters) <= MAX_FILTERS:
        raise errors.ValidationError(f"1 to {MAX_FILTERS} filters per request, got {len(filters)}")
    parts: list[str] = []
    for f in filters:
        if not isinstance(f, tuple | list) or len(f) != 4:
            raise errors.ValidationError(f"a filter is (sign, field, op, value), got {f!r}")
        sign, field, op, value = f
        if sign not in ("+", "-"):
            raise errors.ValidationError(f"filter sign must be + or -, got {sign!r}")
        ops = _TEXT_OPS if field == "Ph" else _NUMBER_OPS if field in ("Cp", "Nq") else None
        if ops is None:
            raise errors.ValidationError(f"filter field must be one of Ph, Cp, Nq, got {field!r}")
        if op not in ops:
            raise errors.ValidationError(
                f"filter op for {field} must be one of {', '.join(ops)}, got {op!r}"
            )
        if field == "Ph":
            if not isinstance(value, str) or not value or "|" in value:
                raise errors.ValidationError(
                    f"a Ph filter value must be a non-empty string without '|', got {value!r}"
                )
            text = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise errors.ValidationError(f"a {field} filter value must be a number")
            text = format(value, "g")
        parts += [sign, field, op, text]
    return "|".join(parts)


def check_sort(sort: str, report: str, urls: int) -> str:
    """``display_sort`` (``<field>_asc|_desc``) against the report's list."""
    allowed = SORTS[report]
    m = (
        re.fullmatch(r"(?:([0-4])_)?([a-z]+|\d{8})_(asc|desc)", sort)
        if isinstance(sort, str)
        else None
    )
    ok = False
    if m is not None:
        n, field, _ = m.groups()
        if field.isdigit():
            ok = n is None and "{DATE}" in allowed and _is_date(field)
        elif n is not None:
            ok = f"{n}_{field}" in allowed or (f"{{N}}_{field}" in allowed and int(n) < urls)
        else:
            ok = field in allowed
    if not ok:
        shown = ", ".join(a.replace("{N}", "<N>").replace("{DATE}", "<YYYYMMDD>") for a in allowed)
        raise errors.ValidationError(
            f"sort {sort!r} is not one of {shown} with _asc or _desc (<N>: the index of a "
            f"URL in url, 0 to {max(0, urls - 1)})"
        )
    return sort


def _is_date(text: str) -> bool:
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def check_serp_feature(value: object, urls: int) -> str:
    """``serp_feature_filter``: ``[-]<code>[,<url index>]``."""
    m = re.fullmatch(r"(-)?([a-z]{3})(?:,(\d))?", value) if isinstance(value, str) else None
    if m is None or m[2] not in SERP_FEATURES or (m[3] is not None and int(m[3]) >= urls):
        raise errors.ValidationError(
            f"serp_feature must be [-]<code>[,<index of a URL in url>] with code one of "
            f"{' '.join(SERP_FEATURES)}, got {value!r}"
        )
    return value  # type: ignore[return-value]


def check_page(limit: object, offset: object, maximum: int) -> tuple[int, int]:
    return (
        check_count("limit", limit, minimum=1, maximum=maximum),
        check_count("offset", offset, minimum=0),
    )
