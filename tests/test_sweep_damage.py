"""Broken results files: a truncated or partly overwritten DuckDB file is reported in one
line (what is wrong, where) by ``analyze`` and ``sweep --out``, and is never written to;
a sweep that stops before its first run leaves no file behind."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.batch import StorageError, load_runs, read_sweep, run_sweep
from sim.batch import runner as sweep_runner
from sim.batch.backends import SerialBackend
from sim.batch.storage import verify
from sim.cli import app

runner = CliRunner()
HEADER = 3 * 4096  # DuckDB: file header + two database headers, then 256 KiB blocks
BLOCK = 262_144
SPEC = {
    "name": "dmg",
    "model": "ishigami",
    "parameters": {"x1": {"low": -3.0, "high": 3.0, "num": 40}, "x2": [0.0, 1.0], "x3": [0.5]},
    "replications": 2,
}


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def intact(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("dmg") / "intact.duckdb"
    summary = run_sweep(SPEC, db, backend="serial")
    assert summary.ok == 160
    return db


def damaged(intact: Path, tmp_path: Path, how: str) -> Path:
    db = tmp_path / f"{how}.duckdb"
    shutil.copy(intact, db)
    data = bytearray(db.read_bytes())
    if how == "truncated":
        data = data[: HEADER + BLOCK // 2]
    elif how == "overwritten":  # garbage over the first data block
        data[HEADER + 8 : HEADER + 8 + 4096] = bytes(range(256)) * 16
    elif how == "header":
        data[:4096] = bytes(4096)
    db.write_bytes(bytes(data))
    return db


CASES = [
    ("truncated", "is truncated (data expected at byte"),
    ("overwritten", "is damaged (checksum mismatch in the block at byte 12,288)"),
    ("header", "is not a DuckDB database (damaged header"),
]


@pytest.mark.parametrize(("how", "needle"), CASES)
def test_library_reports_damage_in_one_line(intact, tmp_path, how, needle):
    db = damaged(intact, tmp_path, how)
    before = digest(db)
    for read in (read_sweep, load_runs, verify):
        with pytest.raises(StorageError) as err:
            read(db)
        msg = str(err.value)
        assert msg.startswith(f"db: {db} ") and needle in msg and "\n" not in msg, msg
        assert "left unchanged" in msg
    assert digest(db) == before


@pytest.mark.parametrize(("how", "needle"), CASES)
def test_analyze_reports_damage(intact, tmp_path, how, needle):
    db = damaged(intact, tmp_path, how)
    before = digest(db)
    res = runner.invoke(app, ["analyze", str(db), "--out", str(tmp_path / "an")])
    assert res.exit_code == 2, res.output
    assert needle in " ".join(res.output.split()) and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert digest(db) == before and not (tmp_path / "an").exists()


@pytest.mark.parametrize(("how", "needle"), CASES)
def test_sweep_never_writes_into_a_damaged_file(intact, tmp_path, how, needle):
    db = damaged(intact, tmp_path, how)
    before = digest(db)
    spec = tmp_path / "dmg.yaml"
    spec.write_text(
        "name: dmg\nmodel: ishigami\nreplications: 2\nparameters:\n"
        "  x1: {low: -3.0, high: 3.0, num: 40}\n  x2: [0.0, 1.0]\n  x3: [0.5]\n"
    )
    res = runner.invoke(app, ["sweep", str(spec), "--backend", "serial", "--out", str(db)])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert text.startswith(f"error: out: {db}") and needle in text, text
    assert digest(db) == before  # not repaired, not replaced, not checkpointed
    assert not Path(f"{db}.wal").exists()


def test_an_intact_file_keeps_every_finished_run(intact, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(intact, db)
    verify(db)  # passes on an intact file
    again = run_sweep({**SPEC, "replications": 3}, db, backend="serial")
    assert (again.skipped, again.ran, again.ok) == (160, 80, 240)
    runs = load_runs(db)
    assert len(runs) == 240 and runs.set_index(["point", "replicate"]).index.is_unique


class _BrokenCluster(SerialBackend):
    def __enter__(self):
        raise RuntimeError("the cluster went away")


def test_a_sweep_stopped_before_its_first_run_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_runner, "make_backend", lambda *a, **k: _BrokenCluster())
    db = tmp_path / "new" / "folder" / "s.duckdb"
    log = tmp_path / "logs" / "s.jsonl"
    with pytest.raises(RuntimeError, match="went away"):
        run_sweep(SPEC, db, backend="serial", log=log)
    assert list(tmp_path.iterdir()) == []  # no database, no log, no folders made for them
