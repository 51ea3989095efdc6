"""docs/metrics.md carries the schemas and the scorecard exactly as the code defines them."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import sim.analytics as analytics
from sim.analytics import reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


@pytest.mark.parametrize(
    "table",
    [
        reference.transaction_table,
        reference.cost_table,
        reference.partner_table,
        reference.pattern_table,
    ],
)
def test_doc_carries_the_generated_table(table):
    assert table() in DOC.read_text(encoding="utf-8"), (
        f"docs/metrics.md is out of date: paste sim.analytics.reference.{table.__name__}()"
    )


def test_doc_names_every_public_function():
    text = DOC.read_text(encoding="utf-8")
    functions = [n for n in analytics.__all__ if inspect.isfunction(getattr(analytics, n))]
    missing = [n for n in functions if f"{n}(" not in text and f"`{n}`" not in text]
    assert not missing, f"docs/metrics.md does not describe {missing}"
