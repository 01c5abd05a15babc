"""Exit codes and error printing: one line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import Final

from semrush_async.errors import (
    AuthenticationError,
    BudgetExceeded,
    LoginRequired,
    NotAvailableInV4,
    SemrushError,
    TransportError,
    ValidationError,
    WaitTimeout,
)

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_USAGE", "HANDLED", "one_line", "report"]

EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

#: What :func:`report` turns into an exit code; anything else is a bug (a traceback).
HANDLED: Final = (KeyboardInterrupt, SemrushError, OSError)


def report(exc: BaseException, args: argparse.Namespace) -> int:
    """Print ``exc`` as one line on stderr; return the command's exit code."""
    if isinstance(exc, KeyboardInterrupt):
        hint = (
            " (rerun with the same --checkpoint to resume)"
            if getattr(args, "checkpoint", None)
            else ""
        )
        print(f"interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, ValidationError | NotAvailableInV4):
        # Both refuse the input before anything is sent.
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, SemrushError):
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    print(f"error: {exc}", file=sys.stderr)
    return EXIT_ERROR


#: What to do, in the CLI's words, for errors whose advice names Python.
_CLI_HINTS: Final[tuple[tuple[type[SemrushError], str], ...]] = (
    (LoginRequired, "Log in with: semrush-async auth login"),
    (
        AuthenticationError,
        "Check --api-key (v3) or --v4-api-key (v4), or log in: semrush-async auth login",
    ),
    (TransportError, "Check the network and --base-url (already retried)"),
    (BudgetExceeded, "Raise --budget or ask for fewer rows (--limit)"),
    (WaitTimeout, "It goes on running; wait again with a longer --timeout"),
)

#: Python spellings in messages, and the CLI's words for them.
_WORDS: Final = (
    ("client.projects.list(scope='ALL')", "semrush-async projects list --scope all"),
    ("client.auth.device_login()", "semrush-async auth login"),
    ("client.auth.device_login", "semrush-async auth login"),
    ("client.map_rank.collect", "semrush-async map-rank collect"),
    ("pass v4_api_key= or set", "pass --v4-api-key or set"),
    ("pass api_key= or set", "pass --api-key or set"),
    ("backlinks_api='v3'", "--api v3"),
    ("unit_budget", "--budget"),
    ("raise max_wait", "raise --max-wait"),
    ("report_date", "--report-date"),
    ("max_retries times", "times"),
)


def one_line(err: SemrushError) -> str:
    """The error's text on one line, with the CLI's words for the client's advice."""
    text = str(err)
    for cls, hint in _CLI_HINTS:
        if isinstance(err, cls) and err.hint and type(err).hint is cls.hint:
            text = text.replace(err.hint.rstrip("."), hint)
            break
    for python, cli in _WORDS:
        text = text.replace(python, cli)
    if isinstance(err, NotAvailableInV4):
        text = err.message.replace("backlinks_api='v3'", "--api v3") + "; nothing was sent"
    if isinstance(err, ValidationError) and err.details:
        text = err.message + ": " + "; ".join(str(d) for d in err.details)
    return " ".join(text.split())
