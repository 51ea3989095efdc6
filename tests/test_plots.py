"""The run's figures: legible for the names users give (Chinese ones included) and bounded
by the run (a shock after its last day does not stretch the day axis)."""

from __future__ import annotations

import warnings

import pytest

import sim
from sim import plots


@pytest.fixture(scope="module")
def named_run():
    sc = sim.resolve("symbiotic_partner", days=60, consumers=300)
    return sim.run(sc.model_copy(update={"name": "拼团补贴 · 团长"}), seed=1)


def test_a_chinese_name_is_drawn_with_a_cjk_font(named_run):
    if plots.cjk_font() is None:
        pytest.skip("no font with Chinese glyphs is installed here")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail
        for draw in (plots.active_figure, plots.money_figure, plots.cohort_figure):
            fig = draw(named_run)
            assert fig.axes[0].title.get_fontfamily()[-1] == plots.cjk_font()
            fig.canvas.draw()
            plots.plt.close(fig)
        fig = plots.comparison_figure({named_run.scenario.name: named_run.daily[["active"]]}, {})
        fig.canvas.draw()
        plots.plt.close(fig)


def test_the_fallback_keeps_the_configured_font_first(named_run):
    with plots.plt.rc_context({"font.family": ["serif"]}):
        fig = plots.active_figure(named_run)
    family = fig.axes[0].title.get_fontfamily()
    assert family[0] == "serif"
    assert family[1:] == ([plots.cjk_font()] if plots.cjk_font() else [])
    plots.plt.close(fig)


def test_a_shock_after_the_last_day_is_not_drawn(named_run):
    assert named_run.scenario.shocks[0].day >= named_run.scenario.days  # the cut: day 1095
    for draw in (plots.active_figure, plots.money_figure):
        fig = draw(named_run)
        assert fig.axes[0].get_xlim()[1] < named_run.scenario.days + 5
        plots.plt.close(fig)
