"""Scenario files: shipped ones load, bad ones give one clear message."""

from __future__ import annotations

import pytest

from sim.scenario import Scenario, ScenarioError, load_scenario, shipped_scenarios


@pytest.mark.parametrize("name", list(shipped_scenarios()))
def test_shipped_scenarios_are_valid(name):
    sc = load_scenario(name)
    assert isinstance(sc, Scenario) and sc.description


def test_base_inheritance_and_override(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("base: symbiotic_partner\nname: mine\npolicy:\n  partner:\n    share: 0.01\n")
    sc = load_scenario(f)
    assert sc.name == "mine"
    assert sc.policy.partner.share == 0.01
    assert sc.policy.partner.enabled  # inherited
    assert sc.policy.ledger.transparent


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("days: -3", "days"),
        ("days: many", "days"),
        ("populaton: {}", "populaton: unknown field"),
        ("network: {kind: hexagonal}", "network.kind"),
        ("policy: {partner: {share: 1.5}}", "policy.partner.share"),
        ("shocks: [{kind: meteor, day: 3}]", "shocks.0.kind"),
        ("shocks: [{kind: quality_scandal, day: 3, brand: 99}]", "shocks.0.brand"),
        (
            "population: {segments: {a: {share: 0.5, price_sensitivity: 1, quality_sensitivity: 1,"
            " need_rate: 0.1, content_propensity: 0.1, partner_propensity: 0.1}}}",
            "shares must sum to 1",
        ),
        ("- just\n- a list", "mapping"),
        ("days: [1, 2", "not valid YAML"),
        ("base: nowhere.yaml", "not found"),
        # a name titles figures and reports: a control character there cannot be shown
        ('name: "town\\x07"', "name: must be printable text on one line (got '\\x07'"),
        ('name: "two\\nlines"', "name: must be printable text on one line (got '\\n'"),
    ],
)
def test_bad_scenarios_name_the_field(tmp_path, text, needle):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    assert needle in str(err.value)


def test_names_in_any_script_are_accepted():
    assert Scenario(name="拼团 town — 2026").name == "拼团 town — 2026"


def test_unknown_field_lists_allowed_names(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("policy: {partner: {shaer: 0.1}}")
    with pytest.raises(
        ScenarioError, match=r"policy\.partner\.shaer: unknown field \(allowed: .*share"
    ):
        load_scenario(f)


def test_overrides_validate_paths_and_values():
    sc = load_scenario("baseline")
    assert sc.with_overrides({"policy.partner.share": 0.2}).policy.partner.share == 0.2
    with pytest.raises(ScenarioError, match="policy.partner.shaer"):
        sc.with_overrides({"policy.partner.shaer": 0.2})
    with pytest.raises(ScenarioError, match="population.consumers"):
        sc.with_overrides({"population.consumers": 0})


def test_scenario_key_is_stable_and_seed_sensitive():
    sc = load_scenario("baseline")
    assert sc.key(1) == load_scenario("baseline").key(1)
    assert sc.key(1) != sc.key(2)
    assert sc.with_overrides({"days": 10}).key(1) != sc.key(1)
