"""Start here: the flagship comparison side by side, read in plain words, and a glossary."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.dashboard import charts, flagship, kpiview, runs, ui
from sim.dashboard.glossary import GLOSSARY
from sim.kpis import kpi

st.title("Subsidies (拼团) or symbiosis (共生)?", anchor=False)
st.caption(
    "Two ways to grow a social-commerce platform, simulated on the same market with the same "
    "random draws: deep platform-paid group discounts, or a partner program that shares "
    "income with customers who bring friends and write useful posts. Every number below "
    "comes from the running model; ± is a 95% confidence interval over seeds."
)

job = flagship.job()
if not job.ready:
    ahead = runs.WORKER.ahead_of(job)

    @st.fragment(run_every=1.0)
    def waiting() -> None:
        if job.ready:
            st.rerun(scope="app")
        st.progress(
            job.done / max(job.total, 1),
            text=f"Running the flagship comparison: {job.done} of {job.total} runs"
            + (f" (after {', '.join(ahead)})" if ahead else "")
            + " — open Explore or the Classroom meanwhile.",
        )

    waiting()
    st.stop()
if job.error:
    st.error(f"The flagship comparison failed: {job.error}")
    st.stop()

compared: runs.Compared = job.result
names = compared.names
first = compared.runs[names[0]][0].scenario
st.caption(
    f"Rests on {len(compared.seeds)} seeds × {first.population.consumers:,} consumers × "
    f"{first.days} days per scenario (as `make demo` runs it)."
)

# --------------------------------------------------------------------------- side by side
table = compared.comparison.table(list(kpiview.CARD_KPIS))
cols = st.columns(len(names), gap="large")
for col, name in zip(cols, names, strict=True):
    sc = compared.runs[name][0].scenario
    with col:
        st.subheader(kpiview.display_name(name), anchor=False, help=sc.description)
        keys = list(kpiview.CARD_KPIS)
        for pair in (keys[i : i + 2] for i in range(0, len(keys), 2)):
            cards = st.columns(2)
            for c, key in zip(cards, pair, strict=False):
                k = kpi(key)
                mean, half = table.loc[key, name]
                interval = k.format_ci(mean, half).partition(" ± ")[2]
                c.metric(
                    k.label,
                    k.format(mean),
                    delta=f"± {interval}" if interval else None,
                    delta_color="off",
                    delta_arrow="off",
                    help=k.definition,
                    border=True,
                )

left, right = st.columns([3, 2], gap="large")
with left:
    st.markdown(
        "**Active customers** — mean over seeds with its 95% band; dashed lines mark shocks"
    )
    ui.chart(
        ("start_active", tuple(r.key for rs in compared.runs.values() for r in rs)),
        lambda: charts.band_chart(
            runs.series_bands(compared).assign(
                scenario=lambda b: b["scenario"].map(kpiview.display_name)
            ),
            [kpiview.display_name(n) for n in names],
            extra=charts.shock_layers(first),
        ),
    )
with right:
    st.markdown("**What it says**")
    for line in kpiview.plain_reading(compared):
        st.markdown(f"- {line}")

st.page_link(
    "views/explore.py", label="Explore either scenario, lever by lever", icon=":material/tune:"
)
st.page_link(
    "views/compare.py",
    label="Compare any scenarios, with your own seeds",
    icon=":material/compare_arrows:",
)

with st.expander("Every headline KPI, with paired differences"):
    st.table(kpiview.comparison_table(compared))

# --------------------------------------------------------------------------- glossary
st.subheader("Glossary", anchor=False)
g1, g2 = st.columns(2, gap="large")
with g1:
    st.markdown("**Words**")
    st.table(
        pd.DataFrame(
            {
                "term": [t.term for t in GLOSSARY],
                "reading": [t.reading for t in GLOSSARY],
                "meaning": [t.meaning for t in GLOSSARY],
            }
        ).set_index("term")
    )
with g2:
    st.markdown("**KPIs** (as the model computes them)")
    keys = list(dict.fromkeys([*kpiview.CARD_KPIS, *kpiview.HEADLINE_KPIS]))
    st.table(
        pd.DataFrame(
            {
                "KPI": [kpiview.kpi_title(k) for k in keys],
                "definition": [kpi(k).definition for k in keys],
            }
        ).set_index("KPI")
    )
