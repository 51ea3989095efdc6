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
from sim.sampling import Neighbourhood, distinct

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
        self.referable = ~self.customer & (pop.referrer < 0) & pop.present
        self.unaware = np.flatnonzero(~pop.aware & pop.present)
        self.n_present = int(np.count_nonzero(pop.present))
        self.n_customers_present = int(np.count_nonzero(self.customer & pop.present))
        self.active_nb = np.asarray(self.nb.sum(self.active), np.float64)
        # users: alive customers in the market (friends "on the platform")
        self.user = self.customer & pop.alive & pop.present
        self.n_users = int(np.count_nonzero(self.user))
        self.user_nb = np.asarray(self.nb.sum(self.user), np.float64)
        pop.users_in.clear()
        pop.users_out.clear()
        self._wom_rate: float | None = None
        self._s_wom = np.zeros(0)
        self._wom = np.zeros(0)
        # buyers per day within the churn window: who may lapse on which day
        act = self.active.nonzero()[0]
        lp = pop.last_purchase[act]
        self.buyers_on = {int(d): act[lp == d] for d in np.unique(lp)}
        self.dirty = False

    def active_share(self, who: np.ndarray) -> np.ndarray:
        """Share of each consumer's neighbours who are active customers."""
        return self.active_nb[who] / self.degree[who]

    def user_share(self, who: np.ndarray) -> np.ndarray:
        """Share of each consumer's neighbours who use the platform (alive customers in the
        market, as of yesterday's close): the platform's network effects read it."""
        return self.user_nb[who] / self.degree[who]

    @property
    def reach(self) -> float:
        """Share of the households in the market who use the platform (as of yesterday)."""
        return self.n_users / max(self.n_present, 1)

    def _update_users(self) -> None:
        pop = self.pop
        plus = np.concatenate(pop.users_in) if pop.users_in else EMPTY
        minus = np.concatenate(pop.users_out) if pop.users_out else EMPTY
        pop.users_in.clear()
        pop.users_out.clear()
        if len(plus):
            plus = distinct(plus)
            plus = plus[~self.user[plus] & pop.alive[plus] & pop.present[plus]]
        if len(minus):
            minus = distinct(minus)
            minus = minus[self.user[minus] & ~(pop.alive[minus] & pop.present[minus])]
        if not (len(plus) or len(minus)):
            return
        self.user[plus] = True
        self.user[minus] = False
        self.n_users += len(plus) - len(minus)
        nodes = np.concatenate([plus, minus])
        sign = np.concatenate([np.ones(len(plus)), -np.ones(len(minus))])
        self.nb.add_over_neighbours(self.user_nb, nodes, sign)

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
            self.n_customers_present += len(first_buyers)

    def entered(self, who: np.ndarray) -> None:
        """Households that moved in today (unaware of the platform)."""
        self.n_present += len(who)
        self.referable[who] = ~self.customer[who] & (self.pop.referrer[who] < 0)
        who = np.sort(who)
        self.unaware = np.insert(self.unaware, np.searchsorted(self.unaware, who), who)

    def left(self, who: np.ndarray) -> None:
        """Households that moved away today: no longer reachable."""
        self.n_present -= len(who)
        self.n_customers_present -= int(np.count_nonzero(self.customer[who]))
        self.pop.users_out.append(np.asarray(who))
        self.referable[who] = False
        u = self.unaware
        if len(who) and len(u):
            pos = np.minimum(np.searchsorted(u, who), len(u) - 1)
            self.unaware = np.delete(u, pos[u[pos] == who])

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
        self._update_active(became_active, expiring)
        self._update_users()
        return expiring

    def _update_active(self, became: np.ndarray, lapsed: np.ndarray) -> None:
        """Move consumers in/out of the active set and keep every consumer's active-neighbour
        count and word-of-mouth term exact (the unaware read them to hear of the platform,
        the dropped-out to be drawn back)."""
        self.active[became] = True
        self.active[lapsed] = False
        self.n_active += len(became) - len(lapsed)
        if len(became) == 0 and len(lapsed) == 0:
            return
        nodes = np.concatenate([became, lapsed])
        sign = np.concatenate([np.ones(len(became)), -np.ones(len(lapsed))])
        at = self.nb.add_over_neighbours(self.active_nb, nodes, sign)
        if self._wom_rate is not None and len(at):
            self._wom[at] = self._s_wom[at] * (self.active_nb[at] / self.degree[at])
