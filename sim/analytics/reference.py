"""Markdown tables for docs/metrics.md, generated from the schemas and the pattern registry
(one source of truth: a test checks that the document carries these exact tables)."""

from __future__ import annotations

from typing import Any

from sim.analytics.patterns import PATTERNS
from sim.analytics.transactions import (
    COST_SCHEMA,
    PARTNER_SCHEMA,
    TRANSACTION_MEANINGS,
    TRANSACTION_SCHEMA,
    dtype_label,
)

COST_MEANINGS = {
    "consumer": "the consumer charged",
    "day": "the day of the cost",
    "kind": "what it is (winback, pool, ...; any label)",
    "amount": "yuan the platform spent on this consumer (negative: a recovery)",
}
PARTNER_MEANINGS = {
    "consumer": "the partner",
    "joined_day": "the day the current membership started",
    "anniversary_day": "the day of this renewal decision",
    "renewed": "whether the partner renewed on that day",
}


def _table(schema: dict[str, Any], meanings: dict[str, str]) -> str:
    lines = ["| column | dtype | meaning |", "|---|---|---|"]
    lines += [f"| `{c}` | {dtype_label(t)} | {meanings[c]} |" for c, t in schema.items()]
    return "\n".join(lines)


def transaction_table() -> str:
    """The transaction log's columns, dtypes and meanings."""
    return _table(TRANSACTION_SCHEMA, TRANSACTION_MEANINGS)


def cost_table() -> str:
    """The per-consumer cost table's columns."""
    return _table(COST_SCHEMA, COST_MEANINGS)


def partner_table() -> str:
    """The partner renewal table's columns."""
    return _table(PARTNER_SCHEMA, PARTNER_MEANINGS)


def pattern_table() -> str:
    """The realism scorecard: key, pattern, target, source, how it is computed."""
    lines = ["| key | pattern | target | source | computed as |", "|---|---|---|---|---|"]
    lines += [f"| `{p.key}` | {p.label} | {p.target} | {p.source} | {p.method} |" for p in PATTERNS]
    return "\n".join(lines)
