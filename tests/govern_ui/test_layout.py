"""The shape of `govern_ui`: one subject per module, said in its opening line; no module imports the tasks; no
import hides inside a function (the way an import cycle used to be dodged)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import govern_ui

pytestmark = pytest.mark.unit

PACKAGE = Path(govern_ui.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
MAX_LINES = 400


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_each_module_opens_with_its_subject_and_stays_small(path):
    tree = ast.parse(path.read_text())
    docstring = ast.get_docstring(tree)
    assert docstring and docstring.strip().splitlines()[0], f"{_name(path)} has no opening line"
    assert len(path.read_text().splitlines()) <= MAX_LINES, f"{_name(path)} is over {MAX_LINES} lines"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_nothing_imports_the_tasks_and_no_import_hides_in_a_function(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        assert "govern_ui.tasks" not in names, f"{_name(path)}:{node.lineno} imports govern_ui.tasks"
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        if path.name == "apps.py" and function.name == "ready":
            continue  # Django's documented place for imports that need the app registry
        inner = [n for n in ast.walk(function) if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not inner, f"{_name(path)}:{inner[0].lineno if inner else 0} imports inside {function.name}()"
