"""The model's incremental indices over the population: who is a customer, who is active,
who is still unaware, how many active neighbours each consumer has.

Why: the arrays in :class:`~sim.population.Population` are the truth, but recomputing these
masks and neighbourhood sums every day would cost dozens of full-population passes and a
sparse matrix-vector product a day. They change only where something happened, so the
model keeps them current from the day's events (:meth:`acquired`, :meth:`referred`,
:meth:`close_day`), and :meth:`resync` rebuilds them from the arrays (at construction and
after a user wrote the arrays directly). Every update is exact (integer counts), so an
updated index equals a resynced one.
"""

from __future__ import annotations

import numpy as np

from sim.population import Population
from sim.sampling import Neighbourhood

EMPTY = np.zeros(0, np.int64)


class CustomerIndex:
    def __init__(self, pop: Population, nb: Neighbourhood, window: int) -> None:
        self.pop, self.nb, self.window = pop, nb, window
        self.degree = np.maximum(nb.degree, 1.0)
        self.dirty = False  # set by agent views that write the arrays; the model resyncs
        self.resync(0)

    def resync(self, day: int) -> None:
        """Rebuild every index from the population arrays as of the start of ``day``."""
        pop, window = self.pop, self.window
        self.customer = pop.purchases > 0
        self.n_customers = int(np.count_nonzero(self.customer))
        # active at the start of today = bought within the window ending yesterday
        self.active = self.customer & (pop.last_purchase > day - 1 - window)
        self.n_active = int(np.count_nonzero(self.active))
        self.referable = ~self.customer & (pop.referrer < 0)
        self.unaware = np.flatnonzero(~pop.aware)
        self.active_nb = np.asarray(self.nb.sum(self.active), np.float64)
        self._wom_rate: float | None = None
        self._s_wom = np.zeros(0)
        self._wom = np.zeros(0)
        # buyers per day within the churn window: who may lapse on which day
        act = self.active.nonzero()[0]
        lp = pop.last_purchase[act]
        self.buyers_on = {int(d): act[lp == d] for d in np.unique(lp)}
        self.dirty = False

    def wom_factor(self, rate: float) -> np.ndarray:
        """s_i * q * A_i / d_i for every node, kept current where A changes."""
        if self._wom_rate != rate:
            self._wom_rate = rate
            self._s_wom = self.pop.social_susceptibility * rate
            self._wom = self._s_wom * (self.active_nb / self.degree)
        return self._wom

    # -- updates, one per kind of event ----------------------------------------------
    def acquired(self, first_buyers: np.ndarray) -> None:
        """First purchases today: these consumers are customers now."""
        if len(first_buyers):
            self.customer[first_buyers] = True
            self.referable[first_buyers] = False
            self.n_customers += len(first_buyers)

    def referred(self, friends: np.ndarray) -> None:
        """These consumers have a referrer now: nobody else may refer them."""
        if len(friends):
            self.referable[friends] = False

    def close_day(
        self, day: int, buyers: np.ndarray, became_active: np.ndarray, unaware: np.ndarray
    ) -> np.ndarray:
        """End of ``day``: today's buyers enter the window, those who bought exactly
        ``window`` days ago and not since lapse; ``unaware`` is the unaware list after the
        day's exposure (some may have become aware since). Returns the lapsed consumers."""
        pop = self.pop
        expiring = self.buyers_on.pop(day - self.window, EMPTY)
        if len(expiring):
            expiring = expiring[pop.last_purchase[expiring] == day - self.window]
        self.buyers_on[day] = buyers
        if len(unaware):
            unaware = unaware[~pop.aware[unaware]]  # today's referrals and invitations
        self.unaware = unaware
        self._update_active(became_active, expiring, track=len(unaware) > 0)
        return expiring

    def _update_active(self, became: np.ndarray, lapsed: np.ndarray, track: bool) -> None:
        """Move consumers in/out of the active set. While anyone is unaware (``track``),
        keep the unaware consumers' active-neighbour counts and word-of-mouth term exact;
        once everyone is aware they are never read again."""
        self.active[became] = True
        self.active[lapsed] = False
        self.n_active += len(became) - len(lapsed)
        if not track or (len(became) == 0 and len(lapsed) == 0):
            return
        nodes = np.concatenate([became, lapsed])
        sign = np.concatenate([np.ones(len(became)), -np.ones(len(lapsed))])
        at = self.nb.add_over_neighbours(self.active_nb, nodes, sign, exclude=self.pop.aware)
        if self._wom_rate is not None and len(at):
            self._wom[at] = self._s_wom[at] * (self.active_nb[at] / self.degree[at])
