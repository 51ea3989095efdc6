"""Explore: one scenario, its levers, KPI cards against a reference, charts, downloads."""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from sim import levers
from sim.dashboard import charts, core, ui
from sim.dashboard.core import (
    BUDGET_ON,
    BUDGET_PATH,
    GROUPS,
    LEVERS,
    REFERENCES,
    SHOCK_KINDS,
    SHOCK_LABELS,
    SHOCK_MAGNITUDE_HELP,
    ExploreState,
    shock_key,
)
from sim.scenario import Scenario, ScenarioError

PAGE = "explore"
SHIPPED, UPLOAD = "Shipped scenario", "Upload a scenario file"

ss = st.session_state
control_keys = list(core.controls_from_scenario(Scenario()))
widget_keys = ["ex_source", "ex_scenario", "ex_seed", "ex_ref", "ex_tab"]
widget_keys += ["ex_money_window", "ex_money_log"]
widget_keys += [f"lv:{k}" for k in control_keys]
ui.restore_widgets(PAGE, widget_keys)


def base_id(custom: dict | None, name: str) -> str:
    if custom is None:
        return f"shipped:{name}"
    digest = hashlib.sha1(json.dumps(custom, sort_keys=True).encode()).hexdigest()[:12]
    return f"custom:{digest}"


def set_controls(sc: Scenario) -> None:
    for k, v in core.controls_from_scenario(sc).items():
        ss[f"lv:{k}"] = v


# --------------------------------------------------------------------------- first visit: URL
if "ex_init" not in ss:
    ss.ex_init = True
    try:
        state = ExploreState.from_params(st.query_params.to_dict())
    except ScenarioError as err:
        st.error(f"The link could not be opened, so the default scenario is shown: {err}")
        state = ExploreState()
    ss.ex_source = UPLOAD if state.custom is not None else SHIPPED
    ss.ex_scenario = state.base_name or core.DEFAULT_SCENARIO
    ss.ex_custom = state.custom
    ss.ex_custom_name = "scenario from the link"
    ss.ex_seed = state.seed
    ss.ex_ref = state.ref
    base0 = state.base()
    ss.ex_base_id = base_id(state.custom, ss.ex_scenario)
    set_controls(base0.with_overrides(state.overrides) if state.overrides else base0)

st.title("Explore a scenario")
st.caption(
    "Pick a scenario, move the levers, read the KPIs against a reference run. Every run is "
    "cached by its settings, so going back to a setting you tried is instant."
)

# --------------------------------------------------------------------------- sidebar: source
sb = st.sidebar
sb.header("Scenario")
source = sb.radio("Start from", [SHIPPED, UPLOAD], key="ex_source", horizontal=True)
names = list(core.shipped())
custom = None
if source == SHIPPED:
    if ss.get("ex_scenario") not in names:
        ss.ex_scenario = core.DEFAULT_SCENARIO
    name = sb.selectbox("Scenario", names, key="ex_scenario")
    base = core.load_shipped(name)
    sb.caption(core.shipped()[name])
else:
    name = ss.get("ex_scenario", core.DEFAULT_SCENARIO)
    upload = sb.file_uploader(
        "Scenario file (YAML, at most 200 KB)",
        type=["yaml", "yml"],
        key="ex_upload",
        max_upload_size=1,  # MB, enforced by Streamlit; parse_upload's 200 KB cap explains itself
        help="Parsed with safe YAML loading. 'base:' may name a shipped scenario; file paths "
        "(a base file, a network file) are not accepted.",
    )
    if upload is not None and ss.get("ex_upload_id") != upload.file_id:
        ss.ex_upload_id = upload.file_id
        with ui.input_errors(sb) as failed:
            parsed = core.parse_upload(upload.getvalue(), upload.name)
        if not failed:
            ss.ex_custom = core.custom_diff(parsed)
            ss.ex_custom_name = upload.name
    custom = ss.get("ex_custom")
    if custom is None:
        st.info(
            "Upload a scenario file in the sidebar (the **Data & downloads** tab of any run "
            "gives you one to start from), or switch back to a shipped scenario."
        )
        ui.remember_widgets(PAGE, widget_keys)
        st.stop()
    base = Scenario().with_overrides(custom)
    sb.caption(f"Uploaded: {ss.get('ex_custom_name', 'scenario')} — “{base.name}”")

bid = base_id(custom, name)
if ss.get("ex_base_id") != bid:  # a new base scenario: the levers start from its values
    ss.ex_base_id = bid
    set_controls(base)
for k, v in core.controls_from_scenario(base).items():  # controls lost on a page change
    ss.setdefault(f"lv:{k}", v)

sb.number_input("Seed", step=1, key="ex_seed", help="Same scenario and seed → same run.")
sb.selectbox(
    "Compare KPIs against",
    list(REFERENCES),
    format_func=REFERENCES.get,
    key="ex_ref",
)
sb.button(
    "Reset levers to the scenario",
    icon=":material/restart_alt:",
    on_click=set_controls,
    args=(base,),
    key="ex_reset",
)


# --------------------------------------------------------------------------- sidebar: levers
def lever_widget(lv: core.Lever) -> None:
    key = f"lv:{lv.path}"
    helptext = lv.description or None
    if lv.kind == "bool":
        st.toggle(lv.label, key=key, help=helptext)
    elif lv.kind == "choice":
        st.selectbox(lv.label, list(lv.options), key=key, help=helptext)
    elif lv.kind == "float" and lv.unit == "%" and lv.lo is not None and lv.hi is not None:
        value = float(ss[key])  # a value outside the offered range widens it (never clamped)
        step = float(lv.step or 0.01)
        fmt = "%.3f" if step < 0.01 else "%.2f"
        lo, hi = min(float(lv.lo), value), max(float(lv.hi), value)
        st.slider(lv.label, lo, hi, step=step, format=fmt, key=key, help=helptext)
    elif lv.kind == "int":
        st.number_input(lv.label, step=int(lv.step or 1), key=key, help=helptext)
    else:
        st.number_input(lv.label, step=float(lv.step or 0.1), key=key, help=helptext)


sb.header("Levers")
for i, group in enumerate(GROUPS):
    with sb.expander(group, expanded=i < 3):
        for lv in LEVERS:
            if lv.group == group:
                lever_widget(lv)
        if group == levers.MARKET:
            st.caption(
                f"Up to {core.MAX_CONSUMERS:,} consumers here; larger populations run from "
                "the command line (`symbiosim run`)."
            )
        if group == levers.GROUP_BUYING:
            st.toggle("Limited subsidy budget", key=f"lv:{BUDGET_ON}")
            if ss[f"lv:{BUDGET_ON}"]:
                st.number_input(
                    "Subsidy budget (yuan)",
                    step=10_000.0,
                    key=f"lv:{BUDGET_PATH}",
                    help=core.field_description(BUDGET_PATH),
                )
            st.toggle("Subsidies end", key=f"lv:{shock_key('subsidy_end', 'on')}")
            if ss[f"lv:{shock_key('subsidy_end', 'on')}"]:
                st.number_input(
                    "Subsidy end day",
                    step=10,
                    key=f"lv:{shock_key('subsidy_end', 'day')}",
                    help="Platform-funded discounts and coupons stop on this day.",
                )

with sb.expander("Shocks", expanded=False):
    for kind in SHOCK_KINDS[1:]:
        st.toggle(SHOCK_LABELS[kind], key=f"lv:{shock_key(kind, 'on')}")
        if ss[f"lv:{shock_key(kind, 'on')}"]:
            c1, c2, c3 = st.columns(3)
            c1.number_input("day", step=10, key=f"lv:{shock_key(kind, 'day')}")
            c2.number_input(
                "lasts (0 = for good)",
                step=10,
                key=f"lv:{shock_key(kind, 'duration')}",
            )
            c3.number_input(
                "size",
                step=0.05,
                key=f"lv:{shock_key(kind, 'magnitude')}",
                help=SHOCK_MAGNITUDE_HELP[kind],
            )

# --------------------------------------------------------------------------- resolve
controls = {k: ss[f"lv:{k}"] for k in control_keys}
with ui.input_errors() as failed:
    overrides = core.overrides_from_controls(base, controls)
    sc = core.apply_overrides(base, overrides)
    seed = core.check_seed(ss.ex_seed)
if failed:
    if "ex_last_good" not in ss:
        ui.remember_widgets(PAGE, widget_keys)
        st.stop()
    sc, seed = ss.ex_last_good
    st.info("The results below are for the last valid settings.", icon=":material/history:")
else:
    ss.ex_last_good = (sc, seed)
    ss.ex_current = sc  # offered on the Compare page
    state = ExploreState(
        base_name=None if custom is not None else name,
        custom=custom,
        overrides=overrides,
        seed=seed,
        ref=ss.ex_ref,
    )
    ui.sync_query_params(state.to_params())
for w in core.shock_warnings(sc):
    st.warning(w, icon=":material/warning:")

# --------------------------------------------------------------------------- compute
# The run is shown as soon as it exists; a reference run that is not cached yet is computed
# after the page is drawn (then the page redraws with the differences), so a click that
# needs two new runs puts the first on screen after one.
was_cached = (sc, seed) in core.RUNS
with st.spinner(f"Simulating {sc.population.consumers:,} consumers × {sc.days} days…"):
    run = core.run_cached(sc, seed)
if not was_cached:
    ss.ex_fresh = run.key  # the redraw after the reference run must not say "from the cache"
from_cache = was_cached and ss.get("ex_fresh") != run.key
ref_sc = None
ref_note = ""
if ss.ex_ref == "baseline":
    ref_sc = core.baseline_reference(sc)
    ref_note = "Differences: against the no-program baseline in the same market."
elif ss.ex_ref == "loaded":
    try:
        core.check_limits(base)
        ref_sc = base
        ref_note = f"Differences: against “{base.name}” as loaded, before your changes."
    except ScenarioError as err:
        st.warning(f"No reference run: {err}")
ref = core.RUNS.peek(ref_sc, seed) if ref_sc is not None else None
if ref_sc is not None and ref is None:
    ref_note = "Computing the reference run for the differences…"

st.subheader(sc.name)
if sc.description:
    st.caption(sc.description)
st.caption(
    f"{sc.population.consumers:,} consumers × {sc.days} days, seed {seed} · simulated in "
    f"{run.seconds:.2f} s" + (" · from the cache" if from_cache else "") + f" · {ref_note}"
)

# --------------------------------------------------------------------------- KPI cards
cards = core.kpi_cards(run, ref)
n_main = len(core.CARD_KPIS)
rows = [cards[:n_main]] + [
    cards[n_main + k : n_main + k + 3] for k in range(0, len(cards) - n_main, 3)
]  # resilience cards (one per shock) below, wide enough for their labels
for row in rows:
    cols = st.columns(4 if row is rows[0] else 3)
    for col, card in zip(cols, row, strict=False):
        col.metric(
            card.label,
            card.value,
            delta=card.delta if card.delta not in (None, "—") else None,
            delta_color="normal" if card.higher_is_better else "inverse",
            help=card.help or None,
            border=True,
        )

# --------------------------------------------------------------------------- charts
ref_key = ref.key if ref is not None else None
# Lazy tabs: only the open tab is built and sent, so the browser draws two charts, not six.
t_customers, t_cohorts, t_money, t_leaders, t_data = st.tabs(
    ["Customers", "Cohorts", "Money", "Leaders", "Data & downloads"],
    key="ex_tab",
    on_change="rerun",
)
if t_customers.open is not False:
    with t_customers:
        c1, c2 = st.columns(2)
        with c1:
            st.markdown("**Active customers** — dashed lines mark shocks")
            ui.chart(("active", run.key, ref_key), lambda: charts.active_chart(run, ref))
        with c2:
            st.markdown("**Retention** — share active from a repeat purchase, by customer age")
            ui.chart(
                ("retention", run.key, ref_key),
                lambda: charts.retention_chart([run] + ([ref] if ref is not None else [])),
            )
if t_cohorts.open:
    with t_cohorts:
        st.markdown(
            "**Cohort retention** — share of each month's new customers buying in later months"
        )
        ui.chart(("cohorts", run.key), lambda: charts.cohort_chart(run))
if t_money.open:
    with t_money:
        c1, c2 = st.columns([3, 2])
        with c1:
            w1, w2 = st.columns(2)
            ss.setdefault("ex_money_window", 7)
            ss.setdefault("ex_money_log", True)
            window = w1.slider("Smoothing (days)", 1, 30, key="ex_money_window")
            log = w2.toggle("Log scale", key="ex_money_log")
            st.markdown("**Money flows** — who pays (solid) and who earns (dashed), yuan per day")
            ui.chart(("money", run.key, window, log), lambda: charts.money_chart(run, window, log))
        with c2:
            st.markdown("**Over the whole run**")
            ui.chart(("money_totals", run.key), lambda: charts.money_totals_chart(run))
if t_leaders.open:
    with t_leaders:
        lead = run.leaders
        st.markdown(
            f"**Leader income** — {int(lead['active'].sum())} of {len(lead)} leaders still working "
            f"at the end; a leader quits when income stays below half the outside wage."
        )
        if sc.policy.leaders.enabled:
            ui.chart(("leaders", run.key), lambda: charts.leader_income_chart(run))
        else:
            st.info("Community leaders are switched off in this scenario (Levers → Leaders).")
if t_data.open:
    with t_data:
        st.markdown("**Hand it on** — the series, the KPIs, the figures and the scenario itself.")
        stem = f"{sc.name}-seed{seed}"
        c1, c2, c3 = st.columns(3)
        with c1:
            st.markdown("Daily series")
            ui.download(
                "daily.csv", lambda: core.daily_csv(run), f"{stem}-daily.csv", "text/csv", "dl_dcsv"
            )
            ui.download(
                "daily.parquet",
                lambda: core.daily_parquet(run),
                f"{stem}-daily.parquet",
                "application/vnd.apache.parquet",
                "dl_dpq",
            )
            st.markdown("KPIs")
            ui.download(
                "kpis.csv", lambda: core.kpis_csv(run), f"{stem}-kpis.csv", "text/csv", "dl_kcsv"
            )
            ui.download(
                "kpis.parquet",
                lambda: core.kpis_parquet(run),
                f"{stem}-kpis.parquet",
                "application/vnd.apache.parquet",
                "dl_kpq",
            )
        with c2:
            st.markdown("Figures (PNG)")
            for which in core.FIGURES:
                ui.download(
                    f"{which}.png",
                    lambda which=which: core.figure_png(run, which),
                    f"{stem}-{which}.png",
                    "image/png",
                    f"dl_png_{which}",
                )
        with c3:
            st.markdown("Scenario")
            ui.download(
                "scenario.yaml", sc.to_yaml(), f"{sc.name}.yaml", "application/x-yaml", "dl_yaml"
            )
            st.caption(
                f"Run it from a terminal: `symbiosim run {sc.name}.yaml --seed {seed}` — "
                "any population size."
            )
            st.markdown("Link to this view")
            if not failed:
                st.code(ui.share_link(state.to_params()), language=None, wrap_lines=True)
        with st.expander("Scenario YAML"):
            st.code(sc.to_yaml(), language="yaml")
        with st.expander("KPIs (all)"):
            st.dataframe(core.kpi_table(run), width="stretch")

ui.remember_widgets(PAGE, widget_keys)
if ref_sc is not None and ref is None:  # now the reference, then redraw with differences
    with st.spinner("Running the reference for the differences…"):
        core.run_cached(ref_sc, seed)
    st.rerun()
