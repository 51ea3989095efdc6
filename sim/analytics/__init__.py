"""Customer-base analytics: pure functions of a run's transaction log.

Inputs (see ``docs/metrics.md``): the transaction log (one row per purchase,
``transactions.TRANSACTION_SCHEMA``), per-consumer costs that are not purchases
(``COST_SCHEMA``), the daily series (``DAILY_COLUMNS``) and the observation end (the last
simulated day). Nothing here imports the model, so a log read back from Parquet works as well
as one held in memory.
"""
