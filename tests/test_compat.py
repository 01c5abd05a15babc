"""Old module paths keep working after the move to one folder per family (issue 22),
with a DeprecationWarning that names the new home."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from semrush_async._compat import MOVED


@pytest.mark.parametrize("old", sorted(k for k, v in MOVED.items() if v is not None))
def test_old_module_path_imports_with_a_warning(old: str) -> None:
    code = (
        "import warnings, importlib\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        f"try:\n    importlib.import_module({old!r})\n"
        "except DeprecationWarning as w:\n    print(w)\n"
        "else:\n    print('NO WARNING')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert f"{old} moved to {MOVED[old]}" in out


def test_old_path_gives_the_same_objects() -> None:
    with pytest.warns(DeprecationWarning, match="semrush_async.governance moved"):
        old = importlib.import_module("semrush_async.governance")
    new = importlib.import_module("semrush_async._core.governance")
    assert old is new
    assert new.__spec__ is not None
    assert new.__spec__.name == "semrush_async._core.governance"
    from semrush_async import Limit

    assert old.Limit is Limit


def test_dotted_import_of_a_moved_module() -> None:
    with pytest.warns(DeprecationWarning, match="semrush_async.models.local moved"):
        old = importlib.import_module("semrush_async.models.local")
    from semrush_async import LocalLocation

    assert old.LocalLocation is LocalLocation
