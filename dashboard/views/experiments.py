"""Experiments: open a sweep's results, response curves and surfaces, Sobol / Morris
indices; start a small sweep from the page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.dashboard import charts, core, ui
from sim.dashboard import experiments as ex

PAGE = "experiments"
FOUND, UPLOADED = "Results on this machine", "Upload a results database"
ss = st.session_state
widget_keys = [
    "exp_source",
    "exp_db",
    "exp_kpi",
    "exp_params",
    "exp_new_name",
    "exp_new_base",
    "exp_new_params",
    "exp_new_design",
    "exp_new_size",
    "exp_new_reps",
    "exp_new_consumers",
    "exp_new_days",
]
widget_keys += [f"exp_new_{k}_{end}" for k in ex.SWEEPABLE for end in ("low", "high")]
ui.restore_widgets(PAGE, widget_keys)
pending = ss.pop("exp_pending", None)
if pending:  # a sweep just finished: open it (before the widgets are drawn)
    ss.exp_source, ss.exp_db, ss.exp_params = FOUND, pending["db"], pending["params"]

st.subheader("Experiments", anchor=False)
st.caption(
    "Parameter sweeps with replications: how a KPI responds to each parameter, and which "
    "parameters matter (Sobol indices for a sobol design, Morris screening for a morris one). "
    "Large sweeps run from the command line (`symbiosim sweep spec.yaml`), locally or on a "
    "cluster; open their results here."
)

reason = ex.batch_available()
if reason:
    st.warning(reason, icon=":material/extension_off:")
    st.stop()

# --------------------------------------------------------------------------- choose a database
found = ex.find_databases()
ss.setdefault("exp_source", FOUND)
source = st.radio("Sweep results", [FOUND, UPLOADED], key="exp_source", horizontal=True)
path: Path | None = None
if source == FOUND:
    if not found:
        st.info(
            "No sweep results found yet in "
            + ", ".join(f"`{ex.label(r)}`" for r in ex.result_roots()[:3])
            + ". Start a small sweep below, or run one from a terminal.",
            icon=":material/folder_open:",
        )
    else:
        labels = {ex.label(p): p for p in found}
        if ss.get("exp_db") not in labels:
            ss.exp_db = next(iter(labels))
        chosen = st.selectbox("Database (newest first)", list(labels), key="exp_db")
        path = labels[chosen]
else:
    upload = st.file_uploader(
        f"Results database (.duckdb, at most {ex.MAX_DB_UPLOAD_BYTES // 1_000_000} MB)",
        type=["duckdb"],
        key="exp_upload",
        max_upload_size=ex.MAX_DB_UPLOAD_BYTES // 1_000_000,
    )
    if upload is not None and ss.get("exp_upload_id") != upload.file_id:
        with ui.input_errors() as failed:
            ss.exp_upload_path = ex.save_upload(upload.getvalue(), upload.name)
            ss.exp_upload_id = upload.file_id
    if upload is not None and ss.get("exp_upload_id") == upload.file_id:
        path = ss.get("exp_upload_path")

# --------------------------------------------------------------------------- results
if path is not None:
    data = None
    with ui.input_errors():
        data = ex.load_sweep(path)
    if data is not None and data.n_ok == 0:
        st.warning(f"{data.name}: no run has finished successfully yet.")
        data = None
    if data is not None:
        st.markdown(
            f"**{data.name}** — {data.design} design, {len(data.params)} parameter(s), "
            f"{data.n_ok:,} runs ok"
            + (f", {len(data.runs) - data.n_ok:,} failed" if len(data.runs) > data.n_ok else "")
        )
        c1, c2 = st.columns(2)
        if ss.get("exp_kpi") not in data.kpis:
            ss.exp_kpi = "d90_retention" if "d90_retention" in data.kpis else data.kpis[0]
        kpi = c1.selectbox("KPI", data.kpis, key="exp_kpi", format_func=ex.kpi_label)
        numeric = ex.numeric_params(data)
        if not numeric:
            st.warning("This sweep varies no numeric parameter; there is nothing to plot.")
        else:
            picked = [p for p in ss.get("exp_params", []) if p in numeric] or numeric[:1]
            ss.exp_params = picked
            params = c2.multiselect(
                "Parameters (one: response curve; two: also a response surface)",
                numeric,
                format_func=ex.param_label,
                key="exp_params",
                max_selections=2,
            )
            analysis = None
            with ui.input_errors():
                analysis = ex.analyze(path, kpi)
            if analysis is not None and params:
                st.subheader(f"How {ex.kpi_label(kpi)} responds", anchor=False)
                cols = st.columns(len(params))
                for col, p in zip(cols, params, strict=True):
                    with col:
                        st.markdown(
                            f"**{ex.param_label(p)}** — mean over the other parameters, 95% band"
                        )
                        ui.chart(
                            None,
                            lambda p=p: charts.response_curve(
                                analysis["response"],
                                ex.runs_for_curve(data.ok_runs, p, kpi),
                                p,
                                kpi,
                                ex.param_label(p),
                                ex.param_unit(p),
                            ),
                        )
                if len(params) == 2:
                    st.markdown(
                        f"**Response surface** — mean {ex.kpi_label(kpi)} over both parameters"
                    )
                    ui.chart(
                        None,
                        lambda: charts.response_surface(
                            ex.surface(data.ok_runs, *params, kpi),
                            *params,
                            kpi,
                            (ex.param_label(params[0]), ex.param_label(params[1])),
                        ),
                    )
            if analysis is not None:
                st.subheader("Which parameters matter", anchor=False)
                if "sobol" in analysis:
                    st.markdown(
                        "**Sobol indices** — S1: share of the KPI's variance due to the "
                        "parameter alone; ST: including its interactions."
                    )
                    ui.chart(None, lambda: charts.sobol_chart(analysis["sobol"]))
                    st.dataframe(analysis["sobol"], width="stretch", hide_index=True)
                elif "morris" in analysis:
                    st.markdown(
                        "**Morris screening** — μ*: overall influence; σ: non-linearity and "
                        "interactions."
                    )
                    ui.chart(None, lambda: charts.morris_chart(analysis["morris"]))
                    st.dataframe(analysis["morris"], width="stretch", hide_index=True)
                else:
                    st.info(
                        f"Sobol indices need a sweep with `design: sobol` (this one is "
                        f"{data.design}); Morris screening needs `design: morris`.",
                        icon=":material/info:",
                    )
                with st.expander("Downloads"):
                    c1, c2, c3 = st.columns(3)
                    with c1:
                        ui.download(
                            "runs.csv",
                            lambda: data.runs.to_csv(index=False),
                            f"{data.name}-runs.csv",
                            "text/csv",
                            "exp_dl_runs",
                        )
                    with c2:
                        ui.download(
                            "response.csv",
                            analysis["response"].to_csv(index=False),
                            f"{data.name}-response-{kpi}.csv",
                            "text/csv",
                            "exp_dl_resp",
                        )
                    with c3:
                        for key in ("sobol", "morris"):
                            if key in analysis:
                                ui.download(
                                    f"{key}.csv",
                                    analysis[key].to_csv(index=False),
                                    f"{data.name}-{key}-{kpi}.csv",
                                    "text/csv",
                                    f"exp_dl_{key}",
                                )

# --------------------------------------------------------------------------- start a sweep
st.divider()
with st.expander("Start a small sweep", expanded=not found, icon=":material/play_circle:"):
    st.caption(
        f"Runs here, one run after another, with at most {ex.MAX_SMALL_RUNS} runs and "
        f"{ex.MAX_SMALL_CONSUMERS:,} consumers; results go to `{ex.label(ex.sweep_dir())}`."
    )
    defaults = {
        "exp_new_name": "dashboard-sweep",
        "exp_new_base": "symbiotic_partner",
        "exp_new_params": ["policy.partner.share"],
        "exp_new_design": "factorial",
        "exp_new_size": 5,
        "exp_new_reps": 3,
        "exp_new_consumers": 1_000,
        "exp_new_days": 180,
    }
    for k, v in defaults.items():
        ss.setdefault(k, v)
    c1, c2, c3 = st.columns(3)
    c1.text_input("Name", key="exp_new_name", max_chars=61)
    c2.selectbox("Base scenario", list(core.shipped()), key="exp_new_base")
    design = c3.selectbox(
        "Design",
        ex.DESIGNS,
        key="exp_new_design",
        help="factorial: every combination of levels; lhs: Latin hypercube; sobol: Saltelli "
        "sampling for Sobol indices; morris: trajectories for screening.",
    )
    new_params = st.multiselect(
        "Parameters to vary", list(ex.SWEEPABLE), key="exp_new_params", max_selections=3
    )
    ranges: dict[str, tuple[float, float]] = {}
    for p in new_params:
        lo, hi = ex.SWEEPABLE[p]
        ss.setdefault(f"exp_new_{p}_low", lo)
        ss.setdefault(f"exp_new_{p}_high", hi)
        a, b, c = st.columns([2, 1, 1])
        a.markdown(f"`{p}`  \n{core.field_description(p)}")
        low = b.number_input("low", key=f"exp_new_{p}_low", format="%.4g")
        high = c.number_input("high", key=f"exp_new_{p}_high", format="%.4g")
        ranges[p] = (low, high)
    size_label = {
        "factorial": "Levels per parameter",
        "lhs": "Points",
        "sobol": "Base samples N (power of 2)",
        "morris": "Trajectories",
    }[design]
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input(size_label, step=1, key="exp_new_size")
    c2.number_input("Replications", step=1, key="exp_new_reps")
    c3.number_input("Consumers", step=500, key="exp_new_consumers")
    c4.number_input("Days", step=30, key="exp_new_days")
    spec = None
    with ui.input_errors() as failed:
        spec = ex.small_spec(
            name=ss.exp_new_name,
            base=ss.exp_new_base,
            ranges=ranges,
            design=design,
            size=int(ss.exp_new_size),
            replications=int(ss.exp_new_reps),
            consumers=int(ss.exp_new_consumers),
            days=int(ss.exp_new_days),
        )
        total = ex.plan_small(spec)
        st.caption(f"{total} runs.")
    if not failed and spec is not None:
        with st.popover("Spec (YAML)", icon=":material/description:"):
            st.code(ex.spec_yaml(spec), language="yaml")
        if st.button("Run sweep", type="primary", icon=":material/play_arrow:", key="exp_run"):
            bar = st.progress(0.0, text="Starting…")

            def on_progress(done: int, total: int) -> None:
                if total:
                    bar.progress(done / total, text=f"{done}/{total} runs")

            db = None
            with ui.input_errors():
                db = ex.run_small(spec, progress=on_progress)
            if db is not None:
                bar.progress(1.0, text="Done")
                ss.exp_pending = {"db": ex.label(db), "params": list(ranges)}
                ui.remember_widgets(PAGE, widget_keys)
                st.rerun()

ui.remember_widgets(PAGE, widget_keys)
