"""Every page through Streamlit's AppTest: controls change what is shown, bad input gets a
message (never an exception), and unrelated widgets recompute nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from sim.dashboard import core

AppOpener = Callable[..., Any]


def metrics(at: Any) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def chart_specs(at: Any) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_data(chart: Any) -> list[pd.DataFrame]:
    """The datasets of a chart element (Streamlit ships them as Arrow IPC streams)."""
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]


def errors(at: Any) -> str:
    return " | ".join(e.value for e in at.error)


# --------------------------------------------------------------------------- Explore
def test_explore_default_run_shows_kpi_cards_charts_and_url(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore", query={})  # the real default: 5,000 consumers × 365 days
    no_exceptions(at)
    shown = metrics(at)
    for label in ("D30 retention", "D90 retention", "LTV / CAC", "Platform profit"):
        assert label in shown
        assert shown[label][1] is not None  # a difference to the baseline
    assert any(label.startswith("Resilience: subsidy end") for label in shown)
    assert at.query_params["scenario"] == core.DEFAULT_SCENARIO
    # tabs are lazy: each shows its own charts when opened
    expected = {"Customers": 2, "Cohorts": 1, "Money": 2, "Leaders": 1}
    for tab, n in expected.items():
        computed = core.RUNS.computed
        at.session_state["ex_tab"] = tab
        at.run()
        no_exceptions(at)
        assert len(chart_specs(at)) == n, tab
        assert core.RUNS.computed == computed  # opening a tab runs nothing
    at.session_state["ex_tab"] = "Data & downloads"
    at.run()
    labels = {b.label for b in at.get("download_button")}
    assert {"daily.csv", "daily.parquet", "kpis.csv", "scenario.yaml", "active.png"} <= labels


def test_explore_levers_change_the_results_and_the_url(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    before = metrics(at)
    at.slider(key="lv:policy.group_buying.discount").set_value(0.05)
    at.toggle(key="lv:shocks.subsidy_end.on").set_value(False)
    at.run()
    no_exceptions(at)
    after = metrics(at)
    assert after["Platform profit"] != before["Platform profit"]
    assert not any(k.startswith("Resilience: subsidy end") for k in after)  # shock removed
    encoded = core.unpack(at.query_params["set"])
    assert encoded["policy.group_buying.discount"] == 0.05
    assert encoded["shocks"] == []
    # a different scenario resets the levers to its own values
    at.selectbox(key="ex_scenario").set_value("symbiotic_partner")
    at.run()
    no_exceptions(at)
    assert at.slider(key="lv:policy.group_buying.discount").value == pytest.approx(0.10)
    assert at.query_params["scenario"] == "symbiotic_partner"


def test_explore_shock_controls_add_a_marked_shock(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    at.toggle(key="lv:shocks.competitor_entry.on").set_value(True)
    at.run()
    at.number_input(key="lv:shocks.competitor_entry.day").set_value(100)
    at.run()
    no_exceptions(at)
    assert "Resilience: competitor entry (day 100)" in metrics(at)
    active = at.get("vega_lite_chart")[0]
    labels = {v for df in chart_data(active) if "shock" in df for v in df["shock"]}
    assert labels == {"Subsidy end", "Competitor entry"}  # both shocks are marked


def test_explore_unrelated_widgets_recompute_nothing(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    at.session_state["ex_tab"] = "Money"
    at.run()
    computed = core.RUNS.computed
    money_before = [s for s in chart_specs(at) if "yuan per day" in json.dumps(s)]
    assert money_before
    at.toggle(key="ex_money_log").set_value(False)
    at.slider(key="ex_money_window").set_value(14)
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    no_exceptions(at)
    assert core.RUNS.computed == computed  # no simulation ran
    money_after = [s for s in chart_specs(at) if "yuan per day" in json.dumps(s)]
    assert money_after != money_before  # … yet the chart did change
    assert elapsed < 3.0  # generous: AppTest overhead on a loaded CI machine
    # going back to an earlier setting is a cache hit as well
    at.slider(key="lv:policy.group_buying.discount").set_value(0.2)
    at.run()
    at.slider(key="lv:policy.group_buying.discount").set_value(0.35)
    computed = core.RUNS.computed
    at.run()
    assert core.RUNS.computed == computed


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("lv:population.consumers", 100_000, "at most 50,000"),
        ("lv:population.consumers", 1, "population.consumers"),
        ("lv:days", 0, "days"),
        ("lv:network.mean_degree", -3.0, "network.mean_degree"),
        ("ex_seed", -1, "seed"),
        ("lv:shocks.subsidy_end.day", -5, "shocks.0.day"),
    ],
)
def test_explore_bad_input_shows_a_message_and_keeps_the_results(
    open_page: AppOpener, no_exceptions: Callable, key: str, value: Any, needle: str
) -> None:
    at = open_page("explore")
    shown = metrics(at)
    at.number_input(key=key).set_value(value)
    at.run()
    no_exceptions(at)
    assert needle in errors(at)
    assert metrics(at) == shown  # the last valid results stay on screen
    assert any("last valid settings" in i.value for i in at.info)


def test_explore_population_cap_points_to_the_cli(open_page: AppOpener) -> None:
    at = open_page("explore")
    at.number_input(key="lv:population.consumers").set_value(80_000)
    at.run()
    assert "symbiosim run" in errors(at) and "--consumers 80000" in errors(at)


def test_explore_upload(open_page: AppOpener, no_exceptions: Callable) -> None:
    at = open_page("explore")
    at.radio(key="ex_source").set_value("Upload a scenario file")
    at.run()
    no_exceptions(at)
    uploader = at.get("file_uploader")[0]
    good = b"name: uploaded\nbase: symbiotic_partner\npopulation: {consumers: 500}\ndays: 120\n"
    uploader.set_value(("mine.yaml", good, "application/x-yaml"))
    at.run()
    no_exceptions(at)
    assert at.subheader[0].value == "uploaded"
    assert "custom" in at.query_params
    shown = metrics(at)
    bad = b"base: /etc/passwd\n"
    at.get("file_uploader")[0].set_value(("evil.yaml", bad, "application/x-yaml"))
    at.run()
    no_exceptions(at)
    assert "file paths are not accepted" in errors(at)
    assert metrics(at) == shown  # the previous upload is still shown


def test_explore_url_restores_a_shared_view(open_page: AppOpener, no_exceptions: Callable) -> None:
    state = core.ExploreState(
        base_name="hybrid",
        overrides={"population.consumers": 500, "days": 150, "policy.partner.share": 0.12},
        seed=3,
        ref="loaded",
    )
    at = open_page("explore", query=state.to_params())
    no_exceptions(at)
    assert at.selectbox(key="ex_scenario").value == "hybrid"
    assert at.slider(key="lv:policy.partner.share").value == pytest.approx(0.12)
    assert at.number_input(key="ex_seed").value == 3
    assert at.subheader[0].value == "hybrid"
    damaged = open_page("explore", query={"set": "%%%", "scenario": "hybrid"})
    no_exceptions(damaged)
    assert "could not be opened" in errors(damaged)


# --------------------------------------------------------------------------- Compare
COMPARE_QUERY = {"consumers": "400", "days": "150", "seeds": "3"}


def test_compare_shows_bands_differences_and_reacts_to_controls(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("compare", query=COMPARE_QUERY)
    no_exceptions(at)
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["subsidy_group_buying", "symbiotic_partner"]
    assert "symbiotic_partner − subsidy_group_buying" in table.columns
    assert "±" in table.loc["platform_profit", "symbiotic_partner"]
    specs = json.dumps(chart_specs(at))
    assert '"lo"' in specs and '"hi"' in specs  # confidence bands
    at.slider(key="cmp_seeds").set_value(2)
    at.multiselect(key="cmp_pick").set_value(["baseline", "symbiotic_partner", "hybrid"])
    at.button[0].click()  # the form's Compare button
    at.run()
    no_exceptions(at)
    table2 = at.dataframe[0].value
    assert list(table2.columns[:3]) == ["baseline", "symbiotic_partner", "hybrid"]
    assert at.query_params["seeds"] == "2"
    # changing the plotted KPI recomputes nothing
    computed = core.RUNS.computed
    at.selectbox(key="cmp_kpi").set_value("platform_profit")
    at.run()
    assert core.RUNS.computed == computed
    # the Explore settings can join the comparison, and travel in the link
    explore = next(o for o in at.multiselect(key="cmp_pick").options if o.startswith("explore"))
    at.multiselect(key="cmp_pick").set_value(["baseline", explore])
    at.button[0].click()
    at.run()
    no_exceptions(at)
    assert "subsidy_group_buying (explore)" in at.dataframe[0].value.columns
    assert "x" in at.query_params


def test_compare_bad_input(open_page: AppOpener, no_exceptions: Callable) -> None:
    at = open_page("compare", query=COMPARE_QUERY)
    at.multiselect(key="cmp_pick").set_value(["baseline"])
    at.button[0].click()
    at.run()
    no_exceptions(at)
    assert "at least two" in errors(at)
    at.multiselect(key="cmp_pick").set_value(["baseline", "hybrid"])
    at.number_input(key="cmp_consumers").set_value(70_000)
    at.button[0].click()
    at.run()
    no_exceptions(at)
    assert "at most 50,000" in errors(at)
    bad_link = open_page("compare", query={"scenarios": "nope,baseline", **COMPARE_QUERY})
    no_exceptions(bad_link)
    assert "unknown shipped scenario" in errors(bad_link)


# --------------------------------------------------------------------------- Experiments
def _sweep(tmp_path, design: str = "factorial") -> Any:
    from sim.batch import run_sweep

    params = {
        "policy.partner.share": {"low": 0.0, "high": 0.2, "num": 3},
        "platform.commission_rate": {"low": 0.05, "high": 0.15, "num": 2},
    }
    spec = {
        "name": "apptest",
        "base": "symbiotic_partner",
        "overrides": {"population.consumers": 200, "days": 60},
        "parameters": params,
        "replications": 2,
    }
    db = tmp_path / "apptest.duckdb"
    run_sweep(spec, db, backend="serial")
    return db


def test_experiments_response_curves_and_surface(
    open_page: AppOpener, no_exceptions: Callable, _private_sweeps, monkeypatch
) -> None:
    db = _sweep(_private_sweeps)
    at = open_page("experiments")
    no_exceptions(at)
    labels = at.selectbox(key="exp_db").options
    label = next(lab for lab in labels if lab.endswith("apptest.duckdb"))
    at.selectbox(key="exp_db").set_value(label)
    at.run()
    no_exceptions(at)
    assert "factorial design" in " ".join(m.value for m in at.markdown)
    curve = json.dumps(chart_specs(at))
    at.selectbox(key="exp_kpi").set_value("platform_profit")
    at.run()
    assert json.dumps(chart_specs(at)) != curve  # another KPI, other numbers
    at.multiselect(key="exp_params").set_value(["policy.partner.share", "platform.commission_rate"])
    at.run()
    no_exceptions(at)
    assert any("Response surface" in m.value for m in at.markdown)
    assert any("design: sobol" in i.value for i in at.info)  # why no Sobol indices
    assert db.exists()


def test_experiments_small_sweep_from_the_page_gives_sobol_indices(
    open_page: AppOpener, no_exceptions: Callable, _private_sweeps
) -> None:
    at = open_page("experiments")
    at.text_input(key="exp_new_name").set_value("page-sobol")
    at.selectbox(key="exp_new_design").set_value("sobol")
    at.run()
    at.number_input(key="exp_new_size").set_value(4)
    at.number_input(key="exp_new_reps").set_value(1)
    at.number_input(key="exp_new_consumers").set_value(200)
    at.number_input(key="exp_new_days").set_value(60)
    at.run()
    no_exceptions(at)
    assert any(c.value == "12 runs." for c in at.caption)  # N (d + 2) = 4 × 3
    at.button(key="exp_run").click()
    at.run()
    no_exceptions(at)
    assert list(_private_sweeps.glob("page-sobol-*.duckdb"))
    assert at.selectbox(key="exp_db").value.endswith(".duckdb")
    sobol = [d.value for d in at.dataframe if "S1" in d.value.columns]
    assert sobol and sobol[0]["parameter"].tolist() == ["policy.partner.share"]


def test_experiments_bad_input(open_page: AppOpener, no_exceptions: Callable) -> None:
    at = open_page("experiments")
    at.text_input(key="exp_new_name").set_value("no spaces allowed")
    at.run()
    no_exceptions(at)
    assert "name:" in errors(at)
    at.text_input(key="exp_new_name").set_value("ok")
    at.number_input(key="exp_new_size").set_value(200)
    at.run()
    assert "more than the 120" in errors(at)
    at.number_input(key="exp_new_size").set_value(5)
    at.number_input(key="exp_new_consumers").set_value(9_000)
    at.run()
    assert "population.consumers" in errors(at)
    at.radio(key="exp_source").set_value("Upload a results database")
    at.run()
    at.get("file_uploader")[0].set_value(("x.duckdb", b"not a database at all", "application/x"))
    at.run()
    no_exceptions(at)
    assert "not a DuckDB database" in errors(at)


# --------------------------------------------------------------------------- Classroom
def test_classroom_play_pause_step_reset(open_page: AppOpener, no_exceptions: Callable) -> None:
    from sim.dashboard import classroom

    at = open_page("classroom", query={"n": "400", "days": "120"})
    no_exceptions(at)
    layouts = classroom.LAYOUTS_COMPUTED[0]
    assert metrics(at)["Day"][0] == "0"
    assert len(at.get("imgs")) + len(at.get("image")) >= 1
    at.select_slider(key="cl_speed").set_value(5)
    at.button(key="cl_step").click()
    at.run()
    no_exceptions(at)
    assert metrics(at)["Day"][0] == "5"
    at.button(key="cl_play").click()
    at.run()  # the live view advances on every tick while playing
    day_playing = int(metrics(at)["Day"][0])
    assert day_playing == 10
    at.run()
    assert int(metrics(at)["Day"][0]) == 15
    at.button(key="cl_pause").click()
    at.run()
    at.run()
    paused = metrics(at)["Day"][0]
    at.run()
    assert metrics(at)["Day"][0] == paused
    assert int(metrics(at)["Active"][0].replace(",", "")) > 0
    at.button(key="cl_reset").click()
    at.run()
    assert metrics(at)["Day"][0] == "0"
    assert classroom.LAYOUTS_COMPUTED[0] == layouts  # the layout was computed once


def test_classroom_story_chapters(open_page: AppOpener, no_exceptions: Callable) -> None:
    at = open_page("classroom", query={"mode": "subsidy"})
    no_exceptions(at)
    assert metrics(at)["Day"][0] == "0"
    at.button(key="cl_next").click()
    at.run()
    no_exceptions(at)
    assert metrics(at)["Day"][0] == "40"
    assert any("Cheap groups spread" in m.value for m in at.markdown)
    at.radio(key="cl_chapter_subsidy").set_value("The subsidy stops")
    at.run()
    text = " ".join(m.value for m in at.markdown)
    assert "The subsidy stopped on day 90" in text
    assert at.query_params["chapter"] == "4"
    at.radio(key="cl_mode").set_value("partners")
    at.run()
    no_exceptions(at)
    assert any("A different deal" in m.value for m in at.markdown)


def test_classroom_bad_input(open_page: AppOpener, no_exceptions: Callable) -> None:
    at = open_page("classroom", query={"n": "5000"})
    no_exceptions(at)
    assert "at most 2,000" in errors(at)
    at = open_page("classroom", query={"n": "many"})
    no_exceptions(at)
    assert "n: must be a whole number" in errors(at)
