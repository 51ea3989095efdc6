"""Altair charts for the pages: drawn in the browser, so reruns stay cheap and the
charts are interactive (hover for values). The PNG downloads use ``sim.plots``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from sim.dashboard.core import RunSummary, money_long, money_totals
from sim.shocks import SHOCKS

SHOCK_COLOURS = {k.name: k.colour for k in SHOCKS}
HEIGHT = 280
RUN_COLOURS = ["#1f77b4", "#7f7f7f"]  # the run, then its reference

# Long runs have more rows than Altair's default guard (5,000); the data are small anyway.
alt.data_transformers.disable_max_rows()

_SPECS: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
_SPECS_LOCK = threading.Lock()
MAX_SPECS = 256


def spec(key: Hashable | None, build: Callable[[], alt.TopLevelMixin]) -> dict[str, Any]:
    """The Vega-Lite spec of a chart, built once per key (run keys + options).

    Building an Altair chart and converting it costs 50–150 ms; with the specs cached a
    rerun that changes nothing about a chart costs only sending it. ``key=None`` skips
    the cache (charts of a live model). The spec is shared: callers must not mutate it
    (``st.vega_lite_chart`` copies before it changes anything).
    """
    if key is not None:
        with _SPECS_LOCK:
            if key in _SPECS:
                _SPECS.move_to_end(key)
                return _SPECS[key]
    d = build().to_dict()
    d.pop("config", None)  # Altair's default theme sizes; Streamlit's theme styles the chart
    if key is not None:
        with _SPECS_LOCK:
            _SPECS[key] = d
            while len(_SPECS) > MAX_SPECS:
                _SPECS.popitem(last=False)
    return d


def _shock_frame(run: RunSummary) -> pd.DataFrame:
    rows = [
        {
            "day": s.day,
            "end": s.day + (s.duration or 0),
            "shock": SHOCKS[s.kind].label,
            "colour": SHOCK_COLOURS.get(s.kind, "#333333"),
            "label": f"{SHOCKS[s.kind].label} (day {s.day})",
        }
        for s in run.scenario.shocks
        if s.day < run.scenario.days
    ]
    return pd.DataFrame(rows, columns=["day", "end", "shock", "colour", "label"])


def _shock_layers(run: RunSummary) -> list[alt.Chart]:
    """Dashed rules at each shock, a shaded span while it lasts, and its name on top
    (literal colours, so the shocks need no legend of their own)."""
    shocks = _shock_frame(run)
    if shocks.empty:
        return []
    colour = alt.Color("colour:N", scale=None)
    rules = (
        alt.Chart(shocks)
        .mark_rule(strokeDash=[5, 3], size=1.5)
        .encode(x="day:Q", color=colour, tooltip=["label:N"])
    )
    lasting = shocks[shocks["end"] > shocks["day"]]
    spans = alt.Chart(lasting).mark_rect(opacity=0.08).encode(x="day:Q", x2="end:Q", color=colour)
    text = (
        alt.Chart(shocks)
        .mark_text(align="left", dx=4, dy=-4, baseline="top", fontSize=11)
        .encode(x="day:Q", y=alt.value(4), text="shock:N", color=colour)
    )
    return ([spans] if len(lasting) else []) + [rules, text]


def _run_style() -> dict[str, Any]:
    """Colour and dash by run, sharing one legend (Vega merges identical legends)."""
    legend = alt.Legend(title=None, orient="bottom")
    return {
        "color": alt.Color("run:N", scale=alt.Scale(range=RUN_COLOURS), legend=legend, sort=None),
        "strokeDash": alt.StrokeDash("run:N", legend=legend, sort=None),
    }


def active_chart(run: RunSummary, ref: RunSummary | None = None) -> alt.LayerChart:
    """Active customers per day, the reference dashed, shocks as marked rules/spans."""
    frames = [
        pd.DataFrame(
            {"day": run.daily.index, "active customers": run.daily["active"], "run": run.name}
        )
    ]
    if ref is not None:
        frames.append(
            pd.DataFrame(
                {
                    "day": ref.daily.index,
                    "active customers": ref.daily["active"],
                    "run": f"{ref.name} (reference)",
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    lines = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("day:Q", title="day", scale=alt.Scale(nice=False)),
            y=alt.Y("active customers:Q", title="active customers"),
            **_run_style(),
            tooltip=["run:N", "day:Q", "active customers:Q"],
        )
    )
    # shocks and runs each keep their own colour legend
    return (
        alt.layer(*_shock_layers(run), lines)
        .resolve_scale(color="independent", strokeDash="independent")
        .properties(height=HEIGHT)
        .interactive(bind_y=False)
    )


def retention_chart(runs: list[RunSummary]) -> alt.Chart:
    """Share of customers active from a repeat purchase by age, one line per run."""
    parts = []
    for i, r in enumerate(runs):
        c = r.retention_supported()
        label = r.name if i == 0 else f"{r.name} (reference)"
        parts.append(pd.DataFrame({"age": c.index, "retention": c.to_numpy(), "run": label}))
    data = pd.concat(parts, ignore_index=True)
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("age:Q", title="days since first purchase", scale=alt.Scale(nice=False)),
            y=alt.Y(
                "retention:Q",
                title="share active (repeat purchase)",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            **_run_style(),
            tooltip=["run:N", "age:Q", alt.Tooltip("retention:Q", format=".1%")],
        )
        .properties(height=HEIGHT)
    )


def cohort_chart(run: RunSummary) -> alt.Chart:
    """30-day acquisition cohorts × months since acquisition, share buying in the month."""
    m = run.cohorts.drop(columns="size")
    sizes = run.cohorts["size"]
    long = m.reset_index().melt(id_vars="cohort", var_name="month", value_name="share")
    long["month"] = long["month"].astype(int)
    long["cohort size"] = long["cohort"].map(sizes)
    long = long.dropna(subset=["share"])
    order = list(m.index)
    return (
        alt.Chart(long)
        .mark_rect()
        .encode(
            x=alt.X("month:O", title="months since acquisition"),
            y=alt.Y("cohort:N", sort=order, title="acquisition cohort (30-day)"),
            color=alt.Color(
                "share:Q",
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                legend=alt.Legend(format="%", title="bought in month"),
            ),
            tooltip=[
                "cohort:N",
                "month:O",
                alt.Tooltip("share:Q", format=".1%"),
                "cohort size:Q",
            ],
        )
        .properties(height=HEIGHT + 40)
    )


def money_chart(run: RunSummary, window: int = 7, log: bool = False) -> alt.Chart:
    """Who pays (solid) and who earns (dashed), yuan per day, smoothed."""
    data = money_long(run.daily, window)
    keep = data.groupby("flow")["yuan"].transform(lambda s: np.abs(s).sum() > 0)
    data = data[keep]
    yscale = alt.Scale(type="symlog", constant=10) if log else alt.Scale()
    yaxis = alt.Axis()
    top = float(data["yuan"].abs().max()) if len(data) else 0.0
    if log and top > 0:  # symlog axes get few ticks by default: label each power of ten
        yaxis = alt.Axis(values=[0] + [10**k for k in range(1, int(np.log10(top)) + 2)])
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("day:Q", scale=alt.Scale(nice=False)),
            y=alt.Y("yuan:Q", title=f"yuan per day ({window}-day mean)", scale=yscale, axis=yaxis),
            color=alt.Color(
                "flow:N",
                scale=alt.Scale(scheme="tableau10"),
                legend=alt.Legend(title=None, orient="right"),
            ),
            strokeDash=alt.StrokeDash(
                "who:N", legend=alt.Legend(title="who"), scale=alt.Scale(domain=["pays", "earns"])
            ),
            tooltip=["flow:N", "who:N", "day:Q", alt.Tooltip("yuan:Q", format=",.0f")],
        )
        .properties(height=HEIGHT)
        .interactive(bind_y=False)
    )


def money_totals_chart(run: RunSummary) -> alt.Chart:
    """Over the whole run: who paid (left of zero) and who earned (right of zero)."""
    data = money_totals(run)
    data = data[data["yuan"].abs() > 0]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("party:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("yuan:Q", title="yuan over the run (paid < 0 < earned)"),
            color=alt.Color(
                "role:N",
                scale=alt.Scale(domain=["pays", "earns"], range=["#d62728", "#2ca02c"]),
                legend=alt.Legend(title=None),
            ),
            tooltip=["party:N", alt.Tooltip("yuan:Q", format=",.0f")],
        )
        .properties(height=HEIGHT)
    )


def leader_income_chart(run: RunSummary) -> alt.LayerChart:
    """Distribution of leaders' mean daily income against the outside wage."""
    lead = run.leaders.copy()
    lead["status"] = np.where(lead["active"], "still leading", "quit")
    wage = run.scenario.policy.leaders.outside_wage
    bars = (
        alt.Chart(lead)
        .mark_bar(opacity=0.85)
        .encode(
            x=alt.X(
                "income_per_day:Q",
                bin=alt.Bin(maxbins=25),
                title="leader income per day over the run (yuan)",
            ),
            y=alt.Y("count():Q", title="leaders", stack=True),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=["still leading", "quit"], range=["#1f77b4", "#bbbbbb"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=["status:N", "count():Q"],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"wage": [wage], "label": [f"outside wage ¥{wage:g}/day"]}))
        .mark_rule(color="black", strokeDash=[4, 3])
        .encode(x="wage:Q", tooltip=["label:N"])
    )
    label = (
        alt.Chart(pd.DataFrame({"wage": [wage], "label": [f"outside wage ¥{wage:g}"]}))
        .mark_text(align="left", dx=4, dy=6, baseline="top")
        .encode(x="wage:Q", y=alt.value(0), text="label:N")
    )
    return alt.layer(bars, rule, label).properties(height=HEIGHT)


# --------------------------------------------------------------------------- compare
def band_chart(
    bands: pd.DataFrame, x: str = "day", y_title: str = "active customers", colour: str = "scenario"
) -> alt.LayerChart:
    """Mean lines with shaded 95% bands, one colour per scenario."""
    base = alt.Chart(bands).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(nice=False)),
        color=alt.Color(
            f"{colour}:N",
            scale=alt.Scale(scheme="tableau10"),
            legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
            sort=None,
        ),
    )
    area = base.mark_area(opacity=0.2).encode(y=alt.Y("lo:Q", title=y_title), y2="hi:Q")
    line = base.mark_line().encode(
        y="mean:Q",
        tooltip=[
            f"{colour}:N",
            f"{x}:Q",
            alt.Tooltip("mean:Q", format=",.3~f"),
            alt.Tooltip("lo:Q", format=",.3~f"),
            alt.Tooltip("hi:Q", format=",.3~f"),
        ],
    )
    return alt.layer(area, line).properties(height=HEIGHT).interactive(bind_y=False)


def diff_chart(diff: pd.DataFrame) -> alt.LayerChart:
    """Paired difference per day with its band, and the zero line."""
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="black").encode(y="y:Q")
    return alt.layer(
        band_chart(diff, colour="pair", y_title="difference in active customers"), zero
    )


def kpi_dot_chart(table: pd.DataFrame, kpi: str, title: str) -> alt.LayerChart:
    """One KPI per scenario: mean with its 95% CI as an error bar."""
    data = table[table["kpi"] == kpi].copy()
    data["lo"] = data["mean"] - data["ci95"].fillna(0)
    data["hi"] = data["mean"] + data["ci95"].fillna(0)
    base = alt.Chart(data).encode(y=alt.Y("scenario:N", sort=None, title=None))
    return alt.layer(
        base.mark_rule().encode(x=alt.X("lo:Q", title=title), x2="hi:Q"),
        base.mark_point(filled=True, size=80).encode(
            x="mean:Q",
            color=alt.Color(
                "scenario:N", legend=None, scale=alt.Scale(scheme="tableau10"), sort=None
            ),
            tooltip=["scenario", "mean", "ci95"],
        ),
    ).properties(height=40 + 30 * len(data))


# --------------------------------------------------------------------------- experiments
def response_curve(
    response: pd.DataFrame, points: pd.DataFrame, param: str, kpi: str
) -> alt.LayerChart:
    """KPI against one parameter: every run as a dot, and the mean by parameter value (or
    value bin, as computed by ``sim.batch.analyze``) with its 95% confidence band."""
    curve = response[response["parameter"] == param].copy()
    curve["value"] = pd.to_numeric(curve["value"], errors="coerce")
    curve = curve.dropna(subset=["value"]).sort_values("value")
    ci = curve["ci95"].fillna(0.0)
    curve["lo"], curve["hi"] = curve["mean"] - ci, curve["mean"] + ci
    x = alt.X("value:Q", title=param)
    dots = (
        alt.Chart(points.rename(columns={param: "value", kpi: "y"}))
        .mark_circle(opacity=0.25, size=18, color="#4c78a8")
        .encode(x=x, y=alt.Y("y:Q", title=kpi, scale=alt.Scale(zero=False)))
    )
    area = (
        alt.Chart(curve).mark_area(opacity=0.25, color="#f58518").encode(x=x, y="lo:Q", y2="hi:Q")
    )
    line = (
        alt.Chart(curve)
        .mark_line(point=True, color="#f58518")
        .encode(
            x=x,
            y="mean:Q",
            tooltip=[
                alt.Tooltip("value:Q", title=param),
                alt.Tooltip("mean:Q", format=",.4~g"),
                alt.Tooltip("ci95:Q", format=",.3~g"),
                "n:Q",
            ],
        )
    )
    return alt.layer(dots, area, line).properties(height=HEIGHT)


def response_surface(grid: pd.DataFrame, px: str, py: str, kpi: str) -> alt.Chart:
    """Mean KPI over a binned grid of two parameters."""
    return (
        alt.Chart(grid)
        .mark_rect()
        .encode(
            x=alt.X(f"{px}_bin:O", title=px, sort=None),
            y=alt.Y(f"{py}_bin:O", title=py, sort="descending"),
            color=alt.Color("mean:Q", title=kpi, scale=alt.Scale(scheme="viridis")),
            tooltip=[f"{px}_bin:O", f"{py}_bin:O", alt.Tooltip("mean:Q", format=",.3~f"), "n:Q"],
        )
        .properties(height=HEIGHT + 40)
    )


def sobol_chart(sobol: pd.DataFrame) -> alt.LayerChart:
    """First-order (S1) and total (ST) Sobol indices with confidence intervals."""
    rows = []
    for _, r in sobol.iterrows():
        for idx in ("S1", "ST"):
            v, c = float(r[idx]), float(r.get(f"{idx}_conf", 0.0) or 0.0)
            rows.append(
                {"parameter": r["parameter"], "index": idx, "value": v, "lo": v - c, "hi": v + c}
            )
    data = pd.DataFrame(rows)
    base = alt.Chart(data).encode(
        y=alt.Y("parameter:N", sort="-x", title=None), yOffset="index:N", color="index:N"
    )
    return alt.layer(
        base.mark_bar().encode(x=alt.X("value:Q", title="Sobol index (share of variance)")),
        base.mark_rule(color="black").encode(x="lo:Q", x2="hi:Q"),
    ).properties(height=60 + 40 * sobol.shape[0])


def morris_chart(morris: pd.DataFrame) -> alt.Chart:
    """Morris screening: μ* (importance) against σ (non-linearity / interactions)."""
    return (
        alt.Chart(morris)
        .mark_circle(size=90)
        .encode(
            x=alt.X("mu_star:Q", title="μ* (mean |elementary effect|)"),
            y=alt.Y("sigma:Q", title="σ (interactions / non-linearity)"),
            color=alt.Color("parameter:N"),
            tooltip=["parameter", "mu_star", "mu_star_conf", "sigma"],
        )
        .properties(height=HEIGHT)
    )
