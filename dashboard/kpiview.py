"""KPIs as people read them: cards with differences, comparison tables, a plain reading.

Every label, unit, format and direction comes from the KPI registry (``sim.kpis``), every
interval from ``sim.analytics.intervals`` (through ``sim.compare`` and
:mod:`sim.dashboard.runs`): a KPI the lead adds to the registry appears here by itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.dashboard.runs import Compared, Run, paired
from sim.kpis import cards, format_delta, format_delta_ci, headline, kpi

CARD_KPIS: tuple[str, ...] = cards()
HEADLINE_KPIS: tuple[str, ...] = headline()


def finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def display_name(name: str) -> str:
    """A scenario name in words: ``subsidy_group_buying`` → "Subsidy group buying"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def kpi_title(key: str) -> str:
    """A KPI's label with its unit, for axes and table rows: "Platform profit (¥)"."""
    k = kpi(key)
    unit = {"share": "%", "yuan": "¥", "day": "day"}.get(k.unit)
    return f"{k.label} ({unit})" if unit else k.label


def cohort_note(sc: Any) -> str:
    """Why a D_k is "—": the stated cohort must be observed k days past its last day."""
    o = sc.observation
    missing = [k for k in (30, 90, 180, 365) if o.cohort_end - 1 + k > sc.days - 1]
    if not missing:
        return ""
    return (
        f"D{', D'.join(map(str, missing))} retention: — means the stated cohort (customers "
        f"acquired on days {o.cohort_start}–{o.cohort_end - 1}) is not observed long enough; "
        f"D{missing[0]} needs at least {o.cohort_end + missing[0]} days."
    )


def resilience_keys(run: Run) -> list[tuple[str, Any]]:
    """The run's per-shock resilience KPIs (key, shock), in shock order."""
    return [(f"resilience_{s.kind}_{i}", s) for i, s in enumerate(run.scenario.shocks)]


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None
    higher_is_better: bool
    help: str
    neutral: bool = False  # the delta is a quantity, not a difference: no arrow, no colour


def kpi_cards(run: Run, ref: Run | None) -> list[Card]:
    """The card KPIs with their differences to the reference run (None: no deltas), then
    one card per shock: its resilience against the same run without it (the library's
    counterfactual), with the customer-days it cost — never a difference to a reference in
    another market, which mixes the shock with that market's own growth."""
    out = []
    for key in CARD_KPIS:
        k = kpi(key)
        v = run.result.kpis.get(key, float("nan"))
        delta = None
        if ref is not None:
            r = ref.result.kpis.get(key, float("nan"))
            delta = format_delta(v - r, k.unit) if finite(v) and finite(r) else "—"
        out.append(Card(k.label, k.format(v), delta, k.higher_is_better is not False, k.definition))
    for key, shock in resilience_keys(run):
        k = kpi(key)
        v = run.result.kpis.get(key, float("nan"))
        gap_key = key.replace("resilience_", "resilience_gap_", 1)
        gap = run.result.kpis.get(gap_key, float("nan"))
        lost = f"{kpi(gap_key).format(gap)} customer-days lost" if finite(gap) else None
        out.append(
            Card(
                k.label,
                k.format(v),
                lost,
                True,
                f"{k.definition} The shock starts on day {shock.day}; the Shocks tab draws "
                "both runs.",
                neutral=True,
            )
        )
    if not run.scenario.shocks:
        out.append(Card("Resilience", "no shocks", None, True, "Add a shock to measure it."))
    return out


def kpi_table(run: Run) -> pd.DataFrame:
    """Every KPI of the run in words and in its unit (registry order, then the rest)."""
    rows = {}
    for key, value in run.result.kpis.items():
        try:
            k = kpi(key)
        except KeyError:
            rows[key] = f"{value:,.4g}" if isinstance(value, float) else str(value)
            continue
        rows[k.label] = k.format(value)
    return pd.DataFrame({"value": rows}).rename_axis("KPI")


def comparison_table(compared: Compared, keys: Iterable[str] = HEADLINE_KPIS) -> pd.DataFrame:
    """Rows: KPIs in words; a column per scenario (mean ± 95% CI over seeds, in the KPI's
    unit) and per other scenario its paired difference to the first."""
    names = compared.names
    table = compared.comparison.table(list(keys))
    cols: dict[str, list[str]] = {display_name(n): [] for n in names}
    diff_cols = {n: f"{display_name(n)} − {display_name(names[0])}" for n in names[1:]}
    for col in diff_cols.values():
        cols[col] = []
    labels = []
    for key in table.index:
        k = kpi(key)
        labels.append(k.label)
        for n in names:
            cols[display_name(n)].append(k.format_ci(*table.loc[key, n]))
        for n, col in diff_cols.items():
            mean, half = paired(compared, key, names[0], n)
            text = format_delta_ci(mean, half, k.unit)
            if finite(mean) and not (finite(half) and abs(mean) > half):
                text += " (within noise)"
            cols[col].append(text)
    return pd.DataFrame(cols, index=pd.Index(labels, name="KPI"))


def clear(mean: float, half: float) -> bool:
    """Whether a paired difference's 95% interval excludes zero."""
    return finite(mean) and finite(half) and abs(mean) > half


def plain_reading(
    compared: Compared, keys: Sequence[str] = HEADLINE_KPIS, first: int = 0, second: int = 1
) -> list[str]:
    """Short sentences reading the comparison of two scenarios (Markdown), each computed
    from the numbers: which is higher, by how much, with its interval, and a summary of
    which does better where the difference is clear."""
    names = compared.names
    a, b = names[first], names[second]
    da, db = display_name(a), display_name(b)
    table = compared.comparison.table(list(keys))
    lines, better_b, better_a, unclear = [], [], [], []
    for key in table.index:
        k = kpi(key)
        (ma, _), (mb, _) = table.loc[key, a], table.loc[key, b]
        if not (finite(ma) and finite(mb)):
            continue
        d, h = paired(compared, key, a, b)
        if not clear(d, h):
            unclear.append(k.label)
            lines.append(
                f"**{k.label}**: {k.format(mb)} under {db} and {k.format(ma)} under {da} — "
                f"no clear difference over these seeds ({format_delta_ci(d, h, k.unit)})."
            )
            continue
        word = "higher" if d > 0 else "lower"
        lines.append(
            f"**{k.label}** is {word} under {db}: {k.format(mb)} against {k.format(ma)} "
            f"({format_delta_ci(d, h, k.unit)}, 95% interval)."
        )
        if k.higher_is_better is None:
            continue
        good = (d > 0) == bool(k.higher_is_better)
        (better_b if good else better_a).append(k.label)
    judged = len(better_a) + len(better_b)
    summary = (
        f"Over {len(compared.seeds)} seeds, **{db}** does better on {len(better_b)} of the "
        f"{judged} KPIs where the difference is clear"
        + (f"; **{da}** on {len(better_a)}: {', '.join(better_a)}" if better_a else "")
        + "."
    )
    if unclear:
        summary += f" Within noise: {', '.join(unclear)}."
    return [summary, *lines]
