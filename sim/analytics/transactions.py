"""The transaction log: its schema, its invariants, and a builder for hand-written histories.

Every customer-base figure in ``sim.analytics`` is a function of this log (one row per
purchase), of the per-consumer costs that are not purchases, and of the daily series. The
schema below is the single source of truth; ``validate_transactions`` checks a log against
it (in memory or read back from Parquet) and names the first thing that is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

#: How a purchase was bought.
CHANNELS = ("solo", "group", "leader")
#: How the buying consumer was acquired (a consumer attribute, repeated on each of its rows).
ACQ_CHANNELS = ("ad", "invite", "content", "leader", "organic", "referral", "seed")

#: Column -> dtype of the transaction log, in column order.
TRANSACTION_SCHEMA: dict[str, Any] = {
    "consumer": np.dtype("int64"),
    "day": np.dtype("int32"),
    "amount": np.dtype("float64"),
    "list_value": np.dtype("float64"),
    "subsidy": np.dtype("float64"),
    "brand_discount": np.dtype("float64"),
    "redeemed": np.dtype("float64"),
    "channel": pd.CategoricalDtype(CHANNELS),
    "brand": np.dtype("int16"),
    "group": np.dtype("int64"),
    "leader": np.dtype("int32"),
    "acq_channel": pd.CategoricalDtype(ACQ_CHANNELS),
    "referrer": np.dtype("int32"),
    "first": np.dtype("bool"),
    "margin": np.dtype("float64"),
    "acquisition_cost": np.dtype("float64"),
}

#: Column -> meaning of the transaction log (yuan throughout).
TRANSACTION_MEANINGS: dict[str, str] = {
    "consumer": "consumer id (0..n-1; ids are never reused, entrants get new ids)",
    "day": "simulation day of the purchase (0-based; at most one purchase per consumer per day)",
    "amount": "yuan the consumer paid",
    "list_value": "list price of what was bought",
    "subsidy": "platform-funded discount on this purchase",
    "brand_discount": "brand-funded discount",
    "redeemed": "rewards / loyalty points redeemed on this purchase (platform-funded)",
    "channel": "how it was bought",
    "brand": "brand index",
    "group": "拼团 group id; -1 unless channel is group",
    "leader": "community leader id; -1 unless channel is leader",
    "acq_channel": "how the consumer was acquired (the same on all of its rows)",
    "referrer": "the consumer who referred this consumer, -1 if none (the same on all rows)",
    "first": "this is the consumer's first purchase (its acquisition)",
    "margin": "platform contribution from this purchase, acquisition incentives excluded: "
    "commission - subsidy on non-first purchases - rewards triggered by it that are not "
    "acquisition incentives - leader operator fee - loyalty cost",
    "acquisition_cost": "acquisition incentives booked on this purchase (new-user coupon or "
    "first-purchase subsidy, referral bonus and content reward paid for this acquisition); "
    "0 unless first",
}

#: Column -> dtype of the per-consumer costs that are not purchases (charged to LTV).
COST_SCHEMA: dict[str, Any] = {
    "consumer": np.dtype("int64"),
    "day": np.dtype("int32"),
    "kind": "category",
    "amount": np.dtype("float64"),
}

#: Columns the daily series must have (indexed by day 0..D-1).
DAILY_COLUMNS = ("ad_spend", "orders", "active", "new_customers", "customers")

#: Column -> dtype of the partner-membership renewal table (one row per anniversary decision).
PARTNER_SCHEMA: dict[str, Any] = {
    "consumer": np.dtype("int64"),
    "joined_day": np.dtype("int32"),
    "anniversary_day": np.dtype("int32"),
    "renewed": np.dtype("bool"),
}

_PRICE_PARTS = ("amount", "subsidy", "brand_discount", "redeemed")
_NON_NEGATIVE = (*_PRICE_PARTS, "list_value", "acquisition_cost")
_CONSUMER_ATTRIBUTES = ("acq_channel", "referrer")
_BALANCE_RTOL = 1e-9


class TransactionLogError(ValueError):
    """A log, cost table or daily series that breaks the schema; the message is one line."""


def format_cell(value: Any) -> str:
    """A data file's cell for a message, as its user wrote it: text quoted, a blank or NaN
    cell named as such (pandas reads a blank cell as NaN), a number plainly (``5.0``, not
    ``np.float64(5.0)``)."""
    if isinstance(value, str):
        return repr(value)
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return "empty or NaN"
    if isinstance(value, float) and value != value:  # NaN
        return "empty or NaN"
    return str(value)


def dtype_label(dtype: Any) -> str:
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
        return "category {" + ", ".join(map(str, dtype.categories)) + "}"
    return str(dtype)


def _check_schema(df: pd.DataFrame, schema: Mapping[str, Any], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TransactionLogError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise TransactionLogError(
            f"{what}: missing column(s) {', '.join(missing)} (required: {', '.join(schema)})"
        )
    for col, dtype in schema.items():
        actual = df[col].dtype
        if dtype == "category":
            ok = isinstance(actual, pd.CategoricalDtype)
        elif isinstance(dtype, pd.CategoricalDtype):
            ok = isinstance(actual, pd.CategoricalDtype) and list(actual.categories) == list(
                dtype.categories
            )
        else:
            ok = actual == dtype
        if not ok:
            raise TransactionLogError(
                f"{what}: column '{col}' must have dtype {dtype_label(dtype)}, got "
                f"{dtype_label(actual)} (as_transactions() casts a frame to the schema)"
            )
        if df[col].isna().any():
            row = int(np.flatnonzero(df[col].isna().to_numpy())[0])
            allowed = (
                f" (allowed: {', '.join(map(str, dtype.categories))})"
                if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None
                else ""
            )
            raise TransactionLogError(
                f"{what}: column '{col}' has a missing value at row {row}{allowed}"
            )


def _fail_rows(what: str, mask: np.ndarray, rule: str, df: pd.DataFrame, cols: list[str]) -> None:
    bad = np.flatnonzero(mask)
    if len(bad):
        first = int(bad[0])  # each column's own cell (a row of mixed columns is all floats)
        example = ", ".join(f"{c}={format_cell(df[c].iloc[first])}" for c in cols)
        raise TransactionLogError(
            f"{what}: {rule} ({len(bad)} row(s); first: row {int(bad[0])}, {example})"
        )


def validate_transactions(df: pd.DataFrame, observation_end: int | None = None) -> None:
    """Raise ``TransactionLogError`` (one line) unless ``df`` is a valid transaction log.

    Checks the columns and dtypes of ``TRANSACTION_SCHEMA``, no missing values, and the
    invariants: consumer >= 0; 0 <= day (<= observation_end when given); at most one row per
    (consumer, day); prices non-negative and amount + subsidy + brand_discount + redeemed
    == list_value (relative tolerance 1e-9); group >= 0 exactly on channel 'group' rows and
    leader >= 0 exactly on 'leader' rows; brand >= 0; referrer >= -1 and never the consumer
    itself; acq_channel and referrer constant per consumer; ``first`` True exactly once per
    consumer, on its earliest day; acquisition_cost 0 on rows that are not ``first``.
    """
    what = "transactions"
    _check_schema(df, TRANSACTION_SCHEMA, what)
    consumer = df["consumer"].to_numpy()
    day = df["day"].to_numpy()
    _fail_rows(what, consumer < 0, "consumer must be >= 0", df, ["consumer"])
    _fail_rows(what, day < 0, "day must be >= 0", df, ["consumer", "day"])
    if observation_end is not None:
        _fail_rows(
            what,
            day > observation_end,
            f"day must be <= observation_end {observation_end}",
            df,
            ["consumer", "day"],
        )
    _fail_rows(
        what,
        df.duplicated(["consumer", "day"]).to_numpy(),
        "at most one purchase per consumer per day",
        df,
        ["consumer", "day"],
    )
    for col in _NON_NEGATIVE:
        v = df[col].to_numpy()
        _fail_rows(what, ~np.isfinite(v) | (v < 0), f"{col} must be finite and >= 0", df, [col])
    m = df["margin"].to_numpy()
    _fail_rows(what, ~np.isfinite(m), "margin must be finite", df, ["margin"])
    parts = sum(df[c].to_numpy() for c in _PRICE_PARTS)
    lv = df["list_value"].to_numpy()
    _fail_rows(
        what,
        np.abs(parts - lv) > _BALANCE_RTOL * np.maximum(np.abs(lv), 1.0),
        "amount + subsidy + brand_discount + redeemed must equal list_value",
        df,
        ["consumer", "day", *_PRICE_PARTS, "list_value"],
    )
    channel = df["channel"].to_numpy()
    for col, chan in (("group", "group"), ("leader", "leader")):
        v = df[col].to_numpy()
        _fail_rows(
            what,
            (v >= 0) != (channel == chan),
            f"{col} must be >= 0 on channel '{chan}' rows and -1 on the others",
            df,
            ["consumer", "day", "channel", col],
        )
        _fail_rows(what, v < -1, f"{col} must be >= -1", df, [col])
    _fail_rows(what, df["brand"].to_numpy() < 0, "brand must be >= 0", df, ["brand"])
    ref = df["referrer"].to_numpy()
    _fail_rows(what, ref < -1, "referrer must be >= -1", df, ["consumer", "referrer"])
    _fail_rows(what, ref == consumer, "referrer must not be the consumer", df, ["consumer"])
    for col in _CONSUMER_ATTRIBUTES:
        varies = df.groupby("consumer", observed=True)[col].transform("nunique").to_numpy() > 1
        _fail_rows(
            what, varies, f"{col} must be the same on every row of a consumer", df, ["consumer"]
        )
    first = df["first"].to_numpy()
    n_first = np.bincount(consumer[first], minlength=consumer.max() + 1 if len(df) else 0)
    _fail_rows(
        what,
        n_first[consumer] != 1,
        "first must be True on exactly one row per consumer",
        df,
        ["consumer", "day", "first"],
    )
    min_day = df.groupby("consumer")["day"].transform("min").to_numpy()
    _fail_rows(
        what,
        first & (day != min_day),
        "first must be True on the consumer's earliest day",
        df,
        ["consumer", "day"],
    )
    _fail_rows(
        what,
        ~first & (df["acquisition_cost"].to_numpy() != 0),
        "acquisition_cost must be 0 on rows that are not first",
        df,
        ["consumer", "day", "acquisition_cost"],
    )


def validate_customer_costs(df: pd.DataFrame, observation_end: int | None = None) -> None:
    """Raise ``TransactionLogError`` unless ``df`` is a valid per-consumer cost table.

    Columns of ``COST_SCHEMA``; consumer >= 0, day >= 0 (<= observation_end when given),
    amount finite (a negative amount is a recovery, e.g. a clawed-back reward).
    """
    what = "customer_costs"
    _check_schema(df, COST_SCHEMA, what)
    _fail_rows(what, df["consumer"].to_numpy() < 0, "consumer must be >= 0", df, ["consumer"])
    day = df["day"].to_numpy()
    _fail_rows(what, day < 0, "day must be >= 0", df, ["consumer", "day"])
    if observation_end is not None:
        _fail_rows(
            what,
            day > observation_end,
            f"day must be <= observation_end {observation_end}",
            df,
            ["consumer", "day"],
        )
    _fail_rows(what, ~np.isfinite(df["amount"].to_numpy()), "amount must be finite", df, ["amount"])


def validate_daily(daily: pd.DataFrame, columns: Iterable[str] = DAILY_COLUMNS) -> None:
    """Raise ``TransactionLogError`` unless ``daily`` is indexed by day 0..D-1 with ``columns``
    holding finite, non-negative numbers."""
    what = "daily"
    if not isinstance(daily, pd.DataFrame):
        raise TransactionLogError(
            f"{what}: expected a pandas DataFrame, got {type(daily).__name__}"
        )
    cols = list(columns)
    missing = [c for c in cols if c not in daily.columns]
    if missing:
        raise TransactionLogError(
            f"{what}: missing column(s) {', '.join(missing)} (required: {', '.join(cols)})"
        )
    if not np.array_equal(np.asarray(daily.index), np.arange(len(daily))):
        raise TransactionLogError(f"{what}: the index must be the days 0..{len(daily) - 1}")
    for c in cols:
        v = pd.to_numeric(daily[c], errors="coerce").to_numpy(float)
        if np.any(~np.isfinite(v) | (v < 0)):
            day = int(np.flatnonzero(~np.isfinite(v) | (v < 0))[0])
            raise TransactionLogError(
                f"{what}: column '{c}' must hold finite numbers >= 0 (day {day}: {format_cell(daily[c].iloc[day])})"
            )


def validate_partners(df: pd.DataFrame) -> None:
    """Raise ``TransactionLogError`` unless ``df`` is a valid partner renewal table:
    columns of ``PARTNER_SCHEMA``, one row per (consumer, anniversary_day), and
    anniversary_day > joined_day >= 0."""
    what = "partners"
    _check_schema(df, PARTNER_SCHEMA, what)
    joined = df["joined_day"].to_numpy()
    _fail_rows(what, joined < 0, "joined_day must be >= 0", df, ["consumer", "joined_day"])
    _fail_rows(
        what,
        df["anniversary_day"].to_numpy() <= joined,
        "anniversary_day must be after joined_day",
        df,
        ["consumer", "joined_day", "anniversary_day"],
    )
    _fail_rows(
        what,
        df.duplicated(["consumer", "anniversary_day"]).to_numpy(),
        "one renewal decision per consumer and anniversary",
        df,
        ["consumer", "anniversary_day"],
    )


def cast_to_schema(df: pd.DataFrame, schema: Mapping[str, Any]) -> pd.DataFrame:
    """The columns of ``schema``, in its order, cast to its dtypes (extra columns dropped)."""
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise TransactionLogError(f"missing column(s) {', '.join(missing)}")
    for col, dtype in schema.items():
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
            values = df[col].dropna()
            unknown = values[~values.isin(dtype.categories)]
            if len(unknown):
                raise TransactionLogError(
                    f"column '{col}' has value {format_cell(unknown.iloc[0])} "
                    f"(allowed: {', '.join(map(str, dtype.categories))})"
                )
    return pd.DataFrame({c: df[c].astype(t) for c, t in schema.items()}, index=df.index)


def as_transactions(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` cast to ``TRANSACTION_SCHEMA`` (a model or a CSV may hand over wider ints or
    strings for the categories); the result still has to pass ``validate_transactions``."""
    return cast_to_schema(df, TRANSACTION_SCHEMA).reset_index(drop=True)


#: Values the builder fills in when a purchase does not say.
PURCHASE_DEFAULTS: dict[str, Any] = {
    "amount": 10.0,
    "subsidy": 0.0,
    "brand_discount": 0.0,
    "redeemed": 0.0,
    "channel": "solo",
    "brand": 0,
    "group": None,  # -1, or the purchase's own group id on channel 'group' rows
    "leader": None,  # -1, or leader 0 on channel 'leader' rows
    "acq_channel": "organic",
    "referrer": -1,
    "margin": 0.0,
    "acquisition_cost": 0.0,
}


def build_transactions(
    purchases: Iterable[Any] | Mapping[int, Iterable[int]],
    customers: Mapping[int, Mapping[str, Any]] | None = None,
    **defaults: Any,
) -> pd.DataFrame:
    """A valid transaction log from a hand-written list of purchases (for tests and examples).

    ``purchases`` is either a mapping consumer -> purchase days, or an iterable of purchases,
    each a ``(consumer, day)`` or ``(consumer, day, amount)`` tuple or a dict with at least
    ``consumer`` and ``day``. ``customers`` gives per-consumer attributes (``acq_channel``,
    ``referrer``, or any column) applied to all of that consumer's rows; ``defaults`` override
    ``PURCHASE_DEFAULTS`` for every row. ``list_value`` is amount + subsidy + brand_discount +
    redeemed unless given, ``first`` marks each consumer's earliest day, and rows come out
    sorted by (consumer, day). The result is validated.
    """
    unknown = set(defaults) - set(PURCHASE_DEFAULTS) - {"list_value"}
    if unknown:
        raise TypeError(f"build_transactions: unknown column(s) {', '.join(sorted(unknown))}")
    if isinstance(purchases, Mapping):
        purchases = [(c, d) for c, days in purchases.items() for d in days]
    rows: list[dict[str, Any]] = []
    for p in purchases:
        if isinstance(p, Mapping):
            row = dict(p)
        else:
            row = dict(zip(("consumer", "day", "amount"), p, strict=False))
        rows.append(row)
    base = {**PURCHASE_DEFAULTS, **defaults}
    per_consumer = customers or {}
    records = []
    for i, row in enumerate(rows):
        rec = {**base, **per_consumer.get(int(row["consumer"]), {}), **row}
        if rec["group"] is None:
            rec["group"] = i if rec["channel"] == "group" else -1
        if rec["leader"] is None:
            rec["leader"] = 0 if rec["channel"] == "leader" else -1
        if rec.get("list_value") is None:
            rec["list_value"] = sum(float(rec[c]) for c in _PRICE_PARTS)
        records.append(rec)
    cols = [c for c in TRANSACTION_SCHEMA if c != "first"]
    frame = pd.DataFrame.from_records(records, columns=cols)
    if frame.empty:
        frame["first"] = pd.Series(dtype=bool)
    else:
        frame = frame.sort_values(["consumer", "day"], kind="stable").reset_index(drop=True)
        frame["first"] = ~frame["consumer"].duplicated()
    log = as_transactions(frame)
    validate_transactions(log)
    return log


def build_costs(costs: Iterable[tuple[int, int, str, float]]) -> pd.DataFrame:
    """A valid customer-cost table from ``(consumer, day, kind, amount)`` tuples."""
    frame = pd.DataFrame.from_records(list(costs), columns=list(COST_SCHEMA))
    table = cast_to_schema(frame, COST_SCHEMA).reset_index(drop=True)
    validate_customer_costs(table)
    return table
