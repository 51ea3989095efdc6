"""The partner program's payouts: referral bonuses, a share of referred purchases,
paid content conversions and a reward pool shared by contribution points.

Every payout is returned as ledger columns so that the ledger, the consumers'
reward balances and the platform's books are written from one set of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim._fast import full
from sim.ledger import Entry
from sim.sampling import sum_by_key

_EMPTY = np.zeros(0, np.int64)

POOL_POINTS = {Entry.REFERRAL: 3.0, Entry.CONTENT_CONVERSION: 2.0, Entry.REVIEW: 1.0}


@dataclass
class Payouts:
    account: list[np.ndarray] = field(default_factory=list)
    kind: list[np.ndarray] = field(default_factory=list)
    amount: list[np.ndarray] = field(default_factory=list)
    reference: list[np.ndarray] = field(default_factory=list)

    def add(self, kind: Entry, account: np.ndarray, amount: np.ndarray | float, ref=None) -> None:
        account = np.asarray(account, np.int64)
        m = len(account)
        if m == 0:
            return
        self.account.append(account)
        self.kind.append(full(m, int(kind), np.int8))
        if isinstance(amount, np.ndarray) and amount.ndim:
            self.amount.append(np.array(amount, np.float64))
        else:
            self.amount.append(full(m, amount, np.float64))
        self.reference.append(full(m, -1, np.int64) if ref is None else np.asarray(ref, np.int64))

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
    n_firsts = int(np.count_nonzero(firsts))
    ref_f = buyers_f = _EMPTY
    if n_firsts:
        ref_f, buyers_f = ref[firsts], buyers[firsts]
        out.add(Entry.REFERRAL, ref_f, 0.0, buyers_f)
        if referral_bonus > 0:
            out.add(Entry.PAYOUT_REFERRAL_BONUS, ref_f, referral_bonus, buyers_f)
    if share > 0 and has_ref.any():
        out.add(Entry.PAYOUT_PARTNER_SHARE, ref[has_ref], share * paid[has_ref], buyers[has_ref])
    # content conversions: only first purchases of consumers whom content made aware
    maybe = (first_purchase & acquired_by_content).nonzero()[0]
    src_c = _EMPTY
    if len(maybe):
        src = content_source[buyers[maybe]]
        conv = (src >= 0) & partner[np.maximum(src, 0)]
        if conv.any():
            src_c, buyers_c = src[conv], buyers[maybe[conv]]
            out.add(Entry.CONTENT_CONVERSION, src_c, 0.0, buyers_c)
            if content_reward > 0:
                out.add(Entry.PAYOUT_CONTENT, src_c, content_reward, buyers_c)
    rev = reviewers[partner[reviewers]]
    out.add(Entry.REVIEW, rev, 0.0)
    if pool_share > 0 and gmv > 0:
        points_acc = np.concatenate([ref_f, src_c, rev])
        if len(points_acc):
            points = np.empty(len(points_acc))
            n_c = len(src_c)
            points[:n_firsts] = POOL_POINTS[Entry.REFERRAL]
            points[n_firsts : n_firsts + n_c] = POOL_POINTS[Entry.CONTENT_CONVERSION]
            points[n_firsts + n_c :] = POOL_POINTS[Entry.REVIEW]
            # points are small integers, so their sums per account are exact in any order
            acc, pts = sum_by_key(points_acc, points)
            out.add(Entry.PAYOUT_POOL, acc, pool_share * gmv * pts / pts.sum())
    return out
