"""Backends: local processes and Dask give exactly the serial backend's results."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.batch import BackendError, SpecError, load_runs, load_spec, run_sweep
from sim.batch.backends import make_backend

WORKER_COLUMNS = ["duration"]  # timing differs by backend; everything else must not


def tiny(**changes):
    spec = {
        "name": "tiny",
        "base": "subsidy_group_buying",
        "overrides": {"days": 60, "population.consumers": 300},
        "parameters": {
            "policy.group_buying.discount": [0.1, 0.4],
            "shocks.0.day": {"low": 20, "high": 40, "num": 2},
        },
        "replications": 2,
        "seed": 99,
        "common_random_numbers": False,
    }
    spec.update(changes)
    return spec


@pytest.fixture(scope="module")
def serial_runs(tmp_path_factory):
    db = tmp_path_factory.mktemp("serial") / "s.duckdb"
    run_sweep(load_spec(tiny()), db, backend="serial")
    return load_runs(db)


def same_results(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) == len(b) == 8
    assert (a["status"] == "ok").all() and (b["status"] == "ok").all()
    pd.testing.assert_frame_equal(
        a.drop(columns=WORKER_COLUMNS), b.drop(columns=WORKER_COLUMNS), check_exact=True
    )


@pytest.mark.slow
def test_local_processes_match_serial(tmp_path, serial_runs):
    db = tmp_path / "p.duckdb"
    summary = run_sweep(load_spec(tiny()), db, backend="processes", workers=2)
    assert summary.backend == "processes" and summary.ok == 8
    same_results(load_runs(db), serial_runs)


@pytest.mark.slow
def test_dask_local_cluster_matches_serial(tmp_path, serial_runs):
    db = tmp_path / "d.duckdb"
    done = []
    summary = run_sweep(
        load_spec(tiny()), db, backend="dask", workers=2, progress=lambda d, t: done.append(d)
    )
    assert summary.backend == "dask" and summary.ok == 8 and done[-1] == 8
    runs = load_runs(db)
    same_results(runs, serial_runs)


@pytest.mark.slow
def test_dask_existing_scheduler_matches_serial(tmp_path, serial_runs):
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        scheduler_port=0,
        dashboard_address=None,
    ) as cluster:
        db = tmp_path / "e.duckdb"
        summary = run_sweep(
            load_spec(tiny()), db, backend="dask", scheduler=cluster.scheduler_address
        )
        assert summary.ok == 8
        same_results(load_runs(db), serial_runs)
        # a resumed sweep on another backend finds everything done
        again = run_sweep(load_spec(tiny()), db, backend="serial")
        assert (again.skipped, again.ran) == (8, 0)


@pytest.mark.slow
def test_a_crashing_worker_fails_its_run_only(tmp_path):
    crash_file = tmp_path / "crash_at"
    crash_file.write_text("3")
    spec = load_spec(
        {
            "model": "sweep_models:crash_at",
            "parameters": {"x": [1, 2, 3, 4, 5, 6], "crash_file": [str(crash_file)]},
            "seed": 1,
        }
    )
    summary = run_sweep(spec, tmp_path / "c.duckdb", backend="processes", workers=2)
    runs = load_runs(tmp_path / "c.duckdb").set_index("x")
    assert len(runs) == 6
    assert runs.loc[3, "status"] == "failed" and "worker process died" in runs.loc[3, "error"]
    assert summary.ok >= 2  # runs in flight on the broken pool fail too; never the sweep
    assert (runs["status"] == "ok").sum() + runs["error"].str.contains(
        "worker process died"
    ).sum() == 6
    crash_file.unlink()
    again = run_sweep(spec, tmp_path / "c.duckdb", backend="processes", workers=2)
    assert again.ok == 6 and again.skipped == summary.ok


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"backend": "gpu"}, "--backend: must be one of serial, processes, dask"),
        (
            {"backend": "processes", "scheduler": "tcp://x:1"},
            "--scheduler: only used with --backend dask",
        ),
        ({"backend": "dask", "scheduler": "tcp://x:1", "workers": 2}, "--workers"),
        ({"backend": "dask", "scheduler": "localhost"}, "tcp://HOST:PORT"),
        # addresses Dask itself would refuse with a traceback, mid-sweep
        ({"backend": "dask", "scheduler": "http://[::1"}, "schemes: tcp, tls"),
        ({"backend": "dask", "scheduler": "tcp://[::1"}, "an IPv6 host in brackets"),
        ({"backend": "dask", "scheduler": "tcp://host"}, "a port from 1 to 65535"),
        ({"backend": "dask", "scheduler": "tcp://host:99999"}, "a port from 1 to 65535"),
        ({"backend": "dask", "scheduler": "tcp://host:80x"}, "got 'tcp://host:80x'"),
        ({"backend": "serial", "workers": 3}, "--workers"),
        ({"backend": "processes", "workers": 0}, "--workers: must be a whole number"),
    ],
)
def test_bad_backend_flags(kwargs, words):
    with pytest.raises(BackendError) as err:
        make_backend(**kwargs)
    assert words in str(err.value)


def test_scheduler_implies_dask():
    assert make_backend(scheduler="tcp://127.0.0.1:1").name == "dask"
    assert make_backend(scheduler="tls://[::1]:8786").name == "dask"
    assert make_backend().name == "processes"


def test_local_workers_are_capped_at_the_runs():
    for backend in ("processes", "dask"):
        b = make_backend(backend, workers=4096)
        b.limit_workers(3)
        assert b.workers == 3
    remote = make_backend(scheduler="tcp://127.0.0.1:1")
    remote.limit_workers(3)
    assert remote.workers is None and remote.process_bytes == 0  # the cluster's own workers


@pytest.fixture
def pool_sizes(monkeypatch):
    """The max_workers of every process pool a sweep starts."""
    import concurrent.futures

    sizes = []
    real = concurrent.futures.ProcessPoolExecutor

    def recording(max_workers=None, **kwargs):
        sizes.append(max_workers)
        return real(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", recording)
    return sizes


def test_a_pool_starts_no_more_workers_than_runs(tmp_path, pool_sizes):
    # a pool forks all its workers at once: --workers 4096 for two runs took minutes
    spec = tiny(parameters={"policy.group_buying.discount": [0.1, 0.4]}, replications=1)
    summary = run_sweep(load_spec(spec), tmp_path / "w.duckdb", backend="processes", workers=4096)
    assert summary.ok == 2 and pool_sizes == [2]


def test_the_default_workers_are_as_many_as_fit_in_memory(tmp_path, monkeypatch, pool_sizes):
    # one worker per core by default: on 64 cores and a 600 MB limit, the two that fit
    # (sim.limits.WORKER_PROCESS_BYTES each); asked for explicitly, four are refused
    monkeypatch.setattr("os.cpu_count", lambda: 64)
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "600MB")
    spec = load_spec(tiny(replications=1))  # 4 runs
    summary = run_sweep(spec, tmp_path / "d.duckdb", backend="processes")
    assert summary.ok == 4 and pool_sizes == [2]
    with pytest.raises(SpecError, match=r"4 worker processes × 250\.0 MB .* fewer --workers"):
        run_sweep(spec, tmp_path / "e.duckdb", backend="processes", workers=4)
    assert not (tmp_path / "e.duckdb").exists()
