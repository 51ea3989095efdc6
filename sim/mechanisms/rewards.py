"""The partner program's payouts: referral bonuses, a share of referred purchases,
paid content conversions and a reward pool shared by contribution points.

Every payout is returned as ledger columns so that the ledger, the consumers'
reward balances and the platform's books are written from one set of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.ledger import Entry

POOL_POINTS = {Entry.REFERRAL: 3.0, Entry.CONTENT_CONVERSION: 2.0, Entry.REVIEW: 1.0}


@dataclass
class Payouts:
    account: list[np.ndarray] = field(default_factory=list)
    kind: list[np.ndarray] = field(default_factory=list)
    amount: list[np.ndarray] = field(default_factory=list)
    reference: list[np.ndarray] = field(default_factory=list)

    def add(self, kind: Entry, account: np.ndarray, amount: np.ndarray | float, ref=None) -> None:
        account = np.asarray(account, np.int64)
        if len(account) == 0:
            return
        self.account.append(account)
        self.kind.append(np.full(len(account), int(kind), np.int8))
        self.amount.append(np.broadcast_to(np.asarray(amount, np.float64), len(account)).copy())
        self.reference.append(
            np.full(len(account), -1, np.int64) if ref is None else np.asarray(ref, np.int64)
        )

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if not self.account:
            z = np.zeros(0, np.int64)
            return z, z.astype(np.int8), z.astype(np.float64), z
        return (
            np.concatenate(self.account),
            np.concatenate(self.kind),
            np.concatenate(self.amount),
            np.concatenate(self.reference),
        )


def partner_payouts(
    *,
    buyers: np.ndarray,
    paid: np.ndarray,
    first_purchase: np.ndarray,
    referrer: np.ndarray,
    partner: np.ndarray,
    acquired_by_content: np.ndarray,
    content_source: np.ndarray,
    reviewers: np.ndarray,
    gmv: float,
    share: float,
    referral_bonus: float,
    content_reward: float,
    pool_share: float,
) -> Payouts:
    """Payouts and contribution records for one day's purchases.

    * a referred buyer's first purchase earns their referrer ``referral_bonus``;
    * every purchase of a referred buyer earns a partner referrer ``share`` of the price;
    * a first purchase made by a consumer whom content made aware earns the poster
      ``content_reward``;
    * ``pool_share`` of the day's GMV is split among partners by contribution points
      (referral 3, content conversion 2, review 1).
    Rewards go to partners only (``partner`` mask), recorded with the buyer as reference.
    """
    out = Payouts()
    ref = referrer[buyers]
    has_ref = (ref >= 0) & partner[np.maximum(ref, 0)]
    firsts = has_ref & first_purchase
    out.add(Entry.REFERRAL, ref[firsts], 0.0, buyers[firsts])
    if referral_bonus > 0:
        out.add(Entry.PAYOUT_REFERRAL_BONUS, ref[firsts], referral_bonus, buyers[firsts])
    if share > 0:
        out.add(Entry.PAYOUT_PARTNER_SHARE, ref[has_ref], share * paid[has_ref], buyers[has_ref])
    src = content_source[buyers]
    conv = first_purchase & acquired_by_content & (src >= 0) & partner[np.maximum(src, 0)]
    out.add(Entry.CONTENT_CONVERSION, src[conv], 0.0, buyers[conv])
    if content_reward > 0:
        out.add(Entry.PAYOUT_CONTENT, src[conv], content_reward, buyers[conv])
    rev = reviewers[partner[reviewers]]
    out.add(Entry.REVIEW, rev, 0.0)
    if pool_share > 0 and gmv > 0:
        points_acc = np.concatenate([ref[firsts], src[conv], rev])
        points = np.concatenate(
            [
                np.full(int(firsts.sum()), POOL_POINTS[Entry.REFERRAL]),
                np.full(int(conv.sum()), POOL_POINTS[Entry.CONTENT_CONVERSION]),
                np.full(len(rev), POOL_POINTS[Entry.REVIEW]),
            ]
        )
        if len(points_acc):
            acc, inv = np.unique(points_acc, return_inverse=True)
            pts = np.bincount(inv, weights=points)
            out.add(Entry.PAYOUT_POOL, acc, pool_share * gmv * pts / pts.sum())
    return out
