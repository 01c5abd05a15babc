"""``semrush-async local ...``: the Local API (locations and categories)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Final

from semrush_async.apis.local.models import LocalLocation, LocationStatus, converter, location_body
from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._options import add_yes, confirm, country, upper
from semrush_async.cli._output import add_format, emit, emit_one
from semrush_async.errors import ValidationError

__all__ = ["COMMANDS"]

LOCATION_COLUMNS: Final = (
    "location_id",
    "business_name",
    "country",
    "city",
    "location_status",
    "submit_date",
)
CATEGORY_COLUMNS: Final = ("id", "name", "full_name", "parent_id")


def _arguments(parser: argparse.ArgumentParser) -> None:
    sub = actions(parser)
    ls = sub.add_parser("list", help="every location (50 a page)")
    ls.add_argument(
        "--status",
        action="append",
        default=None,
        type=upper,
        choices=list(LocationStatus.__members__),
        help="only locations in this status (repeatable)",
    )
    add_format(ls)
    get = sub.add_parser("get", help="one location")
    get.add_argument("id", help="the location's id")
    add_format(get, "json")
    create = sub.add_parser("create", help="create a location from a JSON file")
    create.add_argument("file", help="a JSON object with snake_case fields")
    create.add_argument("--validate-only", action="store_true", help="check it, store nothing")
    add_format(create, "json")
    upd = sub.add_parser("update", help="change the fields named in a JSON file")
    upd.add_argument("id", help="the location's id")
    upd.add_argument("file", help="a JSON object of the fields to change (null clears one)")
    upd.add_argument("--validate-only", action="store_true", help="check it, store nothing")
    add_format(upd, "json")
    delete = sub.add_parser("delete", help="delete a location")
    delete.add_argument("id", help="the location's id")
    add_yes(delete)
    cats = sub.add_parser("categories", help="business categories of a country")
    cats.add_argument("country", type=country, help="country code, e.g. US (any case)")
    add_format(cats)


def _read_object(path: str) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as e:
        raise ValidationError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise ValidationError(f"{path} must hold a JSON object")
    return doc


def _wire(loc: LocalLocation) -> dict[str, Any]:
    out = location_body(loc)
    for key in ("location_id", "location_status", "submit_date", "errors"):
        value = getattr(loc, key)
        if value is not None:
            out[key] = converter.unstructure(value)
    return out


async def _run(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        local = client.local
        if args.action == "list":
            locations = [_wire(loc) async for loc in local.locations(args.status)]
            emit(locations, args.format, LOCATION_COLUMNS)
        elif args.action == "get":
            emit_one(_wire(await local.get_location(args.id)), args.format, LOCATION_COLUMNS)
        elif args.action == "create":
            loc = LocalLocation.from_dict(_read_object(args.file))
            made = await local.create_location(loc, validate_only=args.validate_only)
            emit_one(_wire(made), args.format, LOCATION_COLUMNS)
        elif args.action == "update":
            changes = _read_object(args.file)
            done = await local.update_location(args.id, changes, validate_only=args.validate_only)
            emit_one(_wire(done), args.format, LOCATION_COLUMNS)
        elif args.action == "delete":
            if not confirm(args, f"delete location {args.id}"):
                print("not deleted", file=sys.stderr)
                return 1
            await local.delete_location(args.id)
            print(f"deleted {args.id}")
        else:
            emit([c async for c in local.categories(args.country)], args.format, CATEGORY_COLUMNS)
    return 0


COMMANDS: Final = (Command("local", "Local API: locations and categories", _arguments, _run),)
