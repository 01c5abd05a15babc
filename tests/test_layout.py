"""The layout's rules (issue 22; docs/contributing.md has the picture).

Three layers and one folder per API family:

- the core (``_core/``, ``errors``, ``pagination``) imports only the core;
- an engine (``v3/`` CSV, ``v4/`` JSON) imports the core and itself, no family;
- a family (``apis/<family>/``) imports the core and the engines, never another
  family, except the documented successor links in :data:`SUCCESSORS`;
- ``client`` binds the families; ``cli`` and ``testing`` sit on top; the sandbox
  (``testing``) imports only itself and public names from ``semrush_async``: an
  oracle that imports the code under test proves nothing;
- no module inside the package imports the package root (it imports everything),
  except ``cli`` and ``testing``;
- no import cycle, counting imports under ``TYPE_CHECKING`` and inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "semrush_async"

#: Documented successor links between families: (family, the family it may import).
SUCCESSORS = {
    # The Local API is Listing Management's successor: it reuses its hours models.
    ("local", "listings"),
    # Position Tracking and Site Audit are tools inside a project: the Projects v3 API
    # overview states one error-code table for all of them [AUR projects_api_overview],
    # and their pages answer errors with it (semrush-coverage-2026-12-06.md §4.1, §5.1;
    # semrush-v4-projects-maprank-local.md §2.9). They reuse Projects' table and its
    # project-id rule (apis/projects/codes.py, endpoints.validate_project_id).
    ("position_tracking", "projects"),
    ("site_audit", "projects"),
}

#: Known violations: none since issue 22; a new one is a design change, not an entry here.
KNOWN: set[str] = set()

#: Known import cycles still to be broken, as ``"package: module module ..."``.
KNOWN_CYCLES: set[str] = set()

#: Hand-written modules above this many lines hold two things; split them.
MAX_LINES = 700
KNOWN_LONG: set[str] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every module ``name`` imports (any scope, TYPE_CHECKING included)."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                # ``from pkg import submodule`` imports the submodule.
                sub = f"{mod}.{a.name}"
                yield sub if sub in MODULES else mod


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        deps = set()
        for mod in _imports(name, path):
            if not mod.startswith("semrush_async"):
                continue
            # the closest module we know (``semrush_async.x.Name`` -> ``semrush_async.x``)
            while mod not in MODULES and "." in mod:
                mod = mod.rpartition(".")[0]
            if mod != name:
                deps.add(mod)
        graph[name] = deps
    return graph


GRAPH = _graph()


def layer(mod: str) -> tuple[str, str]:
    """(layer, group): the family name for ``apis``, the engine for ``v3``/``v4``."""
    parts = mod.split(".")
    if mod == "semrush_async":
        return "root", ""
    head = parts[1]
    if head in ("_core", "errors", "pagination", "_version"):
        return "core", ""
    if head in ("v3", "v4"):
        return "engine", head
    if head == "apis":
        return ("family", parts[2]) if len(parts) > 2 else ("apis", "")
    if head in ("cli", "testing"):
        return head, ""
    return "client", ""  # client, _compat


def _allowed(src: str, dst: str) -> bool:
    (sl, sg), (dl, dg) = layer(src), layer(dst)
    if dl == "root":
        return sl in ("cli", "testing")
    if sl == "core":
        return dl == "core"
    if sl == "engine":
        return dl == "core" or (dl == "engine" and dg == sg)
    if sl == "family":
        if dl in ("core", "engine", "apis"):
            return True
        return dl == "family" and (dg == sg or (sg, dg) in SUCCESSORS)
    if sl == "apis":
        return dl in ("core", "engine", "family")
    if sl == "client":
        return dl not in ("cli", "testing")
    if sl == "testing":
        return dl == "testing"
    return True  # cli


def _violations() -> set[str]:
    return {
        f"{src} -> {dst}" for src, deps in GRAPH.items() for dst in deps if not _allowed(src, dst)
    }


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_imports_follow_the_layers() -> None:
    found = _violations()
    new = sorted(found - KNOWN)
    assert not new, "imports against the layout's direction:\n" + "\n".join(new)
    gone = sorted(KNOWN - found)
    assert not gone, "fixed, remove from KNOWN in tests/test_layout.py:\n" + "\n".join(gone)


def _cycle_name(cycle: list[str]) -> str:
    prefix = cycle[0].rpartition(".")[0]
    while not all(m.startswith(prefix + ".") for m in cycle):
        prefix = prefix.rpartition(".")[0]
    return f"{prefix}: " + " ".join(m.removeprefix(prefix + ".") for m in cycle)


def test_no_import_cycles() -> None:
    found = {_cycle_name(c) for c in _cycles()}
    assert found <= KNOWN_CYCLES, "import cycles:\n" + "\n".join(sorted(found - KNOWN_CYCLES))
    gone = KNOWN_CYCLES - found
    assert not gone, "broken, remove from KNOWN_CYCLES:\n" + "\n".join(sorted(gone))


def test_hand_written_modules_are_small() -> None:
    long = {
        str(p.relative_to(ROOT))
        for p in MODULES.values()
        if "@generated" not in p.read_text(encoding="utf-8")[:500]
        and len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert long <= KNOWN_LONG, f"over {MAX_LINES} lines: {sorted(long - KNOWN_LONG)}"
    assert not KNOWN_LONG - long, f"now small, remove: {sorted(KNOWN_LONG - long)}"


@pytest.mark.parametrize(
    ("src", "dst", "ok"),
    [
        ("semrush_async._core.units", "semrush_async.apis.reports", False),
        ("semrush_async.v3.pager", "semrush_async.v4.paging", False),
        ("semrush_async.apis.local.resource", "semrush_async.apis.listings.models", True),
        ("semrush_async.apis.projects.resource", "semrush_async.apis.local.models", False),
        ("semrush_async.testing._sandbox", "semrush_async.client", False),
        ("semrush_async.testing._sandbox", "semrush_async", True),
        ("semrush_async.apis.backlinks.resource", "semrush_async", False),
        # One v3 engine that knows no family; families that do not know each other.
        ("semrush_async.v3.pager", "semrush_async.apis.backlinks.rows", False),
        ("semrush_async.v3.resource", "semrush_async.apis.reports", False),
        ("semrush_async.apis.reports", "semrush_async.apis.backlinks.reports", False),
        ("semrush_async.apis.backlinks.bridge", "semrush_async.v3.source", True),
        ("semrush_async._core.harvest", "semrush_async.v3.source", False),
        ("semrush_async.client", "semrush_async.apis.backlinks.reports", True),
    ],
)
def test_the_rules_themselves(src: str, dst: str, ok: bool) -> None:
    assert _allowed(src, dst) is ok


#: Product names: a family's name, or a dotted governor/report name of one. None may
#: appear as a string in the core or the engines (a product's rule is data in its
#: family folder).
_FAMILIES: tuple[str, ...] = ("backlinks", "keywords_v4", "listings", "local", "map_rank")
_FAMILIES += ("projects", "position_tracking", "site_audit", "reports")
# "trends" is also a v3 column's name (Td): only its dotted form is a product name.
_DOTTED = (*(f"{f}." for f in _FAMILIES), "trends.", "backlinks_v4.", "v4.")

#: None since issue 22: the engines take every product rule from the family tables.
KNOWN_PRODUCT_STRINGS: set[str] = set()


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant of ``path`` that is not a docstring, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


def test_the_core_and_the_engines_hold_no_product_data() -> None:
    from semrush_async._core import governance, units

    assert set(governance.DEFAULT_LIMITS) == {"account"}
    assert not hasattr(units, "PRICES")
    found = {
        f"{p.relative_to(ROOT)}: {text!r}"
        for name, p in MODULES.items()
        if layer(name)[0] in ("core", "engine")
        for _, text in _strings(p)
        if text in _FAMILIES or text.startswith(_DOTTED)
    }
    new = sorted(found - KNOWN_PRODUCT_STRINGS)
    assert not new, "product names in the core or an engine:\n" + "\n".join(new)
    gone = sorted(KNOWN_PRODUCT_STRINGS - found)
    assert not gone, "fixed, remove from KNOWN_PRODUCT_STRINGS:\n" + "\n".join(gone)
