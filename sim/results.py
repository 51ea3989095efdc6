"""RunResult: everything one run produced, with provenance, saved as Parquet + JSON."""

from __future__ import annotations

import json
import math
import platform
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.metrics import cohort_matrix, compute_kpis
from sim.population import STATE_COLUMNS, TRAITS, Channel
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
    """Outputs of one run. ``daily``: the DataCollector's series; ``kpis``: the summary."""

    scenario: Scenario
    seed: int
    daily: pd.DataFrame
    kpis: dict[str, Any]
    retention_curve: pd.Series
    cohorts: pd.DataFrame
    accounts: pd.DataFrame
    provenance: dict[str, Any]
    model: SocialCommerceModel | None = field(default=None, repr=False)

    @classmethod
    def from_model(cls, model: SocialCommerceModel) -> RunResult:
        daily = model.datacollector.get_model_vars_dataframe()
        daily.index = pd.RangeIndex(len(daily), name="step")
        return cls(
            scenario=model.scenario,
            seed=model.seed,
            daily=daily,
            kpis=compute_kpis(model, daily),
            retention_curve=model.retention.curve(),
            cohorts=cohort_matrix(model.pop.acq_day, model.pop.month_mask, model.day),
            accounts=model.accounts.frame(),
            provenance=provenance(model.scenario, model.seed),
            model=model,
        )

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
        """Write daily.parquet, kpis.json, provenance.json, cohorts/retention/accounts
        (Parquet), consumers.parquet and the figures into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.daily.to_parquet(out / "daily.parquet")
        self.retention_curve.to_frame().to_parquet(out / "retention.parquet")
        self.cohorts.to_parquet(out / "cohorts.parquet")
        self.accounts.to_parquet(out / "accounts.parquet")
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
