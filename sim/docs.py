"""The parameter reference, generated from the scenario schema (one source of truth)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sim.scenario import Scenario


def iter_parameters(model: type[BaseModel] = Scenario, prefix: str = "") -> list[dict[str, Any]]:
    """Every leaf field: dotted path, default and description."""
    rows: list[dict[str, Any]] = []
    defaults = model.model_construct() if model is not Scenario else Scenario()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        value = getattr(defaults, name, None)
        if isinstance(value, BaseModel):
            rows += iter_parameters(type(value), f"{path}.")
            continue
        rows.append({"path": path, "default": value, "description": field.description or ""})
    return rows


def parameter_table() -> str:
    """A Markdown table of parameters; 'illustrative' unless the description names a source."""
    lines = ["| parameter | default | meaning (source) |", "|---|---|---|"]
    for r in iter_parameters():
        default = r["default"]
        if isinstance(default, dict):
            default = ", ".join(default)
        lines.append(f"| `{r['path']}` | {default} | {r['description']} |")
    return "\n".join(lines)
