"""The transaction log's schema, its invariants, and the builder for hand-written logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analytics import transactions
from sim.analytics.transactions import (
    COST_SCHEMA,
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


def small_log() -> pd.DataFrame:
    """Consumer 0 buys on days 0 (solo), 3 (in group 7) and 9 (from leader 2); consumer 1,
    referred by 0, buys on day 4 with a 2-yuan subsidy and 1 yuan of points."""
    return build_transactions(
        [
            (0, 0),
            {"consumer": 0, "day": 3, "channel": "group", "group": 7},
            {"consumer": 0, "day": 9, "channel": "leader", "leader": 2},
            {
                "consumer": 1,
                "day": 4,
                "amount": 7.0,
                "subsidy": 2.0,
                "redeemed": 1.0,
                "acquisition_cost": 2.0,
            },
        ],
        customers={1: {"acq_channel": "referral", "referrer": 0}},
    )


def test_builder_makes_a_valid_log_with_the_exact_schema():
    log = small_log()
    assert list(log.columns) == list(TRANSACTION_SCHEMA)
    assert log.dtypes.to_dict() == TRANSACTION_SCHEMA
    assert log[["consumer", "day"]].values.tolist() == [[0, 0], [0, 3], [0, 9], [1, 4]]
    assert log["first"].tolist() == [True, False, False, True]
    assert log["group"].tolist() == [-1, 7, -1, -1]
    assert log["leader"].tolist() == [-1, -1, 2, -1]
    # list value is derived: 7 paid + 2 subsidy + 1 redeemed
    assert log["list_value"].tolist() == [10.0, 10.0, 10.0, 10.0]
    assert log.loc[3, ["acq_channel", "referrer"]].tolist() == ["referral", 0]


def test_builder_accepts_a_mapping_of_days_and_defaults():
    log = build_transactions({2: [5, 1], 0: [3]}, margin=1.5)
    assert log[["consumer", "day", "first"]].values.tolist() == [
        [0, 3, True],
        [2, 1, True],
        [2, 5, False],
    ]
    assert (log["margin"] == 1.5).all()
    with pytest.raises(TypeError, match="unknown column"):
        build_transactions({0: [1]}, colour="red")


def test_validation_passes_after_a_parquet_round_trip(tmp_path):
    log = small_log()
    path = tmp_path / "transactions.parquet"
    log.to_parquet(path)
    back = pd.read_parquet(path)
    validate_transactions(back, observation_end=9)
    pd.testing.assert_frame_equal(back, log)


def _break(log: pd.DataFrame, change) -> pd.DataFrame:
    broken = log.copy()
    change(broken)
    return broken


def _set(col, row, value):
    def change(df):
        df.loc[row, col] = value

    return change


BROKEN = [
    ("drop a column", lambda df: df.pop("margin"), "missing column(s) margin"),
    (
        "wide ints",
        lambda df: df.__setitem__("day", df["day"].astype("int64")),
        "column 'day' must have dtype int32",
    ),
    (
        "strings for a category",
        lambda df: df.__setitem__("channel", df["channel"].astype(str)),
        "column 'channel' must have dtype category {solo, group, leader}",
    ),
    ("missing value", _set("amount", 1, np.nan), "column 'amount' has a missing value at row 1"),
    ("negative consumer", _set("consumer", 3, -1), "consumer must be >= 0"),
    ("negative day", _set("day", 0, -2), "day must be >= 0"),
    ("two purchases a day", _set("day", 1, 0), "at most one purchase per consumer per day"),
    ("negative subsidy", _set("subsidy", 3, -2.0), "subsidy must be finite and >= 0"),
    (
        "prices do not add up",
        _set("list_value", 2, 11.0),
        "amount + subsidy + brand_discount + redeemed must equal list_value",
    ),
    ("group id on a solo row", _set("group", 0, 5), "group must be >= 0 on channel 'group' rows"),
    (
        "leader order without leader",
        _set("leader", 2, -1),
        "leader must be >= 0 on channel 'leader' rows",
    ),
    ("negative brand", _set("brand", 0, -1), "brand must be >= 0"),
    ("self-referral", _set("referrer", 3, 1), "referrer must not be the consumer"),
    (
        "acquisition channel changes",
        _set("acq_channel", 1, "ad"),
        "acq_channel must be the same on every row of a consumer",
    ),
    (
        "two first purchases",
        _set("first", 1, True),
        "first must be True on exactly one row per consumer",
    ),
    (
        "first not on the earliest day",
        _set("first", [0, 1], [False, True]),
        "first must be True on the consumer's earliest day",
    ),
    (
        "acquisition cost on a repeat",
        _set("acquisition_cost", 2, 1.0),
        "acquisition_cost must be 0 on rows that are not first",
    ),
    ("non-finite margin", _set("margin", 0, np.inf), "margin must be finite"),
]


@pytest.mark.parametrize(("what", "change", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_validation_names_the_broken_rule_in_one_line(what, change, message):
    broken = _break(small_log(), change)
    with pytest.raises(TransactionLogError) as err:
        validate_transactions(broken)
    text = str(err.value)
    assert message in text
    assert text.startswith("transactions: ")
    assert "\n" not in text


def test_validation_checks_the_observation_end():
    with pytest.raises(TransactionLogError, match="day must be <= observation_end 8"):
        validate_transactions(small_log(), observation_end=8)
    validate_transactions(small_log(), observation_end=9)


def test_as_transactions_casts_a_loose_frame_to_the_schema():
    loose = small_log().astype({"day": "int64", "brand": "int64", "channel": str})
    loose["extra"] = 1
    fixed = as_transactions(loose)
    validate_transactions(fixed)
    assert "extra" not in fixed.columns
    bad = loose.assign(channel="mail")
    with pytest.raises(
        TransactionLogError,
        match="column 'channel' has value 'mail' \\(allowed: solo, group, leader\\)",
    ):
        as_transactions(bad)
    unset = small_log()
    unset.loc[3, "acq_channel"] = np.nan
    with pytest.raises(
        TransactionLogError,
        match="column 'acq_channel' has a missing value at row 3 \\(allowed: ad, invite",
    ):
        validate_transactions(unset)


def test_empty_log_is_valid():
    log = build_transactions([])
    assert len(log) == 0 and list(log.columns) == list(TRANSACTION_SCHEMA)
    validate_transactions(log)


def test_cost_table_builder_and_validation():
    costs = build_costs([(0, 3, "winback", 2.0), (1, 4, "pool", -0.5)])
    assert list(costs.columns) == list(COST_SCHEMA)
    validate_customer_costs(costs, observation_end=4)
    with pytest.raises(
        TransactionLogError, match="customer_costs: day must be <= observation_end 3"
    ):
        validate_customer_costs(costs, observation_end=3)
    with pytest.raises(TransactionLogError, match="customer_costs: amount must be finite"):
        validate_customer_costs(costs.assign(amount=[np.nan, 1.0]).fillna({"amount": np.inf}))


def test_daily_series_validation():
    daily = pd.DataFrame(
        {c: [0.0, 1.0, 2.0] for c in ("ad_spend", "orders", "active", "new_customers", "customers")}
    )
    validate_daily(daily)
    with pytest.raises(TransactionLogError, match="daily: missing column\\(s\\) orders"):
        validate_daily(daily.drop(columns="orders"))
    with pytest.raises(TransactionLogError, match="daily: the index must be the days 0..2"):
        validate_daily(daily.set_axis([1, 2, 3]))
    with pytest.raises(
        TransactionLogError,
        match="daily: column 'ad_spend' must hold finite numbers >= 0 \\(day 1: -1.0\\)$",
    ):
        validate_daily(daily.assign(ad_spend=[0.0, -1.0, 0.0]))
    with pytest.raises(TransactionLogError, match="\\(day 2: empty or NaN\\)$"):
        validate_daily(daily.assign(orders=[0.0, 1.0, np.nan]))


def test_a_broken_row_shows_its_cells_as_written():
    """Each column's own value, not numpy reprs nor a row cast to floats."""
    broken = small_log()
    broken.loc[1, "day"] = -4
    with pytest.raises(TransactionLogError) as err:
        validate_transactions(broken)
    assert str(err.value).endswith("first: row 1, consumer=0, day=-4)")


def test_partner_table_validation():
    table = pd.DataFrame(
        {
            "consumer": [1, 1],
            "joined_day": [10, 10],
            "anniversary_day": [375, 740],
            "renewed": [True, False],
        }
    ).astype({"joined_day": "int32", "anniversary_day": "int32"})
    validate_partners(table)
    with pytest.raises(
        TransactionLogError, match="partners: anniversary_day must be after joined_day"
    ):
        validate_partners(table.assign(anniversary_day=np.array([10, 740], "int32")))
    with pytest.raises(
        TransactionLogError, match="partners: one renewal decision per consumer and anniversary"
    ):
        validate_partners(table.assign(anniversary_day=np.array([375, 375], "int32")))


def test_format_cell_shows_a_cell_as_written():
    import numpy as np
    import pandas as pd

    assert transactions.format_cell("abc") == "'abc'"
    for missing in (np.nan, np.float64("nan"), None, pd.NA, pd.NaT):
        assert transactions.format_cell(missing) == "empty or NaN"
    assert (transactions.format_cell(np.float64(5.0)), transactions.format_cell(np.int64(-4))) == (
        "5.0",
        "-4",
    )
    assert transactions.format_cell(np.inf) == "inf"
