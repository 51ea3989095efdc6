"""Mechanisms: the policies and behaviours a scenario switches on, one module each.

Every module in this package is imported here, and each registers its
:class:`~sim.mechanisms.base.Mechanism` subclass with ``@register``; a new mechanism is a
new module (see CONTRIBUTING.md). The model runs their hooks in ascending ``order``.
"""

from __future__ import annotations

import importlib
import pkgutil

from sim.levers import GROUP_ORDER, PLATFORM, Lever, market_levers
from sim.mechanisms.base import MECHANISMS, Mechanism, ordered, register

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")


def levers() -> tuple[Lever, ...]:
    """Every lever: the market's, then each mechanism's, sorted by group display order (a
    mechanism's own group comes after the programs, before Platform)."""
    items = list(market_levers())
    for mech in ordered():
        items.extend(mech.levers)
    rank = {g: float(i) for i, g in enumerate(GROUP_ORDER)}
    other = rank[PLATFORM] - 0.5
    return tuple(sorted(items, key=lambda lv: rank.get(lv.group, other)))


def lever_groups() -> tuple[str, ...]:
    """The lever groups in display order."""
    return tuple(dict.fromkeys(lv.group for lv in levers()))


__all__ = ["MECHANISMS", "Mechanism", "lever_groups", "levers", "ordered", "register"]
