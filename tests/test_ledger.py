"""The contribution ledger: append-only, hash-chained, tamper-evident."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ledger import ContributionLedger, Entry


def filled() -> ContributionLedger:
    led = ContributionLedger()
    led.append(0, [1, 2], [Entry.REFERRAL, Entry.PAYOUT_REFERRAL_BONUS], [0.0, 5.0], [7, 7])
    led.append(3, [2, 4, 4], [Entry.PAYOUT_PARTNER_SHARE] * 3, [1.5, 2.0, 0.25])
    led.append(5, [9], [Entry.PAYOUT_POOL], [3.0])
    return led


def test_intact_chain_verifies_and_totals():
    led = filled()
    assert led.verify() is None
    assert led.total_paid() == pytest.approx(5.0 + 1.5 + 2.0 + 0.25 + 3.0)
    assert led.paid_by_account(10)[4] == pytest.approx(2.25)
    assert len(led) == 6
    assert led.to_frame()["amount"].sum() == pytest.approx(11.75)


def test_tampered_amount_is_found():
    led = filled()
    led.blocks[1].amount[2] = 99.0
    bad = led.verify()
    assert bad is not None and bad.day == 3 and bad.entry == 2


def test_tampered_account_and_removed_block_are_found():
    led = filled()
    led.blocks[0].account[1] = 3
    assert led.verify().day == 0
    led = filled()
    del led.blocks[1]
    bad = led.verify()
    assert bad is not None and bad.day == 5 and "chain" in bad.reason


def test_append_only_rules():
    led = filled()
    with pytest.raises(ValueError, match="increasing day"):
        led.append(4, [1], [Entry.REVIEW], [0.0])
    with pytest.raises(ValueError, match="non-negative"):
        led.append(9, [1], [Entry.PAYOUT_POOL], [-1.0])
    assert led.append(9, np.zeros(0), [], []) is None
