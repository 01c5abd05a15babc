"""The Trends API v3 facts the sandbox states for itself: the 21 reports (parameters,
columns, prices, paging, dates) and their vocabularies.

Sources: coverage facts §3 and the [AUR] mirror's ``trends_*.md`` pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["CATEGORIES", "COUNTRIES", "REPORTS", "TrendsReport"]


def _c(names: str) -> tuple[str, ...]:
    """A tuple of the whitespace-separated names."""
    return tuple(names.split())


#: The 110 industry categories of the ``category`` parameter [AUR trends_api_resources].
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
#: ISO 3166-1 alpha-2 (the ``country`` parameter; ``uk`` is not one: ``gb`` is).
COUNTRIES: Final = frozenset(
    _c(
        """ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn
    bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de
    dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn
    gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke
    kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk
    ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa
    pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk
    sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug
    um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"""
    )
)
SUBCONTINENTS: Final = _c(
    "005 011 013 014 015 017 018 021 029 030 034 035 039 053 054 057 061 143 145 151 154 155"
)
CONTINENTS: Final = ("002", "202", "419", "019", "142", "150", "009")
CHANNELS: Final = _c("direct referral search social mail display_ad ai_assistants ai_search")
TRAFFIC_TYPES: Final = ("organic", "paid")
AGES: Final = _c("18-24 25-34 35-44 45-54 55-64 65+")
HOUSEHOLD: Final = _c("1 2 3 4 5 6 7 8 9 10+")
INCOMES: Final = ("high", "middle", "low")
EDUCATION: Final = _c("none_completed school university postgraduate")
OCCUPATIONS: Final = _c(
    "full_time_work part_time_work own_business homemaker studies unemployed retired "
    "leave_of_absence parental_leave"
)
SOCIAL: Final = (
    ("YouTube", "youtube.com"),
    ("Facebook", "facebook.com"),
    ("Twitter", "twitter.com"),
    ("Reddit", "reddit.com"),
    ("Instagram", "instagram.com"),
    ("TikTok", "tiktok.com"),
    ("LinkedIn", "linkedin.com"),
    ("Pinterest", "pinterest.com"),
    ("VK", "vk.com"),
)
_SPLITS: Final = _c(
    "direct referral search_organic search_paid social_organic social_paid mail display_ad "
    "ai_assistants ai_search"
)
_AGE_COLS: Final = tuple(
    f"{s}_{a}"
    for s in ("age", "male", "female")
    for a in _c("18_24 25_34 35_44 45_54 55_64 65_plus")
)

# --- report table ------------------------------------------------------------------------

_COMMON: Final = ("key", "display_date", "country", "device_type", "export_columns")


@attrs.frozen
class TrendsReport:
    """One Trends report: what it accepts, what it returns, what it costs."""

    name: str
    #: The target parameter: ``target``, ``targets``, ``category`` or None (``rank``).
    target: str | None
    columns: tuple[str, ...]
    #: Header when ``export_columns`` is absent (None: every column).
    default_columns: tuple[str, ...] | None = None
    price: int = 1
    per_line: bool = False
    free_when_empty: bool = False
    target_types: tuple[str, ...] = ()
    max_targets: int = 1
    #: (default, maximum) ``display_limit``; None: not paged.
    limit: tuple[int, int] | None = None
    max_offset: int | None = None
    sorts: tuple[str, ...] = ()
    min_date: dt.date = dt.date(2017, 1, 1)
    #: True: ``display_date`` may be the current month (else the previous one at most).
    current_month: bool = False
    devices: tuple[str, ...] = ("desktop", "mobile")
    device_required: bool = False
    #: Enumerated options: parameter -> allowed values.
    options: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    #: Free-form parameters of this report only.
    extra: tuple[str, ...] = ()
    #: Common parameters this report does not take.
    without: tuple[str, ...] = ()

    @property
    def header(self) -> tuple[str, ...]:
        return self.default_columns or self.columns

    @property
    def params(self) -> frozenset[str]:
        """Every parameter the report accepts (anything else is refused)."""
        names = {*_COMMON, *self.extra, *self.options} - set(self.without)
        if self.target is not None:
            names.add(self.target)
        if self.target_types:
            names.add("target_type")
        if self.limit is not None:
            names.update(("display_limit", "display_offset"))
        if self.sorts:
            names.add("sort_order")
        return frozenset(names)


_SPLIT_COLS: Final = " ".join(_SPLITS)
_DEMO: Final = "target display_date country device_type"
_MINDEMO: Final = dt.date(2020, 4, 1)
_BY_DATE: Final = _c(
    "display_date country device_type target rank visits users hits direct search_organic "
    "search_paid social_organic social_paid referral mail display_ad ai_assistants ai_search "
    "time_on_site pages_per_visit bounce_rate desktop_share mobile_share is_forecasted"
)
_SUBDOMAIN_COLS: Final = _c(
    "domain subdomain display_date country device_type target_type traffic_share "
    "desktop_share mobile_share total_visits desktop_visits mobile_visits total_users "
    "desktop_users mobile_users total_hits desktop_hits mobile_hits"
)
_CATEGORY_COLS: Final = _c(
    "domain_name total_traffic direct_traffic referral_traffic search_organic_traffic "
    "search_paid_traffic social_organic_traffic social_paid_traffic email_traffic "
    "display_ad_traffic ai_assistants_traffic ai_search_traffic facebook_traffic "
    "youtube_traffic pinterest_traffic instagram_traffic twitter_traffic linkedin_traffic "
    "vk_traffic reddit_traffic conversion_rate unique_visitors users_captured hits "
    "sum_time_on_site bounce_rate bounced_visits male female "
    + " ".join(_AGE_COLS)
    + " edu_level_compulsory_school edu_level_none_completed "
    "edu_level_post_graduate_education edu_level_university high_income middle_income "
    "low_income "
    + " ".join(f"household_size_{n}" for n in range(1, 10))
    + " household_size_10plus occupation_fulltimework occupation_homemaker "
    "occupation_parttimework occupation_studies occupation_unemployed occupation_ownbusiness "
    "occupation_retired occupation_leaveofabsence occupation_parentalleave country_code "
    "report_date"
)
_PAGED: Final = (1000, 5000)
_THREE: Final = ("domain", "subdomain", "subfolder")

REPORTS: Final[Mapping[str, TrendsReport]] = {
    r.name: r
    for r in (
        TrendsReport(
            "summary",
            "targets",
            _c(
                "target rank visits desktop_visits mobile_visits users desktop_users "
                "mobile_users categories direct referral social search paid search_organic "
                "search_paid social_organic social_paid mail display_ad ai_assistants "
                "ai_search unknown_channel time_on_site desktop_time_on_site "
                "mobile_time_on_site pages_per_visit desktop_pages_per_visit "
                "mobile_pages_per_visit bounce_rate desktop_bounce_rate mobile_bounce_rate "
                "desktop_share mobile_share accuracy display_date country device_type "
                "desktop_hits mobile_hits"
            ),
            default_columns=_c(
                "target rank visits desktop_visits mobile_visits users desktop_users mobile_users"
            ),
            per_line=True,
            free_when_empty=True,
            max_targets=200,
        ),
        *(
            TrendsReport(
                name,
                "target",
                _BY_DATE,
                free_when_empty=True,
                target_types=_THREE,
                current_month=True,
                options={"include_forecasted_items": ("true", "false")},
            )
            for name in ("summary_by_day", "summary_by_week")
        ),
        TrendsReport(
            "rank",
            None,
            _c(
                "rank domain display_date country device_type visits users desktop_visits "
                "mobile_visits desktop_share mobile_share time_on_site bounce_rate "
                "pages_per_visit"
            ),
            limit=(200, 200),
        ),
        TrendsReport(
            "sources",
            "target",
            _c(
                "target from_target display_date country device_type channel traffic_type "
                "traffic traffic_share traffic_diff prev_traffic search_engine categories"
            ),
            limit=_PAGED,
            max_offset=10_000,
            sorts=("traffic", "traffic_diff", "traffic_share"),
            options={"traffic_channel": CHANNELS, "traffic_type": TRAFFIC_TYPES},
        ),
        TrendsReport(
            "destinations",
            "target",
            _c(
                "target to_target display_date country device_type traffic traffic_share "
                "prev_traffic categories"
            ),
            limit=_PAGED,
            sorts=("traffic", "traffic_diff", "traffic_share"),
        ),
        TrendsReport(
            "toppages",
            "target",
            _c(
                "target page display_date country device_type traffic traffic_share "
                "desktop_share mobile_share users_by_target avg_visit_duration exits "
                f"entrance_traffic {_SPLIT_COLS} search social paid unknown"
            ),
            target_types=_THREE,
            limit=_PAGED,
            sorts=_c(
                "users_by_target avg_visit_duration exits traffic entrance_traffic traffic_share"
            ),
        ),
        TrendsReport(
            "subdomains",
            "target",
            _SUBDOMAIN_COLS,
            default_columns=tuple(c for c in _SUBDOMAIN_COLS if c != "target_type"),
            target_types=("domain", "subdomain"),
            limit=_PAGED,
            sorts=("traffic", "desktop_share", "mobile_share"),
        ),
        TrendsReport(
            "subfolders",
            "target",
            _c(
                "display_date subfolder subdomain traffic_share users unique_pageviews "
                "entrances exits time_on_subfolder pages_per_visit bounce_rate "
                f"{_SPLIT_COLS} search social paid"
            ),
            target_types=("domain", "subdomain"),
            limit=_PAGED,
            devices=("desktop",),
            sorts=(
                *_c(
                    "traffic_share unique_pageviews users entrances exits time_on_subfolder "
                    "pages_per_visit bounce_rate"
                ),
                *_SPLITS,
            ),
            extra=("search_string",),
        ),
        TrendsReport(
            "geo",
            "target",
            _c(
                "target display_date device_type geo traffic global_traffic traffic_share "
                "users avg_visit_duration bounce_rate pages_per_visit desktop_share "
                "mobile_share"
            ),
            target_types=_THREE,
            limit=_PAGED,
            sorts=_c(
                "traffic traffic_share desktop_share mobile_share avg_visit_duration "
                "pages_per_visit bounce_rate"
            ),
            options={"geo_type": ("country", "subcontinent", "continent")},
            without=("country",),
        ),
        TrendsReport(
            "purchase_conversion",
            "target",
            # The docs' example order (its table lists country before device_type).
            _c("target display_date device_type country conversion"),
            current_month=True,
            devices=("desktop",),
            device_required=True,
        ),
        TrendsReport("accuracy", "target", _c(f"{_DEMO} accuracy")),
        TrendsReport(
            "categories",
            "category",
            _CATEGORY_COLS,
            price=500,
            limit=_PAGED,
            max_offset=10_000,
            current_month=True,
            devices=(),
            without=("device_type",),
        ),
        TrendsReport(
            "audience_insights",
            "targets",
            _c(
                "target overlap_score similarity_score target_users overlap_users categories "
                "is_adult"
            ),
            max_targets=5,
            limit=_PAGED,
            options={"segment": ("contains", "shares", "excludes")},
            extra=("selected_targets",),
        ),
        TrendsReport("audience_interests", "target", _c(f"{_DEMO} category users users_score")),
        TrendsReport(
            "age_and_sex_distribution",
            "target",
            _c(f"{_DEMO} age female_users male_users female_share male_share"),
            min_date=_MINDEMO,
        ),
        TrendsReport(
            "household_distribution",
            "target",
            _c(f"{_DEMO} size users users_share"),
            min_date=_MINDEMO,
        ),
        TrendsReport(
            "income_distribution",
            "target",
            _c(f"{_DEMO} income_type users users_share"),
            min_date=_MINDEMO,
        ),
        TrendsReport(
            "education_distribution",
            "target",
            _c(f"{_DEMO} education users users_share"),
            min_date=_MINDEMO,
        ),
        TrendsReport(
            "occupation_distribution",
            "target",
            _c(f"{_DEMO} occupation users users_share"),
            min_date=_MINDEMO,
        ),
        TrendsReport(
            "social_media",
            "target",
            _c(f"{_DEMO} social_name social_domain users users_score"),
        ),
    )
}
