"""Runs, comparisons, KPIs and money as the pages get them: through the library, with the
library's intervals and formats (issue 9: no parallel copies)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

import sim
import sim.resilience
from sim.analytics.intervals import t_band, t_interval
from sim.compare import Comparison
from sim.dashboard import charts, core, kpiview, money, runs
from sim.kpis import format_delta, format_delta_ci, kpi
from sim.scenario import Scenario

SMALL = {
    "population.consumers": 400,
    "days": 160,
    "observation.cohort_end": 30,
    "population.initial_aware": 0.05,  # the shipped launch market is too sparse for 400
}


def small(shipped: str, **over: object) -> Scenario:
    return core.load_shipped(shipped).with_overrides({**SMALL, **over})


# --------------------------------------------------------------------------- cache
def test_cache_computes_each_run_once_even_when_asked_concurrently() -> None:
    cache = runs.RunCache()
    sc = small("baseline", name="cache-test")
    out: list[runs.Run] = []
    threads = [threading.Thread(target=lambda: out.append(cache.get(sc, 3))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.computed == 1 and len(out) == 3
    assert all(o is out[0] for o in out)
    t0 = time.perf_counter()
    cache.get(sc, 3)
    assert time.perf_counter() - t0 < 0.05  # a cached rerun is instant
    cache.get(sc, 4)
    assert cache.computed == 2  # another seed is another run


def test_a_cached_run_is_the_library_result_without_its_model() -> None:
    sc = small("symbiotic_partner")
    run = runs.simulate(sc, 1)
    direct = sim.run(sc, seed=1)  # with the library's own counterfactual runs
    assert isinstance(run.result, sim.RunResult) and run.result.model is None
    pd.testing.assert_frame_equal(run.result.daily, direct.daily)
    # the same KPIs, resilience included: the counterfactual came from the cache
    pd.testing.assert_series_equal(pd.Series(run.result.kpis), pd.Series(direct.kpis))
    pd.testing.assert_frame_equal(run.result.resilience, direct.resilience)
    pd.testing.assert_frame_equal(run.result.retention, direct.retention)
    assert runs.RUNS.peek(sim.resilience.without_shock(sc, 0), 1) is not None
    assert run.key == sc.key(1) and run.nbytes > 0
    assert len(run.leaders) == direct.model.leaders.n
    np.testing.assert_allclose(
        run.leaders["income_total"].sum(), direct.model.leaders.income_total.sum()
    )


def test_the_cache_keeps_to_its_memory_budget() -> None:
    one = runs.simulate(small("baseline"), 0)
    cache = runs.RunCache(max_bytes=int(2.5 * one.nbytes))
    for seed in range(4):
        cache.get(small("baseline"), seed)
    assert cache.computed == 4 and len(cache._data) == 2  # the oldest were evicted
    assert (small("baseline"), 3) in cache and (small("baseline"), 0) not in cache


# --------------------------------------------------------------------------- comparisons
def test_compare_cached_is_sim_compare_over_the_cache() -> None:
    scs = [small("subsidy_group_buying"), small("symbiotic_partner")]
    before = runs.RUNS.computed
    got = runs.compare_cached(scs, [0])
    done = runs.RUNS.computed - before
    assert done <= 4  # 2 scenarios, and each shock's counterfactual
    again = runs.compare_cached(scs, [0])
    assert runs.RUNS.computed - before == done  # every run came from the cache the second time
    lib = sim.compare.compare(scs, [0])
    pd.testing.assert_frame_equal(got.comparison.table(), lib.table())
    pd.testing.assert_frame_equal(again.comparison.kpis, lib.kpis)
    # two scenarios of the same name are told apart the library's way
    twins = runs.compare_cached([scs[0], scs[0]], [0])
    assert twins.names == [s.name for s in sim.compare.compare([scs[0], scs[0]], [0]).scenarios]


def test_compare_runner_hook_replaces_the_runs() -> None:
    calls = []
    cached = runs.run_cached(small("baseline"), 0).result

    def runner(sc: Scenario, seed: int) -> sim.RunResult:
        calls.append((sc.name, seed))
        return cached

    comp = sim.compare.compare([small("baseline"), small("hybrid")], [0, 1], runner=runner)
    assert calls == [("baseline", 0), ("baseline", 1), ("hybrid", 0), ("hybrid", 1)]
    assert (comp.kpis["d30_retention"] == cached.kpis["d30_retention"]).all()


def fake_compared(values: dict[str, list[float]], key: str = "d90_retention") -> runs.Compared:
    """A comparison over synthetic KPI values per seed (no simulation)."""
    scs = [Scenario().with_overrides({"name": n}) for n in values]
    rows = [
        {"scenario": n, "seed": s, key: v} for n, vs in values.items() for s, v in enumerate(vs)
    ]
    comp = Comparison(scs, list(range(len(next(iter(values.values()))))), pd.DataFrame(rows), {})
    return runs.Compared(comp, {n: [] for n in values})


def test_paired_difference_removes_the_seed_noise() -> None:
    c = fake_compared({"a": [0.5, 0.6, 0.7], "b": [0.6, 0.7, 0.8]})  # b = a + 0.1 on every seed
    mean, half = runs.paired(c, "d90_retention", "a", "b")
    assert mean == pytest.approx(0.1) and half == pytest.approx(0.0, abs=1e-12)
    long = runs.comparison_long(c, ["d90_retention"]).set_index("scenario")
    assert long.loc["a", "ci95"] == pytest.approx(t_interval([0.5, 0.6, 0.7])[1])
    assert long.loc["b", "diff_vs_first"] == pytest.approx(0.1)


def test_comparison_table_reads_in_words_and_units() -> None:
    c = fake_compared(
        {"subsidy_group_buying": [0.5, 0.6, 0.7], "symbiotic_partner": [0.6, 0.72, 0.8]}
    )
    t = kpiview.comparison_table(c, ["d90_retention"])
    assert list(t.index) == ["D90 retention"]
    assert list(t.columns) == [
        "Subsidy group buying",
        "Symbiotic partner",
        "Symbiotic partner − Subsidy group buying",
    ]
    mean, half = t_interval([0.5, 0.6, 0.7])
    assert t.iloc[0, 0] == kpi("d90_retention").format_ci(mean, half)
    assert t.iloc[0, 0].startswith("60.0% ± ")  # a share in percent, as on Explore
    d, h = t_interval([0.1, 0.12, 0.1])
    assert t.iloc[0, 2] == format_delta_ci(d, h, "share")
    assert t.iloc[0, 2].startswith("+10.7 pp ± ")


def test_plain_reading_follows_the_numbers() -> None:
    up = fake_compared({"a": [0.5, 0.6, 0.7], "b": [0.6, 0.7, 0.8]})
    lines = kpiview.plain_reading(up, ["d90_retention"])
    assert "**B** does better on 1 of the 1 KPIs" in lines[0]
    assert lines[1].startswith("**D90 retention** is higher under B: 70.0% against 60.0%")
    down = fake_compared({"a": [0.5, 0.6, 0.7], "b": [0.4, 0.5, 0.6]})
    assert "**A** on 1: D90 retention" in kpiview.plain_reading(down, ["d90_retention"])[0]
    noise = fake_compared({"a": [0.5, 0.6, 0.7], "b": [0.6, 0.5, 0.7]})
    lines = kpiview.plain_reading(noise, ["d90_retention"])
    assert "no clear difference" in lines[1] and "Within noise: D90 retention" in lines[0]


def test_bands_are_the_library_t_band() -> None:
    scs = [small("subsidy_group_buying"), small("symbiotic_partner")]
    c = runs.compare_cached(scs, [0, 1, 2])
    bands = runs.series_bands(c)
    frame = c.comparison.active[scs[0].name]
    mean, half = t_band(frame)
    got = bands[bands["scenario"] == scs[0].name]
    np.testing.assert_allclose(got["mean"], mean)
    np.testing.assert_allclose(got["hi"] - got["mean"], half)
    # the band's last day is the interval the table would print for that day's values
    last = frame.iloc[-1].tolist()
    assert got["hi"].iloc[-1] - got["mean"].iloc[-1] == pytest.approx(t_interval(last)[1])
    diff = runs.diff_band(c, scs[0].name, scs[1].name)
    paired_frame = c.comparison.active[scs[1].name] - c.comparison.active[scs[0].name]
    np.testing.assert_allclose(diff["mean"], t_band(paired_frame)[0])


# --------------------------------------------------------------------------- KPIs
def test_kpi_cards_show_differences_to_the_reference() -> None:
    sc = small("subsidy_group_buying", shocks=[{"kind": "subsidy_end", "day": 90}])
    run = runs.run_cached(sc, 0)
    ref = runs.run_cached(core.baseline_reference(sc), 0)
    cards = {c.label: c for c in kpiview.kpi_cards(run, ref)}
    d30 = run.result.kpis["d30_retention"] - ref.result.kpis["d30_retention"]
    assert cards["D30 retention"].delta == f"{100 * d30:+.1f} pp"
    assert cards["D30 retention"].value == kpi("d30_retention").format(
        run.result.kpis["d30_retention"]
    )
    resilience = [c for c in cards.values() if c.label.startswith("Resilience: subsidy end")]
    # against another market a shock's resilience means nothing: the card reads it against
    # the same run without the shock and says what the shock cost, not a difference
    assert len(resilience) == 1 and resilience[0].neutral
    gap = run.result.kpis["resilience_gap_subsidy_end_0"]
    assert resilience[0].delta == f"{gap:,.0f} customer-days lost"
    assert resilience[0].value == kpi("resilience_subsidy_end_0").format(
        run.result.kpis["resilience_subsidy_end_0"]
    )
    assert "day 90" in resilience[0].help
    assert all(c.delta is None for c in kpiview.kpi_cards(run, None) if not c.neutral)


def test_deltas_use_ascii_signs_and_the_kpis_unit() -> None:
    assert format_delta(0.0123, "share") == "+1.2 pp"
    assert format_delta(-1234.4, "yuan") == "-¥1,234"
    assert format_delta(-0.5, "ratio") == "-0.50"
    assert format_delta(3.0, "count") == "+3"
    assert format_delta_ci(0.05, 0.01, "share") == "+5.0 pp ± 1.0 pp"
    assert format_delta(float("nan"), "share") == "—"


def test_kpi_table_is_in_words() -> None:
    run = runs.run_cached(small("symbiotic_partner"), 0)
    t = kpiview.kpi_table(run)
    assert "D30 retention" in t.index and "d30_retention" not in t.index
    assert t.loc["Platform profit", "value"].startswith(("¥", "−¥"))


# --------------------------------------------------------------------------- money
def test_money_sides_balance_and_cover_every_flow() -> None:
    run = runs.run_cached(small("subsidy_group_buying"), 0)
    acc = run.result.accounts
    t = money.money_totals(run)
    pays = t[t["side"] == money.PAYS].set_index("flow")["yuan"]
    earns = t[t["side"] == money.EARNS].set_index("flow")["yuan"]
    assert pays["Consumers pay"] == pytest.approx(acc["consumer_paid"].sum())
    assert pays["Platform subsidies"] == pytest.approx(acc["subsidies"].sum())
    # the purchase pot: what consumers pay plus what the platform funds = its shares
    pot_in = acc["consumer_paid"].sum() + acc["subsidies"].sum()
    pot_out = (
        earns["Brands receive"] + earns["Platform commission"] + earns.get("Leader commissions", 0)
    )
    assert pot_in == pytest.approx(pot_out, rel=1e-9)
    assert set(t.loc[t["side"] == money.PAYS, "party"]) <= {"Consumers", "Platform"}
    net = money.platform_net_total(run)
    assert net == pytest.approx(acc["platform_net"].sum())
    daily = money.platform_daily(run, window=1)
    by_day = daily[daily["flow"] == "Platform net"].set_index("day")["yuan"]
    np.testing.assert_allclose(by_day.to_numpy(), run.result.daily["platform_profit"].to_numpy())


def test_chart_specs_are_cached_per_key() -> None:
    calls = []

    def build():
        calls.append(1)
        return charts.alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_line().encode(x="x:Q")

    a = charts.spec(("test", "k1"), build)
    b = charts.spec(("test", "k1"), build)
    assert a is b and len(calls) == 1
    charts.spec(None, build)
    assert len(calls) == 2
    assert a["config"]["legend"]["labelLimit"] == 0  # no legend label is ever cut


def test_the_flagship_size_can_be_set_for_a_slow_machine() -> None:
    from sim.dashboard import flagship

    assert flagship.size_from_env(None) == flagship.Size(seeds=5)
    got = flagship.size_from_env("seeds=2, consumers=2000")
    assert (got.seeds, got.consumers, got.days) == (2, 2000, None)
    with pytest.raises(ValueError, match="SYMBIOSIM_DASHBOARD_FLAGSHIP: expected seeds=K"):
        flagship.size_from_env("seeds=two")
