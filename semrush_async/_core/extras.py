"""Optional extras: import a library an extra installs, or say which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Final

__all__ = ["EXTRAS", "require"]

#: Module -> the extra that installs it.
EXTRAS: Final = {"pyarrow": "arrow", "polars": "polars"}


def require(module: str, what: str) -> ModuleType:
    """Import ``module``; an ImportError naming the extra to install if it is missing
    (``what``: the feature that needs it, for the message)."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = EXTRAS.get(module.partition(".")[0], module)
        raise ImportError(
            f"{what} needs {module.partition('.')[0]}, which is not installed: "
            f"pip install 'semrush-async[{extra}]'"
        ) from e
