"""RFM summary in PyMC-Marketing's layout: by hand, and customer by customer against it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analytics.rfm import rfm_summary
from sim.analytics.synthetic import simulate_purchases
from tests.analytics_cases import E, hand_log

COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value"]


def test_rfm_summary_by_hand_in_days():
    """frequency = repeat days; recency = last - first; T = 34 - first; monetary_value = mean
    amount of the repeat purchases (0 without one). K's day-40 purchase is after E.

    A: 4 repeats, 28 - 0, 34, (20+30+40+50)/4 = 35;  C: 3, 31 - 1 = 30, 33, (12+14+16)/3 = 14
    D: 2, 18, 32, (6+9)/2 = 7.5;  E: 2, 27, 31, (5+7)/2 = 6;  F: 1, 2, 27, 4
    G: 2, 18, 26, (3+5)/2 = 4;  H: 2, 17, 24, 10;  J: 2, 19, 20, (20+25)/2 = 22.5
    K: 1, 1, 14, 6;  B, I, M: one purchase each, T = 34, 21, 0.
    """
    rfm = rfm_summary(hand_log(), E)
    expected = pd.DataFrame(
        [
            [0, 4, 28, 34, 35.0],
            [1, 0, 0, 34, 0.0],
            [2, 3, 30, 33, 14.0],
            [3, 2, 18, 32, 7.5],
            [4, 2, 27, 31, 6.0],
            [5, 1, 2, 27, 4.0],
            [6, 2, 18, 26, 4.0],
            [7, 2, 17, 24, 10.0],
            [8, 0, 0, 21, 0.0],
            [9, 2, 19, 20, 22.5],
            [10, 1, 1, 14, 6.0],
            [11, 0, 0, 0, 0.0],
        ],
        columns=COLUMNS,
    ).astype({c: float for c in COLUMNS[1:]})
    pd.testing.assert_frame_equal(rfm, expected)


def test_rfm_summary_by_hand_in_weeks():
    """Weeks are day // 7 from day 0 (E is in week 4); purchases of one week are one
    purchase worth their sum.

    A: weeks 0 0 1 2 4 -> first week worth 10+20; repeats weeks 1, 2, 4 (30, 40, 50): 3, 4, 4, 40
    F: days 7 and 9 are both week 1: no repeat (0, 0, 3, 0)
    G: weeks 1 3 3: one repeat week worth 3 + 5 = 8 (1, 2, 3, 8)
    K: days 20, 21 are weeks 2, 3 (1, 1, 2, 6)
    """
    rfm = rfm_summary(hand_log(), E, time_unit="W").set_index("customer_id")
    assert rfm.loc[0].tolist() == [3, 4, 4, 40]
    assert rfm.loc[5].tolist() == [0, 0, 3, 0]
    assert rfm.loc[6].tolist() == [1, 2, 3, 8]
    assert rfm.loc[10].tolist() == [1, 1, 2, 6]
    assert rfm.loc[9].tolist() == [2, 2, 2, 22.5]


def test_rfm_segmentation_variant_and_other_monetary_columns():
    """include_first_transaction: frequency counts all purchase days, recency is days since
    the last purchase, the mean includes the first purchase, there is no T.
    A: 5, 34 - 28 = 6, 30; B: 1, 34, 10; M: 1, 0, 10. Margin is 1 on every purchase."""
    seg = rfm_summary(hand_log(), E, include_first_transaction=True).set_index("customer_id")
    assert seg.columns.tolist() == ["frequency", "recency", "monetary_value"]
    assert seg.loc[[0, 1, 11]].values.tolist() == [[5, 6, 30], [1, 34, 10], [1, 0, 10]]
    by_margin = rfm_summary(hand_log(), E, monetary="margin")
    assert set(by_margin.loc[by_margin["frequency"] > 0, "monetary_value"]) == {1.0}
    assert "monetary_value" not in rfm_summary(hand_log(), E, monetary=None).columns
    with pytest.raises(ValueError, match="time_unit: must be one of D, W"):
        rfm_summary(hand_log(), E, time_unit="M")


def test_rfm_summary_as_of_an_earlier_day():
    """Observation end 20: A's purchases on 28 drop out; T = 20 - first."""
    rfm = rfm_summary(hand_log(), 20).set_index("customer_id")
    assert rfm.loc[0].tolist() == [3, 20, 20, 30.0]
    assert 11 not in rfm.index  # M is acquired on day 34


def _reference(log: pd.DataFrame, end: int, **kwargs) -> pd.DataFrame:
    from pymc_marketing.clv.utils import rfm_summary as pymc_rfm_summary

    origin = pd.Timestamp("2024-01-01")  # a Monday, so pandas' weeks (Mon-Sun) are day // 7
    frame = pd.DataFrame(
        {
            "id": log["consumer"].to_numpy(),
            "date": origin + pd.to_timedelta(log["day"].to_numpy(), unit="D"),
            "amount": log["amount"].to_numpy(),
        }
    )
    return pymc_rfm_summary(
        frame,
        "id",
        "date",
        monetary_value_col="amount",
        observation_period_end=origin + pd.Timedelta(days=end),
        **kwargs,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_unit": "D"},
        {"time_unit": "W"},
        {"time_unit": "D", "include_first_transaction": True},
    ],
)
def test_rfm_summary_matches_pymc_marketing_customer_by_customer(kwargs):
    """The same simulated log (heterogeneous customers, some buying several times a week)
    through PyMC-Marketing's rfm_summary (the ``clv`` extra) and ours: every customer's row
    is equal. The log goes on after the observation end; PyMC-Marketing truncates it by
    period, so with weeks it keeps purchases made after the end day but in the end's week
    (ours keeps none): that case gets the log cut at the end day."""
    rng = np.random.default_rng(7)
    n = 600
    log = simulate_purchases(
        n, 200, rng.gamma(0.5, 0.2, n).clip(0, 1), rng.beta(1, 30, n), seed=rng
    )
    end = 170
    ours = rfm_summary(log, end, **kwargs)
    theirs = _reference(
        log if kwargs["time_unit"] == "D" else log[log["day"] <= end], end, **kwargs
    )
    theirs = theirs.sort_values("customer_id").reset_index(drop=True)
    assert len(ours) == len(theirs) > 400
    assert ours.columns.tolist() == theirs.columns.tolist()
    np.testing.assert_array_equal(ours["customer_id"], theirs["customer_id"])
    for col in ours.columns[1:]:
        np.testing.assert_allclose(ours[col], theirs[col], rtol=1e-12, atol=1e-12, err_msg=col)
    assert (ours["frequency"] > 0).sum() > 100  # the comparison covers repeat buyers
