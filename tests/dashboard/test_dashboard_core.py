"""The dashboard's logic outside Streamlit: safe input, levers, URL state, cache, picture."""

from __future__ import annotations

import base64
import threading
import time
import zlib

import numpy as np
import pandas as pd
import pytest

from sim.dashboard import charts, core
from sim.dashboard.classroom import STORIES, Lesson, classroom_scenario, painter_for
from sim.dashboard.netview import _PALETTE, NetworkPainter, community_layout
from sim.network import build_network
from sim.scenario import Network, Scenario, ScenarioError

SMALL = {"population.consumers": 400, "days": 120, "observation.cohort_end": 30}


# --------------------------------------------------------------------------- uploads
def test_upload_valid_scenario_with_shipped_base() -> None:
    text = b"name: mine\nbase: symbiotic_partner\npolicy:\n  partner:\n    share: 0.12\n"
    sc = core.parse_upload(text, "mine.yaml")
    assert sc.name == "mine"
    assert sc.policy.partner.share == 0.12
    assert sc.policy.partner.enabled  # inherited from the shipped base


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"a: [1, 2", "not valid YAML"),
        (b"- 1\n- 2\n", "mapping"),
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"base: /etc/passwd\n", "file paths are not accepted"),
        (b"base: ../scenarios/baseline.yaml\n", "file paths are not accepted"),
        (b"network: {kind: file, path: /etc/hosts}\n", "no server paths"),
        (b"a: &x [1, 2]\nb: *x\n", "unknown field"),  # aliases parse, within the bounds
        (
            b"a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
            + b"".join(
                b"%c: &%c [%s]\n" % (c, c, b", ".join([b"*%c" % (c - 1)] * 10))
                for c in range(ord("b"), ord("h"))
            ),
            "aliases",
        ),  # "billion laughs": 10^7 values from 200 bytes
        (b"[" * 5000 + b"]" * 5000, "nested deeper"),
        (b"days: 10\ndays: -1\n", "duplicate key 'days'"),
        (b"{}", "empty"),
        (b"network: {mean_degree: .inf}\n", "network.mean_degree"),
        (b"brands: {list_price: .nan}\n", "brands.list_price"),
        (b"days: -3\n", "days"),
        (b"policy: {partner: {share: 2}}\n", "policy.partner.share"),
        (b"colour: blue\n", "unknown field"),
    ],
)
def test_upload_bad_input_names_the_problem(payload: bytes, needle: str) -> None:
    with pytest.raises(ScenarioError, match=needle):
        core.parse_upload(payload, "x.yaml")


def test_upload_size_is_capped() -> None:
    big = b"# " + b"x" * core.MAX_UPLOAD_BYTES + b"\nname: big\n"
    with pytest.raises(core.InputError, match="limit is 200 KB"):
        core.parse_upload(big, "big.yaml")


def test_page_limits_point_to_the_cli() -> None:
    sc = Scenario().with_overrides({"population.consumers": 60_000})
    with pytest.raises(core.InputError, match=r"at most 50,000.*symbiosim run"):
        core.check_limits(sc)
    with pytest.raises(core.InputError, match="days: at most 3,650"):
        core.check_limits(Scenario().with_overrides({"days": 5000}))
    core.check_limits(Scenario())  # the default passes


@pytest.mark.parametrize("seed", [-1, 2**40, 1.5, "7", True])
def test_seed_validation(seed: object) -> None:
    with pytest.raises(core.InputError, match="seed"):
        core.check_seed(seed)


# --------------------------------------------------------------------------- levers
def test_controls_roundtrip_and_overrides() -> None:
    base = core.load_shipped("symbiotic_partner")
    controls = core.controls_from_scenario(base)
    assert core.overrides_from_controls(base, controls) == {}
    controls["policy.partner.share"] = 0.15
    controls[core.shock_key("competitor_entry", "on")] = True
    controls[core.shock_key("competitor_entry", "day")] = 150
    controls[core.shock_key("subsidy_end", "on")] = False
    controls[core.BUDGET_ON] = True
    controls[core.BUDGET_PATH] = 5_000.0
    over = core.overrides_from_controls(base, controls)
    sc = core.apply_overrides(base, over)
    assert sc.policy.partner.share == 0.15
    assert [(s.kind, s.day) for s in sc.shocks] == [("competitor_entry", 150)]
    assert sc.shocks[0].duration == 90  # from the shipped shock file
    assert sc.policy.group_buying.budget == 5_000.0
    # the edited scenario's controls reproduce the edit exactly
    assert core.overrides_from_controls(sc, core.controls_from_scenario(sc)) == {}


def test_extra_shocks_of_a_kind_are_kept() -> None:
    base = Scenario().with_overrides(
        {"shocks": [{"kind": "downturn", "day": 50}, {"kind": "downturn", "day": 200}]}
    )
    controls = core.controls_from_scenario(base)
    controls[core.shock_key("downturn", "day")] = 60
    sc = core.apply_overrides(base, core.overrides_from_controls(base, controls))
    assert [s.day for s in sc.shocks] == [60, 200]


def test_bad_lever_value_names_the_field() -> None:
    base = core.load_shipped("baseline")
    controls = core.controls_from_scenario(base)
    controls["network.mean_degree"] = -4.0
    with pytest.raises(ScenarioError, match="network.mean_degree"):
        core.apply_overrides(base, core.overrides_from_controls(base, controls))


def test_every_lever_has_help_from_the_schema() -> None:
    described = [lv.path for lv in core.LEVERS if lv.description]
    assert "policy.partner.share" in described
    assert len(described) >= len(core.LEVERS) - 6  # the on/off switches need none


# --------------------------------------------------------------------------- URL state
def test_explore_state_roundtrip() -> None:
    over = {"policy.partner.share": 0.1, "population.consumers": 800}
    state = core.ExploreState(base_name="hybrid", overrides=over, seed=7, ref="loaded")
    back = core.ExploreState.from_params(state.to_params())
    assert (back.base_name, back.overrides, back.seed, back.ref) == ("hybrid", over, 7, "loaded")


def test_custom_scenario_travels_in_the_url() -> None:
    sc = core.parse_upload(b"name: mine\npolicy: {partner: {enabled: true, share: 0.2}}\n")
    state = core.ExploreState(base_name=None, custom=core.custom_diff(sc))
    params = state.to_params()
    assert "custom" in params and len(params["custom"]) < core.MAX_URL_CHARS
    assert core.ExploreState.from_params(params).base() == sc


@pytest.mark.parametrize(
    "params",
    [
        {"scenario": "../../etc/passwd"},
        {"set": "not-base64!!"},
        {"set": core.pack({"policy.partner.share": 3})},
        {"set": core.pack({"nope.field": 1})},
        {"seed": "abc"},
        {"ref": "somewhere"},
        {"custom": core.pack({"network.kind": "file", "network.path": "/etc/hosts"})},
    ],
)
def test_damaged_links_raise_a_named_error(params: dict[str, str]) -> None:
    with pytest.raises(ScenarioError):
        core.ExploreState.from_params(params)


def test_unpack_refuses_a_decompression_bomb() -> None:
    bomb = zlib.compress(b"[" + b"0," * 2_000_000 + b"0]", 9)
    text = base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    assert len(text) < core.MAX_URL_CHARS  # small on the wire …
    with pytest.raises(core.InputError, match="size limit"):  # … but refused when expanded
        core.unpack(text)


# --------------------------------------------------------------------------- runs and cache
def test_cache_computes_each_run_once_even_when_asked_concurrently() -> None:
    cache = core.RunCache()
    sc = core.load_shipped("baseline").with_overrides({**SMALL, "name": "cache-test"})
    out: list[core.RunSummary] = []
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


def test_run_summary_matches_sim_run() -> None:
    import sim

    sc = core.load_shipped("symbiotic_partner").with_overrides(SMALL)
    summary = core.simulate(sc, 1)
    direct = sim.run(sc, seed=1)
    pd.testing.assert_frame_equal(summary.daily, direct.daily)
    assert summary.kpis["d30_retention"] == direct.kpis["d30_retention"]
    assert len(summary.leaders) == direct.model.leaders.n
    np.testing.assert_allclose(
        summary.leaders["income_total"].sum(), direct.model.leaders.income_total.sum()
    )


def test_kpi_cards_show_differences_to_the_reference() -> None:
    sc = core.load_shipped("subsidy_group_buying").with_overrides(SMALL)
    run = core.run_cached(sc, 0)
    ref = core.run_cached(core.baseline_reference(sc), 0)
    cards = {c.label: c for c in core.kpi_cards(run, ref)}
    d30 = run.kpis["d30_retention"] - ref.kpis["d30_retention"]
    assert cards["D30 retention"].delta == f"{100 * d30:+.1f} pp"
    assert "Resilience: subsidy end (day 90)" in cards
    assert core.baseline_reference(sc).shocks == sc.shocks  # same market, same shocks
    no_ref = core.kpi_cards(run, None)
    assert all(c.delta is None for c in no_ref)


def test_money_totals_balance() -> None:
    run = core.run_cached(core.load_shipped("subsidy_group_buying").with_overrides(SMALL), 0)
    t = core.money_totals(run).set_index("party")["yuan"]
    paid_in = -(t["Consumers"] + t["Platform subsidies"])
    paid_out = t["Brands (receipts)"] + t["Platform commission"]
    leaders = run.accounts["leader_commissions"].sum()
    assert paid_in == pytest.approx(paid_out + leaders, rel=1e-9)
    assert set(t.index) >= {"Platform net", "Partners (rewards)"}


def test_compare_table_pairs_by_seed() -> None:
    kpis = pd.DataFrame(
        {
            "scenario": ["a"] * 3 + ["b"] * 3,
            "seed": [0, 1, 2] * 2,
            "x": [1.0, 2.0, 3.0, 2.0, 3.0, 4.0],  # b = a + 1 for every seed
        }
    )
    t = core.compare_table(kpis, ["a", "b"], ["x"]).set_index("scenario")
    assert t.loc["b", "diff_vs_first"] == pytest.approx(1.0)
    assert t.loc["b", "diff_ci95"] == pytest.approx(0.0)  # pairing removes the seed noise
    assert t.loc["a", "ci95"] > 0


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


# --------------------------------------------------------------------------- classroom
def test_network_frame_is_fast_and_colours_states() -> None:
    graph = build_network(Network(), 2_000, np.random.default_rng(0))
    t0 = time.perf_counter()
    painter = NetworkPainter(graph, community_layout(graph), 640)
    build = time.perf_counter() - t0
    states = np.zeros(graph.n, np.int64)
    probe = int(np.flatnonzero(~np.isin(np.arange(graph.n), graph.leaders))[0])
    states[probe] = 3  # a partner among the unaware
    frames = []
    t0 = time.perf_counter()
    for _ in range(5):
        frames.append(painter.frame(states))
    per_frame = (time.perf_counter() - t0) / 5
    img = frames[-1]
    assert img.shape == (640, 640, 3)
    x, y = ((0.03 + painter.xy[probe] * 0.94) * 639).round().astype(int)
    # the partner's disc is purple unless a later-drawn node covers its centre
    assert np.abs(img[y, x].astype(int) - _PALETTE[3]).max() <= 40
    assert per_frame < 0.25, f"{per_frame:.3f} s per frame at 2,000 nodes"
    assert build < 20


def test_lesson_steps_resets_and_reuses_the_layout() -> None:
    from sim.dashboard import classroom

    lesson = Lesson(classroom_scenario("subsidy_group_buying", 300, 60), seed=0)
    before = classroom.LAYOUTS_COMPUTED[0]
    assert lesson.day == 0 and lesson.counts()["active"] == 0
    assert lesson.step(5) == 5 and lesson.day == 5
    assert sum(lesson.counts().values()) == 300
    lesson.reset()
    assert lesson.day == 0
    lesson.run_to(70)
    assert lesson.day == 60 and lesson.finished  # never past the scenario's end
    assert classroom.LAYOUTS_COMPUTED[0] == before  # same graph: the layout is reused
    assert painter_for(lesson.model.graph) is lesson.painter


def test_classroom_is_capped() -> None:
    with pytest.raises(core.InputError, match="2,000"):
        classroom_scenario("baseline", 5_000)


@pytest.mark.parametrize("key", list(STORIES))
def test_stories_tell_numbers_from_the_model(key: str) -> None:
    story = STORIES[key]
    lesson = story.lesson()
    texts = []
    for ch in story.chapters:
        lesson.run_to(ch.day)
        text = ch.text(lesson)
        assert text.startswith(f"Day {ch.day}"), text
        texts.append(text)
    assert len(set(texts)) == len(texts)
    final_active = int(lesson.daily()["active"].iloc[-1])
    assert f"{final_active:,}" in texts[-1]
