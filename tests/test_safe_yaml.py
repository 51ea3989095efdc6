"""The bounded YAML reader, and every place that reads YAML through it: alias bombs, deep
nesting, duplicate keys, oversized documents and unreadable values are refused in
milliseconds with one line naming the source and the limit."""

from __future__ import annotations

import time
import tracemalloc

import pytest
import yaml

from sim.batch import SpecError, load_spec
from sim.dashboard import core
from sim.limits import YAML_MAX_DEPTH, YAML_MAX_NODES
from sim.safe_yaml import YamlError, load, load_file
from sim.scenario import (
    ScenarioError,
    load_scenario,
    parse_overrides,
    parse_value,
    read_scenario_dict,
)

#: Each bomb expands to 10^7+ values (and 9 levels of 10x aliases to 10^9) if expanded.
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{chr(ord(c) - 1)}'] * 10)}]\n" for c in "bcdefghi"
)
DEEP = "[" * 5000 + "]" * 5000
DEEP_MAP = "".join(" " * i + f"k{i}:\n" for i in range(600)) + " " * 600 + "x: 1\n"


def bomb_under(key: str) -> str:
    """A bomb hidden under a known field (its anchors defined inside the field's value)."""
    return f"{key}:\n" + "".join("  " + line + "\n" for line in BILLION_LAUGHS.splitlines())


@pytest.fixture
def bounded():
    """Assert the test's work is quick and allocates little (a bomb expanded would take
    gigabytes and minutes)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 10.0
    assert peak < 100_000_000, peak


# --------------------------------------------------------------------------- the reader
@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        (BILLION_LAUGHS, f"more than {YAML_MAX_NODES.default:,} values once aliases"),
        (DEEP, f"nested deeper than {YAML_MAX_DEPTH.default} levels"),
        (DEEP_MAP, "nested deeper"),
        ("a: &a [*a]\n", "recursive alias"),
        ("days: 10\ndays: -1\n", "duplicate key 'days'"),
        ("days: " + "9" * 5000 + "\n", "a value cannot be read"),
        ("a: [1, 2\n", "is not valid YAML"),
        ("a: !!python/object/apply:os.system [echo hi]\n", "is not valid YAML"),
        ("a: 1\n---\nb: 2\n", "single document"),
        ("a: *nowhere\n", "is not valid YAML"),
    ],
)
def test_refused_with_one_line(bounded, doc, needle):
    with pytest.raises(YamlError) as err:
        load(doc, "doc.yaml")
    msg = str(err.value)
    assert msg.startswith("doc.yaml") and needle in msg and "\n" not in msg, msg


def test_limits_are_limits_not_syntax():
    with pytest.raises(YamlError) as err:
        load(BILLION_LAUGHS, "x")
    assert err.value.kind == "limit" and "docs/limits.md" in str(err.value)
    with pytest.raises(YamlError) as err:
        load("a: [", "x")
    assert err.value.kind == "syntax"


def test_merge_keys_count_against_the_expansion_limit(bounded):
    doc = "a: &a {x0: 1, x1: 1, x2: 1, x3: 1, x4: 1, x5: 1, x6: 1, x7: 1, x8: 1, x9: 1}\n"
    doc += "".join(
        f"{c}: &{c} {{<<: [{', '.join([f'*{chr(ord(c) - 1)}'] * 10)}]}}\n" for c in "bcdefg"
    )
    with pytest.raises(YamlError, match="once aliases"):
        load(doc, "merge.yaml")


def test_ordinary_documents_and_small_aliases_still_load():
    assert load("a: &s {share: 0.5}\nb: *s\n", "x") == {"a": {"share": 0.5}, "b": {"share": 0.5}}
    assert load("base: &b {x: 1}\nover: {<<: *b, y: 2}\n", "x")["over"] == {"x": 1, "y": 2}
    assert load("", "x") is None and load("# only a comment\n", "x") is None
    nested = "a:\n" + "".join("  " * i + f" k{i}:\n" for i in range(1, 20)) + "  " * 20 + " v: 1\n"
    assert load(nested, "x") is not None  # 20 levels are fine
    text = yaml.safe_dump({f"k{i}": list(range(50)) for i in range(100)})
    assert load(text, "x") == yaml.safe_load(text)


def test_size_is_checked_before_reading(tmp_path, bounded):
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(3_000_000_000)  # sparse: 3 GB that would take long to read
    with pytest.raises(YamlError, match=r"big.yaml: 3.0 GB is larger than the 1.0 MB limit"):
        load_file(big)
    with pytest.raises(YamlError, match="larger than the 10 B limit"):
        load("a: 123456789", "x", max_bytes=10)


def test_devices_and_folders_are_not_read(tmp_path, bounded):
    for p in ("/dev/zero", tmp_path):
        with pytest.raises(YamlError, match="not a regular file"):
            load_file(p)


# --------------------------------------------------------------------------- every reader
def test_scenario_files_bounded(tmp_path, bounded):
    cases = {
        "bomb.yaml": BILLION_LAUGHS,
        "field_bomb.yaml": bomb_under("description"),
        "deep.yaml": "population: " + DEEP,
        "dup.yaml": "days: 30\ndays: 0\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ScenarioError) as err:
            read_scenario_dict(tmp_path / name)
        msg = str(err.value)
        assert msg.startswith(f"scenario: {name}") and "\n" not in msg, msg


def test_base_chain_names_the_bad_file(tmp_path):
    (tmp_path / "inner.yaml").write_text(BILLION_LAUGHS)
    (tmp_path / "outer.yaml").write_text("base: inner.yaml\nname: o\n")
    with pytest.raises(ScenarioError, match=r"^base: inner.yaml line \d+: more than"):
        read_scenario_dict(tmp_path / "outer.yaml")


def test_sweep_specs_bounded(tmp_path, bounded):
    values_bomb = (
        BILLION_LAUGHS + "parameters:\n  policy.partner.share: {values: *i}\nreplications: 1\n"
    )
    cases = {
        "values.yaml": values_bomb,
        "overrides.yaml": bomb_under("overrides") + "parameters: {days: [10]}\n",
        "base.yaml": bomb_under("base") + "parameters: {days: [10]}\n",
        "deep.yaml": "parameters: " + DEEP,
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(SpecError) as err:
            load_spec(tmp_path / name)
        msg = str(err.value)
        assert msg.startswith(f"spec: {name}") and "\n" not in msg, msg


def test_set_values_bounded(bounded):
    for text, needle in (
        (BILLION_LAUGHS.replace("\n", "\n"), "once aliases"),
        (DEEP, "nested deeper"),
        ("{a: 1, a: 2}", "duplicate key"),
        ("x" * 200_000, "larger than"),
    ):
        with pytest.raises(ScenarioError) as err:
            parse_value(text, "--set description")
        assert str(err.value).startswith("--set description") and needle in str(err.value)
    assert parse_value("[oops", "--set name") == "[oops"  # not YAML: stays text
    assert parse_value("0.25") == 0.25 and parse_value("[1, 2]") == [1, 2]


def test_later_set_cannot_hide_an_earlier_one():
    with pytest.raises(ScenarioError, match="--set days: given twice"):
        parse_overrides(["days=-1", "days=10"])
    with pytest.raises(ScenarioError, match=r"--set policy.partner: overlaps --set policy"):
        parse_overrides(["policy.partner.share=7", "policy.partner={share: 0.1}"])
    with pytest.raises(ScenarioError, match="expected key.path=value"):
        parse_overrides(["=3"])
    assert parse_overrides(["days=10", "policy.partner.share=0.1"]) == {
        "days": 10,
        "policy.partner.share": 0.1,
    }


def test_dashboard_upload_bounded(bounded):
    for text in (BILLION_LAUGHS, DEEP, bomb_under("description")):
        with pytest.raises(core.InputError, match="^upload: x.yaml"):
            core.parse_upload(text.encode(), "x.yaml")


# --------------------------------------------------------------------------- empty documents
@pytest.mark.parametrize("text", ["", "# nothing here\n", "{}\n", "---\n"])
def test_empty_scenarios_are_refused(tmp_path, text):
    f = tmp_path / "empty.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError, match="empty.yaml is empty"):
        load_scenario(f)
    with pytest.raises(core.InputError, match="is empty"):
        core.parse_upload(text.encode(), "x.yaml")
    with pytest.raises(ScenarioError, match="is empty"):
        load_scenario({})


def test_empty_spec_is_refused(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("# nothing\n")
    with pytest.raises(SpecError, match="s.yaml is empty"):
        load_spec(f)
