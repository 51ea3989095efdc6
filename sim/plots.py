"""Matplotlib figures for one run and for a comparison of scenarios."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.analytics.intervals import t_band  # noqa: E402
from sim.shocks import SHOCKS  # noqa: E402

if TYPE_CHECKING:
    from sim.results import RunResult

#: Fonts with the Chinese glyphs that scenario names and labels use (拼团, 团长), by
#: preference. matplotlib's default font has none: without one of these a title reads as
#: boxes (and warns "Glyph ... missing").
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "SimHei",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
)


@functools.cache
def cjk_font() -> str | None:
    """The first of :data:`CJK_FONTS` installed, or None. matplotlib's font list is a cache
    built on first use; fonts installed since are missing from it, so when none is listed
    the system's font files not yet in it are added once (what rebuilding the cache does)."""

    def first() -> str | None:
        have = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in have), None)

    found = first()
    if found is None:
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file it cannot read
                    continue
        found = first()
    return found


_P = ParamSpec("_P")


def _with_cjk_fallback(draw: Callable[_P, Figure]) -> Callable[_P, Figure]:
    """Draw with the installed CJK font after the configured families: matplotlib takes each
    glyph from the first family that has it, so Latin text is unchanged and Chinese text
    is legible. Text keeps the families it was created with, so this covers later saves."""

    @functools.wraps(draw)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> Figure:
        cjk = cjk_font()
        if cjk is None:
            return draw(*args, **kwargs)
        family = list(matplotlib.rcParams["font.family"])
        with plt.rc_context({"font.family": [*family, cjk] if cjk not in family else family}):
            return draw(*args, **kwargs)

    return wrapper


def _mark_shocks(ax: plt.Axes, shocks: list, days: int) -> None:
    """Mark the shocks that fall inside the run (a later one would stretch the day axis)."""
    for s in shocks:
        if s.day >= days:
            continue
        kind = SHOCKS[s.kind]
        ax.axvline(s.day, color=kind.colour, ls="--", lw=1, label=kind.label)
        if s.duration:
            ax.axvspan(s.day, s.day + s.duration, color=kind.colour, alpha=0.07)


@_with_cjk_fallback
def active_figure(result: RunResult) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 4))
    d = result.daily
    ax.plot(d.index, d["active"], label="active customers", color="tab:blue")
    ax.plot(d.index, d["customers"], label="ever bought", color="tab:blue", alpha=0.35)
    _mark_shocks(ax, result.scenario.shocks, len(result.daily))
    ax.set(xlabel="day", ylabel="consumers", title=f"Active customers — {result.scenario.name}")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


@_with_cjk_fallback
def retention_figure(results: list[RunResult]) -> Figure:
    """Survival by age since acquisition with its 95% interval, pooled over the customers
    observed at each age; each curve stops where fewer than the minimum remain."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, r in enumerate(results):
        c = r.retention
        colour = f"C{i}"
        ax.plot(c.index, c["rate"], color=colour, label=r.scenario.name)
        ax.fill_between(c.index, c["lo"], c["hi"], color=colour, alpha=0.2, lw=0)
    ax.set(xlabel="days since first purchase", ylabel="share surviving (no 30-day gap)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Customer survival (95% interval)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@_with_cjk_fallback
def cohort_figure(result: RunResult) -> Figure:
    m = result.cohort_table("survival")
    unit = m.unit
    fig, ax = plt.subplots(figsize=(7, 5))
    title = f"Cohort survival — {result.scenario.name}"
    if m.rate.empty:  # an image with no rows has no extent (matplotlib warns); say why
        ax.set_axis_off()
        ax.set_title(title)
        ax.text(
            0.5,
            0.5,
            f"No cohort to show: nobody bought in this run's {result.scenario.days} days.",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return fig
    im = ax.imshow(m.rate.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set(
        xlabel=f"age ({unit}s since first purchase)",
        ylabel=f"acquisition cohort ({unit})",
        title=title,
    )
    labels = [
        f"{unit[0].upper()}{c} (n={int(n)})"
        for c, n in zip(m.rate.index, m.n.iloc[:, 0].fillna(0), strict=True)
    ]
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    fig.colorbar(im, ax=ax, label="share surviving")
    fig.tight_layout()
    return fig


@_with_cjk_fallback
def money_figure(result: RunResult) -> Figure:
    """Who pays and who earns, smoothed weekly."""
    d = result.daily.rolling(7, min_periods=1).mean()
    fig, ax = plt.subplots(figsize=(8, 4))
    for col, label in [
        ("gmv", "consumers pay (GMV)"),
        ("brand_receipts", "brands receive"),
        ("commissions", "platform commission"),
        ("subsidy_spend", "platform subsidies"),
        ("rewards_paid", "rewards to partners"),
        ("leader_commissions", "leader commissions"),
        ("ad_spend", "ad spend"),
    ]:
        ax.plot(d.index, d[col], label=label)
    _mark_shocks(ax, result.scenario.shocks, len(result.daily))
    ax.set(xlabel="day", ylabel="yuan per day (7-day mean)", title="Money flows")
    ax.set_yscale("symlog", linthresh=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def save_run_figures(result: RunResult, out: Path) -> list[Path]:
    paths = []
    for name, fig in [
        ("active.png", active_figure(result)),
        ("retention.png", retention_figure([result])),
        ("cohorts.png", cohort_figure(result)),
        ("money.png", money_figure(result)),
    ]:
        p = Path(out) / name
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths


@_with_cjk_fallback
def comparison_figure(series: dict[str, pd.DataFrame], shocks: dict[str, list]) -> Figure:
    """Active customers per scenario: mean over seeds with a 95% t band (as in the tables)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for i, (name, frame) in enumerate(series.items()):
        colour = f"C{i}"
        mean, half = t_band(frame)
        ax.plot(mean.index, mean, color=colour, label=name)
        ax.fill_between(mean.index, mean - half, mean + half, color=colour, alpha=0.2)
        for s in shocks.get(name, []):
            if s.day < len(mean):  # inside the run
                ax.axvline(s.day, color=colour, ls="--", lw=0.8)
    ax.set(xlabel="day", ylabel="active customers", title="Active customers (mean, 95% CI)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
