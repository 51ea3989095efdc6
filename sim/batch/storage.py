"""Results storage: one embedded DuckDB file per sweep, written by one process.

Tables (see docs/batch.md):

* ``sweep`` — one row: the spec (self-contained JSON), design kind, parameter
  paths, plan hash, run count, package version;
* ``runs`` — one row per (point, replicate): run key, seed, status
  (``ok``/``failed``), duration, error text, attempts, one column per parameter
  (named by its dotted path) and one per KPI;
* ``daily`` — optional, one row per (run key, day) with the daily series.

Every finished run is written in its own transaction by the coordinating
process, so a sweep killed at any moment keeps every committed run (DuckDB's
write-ahead log is replayed on the next open).

A damaged file (truncated, partly overwritten, not DuckDB) is reported in one line naming
the file and what is wrong (:class:`StorageError`). It is never written to: an existing
file is checked read-only, every table read in full, before the writer opens it, and no
command repairs or replaces it. A new file that a refused sweep created is removed.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.paths import Cleanup

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from sim.batch.plan import Plan, PlannedRun

BASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_key", "VARCHAR NOT NULL"),
    ("point", "INTEGER NOT NULL"),
    ("replicate", "INTEGER NOT NULL"),
    ("seed", "BIGINT NOT NULL"),
    ("status", "VARCHAR NOT NULL"),
    ("duration", "DOUBLE"),
    ("error", "VARCHAR"),
    ("attempts", "INTEGER"),
    ("finished_at", "TIMESTAMP"),
    ("worker", "VARCHAR"),
)
PUBLIC_COLUMNS = ("run_key", "point", "replicate", "seed", "status", "duration", "error")
_INTERNAL = {name for name, _ in BASE_COLUMNS}
SPEC_FIELDS = ("model", "base", "overrides", "parameters", "design", "seed")
SPEC_FIELDS += ("common_random_numbers", "record")


class StorageError(ValueError):
    """The results database cannot be used (locked, not a sweep, holds another sweep)."""


def q(name: str) -> str:
    """Quote an SQL identifier (parameter paths contain dots)."""
    return '"' + name.replace('"', '""') + '"'


def connect(
    path: str | Path, read_only: bool = False, field: str = "db"
) -> duckdb.DuckDBPyConnection:
    """Open the database with a clear message (naming ``field``) when it is locked, damaged
    or not DuckDB."""
    import duckdb

    path = Path(path)
    if read_only and not path.exists():
        raise StorageError(f"{field}: {path} not found")
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise StorageError(f"{field}: {path} is {kind}; give a .duckdb file")
    with damage_guard(path, field):
        return duckdb.connect(str(path), read_only=read_only)


def damage_message(path: str | Path, err: Exception, field: str = "db") -> str:
    """One line for a DuckDB error: what is wrong with the file, and where."""
    text = " ".join(str(err).split())
    low = text.lower()
    if ("lock" in low and "conflicting" in low) or "could not set lock" in low:
        pid = re.search(r"PID (\d+)", text)
        who = f" (PID {pid.group(1)})" if pid else ""
        return (
            f"{field}: {path} is in use by another process{who}; a sweep writing it holds "
            "it until it finishes"
        )
    keep = "it was left unchanged (restore it from a copy, or give another file)"
    m = re.search(r"read (\d+) bytes from location (\d+)", text)
    if "could not read enough bytes" in low:
        at = f" (data expected at byte {int(m.group(2)):,} is missing)" if m else ""
        return f"{field}: {path} is truncated{at}; {keep}"
    m = re.search(r"block at location (\d+)", text)
    if "checksum" in low or "corrupt" in low:
        at = f" in the block at byte {int(m.group(1)):,}" if m else ""
        return f"{field}: {path} is damaged (checksum mismatch{at}); {keep}"
    if "not a valid duckdb database" in low:
        return (
            f"{field}: {path} is not a DuckDB database (damaged header, or another kind of "
            f"file); {keep}"
        )
    return f"{field}: {path} cannot be read as a DuckDB database ({text[:300]}); {keep}"


@contextmanager
def damage_guard(path: str | Path, field: str = "db") -> Iterator[None]:
    """DuckDB errors while opening or reading ``path`` become one-line StorageErrors."""
    import duckdb

    try:
        yield
    except duckdb.Error as err:
        raise StorageError(damage_message(path, err, field)) from None


def verify(path: str | Path, field: str = "db") -> None:
    """Read every table of an existing database in full, read-only, so a damaged block is
    found before anything is written (a checksum is only checked when its block is read)."""
    con = connect(path, read_only=True, field=field)
    try:
        with damage_guard(path, field):
            for table in sorted(_tables(con)):
                cols = _columns(con, table)
                if not cols:
                    continue
                probes = ", ".join(f"count({q(c)}), min({q(c)})" for c in cols)
                con.execute(f"SELECT count(*), {probes} FROM {q(table)}").fetchall()
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def sql_type(values: Iterable[Any]) -> str:
    """Column type for a parameter's values: BOOLEAN, BIGINT, HUGEINT, DOUBLE or VARCHAR.

    Integers get the narrowest exact integer type that holds them all (a spec may give a
    float field an integer beyond 64 bits, and the scenario accepts it); integers beyond
    128 bits are stored as their digits, so the stored value is still the spec's.
    """
    vals = [v for v in values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return "BOOLEAN"
    ints = [v for v in vals if isinstance(v, int) and not isinstance(v, bool)]
    if any(not _fits(v, 127) for v in ints):
        return "VARCHAR"
    if vals and len(ints) == len(vals):
        return "BIGINT" if all(_fits(v, 63) for v in ints) else "HUGEINT"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        return "DOUBLE"
    return "VARCHAR"


def _fits(v: int, bits: int) -> bool:
    """``v`` is a signed integer of ``bits`` + 1 bits."""
    return -(2**bits) <= v < 2**bits


def _cell(v: Any, typ: str) -> Any:
    if v is None:
        return None
    if typ == "VARCHAR":
        return v if isinstance(v, str) else json.dumps(v)
    return v


# --------------------------------------------------------------------------- writer
class ResultsWriter:
    """The single writer of a sweep's database (lives in the coordinating process)."""

    def __init__(self, path: str | Path, plan: Plan) -> None:
        self.path = Path(path)
        self.plan = plan
        self.names = plan.spec.names
        self.types = {n: sql_type(p[n] for p in plan.design.points) for n in plan.spec.names}
        self.con: duckdb.DuckDBPyConnection | None = None
        self.kpi_columns: list[str] = []
        self.daily_columns: list[str] | None = None
        self._verified = False  # an existing file is read in full once before writing
        self.recorded = 0  # runs committed by this writer
        self.created: Cleanup | None = None  # what opening created (a new file, its folders)

    # -- lifecycle -------------------------------------------------------------
    def open(self) -> ResultsWriter:
        """Open (creating the file if needed) and check the database holds this sweep.

        An existing file is verified read-only first (never opened for writing when damaged);
        a file this call creates is removed again if the check of the sweep fails."""
        if self.path.exists() and self.path.is_dir():
            raise StorageError(f"out: {self.path} is a directory; give a .duckdb file path")
        cleanup = Cleanup()
        if self.path.exists():
            if not self._verified:
                verify(self.path, field="out")
                self._verified = True
        else:
            cleanup.make_parents(self.path)
            cleanup.created(self.path, ".wal")
        try:
            self.con = connect(self.path, field="out")
            with damage_guard(self.path, "out"):
                # single-row transactions gain nothing from DuckDB's thread pool; leave the
                # cores to the workers
                self.con.execute("SET threads = 1")
                self._prepare()
        except BaseException:
            self.close()
            cleanup.undo()
            raise
        self._verified = True
        if cleanup.files:
            self.created = cleanup
        return self

    def discard_if_empty(self) -> None:
        """Remove the file (and folders) this writer created if no run was committed: a
        sweep that stops before its first run leaves nothing behind."""
        self.close()
        if self.created is not None and self.recorded == 0:
            self.created.undo()
            self.created = None

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def __enter__(self) -> ResultsWriter:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prepare(self) -> None:
        con = self.con
        assert con is not None
        spec = self.plan.spec
        tables = _tables(con)
        if tables and "sweep" not in tables:
            raise StorageError(
                f"out: {self.path} is a DuckDB database but not a symbiosim sweep "
                f"(tables: {', '.join(sorted(tables))}); give another --out"
            )
        record = spec.to_record()
        now = _dt.datetime.now()
        if "sweep" in tables:
            row = con.execute("SELECT name, plan_hash, spec FROM sweep LIMIT 1").fetchone()
            if row is None:
                raise StorageError(f"out: {self.path}: the sweep table is empty (damaged file?)")
            name, plan_hash, stored = row
            if plan_hash != spec.plan_hash():
                old = json.loads(stored)
                differ = [f for f in SPEC_FIELDS if old.get(f) != record.get(f)] or ["spec"]
                raise StorageError(
                    f"out: {self.path} holds sweep '{name}' run with a different spec "
                    f"({', '.join(differ)} differ); give another --out or delete the file"
                )
            self.kpi_columns = [c for c in _columns(con, "runs") if self._is_kpi(c)]
            if "daily" in tables:
                self.daily_columns = _columns(con, "daily")
            stored_reps = json.loads(stored).get("replications")
            if stored_reps != spec.replications:
                con.execute(
                    "UPDATE sweep SET spec = ?, replications = ?, total_runs = ?, updated_at = ?",
                    [json.dumps(record), spec.replications, self.plan.total, now],
                )
            return
        from sim import __version__
        from sim.results import git_commit

        cols = [f"{q(n)} {t}" for n, t in BASE_COLUMNS]
        cols += [f"{q(n)} {self.types[n]}" for n in self.names]
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "CREATE TABLE sweep (name VARCHAR, model VARCHAR, design VARCHAR, "
            "parameters VARCHAR, replications INTEGER, total_runs INTEGER, plan_hash VARCHAR, "
            "spec VARCHAR, package_version VARCHAR, git_commit VARCHAR, "
            "created_at TIMESTAMP, updated_at TIMESTAMP)"
        )
        con.execute(
            "INSERT INTO sweep VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                spec.name,
                spec.model,
                spec.design.kind,
                json.dumps(self.names),
                spec.replications,
                self.plan.total,
                spec.plan_hash(),
                json.dumps(record),
                __version__,
                git_commit(),
                now,
                now,
            ],
        )
        con.execute(f"CREATE TABLE runs ({', '.join(cols)}, PRIMARY KEY (point, replicate))")
        con.execute("COMMIT")

    def _is_kpi(self, col: str) -> bool:
        return col not in _INTERNAL and col not in self.types

    # -- reading ---------------------------------------------------------------
    def finished(self) -> dict[tuple[int, int], tuple[str, str, int]]:
        """(point, replicate) → (run_key, status, attempts) of every recorded run."""
        assert self.con is not None
        rows = self.con.execute(
            "SELECT point, replicate, run_key, status, coalesce(attempts, 1) FROM runs"
        ).fetchall()
        return {(p, r): (k, s, int(a)) for p, r, k, s, a in rows}

    # -- writing ---------------------------------------------------------------
    def record(
        self,
        runs: Sequence[PlannedRun],
        outcome: dict[str, Any],
        attempts: dict[tuple[int, int], int] | None = None,
    ) -> None:
        """Write one finished run (all design entries sharing its key) in one transaction."""
        con = self.con
        assert con is not None
        kpis = {self._kpi_name(k): v for k, v in outcome.get("kpis", {}).items()}
        daily = outcome.get("daily")
        now = _dt.datetime.now()
        con.execute("BEGIN TRANSACTION")
        try:
            for k in kpis:
                if k not in self.kpi_columns:
                    con.execute(f"ALTER TABLE runs ADD COLUMN {q(k)} DOUBLE")
                    self.kpi_columns.append(k)
            cols = [n for n, _ in BASE_COLUMNS] + self.names + list(kpis)
            sql = (
                f"INSERT OR REPLACE INTO runs ({', '.join(q(c) for c in cols)}) "
                f"VALUES ({', '.join('?' for _ in cols)})"
            )
            for run in runs:
                params = self.plan.design.points[run.point]
                n_att = (attempts or {}).get((run.point, run.replicate), 0) + 1
                row = [
                    run.run_key,
                    run.point,
                    run.replicate,
                    run.seed,
                    outcome["status"],
                    _finite(outcome.get("duration")),
                    outcome.get("error"),
                    n_att,
                    now,
                    outcome.get("worker"),
                ]
                row += [_cell(params[n], self.types[n]) for n in self.names]
                row += [_finite(v) for v in kpis.values()]
                con.execute(sql, row)
            if daily is not None and outcome["status"] == "ok":
                self._write_daily(outcome["run_key"], daily)
            con.execute("COMMIT")
            self.recorded += len(runs)
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _kpi_name(self, k: str) -> str:
        return f"kpi_{k}" if k in _INTERNAL or k in self.types else k

    def _write_daily(self, run_key: str, daily: pd.DataFrame) -> None:
        con = self.con
        assert con is not None
        frame = daily.copy()
        frame.insert(0, "run_key", run_key)
        con.register("_daily_frame", frame)
        try:
            if self.daily_columns is None:
                con.execute("CREATE TABLE daily AS SELECT * FROM _daily_frame LIMIT 0")
                self.daily_columns = list(frame.columns)
            for c in frame.columns:
                if c not in self.daily_columns:
                    con.execute(f"ALTER TABLE daily ADD COLUMN {q(c)} DOUBLE")
                    self.daily_columns.append(c)
            con.execute("DELETE FROM daily WHERE run_key = ?", [run_key])
            con.execute("INSERT INTO daily BY NAME SELECT * FROM _daily_frame")
        finally:
            con.unregister("_daily_frame")


def _finite(v: Any) -> float | None:
    if v is None:
        return None
    x = float(v)
    return x if x == x and abs(x) != float("inf") else None


# --------------------------------------------------------------------------- reading
def read_sweep(db_path: str | Path) -> dict[str, Any]:
    """The sweep metadata row: name, model, design, parameters, spec (dict), counts."""
    con = connect(db_path, read_only=True)
    try:
        with damage_guard(db_path):
            return _read_sweep(con, db_path)
    finally:
        con.close()


def _read_sweep(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> dict[str, Any]:
    if "sweep" not in _tables(con):
        raise StorageError(f"db: {db_path} is not a symbiosim sweep database (no sweep table)")
    df = con.execute("SELECT * FROM sweep LIMIT 1").df()
    if df.empty:
        raise StorageError(f"db: {db_path}: the sweep table is empty")
    meta = df.iloc[0].to_dict()
    try:
        meta["parameters"] = json.loads(meta["parameters"])
        meta["spec"] = json.loads(meta["spec"])
    except (TypeError, ValueError):
        raise StorageError(
            f"db: {db_path}: the sweep table is damaged (spec is not JSON)"
        ) from None
    if not isinstance(meta["parameters"], list) or not isinstance(meta["spec"], dict):
        raise StorageError(f"db: {db_path}: the sweep table is damaged (unexpected spec)")
    return meta


def load_runs(db_path: str | Path) -> pd.DataFrame:
    """All recorded runs, one row each: run_key, point, replicate, seed, status, duration,
    error, then one column per parameter (dotted path), then one per KPI.

    >>> runs = load_runs("results/sensitivity.duckdb")        # doctest: +SKIP
    """
    con = connect(db_path, read_only=True)
    try:
        with damage_guard(db_path):
            meta = _read_sweep(con, db_path)
            params = list(meta["parameters"])
            cols = _columns(con, "runs")
            missing = [c for c in (*PUBLIC_COLUMNS, *params) if c not in cols]
            if missing:
                raise StorageError(
                    f"db: {db_path}: the runs table is damaged (missing columns: "
                    f"{', '.join(missing[:5])})"
                )
            kpis = [c for c in cols if c not in _INTERNAL and c not in params]
            select = ", ".join(q(c) for c in (*PUBLIC_COLUMNS, *params, *kpis))
            df = con.execute(f"SELECT {select} FROM runs ORDER BY point, replicate").df()
    finally:
        con.close()
    for c in kpis + ["duration"]:
        df[c] = df[c].astype(float)
    for c in ("run_key", "status", "error"):  # one string dtype whether or not any is null
        df[c] = df[c].astype("str")
    return df


def load_daily(db_path: str | Path, run_keys: Sequence[str] | None = None) -> pd.DataFrame:
    """The recorded daily series (empty when the sweep did not record them)."""
    import pandas as pd

    con = connect(db_path, read_only=True)
    try:
        with damage_guard(db_path):
            if "daily" not in _tables(con):
                return pd.DataFrame()
            if run_keys is None:
                return con.execute("SELECT * FROM daily ORDER BY run_key, day").df()
            con.register("_keys", pd.DataFrame({"run_key": list(run_keys)}))
            return con.execute(
                "SELECT d.* FROM daily d JOIN _keys USING (run_key) ORDER BY run_key, day"
            ).df()
    finally:
        con.close()


def export(db_path: str | Path, out_dir: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write ``runs.<fmt>`` (and ``daily.<fmt>`` if recorded) into ``out_dir``."""
    if fmt not in ("parquet", "csv"):
        raise StorageError(f"format: must be one of 'parquet', 'csv', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    runs = load_runs(db_path)
    frames = {"runs": runs, "daily": load_daily(db_path)}
    for name, df in frames.items():
        if df.empty and name == "daily":
            continue
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            df.to_csv(path, index=False)
        written.append(path)
    return written
