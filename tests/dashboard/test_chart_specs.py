"""Acceptance (issue 13): the chart specifications themselves, as every page sends them.

* no encoded field has an unescaped dot (Vega-Lite would read ``policy.partner.share`` as a
  nested field and draw "undefined");
* run and reference keep their colour and dash after a scenario switch (fixed domains);
* every chart is tall enough to show its axis (more for each row of a discrete axis);
* no legend or axis label can be cut, and time series answer a hover with a rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from sim.dashboard import charts, effects, flagship

UNESCAPED = re.compile(r"(?<!\\)[.\[\]]")


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def field_names(spec: dict[str, Any]) -> list[str]:
    """Every field a spec reads: encodings, tooltips, sorts and transforms."""
    out = []
    for d in walk(spec):
        f = d.get("field")
        if isinstance(f, str):
            out.append(f)
        for key in ("groupby", "fields"):
            if isinstance(d.get(key), list):
                out += [x for x in d[key] if isinstance(x, str)]
        if isinstance(d.get("pivot"), str):
            out.append(d["pivot"])
    return out


def datasets(chart: Any) -> list[Any]:
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]


def discrete_rows(spec: dict[str, Any], frames: list[Any]) -> int:
    """The most categories any layer puts on a discrete y axis."""
    rows = 0
    for d in walk(spec):
        y = d.get("y")
        if isinstance(y, dict) and y.get("type") in ("nominal", "ordinal") and "field" in y:
            for df in frames:
                if y["field"] in df:
                    rows = max(rows, int(df[y["field"]].nunique()))
    return rows


def check(spec: dict[str, Any], frames: list[Any], where: str) -> None:
    for name in field_names(spec):
        assert not UNESCAPED.search(name), f"{where}: field {name!r} would be read as nested"
    height = spec.get("height")
    assert isinstance(height, int | float), f"{where}: no height (Streamlit would squash it)"
    rows = discrete_rows(spec, frames)
    need = max(charts.MIN_HEIGHT, charts.MIN_ROW * rows + 60)
    assert height >= need, f"{where}: {height}px for {rows} rows (needs {need}px)"
    config = spec["config"]
    assert config["legend"]["labelLimit"] == 0 and config["axis"]["labelLimit"] == 0, where
    for d in walk(spec):
        for key in ("legend", "axis"):
            sub = d.get(key)
            if isinstance(sub, dict) and sub.get("labelLimit"):
                pytest.fail(f"{where}: a {key} cuts its labels at {sub['labelLimit']}px")
    marks = [d.get("mark") for d in walk(spec) if "mark" in d]
    types = [m if isinstance(m, str) else m.get("type") for m in marks]
    x_fields = {d["x"].get("field") for d in walk(spec) if isinstance(d.get("x"), dict)}
    if "line" in types and x_fields & {"day", "age"}:
        nearest = [p for p in walk(spec) if p.get("select", {}).get("nearest") is True]
        assert nearest and "rule" in types, f"{where}: no nearest-point hover with a rule"


def page_charts(at: Any) -> list[tuple[dict[str, Any], list[Any]]]:
    return [(json.loads(c.proto.spec), datasets(c)) for c in at.get("vega_lite_chart")]


def test_every_chart_on_every_page_keeps_the_rules(open_page, no_exceptions, _private_sweeps):
    seen = 0
    at = open_page("start")
    assert flagship.job().wait(120)
    at.run()
    for spec, frames in page_charts(at):
        check(spec, frames, "start")
        seen += 1
    at = open_page("explore")
    sc = at.session_state["ex_current"]
    assert effects.start(sc).wait(240)
    for tab in ("Customers", "Cohorts", "Money", "Shocks", "Which levers matter", "Leaders"):
        at.session_state["ex_tab"] = tab
        at.run()
        no_exceptions(at)
        got = page_charts(at)
        assert got, tab
        for spec, frames in got:
            check(spec, frames, f"explore/{tab}")
            seen += 1
    at = open_page("compare", query={"consumers": "300", "days": "120", "seeds": "2"})
    no_exceptions(at)
    got = page_charts(at)
    assert len(got) == 4
    for spec, frames in got:
        check(spec, frames, "compare")
        seen += 1
    from test_dashboard_app import _sweep

    db = _sweep(_private_sweeps)
    at = open_page("experiments")
    label = next(x for x in at.selectbox(key="exp_db").options if x.endswith(db.name))
    at.selectbox(key="exp_db").set_value(label)
    at.run()
    at.multiselect(key="exp_params").set_value(["policy.partner.share", "platform.commission_rate"])
    at.run()
    no_exceptions(at)
    got = page_charts(at)
    surface = [
        s for s, _ in got if any(d.get("mark") in ("rect", {"type": "rect"}) for d in walk(s))
    ]
    assert surface, "the response surface is drawn"
    for spec, frames in got:
        check(spec, frames, "experiments")
        seen += 1
    assert seen >= 14


def run_style(spec: dict[str, Any]) -> tuple[list[str], list[str], list[Any]]:
    """The run/reference colour and dash scales of a chart."""
    colour = dash = None
    for d in walk(spec):
        enc = d.get("encoding", {})
        if enc.get("color", {}).get("field") == "run" and "scale" in enc["color"]:
            colour = enc["color"]["scale"]
            dash = enc.get("strokeDash", {}).get("scale")
    assert colour is not None and dash is not None
    return colour["domain"], colour["range"], dash["range"]


def test_run_and_reference_keep_their_style_after_a_scenario_switch(open_page, no_exceptions):
    at = open_page("explore")
    for name, ref in (("subsidy_group_buying", "baseline"), ("symbiotic_partner", "baseline")):
        if name != "subsidy_group_buying":
            at.selectbox(key="ex_scenario").set_value(name)
            at.run()  # the new scenario, then its reference (computed after the first draw)
            at.run()
        no_exceptions(at)
        specs = [s for s, _ in page_charts(at)]
        assert len(specs) == 2  # active customers and retention
        for spec in specs:
            domain, colours, dashes = run_style(spec)
            assert domain == [name, f"{ref} (reference)"]  # the run first, whatever the names
            assert colours == [charts.RUN_COLOUR, charts.REF_COLOUR]
            assert dashes == [charts.SOLID, charts.DASHED]
    # "baseline (reference)" sorts before either run's name: a domain taken from sorted
    # names (Vega's default) would have drawn the reference solid blue


def test_a_dotted_parameter_is_renamed_before_it_reaches_vega() -> None:
    """The response surface over ``policy.partner.share`` used to draw one 'undefined' cell."""
    import pandas as pd

    grid = pd.DataFrame(
        {
            "policy.partner.share_bin": ["0", "0.1"],
            "platform.commission_rate_bin": ["0.05", "0.15"],
            "mean": [0.5, 0.6],
            "n": [2, 2],
        }
    )
    spec = charts.spec(
        None,
        lambda: charts.response_surface(
            grid, "policy.partner.share", "platform.commission_rate", "d90_retention", ("a", "b")
        ),
    )
    assert not [f for f in field_names(spec) if UNESCAPED.search(f)]
    assert charts.field("my.scenario [v2]") == "my\\.scenario \\[v2\\]"
