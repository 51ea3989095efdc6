"""Values that mean nothing and files that are not what they claim: NaN and infinity,
scenarios that point at non-scenario files or at missing graphs, oversized graph files and
calibration CSVs. Each is refused with one line naming the field or the file."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest

from sim.calibration import CalibrationError, load_observed
from sim.network import NetworkError, check_graph_reference, load_graph
from sim.scenario import Scenario, ScenarioError, load_scenario, validate_scenario


# --------------------------------------------------------------------------- finite numbers
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("network.mean_degree", float("inf")),
        ("brands.list_price", float("inf")),
        ("platform.outside_utility", float("-inf")),
        ("behaviour.trust_weight", float("nan")),
        ("policy.partner.share", float("nan")),
        ("shocks", [{"kind": "downturn", "day": 5, "magnitude": float("inf")}]),
        ("policy.group_buying.budget", float("inf")),
    ],
)
def test_nan_and_infinity_are_refused(path, value):
    with pytest.raises(ScenarioError) as err:
        Scenario().with_overrides({path: value})
    msg = str(err.value)
    assert "finite number" in msg and msg.split(":")[0].startswith(path.split(".")[0]), msg


def test_nan_in_a_file_is_refused(tmp_path):
    f = tmp_path / "nan.yaml"
    f.write_text("name: n\nnetwork: {mean_degree: .inf}\nbrands: {list_price: .nan}\n")
    with pytest.raises(ScenarioError, match=r"network.mean_degree: Input should be a finite"):
        load_scenario(f)
    with pytest.raises(ScenarioError, match="finite"):
        validate_scenario({"platform": {"outside_utility": "-inf"}})


# --------------------------------------------------------------------------- base files
def test_a_base_that_is_not_a_scenario_names_the_file(tmp_path):
    (tmp_path / "sweep.yaml").write_text("parameters: {days: [1]}\ndesign: lhs\n")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    (tmp_path / "empty.yaml").write_text("")
    for base, needle in (
        ("sweep.yaml", "base: sweep.yaml is not a scenario file (unknown fields: design, param"),
        ("list.yaml", "base: list.yaml must hold a mapping of fields, not a list"),
        ("empty.yaml", "base: empty.yaml is empty"),
    ):
        (tmp_path / "s.yaml").write_text(f"name: s\nbase: {base}\n")
        with pytest.raises(ScenarioError) as err:
            load_scenario(tmp_path / "s.yaml")
        assert str(err.value).startswith(needle), str(err.value)


# --------------------------------------------------------------------------- referenced files
def write_ring(path, n):
    path.write_text("source,target\n" + "".join(f"{i},{(i + 1) % n}\n" for i in range(n)))


def test_references_are_checked(tmp_path):
    sc = Scenario().with_overrides(
        {"network.kind": "file", "network.path": str(tmp_path / "missing.csv")}
    )
    with pytest.raises(NetworkError, match=r"^network.path: file not found: .*missing.csv"):
        check_graph_reference(sc)
    write_ring(tmp_path / "ring.csv", 30)
    sc = sc.with_overrides({"network.path": str(tmp_path / "ring.csv")})
    with pytest.raises(NetworkError, match="the file has 30 nodes but population.consumers is"):
        check_graph_reference(sc)
    check_graph_reference(sc.with_overrides({"population.consumers": 30}))  # passes
    check_graph_reference(Scenario())  # a generated network refers to no file


# --------------------------------------------------------------------------- graph files
def test_graph_file_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(300_000_000)  # sparse, above the 250 MB default
    t0 = time.perf_counter()
    with pytest.raises(NetworkError) as err:
        load_graph(big)
    assert time.perf_counter() - t0 < 1.0
    msg = str(err.value)
    assert msg.startswith("network.path: big.csv is 300.0 MB, above the 250.0 MB limit")
    assert "SYMBIOSIM_MAX_GRAPH_BYTES=SIZE" in msg
    monkeypatch.setenv("SYMBIOSIM_MAX_GRAPHML_BYTES", "1kB")
    g = tmp_path / "g.graphml"
    nx.write_graphml(nx.cycle_graph(100), g)
    with pytest.raises(NetworkError, match=r"g.graphml is .* above the 1.0 kB limit for a GraphML"):
        load_graph(g)


def test_graph_row_limit(tmp_path, monkeypatch):
    write_ring(tmp_path / "ring.csv", 50)
    monkeypatch.setenv("SYMBIOSIM_MAX_GRAPH_EDGES", "50")
    assert load_graph(tmp_path / "ring.csv").n == 50  # exactly at the limit, with a header
    monkeypatch.setenv("SYMBIOSIM_MAX_GRAPH_EDGES", "49")
    with pytest.raises(NetworkError, match=r"ring.csv has more than 49 rows \(edges\)"):
        load_graph(tmp_path / "ring.csv")


def test_graphml_entity_bomb_is_refused(tmp_path):
    ents = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {c} "{("&" + chr(ord(c) - 1) + ";") * 10}">' for c in "bcdefghij"
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE graphml [{ents}]>'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">'
        '<node id="&j;"/><node id="b"/><edge source="b" target="&j;"/></graph></graphml>'
    )
    f = tmp_path / "bomb.graphml"
    f.write_text(bomb)
    t0 = time.perf_counter()
    with pytest.raises(NetworkError, match=r"^network.path: cannot parse bomb.graphml as GraphML"):
        load_graph(f)
    assert time.perf_counter() - t0 < 5.0


def test_devices_and_folders_are_not_graph_files(tmp_path):
    (tmp_path / "zero.csv").symlink_to("/dev/zero")  # would never end if read
    (tmp_path / "dir.csv").mkdir()
    for name in ("zero.csv", "dir.csv"):
        with pytest.raises(NetworkError, match=f"{name}' is not a regular file"):
            load_graph(tmp_path / name)


# --------------------------------------------------------------------------- calibration CSV
def test_calibration_csv_limits(tmp_path, monkeypatch):
    f = tmp_path / "obs.csv"
    f.write_text("day,value\n" + "".join(f"{d},{0.001 * d:.4f}\n" for d in range(100)))
    assert len(load_observed(f).x) == 100
    monkeypatch.setenv("SYMBIOSIM_MAX_CSV_ROWS", "99")
    with pytest.raises(CalibrationError, match=r"^--data: obs.csv has more than 99 rows"):
        load_observed(f)
    monkeypatch.delenv("SYMBIOSIM_MAX_CSV_ROWS")
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(50_000_000)
    with pytest.raises(CalibrationError, match=r"^--data: big.csv is 50.0 MB, above the 20.0 MB"):
        load_observed(big)
    with pytest.raises(CalibrationError, match="is not a regular file"):
        load_observed(tmp_path)


def test_calibration_csv_non_finite_values(tmp_path):
    f = tmp_path / "obs.csv"
    f.write_text("day,value\n1,0.1\n2,inf\n")
    with pytest.raises(CalibrationError, match="--y-col"):
        load_observed(f)
    f.write_text("day,value\n1,0.1\n2,nan\n")
    with pytest.raises(CalibrationError, match="--y-col"):
        load_observed(f)
    f.write_text("day,value\n1,0.1\ninf,0.2\n")
    with pytest.raises(CalibrationError, match="--x-col"):
        load_observed(f)
    f.write_text("day,value\n1,0.1\n2,0.2\n")
    assert np.isfinite(load_observed(f).y).all()


# --------------------------------------------------------------------------- odd names, huge ints
@pytest.mark.parametrize("key", ["a\nb", " ", "", "x" * 500, "0':"])
def test_odd_field_names_stay_on_one_quoted_line(key):
    with pytest.raises(ScenarioError) as err:
        validate_scenario({"name": "x", key: 1})
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith('"') and "unknown field" in msg, msg
    assert len(msg.split(": unknown")[0]) <= 46  # long names are cut


@pytest.mark.parametrize(
    ("path", "value"),
    [("network.community_size", 10**30), ("policy.partner.start_day", 2**63), ("days", -(10**40))],
)
def test_whole_numbers_beyond_any_meaning_are_refused(path, value):
    with pytest.raises(ScenarioError, match=rf"^{path}: "):
        Scenario().with_overrides({path: value})
    with pytest.raises(ScenarioError, match="must be at most 2,147,483,647"):
        Scenario().with_overrides({"network.community_size": 10**30})
