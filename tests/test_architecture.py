"""The package's shape: what importing it costs, and (in a fresh interpreter each) that
nothing heavy is loaded by commands that do not need it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import sim

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
