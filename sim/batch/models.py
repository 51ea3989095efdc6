"""Which models a sweep may run: the simulation, registered plug-ins, and nothing else.

A sweep spec is data that people share, so its ``model:`` never names code to import.
It may name

* ``symbiosim`` (the default: the simulation itself);
* a plug-in model **registered** by an installed package through the entry-point group
  ``symbiosim.models`` — by its entry-point name (``ishigami``) or by the target the
  entry point registers (``mypkg.models:ishigami``);
* a ``module:function`` the user allows explicitly for one command
  (``symbiosim sweep SPEC --allow-model mypkg.models:ishigami``; ``allow_models=`` in
  Python). The dashboard never allows one.

Anything else is refused *before any import*: importing a module runs its code.

A package registers a model in its ``pyproject.toml``::

    [project.entry-points."symbiosim.models"]
    ishigami = "mypkg.models:ishigami"

A plug-in model is a function ``f(params: dict, seed: int) -> dict[str, float]``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any

SIM_MODEL = "symbiosim"
ENTRY_POINT_GROUP = "symbiosim.models"
TARGET_RE = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*")


class ModelError(ValueError):
    """A spec names a model that is neither the simulation, registered, nor allowed."""


def registered_models() -> dict[str, str]:
    """Entry-point name → ``module:function`` of every installed plug-in model."""
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def model_target(name: str, allow: Iterable[str] = ()) -> str:
    """The ``module:function`` to run for the model a spec names, or ModelError.

    Nothing is imported here: the check only reads installed metadata and ``allow``.
    """
    if name == SIM_MODEL:
        return SIM_MODEL
    allowed = {a.strip() for a in allow}
    for a in allowed:
        if not TARGET_RE.fullmatch(a):
            raise ModelError(f"--allow-model: expected module:function, got {a!r}")
    registered = registered_models()
    if name in registered:
        return registered[name]
    if name in registered.values() or name in allowed:
        return name
    names = ", ".join([SIM_MODEL, *sorted(registered)])
    raise ModelError(
        f"model: {name!r} is not a registered model (registered: {names}); a spec never "
        f"names code to import. Register a plug-in model through the {ENTRY_POINT_GROUP!r} "
        "entry-point group, or allow it for one command with --allow-model module:function"
    )


def load_model(target: str) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    """Import a plug-in model's function (only ever called with a checked target)."""
    if not TARGET_RE.fullmatch(target):
        raise ModelError(f"model: expected module:function, got {target!r}")
    mod_name, _, fn_name = target.partition(":")
    try:
        module = importlib.import_module(mod_name)
    except ImportError as err:
        raise ModelError(f"model: cannot import module {mod_name!r} ({err})") from None
    fn = getattr(module, fn_name, None)
    if not callable(fn):
        raise ModelError(f"model: {mod_name!r} has no function {fn_name!r}")
    return fn
