"""The shared-governance package itself: its Lua scripts are package resources, every
one of them is used, and every script the code calls exists (the behaviour is in
``test_redis.py`` and ``test_redis_races.py``, against a real server)."""

from __future__ import annotations

import itertools
import re
from importlib.resources import files
from pathlib import Path

from semrush_async._core.redis import scripts

PACKAGE = Path(scripts.__file__).parent


def test_every_lua_file_is_part_of_a_script_and_every_part_exists() -> None:
    on_disk = {p.stem for p in (PACKAGE / "lua").glob("*.lua")}
    used = set(itertools.chain.from_iterable(scripts._PARTS.values()))
    assert on_disk == used


def test_scripts_are_read_from_the_package_resources() -> None:
    lua = files("semrush_async._core.redis").joinpath("lua")
    for name, parts in scripts._PARTS.items():
        text = "".join(lua.joinpath(f"{p}.lua").read_text(encoding="utf-8") for p in parts)
        assert scripts.SCRIPTS[name] == text
        assert "redis.call(" in text


def test_every_script_the_code_calls_exists() -> None:
    called = set()
    for module in PACKAGE.glob("*.py"):
        called |= set(re.findall(r"\.call\(\s*\"(\w+)\"", module.read_text(encoding="utf-8")))
    assert called == set(scripts.SCRIPTS)
