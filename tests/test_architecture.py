"""The package's shape: the layer contracts of pyproject.toml are kept, no module takes
part in an import cycle, the dashboard is imported under one name only, and importing
sim (or running a quick command) loads nothing heavy."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent

# Modules that cost from a tenth of a second to seconds to import; the quick commands
# (help, listing, validating) must not load any of them.
HEAVY = ("mesa", "numpy", "pandas", "scipy", "networkx", "matplotlib", "duckdb", "dask", "SALib")


def fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing imported yet) and return its stdout."""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def heavy_after(code: str) -> list[str]:
    out = fresh_python(
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    return json.loads(out.strip().splitlines()[-1])


def test_import_sim_loads_nothing_heavy():
    assert heavy_after("import sim, sim.cli") == []


@pytest.mark.parametrize(
    "args",
    [["--help"], ["scenarios"], ["validate", "baseline"], ["run", "--help"], ["params"]],
    ids=" ".join,
)
def test_quick_commands_load_nothing_heavy(args):
    code = (
        "from typer.testing import CliRunner\n"
        "from sim.cli import app\n"
        f"res = CliRunner().invoke(app, {args!r})\n"
        "assert res.exit_code == 0, res.output\n"
    )
    assert heavy_after(code) == []


def test_public_names_resolve_on_first_use():
    from sim.api import resolve, run
    from sim.results import RunResult
    from sim.scenario import Scenario, ScenarioError, load_scenario

    assert (sim.run, sim.resolve, sim.RunResult) == (run, resolve, RunResult)
    assert (sim.Scenario, sim.ScenarioError, sim.load_scenario) == (
        Scenario,
        ScenarioError,
        load_scenario,
    )
    assert set(dir(sim)) == set(sim.__all__) >= {"run", "RunResult", "__version__"}
    with pytest.raises(AttributeError, match="no attribute 'simulate'"):
        _ = sim.simulate


def test_a_lazy_name_imports_its_module():
    out = fresh_python(
        "import sys, sim\n"
        "before = 'sim.scenario' in sys.modules\n"
        "sim.Scenario\n"
        "print(before, 'sim.scenario' in sys.modules, 'mesa' in sys.modules)"
    )
    assert out.split() == ["False", "True", "False"]


# --------------------------------------------------------------------------- layers, cycles


def test_import_contracts_are_kept():
    """The contracts of [tool.importlinter] (layers, no cycles, no dashboard/tests imports)."""
    here = Path(sys.executable).parent / "lint-imports"
    tool = str(here) if here.is_file() else shutil.which("lint-imports")
    assert tool, "lint-imports not found: install the dev extra (make venv)"
    p = subprocess.run([tool, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "0 broken" in p.stdout


# Modules that do something when imported: the CLI's __main__ runs the CLI, the
# dashboard's app.py runs the app.
NOT_IMPORTABLE = ("sim.cli.__main__", "sim.dashboard.app")

EVERY_MODULE_FIRST = """
import importlib, json, pkgutil, sys
from importlib.resources import files
import sim, sim.dashboard

names = [m.name for m in pkgutil.walk_packages(sim.__path__, "sim.")]
names += [m.name for m in pkgutil.iter_modules([str(files("sim.dashboard"))], "sim.dashboard.")]
names = sorted(set(names) - set(SKIP))
failures = {}
for name in names:
    for loaded in [m for m in sys.modules if m == "sim" or m.startswith("sim.")]:
        del sys.modules[loaded]  # nothing of sim is loaded: `name` is imported first
    try:
        importlib.import_module(name)
    except Exception as err:
        failures[name] = f"{type(err).__name__}: {err}"
print(json.dumps({"checked": names, "failures": failures}))
"""


@pytest.mark.slow  # imports every dependency once (Mesa, pandas, SciPy, streamlit…): ~10 s CPU
def test_every_module_imports_first_without_a_cycle():
    """Each module of sim imported before any other module of sim (a fresh interpreter,
    sim's modules dropped between imports): an import cycle shows as a partially
    initialised module, whichever module of the cycle comes first."""
    code = EVERY_MODULE_FIRST.replace("SKIP", repr(NOT_IMPORTABLE))
    p = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stderr[-4000:]
    report = json.loads(p.stdout.strip().splitlines()[-1])
    assert report["failures"] == {}
    assert {"sim.api", "sim.cli.common", "sim.batch.runner", "sim.dashboard.core"} <= set(
        report["checked"]
    )


def imported_names(path: Path) -> set[str]:
    """Every module name an ``import`` or ``from … import`` statement of a file names."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def python_files(*folders: str) -> list[Path]:
    return [p for f in folders for p in sorted((ROOT / f).rglob("*.py"))]


def test_the_dashboard_has_one_name_and_the_library_does_not_import_it():
    """dashboard/ is the package sim.dashboard: importing it as `dashboard` (which works
    only from the checkout) would load a second copy of every module. And the library
    (sim/) never depends on the app. import-linter sees only the folder sim/, so these two
    rules are checked here."""
    for path in python_files("sim", "dashboard", "tests", "benchmarks", "docs"):
        bad = {n for n in imported_names(path) if n.split(".")[0] == "dashboard"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}: import sim.dashboard instead"
    for path in python_files("sim"):
        bad = {n for n in imported_names(path) if n.startswith("sim.dashboard")}
        assert not bad, f"{path.relative_to(ROOT)} (library) imports the dashboard: {bad}"
