"""Which levers matter: neighbours one step away, paired effects, honest about no effect."""

from __future__ import annotations

import numpy as np
import pytest

from sim.dashboard import core, effects
from sim.dashboard.runs import WORKER

KEYS = ["d30_retention", "d90_retention", "platform_profit", "rewards_paid"]


def test_one_step_is_a_tenth_of_the_range_in_the_controls_grain() -> None:
    lv = core.LEVER_BY_PATH
    assert effects.step_of(lv["policy.partner.share"]) == pytest.approx(0.02)  # 0–20%: 2 pp
    assert effects.step_of(lv["policy.group_buying.discount"]) == pytest.approx(0.06)
    assert effects.step_of(lv["network.community_size"]) == 100  # int lever: whole steps
    assert effects.step_of(lv["platform.ad_spend_per_day"]) == pytest.approx(100.0)
    assert not effects.movable(lv["population.consumers"])  # the size the panel fixes
    assert not effects.movable(lv["network.kind"])  # a choice, not a step


def test_neighbours_move_one_lever_each_within_its_range() -> None:
    sc = effects.panel_scenario(core.load_shipped("symbiotic_partner"))
    assert sc.population.consumers == effects.CONSUMERS
    near = effects.neighbours(sc)
    share = [n for n in near if n.lever.path == "policy.partner.share"]
    assert [(n.step, n.new) for n in share] == [
        (effects.DOWN, pytest.approx(sc.policy.partner.share - 0.02)),
        (effects.UP, pytest.approx(sc.policy.partner.share + 0.02)),
    ]
    assert share[0].change == f"{100 * sc.policy.partner.share:.3g}% → {100 * share[0].new:.3g}%"
    for n in near:  # exactly one field differs from the base
        diff = core.scenario_diff(sc.to_dict(), n.scenario.to_dict())
        assert list(diff) == [n.lever.path], diff
    flips = {n.lever.path: n for n in near if n.lever.kind == "bool"}
    assert flips["policy.partner.enabled"].new is False  # on in this scenario: switched off
    at_top = sc.with_overrides({"policy.partner.share": 0.2})
    steps = [n.step for n in effects.neighbours(at_top) if n.lever.path == "policy.partner.share"]
    assert steps == [effects.DOWN]  # at the end of its range: no step beyond it


def test_the_panel_fills_from_the_background_and_tells_no_effect_from_noise() -> None:
    sc = core.load_shipped("subsidy_group_buying")  # partner program off in this scenario
    job = effects.start(sc)
    assert effects.start(sc) is job  # queued once per scenario
    assert job.wait(240) and job.error is None, job.error
    assert job.done == job.total == (1 + len(effects.neighbours(effects.panel_scenario(sc)))) * 2
    table = effects.effects_table(sc, KEYS)
    share = table[
        (table["lever"] == "Partner share of referred purchases")
        & (table["kpi"] != "d90_retention")
    ]
    # with the program off its share cannot matter: the runs are identical, and it says so
    assert share["identical"].all() and (share["text"] == "identical runs").all()
    assert not share["clear"].any()
    discount = table[
        (table["lever"] == "Group discount (depth)") & (table["kpi"] == "platform_profit")
    ]
    assert len(discount) == 2 and not discount["identical"].any()
    # D90 retention is undefined on a 60-day panel: said, not shown as "no effect"
    d90 = table[table["kpi"] == "d90_retention"]
    assert (d90["text"] == "— (undefined at this horizon)").all()
    quiet = effects.quiet_levers(table, ["d30_retention"])
    assert "Partner share of referred purchases" in quiet
    computed = effects.KPIS.computed
    effects.effects_table(sc, KEYS)
    assert effects.KPIS.computed == computed  # reading the panel runs nothing
    assert WORKER.get(job.key) is job


def test_the_partner_share_moves_partners_not_only_money(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 11: the share changes behaviour, not only money (joining weighs expected
    earnings, referral effort follows the reward): the panel's runs part on partners, and
    the lever's stated intent travels with it (on a panel long enough for partners to
    join: 600 households x 200 days)."""
    monkeypatch.setattr(effects, "CONSUMERS", 600)
    monkeypatch.setattr(effects, "MAX_DAYS", 200)
    sc = core.load_shipped("symbiotic_partner")
    job = effects.start(sc)
    assert job.wait(240) and job.error is None, job.error
    table = effects.effects_table(sc, [*KEYS, "partners"])
    share = table[table["lever"] == "Partner share of referred purchases"]
    up = share[share["step"] == effects.UP].set_index("kpi")
    down = share[share["step"] == effects.DOWN].set_index("kpi")
    # the share changes who joins and how hard they refer, so the runs part (the old model
    # gave identical partner counts on both steps; in a panel this small one step of 2
    # points may leave all three seeds' few partners unchanged); the direction over the
    # whole range is tests/test_levers
    assert not (up.loc["partners", "identical"] and down.loc["partners", "identical"])
    assert not up.loc["rewards_paid", "identical"]
    assert np.isfinite(up.loc["partners", "effect"])
    assert "partners" in up.loc["partners", "moves"]
