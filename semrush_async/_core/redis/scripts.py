"""The Lua scripts, read from the package's ``lua/`` folder.

Each script runs atomically on the Redis server, timed by its ``TIME``. A script is
its preludes followed by its own file: ``now.lua`` (the server's clock),
``leases.lua`` (``keep_leases``) and ``units.lua`` (the unit budget's helpers and
purge) define locals the scripts use.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from typing import Final

__all__ = ["SCRIPTS"]

#: Script name -> its .lua files (without the suffix), preludes first.
_PARTS: Final[Mapping[str, tuple[str, ...]]] = {
    # governor: start slots, late sends, fallback starts, pauses
    "reserve": ("now", "reserve"),
    "sent": ("now", "sent"),
    "merge": ("now", "merge"),
    "pause": ("now", "pause"),
    # governor: concurrency leases
    "lease": ("now", "leases", "lease"),
    "renew": ("now", "leases", "renew"),
    "release": ("release",),
    # unit meter
    "budget_reserve": ("now", "units", "budget_reserve"),
    "budget_settle": ("now", "units", "budget_settle"),
    "budget_heartbeat": ("now", "units", "budget_heartbeat"),
    "budget_totals": ("now", "units", "budget_totals"),
    # locks
    "lock_take": ("lock_take",),
    "lock_renew": ("lock_renew",),
    "lock_release": ("lock_release",),
}


def _load() -> dict[str, str]:
    folder = files(__name__.rpartition(".")[0]).joinpath("lua")
    text: dict[str, str] = {}
    for parts in _PARTS.values():
        for part in parts:
            if part not in text:
                text[part] = folder.joinpath(f"{part}.lua").read_text(encoding="utf-8")
    return {name: "".join(text[p] for p in parts) for name, parts in _PARTS.items()}


#: Script name -> its Lua source.
SCRIPTS: Final[Mapping[str, str]] = _load()
