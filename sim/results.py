"""RunResult: everything one run produced, with provenance, saved as Parquet + JSON."""

from __future__ import annotations

import json
import math
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.metrics import compute_kpis
from sim.population import STATE_COLUMNS, TRAITS, Channel
from sim.resilience import resilience_kpis, resilience_table
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel


def git_commit() -> str | None:
    """The source tree's commit, where the package runs from a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def provenance(scenario: Scenario, seed: int) -> dict[str, Any]:
    import mesa

    from sim import __version__

    return {
        "package": "symbiosim",
        "version": __version__,
        "git_commit": git_commit(),
        "scenario_name": scenario.name,
        "scenario_key": scenario.key(seed),
        "seed": seed,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "scenario": scenario.to_dict(),
    }


@dataclass
class RunResult:
    """Outputs of one run. ``daily``: the DataCollector's series; ``kpis``: the summary;
    ``transactions``: one row per purchase (docs/metrics.md); ``customer_costs``: platform
    costs spent on customers outside a purchase; ``resilience``: each shock against the same
    run without it (None without shocks or when not computed)."""

    scenario: Scenario
    seed: int
    daily: pd.DataFrame
    kpis: dict[str, Any]
    transactions: pd.DataFrame
    customer_costs: pd.DataFrame
    accounts: pd.DataFrame
    provenance: dict[str, Any]
    model: SocialCommerceModel | None = field(default=None, repr=False)
    resilience: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # from the mechanisms

    @classmethod
    def from_model(
        cls,
        model: SocialCommerceModel,
        counterfactual_active: Callable[[Scenario], np.ndarray] | None = None,
    ) -> RunResult:
        """Collect a finished model's outputs. ``counterfactual_active`` (a function running
        a scenario with this run's seed and returning its daily active customers) enables
        counterfactual resilience for each shock."""
        daily = model.datacollector.get_model_vars_dataframe()
        daily.index = pd.RangeIndex(len(daily), name="step")
        transactions = model.transactions.frame(model.pop)
        costs = model.transactions.costs_frame()
        kpis = compute_kpis(model, daily, transactions, costs)
        resilience = None
        if model.scenario.shocks and counterfactual_active is not None:
            resilience = resilience_table(
                model.scenario, daily["active"].to_numpy(), counterfactual_active
            )
            kpis.update(resilience_kpis(resilience))
        return cls(
            scenario=model.scenario,
            seed=model.seed,
            daily=daily,
            kpis=kpis,
            transactions=transactions,
            customer_costs=costs,
            accounts=model.accounts.frame(),
            provenance=provenance(model.scenario, model.seed),
            model=model,
            resilience=resilience,
            tables={k: v for m in model.mechanisms.values() for k, v in m.tables().items()},
        )

    # ------------------------------------------------------------- customer-base views
    @property
    def observation_end(self) -> int:
        return len(self.daily) - 1

    def _curve(self, kind: str) -> pd.DataFrame:
        from sim.analytics import retention_curve

        obs = self.scenario.observation
        return retention_curve(
            self.transactions,
            self.observation_end,
            kind,
            self.scenario.population.churn_window,
            min_customers=obs.min_customers,
        )

    @cached_property
    def retention(self) -> pd.DataFrame:
        """Survival by age, pooled over every customer observed at that age: rate, its 95%
        Wilson interval (lo, hi), customers surviving and observed (n). Starts at 1.0 at age
        0 and stops where fewer than ``observation.min_customers`` are observed."""
        return self._curve("survival")

    @cached_property
    def activity(self) -> pd.DataFrame:
        """Activity by age (a purchase within the churn window ending at that age), pooled
        like :attr:`retention`."""
        return self._curve("activity")

    @property
    def retention_curve(self) -> pd.Series:
        """The survival rate by age (the ``rate`` column of :attr:`retention`)."""
        return self.retention["rate"].rename("retention")

    def cohort_table(self, kind: str = "survival") -> Any:
        """Cohort x age matrix (survival or activity) with its counts, by acquisition week
        or 30-day month (``observation.cohort_unit``): :class:`sim.analytics.CohortMatrix`."""
        from sim.analytics import cohort_matrix

        return cohort_matrix(
            self.transactions,
            self.observation_end,
            kind,
            self.scenario.observation.cohort_unit,
            self.scenario.population.churn_window,
        )

    @cached_property
    def cohorts(self) -> pd.DataFrame:
        """The survival matrix as one table: cohort size, then the share surviving at each
        age (columns in cohort units); cells not fully observed are NaN."""
        m = self.cohort_table("survival")
        unit = m.unit[0].upper()
        rate = m.rate.copy()
        rate.columns = [str(c) for c in rate.columns]
        rate.index = pd.Index([f"{unit}{c}" for c in rate.index], name="cohort")
        rate.insert(0, "size", m.n.iloc[:, 0].fillna(0).astype(int).to_numpy())
        return rate

    @cached_property
    def rfm(self) -> pd.DataFrame:
        """Per customer: frequency, recency, T, monetary value (days), in the layout of
        PyMC-Marketing's CLV module, ready to fit BG/NBD or Pareto/NBD."""
        from sim.analytics import rfm_summary

        return rfm_summary(self.transactions, self.observation_end)

    @cached_property
    def consumers(self) -> pd.DataFrame:
        """The final per-consumer table (one row per consumer)."""
        if self.model is None:
            raise ValueError("consumers: this result was loaded without its model")
        pop = self.model.pop
        cols: dict[str, Any] = {
            "segment": pd.Categorical.from_codes(pop.segment, pop.segment_names),
            "community": pop.community,
        }
        for name in (*TRAITS, *STATE_COLUMNS):
            cols[name] = getattr(pop, name)
        names = [c.name.lower() for c in Channel if c >= 0]
        for col in ("aware_channel", "acq_channel"):
            codes = cols[col].astype(np.int16)
            cols[col] = pd.Categorical.from_codes(np.where(codes < 0, -1, codes), names)
        df = pd.DataFrame(cols)
        df["active"] = pop.active(self.model.day - 1, self.scenario.population.churn_window) & (
            pop.purchases > 0
        )
        df.index.name = "consumer"
        return df

    @property
    def ledger(self) -> Any:
        return None if self.model is None else self.model.ledger

    def summary(self) -> pd.Series:
        return pd.Series(self.kpis, name=self.scenario.name)

    def save(self, out: str | Path, consumers: bool = True, figures: bool = True) -> Path:
        """Write the run into ``out``: daily.parquet, transactions.parquet,
        customer_costs.parquet, rfm.parquet, retention.parquet (survival and activity by
        age), cohorts.parquet (both cohort matrices, long, with counts and intervals),
        accounts.parquet, resilience.parquet (if any shock), consumers.parquet and
        ledger.parquet, kpis.json, provenance.json, scenario.yaml and the figures."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.daily.to_parquet(out / "daily.parquet")
        self.transactions.to_parquet(out / "transactions.parquet", index=False)
        self.customer_costs.to_parquet(out / "customer_costs.parquet", index=False)
        self.rfm.to_parquet(out / "rfm.parquet", index=False)
        curves = pd.concat(
            [self.retention.assign(kind="survival"), self.activity.assign(kind="activity")]
        )
        curves.to_parquet(out / "retention.parquet")
        cohorts = pd.concat(
            [self.cohort_table(k).long().assign(kind=k) for k in ("survival", "activity")],
            ignore_index=True,
        )
        cohorts.to_parquet(out / "cohorts.parquet", index=False)
        self.accounts.to_parquet(out / "accounts.parquet")
        if self.resilience is not None:
            self.resilience.to_parquet(out / "resilience.parquet", index=False)
        for name, table in self.tables.items():
            table.to_parquet(out / f"{name}.parquet", index=False)
        if consumers and self.model is not None:
            self.consumers.to_parquet(out / "consumers.parquet")
            self.model.ledger.to_frame().to_parquet(out / "ledger.parquet")
        (out / "kpis.json").write_text(json.dumps(clean_json(self.kpis), indent=2))
        (out / "provenance.json").write_text(json.dumps(clean_json(self.provenance), indent=2))
        (out / "scenario.yaml").write_text(self.scenario.to_yaml())
        if figures:
            from sim.plots import save_run_figures

            save_run_figures(self, out)
        return out


def clean_json(obj: Any) -> Any:
    """NaN/inf → None and numpy scalars → Python, so the JSON is strict."""
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean_json(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
