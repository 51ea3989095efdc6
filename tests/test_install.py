"""The package installs: shipped scenarios and the dashboard travel inside it.

The fast tests check the packaging configuration and the ``dashboard`` command; the slow
one builds the sdist and the wheel, installs the wheel into a fresh virtual environment
outside the checkout and uses it from another directory, as someone who ran
``pip install symbiosim`` would.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import SCENARIO_DIR

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
runner = CliRunner()


def package_folder(name: str) -> Path:
    """Where a listed package lives in the repository (after the package-dir mapping)."""
    mapped = PYPROJECT.get("package-dir", {})
    for prefix in sorted(mapped, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            rest = name[len(prefix) :].lstrip(".")
            return ROOT / mapped[prefix] / Path(*rest.split(".")) if rest else ROOT / mapped[prefix]
    return ROOT / Path(*name.split("."))


def test_every_package_under_sim_is_listed():
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")
    }
    listed = set(PYPROJECT["packages"])
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"
    for name in listed:
        assert (package_folder(name) / "__init__.py").is_file(), name


def test_every_file_of_the_mapped_folders_ships():
    """Each file in scenarios/ and dashboard/ is a module of its package or package data."""
    data = PYPROJECT["package-data"]
    for package in PYPROJECT["package-dir"]:
        folder = package_folder(package)
        for path in folder.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(folder).as_posix()
            module = path.suffix == ".py" and "/" not in rel
            assert module or any(fnmatch.fnmatch(rel, g) for g in data[package]), (
                f"{folder.name}/{rel} would not be in the wheel: add it to package-data"
            )


def test_shipped_scenarios_are_read_from_the_package():
    assert Path(str(files("sim.scenarios"))) == SCENARIO_DIR
    names = {p.stem for p in SCENARIO_DIR.glob("*.yaml")}
    assert {"baseline", "symbiotic_partner", "subsidy_group_buying"} <= names
    assert (SCENARIO_DIR / "shocks" / "subsidy_end.yaml").is_file()
    # the editable install maps the package onto the checkout: edits apply at once
    assert SCENARIO_DIR.resolve() == (ROOT / "scenarios").resolve()


def test_dashboard_without_streamlit_is_one_line_exit_2(monkeypatch):
    import sim.cli.common as common

    monkeypatch.setattr(common, "installed", lambda name: name != "streamlit")
    res = runner.invoke(app, ["dashboard"])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        "error: dashboard: streamlit not installed; install the dashboard extra: "
        "pip install 'symbiosim[dashboard]'"
    ]


@pytest.mark.parametrize("command", ["sweep", "analyze"])
def test_sweep_tools_without_the_batch_extra_are_one_line_exit_2(monkeypatch, tmp_path, command):
    # a wheel installed without [batch] has no DuckDB: the command failed with a traceback
    # once the spec was read and the runs planned
    import sim.cli.common as common

    monkeypatch.setattr(common, "installed", lambda name: name not in ("duckdb", "SALib"))
    target = tmp_path / ("tiny.yaml" if command == "sweep" else "x.duckdb")
    target.write_text(
        "name: tiny\nbase: baseline\noverrides: {days: 5, population.consumers: 50}\n"
        "parameters: {policy.partner.share: [0.0, 0.1]}\n"
    )
    res = runner.invoke(app, [command, str(target), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"error: {command}: duckdb and SALib not installed; install the batch extra: "
        "pip install 'symbiosim[batch]'"
    ]
    assert not (tmp_path / "out").exists()


def test_dashboard_starts_the_packaged_app(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda args: calls.append(args) or 7)
    res = runner.invoke(app, ["dashboard", "--port", "8600"])
    assert res.exit_code == 7  # streamlit's exit status is the command's
    (args,) = calls
    assert args[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(args[4]) == Path(str(files("sim.dashboard") / "app.py"))
    assert Path(args[4]).is_file() and args[5:7] == ["--server.port", "8600"]


# --------------------------------------------------------------------------- the proof


def uv() -> str | None:
    """uv next to this interpreter (``make venv`` installs it), else on PATH."""
    here = Path(sys.executable).parent / "uv"
    return str(here) if here.is_file() else shutil.which("uv")


def clean_env() -> dict[str, str]:
    """The environment without anything that would put the checkout on the path."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def run(args: list[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    p = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert p.returncode == 0, f"{args}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the checkout with the built wheel installed."""
    tmp = tmp_path_factory.mktemp("install")
    dist, venv = tmp / "dist", tmp / "venv"
    tool = uv()
    if tool:  # sdist, then the wheel from the unpacked sdist: nothing stale from build/
        run([tool, "build", "--quiet", "--out-dir", dist, ROOT], cwd=tmp)
        run([tool, "venv", "--quiet", "--python", sys.executable, venv], cwd=tmp)
        (wheel,) = dist.glob("*.whl")
        run([tool, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel], tmp)
    else:
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT], tmp)
        run([sys.executable, "-m", "venv", venv], cwd=tmp)
        (wheel,) = dist.glob("*.whl")
        run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], cwd=tmp)
    return venv


@pytest.mark.slow
def test_the_installed_wheel_works_from_elsewhere(installed: Path, tmp_path: Path):
    bin_ = installed / "bin"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    listing = run([bin_ / "symbiosim", "scenarios"], elsewhere).stdout
    assert "symbiotic_partner" in listing and "subsidy_group_buying" in listing

    out = tmp_path / "partner"
    run([bin_ / "symbiosim", "run", "symbiotic_partner", "--days", "30", "--out", out], elsewhere)
    kpis = json.loads((out / "kpis.json").read_text())
    assert (out / "daily.parquet").is_file() and (out / "consumers.parquet").is_file()
    assert kpis["gmv"] > 0 and kpis["customers"] > 0

    probe = (
        "import json, sim, sim.scenario, sim.batch\n"
        "from importlib.resources import files\n"
        "from importlib.util import find_spec\n"
        "r = sim.run('baseline', days=30)\n"
        "app = files('sim.dashboard') / 'app.py'\n"
        "print(json.dumps({'sim': sim.__file__, 'days': len(r.daily), 'gmv': r.kpis['gmv'],\n"
        "    'scenarios': str(sim.scenario.SCENARIO_DIR), 'app': str(app),\n"
        "    'app_is_file': app.is_file(), 'scaffolding': find_spec('sim.batch.testfunctions') is not None,\n"
        "    'pages': sorted(p.name for p in (files('sim.dashboard') / 'views').iterdir()\n"
        "                    if p.name.endswith('.py')),\n"
        "    'shocks': sorted(p.name for p in (sim.scenario.SCENARIO_DIR / 'shocks').iterdir())}))"
    )
    got = json.loads(run([bin_ / "python", "-c", probe], elsewhere).stdout.strip())
    site = (installed / "lib").resolve()
    for key in ("sim", "scenarios", "app"):  # from the environment, never from the checkout
        assert Path(got[key]).resolve().is_relative_to(site), (key, got[key])
    assert got["days"] == 30 and got["gmv"] > 0 and got["app_is_file"]
    assert not got["scaffolding"]  # the sweep tests' plug-in models moved to tests/
    assert got["pages"] == sorted(p.name for p in (ROOT / "dashboard" / "views").glob("*.py"))
    assert "subsidy_end.yaml" in got["shocks"]

    # the core install has no streamlit: one line, exit 2
    p = subprocess.run(
        [bin_ / "symbiosim", "dashboard"], cwd=elsewhere, env=clean_env(), capture_output=True
    )
    assert p.returncode == 2 and b"install the dashboard extra" in p.stderr
