"""``semrush-async projects list|get|create|rename|delete``."""

from __future__ import annotations

import argparse
import sys
from typing import Final

from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command, actions
from semrush_async.cli._options import add_yes, confirm, count, upper
from semrush_async.cli._output import add_format, emit, emit_one

__all__ = ["COMMANDS"]

#: Table and CSV columns (JSON has every field).
COLUMNS: Final = ("project_id", "name", "domain", "domain_unicode", "owner_id", "tools")


def _arguments(parser: argparse.ArgumentParser) -> None:
    sub = actions(parser)
    ls = sub.add_parser("list", help="projects in a scope, every page")
    ls.add_argument(
        "--scope",
        type=upper,
        choices=("OWN", "ALL", "SHARED", "CORPORATE"),
        default="OWN",
        help="whose projects: own (default), all, shared or corporate (any case)",
    )
    ls.add_argument("--page-size", type=count(1), default=1000, help="projects per request, 1-1000")
    add_format(ls)
    get = sub.add_parser("get", help="one project")
    get.add_argument("project_id", type=int, help="the project's id")
    add_format(get)
    new = sub.add_parser("create", help="create a project")
    new.add_argument("domain", help="bare domain, e.g. example.com")
    new.add_argument("name", help="the project's name")
    add_format(new)
    ren = sub.add_parser("rename", help="rename a project")
    ren.add_argument("project_id", type=int, help="the project's id")
    ren.add_argument("name", help="the new name")
    add_format(ren)
    rm = sub.add_parser("delete", help="delete a project and all its data")
    rm.add_argument("project_id", type=int, help="the project's id")
    add_yes(rm)


async def _run(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        projects = client.projects
        if args.action == "list":
            items = await projects.list(args.scope, page_size=args.page_size)
            emit(items, args.format, COLUMNS)
        elif args.action == "get":
            emit_one(await projects.get(args.project_id), args.format, COLUMNS)
        elif args.action == "create":
            emit_one(await projects.create(args.domain, args.name), args.format, COLUMNS)
        elif args.action == "rename":
            emit_one(await projects.rename(args.project_id, args.name), args.format, COLUMNS)
        else:
            if not confirm(args, f"delete project {args.project_id} and all its data"):
                print("not deleted", file=sys.stderr)
                return 1
            await projects.delete(args.project_id)
            print(f"deleted project {args.project_id}")
    return 0


COMMANDS: Final = (Command("projects", "Projects API v4", _arguments, _run),)
