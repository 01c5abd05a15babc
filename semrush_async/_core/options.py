"""Per-call options (``client.with_options(...)``) and the checks on every number a
client takes.

A :class:`CallOptions` travels with a call through the one request path: the
client's own options, or a view's (``client.with_options(timeout=5)``), which shares
everything else (the HTTP session, the governors, the unit meter, the tokens).
"""

from __future__ import annotations

import math

import attrs

from semrush_async._core.retry import RetryPolicy

__all__ = ["CallOptions", "check_number"]


def check_number(
    name: str, value: float | None, *, positive: bool = False, optional: bool = False
) -> None:
    """Refuse a number a client cannot use, naming what it accepts (a ValueError
    before anything is built or sent)."""
    if value is None and optional:
        return
    what = "a number > 0" if positive else "a number >= 0"
    if optional:
        what += " or None"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or value < 0
        or (positive and value == 0)
    ):
        raise ValueError(f"{name} must be {what}, not {value!r}")


@attrs.frozen(slots=True)
class CallOptions:
    """What a call may override; None keeps the request path's own setting."""

    #: Seconds to connect, and between two reads of the answer (not the whole body:
    #: a large export may stream for minutes).
    timeout: float | None = None
    #: Retries and backoff (``max_retries`` is ``policy.max_retries``).
    policy: RetryPolicy | None = None
    #: The longest the call may wait for its governor permit(s) before it starts;
    #: past it, QueueTimeout (nothing sent, nothing reserved). None: no limit.
    max_wait: float | None = None

    def __attrs_post_init__(self) -> None:
        check_number("timeout", self.timeout, positive=True, optional=True)
        check_number("max_wait", self.max_wait, optional=True)

    def merged(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        max_wait: float | None = None,
        retry_policy: RetryPolicy | None = None,
        base_policy: RetryPolicy,
    ) -> CallOptions:
        """These options with the given ones replaced (None: keep)."""
        if max_retries is not None:
            check_number("max_retries", max_retries)
            if not isinstance(max_retries, int):
                raise ValueError(f"max_retries must be an int >= 0, not {max_retries!r}")
        policy = retry_policy or self.policy
        if max_retries is not None:
            policy = attrs.evolve(policy or base_policy, max_retries=max_retries)
        return CallOptions(
            timeout=self.timeout if timeout is None else timeout,
            policy=policy,
            max_wait=self.max_wait if max_wait is None else max_wait,
        )
