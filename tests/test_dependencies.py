"""Dependencies: every library the package imports is declared in pyproject.toml (the tests'
in the `test` extra or above), and the installed set is consistent (`pip check`)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised as PEP 503 compares them."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def _imported(paths: list[Path]) -> dict[str, str]:
    """Top-level modules imported outside the standard library, each with one file importing
    it. Imports under `if TYPE_CHECKING:` are left out: they never run."""
    found: dict[str, str] = {}

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for child in node.orelse:
                visit(child, where)
            return
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = []
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top not in ("watcher", "tests", "bench"):
                found.setdefault(top, where)
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    for path in paths:
        visit(ast.parse(path.read_text(encoding="utf-8")), str(path.relative_to(ROOT)))
    return found


def _undeclared(imported: dict[str, str], declared: set[str]) -> list[str]:
    providers = packages_distributions()
    missing = []
    for module, where in sorted(imported.items()):
        distributions = {_name(d) for d in providers.get(module, [])}
        if not distributions:
            missing.append(f"{module} (imported by {where}) is not installed")
        elif not distributions & declared:
            missing.append(f"{module} (imported by {where}) comes from {sorted(distributions)}")
    return missing


def _declared(*extras: str) -> set[str]:
    """The distributions [project] depends on, with those of the given extras."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {_name(r) for r in requirements}


def test_every_library_the_package_imports_is_a_declared_dependency() -> None:
    declared = _declared()
    imported = _imported(sorted((ROOT / "watcher").rglob("*.py")))
    assert {"apprise", "feedparser", "sqlalchemy", "urllib3"} <= set(imported)
    assert _undeclared(imported, declared) == [], "declare them in [project].dependencies"


def test_every_library_the_tests_import_is_declared_for_them() -> None:
    declared = _declared("test", "postgresql")
    imported = _imported(sorted((ROOT / "tests").rglob("*.py")))
    assert {"pytest", "aiosmtpd"} <= set(imported)
    assert _undeclared(imported, declared) == [], "declare them in the `test` extra"


def test_an_undeclared_import_is_found() -> None:
    """The check above can fail: a module importing requests, with only apprise declared."""
    imported = {"requests": "watcher/example.py", "apprise": "watcher/alerts.py"}
    assert _undeclared(imported, {"apprise"}) == [
        "requests (imported by watcher/example.py) comes from ['requests']"
    ]


def test_the_installed_dependencies_are_consistent() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
