"""The parameter reference, generated from the scenario schema (one source of truth)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sim.scenario import Scenario


def iter_parameters(instance: BaseModel | None = None, prefix: str = "") -> list[dict[str, Any]]:
    """Every leaf field: dotted path, default and description.

    Walks a default *instance* (not the classes) so a section's default that differs from
    its class default (``policy.leaders.enabled`` is on) is reported as the run sees it."""
    instance = Scenario() if instance is None else instance
    rows: list[dict[str, Any]] = []
    for name, field in type(instance).model_fields.items():
        path = f"{prefix}{name}"
        value = getattr(instance, name, None)
        if isinstance(value, BaseModel):
            rows += iter_parameters(value, f"{path}.")
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
