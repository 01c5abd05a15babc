"""``python -m semrush_async.cli``."""

from semrush_async.cli import _console_entry

if __name__ == "__main__":
    _console_entry()
