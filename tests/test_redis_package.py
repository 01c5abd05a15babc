"""The shared-governance package itself: its Lua scripts are package resources, every
one of them is used, every script the code calls exists; ``RedisGovernance`` is public
and ``import semrush_async`` needs no redis-py (the behaviour is in ``test_redis.py``
and ``test_redis_races.py``, against a real server)."""

from __future__ import annotations

import importlib
import itertools
import re
import subprocess
import sys
import textwrap
from importlib.resources import files
from pathlib import Path

import pytest

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


# --- the public home, and the optional extra ------------------------------------------

#: Run first in a subprocess: ``redis`` behaves as if the extra were not installed.
HIDE_REDIS = "import sys\nsys.modules['redis'] = None\n"


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_semrush_async_imports_without_the_redis_extra() -> None:
    out = _python(
        HIDE_REDIS
        + textwrap.dedent(
            """
            import warnings
            import semrush_async, semrush_async.cli, semrush_async.testing
            from semrush_async import *
            from semrush_async import GovernanceUnavailable, SemrushClient
            print("imported", GovernanceUnavailable.__module__)
            for path in ("semrush_async", "semrush_async.redis_governance"):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)
                        exec(f"from {path} import RedisGovernance")
                except ImportError as e:
                    print(path, "ImportError:", e)
            """
        )
    )
    hint = 'ImportError: RedisGovernance needs redis-py: pip install "semrush-async[redis]"'
    assert "imported semrush_async\n" in out  # its public home (see _publish)
    assert f"semrush_async {hint}" in out
    assert f"semrush_async.redis_governance {hint}" in out


def test_import_semrush_async_does_not_import_redis() -> None:
    code = "import sys, semrush_async\nprint(sorted(m for m in sys.modules if 'redis' in m))"
    assert _python(code).strip() == "[]"


def test_redis_governance_is_public_and_its_old_homes_give_the_same_objects() -> None:
    import semrush_async
    from semrush_async import GovernanceUnavailable, RedisGovernance, SemrushError
    from semrush_async._core import redis as package
    from semrush_async.errors import GovernanceUnavailable as in_errors

    assert RedisGovernance is package.RedisGovernance
    assert GovernanceUnavailable is in_errors is package.GovernanceUnavailable
    assert issubclass(GovernanceUnavailable, SemrushError)
    assert "fallback_workers" in GovernanceUnavailable.hint
    with pytest.warns(DeprecationWarning, match="semrush_async.redis_governance moved"):
        old = importlib.import_module("semrush_async.redis_governance")
    assert old.RedisGovernance is RedisGovernance
    assert old.GovernanceUnavailable is GovernanceUnavailable
    with pytest.raises(AttributeError, match="no attribute 'NotAName'"):
        _ = semrush_async.NotAName
