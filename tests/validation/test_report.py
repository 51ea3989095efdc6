"""`make validation-report` keeps working: a quick run regenerates the report from scratch."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "make_validation_report.py"


@pytest.mark.slow
def test_quick_report_regenerates_markdown_and_figures(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_validation_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    img = tmp_path / "img"
    img.mkdir()
    (img / "validation-stale.png").write_bytes(b"old")  # must not survive a regeneration
    mod.main(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    text = (tmp_path / "validation.md").read_text()
    for heading in (
        "## 1. Bass limit",
        "## 2. Word of mouth and referrals on networks",
        "## 3. Referred customers",
        "## 4. Orders after a subsidy ends",
        "## 5. Baseline retention curve",
        "## 6. Membership renewal",
        "## 7. Calibration",
    ):
        assert heading in text
    figures = sorted(p.name for p in img.glob("validation-*.png"))
    assert "validation-stale.png" not in figures
    assert len(figures) == 8
    for name in figures:
        assert f"img/{name}" in text  # every figure is shown in the report
        assert (img / name).stat().st_size > 1000
