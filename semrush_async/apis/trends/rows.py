"""Typed rows of the 21 Trends reports (frozen, slotted attrs classes).

Fields are named after the documented columns (coverage §3.2); cells are mapped by
the answer's header, so a column the client does not know is kept in ``extra``
(header name -> text) instead of being dropped. Counts are ints, shares, rates and
durations floats, ``YYYY-MM-DD`` dates ``datetime.date``, ``true``/``false`` bools,
list cells (``categories``) tuples. Devices, channels and traffic types are open
enums: a value the docs do not list becomes a member of its own, never an error. A
column that was not in the answer is None.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import attrs

__all__ = [
    "ROW_TYPES",
    "AccuracyRow",
    "AgeSexRow",
    "AudienceRow",
    "ByDateRow",
    "CategoryRow",
    "Channel",
    "DestinationRow",
    "Device",
    "EducationRow",
    "GeoRow",
    "GeoType",
    "HouseholdRow",
    "IncomeRow",
    "InterestRow",
    "OccupationRow",
    "PurchaseConversionRow",
    "RankRow",
    "Segment",
    "SocialMediaRow",
    "SourceRow",
    "SubdomainRow",
    "SubfolderRow",
    "SummaryRow",
    "TopPageRow",
    "TrafficType",
]


class _Open(enum.StrEnum):
    """A string enum that turns an unknown value into a member of its own."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member


class Device(_Open):
    """``device_type`` of a row (``all`` when the request named none)."""

    ALL = "all"
    DESKTOP = "desktop"
    MOBILE = "mobile"


class Channel(_Open):
    """A traffic channel (``sources``' ``channel``, ``traffic_channel=``)."""

    DIRECT = "direct"
    REFERRAL = "referral"
    SEARCH = "search"
    SOCIAL = "social"
    MAIL = "mail"
    DISPLAY_AD = "display_ad"
    AI_ASSISTANTS = "ai_assistants"
    AI_SEARCH = "ai_search"


class TrafficType(_Open):
    """Organic or paid (``sources``' ``traffic_type``)."""

    ORGANIC = "organic"
    PAID = "paid"


class GeoType(_Open):
    """What ``geo``'s rows are (``geo_type=``): countries, subcontinents or continents."""

    COUNTRY = "country"
    SUBCONTINENT = "subcontinent"
    CONTINENT = "continent"


class Segment(_Open):
    """``audience_insights``' ``segment``: union, intersection or exclusion."""

    CONTAINS = "contains"
    SHARES = "shares"
    EXCLUDES = "excludes"


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class SummaryRow:
    """A line of ``summary``: one target's traffic in the month (channel columns are shares)."""

    target: str | None = None
    rank: int | None = None
    visits: int | None = None
    desktop_visits: int | None = None
    mobile_visits: int | None = None
    users: int | None = None
    desktop_users: int | None = None
    mobile_users: int | None = None
    categories: tuple[str, ...] | None = None
    direct: float | None = None
    referral: float | None = None
    social: float | None = None
    search: float | None = None
    paid: float | None = None
    search_organic: float | None = None
    search_paid: float | None = None
    social_organic: float | None = None
    social_paid: float | None = None
    mail: float | None = None
    display_ad: float | None = None
    ai_assistants: float | None = None
    ai_search: float | None = None
    unknown_channel: float | None = None
    time_on_site: float | None = None
    desktop_time_on_site: float | None = None
    mobile_time_on_site: float | None = None
    pages_per_visit: float | None = None
    desktop_pages_per_visit: float | None = None
    mobile_pages_per_visit: float | None = None
    bounce_rate: float | None = None
    desktop_bounce_rate: float | None = None
    mobile_bounce_rate: float | None = None
    desktop_share: float | None = None
    mobile_share: float | None = None
    accuracy: int | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    desktop_hits: int | None = None
    mobile_hits: int | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class ByDateRow:
    """A day of ``summary_by_day`` or a week (its Monday) of ``summary_by_week``."""

    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    target: str | None = None
    rank: int | None = None
    visits: int | None = None
    users: int | None = None
    hits: int | None = None
    direct: int | None = None
    search_organic: int | None = None
    search_paid: int | None = None
    social_organic: int | None = None
    social_paid: int | None = None
    referral: int | None = None
    mail: int | None = None
    display_ad: int | None = None
    ai_assistants: int | None = None
    ai_search: int | None = None
    time_on_site: float | None = None
    pages_per_visit: float | None = None
    bounce_rate: float | None = None
    desktop_share: float | None = None
    mobile_share: float | None = None
    is_forecasted: bool | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class RankRow:
    """A domain of ``rank``, the top domains by traffic."""

    rank: int | None = None
    domain: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    visits: int | None = None
    users: int | None = None
    desktop_visits: int | None = None
    mobile_visits: int | None = None
    desktop_share: float | None = None
    mobile_share: float | None = None
    time_on_site: float | None = None
    bounce_rate: float | None = None
    pages_per_visit: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class SourceRow:
    """A traffic source of ``sources``."""

    target: str | None = None
    from_target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    channel: Channel | None = None
    traffic_type: TrafficType | None = None
    traffic: int | None = None
    traffic_share: float | None = None
    traffic_diff: int | None = None
    prev_traffic: int | None = None
    search_engine: str | None = None
    categories: tuple[str, ...] | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class DestinationRow:
    """A destination of ``destinations``."""

    target: str | None = None
    to_target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    traffic: int | None = None
    traffic_share: float | None = None
    prev_traffic: int | None = None
    categories: tuple[str, ...] | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class TopPageRow:
    """A page of ``toppages`` (``search``, ``social``, ``paid``, ``unknown`` are deprecated)."""

    target: str | None = None
    page: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    traffic: int | None = None
    traffic_share: float | None = None
    desktop_share: float | None = None
    mobile_share: float | None = None
    users_by_target: int | None = None
    avg_visit_duration: float | None = None
    exits: int | None = None
    entrance_traffic: int | None = None
    direct: int | None = None
    referral: int | None = None
    search_organic: int | None = None
    search_paid: int | None = None
    social_organic: int | None = None
    social_paid: int | None = None
    mail: int | None = None
    display_ad: int | None = None
    ai_assistants: int | None = None
    ai_search: int | None = None
    search: int | None = None
    social: int | None = None
    paid: int | None = None
    unknown: int | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class SubdomainRow:
    """A subdomain of ``subdomains``."""

    domain: str | None = None
    subdomain: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    target_type: str | None = None
    traffic_share: float | None = None
    desktop_share: float | None = None
    mobile_share: float | None = None
    total_visits: int | None = None
    desktop_visits: int | None = None
    mobile_visits: int | None = None
    total_users: int | None = None
    desktop_users: int | None = None
    mobile_users: int | None = None
    total_hits: int | None = None
    desktop_hits: int | None = None
    mobile_hits: int | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class SubfolderRow:
    """A subfolder of ``subfolders``."""

    display_date: date | None = None
    subfolder: str | None = None
    subdomain: str | None = None
    traffic_share: float | None = None
    users: int | None = None
    unique_pageviews: int | None = None
    entrances: int | None = None
    exits: int | None = None
    time_on_subfolder: float | None = None
    pages_per_visit: float | None = None
    bounce_rate: float | None = None
    direct: int | None = None
    referral: int | None = None
    search_organic: int | None = None
    search_paid: int | None = None
    social_organic: int | None = None
    social_paid: int | None = None
    mail: int | None = None
    display_ad: int | None = None
    ai_assistants: int | None = None
    ai_search: int | None = None
    search: int | None = None
    social: int | None = None
    paid: int | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class GeoRow:
    """A country, subcontinent or continent of ``geo`` (by ``geo_type``)."""

    target: str | None = None
    display_date: date | None = None
    device_type: Device | None = None
    geo: str | None = None
    traffic: int | None = None
    global_traffic: int | None = None
    traffic_share: float | None = None
    users: int | None = None
    avg_visit_duration: float | None = None
    bounce_rate: float | None = None
    pages_per_visit: float | None = None
    desktop_share: float | None = None
    mobile_share: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class PurchaseConversionRow:
    """The ``purchase_conversion`` of a target."""

    target: str | None = None
    display_date: date | None = None
    device_type: Device | None = None
    country: str | None = None
    conversion: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class AccuracyRow:
    """The data ``accuracy`` of a target."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    accuracy: int | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class CategoryRow:
    """A domain of an industry category (``categories``; shares are fractions)."""

    domain_name: str | None = None
    total_traffic: int | None = None
    direct_traffic: int | None = None
    referral_traffic: int | None = None
    search_organic_traffic: int | None = None
    search_paid_traffic: int | None = None
    social_organic_traffic: int | None = None
    social_paid_traffic: int | None = None
    email_traffic: int | None = None
    display_ad_traffic: int | None = None
    ai_assistants_traffic: int | None = None
    ai_search_traffic: int | None = None
    facebook_traffic: int | None = None
    youtube_traffic: int | None = None
    pinterest_traffic: int | None = None
    instagram_traffic: int | None = None
    twitter_traffic: int | None = None
    linkedin_traffic: int | None = None
    vk_traffic: int | None = None
    reddit_traffic: int | None = None
    conversion_rate: float | None = None
    unique_visitors: int | None = None
    users_captured: int | None = None
    hits: int | None = None
    sum_time_on_site: float | None = None
    bounce_rate: float | None = None
    bounced_visits: int | None = None
    male: float | None = None
    female: float | None = None
    age_18_24: float | None = None
    age_25_34: float | None = None
    age_35_44: float | None = None
    age_45_54: float | None = None
    age_55_64: float | None = None
    age_65_plus: float | None = None
    male_18_24: float | None = None
    male_25_34: float | None = None
    male_35_44: float | None = None
    male_45_54: float | None = None
    male_55_64: float | None = None
    male_65_plus: float | None = None
    female_18_24: float | None = None
    female_25_34: float | None = None
    female_35_44: float | None = None
    female_45_54: float | None = None
    female_55_64: float | None = None
    female_65_plus: float | None = None
    edu_level_compulsory_school: float | None = None
    edu_level_none_completed: float | None = None
    edu_level_post_graduate_education: float | None = None
    edu_level_university: float | None = None
    high_income: float | None = None
    middle_income: float | None = None
    low_income: float | None = None
    household_size_1: float | None = None
    household_size_2: float | None = None
    household_size_3: float | None = None
    household_size_4: float | None = None
    household_size_5: float | None = None
    household_size_6: float | None = None
    household_size_7: float | None = None
    household_size_8: float | None = None
    household_size_9: float | None = None
    household_size_10plus: float | None = None
    occupation_fulltimework: float | None = None
    occupation_homemaker: float | None = None
    occupation_parttimework: float | None = None
    occupation_studies: float | None = None
    occupation_unemployed: float | None = None
    occupation_ownbusiness: float | None = None
    occupation_retired: float | None = None
    occupation_leaveofabsence: float | None = None
    occupation_parentalleave: float | None = None
    country_code: str | None = None
    report_date: date | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class AudienceRow:
    """A domain of ``audience_insights``."""

    target: str | None = None
    overlap_score: float | None = None
    similarity_score: float | None = None
    target_users: int | None = None
    overlap_users: int | None = None
    categories: tuple[str, ...] | None = None
    is_adult: bool | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class InterestRow:
    """An interest category of ``audience_interests``."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    category: str | None = None
    users: int | None = None
    users_score: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class AgeSexRow:
    """An age band of ``age_and_sex_distribution``."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    age: str | None = None
    female_users: int | None = None
    male_users: int | None = None
    female_share: float | None = None
    male_share: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class HouseholdRow:
    """A household size of ``household_distribution``."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    size: str | None = None
    users: int | None = None
    users_share: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class IncomeRow:
    """An income level of ``income_distribution``."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    income_type: str | None = None
    users: int | None = None
    users_share: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class EducationRow:
    """An education level of ``education_distribution``."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    education: str | None = None
    users: int | None = None
    users_share: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class OccupationRow:
    """An occupation of ``occupation_distribution``."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    occupation: str | None = None
    users: int | None = None
    users_share: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class SocialMediaRow:
    """A social network of ``social_media``."""

    target: str | None = None
    display_date: date | None = None
    country: str | None = None
    device_type: Device | None = None
    social_name: str | None = None
    social_domain: str | None = None
    users: int | None = None
    users_score: float | None = None
    #: Cells of columns this class does not know, by header name.
    extra: Mapping[str, str] | None = None


#: Every row class, by report (method) name.
ROW_TYPES: Final[Mapping[str, type[Any]]] = {
    "summary": SummaryRow,
    "summary_by_day": ByDateRow,
    "summary_by_week": ByDateRow,
    "rank": RankRow,
    "sources": SourceRow,
    "destinations": DestinationRow,
    "toppages": TopPageRow,
    "subdomains": SubdomainRow,
    "subfolders": SubfolderRow,
    "geo": GeoRow,
    "purchase_conversion": PurchaseConversionRow,
    "accuracy": AccuracyRow,
    "categories": CategoryRow,
    "audience_insights": AudienceRow,
    "audience_interests": InterestRow,
    "age_and_sex_distribution": AgeSexRow,
    "household_distribution": HouseholdRow,
    "income_distribution": IncomeRow,
    "education_distribution": EducationRow,
    "occupation_distribution": OccupationRow,
    "social_media": SocialMediaRow,
}
