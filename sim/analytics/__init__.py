"""Customer-base analytics: pure functions of a run's transaction log.

Inputs (see ``docs/metrics.md``): the transaction log (one row per purchase,
``transactions.TRANSACTION_SCHEMA``), per-consumer costs that are not purchases
(``COST_SCHEMA``), the daily series (``DAILY_COLUMNS``) and the observation end (the last
simulated day). Nothing here imports the model, so a log read back from Parquet works as well
as one held in memory.
"""

from sim.analytics.cohorts import (
    COHORT_UNITS,
    HEADLINE_AGES,
    RETENTION_KINDS,
    CohortMatrix,
    cohort_matrix,
    retention_at_ages,
    retention_curve,
)
from sim.analytics.customers import DEFAULT_WINDOW, customer_table
from sim.analytics.intervals import Share, binomial_interval, t_interval
from sim.analytics.patterns import PATTERN_KEYS, PATTERNS, Pattern, scorecard
from sim.analytics.repeat import one_time_buyer_share, repeat_rate
from sim.analytics.rfm import rfm_summary
from sim.analytics.transactions import (
    ACQ_CHANNELS,
    CHANNELS,
    COST_SCHEMA,
    DAILY_COLUMNS,
    PARTNER_SCHEMA,
    TRANSACTION_SCHEMA,
    TransactionLogError,
    as_transactions,
    build_costs,
    build_transactions,
    validate_customer_costs,
    validate_daily,
    validate_partners,
    validate_transactions,
)
from sim.analytics.value import customer_value, discount_factor, unit_economics, value_by_cohort

__all__ = [
    "ACQ_CHANNELS",
    "CHANNELS",
    "COHORT_UNITS",
    "COST_SCHEMA",
    "DAILY_COLUMNS",
    "DEFAULT_WINDOW",
    "HEADLINE_AGES",
    "PARTNER_SCHEMA",
    "PATTERNS",
    "PATTERN_KEYS",
    "RETENTION_KINDS",
    "TRANSACTION_SCHEMA",
    "CohortMatrix",
    "Pattern",
    "Share",
    "TransactionLogError",
    "as_transactions",
    "binomial_interval",
    "build_costs",
    "build_transactions",
    "cohort_matrix",
    "customer_table",
    "customer_value",
    "discount_factor",
    "one_time_buyer_share",
    "repeat_rate",
    "retention_at_ages",
    "retention_curve",
    "rfm_summary",
    "scorecard",
    "t_interval",
    "unit_economics",
    "validate_customer_costs",
    "validate_daily",
    "validate_partners",
    "validate_transactions",
    "value_by_cohort",
]
