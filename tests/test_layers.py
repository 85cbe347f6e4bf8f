"""The layers rule (docs/architecture.md): `app.kit` depends on nothing above it.

`app/kit/` modules may import the standard library, third-party packages, other
`app.kit` modules and the two leaf modules `app.errors` and `app.paths` (which import
nothing from `app`). Anything else (the database, the cache, settings, auth, a domain)
belongs outside `kit/`.
"""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
LEAVES = ("app.errors", "app.paths")


def _app_imports(path: Path) -> set[str]:
    """The `app...` modules a file imports (at any depth, TYPE_CHECKING blocks included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("<relative>")
    return {n for n in names if n == "app" or n.startswith("app.") or n == "<relative>"}


def _allowed(name: str) -> bool:
    return name.startswith("app.kit") or any(
        name == leaf or name.startswith(leaf + ".") for leaf in LEAVES
    )


@pytest.mark.parametrize("path", sorted((APP / "kit").glob("*.py")), ids=lambda p: p.name)
def test_kit_imports_nothing_above_it(path: Path) -> None:
    wrong = sorted(n for n in _app_imports(path) if not _allowed(n))
    assert not wrong, f"app/kit/{path.name} imports {wrong}: move it out of kit/"


@pytest.mark.parametrize("leaf", LEAVES)
def test_the_leaves_kit_may_use_import_nothing_from_app(leaf: str) -> None:
    path = APP / (leaf.removeprefix("app.") + ".py")
    assert not _app_imports(path), f"{leaf} must stay a leaf"
