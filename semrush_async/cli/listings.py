"""``semrush-async locations list|get|update``: Listing Management."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Final

from semrush_async.apis.listings.models import Location
from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._errors import EXIT_ERROR
from semrush_async.cli._output import stderr_console
from semrush_async.errors import ValidationError

__all__ = ["COMMANDS"]


def _arguments(parser: argparse.ArgumentParser) -> None:
    loc = actions(parser)
    loc.add_parser("list", help="all locations")
    get = loc.add_parser("get", help="one location as JSON")
    get.add_argument("id", help="the location's id")
    upd = loc.add_parser("update", help="bulk update from a JSON file")
    upd.add_argument("file", help='a JSON list of locations, or {"locations": [...]}')


async def cmd_locations(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        if args.action == "list":
            async for loc in client.listings.locations():
                print(json.dumps(loc.to_dict(), ensure_ascii=False))
            return 0
        if args.action == "get":
            print(
                json.dumps(
                    (await client.listings.get_location(args.id)).to_dict(),
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return 0
        locations = _read_locations(args.file)
        console = None if args.quiet else stderr_console()
        bar: Any = None
        if console is not None:
            from rich.progress import Progress

            bar = Progress(console=console)
            bar.__enter__()
            task = bar.add_task("updating", total=len(locations))
        try:
            results = await client.listings.update_locations(
                locations,
                progress=(lambda done, total: bar.update(task, completed=done)) if bar else None,
            )
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        failed = [r for r in results if not r.ok]
        for r in results:
            line = f"{r.location_id} {r.state.value}"
            if r.error is not None:
                why = "; ".join(str(d) for d in r.error.details) or r.error.message
                line += f" {r.error.code}: {why}"
            print(line)
        print(f"{len(results) - len(failed)} updated, {len(failed)} failed", file=sys.stderr)
        return EXIT_ERROR if failed else 0


def _read_locations(path: str) -> list[Location]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValidationError(f"cannot read {path}: {e}") from None
    except RecursionError:
        # json's decoder recurses once per nesting level.
        raise ValidationError(
            f"cannot read {path}: JSON nested too deeply to be a list of locations"
        ) from None
    items = doc.get("locations") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ValidationError(f'{path}: expected a JSON list or {{"locations": [...]}}')
    out = []
    for i, item in enumerate(items):
        try:
            out.append(Location.from_dict(item))
        except ValidationError as e:
            first = e.details[0].message if e.details else e.message
            raise ValidationError(f"{path}: locations[{i}]: {first}") from None
    return out


COMMANDS: Final = (Command("locations", "Listing Management", _arguments, cmd_locations),)
