"""A built-in Semrush API sandbox for tests and demos (no key, no network).

``async with SemrushSandbox() as sandbox:`` serves Analytics v3 Backlinks reports,
the unit balance, Listing Management v4 and OAuth 2.0 on 127.0.0.1 with Semrush's
limits enforced strictly; ``sandbox.client()`` is a client pointed at it. The
``semrush_sandbox`` pytest fixture (this package's pytest plugin) yields a running
one. ``python -m semrush_async.testing --port 0`` runs it standalone.
"""

from semrush_async.testing._data import SIZES, report_size, row, target_size
from semrush_async.testing._oauth import CLIENT_ID, CLIENT_SECRET, OAuthServer
from semrush_async.testing._sandbox import DEFAULT_KEY, SemrushSandbox
from semrush_async.testing._state import EndpointCounters, Fault, FaultKind

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DEFAULT_KEY",
    "SIZES",
    "EndpointCounters",
    "Fault",
    "FaultKind",
    "OAuthServer",
    "SemrushSandbox",
    "report_size",
    "row",
    "target_size",
]
