"""Compare: two or more scenarios over K seeds, with 95% bands and paired differences."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from sim.dashboard import charts, core, kpiview, runs, ui
from sim.scenario import Scenario, ScenarioError

PAGE = "compare"
EXPLORE = "explore (your current Explore settings)"
DEFAULT_PICK = ["subsidy_group_buying", "symbiotic_partner"]
DEFAULT_SEEDS, DEFAULT_CONSUMERS, DEFAULT_DAYS = 5, 2_000, 730  # the shipped horizon
MAX_CONSUMER_DAYS = 400_000_000  # ≈ a minute or two of simulation on a laptop

ss = st.session_state
widget_keys = ["cmp_pick", "cmp_seeds", "cmp_consumers", "cmp_days", "cmp_kpi"]
ui.restore_widgets(PAGE, widget_keys)
names = list(core.shipped())
options = names + ([EXPLORE] if "ex_current" in ss else [])

# --------------------------------------------------------------------------- first visit: URL
if "cmp_init" not in ss:
    ss.cmp_init = True
    q = st.query_params.to_dict()
    pick = [p for p in q.get("scenarios", "").split(",") if p] or DEFAULT_PICK
    bad = [p for p in pick if p not in names]
    if bad:
        st.error(
            f"scenarios: unknown shipped scenario(s) {', '.join(bad)} in the link "
            f"(choose from: {', '.join(names)}); the default comparison is shown."
        )
        pick = DEFAULT_PICK
    if "x" in q:
        try:
            ss.cmp_link_explore = Scenario().with_overrides(core.unpack(q["x"], "x"))
            options = [*names, EXPLORE]
            pick = [*pick, EXPLORE]
        except ScenarioError as err:
            st.error(f"The scenario in the link could not be opened: {err}")
    ss.cmp_pick = pick
    for key, param, default in (
        ("cmp_seeds", "seeds", DEFAULT_SEEDS),
        ("cmp_consumers", "consumers", DEFAULT_CONSUMERS),
        ("cmp_days", "days", DEFAULT_DAYS),
    ):
        try:
            ss[key] = int(q.get(param, default))
        except ValueError:
            st.error(f"{param}: must be a whole number (got {q[param]!r}); using {default}.")
            ss[key] = default
if "cmp_link_explore" in ss and EXPLORE not in options:
    options.append(EXPLORE)
ss.cmp_pick = [p for p in ss.get("cmp_pick", DEFAULT_PICK) if p in options]

st.subheader("Compare scenarios", anchor=False)
st.caption(
    "Every scenario runs with the same seeds (common random numbers), so differences are "
    "paired seed by seed. Bands and ± values are 95% confidence intervals over seeds."
)

# --------------------------------------------------------------------------- inputs
with st.sidebar.form("cmp_form"):
    st.multiselect(
        "Scenarios (two or more; the first is the reference for differences)",
        options,
        key="cmp_pick",
        max_selections=core.MAX_COMPARE_SCENARIOS,
    )
    st.slider("Seeds (K)", 1, core.MAX_COMPARE_SEEDS, key="cmp_seeds")
    st.number_input("Consumers (all scenarios)", step=500, key="cmp_consumers")
    st.number_input("Days", step=30, key="cmp_days")
    st.form_submit_button("Compare", type="primary", icon=":material/play_arrow:")


def resolve(pick: list[str], consumers: int, days: int) -> list[Scenario]:
    """The chosen scenarios at the common size, each within the page limits."""
    if len(pick) < 2:
        raise ScenarioError("scenarios: choose at least two scenarios to compare")
    out = []
    for p in pick:
        if p == EXPLORE:
            sc = ss.get("ex_current") or ss.get("cmp_link_explore")
            if sc is None:
                raise ScenarioError("scenarios: open Explore first to compare its settings")
            sc = sc.with_overrides({"name": f"{sc.name} (explore)"})
        else:
            sc = core.load_shipped(p)
        sc = sc.with_overrides({"population.consumers": consumers, "days": days})
        core.check_limits(sc)
        out.append(sc)
    return out


# widgets in a form change only on submit, so this is the last submitted selection
config = (tuple(ss.cmp_pick), ss.cmp_seeds, ss.cmp_consumers, ss.cmp_days)
with ui.input_errors() as failed:
    scenarios = resolve(list(config[0]), int(config[2]), int(config[3]))
    seeds = list(range(int(config[1])))
    work = sum(s.population.consumers * s.days for s in scenarios) * len(seeds)
    if work > MAX_CONSUMER_DAYS:
        raise ScenarioError(
            f"comparison: {len(scenarios)} scenarios × {len(seeds)} seeds × "
            f"{config[2]:,} consumers × {config[3]} days is too much for this page; reduce "
            "them, or run `symbiosim compare A.yaml B.yaml --seeds K --consumers N` from a terminal"
        )
if failed:
    ui.remember_widgets(PAGE, widget_keys)
    st.stop()

params = {
    "scenarios": ",".join(p for p in config[0] if p != EXPLORE),
    "seeds": str(config[1]),
    "consumers": str(config[2]),
    "days": str(config[3]),
}
if EXPLORE in config[0]:
    explore_sc = ss.get("ex_current") or ss.get("cmp_link_explore")
    if explore_sc is not None:
        params["x"] = core.pack(core.custom_diff(explore_sc))
ui.sync_query_params(params)

bar = st.progress(0.0, text="Running…")


def on_progress(done: int, total: int, name: str) -> None:
    bar.progress(done / total, text=f"{done}/{total} runs · {name}")


compared = runs.compare_cached(scenarios, seeds, progress=on_progress)
bar.empty()
names_run = compared.names
run_keys = tuple(r.key for rs in compared.runs.values() for r in rs)
kpis = compared.comparison.kpis
keys = list(kpiview.HEADLINE_KPIS)
long = runs.comparison_long(compared, keys)

# --------------------------------------------------------------------------- headline
c1, c2 = st.columns(2)
with c1:
    st.markdown("**Active customers** — mean over seeds with its 95% band")
    ui.chart(
        ("cmp_active", run_keys), lambda: charts.band_chart(runs.series_bands(compared), names_run)
    )
with c2:
    st.markdown(f"**Difference to {names_run[0]}** — paired by seed, 95% band")
    ui.chart(
        ("cmp_diff", run_keys),
        lambda: charts.diff_chart(
            pd.concat(
                [runs.diff_band(compared, names_run[0], other) for other in names_run[1:]],
                ignore_index=True,
            )
        ),
    )

st.markdown("**KPIs** — mean ± 95% CI over seeds; differences paired by seed")
st.table(kpiview.comparison_table(compared, keys))
note = kpiview.cohort_note(scenarios[0])
if note:
    st.caption(note)

c1, c2 = st.columns(2)
with c1:
    plotted = list(dict.fromkeys(long["kpi"]))
    ss.setdefault("cmp_kpi", "d90_retention")
    if ss.cmp_kpi not in plotted:
        ss.cmp_kpi = plotted[0]
    kpi_key = st.selectbox("KPI to plot", plotted, format_func=kpiview.kpi_title, key="cmp_kpi")
    ui.chart(("cmp_kpi", run_keys, kpi_key), lambda: charts.kpi_dot_chart(long, kpi_key, names_run))
with c2:
    st.markdown("**Retention curves** — mean over seeds with its 95% band")
    ui.chart(
        ("cmp_retention", run_keys),
        lambda: charts.band_chart(
            runs.retention_bands(compared),
            names_run,
            x="age",
            y_title="share surviving",
            unit="share",
        ),
    )

# --------------------------------------------------------------------------- downloads
with st.expander("Downloads"):
    c1, c2, c3 = st.columns(3)
    with c1:
        ui.download(
            "kpis_by_seed.csv",
            kpis.to_csv(index=False),
            "kpis_by_seed.csv",
            "text/csv",
            "cmp_dl_kcsv",
        )

        def kpis_parquet() -> bytes:
            buf = io.BytesIO()
            kpis.to_parquet(buf, index=False)
            return buf.getvalue()

        ui.download(
            "kpis_by_seed.parquet",
            kpis_parquet,
            "kpis_by_seed.parquet",
            "application/vnd.apache.parquet",
            "cmp_dl_kpq",
        )
    with c2:
        ui.download(
            "comparison.csv",
            long.to_csv(index=False),
            "comparison.csv",
            "text/csv",
            "cmp_dl_table",
        )
        ui.download(
            "active_bands.csv",
            runs.series_bands(compared).to_csv(index=False),
            "active_bands.csv",
            "text/csv",
            "cmp_dl_bands",
        )
    with c3:
        ui.download(
            "comparison_active.png",
            lambda: runs.comparison_png(compared),
            "comparison_active.png",
            "image/png",
            "cmp_dl_png",
        )
        st.caption(
            "Or from a terminal: `symbiosim compare "
            + " ".join(f"{s.name}.yaml" for s in scenarios)
            + f" --seeds {len(seeds)} --consumers {scenarios[0].population.consumers}`"
        )

ui.remember_widgets(PAGE, widget_keys)
