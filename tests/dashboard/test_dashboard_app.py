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

from sim.dashboard import core, flagship, kpiview, runs
from sim.dashboard.glossary import GLOSSARY

AppOpener = Callable[..., Any]
#: The subsidy stops on day 90 here (the classroom's clock; the shipped scenario: day 1095).
EARLY_SUBSIDY_END = {"shocks": [{"kind": "subsidy_end", "day": 90}]}


def metrics(at: Any) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def chart_specs(at: Any) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_data(chart: Any) -> list[pd.DataFrame]:
    """The datasets of a chart element (Streamlit ships them as Arrow IPC streams)."""
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]


def errors(at: Any) -> str:
    return " | ".join(e.value for e in at.error)


def text(at: Any) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


# --------------------------------------------------------------------------- Start
def test_start_shows_the_flagship_side_by_side_read_in_words(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("start")
    no_exceptions(at)
    job = flagship.job()
    assert job.wait(120) and job.error is None, job.error
    at.run()
    no_exceptions(at)
    subheaders = [h.value for h in at.subheader]
    assert {"Subsidy group buying", "Symbiotic partner"} <= set(subheaders)
    cards = metrics(at)
    assert "D90 retention" in cards and cards["D90 retention"][0].endswith("%")
    assert cards["D90 retention"][1].startswith("± ")  # each value with its interval
    words = text(at)
    assert "does better on" in words and "Rests on 2 seeds × 300 consumers × 150 days" in words
    for line in kpiview.plain_reading(job.result):  # the reading computed from these runs
        assert line in words
    tables = [t.value for t in at.table]
    assert any("D90 retention" in t.index for t in tables)  # KPIs in words ...
    assert not any("d90_retention" in t.index for t in tables)  # ... never snake_case
    glossary = next(t for t in tables if "拼团" in t.index)
    for term in ("拼团", "团长", "共生", "KOC", "私域", "GMV", "CAC", "LTV"):
        assert term in glossary.index
    assert len(chart_specs(at)) == 1


def test_docs_glossary_lists_every_term() -> None:
    from conftest import ROOT

    docs = (ROOT / "docs" / "dashboard.md").read_text()
    section = docs[docs.index("## Glossary") :]
    for term in GLOSSARY:
        assert f"**{term.term}**" in section, term.term


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
    # tabs are lazy: each shows its own charts when opened, and runs nothing
    expected = {"Customers": 2, "Cohorts": 2, "Money": 3, "Leaders": 1}
    for tab, n in expected.items():
        computed = runs.RUNS.computed
        at.session_state["ex_tab"] = tab
        at.run()
        no_exceptions(at)
        assert len(chart_specs(at)) == n, tab
        assert runs.RUNS.computed == computed  # opening a tab runs nothing
    at.session_state["ex_tab"] = "Data & downloads"
    at.run()
    labels = {b.label for b in at.get("download_button")}
    assert {"daily.csv", "daily.parquet", "kpis.csv", "scenario.yaml", "active.png"} <= labels
    assert "transactions.parquet" in labels  # the transaction log, one row per purchase
    # a damaged link: one message, and the default view (from the cache by now)
    damaged = open_page("explore", query={"set": "%%%", "scenario": "hybrid"})
    no_exceptions(damaged)
    assert "could not be opened" in errors(damaged)


def test_explore_levers_in_percent_change_the_results_and_the_url(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    before = metrics(at)
    slider = at.slider(key="lv:policy.group_buying.discount")
    assert slider.value == pytest.approx(35.0) and slider.label.endswith("(%)")  # not 0.35
    assert at.slider(key="lv:policy.partner.share").max == pytest.approx(20.0)  # 0–20%
    slider.set_value(5.0)
    at.toggle(key="lv:shocks.subsidy_end.on").set_value(False)
    at.run()
    no_exceptions(at)
    after = metrics(at)
    assert after["D90 retention"] != before["D90 retention"]
    assert after["Platform profit"] != before["Platform profit"]
    assert not any(k.startswith("Resilience: subsidy end") for k in after)  # shock removed
    encoded = core.unpack(at.query_params["set"])
    assert encoded["policy.group_buying.discount"] == 0.05  # the scenario keeps the fraction
    assert encoded["shocks"] == []
    assert at.subheader[0].value.endswith("(edited)")
    # a different scenario resets the levers to its own values
    at.selectbox(key="ex_scenario").set_value("symbiotic_partner")
    at.run()
    no_exceptions(at)
    assert at.slider(key="lv:policy.group_buying.discount").value == pytest.approx(10.0)
    assert at.query_params["scenario"] == "symbiotic_partner"


def test_explore_downloads_carry_the_edited_name(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    at.session_state["ex_tab"] = "Data & downloads"
    at.run()
    yaml_text = next(c.value for c in at.code if c.language == "yaml")
    assert "name: subsidy_group_buying-edited" in yaml_text  # the small size is an edit
    assert any("subsidy_group_buying-edited" in c.value for c in at.caption)
    no_exceptions(at)


def test_explore_shock_controls_add_a_marked_shock(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    at.toggle(key="lv:shocks.competitor_entry.on").set_value(True)
    at.run()
    at.number_input(key="lv:shocks.competitor_entry.day").set_value(100)
    at.run()
    no_exceptions(at)
    assert any(k.startswith("Resilience: competitor entry") for k in metrics(at))
    active = at.get("vega_lite_chart")[0]
    labels = {v for df in chart_data(active) if "shock" in df for v in df["shock"]}
    assert labels == {"Subsidy end", "Competitor entry"}  # both shocks are marked


def test_explore_shocks_tab_sets_each_shock_against_the_same_run_without_it(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    from sim.resilience import without_shock

    at = open_page("explore", query=small_query_long())
    at.session_state["ex_tab"] = "Shocks"
    at.run()
    no_exceptions(at)
    sc = at.session_state["ex_current"]
    run = runs.RUNS.peek(sc, 0)
    without = runs.RUNS.peek(without_shock(sc, 0), 0)
    assert run is not None and without is not None  # the library's counterfactual, cached
    day, h = sc.shocks[0].day, sc.observation.resilience_horizon
    # same market until the shock: the two runs agree on every day before it
    pd.testing.assert_series_equal(
        run.result.daily["active"].iloc[:day], without.result.daily["active"].iloc[:day]
    )
    a = int(run.result.daily["active"].iloc[day + h])
    b = int(without.result.daily["active"].iloc[day + h])
    words = text(at)
    assert f"{a:,} active customers with the shock, {b:,} without" in words
    assert run.result.kpis["resilience_subsidy_end_0"] == pytest.approx(a / b)
    assert "customer-days lost" in words
    card = metrics(at)["Resilience: subsidy end (shock 0)"]
    assert card[0] == f"{100 * a / b:.1f}%" and card[1].endswith("customer-days lost")
    chart = at.get("vega_lite_chart")[0]
    assert "the same run without it" in json.dumps(json.loads(chart.proto.spec))  # legend
    labels = {v for df in chart_data(chart) if "label" in df for v in df["label"]}
    assert f"read on day {day + h}" in labels


def small_query_long() -> dict[str, str]:
    """A small run long enough to read a shock on day 90 sixty days later."""
    return {
        "set": core.pack(
            {
                "population.consumers": 500,
                "days": 200,
                "observation.cohort_end": 30,
                "population.initial_aware": 0.05,
                **EARLY_SUBSIDY_END,
            }
        )
    }


def test_explore_cohort_views_come_from_the_library(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    at.session_state["ex_tab"] = "Cohorts"
    at.run()
    no_exceptions(at)
    run = runs.RUNS.peek(at.session_state["ex_current"], 0)
    heat, curves = at.get("vega_lite_chart")
    cells = next(df for df in chart_data(heat) if "rate" in df)
    expected = run.result.cohort_table("survival").long()
    assert len(cells) == len(expected)
    assert cells["n"].sum() == expected["n"].sum()  # the counts travel with the cells
    assert "customers observed" in json.dumps(json.loads(heat.proto.spec))
    assert "stated cohort: customers acquired on days 0–29" in text(at)
    at.segmented_control(key="ex_cohort_kind").set_value("activity")
    at.run()
    no_exceptions(at)
    heat = at.get("vega_lite_chart")[0]
    cells = next(df for df in chart_data(heat) if "rate" in df)
    act = run.result.cohort_table("activity").long()
    assert sorted(cells["rate"].round(9)) == sorted(act["rate"].round(9))


def test_explore_lever_panel_fills_in_from_the_background(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    from sim.dashboard import effects

    at = open_page("explore")
    at.session_state["ex_tab"] = "Which levers matter"
    at.run()
    no_exceptions(at)
    job = effects.start(at.session_state["ex_current"])
    assert job.wait(240) and job.error is None, job.error
    at.run()
    no_exceptions(at)
    words = text(at)
    assert (
        f"Rests on 2 seeds × 150 consumers × 60 days in {core.TOWN_TEXT}, paired by seed; "
        "its cohort: customers acquired on days 0–29, LTV over 30 days." in words
    )  # what it rests on
    assert "No clear effect on" in words  # levers without an effect are named, not hidden
    specs = json.dumps(chart_specs(at))
    assert "one step up" in specs and "within noise" in specs
    assert any("meant to move" in d.value.columns for d in at.dataframe)


def test_explore_unrelated_widgets_recompute_nothing(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")
    at.session_state["ex_tab"] = "Money"
    at.run()
    computed = runs.RUNS.computed
    money_before = [s for s in chart_specs(at) if "yuan per day" in json.dumps(s)]
    assert money_before
    at.slider(key="ex_money_window").set_value(14)
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    no_exceptions(at)
    assert runs.RUNS.computed == computed  # no simulation ran
    money_after = [s for s in chart_specs(at) if "yuan per day" in json.dumps(s)]
    assert money_after != money_before  # … yet the chart did change
    assert elapsed < 3.0  # generous: AppTest overhead on a loaded CI machine
    # going back to an earlier setting is a cache hit as well
    at.slider(key="lv:policy.group_buying.discount").set_value(20.0)
    at.run()
    at.slider(key="lv:policy.group_buying.discount").set_value(35.0)
    computed = runs.RUNS.computed
    at.run()
    assert runs.RUNS.computed == computed


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("lv:population.consumers", 100_000, "at most 50,000"),
        ("lv:population.consumers", 1, "population.consumers"),
        ("lv:days", 0, "days"),
        ("lv:network.mean_degree", -3.0, "network.mean_degree"),
        ("ex_seed", "-1", "seed"),
        ("ex_seed", "1e30", "seed: must be a whole number"),
        ("lv:shocks.subsidy_end.day", -5, "shocks.0.day"),
    ],
)
def test_explore_bad_input_shows_a_message_and_keeps_the_results(
    open_page: AppOpener, no_exceptions: Callable, key: str, value: Any, needle: str
) -> None:
    at = open_page("explore")
    shown = metrics(at)
    if key == "ex_seed":
        at.text_input(key=key).set_value(value)
    else:
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
        ref="none",  # ("loaded" would run the shipped hybrid at full size)
    )
    at = open_page("explore", query=state.to_params())
    no_exceptions(at)
    assert at.selectbox(key="ex_scenario").value == "hybrid"
    assert at.slider(key="lv:policy.partner.share").value == pytest.approx(12.0)
    assert at.text_input(key="ex_seed").value == "3"
    assert at.subheader[0].value == "hybrid (edited)"


# --------------------------------------------------------------------------- Compare
COMPARE_QUERY = {"consumers": "400", "days": "150", "seeds": "2"}


def test_compare_shows_bands_differences_and_reacts_to_controls(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("explore")  # so the Explore settings are on offer
    at.switch_page("views/compare.py")
    at.query_params = COMPARE_QUERY
    at.run()
    no_exceptions(at)
    table = at.table[0].value
    assert list(table.columns[:2]) == ["Subsidy group buying", "Symbiotic partner"]
    assert "Symbiotic partner − Subsidy group buying" in table.columns
    profit = table.loc["Platform profit", "Symbiotic partner"]
    assert "±" in profit and profit.startswith(("¥", "−¥"))  # in its unit
    assert table.loc["D90 retention", "Symbiotic partner"] == "—"  # 150 days: not observable
    assert "D30 needs at least 395 days" in text(at)  # ... and the page says why
    assert "CAC" in table.index and "cac" not in table.index
    specs = json.dumps(chart_specs(at))
    assert '"lo"' in specs and '"hi"' in specs  # confidence bands
    at.slider(key="cmp_seeds").set_value(3)
    at.multiselect(key="cmp_pick").set_value(["baseline", "symbiotic_partner", "hybrid"])
    at.button[0].click()  # the form's Compare button
    at.run()
    no_exceptions(at)
    table2 = at.table[0].value
    assert list(table2.columns[:3]) == ["Baseline", "Symbiotic partner", "Hybrid"]
    assert at.query_params["seeds"] == "3"
    # changing the plotted KPI recomputes nothing
    computed = runs.RUNS.computed
    at.selectbox(key="cmp_kpi").set_value("platform_profit")
    at.run()
    assert runs.RUNS.computed == computed
    # the Explore settings can join the comparison, and travel in the link
    explore = next(o for o in at.multiselect(key="cmp_pick").options if o.startswith("explore"))
    at.multiselect(key="cmp_pick").set_value(["baseline", explore])
    at.button[0].click()
    at.run()
    no_exceptions(at)
    assert "Subsidy group buying (explore)" in at.table[0].value.columns
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
def view_data(at: Any) -> dict[str, Any]:
    """What the Classroom sent its browser view (the component's JSON)."""
    return json.loads(at.get("bidi_component")[0].proto.json)


def test_classroom_sends_the_recorded_lesson_once(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    from sim.dashboard import classroom

    at = open_page("classroom", query={"n": "400", "days": "120"})
    no_exceptions(at)
    data = view_data(at)
    assert data["n"] == 400 and data["days"] == 120 and len(data["counts"]) == 121
    assert data["chapters"] == [] and data["texts"][0].startswith("Nothing has happened yet")
    recorded = classroom.RECORDED[0]
    at.run()  # a rerun (a pause, a click elsewhere) records nothing and sends the same view
    assert classroom.RECORDED[0] == recorded and view_data(at) == data


def test_classroom_action_continues_the_same_lesson_from_its_day(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("classroom", query={"n": "400", "days": "120"})
    before = view_data(at)
    at.session_state["cl_actions"] = [("stop_subsidy", 40)]  # what the view's button sends
    at.run()
    no_exceptions(at)
    after = view_data(at)
    assert after["base"] == before["base"] and after["run"] != before["run"]
    assert after["from_day"] == 40  # the picture goes on from the day the teacher acted
    assert after["changes"][:40] == before["changes"][:40]  # same market until then
    assert after["changes"][40:] != before["changes"][40:]
    assert "stop the subsidy on day 40" in text(at)
    at.button(key="cl_undo").click()
    at.run()
    undone = view_data(at)
    assert undone["base"] != before["base"] and undone["changes"] == before["changes"]


def test_classroom_story_opens_at_the_linked_chapter(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("classroom", query={"mode": "subsidy", "chapter": "4"})
    no_exceptions(at)
    data = view_data(at)
    assert [c[1] for c in data["chapters"]][3] == "The subsidy stops"
    assert data["start_day"] == 130
    assert "The subsidy stopped on day 90" in data["chapters"][3][2]
    assert at.query_params["chapter"] == "4"
    at.radio(key="cl_mode").set_value("partners")
    at.run()
    no_exceptions(at)
    assert view_data(at)["chapters"][0][1] == "A different deal"


def test_classroom_bad_input(open_page: AppOpener, no_exceptions: Callable) -> None:
    at = open_page("classroom", query={"n": "5000"})
    no_exceptions(at)
    assert "at most 2,000" in errors(at) and "symbiosim run subsidy_group_buying" in errors(at)
    assert "download" not in errors(at)  # the classroom has no download to point to
    at = open_page("classroom", query={"n": "many"})
    no_exceptions(at)
    assert "n: must be a whole number" in errors(at)
    at = open_page("classroom", query={"seed": "1e30"})
    no_exceptions(at)
    assert "seed: must be a whole number" in errors(at)


def test_classroom_tuned_policy_continues_from_its_day(
    open_page: AppOpener, no_exceptions: Callable
) -> None:
    at = open_page("classroom", query={"n": "400", "days": "120"})
    before = view_data(at)
    at.session_state["cl_tunes"] = [(30, "policy.group_buying.discount", 0.1)]  # the slider
    at.run()
    no_exceptions(at)
    after = view_data(at)
    assert after["base"] == before["base"] and after["run"] != before["run"]
    assert after["from_day"] == 30 and after["changes"][:30] == before["changes"][:30]
    disc = next(t for t in after["tunables"] if t["path"] == "policy.group_buying.discount")
    assert disc["changes"] == [[30, 10.0]]  # the slider shows 10% from day 30 on
    assert "group discount (depth) 10% from day 30" in text(at)
