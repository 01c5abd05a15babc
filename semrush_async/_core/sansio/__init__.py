"""Pure request building and response decoding (no I/O).

The transport moves :class:`Request` and :class:`Response` values; everything that
knows about Semrush's wire formats lives here and is tested without a network: what
an answer is (rows or an error, :class:`CsvBody` for a streamed CSV body), which
error it carries (:func:`decode_error`), and how a call's own rules read that error
(:func:`refine_error`). The request path feeds bytes in and acts on the result.
"""

from semrush_async._core.sansio.csv_body import CsvBody, ErrorDecoder
from semrush_async._core.sansio.decide import decode_error, int_code, recode, refine_error
from semrush_async._core.sansio.messages import (
    MAX_ERROR_BODY,
    MAX_ERROR_READ,
    NOTHING_FOUND,
    CodeTable,
    Request,
    Response,
    Scrub,
    is_retryable_status,
)
from semrush_async._core.sansio.v3 import analytics_error, analytics_request, parse_units_balance
from semrush_async._core.sansio.v4 import (
    Envelope,
    details_of,
    oauth_error,
    path_segment,
    request_id_of,
    v4_data,
    v4_envelope,
    v4_error,
    v4_request,
)

__all__ = [
    "MAX_ERROR_BODY",
    "MAX_ERROR_READ",
    "NOTHING_FOUND",
    "CodeTable",
    "CsvBody",
    "Envelope",
    "ErrorDecoder",
    "Request",
    "Response",
    "Scrub",
    "analytics_error",
    "analytics_request",
    "decode_error",
    "details_of",
    "int_code",
    "is_retryable_status",
    "oauth_error",
    "parse_units_balance",
    "path_segment",
    "recode",
    "refine_error",
    "request_id_of",
    "v4_data",
    "v4_envelope",
    "v4_error",
    "v4_request",
]
