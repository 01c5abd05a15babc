"""The 21 Trends API v3 reports (``/analytics/ta/api/v3/<report>``): data only.

Transcribed from the coverage facts §3 (``semrush-coverage-2026-12-06.md``, after the
[AUR] ``trends_*.md`` pages). Each row is also a method of ``client.trends``
(``method`` = the report's path name). The wire differs from the other v3 reports
only in data: the report is named by its path (no ``type=``), ``sort_order`` and a
``display_limit`` that counts rows, ``display_date`` as ``YYYY-MM-01``, no
``export_columns`` unless asked (rows are mapped by the header's names), a ``;`` or
``,`` delimiter sniffed from the header line (§3.1: the index says ``,``, every
example uses ``;``), and the Trends quota as the meter that pays (§3.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from semrush_async import errors
from semrush_async._core.sansio import CodeTable
from semrush_async.apis.trends import rows as r
from semrush_async.errors import ErrorDetail, ValidationError
from semrush_async.v3.spec import MonthRule, ReportSpec, both_ways

__all__ = [
    "CATEGORIES",
    "COUNTRIES",
    "METER",
    "REPORTS",
    "SPECS",
    "TRENDS_PATH",
    "Col",
    "columns_of",
]

#: Every Trends report is served under this path (the report's name follows).
TRENDS_PATH: Final = "/analytics/ta/api/v3/"
#: The meter that pays for Trends calls: the Trends plan's quota, apart from the
#: Standard API units (§3.3; INF: a separate meter, as the quota is counted apart).
METER: Final = "trends"


def _c(names: str) -> tuple[str, ...]:
    return tuple(names.split())


#: The 110 industry categories of ``categories``' ``category`` [AUR trends_api_resources].
CATEGORIES: Final = _c(
    "accounting_and_auditing adult advertising_and_marketing aerospace_and_defense "
    "agriculture airlines apparel_and_fashion architecture automotive banking "
    "beauty_and_cosmetics biotech ceramics_and_pottery chemicals civil_engineering "
    "comics_and_animation computer_and_video_games computer_hardware "
    "computer_software_and_development computers_and_electronics construction_and_maintenance "
    "consulting consumer_electronics crafts customer_services design distance_learning "
    "ecology_and_environment education entertainment equipment_and_supplies events_services "
    "facilities_services farms_and_ranches finance fishery food_and_beverages "
    "foreign_language furniture gambling government graphic_design healthcare hospitality "
    "human_resources import_and_export information_technology insurance investment "
    "jewelry_and_luxury_products legal libraries machinery mail_and_package_delivery "
    "manufacturing maritime market_research mass_media medical_devices_and_equipment "
    "mental_health metals_and_mining military museums music nanotechnology newspapers "
    "nonprofit_organizations oil_and_gas online_services outsourcing packaging_and_containers "
    "performing_arts pharmaceuticals photography plastics_and_polymers "
    "political_organizations printing public_policy public_relations public_safety "
    "public_utility publishing real_estate recreational_facilities recruitment_and_staffing "
    "reference religion_and_belief renewable_energy restaurants retail science "
    "security_products_and_services social_and_charitable_organizations sporting_goods sports "
    "telecom textiles_and_nonwovens tobacco training_and_certification "
    "transportation_and_logistics travel_and_tourism tv_and_movies venture_capital veterinary "
    "visual_art warehousing wellness wholesalers_and_liquidators wine_and_spirits "
    "writing_and_editing_services"
)
#: ISO 3166-1 alpha-2, lower-case (§3.1: ``country``; the United Kingdom is ``gb``).
COUNTRIES: Final = _c(
    "ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn "
    "bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de "
    "dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn "
    "gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke "
    "kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk "
    "ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa "
    "pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk "
    "sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug "
    "um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
CHANNELS: Final = _c("direct referral search social mail display_ad ai_assistants ai_search")
TRAFFIC_TYPES: Final = ("organic", "paid")
GEO_TYPES: Final = ("country", "subcontinent", "continent")
SEGMENTS: Final = ("contains", "shares", "excludes")
DEVICES: Final = ("desktop", "mobile")
#: ``target_type`` of the single-target reports that take it (§3.1).
TARGET_TYPES: Final = ("domain", "subdomain", "subfolder")

_SPLITS: Final = (
    "direct referral search_organic search_paid social_organic social_paid mail display_ad "
    "ai_assistants ai_search"
)
_AGE_COLS: Final = " ".join(
    f"{s}_{a}"
    for s in ("age", "male", "female")
    for a in _c("18_24 25_34 35_44 45_54 55_64 65_plus")
)
_DEMO: Final = "target display_date country device_type"
#: Traffic data from 2017-01; age/sex and socio-economic data from 2020-04-01 (§3.1,
#: the report pages; the overview page says 2022-04 for socio-economic: the report
#: pages are followed).
_FROM: Final = date(2017, 1, 1)
_FROM_DEMO: Final = date(2020, 4, 1)
_PAGE: Final = 5_000  # every paged report's documented maximum, but rank's


class Col:
    """Column names: the columns a report can return (a report's row class has a
    field for each; cells of other names go to its ``extra`` mapping)."""

    SUMMARY = _c(
        "target rank visits desktop_visits mobile_visits users desktop_users mobile_users "
        "categories direct referral social search paid search_organic search_paid "
        "social_organic social_paid mail display_ad ai_assistants ai_search unknown_channel "
        "time_on_site desktop_time_on_site mobile_time_on_site pages_per_visit "
        "desktop_pages_per_visit mobile_pages_per_visit bounce_rate desktop_bounce_rate "
        "mobile_bounce_rate desktop_share mobile_share accuracy display_date country "
        "device_type desktop_hits mobile_hits"
    )
    BY_DATE = _c(
        "display_date country device_type target rank visits users hits direct "
        "search_organic search_paid social_organic social_paid referral mail display_ad "
        "ai_assistants ai_search time_on_site pages_per_visit bounce_rate desktop_share "
        "mobile_share is_forecasted"
    )
    RANK = _c(
        "rank domain display_date country device_type visits users desktop_visits "
        "mobile_visits desktop_share mobile_share time_on_site bounce_rate pages_per_visit"
    )
    SOURCES = _c(
        "target from_target display_date country device_type channel traffic_type traffic "
        "traffic_share traffic_diff prev_traffic search_engine categories"
    )
    DESTINATIONS = _c(
        "target to_target display_date country device_type traffic traffic_share "
        "prev_traffic categories"
    )
    TOPPAGES = _c(
        "target page display_date country device_type traffic traffic_share desktop_share "
        f"mobile_share users_by_target avg_visit_duration exits entrance_traffic {_SPLITS} "
        "search social paid unknown"
    )
    SUBDOMAINS = _c(
        "domain subdomain display_date country device_type target_type traffic_share "
        "desktop_share mobile_share total_visits desktop_visits mobile_visits total_users "
        "desktop_users mobile_users total_hits desktop_hits mobile_hits"
    )
    SUBFOLDERS = _c(
        "display_date subfolder subdomain traffic_share users unique_pageviews entrances "
        f"exits time_on_subfolder pages_per_visit bounce_rate {_SPLITS} search social paid"
    )
    GEO = _c(
        "target display_date device_type geo traffic global_traffic traffic_share users "
        "avg_visit_duration bounce_rate pages_per_visit desktop_share mobile_share"
    )
    PURCHASE = _c("target display_date device_type country conversion")
    ACCURACY = _c(f"{_DEMO} accuracy")
    CATEGORIES = _c(
        "domain_name total_traffic direct_traffic referral_traffic search_organic_traffic "
        "search_paid_traffic social_organic_traffic social_paid_traffic email_traffic "
        "display_ad_traffic ai_assistants_traffic ai_search_traffic facebook_traffic "
        "youtube_traffic pinterest_traffic instagram_traffic twitter_traffic "
        "linkedin_traffic vk_traffic reddit_traffic conversion_rate unique_visitors "
        f"users_captured hits sum_time_on_site bounce_rate bounced_visits male female {_AGE_COLS} "
        "edu_level_compulsory_school edu_level_none_completed "
        "edu_level_post_graduate_education edu_level_university high_income middle_income "
        "low_income "
        + " ".join(f"household_size_{n}" for n in range(1, 10))
        + " household_size_10plus occupation_fulltimework occupation_homemaker "
        "occupation_parttimework occupation_studies occupation_unemployed "
        "occupation_ownbusiness occupation_retired occupation_leaveofabsence "
        "occupation_parentalleave country_code report_date"
    )
    AUDIENCE = _c(
        "target overlap_score similarity_score target_users overlap_users categories is_adult"
    )
    INTERESTS = _c(f"{_DEMO} category users users_score")
    AGE_SEX = _c(f"{_DEMO} age female_users male_users female_share male_share")
    HOUSEHOLD = _c(f"{_DEMO} size users users_share")
    INCOME = _c(f"{_DEMO} income_type users users_share")
    EDUCATION = _c(f"{_DEMO} education users users_share")
    OCCUPATION = _c(f"{_DEMO} occupation users users_share")
    SOCIAL = _c(f"{_DEMO} social_name social_domain users users_score")


def _is_domain(value: str) -> bool:
    host = value.partition("/")[0]
    return (
        "." in host
        and not host.startswith(".")
        and not host.endswith(".")
        and "://" not in value
        and not any(c in value for c in " \t\r\n:?#@\\,")
    )


def _domains(most: int) -> Any:
    """``targets``: a list of domains, comma-joined on the wire (§3.2: ≤ ``most``)."""

    def encode(value: Any) -> tuple[str, tuple[str, ...]]:
        given = value.split(",") if isinstance(value, str) else list(value)
        items = [str(t).strip() for t in given]
        details: list[ErrorDetail] = []
        if not items:
            details.append(ErrorDetail(field="targets", message="at least one target"))
        bad = [t for t in items if not _is_domain(t)]
        if bad:
            details.append(
                ErrorDetail(
                    field="targets",
                    message=f"not a domain: {', '.join(map(repr, bad))} (a host name such "
                    "as example.com, no scheme)",
                )
            )
        if len(items) > most:
            details.append(
                ErrorDetail(field="targets", message=f"at most {most} targets, got {len(items)}")
            )
        twice = sorted({t for t in items if [x.lower() for x in items].count(t.lower()) > 1})
        if twice:
            details.append(
                ErrorDetail(field="targets", message=f"each target once: {', '.join(twice)}")
            )
        if details:
            raise ValidationError("invalid targets", details=details)
        return ",".join(items), tuple(items)

    return encode


#: ERROR 132 on a Trends call: the Trends plan's quota, not the API units, is used up.
_CODES: Final[CodeTable] = {
    132: (
        errors.UnitsExhausted,
        "the Trends quota is used up for this month (it renews monthly; "
        "await client.trends.limits() shows it); Standard API units do not pay for Trends",
    )
}


def _spec(
    name: str,
    columns: tuple[str, ...],
    row: type[Any],
    title: str,
    *,
    target: str | None = "target",
    page: int | None = None,
    max_offset: int | None = None,
    sorts: str = "",
    options: Mapping[str, tuple[str, ...]] | None = None,
    devices: tuple[str, ...] | None = DEVICES,
    country: bool = True,
    target_types: tuple[str, ...] = (),
    first: date = _FROM,
    current: bool = False,
    units: int = 1,
    per_line: bool = False,
    free_when_empty: bool = False,
    returns: str = "list",
    **kw: Any,
) -> ReportSpec:
    """A Trends row: its path, the common parameters it takes, its price."""
    opts: dict[str, tuple[str, ...]] = {}
    if devices is not None:
        opts["device_type"] = devices
    if country:
        opts["country"] = COUNTRIES
    if target_types:
        opts["target_type"] = target_types
    opts.update(options or {})
    paged = page is not None
    return ReportSpec(
        f"trends_{name}",
        name,
        columns,
        both_ways(*sorts.split()),
        paged=paged,
        target_types=target_types,
        family="trends",
        title=title,
        path=TRENDS_PATH + name,
        target=target,
        dated=True,
        options=opts,
        units=units,
        per_line=per_line,
        empty_charged=not free_when_empty,
        max_page=page or 1_000_000,
        max_end=(max_offset + page) if max_offset is not None and page else 1_000_000_000,
        max_offset=max_offset,
        row=row,
        returns="pager" if paged else returns,  # type: ignore[arg-type]
        paired=False,
        type_param=False,
        send_columns=False,
        sort_param="sort_order",
        limit_is_end=False,
        months=MonthRule(first, current),
        meter=METER,
        delimiters=(";", ","),
        codes=_CODES,
        **kw,
    )


_TRAFFIC: Final = "traffic traffic_diff traffic_share"
_DISTRIBUTIONS: Final = (
    ("household_distribution", Col.HOUSEHOLD, r.HouseholdRow, "Household size"),
    ("income_distribution", Col.INCOME, r.IncomeRow, "Income"),
    ("education_distribution", Col.EDUCATION, r.EducationRow, "Education"),
    ("occupation_distribution", Col.OCCUPATION, r.OccupationRow, "Occupation"),
)

SPECS: Final[tuple[ReportSpec, ...]] = (
    _spec(
        "summary",
        Col.SUMMARY,
        r.SummaryRow,
        "Traffic summary of up to 200 targets",
        target="targets",
        encode_target=_domains(200),
        max_targets=200,
        per_line=True,
        free_when_empty=True,
        default_columns=_c(
            "target rank visits desktop_visits mobile_visits users desktop_users mobile_users"
        ),
    ),
    *(
        _spec(
            name,
            Col.BY_DATE,
            r.ByDateRow,
            title,
            target_types=TARGET_TYPES,
            current=True,
            free_when_empty=True,
            options={"include_forecasted_items": ("true", "false")},
        )
        for name, title in (
            ("summary_by_day", "Traffic by day"),
            ("summary_by_week", "Traffic by week"),
        )
    ),
    _spec("rank", Col.RANK, r.RankRow, "Top domains by traffic", target=None, page=200),
    _spec(
        "sources",
        Col.SOURCES,
        r.SourceRow,
        "Traffic sources",
        page=_PAGE,
        max_offset=10_000,
        sorts=_TRAFFIC,
        options={"traffic_channel": CHANNELS, "traffic_type": TRAFFIC_TYPES},
    ),
    _spec(
        "destinations",
        Col.DESTINATIONS,
        r.DestinationRow,
        "Destinations",
        page=_PAGE,
        sorts=_TRAFFIC,
    ),
    _spec(
        "toppages",
        Col.TOPPAGES,
        r.TopPageRow,
        "Top pages",
        page=_PAGE,
        target_types=TARGET_TYPES,
        sorts="users_by_target avg_visit_duration exits traffic entrance_traffic traffic_share",
    ),
    _spec(
        "subdomains",
        Col.SUBDOMAINS,
        r.SubdomainRow,
        "Subdomains",
        page=_PAGE,
        target_types=("domain", "subdomain"),
        sorts="traffic desktop_share mobile_share",
    ),
    _spec(
        "subfolders",
        Col.SUBFOLDERS,
        r.SubfolderRow,
        "Subfolders",
        page=_PAGE,
        target_types=("domain", "subdomain"),
        devices=("desktop",),
        sorts="traffic_share unique_pageviews users entrances exits time_on_subfolder "
        f"pages_per_visit bounce_rate {_SPLITS}",
        options={"search_string": ()},
    ),
    _spec(
        "geo",
        Col.GEO,
        r.GeoRow,
        "Geo distribution",
        page=_PAGE,
        target_types=TARGET_TYPES,
        country=False,
        sorts="traffic traffic_share desktop_share mobile_share avg_visit_duration "
        "pages_per_visit bounce_rate",
        options={"geo_type": GEO_TYPES},
    ),
    _spec(
        "purchase_conversion",
        Col.PURCHASE,
        r.PurchaseConversionRow,
        "Purchase conversion (desktop only)",
        devices=("desktop",),
        current=True,
    ),
    _spec("accuracy", Col.ACCURACY, r.AccuracyRow, "Data accuracy"),
    _spec(
        "categories",
        Col.CATEGORIES,
        r.CategoryRow,
        "Top domains of an industry category",
        target="category",
        page=_PAGE,
        max_offset=10_000,
        devices=None,
        current=True,
        units=500,
    ),
    _spec(
        "audience_insights",
        Col.AUDIENCE,
        r.AudienceRow,
        "Audience overlap of up to 5 targets",
        target="targets",
        encode_target=_domains(5),
        max_targets=5,
        page=_PAGE,
        options={"segment": SEGMENTS, "selected_targets": ()},
    ),
    _spec("audience_interests", Col.INTERESTS, r.InterestRow, "Audience interests"),
    _spec(
        "age_and_sex_distribution",
        Col.AGE_SEX,
        r.AgeSexRow,
        "Age and sex distribution",
        first=_FROM_DEMO,
    ),
    *(
        _spec(name, cols, row, f"{title} distribution", first=_FROM_DEMO)
        for name, cols, row, title in _DISTRIBUTIONS
    ),
    _spec("social_media", Col.SOCIAL, r.SocialMediaRow, "Social media"),
)

#: The reports by method (= path) name.
REPORTS: Final[Mapping[str, ReportSpec]] = {s.method: s for s in SPECS}


def columns_of(report: str) -> tuple[str, ...]:
    """The columns ``report`` can return (``export_columns`` takes some of them)."""
    return REPORTS[report].columns
