"""Compare scenarios over several seeds: KPI means with 95% confidence intervals."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analytics.intervals import t_interval
from sim.api import resolve, run
from sim.kpis import headline, kpi
from sim.results import RunResult, clean_json
from sim.scenario import Scenario

HEADLINE_KPIS = headline()


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the t-based confidence interval (NaNs ignored)."""
    return t_interval(values, level)


@dataclass
class Comparison:
    scenarios: list[Scenario]
    seeds: list[int]
    kpis: pd.DataFrame  # one row per (scenario, seed)
    active: dict[str, pd.DataFrame]  # day x seed per scenario

    def table(self, kpis: Sequence[str] = HEADLINE_KPIS) -> pd.DataFrame:
        """Rows: KPIs (plus per-shock resilience); columns: scenario; cells (mean, ci)."""
        names = list(kpis) + sorted(c for c in self.kpis.columns if c.startswith("resilience_"))
        rows = {}
        for k in names:
            if k not in self.kpis.columns:
                continue
            rows[k] = {
                sc.name: mean_ci(self.kpis.loc[self.kpis["scenario"] == sc.name, k])
                for sc in self.scenarios
            }
        return pd.DataFrame(rows).T

    def formatted(self) -> pd.DataFrame:
        """The table as text, each KPI in its unit, rows labelled in words."""
        table = self.table()
        out = pd.DataFrame(
            {
                col: [kpi(k).format_ci(*table.loc[k, col]) for k in table.index]
                for col in table.columns
            },
            index=pd.Index([kpi(k).label for k in table.index], name="KPI"),
        )
        return out

    def save(self, out: str | Path) -> Path:
        from sim.plots import comparison_figure, plt, retention_figure

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.kpis.to_csv(out / "kpis_by_seed.csv", index=False)
        table = self.table()
        flat = {
            k: {sc: {"mean": mc[0], "ci95": mc[1]} for sc, mc in row.items()}
            for k, row in table.iterrows()
        }
        (out / "comparison.json").write_text(
            json.dumps(clean_json({"seeds": self.seeds, "kpis": flat}), indent=2)
        )
        fig = comparison_figure(self.active, {s.name: s.shocks for s in self.scenarios})
        fig.savefig(out / "comparison_active.png", dpi=110)
        plt.close(fig)
        if self._first:
            fig = retention_figure(self._first)
            fig.savefig(out / "comparison_retention.png", dpi=110)
            plt.close(fig)
        (out / "report.md").write_text(self.report())
        return out

    _first: list[RunResult] | None = None

    def report(self) -> str:
        """A Markdown report: setup, the KPI table and, for two scenarios, the differences."""
        lines = [
            "# symbiosim comparison",
            "",
            f"Scenarios: {', '.join(s.name for s in self.scenarios)}; seeds: {self.seeds}; "
            f"{self.scenarios[0].population.consumers:,} consumers, {self.scenarios[0].days} days.",
            "Cells: mean ± half-width of the 95% t confidence interval over seeds.",
            "",
            *self.definitions(),
            "",
            self.formatted().to_markdown(),
            "",
        ]
        if len(self.scenarios) == 2:
            lines += ["## Differences", "", *self.differences(), ""]
        lines += [
            "![active customers](comparison_active.png)",
            "",
            "![retention](comparison_retention.png)",
            "",
        ]
        return "\n".join(lines)

    def definitions(self) -> list[str]:
        """How the KPIs were measured: the stated cohort, horizons, the counterfactual."""
        obs = {s.observation.model_dump_json() for s in self.scenarios}
        o = self.scenarios[0].observation
        w = self.scenarios[0].population.churn_window
        lines = [
            "How the KPIs are measured (docs/metrics.md):",
            "",
            f"* **Stated cohort**: customers acquired on days {o.cohort_start}–{o.cohort_end - 1}"
            " of each run; D30/D90/D180/D365, the first-year repeat rate, LTV, CAC and payback "
            "are computed for this cohort in every scenario.",
            f"* **D_k retention** is survival: the share of the cohort with no {w}-day gap "
            "without a purchase (the churn window) during their first k days.",
            f"* **LTV**: the platform's margin per cohort customer over their first "
            f"{o.ltv_horizon} days, less costs spent on them, discounted at "
            f"{100 * o.discount_rate:g}% a year; **CAC**: ad spend over the cohort's "
            "acquisition days plus its acquisition incentives, per customer; payback: the age "
            "at which cumulative margin per customer covers CAC.",
            f"* **Resilience** of a shock: active customers {o.resilience_horizon} days after it "
            "over the same run (same seed) without that shock; customer-days lost over those "
            "days.",
        ]
        if len(obs) > 1:
            lines.append(
                "* Warning: the scenarios use different observation settings; their cohort KPIs "
                "are not comparable."
            )
        return lines

    def differences(self, kpis: Sequence[str] = HEADLINE_KPIS) -> list[str]:
        """One line per KPI: B − A with a paired 95% CI over seeds (same seeds, same network
        draws), and whether the interval excludes zero."""
        a, b = (s.name for s in self.scenarios)
        ka = self.kpis[self.kpis["scenario"] == a].set_index("seed")
        kb = self.kpis[self.kpis["scenario"] == b].set_index("seed")
        out = [f"`{b}` minus `{a}` (paired by seed):", ""]
        names = list(kpis) + sorted(c for c in ka.columns if c.startswith("resilience_"))
        for k in names:
            if k not in ka.columns or k not in kb.columns:
                continue
            diff = (kb[k] - ka[k]).to_numpy(dtype=float)
            m, h = mean_ci(diff)
            if not np.isfinite(m):
                continue
            sig = np.isfinite(h) and abs(m) > h
            spec = kpi(k)
            text = _pp(m, h) if spec.unit == "share" else spec.format_ci(m, h)
            out.append(f"- {spec.label}: {text}" + ("" if sig else " (not distinguishable from 0)"))
        return out


def _pp(mean: float, half: float) -> str:
    """A difference of shares, in percentage points."""
    text = f"{100 * mean:+.1f} pp"
    return text + (f" ± {100 * half:.1f} pp" if np.isfinite(half) else "")


def compare(
    scenarios: Sequence[Scenario | str | Path | dict],
    seeds: int | Sequence[int] = 5,
    *,
    days: int | None = None,
    consumers: int | None = None,
    overrides: dict[str, Any] | None = None,
    on_run: Callable[[str, int], None] | None = None,
    runner: Callable[[Scenario, int], RunResult] | None = None,
) -> Comparison:
    """Run every scenario with the same seeds (common random numbers across scenarios).

    ``runner(scenario, seed)`` computes one run (default: ``sim.run`` without the model); a
    caller with a cache of runs (the dashboard) passes its own, so a run is never repeated."""
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    resolved = [resolve(s, days=days, consumers=consumers, overrides=overrides) for s in scenarios]
    names = [s.name for s in resolved]
    if len(set(names)) != len(names):  # same name twice: make them distinguishable
        resolved = [s.with_overrides({"name": f"{s.name}#{i}"}) for i, s in enumerate(resolved)]
    rows, active, first = [], {}, []
    for sc in resolved:
        frames = {}
        for seed in seed_list:
            r = runner(sc, seed) if runner else run(sc, seed=seed, keep_model=False)
            rows.append({"scenario": sc.name, "seed": seed, **r.kpis})
            frames[seed] = r.daily["active"]
            if seed == seed_list[0]:
                first.append(r)
            if on_run:
                on_run(sc.name, seed)
        active[sc.name] = pd.DataFrame(frames)
    comp = Comparison(resolved, seed_list, pd.DataFrame(rows), active)
    comp._first = first
    return comp
