"""The API v4 JSON engine: endpoints as table rows, one executor, paging strategies.

Every v4 product (Projects, Local, Map Rank Tracker, ...) describes its methods as
:class:`Endpoint` rows and its results as attrs models decoded by one cattrs
converter; requests go through the client's one request path.
"""

from semrush_async.v4.convert import OpenStrEnum, make_converter, parse_timestamp, structure
from semrush_async.v4.endpoint import Endpoint, V4Engine
from semrush_async.v4.paging import LimitOffset, Nested, OnePage, PageNumber, Paging, SpringPages

__all__ = [
    "Endpoint",
    "LimitOffset",
    "Nested",
    "OnePage",
    "OpenStrEnum",
    "PageNumber",
    "Paging",
    "SpringPages",
    "V4Engine",
    "make_converter",
    "parse_timestamp",
    "structure",
]
