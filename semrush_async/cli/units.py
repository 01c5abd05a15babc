"""``semrush-async units``: the account's unit balance and this run's spending."""

from __future__ import annotations

import argparse
from typing import Final

from semrush_async.cli._client import client_for
from semrush_async.cli._command import Command

__all__ = ["COMMANDS"]


def _arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments."""


async def cmd_units(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        balance = await client.units.balance()
        print(f"account balance: {balance:,} API units")
        print(f"spent by this run: {client.units.spent:,}")
    return 0


COMMANDS: Final = (
    Command("units", "account unit balance and this run's spending", _arguments, cmd_units),
)
