"""A sweep spec never runs code it names: plug-in models come only from registration
(entry points) or from an explicit ``--allow-model`` on the command line."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.batch import SpecError, load_runs, load_spec, run_sweep
from sim.batch.models import ENTRY_POINT_GROUP, ModelError, model_target, registered_models
from sim.cli import app
from sim.dashboard import experiments

runner = CliRunner()


@pytest.fixture
def evil(tmp_path, monkeypatch) -> tuple[str, Path]:
    """An importable module whose import and whose function each create a marker file."""
    marker = tmp_path / "pwned"
    pkg = tmp_path / "evilpkg"
    pkg.mkdir()
    (pkg / "evil_models.py").write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            Path({str(marker)!r} + ".import").touch()

            def make_file(params, seed):
                Path({str(marker)!r} + ".call").touch()
                return {{"y": 1.0}}
            """
        )
    )
    monkeypatch.syspath_prepend(str(pkg))
    yield "evil_models:make_file", marker
    sys.modules.pop("evil_models", None)


def markers(marker: Path) -> list[Path]:
    return sorted(marker.parent.glob(marker.name + ".*"))


def spec_file(tmp_path: Path, model: str, params: str = "a: [1, 2]") -> Path:
    p = tmp_path / "plugin.yaml"
    p.write_text(f"name: plugin\nmodel: {model}\nparameters:\n  {params}\n")
    return p


def test_a_spec_naming_a_callable_runs_no_code(tmp_path, evil):
    target, marker = evil
    spec = spec_file(tmp_path, target)
    db = tmp_path / "out.duckdb"
    with pytest.raises(SpecError, match=r"^model: 'evil_models:make_file' is not a registered"):
        run_sweep(spec, db, backend="serial")
    res = runner.invoke(app, ["sweep", str(spec), "--backend", "serial", "--out", str(db)])
    assert res.exit_code == 2 and "is not a registered model" in res.output
    assert "evil_models" not in sys.modules  # not even imported
    assert markers(marker) == [] and not db.exists()


@pytest.mark.parametrize("model", ["subprocess:call", "os:system", "builtins:exec"])
def test_shell_and_exec_callables_are_refused(tmp_path, model):
    marker = tmp_path / "shell-ran"
    spec = spec_file(tmp_path, model, f'"touch {marker}": [1]')
    res = runner.invoke(
        app, ["sweep", str(spec), "--backend", "serial", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2, res.output
    assert "is not a registered model" in res.output and "Traceback" not in res.output
    assert not marker.exists() and not (tmp_path / "o").exists()


def test_the_user_may_allow_a_callable_for_one_command(tmp_path, evil):
    target, marker = evil
    spec = spec_file(tmp_path, target)
    summary = run_sweep(spec, tmp_path / "ok.duckdb", backend="serial", allow_models=[target])
    assert summary.ok == 2 and [m.suffix for m in markers(marker)] == [".call", ".import"]
    assert len(load_runs(tmp_path / "ok.duckdb")) == 2
    with pytest.raises(SpecError, match="--allow-model: expected module:function"):
        load_spec(spec, allow_models=["not a target"])


def test_registered_models_by_name_or_target(tmp_path, evil, install_models):
    target, marker = evil
    with pytest.raises(ModelError, match="registered: symbiosim, crash_at, ishigami"):
        model_target("maker")  # not registered yet
    install_models({"maker": target})
    assert registered_models()["maker"] == target
    assert model_target("maker") == target and model_target(target) == target
    s = load_spec({"model": "maker", "parameters": {"a": [1]}})
    assert s.model_target == target
    summary = run_sweep(s, tmp_path / "r.duckdb", backend="serial")
    assert summary.ok == 1 and markers(marker)
    assert ENTRY_POINT_GROUP == "symbiosim.models"


def test_the_dashboard_never_allows_a_plugin(evil):
    target, marker = evil
    spec = experiments.small_spec(
        name="dash",
        base="baseline",
        ranges={"policy.partner.share": (0.0, 0.1)},
        design="factorial",
        size=2,
        replications=1,
        consumers=100,
        days=10,
    )
    assert "model" not in spec
    with pytest.raises(SpecError, match="not a registered model"):
        experiments.plan_small({**spec, "model": target, "base": None, "overrides": {}})
    assert markers(marker) == []
