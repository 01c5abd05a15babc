"""A griffe extension for the API reference: the docstrings are sphinx style, whose
cross-reference roles (``:class:`~semrush_async.Pager```) mkdocstrings does not
render; each becomes inline code naming the object as the role would show it
(``Pager``), so no raw role markup reaches a page."""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|data|attr|exc|mod|obj|const):`(~?)([^`]+)`")


def _shown(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    target = target.strip()
    if "<" in target and target.endswith(">"):  # :class:`text <target>`
        return f"``{target.split('<', 1)[0].strip()}``"
    if tilde:
        target = target.rsplit(".", 1)[-1]
    return f"``{target}``"


def convert(text: str) -> str:
    """``text`` with every sphinx cross-reference role turned into inline code."""
    return _ROLE.sub(_shown, text)


class SphinxRoles(griffe.Extension):
    """Rewrites the docstring of every object griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value)
