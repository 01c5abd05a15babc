"""Check the built site's API reference (``nox -s docs`` runs it after ``mkdocs build``):

- every name in ``semrush_async.__all__`` is rendered (an anchor on a reference page);
- no private module is rendered (no ``:::`` identifier with a ``_`` segment);
- no raw sphinx role markup (``:class:``...) is left on any page.

``python docs/_ext/check_site.py SITE_DIR``; exit 1 with what is wrong.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import semrush_async

ROOT = Path(__file__).resolve().parents[2]
_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|data|attr|exc|mod|obj):`")
_ANCHOR = re.compile(r'id="(semrush_async\.[\w.]+)"')


def problems(site: Path) -> list[str]:
    out: list[str] = []
    anchors: set[str] = set()
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if _ROLE.search(text):
            out.append(f"raw sphinx role on {page.relative_to(site)}")
        if "reference" in page.parts:
            anchors |= {a.rsplit(".", 1)[-1] for a in _ANCHOR.findall(text)}
    for name in semrush_async.__all__:
        if not name.startswith("_") and name not in anchors:
            out.append(f"{name} (in __all__) is not in the API reference")
    for md in sorted((ROOT / "docs" / "reference").glob("*.md")):
        for ident in re.findall(r"^::: ([\w.]+)", md.read_text(encoding="utf-8"), re.M):
            if any(part.startswith("_") for part in ident.split(".")):
                out.append(f"{md.name} renders a private module: {ident}")
    return out


if __name__ == "__main__":
    found = problems(Path(sys.argv[1]))
    print("\n".join(found) or "API reference: complete")
    raise SystemExit(1 if found else 0)
