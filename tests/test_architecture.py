"""The house: floors that import only downward, no import circles, no shadowed names.

The floors and their contracts are in pyproject.toml ([tool.importlinter]); the map is
docs/architecture.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import grimp
import pytest

import chainrule

SRC = Path(chainrule.__file__).resolve().parents[1]
ROOT = Path(__file__).resolve().parents[1]


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True,
                          text=True, check=False)


def test_a_subpackage_never_shadows_a_name_chainrule_exports():
    # importing every module first, then asking for each exported name: the import system
    # binds a subpackage to its parent's attribute, so a subpackage named like an exported
    # function (the old chainrule.explain) would replace the function
    done = run("""
        import importlib, pkgutil, types
        import chainrule as cr
        for module in pkgutil.walk_packages(cr.__path__, "chainrule."):
            if module.name != "chainrule.__main__":
                importlib.import_module(module.name)
        for name in cr.__all__:
            value = getattr(cr, name)
            if isinstance(value, types.ModuleType):
                assert value.__name__.rsplit(".", 1)[-1] == name, (name, value)
            else:
                assert not isinstance(value, types.ModuleType), name
        assert callable(cr.explain) and callable(cr.check) and callable(cr.load)
    """)
    assert done.returncode == 0, done.stderr


def test_the_example_from_the_issue_explains_after_importing_teach():
    done = run("""
        import chainrule as cr
        from chainrule.teach import check
        solution = cr.explain([([[0.5]], [0.0], "linear")], [2.0], [1.0], learning_rate=0.1)
        assert check(solution, {"net_o": "1.0000"}).first_wrong is None
    """)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("first", ["chainrule.render", "chainrule.derive.solution"])
def test_either_end_of_the_solutions_delegation_to_the_renderers_imports_first(first):
    # WorkedSolution.to_text() and the others call chainrule.render, which the solution's
    # module imports at its top; the renderers read the solution's types for annotations only
    done = run(f"""
        import {first}
        import chainrule as cr
        solution = cr.explain([([[0.5]], [0.0], "linear")], [2.0], [1.0], learning_rate=0.1)
        assert solution.to_text() == cr.render.text(solution)
        assert solution.to_html() == cr.render.html(solution)
    """)
    assert done.returncode == 0, done.stderr


def test_import_chainrule_imports_no_floor_and_no_optional_dependency():
    done = run("""
        import sys
        import chainrule
        heavy = {"numpy", "numba", "matplotlib", "torch", "scipy"} & set(sys.modules)
        floors = [m for m in sys.modules if m.startswith("chainrule.")
                  and m not in ("chainrule._util", "chainrule._util.version")]
        assert not heavy and not floors, (heavy, floors)
    """)
    assert done.returncode == 0, done.stderr


def test_lint_imports_keeps_every_contract():
    # the console script of the environment the tests run in (pip install '.[test]')
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [shutil.which("lint-imports") or "lint-imports"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([*command, "--no-cache", "--no-logo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_import_circle_anywhere_in_the_package():
    # every import that runs, at the top of a module or inside a function; imports made for
    # type checkers only (under TYPE_CHECKING) never run and are left out
    graph = grimp.build_graph("chainrule", exclude_type_checking_imports=True, cache_dir=None)
    circles: dict[frozenset[str], str] = {}  # the modules of a circle -> one way round it
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                circles.setdefault(frozenset(back), " -> ".join((importer, *back)))
    assert not circles, "import circles:\n" + "\n".join(sorted(circles.values()))
