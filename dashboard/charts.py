"""Altair charts for the pages: drawn in the browser, so reruns stay cheap and the charts
are interactive. The PNG downloads use ``sim.plots``.

Rules every chart here keeps (tests/dashboard/test_chart_specs.py checks the specs):

* a field is named so Vega-Lite reads it literally: no dotted parameter paths (Vega-Lite
  reads ``a.b`` as a nested field), and a data value used as a field name is escaped;
* a run and its reference keep their colour and dash whatever their names (fixed domains);
* every chart is tall enough to show its axis, and no legend or axis label is truncated;
* time series answer a hover anywhere on the chart with a vertical rule and every series'
  value on that day (nearest point), not only over a line's pixels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from sim.dashboard import money
from sim.dashboard.kpiview import display_name, kpi_title
from sim.dashboard.runs import Run
from sim.kpis import kpi
from sim.shocks import SHOCKS

HEIGHT = 260  # the whole chart: Streamlit fits axes and legend inside the spec's height
MIN_HEIGHT = 160  # the least height at which an axis with its title reads
ROW = 28  # per category of a discrete axis with bars (a lever, a scenario, a party)
MIN_ROW = 16  # the least per category at which its label reads (a heatmap's row)
CHROME = 110  # the axis below, its title and a legend
RUN_COLOUR, REF_COLOUR = "#1f6fb4", "#8c8c8c"
SOLID, DASHED = [1, 0], [6, 4]
PALETTE = (
    "#1f6fb4",
    "#e8710a",
    "#2e9e44",
    "#c5283d",
    "#7b4fb0",
    "#8c564b",
    "#d45fa8",
    "#5f6b6d",
    "#b5a300",
    "#17a2b8",
    "#393b79",
    "#ad494a",
)
FONT = {"label": 13, "title": 13}
#: Applied to every spec: labels and legends are never cut ("symbiotic_pa…").
CONFIG: dict[str, Any] = {
    "legend": {
        "labelLimit": 0,
        "titleLimit": 0,
        "labelFontSize": FONT["label"],
        "titleFontSize": FONT["title"],
        "symbolSize": 140,
        "symbolOpacity": 1,  # a band's legend shows its line's colour, not the faint fill
    },
    "axis": {"labelLimit": 0, "labelFontSize": 12, "titleFontSize": FONT["title"]},
    "header": {"labelLimit": 0, "titleLimit": 0, "labelFontSize": FONT["label"]},
}

# Long runs have more rows than Altair's default guard (5,000); the data are small anyway.
alt.data_transformers.disable_max_rows()

_SPECS: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
_SPECS_LOCK = threading.Lock()
MAX_SPECS = 256


def spec(key: Hashable | None, build: Callable[[], alt.TopLevelMixin]) -> dict[str, Any]:
    """The Vega-Lite spec of a chart, built once per key (run keys + options).

    Building an Altair chart and converting it costs 50–150 ms; with the specs cached a
    rerun that changes nothing about a chart costs only sending it. ``key=None`` skips the
    cache. The spec is shared: callers must not mutate it (``st.vega_lite_chart`` copies
    before it changes anything).
    """
    if key is not None:
        with _SPECS_LOCK:
            if key in _SPECS:
                _SPECS.move_to_end(key)
                return _SPECS[key]
    d = build().to_dict()
    d.pop("config", None)  # Altair's theme sizes; Streamlit's theme styles the chart ...
    d["config"] = CONFIG  # ... with ours on top: nothing truncated, readable type
    if key is not None:
        with _SPECS_LOCK:
            _SPECS[key] = d
            while len(_SPECS) > MAX_SPECS:
                _SPECS.popitem(last=False)
    return d


def field(name: str) -> str:
    """A data value used as a field name, escaped so Vega-Lite reads it literally."""
    out = name
    for ch in ("\\", ".", "[", "]"):
        out = out.replace(ch, "\\" + ch)
    return out


def categories(domain: Sequence[str]) -> alt.Scale:
    """A colour scale with a fixed domain: each name keeps its colour in every chart."""
    return alt.Scale(
        domain=list(domain), range=[PALETTE[i % len(PALETTE)] for i in range(len(domain))]
    )


def y_axis(unit: str) -> alt.Axis:
    """An axis formatted in a KPI's or column's unit."""
    fmt = {"share": ".0%", "yuan": ",.0f", "ratio": ",.2f"}.get(unit, ",.0f")
    return alt.Axis(format=fmt)


# --------------------------------------------------------------------------- hover
def hover(
    data: pd.DataFrame,
    x: str,
    series: str,
    value: str,
    fmt: str = ",.0f",
    x_title: str | None = None,
) -> list[alt.Chart]:
    """A vertical rule at the day nearest the pointer and every series' value on that day
    in one tooltip (the series pivoted to columns), with a dot on each line (dark, so they
    need no colour scale or legend of their own)."""
    nearest = alt.selection_point(
        nearest=True, on="pointermove", fields=[x], empty=False, clear="pointerout"
    )
    names = [str(s) for s in pd.unique(data[series])]
    tips = [alt.Tooltip(field=x, type="quantitative", title=x_title or x)]
    tips += [alt.Tooltip(field=field(n), type="quantitative", title=n, format=fmt) for n in names]
    rule = (
        alt.Chart(data)
        .transform_pivot(series, value=value, groupby=[x])
        .mark_rule(color="#555555", strokeWidth=1)
        .encode(
            x=alt.X(field=x, type="quantitative"),
            opacity=alt.condition(nearest, alt.value(0.55), alt.value(0)),
            tooltip=tips,
        )
        .add_params(nearest)
    )
    dots = (
        alt.Chart(data)
        .mark_point(filled=True, size=50, color="#333333", stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X(field=x, type="quantitative"),
            y=alt.Y(field=value, type="quantitative"),
            opacity=alt.condition(nearest, alt.value(1), alt.value(0)),
        )
    )
    return [rule, dots]


def zoom_x() -> alt.Parameter:
    return alt.selection_interval(bind="scales", encodings=["x"])


# --------------------------------------------------------------------------- shocks
def _shock_frame(scenario: Any) -> pd.DataFrame:
    rows = [
        {
            "day": s.day,
            "end": s.day + (s.duration or 0),
            "shock": SHOCKS[s.kind].label,
            "colour": SHOCKS[s.kind].colour,
            "label": f"{SHOCKS[s.kind].label} (day {s.day})",
        }
        for s in scenario.shocks
        if s.day < scenario.days
    ]
    return pd.DataFrame(rows, columns=["day", "end", "shock", "colour", "label"])


def shock_layers(scenario: Any) -> list[alt.Chart]:
    """Dashed rules at each shock, a shaded span while it lasts, and its name on top, in
    the shock kind's own colour as a mark property (no colour scale, so they can join any
    chart without touching its legend)."""
    shocks = _shock_frame(scenario)
    out: list[alt.Chart] = []
    for row in shocks.itertuples():
        one = pd.DataFrame([row._asdict()]).drop(columns="Index")
        if row.end > row.day:
            out.append(
                alt.Chart(one)
                .mark_rect(opacity=0.08, color=row.colour)
                .encode(x="day:Q", x2="end:Q")
            )
        out.append(
            alt.Chart(one)
            .mark_rule(strokeDash=[5, 3], size=1.5, color=row.colour)
            .encode(x="day:Q")
        )
        out.append(
            alt.Chart(one)
            .mark_text(align="left", dx=4, dy=-4, baseline="top", fontSize=12, color=row.colour)
            .encode(x="day:Q", y=alt.value(4), text="shock:N")
        )
    return out


# --------------------------------------------------------------------------- Explore
def run_labels(run: Run, ref: Run | None) -> list[str]:
    """Legend entries: the run first, its reference second (the fixed colour domain)."""
    labels = [run.name]
    if ref is not None:
        labels.append(f"{ref.name} (reference)")
    return labels


def _run_style(labels: Sequence[str]) -> dict[str, Any]:
    """Run solid blue, reference dashed grey, whatever the names and their sort order."""
    legend = alt.Legend(title=None, orient="bottom", labelLimit=0)
    colours = [RUN_COLOUR, REF_COLOUR][: len(labels)]
    dashes = [SOLID, DASHED][: len(labels)]
    return {
        "color": alt.Color(
            "run:N", scale=alt.Scale(domain=list(labels), range=colours), legend=legend
        ),
        "strokeDash": alt.StrokeDash(
            "run:N", scale=alt.Scale(domain=list(labels), range=dashes), legend=legend
        ),
    }


def active_chart(run: Run, ref: Run | None = None, height: int = HEIGHT) -> alt.LayerChart:
    """Active customers per day, the reference dashed, shocks as marked rules/spans."""
    labels = run_labels(run, ref)
    frames = [
        pd.DataFrame({"day": r.result.daily.index, "active": r.result.daily["active"], "run": lab})
        for r, lab in zip([run, ref] if ref is not None else [run], labels, strict=True)
    ]
    data = pd.concat(frames, ignore_index=True)
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("day:Q", title="day", scale=alt.Scale(nice=False)),
            y=alt.Y("active:Q", title="active customers"),
            **_run_style(labels),
        )
        .add_params(zoom_x())
    )
    return (
        alt.layer(*shock_layers(run.scenario), lines, *hover(data, "day", "run", "active"))
        .resolve_scale(color="independent", strokeDash="independent")
        .properties(height=height)
    )


def retention_chart(runs: list[Run], height: int = HEIGHT) -> alt.LayerChart:
    """Survival by customer age (no gap of a churn window without a purchase), the library's
    pooled curve with its 95% Wilson band, for the run and its reference."""
    labels = run_labels(runs[0], runs[1] if len(runs) > 1 else None)
    parts = []
    for r, label in zip(runs, labels, strict=True):
        c = r.result.retention
        parts.append(
            pd.DataFrame(
                {
                    "age": c.index,
                    "retention": c["rate"].to_numpy(),
                    "lo": c["lo"].to_numpy(),
                    "hi": c["hi"].to_numpy(),
                    "customers": c["n"].to_numpy(),
                    "run": label,
                }
            )
        )
    data = pd.concat(parts, ignore_index=True)
    style = _run_style(labels)
    x = alt.X("age:Q", title="days since first purchase", scale=alt.Scale(nice=False))
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.15)
        .encode(x=x, y="lo:Q", y2="hi:Q", color=style["color"])
    )
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y(
                "retention:Q",
                title="share surviving",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            **style,
        )
    )
    return alt.layer(
        band, lines, *hover(data, "age", "run", "retention", ".1%", "age (days)")
    ).properties(height=height)


def cohort_chart(run: Run, kind: str = "survival", height: int = HEIGHT + 60) -> alt.Chart:
    """Acquisition cohorts (rows) by age (columns): the share surviving (or active), from
    the library's cohort matrix, each cell with its counts and 95% interval on hover."""
    m = run.result.cohort_table(kind)
    long = m.long()
    unit = m.unit
    letter = unit[0].upper()
    long["cohort_label"] = [
        f"{letter}{c} (from day {d})"
        for c, d in zip(long["cohort"], long["first_day"], strict=True)
    ]
    order = list(dict.fromkeys(long.sort_values("cohort")["cohort_label"]))
    word = "surviving" if kind == "survival" else "active"
    return (
        alt.Chart(long)
        .mark_rect()
        .encode(
            x=alt.X("age:O", title=f"{unit}s since acquisition"),
            y=alt.Y("cohort_label:N", sort=order, title=f"acquisition cohort ({unit})"),
            color=alt.Color(
                "rate:Q",
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                legend=alt.Legend(format="%", title=f"share {word}"),
            ),
            tooltip=[
                alt.Tooltip("cohort_label:N", title="cohort"),
                alt.Tooltip("age:O", title=f"{unit}s since acquisition"),
                alt.Tooltip("rate:Q", format=".1%", title=f"share {word}"),
                alt.Tooltip("lo:Q", format=".1%", title="95% interval from"),
                alt.Tooltip("hi:Q", format=".1%", title="95% interval to"),
                alt.Tooltip("customers:Q", format=",", title=f"customers {word}"),
                alt.Tooltip("n:Q", format=",", title="customers observed"),
            ],
        )
        .properties(height=max(height, 20 * len(order) + CHROME))
    )


def cohort_curves_chart(run: Run, kind: str = "survival", height: int = HEIGHT) -> alt.LayerChart:
    """One curve per acquisition cohort (its share surviving or active by age), the early
    cohorts dark, the late ones light, each with its counts on hover."""
    m = run.result.cohort_table(kind)
    long = m.long()
    unit = m.unit
    long["cohort_label"] = [f"{unit[0].upper()}{c}" for c in long["cohort"]]
    word = "surviving" if kind == "survival" else "active"
    x = alt.X("age:Q", title=f"{unit}s since acquisition", scale=alt.Scale(nice=False))
    lines = (
        alt.Chart(long)
        .mark_line(strokeWidth=1.5, opacity=0.85)
        .encode(
            x=x,
            y=alt.Y(
                "rate:Q",
                title=f"share {word}",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "cohort:Q",
                scale=alt.Scale(scheme="viridis", reverse=True),
                legend=alt.Legend(title=f"cohort ({unit} acquired)"),
            ),
            detail="cohort_label:N",
        )
    )
    return alt.layer(
        lines, *hover(long, "age", "cohort_label", "rate", ".1%", f"{unit}s since acquisition")
    ).properties(height=height)


def counterfactual_chart(
    run: Run, without: Run, shock_index: int, height: int = HEIGHT
) -> alt.LayerChart:
    """Active customers with the shock and in the same run without it (same seed), and the
    day the library reads resilience at."""
    s = run.scenario.shocks[shock_index]
    labels = [f"{run.name} (with the {SHOCKS[s.kind].label.lower()})", "the same run without it"]
    data = pd.concat(
        [
            pd.DataFrame(
                {"day": r.result.daily.index, "active": r.result.daily["active"], "run": lab}
            )
            for r, lab in zip([run, without], labels, strict=True)
        ],
        ignore_index=True,
    )
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("day:Q", title="day", scale=alt.Scale(nice=False)),
            y=alt.Y("active:Q", title="active customers"),
            **_run_style(labels),
        )
    )
    marks = shock_layers(run.scenario.with_overrides({"shocks": [s.model_dump()]}))
    at = s.day + run.scenario.observation.resilience_horizon
    if at < run.scenario.days:
        read = pd.DataFrame({"day": [at], "label": [f"read on day {at}"]})
        marks.append(
            alt.Chart(read).mark_rule(color="#444444", strokeDash=[2, 2]).encode(x="day:Q")
        )
        marks.append(
            alt.Chart(read)
            .mark_text(align="left", dx=4, dy=14, baseline="top", fontSize=12, color="#444444")
            .encode(x="day:Q", y=alt.value(4), text="label:N")
        )
    return (
        alt.layer(*marks, lines, *hover(data, "day", "run", "active"))
        .resolve_scale(color="independent", strokeDash="independent")
        .properties(height=height)
    )


def _money_colours() -> alt.Scale:
    return categories([*money.flow_labels(), "Platform net"])


def money_side_chart(run: Run, side: str, height: int = 200) -> alt.LayerChart:
    """One side of the books over the run (who pays, or who earns): a bar per party, split
    by flow, each party's total written at its bar's end."""
    data = money.money_totals(run)
    data = data[data["side"] == side]
    totals = data.groupby("party", sort=False)["yuan"].sum().reset_index()
    totals["text"] = totals["yuan"].map(lambda v: f"¥{v:,.0f}")
    order = list(totals.sort_values("yuan", ascending=False)["party"])
    top = float(totals["yuan"].max()) if len(totals) else 1.0
    scale = alt.Scale(domain=[0, top * 1.35])  # room for the total written at the bar's end
    y = alt.Y("party:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelFontSize=13))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X(
                "sum(yuan):Q", title="yuan over the run", axis=alt.Axis(format="~s"), scale=scale
            ),
            color=alt.Color(
                "flow:N",
                scale=_money_colours(),
                # only this side's flows (the scale's domain is every flow, for fixed colours)
                legend=alt.Legend(title=None, values=list(dict.fromkeys(data["flow"]))),
            ),
            order=alt.Order("flow:N"),
            tooltip=[
                alt.Tooltip("party:N"),
                alt.Tooltip("flow:N"),
                alt.Tooltip("yuan:Q", format=",.0f", title="yuan"),
            ],
        )
    )
    labels = (
        alt.Chart(totals)
        .mark_text(align="left", dx=4, fontSize=13)
        .encode(y=y, x=alt.X("yuan:Q", scale=scale), text="text:N")
    )
    rows = len(order)
    return alt.layer(bars, labels).properties(
        height=max(height, MIN_HEIGHT, 2 * ROW * rows + CHROME), title=side
    )


def platform_money_chart(run: Run, window: int = 7, height: int = HEIGHT) -> alt.LayerChart:
    """The platform's cash flows per day (income up, costs down) and its net as a line."""
    data = money.platform_daily(run, window)
    flows = data[data["flow"] != "Platform net"]
    net = data[data["flow"] == "Platform net"]
    area = (
        alt.Chart(flows)
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("day:Q", scale=alt.Scale(nice=False)),
            y=alt.Y("yuan:Q", title=f"yuan per day ({window}-day mean)", stack="zero"),
            color=alt.Color(
                "flow:N", scale=_money_colours(), legend=alt.Legend(title=None, orient="bottom")
            ),
        )
        .add_params(zoom_x())
    )
    line = (
        alt.Chart(net)
        .mark_line(color="black", strokeWidth=2.5)
        .encode(x="day:Q", y="yuan:Q", color=alt.Color("flow:N", scale=_money_colours()))
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#333333").encode(y="y:Q")
    return alt.layer(area, zero, line, *hover(data, "day", "flow", "yuan")).properties(
        height=height
    )


def leader_income_chart(run: Run, height: int = HEIGHT) -> alt.LayerChart:
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
                title="leader income per day over the run (¥)",
            ),
            y=alt.Y("count():Q", title="leaders", stack=True),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=["still leading", "quit"], range=[RUN_COLOUR, "#bbbbbb"]),
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
        .mark_text(align="left", dx=4, dy=6, baseline="top", fontSize=12)
        .encode(x="wage:Q", y=alt.value(0), text="label:N")
    )
    return alt.layer(bars, rule, label).properties(height=height)


# --------------------------------------------------------------------------- compare
def band_chart(
    bands: pd.DataFrame,
    names: Sequence[str],
    x: str = "day",
    y_title: str = "active customers",
    colour: str = "scenario",
    unit: str = "count",
    height: int = HEIGHT,
    extra: Sequence[alt.Chart] = (),
) -> alt.LayerChart:
    """Mean lines with shaded 95% bands, one fixed colour per scenario (in ``names`` order);
    ``extra`` layers (a zero line, shock marks) are drawn under the lines."""
    scale = categories(names)
    legend = alt.Legend(title=None, orient="bottom", labelLimit=0)
    base = alt.Chart(bands).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(nice=False), title=x if x != "age" else "age (days)"),
        color=alt.Color(f"{colour}:N", scale=scale, legend=legend),
    )
    area = base.mark_area(opacity=0.18).encode(
        y=alt.Y("lo:Q", title=y_title, axis=y_axis(unit)), y2="hi:Q"
    )
    line = base.mark_line(strokeWidth=2).encode(y="mean:Q").add_params(zoom_x())
    fmt = ".1%" if unit == "share" else ",.0f"
    return alt.layer(*extra, area, line, *hover(bands, x, colour, "mean", fmt)).properties(
        height=height
    )


def diff_chart(diff: pd.DataFrame, height: int = HEIGHT) -> alt.LayerChart:
    """Paired difference per day with its band, and the zero line."""
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="black").encode(y="y:Q")
    pairs = [str(p) for p in pd.unique(diff["pair"])]
    return band_chart(
        diff,
        pairs,
        colour="pair",
        y_title="difference in active customers",
        height=height,
        extra=[zero],
    )


def kpi_dot_chart(long: pd.DataFrame, key: str, names: Sequence[str]) -> alt.LayerChart:
    """One KPI per scenario: mean with its 95% CI as an error bar, a row per scenario."""
    data = long[long["kpi"] == key].copy()
    data["scenario"] = data["scenario"].map(display_name)
    data["lo"] = data["mean"] - data["ci95"].fillna(0)
    data["hi"] = data["mean"] + data["ci95"].fillna(0)
    k = kpi(key)
    data["text"] = [k.format_ci(m, c) for m, c in zip(data["mean"], data["ci95"], strict=True)]
    shown = [display_name(n) for n in names]
    y = alt.Y("scenario:N", sort=shown, title=None, axis=alt.Axis(labelLimit=0, labelFontSize=13))
    x = alt.X("lo:Q", title=kpi_title(key), axis=y_axis(k.unit), scale=alt.Scale(zero=False))
    base = alt.Chart(data).encode(y=y)
    return alt.layer(
        base.mark_rule(strokeWidth=2).encode(
            x=x, x2="hi:Q", color=alt.Color("scenario:N", scale=categories(shown), legend=None)
        ),
        base.mark_point(filled=True, size=110).encode(
            x="mean:Q",
            color=alt.Color("scenario:N", scale=categories(shown), legend=None),
            tooltip=[alt.Tooltip("scenario:N"), alt.Tooltip("text:N", title=k.label)],
        ),
    ).properties(height=max(MIN_HEIGHT, 2 * ROW * len(data) + CHROME - 40))


# --------------------------------------------------------------------------- lever effects
def effects_chart(effects: pd.DataFrame, key: str) -> alt.LayerChart:
    """Each lever one step down and one step up: the paired effect on one KPI with its 95%
    interval; effects whose interval includes zero are drawn faint ("within noise")."""
    k = kpi(key)
    data = effects[effects["kpi"] == key].copy()
    data["lo"] = data["effect"] - data["ci95"].fillna(0)
    data["hi"] = data["effect"] + data["ci95"].fillna(0)
    data["reading"] = np.select(
        [data["identical"], data["clear"]], ["identical runs", "clear effect"], "within noise"
    )
    size = data["effect"].abs().fillna(0.0)  # an undefined effect sorts last, silently
    order = size.groupby(data["lever"]).max().sort_values(ascending=False).index.tolist()
    y = alt.Y("lever:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelFontSize=12))
    colour = alt.Color(
        "step:N",
        scale=alt.Scale(domain=["one step down", "one step up"], range=["#e8710a", RUN_COLOUR]),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    opacity = alt.Opacity(
        "reading:O",
        scale=alt.Scale(
            domain=["clear effect", "within noise", "identical runs"], range=[1.0, 0.3, 0.15]
        ),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    base = alt.Chart(data).encode(y=y, yOffset=alt.YOffset("step:N"), color=colour, opacity=opacity)
    tips = [
        alt.Tooltip("lever:N"),
        alt.Tooltip("change:N", title="setting"),
        alt.Tooltip("text:N", title=k.label),
        alt.Tooltip("reading:N", title="reading"),
    ]
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="black").encode(x="x:Q")
    return alt.layer(
        base.mark_bar(height=9).encode(
            x=alt.X("effect:Q", title=f"effect on {kpi_title(key)}", axis=y_axis(k.unit)),
            tooltip=tips,
        ),
        base.mark_rule().encode(x="lo:Q", x2="hi:Q", tooltip=tips),
        zero,
    ).properties(height=max(MIN_HEIGHT, ROW * len(order) + CHROME))


# --------------------------------------------------------------------------- experiments
def response_curve(
    response: pd.DataFrame,
    points: pd.DataFrame,
    param: str,
    kpi_key: str,
    title: str,
    unit: str = "count",
) -> alt.LayerChart:
    """KPI against one parameter: every run as a dot, and the mean by parameter value (or
    value bin, as computed by ``sim.batch.analyze``) with its 95% confidence band. Columns
    are renamed to plain names (a parameter path like ``policy.partner.share`` would be read
    by Vega-Lite as a nested field)."""
    curve = response[response["parameter"] == param].copy()
    curve["value"] = pd.to_numeric(curve["value"], errors="coerce")
    curve = curve.dropna(subset=["value"]).sort_values("value")
    ci = curve["ci95"].fillna(0.0)
    curve["lo"], curve["hi"] = curve["mean"] - ci, curve["mean"] + ci
    y_title = kpi_title(kpi_key) if kpi_key else kpi_key
    x = alt.X(
        "value:Q", title=title, axis=alt.Axis(format=".0%") if unit == "share" else alt.Axis()
    )
    pts = pd.DataFrame({"value": points[param].to_numpy(), "y": points[kpi_key].to_numpy()})
    dots = (
        alt.Chart(pts)
        .mark_circle(opacity=0.25, size=18, color="#4c78a8")
        .encode(x=x, y=alt.Y("y:Q", title=y_title, scale=alt.Scale(zero=False)))
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
                alt.Tooltip("value:Q", title=title),
                alt.Tooltip("mean:Q", format=",.4~g"),
                alt.Tooltip("ci95:Q", format=",.3~g"),
                "n:Q",
            ],
        )
    )
    return alt.layer(dots, area, line).properties(height=HEIGHT)


def response_surface(
    grid: pd.DataFrame, px: str, py: str, kpi_key: str, titles: tuple[str, str]
) -> alt.Chart:
    """Mean KPI over a binned grid of two parameters (their columns renamed to x_bin and
    y_bin: dotted parameter paths are nested fields to Vega-Lite)."""
    data = grid.rename(columns={f"{px}_bin": "x_bin", f"{py}_bin": "y_bin"})
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("x_bin:O", title=titles[0], sort=None),
            y=alt.Y("y_bin:O", title=titles[1], sort="descending"),
            color=alt.Color("mean:Q", title=kpi_title(kpi_key), scale=alt.Scale(scheme="viridis")),
            tooltip=[
                alt.Tooltip("x_bin:O", title=titles[0]),
                alt.Tooltip("y_bin:O", title=titles[1]),
                alt.Tooltip("mean:Q", format=",.3~f"),
                "n:Q",
            ],
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
        y=alt.Y("parameter:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
        yOffset="index:N",
        color="index:N",
    )
    return alt.layer(
        base.mark_bar().encode(x=alt.X("value:Q", title="Sobol index (share of variance)")),
        base.mark_rule(color="black").encode(x="lo:Q", x2="hi:Q"),
    ).properties(height=max(MIN_HEIGHT, 2 * ROW * sobol.shape[0] + CHROME))


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
