"""What every Analytics v3 product of the sandbox shares: the ``ERROR nn ::`` body,
the key check, the unit charge and the streamed CSV answer, and the free balance
endpoint. The v3 counterpart of ``_v4.py``; it knows no report.

Sources: semrush-notes.md (errors, paging, partial answers) and
semrush-analytics-v3-reports.md §4, §7, §8 (units, error codes, balance).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Sequence
from typing import Final

import attrs
from aiohttp import web

from semrush_async.testing._echo import balance_key_error
from semrush_async.testing._keys import STATE
from semrush_async.testing._state import CURRENT_FAULT, SandboxState

__all__ = [
    "DEFAULT_LIMIT",
    "Plan",
    "Planner",
    "Price",
    "V3Error",
    "balance_handler",
    "check_key",
    "mandatory",
    "parse_int",
    "serve_csv",
    "serve_report",
]

#: "if this parameter is not specified or equals to 0, the default value will be
#: 10,000 lines" (every paged report's ``display_limit``, backlinks.txt and §2.1).
DEFAULT_LIMIT: Final = 10_000
_BATCH: Final = 1_000


@attrs.frozen
class Price:
    """A report's documented price: ``units`` per returned line, or per request."""

    units: int
    per_line: bool = True


class V3Error(Exception):
    """An Analytics error body ``ERROR code :: MESSAGE`` with an HTTP status."""

    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def response(self) -> web.Response:
        return web.Response(
            status=self.status,
            text=f"ERROR {self.code} :: {self.message}",
            content_type="text/plain",
        )


def mandatory(code: int, name: str) -> V3Error:
    """``ERROR 4x :: MANDATORY PARAMETER "name" NOT SET OR EMPTY`` (notes: 40-46)."""
    return V3Error(code, f'MANDATORY PARAMETER "{name}" NOT SET OR EMPTY', 400)


def check_key(state: SandboxState, key: str | None) -> str:
    # Notes: 122 WRONG FORMAT OR EMPTY KEY, 120 WRONG KEY - ID PAIR. The HTTP status
    # is "not reliable": the sandbox answers these with 403 so clients must read bodies.
    if not key:
        raise V3Error(122, "WRONG FORMAT OR EMPTY KEY", 403)
    if key not in state.balances:
        raise V3Error(120, "WRONG KEY - ID PAIR", 403)
    return key


def parse_int(q: Sequence[str] | None, name: str) -> int:
    """A non-negative integer parameter (absent: 0); else ``ERROR 10010``."""
    if not q:
        return 0
    try:
        value = int(q[0])
    except ValueError:
        raise V3Error(10010, f"WRONG VALUE FOR {name.upper()}", 400) from None
    if value < 0:
        raise V3Error(10010, f"WRONG VALUE FOR {name.upper()}", 400)
    return value


#: (header, rows, row maker, price).
Plan = tuple[list[str], int, Callable[[int], list[str]], Price]
Planner = Callable[[web.Request, SandboxState], Plan]


async def balance_handler(request: web.Request) -> web.StreamResponse:
    """``/users/countapiunits.html?key=``: the balance with thousands separators."""
    state: SandboxState = request.app[STATE]
    key = request.query.get("key")
    try:
        key = check_key(state, key)
    except V3Error as e:
        if state.balance_errors == "json":
            return balance_key_error(key or "")
        return e.response()

    async def handle() -> web.StreamResponse:
        return web.Response(text=f"{state.balances[key]:,}", content_type="text/html")

    # No published limit: counted (and open to injected faults) under "units".
    return await state.governed(request, key, "units", handle)


async def serve_report(
    request: web.Request, planner: Planner, *, quote_all: bool = False
) -> web.StreamResponse:
    """Check the key, then admit against the account-wide limit and serve the plan."""
    state: SandboxState = request.app[STATE]
    try:
        key = check_key(state, request.query.get("key"))
    except V3Error as e:
        return e.response()
    return await state.governed(
        request, key, "account", lambda: serve_csv(request, state, key, planner, quote_all)
    )


async def serve_csv(
    request: web.Request,
    state: SandboxState,
    key: str,
    planner: Planner,
    quote_all: bool = False,
) -> web.StreamResponse:
    """Charge for and stream a planned report (``quote_all``: ``export_escape=1``)."""
    try:
        header, n_rows, make_row, price = planner(request, state)
    except V3Error as e:
        return e.response()
    if n_rows == 0:
        return V3Error(50, "NOTHING FOUND").response()
    balance = state.balances[key]
    if price.per_line:
        payable = balance // price.units
        if payable == 0:
            return V3Error(132, "API UNITS BALANCE IS ZERO", 403).response()
        # Notes: a line report the balance cannot fully cover returns only the lines
        # it can pay for, with no error.
        n_rows = min(n_rows, payable)
        cost = n_rows * price.units
    else:
        if balance < price.units:
            return V3Error(132, "API UNITS BALANCE IS ZERO", 403).response()
        cost = price.units
    state.balances[key] -= cost
    state.units_spent[key] = state.units_spent.get(key, 0) + cost

    fault = CURRENT_FAULT.get()
    resp = web.StreamResponse(headers={"Content-Type": "text/csv; charset=utf-8"})
    await resp.prepare(request)
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=";",
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    drop_at = n_rows // 2 if fault is not None and fault.kind == "drop" else None
    for start in range(0, n_rows, _BATCH):
        stop = min(n_rows, start + _BATCH)
        if drop_at is not None and start <= drop_at < stop:
            stop = drop_at
        for i in range(start, stop):
            writer.writerow(make_row(i))
        data = buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
        if drop_at is not None and stop == drop_at:
            # Cut the body mid-row, then drop the connection.
            await resp.write(data + b"cut;mid")
            state.drop_connection(request)
            return resp
        await resp.write(data)
        await asyncio.sleep(0)
    await resp.write_eof()
    return resp
