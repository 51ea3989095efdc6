"""A run too short for any cohort to be observed still ends with its outputs written (found
by the property-based tests of hostile input: a few-day run crashed building its cohort
tables)."""

from __future__ import annotations

import pytest

import sim
from sim.plots import cohort_figure


@pytest.mark.filterwarnings("error")  # a figure with nothing to draw says so, it does not warn
def test_a_run_with_no_observed_cohort_saves_its_outputs(tmp_path):
    result = sim.run("baseline", seed=0, days=5, consumers=40)
    assert result.daily["orders"].sum() == 0
    result.save(tmp_path)
    assert (tmp_path / "kpis.json").is_file() and (tmp_path / "daily.parquet").is_file()
    fig = cohort_figure(result)
    assert [t.get_text() for t in fig.axes[0].texts] == [
        "No cohort to show: nobody bought in this run's 5 days."
    ]
