"""Explore: one scenario, its levers, KPI cards against a reference, charts, downloads."""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from sim import levers
from sim.dashboard import charts, core, effects, kpiview, money, runs, ui
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
from sim.kpis import kpi
from sim.scenario import Scenario, ScenarioError
from sim.shocks import SHOCKS

PAGE = "explore"
SHIPPED, UPLOAD = "Shipped scenario", "Upload a scenario file"
TABS = [
    "Customers",
    "Cohorts",
    "Money",
    "Shocks",
    "Which levers matter",
    "Leaders",
    "Data & downloads",
]

ss = st.session_state
control_keys = list(core.controls_from_scenario(Scenario()))
widget_keys = ["ex_source", "ex_scenario", "ex_seed", "ex_ref", "ex_tab"]
widget_keys += ["ex_money_window", "ex_effect_kpi", "ex_cohort_kind"]
widget_keys += [f"lv:{k}" for k in control_keys]
ui.restore_widgets(PAGE, widget_keys)


def base_id(custom: dict | None, name: str) -> str:
    if custom is None:
        return f"shipped:{name}"
    digest = hashlib.sha1(json.dumps(custom, sort_keys=True).encode()).hexdigest()[:12]
    return f"custom:{digest}"


def set_controls(sc: Scenario, reset_extra: bool = False) -> None:
    for k, v in core.controls_from_scenario(sc).items():
        ss[f"lv:{k}"] = v
    if reset_extra:
        ss.ex_extra = {}


# --------------------------------------------------------------------------- first visit: URL
if "ex_init" not in ss:
    ss.ex_init = True
    try:
        state = ExploreState.from_params(st.query_params.to_dict())
    except ScenarioError as err:
        # kept until the view changes: the page may redraw (a reference run) before it is read
        ss.ex_link_error = f"The link could not be opened, so the default scenario is shown: {err}"
        state = ExploreState()
    ss.ex_source = UPLOAD if state.custom is not None else SHIPPED
    ss.ex_scenario = state.base_name or core.DEFAULT_SCENARIO
    ss.ex_custom = state.custom
    ss.ex_custom_name = "scenario from the link"
    ss.ex_seed = str(state.seed)
    ss.ex_ref = state.ref
    base0 = state.base()
    ss.ex_base_id = base_id(state.custom, ss.ex_scenario)
    ss.ex_extra = core.extra_overrides(state.overrides)
    set_controls(base0.with_overrides(state.overrides) if state.overrides else base0)

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
    ss.ex_extra = {}
    set_controls(base)
for k, v in core.controls_from_scenario(base).items():  # controls lost on a page change
    ss.setdefault(f"lv:{k}", v)

sb.text_input(
    "Seed",
    key="ex_seed",
    help=f"A whole number from 0 to {core.MAX_SEED:,}. Same scenario and seed → same run.",
)
sb.selectbox("Compare KPIs against", list(REFERENCES), format_func=REFERENCES.get, key="ex_ref")
sb.button(
    "Reset levers to the scenario",
    icon=":material/restart_alt:",
    on_click=set_controls,
    args=(base, True),
    key="ex_reset",
)


# --------------------------------------------------------------------------- sidebar: levers
def lever_widget(lv: core.Lever) -> None:
    key = f"lv:{lv.path}"
    helptext = lv.description or ""
    if lv.moves:
        helptext += f"\n\nMeant to move: {lv.moves}."
    label = core.widget_label(lv)
    fmt = core.widget_format(lv)
    if lv.kind == "bool":
        st.toggle(lv.label, key=key, help=helptext or None)
    elif lv.kind == "choice":
        st.selectbox(lv.label, list(lv.options), key=key, help=helptext or None)
    elif lv.kind == "float" and lv.unit == "%" and lv.lo is not None and lv.hi is not None:
        value = float(ss[key])  # a value outside the offered range widens it (never clamped)
        step = core.to_widget(lv, float(lv.step or 0.01))
        lo, hi = min(core.to_widget(lv, lv.lo), value), max(core.to_widget(lv, lv.hi), value)
        st.slider(label, float(lo), float(hi), step=float(step), format=fmt, key=key, help=helptext)
    elif lv.kind == "int":
        st.number_input(label, step=int(lv.step or 1), key=key, help=helptext or None)
    else:
        step = float(core.to_widget(lv, lv.step or 0.1))
        st.number_input(label, step=step, format=fmt, key=key, help=helptext or None)


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
                    "Subsidy budget (¥)",
                    step=10_000.0,
                    format="%.0f",
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
        st.toggle(SHOCK_LABELS[kind], key=f"lv:{shock_key(kind, 'on')}", help=SHOCKS[kind].help)
        if ss[f"lv:{shock_key(kind, 'on')}"]:
            c1, c2, c3 = st.columns(3)
            c1.number_input("day", step=10, key=f"lv:{shock_key(kind, 'day')}")
            c2.number_input(
                "lasts (days; 0 = for good)",
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
    extra = ss.get("ex_extra") or {}  # a link's settings no control shows, kept
    overrides = {**extra, **core.overrides_from_controls(base.with_overrides(extra), controls)}
    sc = core.apply_overrides(base, overrides)
    seed = core.check_seed(ss.ex_seed)
if failed:
    if "ex_last_good" not in ss:
        ui.remember_widgets(PAGE, widget_keys)
        st.stop()
    sc, seed, overrides = ss.ex_last_good
    st.info("The results below are for the last valid settings.", icon=":material/history:")
else:
    ss.ex_last_good = (sc, seed, overrides)
    link_error = ss.get("ex_link_error")
    if link_error:
        params = ExploreState(
            base_name=None if custom is not None else name,
            custom=custom,
            overrides=overrides,
            seed=seed,
            ref=ss.ex_ref,
        ).to_params()
        if ss.setdefault("ex_link_error_view", params) == params:
            st.error(link_error)
        else:
            ss.ex_link_error = None
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
was_cached = (sc, seed) in runs.RUNS
with st.spinner(f"Simulating {sc.population.consumers:,} consumers × {sc.days} days…"):
    run = runs.run_cached(sc, seed)
if not was_cached:
    ss.ex_fresh = run.key  # the redraw after the reference run must not say "from the cache"
from_cache = was_cached and ss.get("ex_fresh") != run.key
ref_sc = None
ref_note = ""
if ss.ex_ref == "baseline":
    ref_sc = core.baseline_reference(sc)
    ref_note = "differences against the no-program baseline in the same market"
elif ss.ex_ref == "loaded":
    try:
        core.check_limits(base)
        ref_sc = base
        ref_note = f"differences against “{base.name}” as loaded, before your changes"
    except ScenarioError as err:
        st.warning(f"No reference run: {err}")
ref = runs.RUNS.peek(ref_sc, seed) if ref_sc is not None else None
if ref_sc is not None and ref is None:
    ref_note = "computing the reference run for the differences…"

edited = bool(overrides)
st.subheader(sc.name + (" (edited)" if edited else ""), anchor=False)
st.caption(
    f"{sc.population.consumers:,} consumers × {sc.days} days, seed {seed} · simulated in "
    f"{run.seconds:.2f} s" + (" · from the cache" if from_cache else "") + f" · {ref_note}"
)

# --------------------------------------------------------------------------- KPI cards
cards = kpiview.kpi_cards(run, ref)
per_row = len(kpiview.CARD_KPIS) + min(2, max(0, len(cards) - len(kpiview.CARD_KPIS)))
rows = [cards[k : k + per_row] for k in range(0, len(cards), per_row)]
for row in rows:
    cols = st.columns(per_row)
    for col, card in zip(cols, row, strict=False):
        col.metric(
            card.label,
            card.value,
            delta=card.delta if card.delta not in (None, "—") else None,
            delta_color="off"
            if card.neutral
            else ("normal" if card.higher_is_better else "inverse"),
            delta_arrow="off" if card.neutral else "auto",
            help=card.help or None,
            border=True,
        )

# --------------------------------------------------------------------------- charts
ref_key = ref.key if ref is not None else None
# Lazy tabs: only the open tab is built and sent, so the browser draws two charts, not six.
tabs = dict(zip(TABS, st.tabs(TABS, key="ex_tab", on_change="rerun"), strict=True))
if tabs["Customers"].open is not False:
    with tabs["Customers"]:
        c1, c2 = st.columns(2)
        with c1:
            st.markdown("**Active customers** — dashed lines mark shocks; hover for values")
            ui.chart(("active", run.key, ref_key), lambda: charts.active_chart(run, ref))
        with c2:
            st.markdown(
                "**Survival** — share of customers with no 30-day gap yet, by age; "
                "band: 95% interval"
            )
            ui.chart(
                ("retention", run.key, ref_key),
                lambda: charts.retention_chart([run] + ([ref] if ref is not None else [])),
            )
if tabs["Cohorts"].open:
    with tabs["Cohorts"]:
        obs = sc.observation
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        ss.setdefault("ex_cohort_kind", "survival")
        kind = (
            c2.segmented_control(
                "Count",
                ["survival", "activity"],
                format_func={
                    "survival": "Survival (no 30-day gap yet)",
                    "activity": "Activity (bought in the last 30 days)",
                }.get,
                key="ex_cohort_kind",
            )
            or "survival"
        )
        c1.markdown(
            f"**Cohorts** — each {obs.cohort_unit}'s new customers, followed by age. The "
            f"D_k cards read survival of the stated cohort: customers acquired on days "
            f"{obs.cohort_start}–{obs.cohort_end - 1}."
        )
        h1, h2 = st.columns([3, 2])
        with h1:
            ui.chart(("cohorts", run.key, kind), lambda: charts.cohort_chart(run, kind))
        with h2:
            ui.chart(
                ("cohort_curves", run.key, kind), lambda: charts.cohort_curves_chart(run, kind)
            )
        st.caption(
            "A cell is shown only when every customer its cohort can hold is observed at that "
            "age; hover for the counts and the 95% interval (sim.analytics.cohorts)."
        )
if tabs["Money"].open:
    with tabs["Money"]:
        net = money.platform_net_total(run)
        st.markdown(
            f"**Who pays and who earns over the run** — the platform's net: "
            f"{kpi('platform_profit').format(net)}"
        )
        c1, c2 = st.columns(2)
        with c1:
            ui.chart(("money_pays", run.key), lambda: charts.money_side_chart(run, money.PAYS))
        with c2:
            ui.chart(("money_earns", run.key), lambda: charts.money_side_chart(run, money.EARNS))
        ss.setdefault("ex_money_window", 7)
        m1, m2 = st.columns([3, 1], vertical_alignment="bottom")
        m1.markdown(
            "**The platform's money per day** — income above zero, costs below, the net in black"
        )
        window = m2.slider("Smoothing (days)", 1, 30, key="ex_money_window")
        ui.chart(
            ("money_daily", run.key, window),
            lambda: charts.platform_money_chart(run, window),
        )
if tabs["Shocks"].open:
    with tabs["Shocks"]:
        if not sc.shocks:
            st.info("No shocks in this scenario (sidebar → Shocks, or Subsidies end).")
        table = run.result.resilience
        for i, s in enumerate(sc.shocks):
            label = SHOCKS[s.kind].label
            row = table.iloc[i] if table is not None else None
            if s.day >= sc.days or row is None:
                st.markdown(f"**{label} on day {s.day}**: after the last day, no effect.")
                continue
            without = runs.counterfactual(run, i)
            k = kpi(f"resilience_{s.kind}_{i}")
            if kpiview.finite(row["resilience"]):
                reading = (
                    f"On day {s.day + int(row['horizon'])}: {row['active']:,.0f} active customers "
                    f"with the shock, {row['counterfactual']:,.0f} without — "
                    f"{k.format(row['resilience'])} of the counterfactual; "
                    f"{row['gap']:,.0f} customer-days lost over {int(row['horizon'])} days."
                )
            else:
                reading = "The run ends before the resilience horizon."
            st.markdown(
                f"**{label} on day {s.day}** — against the same run without it (same seed, "
                f"same market until day {s.day}). {reading}"
            )
            st.caption(f"{k.label}: {k.definition}")
            ui.chart(
                ("counterfactual", run.key, without.key, i),
                lambda without=without, i=i: charts.counterfactual_chart(run, without, i),
            )
if tabs["Which levers matter"].open:
    with tabs["Which levers matter"]:
        job = effects.start(sc)
        options = list(dict.fromkeys([*kpiview.CARD_KPIS, *kpiview.HEADLINE_KPIS]))
        ss.setdefault(
            "ex_effect_kpi", "d90_retention" if "d90_retention" in options else options[0]
        )

        @st.fragment(run_every=1.5 if not job.ready else None)
        def lever_panel() -> None:
            table = effects.effects_table(sc, options)
            c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
            key = c1.selectbox(
                "Effect on", options, format_func=kpiview.kpi_title, key="ex_effect_kpi"
            )
            c2.caption(
                "Each lever one step down and up (a tenth of its range, or switched), the rest "
                f"as set. {effects.panel_terms(sc)} ± is a 95% interval; faint: within noise."
            )
            if not job.ready:
                ahead = runs.WORKER.ahead_of(job)
                st.progress(
                    job.done / max(job.total, 1),
                    text=f"Running the neighbours in the background: {job.done} of {job.total} "
                    "runs" + (f" (after {', '.join(ahead)})" if ahead else ""),
                )
            if job.error:
                st.error(f"The lever panel failed: {job.error}")
            if table.empty:
                return
            ui.chart(None, lambda: charts.effects_chart(table, key))
            quiet = effects.quiet_levers(table, kpiview.CARD_KPIS)
            if quiet:
                st.markdown(
                    "**No clear effect on "
                    + ", ".join(kpi(k).label for k in kpiview.CARD_KPIS)
                    + "** at this step: "
                    + "; ".join(quiet)
                    + ". A lever without effect here is not a finding: it may act only on "
                    "money, only with its program switched on, or only at a larger step."
                )
            with st.expander("What each lever is meant to move, and the numbers"):
                shown = table[table["kpi"] == key][["lever", "change", "text", "moves"]]
                st.dataframe(
                    shown.rename(
                        columns={
                            "change": "setting",
                            "text": kpi(key).label,
                            "moves": "meant to move",
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )

        lever_panel()
if tabs["Leaders"].open:
    with tabs["Leaders"]:
        lead = run.leaders
        st.markdown(
            f"**Leader income** — {int(lead['active'].sum())} of {len(lead)} leaders still working "
            f"at the end; a leader quits when income stays below half the outside wage."
        )
        if sc.policy.leaders.enabled:
            ui.chart(("leaders", run.key), lambda: charts.leader_income_chart(run))
        else:
            st.info("Community leaders are switched off in this scenario (Levers → Leaders).")
if tabs["Data & downloads"].open:
    with tabs["Data & downloads"]:
        out_sc = core.as_download(sc, edited)
        st.markdown("**Hand it on** — the series, the KPIs, the figures and the scenario itself.")
        if edited:
            st.caption(
                f"Your lever changes make this “{out_sc.name}”: the files carry that name, so "
                "they are never taken for the shipped scenario."
            )
        stem = f"{out_sc.name}-seed{seed}"
        c1, c2, c3 = st.columns(3)
        with c1:
            st.markdown("Daily series")
            ui.download(
                "daily.csv", lambda: runs.daily_csv(run), f"{stem}-daily.csv", "text/csv", "dl_dcsv"
            )
            ui.download(
                "daily.parquet",
                lambda: runs.daily_parquet(run),
                f"{stem}-daily.parquet",
                "application/vnd.apache.parquet",
                "dl_dpq",
            )
            st.markdown("KPIs")
            ui.download(
                "kpis.csv", lambda: runs.kpis_csv(run), f"{stem}-kpis.csv", "text/csv", "dl_kcsv"
            )
            st.markdown("Transaction log (one row per purchase)")
            ui.download(
                "transactions.parquet",
                lambda: runs.transactions_parquet(run),
                f"{stem}-transactions.parquet",
                "application/vnd.apache.parquet",
                "dl_tpq",
            )
            ui.download(
                "kpis.parquet",
                lambda: runs.kpis_parquet(run),
                f"{stem}-kpis.parquet",
                "application/vnd.apache.parquet",
                "dl_kpq",
            )
        with c2:
            st.markdown("Figures (PNG)")
            for which in runs.FIGURES:
                ui.download(
                    f"{which}.png",
                    lambda which=which: runs.figure_png(run, which),
                    f"{stem}-{which}.png",
                    "image/png",
                    f"dl_png_{which}",
                )
        with c3:
            st.markdown("Scenario")
            ui.download(
                "scenario.yaml",
                out_sc.to_yaml(),
                f"{out_sc.name}.yaml",
                "application/x-yaml",
                "dl_yaml",
            )
            st.caption(
                f"Run it from a terminal: `symbiosim run {out_sc.name}.yaml --seed {seed}` — "
                "any population size."
            )
            st.markdown("Link to this view")
            if not failed:
                st.code(ui.share_link(state.to_params()), language=None, wrap_lines=True)
        with st.expander("Scenario YAML"):
            st.code(out_sc.to_yaml(), language="yaml")
        with st.expander("KPIs (all)"):
            st.dataframe(kpiview.kpi_table(run), width="stretch")

ui.remember_widgets(PAGE, widget_keys)
if ref_sc is not None and ref is None:  # now the reference, then redraw with differences
    with st.spinner("Running the reference for the differences…"):
        runs.run_cached(ref_sc, seed)
    st.rerun()
