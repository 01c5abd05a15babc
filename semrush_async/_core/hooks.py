"""Request and response hooks: what every attempt of every call looks like, for
metrics (``SemrushClient(event_hooks={"request": [...], "response": [...]})``).

Hooks get redacted views only: the URL without its ``key=``, never a header; a hook
that raises is logged and ignored (a metrics bug must not fail or repeat a call).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeVar

import attrs

__all__ = ["Hooks", "RequestEvent", "ResponseEvent"]

logger: Final = logging.getLogger("semrush_async")


@attrs.frozen(slots=True)
class RequestEvent:
    """An attempt is about to be sent (its governor permit is held)."""

    #: The governor's name (``account``, ``local.categories`` ...).
    endpoint: str
    method: str
    #: The URL with every secret masked.
    url: str
    #: 1 for the first attempt, 2 for the first retry ...
    attempt: int
    #: Seconds this attempt waited for its governor permit.
    waited: float


@attrs.frozen(slots=True)
class ResponseEvent:
    """An attempt ended: an answer (any status), or none (``status`` None)."""

    endpoint: str
    method: str
    url: str
    attempt: int
    #: The HTTP status, None when no answer arrived (a dropped connection, a timeout).
    status: int | None
    #: Seconds from sending to the end of the body.
    elapsed: float
    waited: float
    #: The error's class name (``RateLimited``, ``TransportError`` ...), None on success.
    error: str | None
    request_id: str | None
    #: Units this attempt was settled to (0 for an error answer).
    units: int
    #: Rows a streamed CSV page delivered, None for other bodies.
    rows: int | None


_E = TypeVar("_E")
RequestHook = Callable[[RequestEvent], object]
ResponseHook = Callable[[ResponseEvent], object]


class Hooks:
    """The hooks of one client (``event_hooks=`` as httpx spells it)."""

    __slots__ = ("request", "response")

    def __init__(self, event_hooks: Mapping[str, Sequence[Callable[..., object]]] | None) -> None:
        given = dict(event_hooks or {})
        unknown = set(given) - {"request", "response"}
        if unknown:
            raise ValueError(
                f"unknown event hook kind(s) {sorted(unknown)}; expected 'request' or 'response'"
            )
        for kind, hooks in given.items():
            if not all(callable(h) for h in hooks):
                raise ValueError(f"event_hooks[{kind!r}] must be a list of callables")
        self.request: tuple[RequestHook, ...] = tuple(given.get("request", ()))
        self.response: tuple[ResponseHook, ...] = tuple(given.get("response", ()))

    def on_request(self, event: RequestEvent) -> None:
        for hook in self.request:
            _run(hook, event)

    def on_response(self, event: ResponseEvent) -> None:
        for hook in self.response:
            _run(hook, event)


def _run(hook: Callable[[_E], object], event: _E) -> None:
    try:
        hook(event)
    except Exception as exc:  # a metrics bug must not fail the call
        logger.warning("event hook %r failed: %s", hook, type(exc).__name__)
