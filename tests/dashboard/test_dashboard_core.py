"""The dashboard's input logic outside Streamlit: safe input, levers and their units, URL
state, downloads' names, the counterfactual of a shock."""

from __future__ import annotations

import base64
import zlib

import pytest

from sim.dashboard import core
from sim.scenario import Scenario, ScenarioError


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
    with pytest.raises(ScenarioError, match="limit is 200 KB"):
        core.parse_upload(big, "big.yaml")


def test_page_limits_point_to_the_cli() -> None:
    sc = Scenario().with_overrides({"population.consumers": 60_000})
    with pytest.raises(ScenarioError, match=r"at most 50,000.*symbiosim run"):
        core.check_limits(sc)
    with pytest.raises(ScenarioError, match="days: at most 3,650"):
        core.check_limits(Scenario().with_overrides({"days": 5000}))
    core.check_limits(Scenario())  # the default passes


@pytest.mark.parametrize("seed", [-1, 2**40, 1.5, True, "1e30", "1.5", "-1", "seven", "", "0x10"])
def test_seed_validation(seed: object) -> None:
    """A seed is refused, never rounded or clamped: "1e30" used to become 1."""
    with pytest.raises(
        ScenarioError, match=r"seed: must be a whole number from 0 to 4,294,967,295"
    ):
        core.check_seed(seed)


@pytest.mark.parametrize(("text", "seed"), [("7", 7), (" 12 ", 12), ("1,000", 1000), (3, 3)])
def test_seed_accepts_whole_numbers_typed_as_digits(text: object, seed: int) -> None:
    assert core.check_seed(text) == seed


# --------------------------------------------------------------------------- levers
def test_controls_roundtrip_and_overrides() -> None:
    base = core.load_shipped("symbiotic_partner")
    controls = core.controls_from_scenario(base)
    assert core.overrides_from_controls(base, controls) == {}
    assert controls["policy.partner.share"] == pytest.approx(100 * base.policy.partner.share)
    controls["policy.partner.share"] = 15.0  # the slider shows percent
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


def test_share_levers_show_percent_and_round_trip_exactly() -> None:
    """A 35% discount is 35 on its slider, and back to 0.35 in the scenario, unchanged."""
    base = core.load_shipped("subsidy_group_buying")
    controls = core.controls_from_scenario(base)
    lv = core.LEVER_BY_PATH["policy.group_buying.discount"]
    assert lv.unit == "%" and controls[lv.path] == pytest.approx(
        100 * base.policy.group_buying.discount
    )
    assert core.widget_format(lv).endswith("%%") and core.widget_label(lv).endswith("(%)")
    for lever in core.LEVERS:
        if lever.unit == "%" and lever.kind == "float":
            for v in (0.0, 0.005, 0.1, 0.35, 0.2, 1.0):
                assert core.from_widget(lever, core.to_widget(lever, v)) == v
    share = core.LEVER_BY_PATH["policy.partner.share"]
    assert (core.to_widget(share, share.lo), core.to_widget(share, share.hi)) == (0.0, 20.0)
    bonus = core.LEVER_BY_PATH["policy.partner.referral_bonus"]
    assert core.widget_label(bonus).endswith("(¥)") and core.to_widget(bonus, 5.0) == 5.0
    assert core.overrides_from_controls(base, controls) == {}


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
    with pytest.raises(ScenarioError, match="size limit"):  # … but refused when expanded
        core.unpack(text)


# --------------------------------------------------------------------------- downloads, shocks
def test_an_edited_scenario_is_renamed_in_downloads() -> None:
    base = core.load_shipped("symbiotic_partner")
    edited = base.with_overrides({"policy.partner.share": 0.12})
    out = core.as_download(edited, edited=True)
    assert out.name == "symbiotic_partner-edited"
    assert "symbiotic_partner" in out.description and out.policy.partner.share == 0.12
    assert core.as_download(base, edited=False) is base
    assert core.as_download(out, edited=True).name == "symbiotic_partner-edited"  # not twice


def test_classroom_limit_message_names_the_command_not_a_download() -> None:
    from sim.dashboard.classroom import classroom_scenario

    with pytest.raises(ScenarioError) as err:
        classroom_scenario("baseline", 5_000)
    text = str(err.value)
    assert "at most 2,000" in text and "symbiosim run baseline --consumers 5000" in text
    assert "download" not in text
