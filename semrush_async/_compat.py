"""Old module paths that keep working, with a DeprecationWarning.

Issue 22 moved every module into one folder per API family (``apis/``), the two
engines (``v3/``, ``v4/``) and the core (``_core/``). Public names are imported
from ``semrush_async`` itself; code that imported an old module path directly
(``semrush_async.governance``, ``semrush_async.models.local``...) still gets the
module, now from its new home, and a DeprecationWarning naming it.

A finder on ``sys.meta_path`` serves the old names: one table, no shim files, so
no old folder and no import edge is left behind.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Sequence
from typing import Final

__all__ = ["MOVED", "deprecated_name", "install"]

#: Old public module path -> its new home. ``None``: an old package that only held
#: the moved modules (importing it gives an empty package, for the dotted imports).
MOVED: Final[dict[str, str | None]] = {
    "semrush_async.units": "semrush_async._core.units",
    "semrush_async.governance": "semrush_async._core.governance",
    "semrush_async.redis_governance": "semrush_async._core.redis",
    "semrush_async.tokens": "semrush_async._core.tokens",
    "semrush_async.oauth": "semrush_async._core.oauth",
    "semrush_async.checkpoint": "semrush_async._core.checkpoint",
    "semrush_async.filters": "semrush_async.v3.filters",
    "semrush_async.analytics": "semrush_async.apis.reports",
    "semrush_async.models": None,
    "semrush_async.models.backlinks": "semrush_async.apis.backlinks.rows",
    "semrush_async.models.listings": "semrush_async.apis.listings.models",
    "semrush_async.models.local": "semrush_async.apis.local.models",
    "semrush_async.resources": None,
    "semrush_async.resources.analytics": "semrush_async.v3.resource",
    "semrush_async.resources.auth": "semrush_async.apis.auth.resource",
    "semrush_async.resources.backlinks": "semrush_async.apis.backlinks.resource",
    "semrush_async.resources.backlinks_v4": "semrush_async.apis.backlinks.v4_resource",
    "semrush_async.resources.listings": "semrush_async.apis.listings.resource",
    "semrush_async.resources.local": "semrush_async.apis.local.resource",
    "semrush_async.resources.map_rank": "semrush_async.apis.map_rank.resource",
    "semrush_async.resources.projects": "semrush_async.apis.projects.resource",
    "semrush_async.v4.backlinks": "semrush_async.apis.backlinks.v4",
    "semrush_async.v4.keywords": "semrush_async.apis.keywords_v4.endpoints",
    "semrush_async.v4.local": "semrush_async.apis.local.endpoints",
    "semrush_async.v4.map_rank": "semrush_async.apis.map_rank.endpoints",
    "semrush_async.v4.projects": "semrush_async.apis.projects.endpoints",
}


class _Moved(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=MOVED[fullname] is None)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        new = MOVED[spec.name]
        if new is None:
            module = types.ModuleType(spec.name, "Deprecated package; see semrush_async.")
            module.__path__ = []
            return module
        warnings.warn(
            f"{spec.name} moved to {new}; import public names from semrush_async "
            "(the old path will be removed in a future release)",
            DeprecationWarning,
            stacklevel=_user_frame(),
        )
        module = importlib.import_module(new)
        self._specs[new] = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The module is the new home's, already executed; the import system has just
        # set its ``__spec__`` to the alias's: give it back its own.
        spec = self._specs.get(module.__name__)
        if spec is not None:
            module.__spec__ = spec


def _user_frame() -> int:
    # Point the warning at the importing line, past importlib's own frames.
    depth, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth + 1


_FINDER: Final = _Moved()


def install() -> None:
    """Serve the old module paths (called once by ``semrush_async/__init__``)."""
    if _FINDER not in sys.meta_path:
        # First: a stale folder of an old layout (say, one left with only __pycache__)
        # must not shadow the table as a namespace package.
        sys.meta_path.insert(0, _FINDER)


def deprecated_name(name: str) -> object:
    """A public name the layout replaced, with a DeprecationWarning (called by the
    package's ``__getattr__``); raise AttributeError for any other name."""
    if name == "PRICES":
        from semrush_async.apis.backlinks.reports import REPORTS as BACKLINKS
        from semrush_async.apis.backlinks.v4 import BACKLINKS_V4
        from semrush_async.apis.keywords_v4.endpoints import METRICS
        from semrush_async.apis.reports import REPORTS

        value: object = {
            **{t: s.price for t, s in REPORTS.items()},
            **{t: s.price for t, s in BACKLINKS.items()},
            **{s.report: s.price for s in BACKLINKS_V4.values()},
            "v4.keywords.metrics": METRICS.price,
        }
        hint = "each report row carries its price (ReportSpec.price, Endpoint.price)"
    elif name == "DEFAULT_LIMITS":
        from semrush_async.client import published_limits

        value = published_limits()
        hint = "use semrush_async.published_limits() (each family's rows declare them)"
    else:
        raise AttributeError(f"module 'semrush_async' has no attribute {name!r}")
    warnings.warn(f"semrush_async.{name} is deprecated: {hint}", DeprecationWarning, stacklevel=3)
    return value
