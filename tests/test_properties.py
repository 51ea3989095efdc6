"""Property-based tests (Hypothesis) of hostile input: generated scenario documents, ``--set``
values, sweep specs and graph files, valid and invalid. Each one either runs (exit 0, outputs
written) or is refused (exit 2, one line naming the field or file) — never a traceback,
within bounded time and memory. Example counts are small so the file runs in well under a
minute, and the suite draws the same examples every run (a verdict that a fresh clone
reproduces); ``make fuzz`` draws new ones, many more (``SYMBIOSIM_FUZZ`` times as many)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import Scenario

runner = CliRunner()
#: make fuzz: this many times the examples, freshly random (the seed is printed on failure)
FUZZ = int(os.environ.get("SYMBIOSIM_FUZZ") or 0)
FAST = settings(
    max_examples=40 * max(FUZZ, 1),
    derandomize=not FUZZ,  # the suite: the same examples on every machine
    print_blob=bool(FUZZ),  # a failure found by fuzzing prints how to reproduce it
    deadline=None,  # wall time is bounded below, with room for a loaded machine
    database=None,  # no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RUNS = settings(FAST, max_examples=20 * max(FUZZ, 1))
MAX_SECONDS = 30.0
MAX_BYTES = 500_000_000
#: "error: <field or file>: ..." — the thing named first: a dotted field path (odd keys
#: quoted), a flag with its key (``--set days``) or a file with its line (``x.yaml line 3``)
_PART = r'(?:[^\s:".]+|"(?:[^"\\]|\\.)*")'
NAMED = re.compile(rf"^error: {_PART}(?:\.{_PART})*(?: [^\s:]+)?(?: line \d+)?: ")


def flat(d: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in d.items():
        if isinstance(v, dict) and k != "segments":
            yield from flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


FIELDS = dict(flat(Scenario().to_dict()))
PATHS = sorted(FIELDS)
SCALAR_PATHS = [p for p, v in FIELDS.items() if isinstance(v, int | float | bool | str | None)]


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="symbiosim-prop-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _status_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", text).group(1))  # type: ignore[union-attr]


@contextlib.contextmanager
def peak_memory() -> Iterator[list[int]]:
    """Bytes the block added at its peak: the kernel's peak-RSS mark, reset first (Linux
    clear_refs), so numpy arrays count too; tracemalloc where that is not available."""
    out: list[int] = []
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kb("VmRSS")
        yield out
        out.append((_status_kb("VmHWM") - before) * 1024)
    except OSError:  # pragma: no cover - not Linux
        tracemalloc.start()
        try:
            yield out
            out.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()


def invoke(args: list[str], written: Callable[[], bool], allowed: tuple[int, ...] = (0, 2)):
    """Run the CLI in-process; check the outcome, the time and the memory it took."""
    t0 = time.perf_counter()
    with peak_memory() as peak_box:
        res = runner.invoke(app, args)
    peak = peak_box[0]
    elapsed = time.perf_counter() - t0
    event(f"{args[0]}: exit {res.exit_code}")  # --hypothesis-show-statistics shows the mix
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"traceback for {args}: {res.exception!r}") from res.exception
    assert res.exit_code in allowed, (res.exit_code, args, res.output)
    assert "Traceback" not in res.output
    assert elapsed < MAX_SECONDS, (elapsed, args)
    assert peak < MAX_BYTES, (peak, args)
    if res.exit_code == 0:
        assert written(), (args, res.output)
    elif res.exit_code == 2:
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, (args, res.stderr)
        assert NAMED.match(lines[0]), lines[0]
    return res


@pytest.fixture(scope="module", autouse=True)
def warm_imports(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One run first, so the time bound measures the input, not the first imports."""
    out = tmp_path_factory.mktemp("warm")
    assert (
        runner.invoke(
            app, ["run", "baseline", "--days", "2", "--consumers", "20", "--out", str(out)]
        ).exit_code
        == 0
    )


# --------------------------------------------------------------------------- strategies
odd_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.integers(10**15, 10**40),
    odd_floats,
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)


def near(default: Any) -> st.SearchStrategy[Any]:
    """Values of the field's own type around its default (mostly valid)."""
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.integers(-2, max(3, 3 * default))
    if isinstance(default, float):
        return st.floats(-1.0, max(2.0, 3 * default), allow_nan=False)
    return st.just(default)


def set_nested(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    cur = doc
    for part in parents:
        cur = cur.setdefault(part, {})
        if not isinstance(cur, dict):
            return
    cur[last] = value


@st.composite
def scenario_docs(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": draw(st.sampled_from(["prop", "../up", "拼团", "a/b", "x"]))}
    for path in draw(st.lists(st.sampled_from(PATHS), max_size=6, unique=True)):
        default = FIELDS[path]
        set_nested(doc, path, draw(st.one_of(st.just(default), near(default), values)))
    if draw(st.booleans()):
        doc["base"] = draw(st.sampled_from(["baseline", "symbiotic_partner", "nope", 3, "hybrid"]))
    if draw(st.integers(0, 5)) == 0:
        doc[draw(st.text(min_size=1, max_size=8))] = draw(values)
    if draw(st.integers(0, 5)) == 0:
        doc["shocks"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "kind": st.sampled_from(["downturn", "subsidy_end", "meteor"]),
                        "day": st.integers(-1, 10),
                    },
                    optional={"magnitude": odd_floats, "duration": st.integers(-1, 5)},
                ),
                max_size=3,
            )
        )
    return doc


yaml_text = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from(
            [
                "a: ",
                "&x ",
                "*x",
                "[",
                "]",
                "{",
                "}",
                "- ",
                "\n",
                "  ",
                "days: ",
                "1e9",
                ".nan",
                "!!str ",
                "<<: ",
                "? ",
                "---\n",
                "'",
                '"',
                "#",
                ":",
                ",",
                "population:\n  ",
            ]
        ),
        max_size=40,
    ).map("".join),
)


# --------------------------------------------------------------------------- scenario files
@RUNS
@given(doc=scenario_docs())
def test_generated_scenarios_run_or_are_refused(doc):
    with workdir() as d:
        f = d / "scenario.yaml"
        f.write_text(yaml.safe_dump(doc, allow_unicode=True))
        out = d / "out"
        invoke(
            ["run", str(f), "--days", "5", "--consumers", "40", "--out", str(out)],
            lambda: (out / "kpis.json").is_file() and (out / "daily.parquet").is_file(),
        )


@FAST
@given(text=yaml_text)
def test_arbitrary_text_validates_or_is_refused(text):
    with workdir() as d:
        f = d / "t.yaml"
        f.write_text(text, encoding="utf-8", errors="surrogatepass")
        invoke(["validate", str(f)], lambda: True)


# --------------------------------------------------------------------------- --set values
set_values = st.one_of(
    st.text(max_size=40),
    odd_floats.map(repr),
    st.integers(-(10**30), 10**30).map(str),
    values.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip()),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    yaml_text,
)


@RUNS
@given(
    sets=st.lists(
        st.tuples(st.sampled_from([*SCALAR_PATHS, "nope.field", "shocks.0.day", ""]), set_values),
        min_size=1,
        max_size=3,
    )
)
def test_generated_set_values_run_or_are_refused(sets):
    with workdir() as d:
        out = d / "out"
        args = ["run", "baseline", "--days", "4", "--consumers", "30", "--out", str(out)]
        for key, value in sets:
            args += ["--set", f"{key}={value}"]
        invoke(args, lambda: (out / "kpis.json").is_file())


# --------------------------------------------------------------------------- sweep specs
@st.composite
def sweep_specs(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(["symbiosim", "symbiosim", "ishigami", "os:system", "x:y", "?"]))
    spec: dict[str, Any] = {"name": draw(st.sampled_from(["prop", "../x", "ok.1"]))}
    if model != "symbiosim" or draw(st.booleans()):
        spec["model"] = model
    if model == "ishigami":
        names = ["x1", "x2", "x3"]
    else:
        spec["base"] = draw(
            st.sampled_from(["baseline", "symbiotic_partner", "nope", {"name": "inline"}, {}])
        )
        spec["overrides"] = {"days": 3, "population.consumers": 30}
        if draw(st.integers(0, 3)) == 0:
            path = draw(st.sampled_from(SCALAR_PATHS))
            spec["overrides"][path] = draw(st.one_of(near(FIELDS[path]), scalars))
        names = draw(
            st.lists(
                st.sampled_from([*SCALAR_PATHS, "no.such", "seed", "shocks.0.day"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
    params: dict[str, Any] = {}
    for name in names:
        kind = draw(st.integers(0, 2))
        if kind == 0:
            params[name] = draw(
                st.lists(st.one_of(near(FIELDS.get(name, 0.5)), scalars), max_size=3)
            )
        else:
            low = draw(st.one_of(st.floats(-3, 3), odd_floats))
            rng: dict[str, Any] = {
                "low": low,
                "high": draw(st.one_of(st.floats(-3, 3), odd_floats)),
            }
            if kind == 1:
                rng["num"] = draw(st.sampled_from([1, 2, 3, 100_000, 0]))
            else:
                rng["step"] = draw(st.sampled_from([0.5, 1e-9, -1.0, 1.0]))
            params[name] = rng
    spec["parameters"] = params
    design = draw(st.sampled_from(["factorial", "lhs", "sobol", "morris", "grid"]))
    if design != "factorial" or draw(st.booleans()):
        spec["design"] = {"kind": design, "samples": draw(st.sampled_from([2, 3, 4, 10**7]))}
    spec["replications"] = draw(st.sampled_from([1, 2, 100_000, 0]))
    return spec


@RUNS
@given(spec=sweep_specs())
def test_generated_sweep_specs_run_or_are_refused(spec):
    with workdir() as d, env(SYMBIOSIM_MAX_RUNS="6"):
        f = d / "spec.yaml"
        f.write_text(yaml.safe_dump(spec, allow_unicode=True))
        db = d / "out.duckdb"
        res = invoke(
            ["sweep", str(f), "--backend", "serial", "--out", str(db)],
            db.is_file,
            allowed=(0, 1, 2),
        )
        if res.exit_code == 1:  # runs of a plug-in failed on their values: recorded, not lost
            assert "run(s) failed" in res.output and db.is_file()
        if res.exit_code == 2:
            assert list(d.iterdir()) == [f]  # a refused sweep leaves no file behind


# --------------------------------------------------------------------------- graph files
@st.composite
def graph_files(draw: st.DrawFn) -> tuple[str, bytes, int | None]:
    """(suffix, content, nodes if the file is a valid graph of that many nodes)."""
    n = draw(st.integers(2, 25))
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30))
    edges = [(i, (i + 1) % n) for i in range(n)] + extra
    labels = draw(st.sampled_from(["int", "str"]))
    name = (lambda i: str(i)) if labels == "int" else (lambda i: f"u{i}")
    fmt = draw(st.sampled_from(["csv", "txt", "graphml", "bytes", "columns"]))
    if fmt == "csv":
        header = "source,target\n" if draw(st.booleans()) else ""
        return ".csv", (header + "".join(f"{name(a)},{name(b)}\n" for a, b in edges)).encode(), n
    if fmt == "txt":
        body = "# comment\n" + "".join(f"{name(a)} {name(b)}\n" for a, b in edges)
        return ".txt", body.encode(), n
    if fmt == "graphml":
        g = nx.Graph()
        g.add_nodes_from(name(i) for i in range(n))
        g.add_edges_from((name(a), name(b)) for a, b in edges)
        with tempfile.NamedTemporaryFile(suffix=".graphml", delete=False) as fh:
            tmp = Path(fh.name)
        try:
            nx.write_graphml(g, tmp)
            data = tmp.read_bytes()
        finally:
            tmp.unlink()
        cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
        return ".graphml", data if cut is None else data[:cut], n if cut is None else None
    if fmt == "columns":
        rows = draw(st.lists(st.lists(st.text("ab1,", max_size=4), max_size=4), max_size=6))
        return ".csv", "\n".join(",".join(r) for r in rows).encode(), None
    return (
        draw(st.sampled_from([".csv", ".txt", ".graphml", ".json"])),
        draw(st.binary(max_size=300)),
        None,
    )


@RUNS
@given(graph=graph_files(), declared=st.integers(2, 30), run=st.booleans())
def test_generated_graph_files_validate_run_or_are_refused(graph, declared, run):
    suffix, content, nodes = graph
    with workdir() as d:
        g = d / f"graph{suffix}"
        g.write_bytes(content)
        consumers = nodes if nodes is not None and declared % 2 else declared
        f = d / "scenario.yaml"
        f.write_text(
            yaml.safe_dump(
                {
                    "name": "graph",
                    "days": 3,
                    "population": {"consumers": consumers},
                    "network": {"kind": "file", "path": str(g)},
                }
            )
        )
        res = invoke(["validate", str(f)], lambda: True)
        if nodes is not None and consumers == nodes:
            assert res.exit_code == 0, res.output  # a valid graph of the declared size passes
        if res.exit_code == 0 and run:
            out = d / "out"
            invoke(["run", str(f), "--out", str(out)], lambda: (out / "kpis.json").is_file())
