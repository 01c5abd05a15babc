"""The CLI's registration rule (issue 22): one style for every command group.

A group is one public module of ``semrush_async/cli/`` exposing ``COMMANDS``, a tuple
of :class:`Command` records (name, help, arguments, handler); ``cli.COMMANDS`` lists
every group once, and the parsed command picks its handler (no if-chain).
"""

from __future__ import annotations

import argparse
import ast
import importlib
from pathlib import Path

import pytest

from semrush_async import cli
from semrush_async.cli._command import Command

CLI_DIR = Path(cli.__file__).parent
GROUP_MODULES = sorted(
    p.stem for p in CLI_DIR.glob("*.py") if not p.stem.startswith("_") and p.stem != "__main__"
)


def test_there_are_group_modules() -> None:
    assert {"analytics", "auth", "backlinks", "listings", "projects"} <= set(GROUP_MODULES)


@pytest.mark.parametrize("name", GROUP_MODULES)
def test_each_group_module_is_registered_once(name: str) -> None:
    module = importlib.import_module(f"semrush_async.cli.{name}")
    commands = module.COMMANDS
    assert isinstance(commands, tuple)
    assert commands
    assert all(isinstance(c, Command) for c in commands)
    registered = [c for c in cli.COMMANDS if any(c is own for own in commands)]
    assert len(registered) == len(commands), f"add *{name}.COMMANDS to cli.COMMANDS"


def test_the_parser_offers_exactly_the_registered_commands_in_order() -> None:
    [sub] = (a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    names = [c.name for c in cli.COMMANDS]
    assert list(sub.choices) == names
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("argv", "handler"),
    [
        (["units"], "semrush_async.cli.units:cmd_units"),
        (["locations", "list"], "semrush_async.cli.listings:cmd_locations"),
        (["domains", "organic", "a.com"], "semrush_async.cli.analytics:cmd_domains"),
        (["maprank", "limits"], "semrush_async.cli.map_rank:_run"),
    ],
)
def test_the_parsed_command_picks_its_handler(argv: list[str], handler: str) -> None:
    args = cli.build_parser().parse_args(argv)
    module, _, name = handler.partition(":")
    assert cli._BY_NAME[args.command].run is getattr(importlib.import_module(module), name)


def test_no_handler_dispatches_on_the_command_name() -> None:
    """``args.command`` is read once, by ``main``; groups dispatch on ``args.action`` only."""
    offenders = []
    for path in sorted(CLI_DIR.glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "command":
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders
