"""The engine is product code: no module of localaws/ (tests included) imports from
tests/, whether as ``tests.…`` or as a module the tests keep there (``launch``,
``conftest``…, reachable through a sys.path entry). Read from the import statements of
every file, so it stays true."""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"


def _test_module_names() -> set[str]:
    """Every name a file or package under tests/ could be imported by."""
    names = {"tests"}
    for path in TESTS.rglob("*"):
        if path.suffix == ".py":
            names.add(path.stem)
        elif path.is_dir() and (path / "__init__.py").exists():
            names.add(path.name)
    return names


def _absolute_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_localaws_module_imports_from_tests() -> None:
    from_tests = _test_module_names()
    assert {"launch", "chaos", "conftest"} <= from_tests  # the check sees what it guards
    files = sorted(HERE.rglob("*.py"))
    assert HERE / "__main__.py" in files and HERE / "patches" / "__init__.py" in files
    bad = [f"{path.relative_to(HERE.parent)}:{line}: import {name}"
           for path in files for line, name in _absolute_imports(path)
           if name.split(".")[0] in from_tests]
    assert bad == []


def test_the_check_catches_an_import_from_tests(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom launch import watch_stdin\nfrom . import patches\n"
                      "def f():\n    import tests.moto.chaos\n")
    names = [name for _, name in _absolute_imports(sample)
             if name.split(".")[0] in _test_module_names()]
    assert names == ["launch", "tests.moto.chaos"]


def test_no_engine_file_runs_anything_from_tests() -> None:
    """Nor does it run a script kept there (the registry's start script was one)."""
    files = [p for p in sorted(HERE.rglob("*")) if p.suffix in (".py", ".sh")
             and not p.name.startswith("test_")]
    assert HERE / "start-registry.sh" in files
    bad = [f"{path.relative_to(HERE.parent)}:{n}" for path in files
           for n, line in enumerate(path.read_text().splitlines(), 1)
           if any(q + "tests" + end in line for q in "\"'" for end in (q, "/"))]
    assert bad == []
