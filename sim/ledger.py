"""The contribution ledger: an append-only, hash-chained record of contributions and payouts.

Each day's entries form one block of columns (account, kind, amount, reference).
A block's hash covers its columns and the previous block's hash, so changing,
adding or removing any entry anywhere breaks every later hash and ``verify()``
names the first block (day) and entry that no longer matches.

Blocks are stored columnar so that a million-consumer run appends a few arrays a
day instead of millions of Python objects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from sim._fast import full


class Entry(IntEnum):
    """Kinds of ledger entries. Contributions carry amount 0; payouts carry yuan."""

    REFERRAL = 0  # contribution: a referred consumer made a first purchase
    REVIEW = 1  # contribution: a review / content post
    CONTENT_CONVERSION = 2  # contribution: content led to a first purchase
    PAYOUT_REFERRAL_BONUS = 10
    PAYOUT_PARTNER_SHARE = 11
    PAYOUT_CONTENT = 12
    PAYOUT_POOL = 13


PAYOUT_KINDS = (
    Entry.PAYOUT_REFERRAL_BONUS,
    Entry.PAYOUT_PARTNER_SHARE,
    Entry.PAYOUT_CONTENT,
    Entry.PAYOUT_POOL,
)

GENESIS = "0" * 64


@dataclass
class Block:
    day: int
    account: np.ndarray  # int64 consumer id
    kind: np.ndarray  # int8 Entry
    amount: np.ndarray  # float64 yuan
    reference: np.ndarray  # int64 related consumer (e.g. the referred buyer) or -1
    prev_hash: str
    hash: str = ""
    entry_hashes: bytes = b""

    def compute_hash(self, rows: np.ndarray | None = None) -> str:
        h = hashlib.sha256()
        h.update(self.prev_hash.encode())
        h.update(np.int64(self.day).tobytes())
        h.update((_entry_digests(self) if rows is None else rows).tobytes())
        return h.hexdigest()


def _entry_digests(block: Block) -> np.ndarray:
    """A per-entry fingerprint (row of the four columns), so a mismatch can be located."""
    rows = np.empty((len(block.account), 4), np.int64)
    rows[:, 0] = block.account
    rows[:, 1] = block.kind
    rows[:, 2] = np.asarray(block.amount, np.float64).view(np.int64)
    rows[:, 3] = block.reference
    return rows


@dataclass
class Tamper:
    """Where verification failed."""

    day: int
    entry: int | None
    reason: str


class ContributionLedger:
    """Append-only; call :meth:`append` once per day, :meth:`verify` any time."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    @property
    def head(self) -> str:
        return self.blocks[-1].hash if self.blocks else GENESIS

    def append(
        self,
        day: int,
        account: np.ndarray,
        kind: np.ndarray,
        amount: np.ndarray,
        reference: np.ndarray | None = None,
    ) -> Block | None:
        """Seal one day's entries into a block. Days with no entries add no block."""
        account = np.asarray(account, np.int64)
        if len(account) == 0:
            return None
        if self.blocks and day <= self.blocks[-1].day:
            raise ValueError("ledger: blocks must be appended in increasing day order")
        kind = np.asarray(kind, np.int8)
        amount = np.asarray(amount, np.float64)
        reference = (
            np.full(len(account), -1, np.int64)
            if reference is None
            else np.asarray(reference, np.int64)
        )
        if not (len(kind) == len(amount) == len(reference) == len(account)):
            raise ValueError("ledger: entry columns must have equal length")
        if not (amount.min() >= 0 and amount.max() < np.inf):  # False for NaN too
            raise ValueError("ledger: amounts must be finite and non-negative")
        block = Block(day, account.copy(), kind.copy(), amount.copy(), reference.copy(), self.head)
        rows = _entry_digests(block)  # one pass serves the entry digests and the block hash
        block.entry_hashes = _row_hashes(block, rows)
        block.hash = block.compute_hash(rows)
        self.blocks.append(block)
        return block

    def verify(self) -> Tamper | None:
        """None if the whole chain is intact, else the first tampered block and entry."""
        prev = GENESIS
        for b in self.blocks:
            if b.prev_hash != prev:
                return Tamper(b.day, None, "chain broken: block does not follow its predecessor")
            if b.compute_hash() != b.hash:
                now = _row_hashes(b)
                n_old = len(b.entry_hashes) // 8
                n = min(n_old, len(now) // 8)
                old_arr = np.frombuffer(b.entry_hashes, np.uint64)[:n]
                new_arr = np.frombuffer(now, np.uint64)[:n]
                diff = np.flatnonzero(old_arr != new_arr)
                entry = int(diff[0]) if len(diff) else n
                return Tamper(b.day, entry, "entry altered, added or removed")
            prev = b.hash
        return None

    # -- views -------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        if not self.blocks:
            return pd.DataFrame(
                {"day": [], "account": [], "kind": [], "amount": [], "reference": []}
            )
        return pd.DataFrame(
            {
                "day": np.concatenate([np.full(len(b.account), b.day) for b in self.blocks]),
                "account": np.concatenate([b.account for b in self.blocks]),
                "kind": pd.Categorical.from_codes(
                    _kind_codes(np.concatenate([b.kind for b in self.blocks])),
                    categories=[e.name.lower() for e in Entry],
                ),
                "amount": np.concatenate([b.amount for b in self.blocks]),
                "reference": np.concatenate([b.reference for b in self.blocks]),
            }
        )

    def total_paid(self) -> float:
        payout = np.array([int(k) for k in PAYOUT_KINDS])
        return float(sum(b.amount[np.isin(b.kind, payout)].sum() for b in self.blocks))

    def paid_by_account(self, n: int) -> np.ndarray:
        out = np.zeros(n)
        payout = np.array([int(k) for k in PAYOUT_KINDS])
        for b in self.blocks:
            m = np.isin(b.kind, payout)
            np.add.at(out, b.account[m], b.amount[m])
        return out

    def __len__(self) -> int:
        return sum(len(b.account) for b in self.blocks)


def _kind_codes(kinds: np.ndarray) -> np.ndarray:
    order = np.array([int(e) for e in Entry])
    return np.searchsorted(order, kinds)


def _row_hashes(block: Block, rows: np.ndarray | None = None) -> bytes:
    """Cheap 64-bit per-row digests (FNV-style mix of the four columns)."""
    rows = (_entry_digests(block) if rows is None else rows).view(np.uint64)
    h = full(len(rows), _FNV_OFFSET, np.uint64)
    for c in range(rows.shape[1]):  # array integer ops wrap silently (no overflow warning)
        h ^= rows[:, c]
        h *= _FNV_PRIME
        h ^= h >> _SHIFT
    return h.tobytes()


_FNV_OFFSET = np.uint64(1469598103934665603)
_FNV_PRIME = np.uint64(1099511628211)
_SHIFT = np.uint64(29)
