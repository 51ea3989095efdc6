"""docs/odd.md stays true to the code: every parameter appears with its actual default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.scenario import Scenario

ODD = Path(__file__).resolve().parents[2] / "docs" / "odd.md"
METADATA = {"name", "description", "policy.name"}  # labels, not model parameters


def _fmt(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _leaves(obj: BaseModel, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        path = prefix + name
        if isinstance(value, BaseModel):
            out.update(_leaves(value, path + "."))
        elif isinstance(value, dict | list):
            continue  # segments and shocks have their own tables / sections
        else:
            out[path] = value
    return out


def _documented() -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|]*) \|[^|]*\| ([^|]*) \|$", ODD.read_text(), re.M)
    return {path: (default.strip(), source.strip()) for path, default, source in rows}


def test_every_parameter_is_documented_with_its_default_and_a_source() -> None:
    documented = _documented()
    actual = {k: v for k, v in _leaves(Scenario()).items() if k not in METADATA}
    missing = sorted(set(actual) - set(documented))
    assert not missing, f"docs/odd.md Appendix A lacks: {missing}"
    stale = {
        k: (documented[k][0], _fmt(v)) for k, v in actual.items() if documented[k][0] != _fmt(v)
    }
    assert not stale, f"docs/odd.md defaults differ from the code (doc, code): {stale}"
    no_source = [k for k in actual if not documented[k][1]]
    assert not no_source, f"docs/odd.md gives no source (or 'illustrative') for: {no_source}"
    unknown = sorted(set(documented) - set(actual))
    assert not unknown, f"docs/odd.md documents parameters the code does not have: {unknown}"


def test_segment_table_matches_the_default_segments() -> None:
    text = ODD.read_text()
    for name, seg in Scenario().population.segments.items():
        row = re.search(rf"^\| {name} \| (.*) \|$", text, re.M)
        assert row, f"segment {name} missing from docs/odd.md"
        cells = [c.strip() for c in row.group(1).split("|")]
        expected = [
            _fmt(seg.share),
            _fmt(seg.price_sensitivity),
            _fmt(seg.quality_sensitivity),
            _fmt(seg.need_rate),
            _fmt(seg.need_shape),
            _fmt(seg.dropout),
            _fmt(seg.dropout_concentration),
            _fmt(seg.social_susceptibility),
            _fmt(seg.content_propensity),
            _fmt(seg.partner_propensity),
        ]
        assert cells == expected, name


def test_odd_has_the_seven_elements_of_the_2020_protocol() -> None:
    heads = re.findall(r"^## (\d)\. (.+)$", ODD.read_text(), re.M)
    assert [h[1] for h in heads] == [
        "Purpose and patterns",
        "Entities, state variables and scales",
        "Process overview and scheduling",
        "Design concepts",
        "Initialization",
        "Input data",
        "Submodels",
    ]
