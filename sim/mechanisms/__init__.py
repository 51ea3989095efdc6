"""Mechanisms: the policies and behaviours a scenario switches on, one module each.

Every module in this package is imported here, and each registers its
:class:`~sim.mechanisms.base.Mechanism` subclass with ``@register``; a new mechanism is a
new module (see CONTRIBUTING.md). The model runs their hooks in ascending ``order``.
"""

from __future__ import annotations

import importlib
import pkgutil

from sim.mechanisms.base import MECHANISMS, Mechanism, ordered, register

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["MECHANISMS", "Mechanism", "ordered", "register"]
