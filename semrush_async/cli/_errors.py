"""Exit codes and error printing: one line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import Final

from semrush_async.errors import NotAvailableInV4, SemrushError, ValidationError

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


def one_line(err: SemrushError) -> str:
    """The error's text on one line, with the CLI's words for the client's advice."""
    text = (
        str(err)
        .replace("pass api_key= or set", "pass --api-key or set")
        .replace("client.auth.device_login()", "semrush-async auth login")
    )
    if isinstance(err, NotAvailableInV4):
        text = err.message.replace("backlinks_api='v3'", "--api v3") + "; nothing was sent"
    if isinstance(err, ValidationError) and err.details:
        text = err.message + ": " + "; ".join(str(d) for d in err.details)
    return " ".join(text.split())
