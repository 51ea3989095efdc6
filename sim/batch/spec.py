"""Sweep specification: what to vary, how to sample it, how often to repeat, what to keep.

A sweep spec is a YAML file (or a dict) validated like a scenario: unknown keys,
wrong types, empty ranges and parameter paths that do not exist in the base
scenario raise :class:`SpecError` with one message naming the field, before any
result is touched.

.. code-block:: yaml

    name: partner_share
    base: symbiotic_partner          # scenario file (relative to this file) or shipped name
    overrides: {days: 365, population.consumers: 2000}
    parameters:
      policy.partner.share: {low: 0.0, high: 0.2, num: 5}    # range (num levels if factorial)
      shocks.0.day: [60, 120, 180]                            # explicit values
    design: factorial                # factorial | lhs | sobol | morris
    replications: 5
    seed: 2024                       # root seed; run seeds derive from it (SeedSequence)
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.batch.models import SIM_MODEL, TARGET_RE, ModelError, model_target

RESERVED_COLUMNS = frozenset(
    {"run_key", "point", "replicate", "seed", "status", "duration", "error", "attempts"}
    | {"finished_at", "worker"}
)
DesignKind = Literal["factorial", "lhs", "sobol", "morris"]


class SpecError(ValueError):
    """A sweep spec is invalid. The message names the field and the allowed values."""


class _Strict(BaseModel):
    # every float finite: a NaN bound or an infinite step means nothing
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ParamSpec(_Strict):
    """One swept parameter: explicit ``values``, or a range ``low``..``high``.

    A range is sampled continuously by lhs/sobol/morris; the factorial design
    needs its levels (``num`` evenly spaced values, or a ``step``). Integer fields
    (days, counts) are sampled as whole numbers.
    """

    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = Field(None, ge=1, le=100_000)
    step: float | None = Field(None, gt=0)
    log: bool = False
    integer: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            return {"values": list(data)}
        if not isinstance(data, dict):
            raise ValueError(
                "must be a list of values or a range mapping {low, high} "
                f"(got {type(data).__name__} {data!r})"
            )
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> ParamSpec:
        is_range = self.low is not None or self.high is not None
        if self.values is not None and is_range:
            raise ValueError("give either values or a range (low, high), not both")
        if self.values is None and not is_range:
            raise ValueError("needs values: [...] or a range {low, high}")
        if self.values is not None:
            if not self.values:
                raise ValueError("values: empty list (give at least one value)")
            for v in self.values:
                if isinstance(v, float) and not math.isfinite(v):
                    raise ValueError(f"values: {v!r} is not a finite number")
            if self.num is not None or self.step is not None or self.log:
                raise ValueError("num, step and log apply to a range, not to values")
            return self
        if self.low is None or self.high is None:
            raise ValueError("a range needs both low and high")
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low:g}) must be < high ({self.high:g})")
        if self.num is not None and self.step is not None:
            raise ValueError("give num or step for a range, not both")
        if self.log and self.low <= 0:
            raise ValueError(f"log: needs low > 0 (got {self.low:g})")
        if self.step is not None and (self.high - self.low) / self.step > 100_000:
            raise ValueError("step: more than 100,000 levels")
        return self

    @property
    def is_range(self) -> bool:
        return self.values is None

    def levels(self) -> list[Any]:
        """The factorial levels of this parameter (values, or the range's grid)."""
        import numpy as np

        if self.values is not None:
            return list(self.values)
        assert self.low is not None and self.high is not None
        if self.step is not None:
            grid = np.arange(self.low, self.high + self.step * 1e-9, self.step)
        elif self.log:
            grid = np.geomspace(self.low, self.high, self.num or 1)
        else:
            grid = np.linspace(self.low, self.high, self.num or 1)
        if self.integer:
            return sorted({int(round(float(v))) for v in grid})
        return [round(float(v), 12) for v in grid]


class DesignSpec(_Strict):
    """How design points are chosen (SALib for sobol and morris)."""

    kind: DesignKind = "factorial"
    samples: int | None = Field(
        None,
        ge=1,
        le=10_000_000,
        description="lhs: points; sobol: base samples N (power of 2); morris: trajectories.",
    )
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels (even).")
    second_order: bool = Field(False, description="sobol: also estimate second-order indices.")
    seed: int | None = Field(None, ge=0, description="Sampling seed (default: the root seed).")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"kind": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _sizes(self) -> DesignSpec:
        if self.kind != "factorial" and self.samples is None:
            raise ValueError(f"samples: required for the {self.kind} design")
        if self.kind == "sobol":
            n = self.samples or 0
            if n < 2 or n & (n - 1):
                raise ValueError(
                    f"samples: must be a power of 2 ≥ 2 for the sobol design "
                    f"(e.g. 64, 128, 256), got {n}"
                )
        if self.kind == "morris":
            if self.levels % 2:
                raise ValueError(f"levels: must be even for the morris design, got {self.levels}")
            if (self.samples or 0) < 2:
                raise ValueError("samples: the morris design needs at least 2 trajectories")
        return self


class RecordSpec(_Strict):
    """What to keep besides the KPIs (always kept)."""

    daily: bool = Field(False, description="Also store each run's daily series.")
    daily_columns: list[str] | None = Field(
        None, description="Daily columns to keep (default: all)."
    )


class SweepSpec(_Strict):
    """A validated sweep: base scenario, parameters, design, replications, root seed."""

    name: str = Field("sweep", max_length=100, description="Names the default results file.")
    description: str = ""
    model: str = Field(
        SIM_MODEL,
        description=(
            "'symbiosim', or a plug-in model registered through the 'symbiosim.models' entry "
            "point (its name or module:function), or one allowed with --allow-model."
        ),
    )
    base: str | dict[str, Any] | None = Field(
        None, description="Base scenario: file, shipped name or inline mapping."
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Fixed dotted-path changes to the base scenario."
    )
    parameters: dict[str, ParamSpec] = Field(min_length=1)
    design: DesignSpec = Field(default_factory=DesignSpec)
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed of all run seeds.")
    common_random_numbers: bool = Field(
        True,
        description="Replicate r uses the same seed at every design point (variance reduction).",
    )
    record: RecordSpec = Field(default_factory=RecordSpec)
    summary_kpis: list[str] | None = Field(
        None, description="KPIs printed in the end-of-sweep summary and analysed by default."
    )

    _base_scenario: Any = PrivateAttr(default=None)
    _model_target: str | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _file_name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", v):
            raise ValueError(
                f"letters, digits, '_', '.' and '-' only, starting with a letter or "
                f"digit (it names the results file), got {v!r}"
            )
        return v

    @field_validator("model")
    @classmethod
    def _model_ref(cls, v: str) -> str:
        if not (re.fullmatch(r"[A-Za-z0-9][\w.-]{0,99}", v) or TARGET_RE.fullmatch(v)):
            raise ValueError(
                f"must be '{SIM_MODEL}' or the name of a registered plug-in model, got {v[:100]!r}"
            )
        return v

    @field_validator("parameters")
    @classmethod
    def _names(cls, v: dict[str, ParamSpec]) -> dict[str, ParamSpec]:
        for name in v:
            if name in RESERVED_COLUMNS or not name:
                raise ValueError(f"{name!r} is a reserved column name")
        return v

    # ------------------------------------------------------------------ derived
    @property
    def names(self) -> list[str]:
        return list(self.parameters)

    @property
    def is_sim(self) -> bool:
        return self.model == SIM_MODEL

    @property
    def model_target(self) -> str:
        """What workers run: ``symbiosim``, or the checked ``module:function`` of a plug-in
        (set by :func:`load_spec`; a spec that was not loaded through it runs nothing)."""
        if self.is_sim:
            return SIM_MODEL
        if self._model_target is None:
            raise SpecError(f"model: {self.model!r} was not checked (load the spec with load_spec)")
        return self._model_target

    def base_scenario(self) -> Any:
        """The base :class:`~sim.scenario.Scenario` with the fixed overrides applied."""
        if self._base_scenario is None and self.is_sim:
            self._base_scenario = _resolve_base(self, None)
        return self._base_scenario

    def to_record(self) -> dict[str, Any]:
        """The spec as stored with the results: self-contained (base scenario inlined)."""
        data = self.model_dump(mode="json")
        if self.is_sim:
            data["base"] = self.base_scenario().with_overrides({}).to_dict()
            data["overrides"] = {}
        return data

    def plan_hash(self) -> str:
        """Hash of everything that decides the runs; replications may grow on resume."""
        data = self.to_record()
        for cosmetic in ("name", "description", "replications", "summary_kpis"):
            data.pop(cosmetic, None)
        payload = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- loading
def load_spec(
    source: str | Path | dict[str, Any] | SweepSpec, *, allow_models: Iterable[str] = ()
) -> SweepSpec:
    """Load and fully check a sweep spec (file path or dict); raise :class:`SpecError`.

    The file is read by the bounded YAML reader. A plug-in ``model`` must be registered
    (entry point) or listed in ``allow_models``; it is imported only after that check.
    """
    from sim.safe_yaml import YamlError, load_file

    allow = tuple(allow_models)
    if isinstance(source, SweepSpec):
        if not source.is_sim and source._model_target is None:
            _check_model(source, allow)
        return source
    folder: Path | None = None
    if isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        path = Path(source)
        if not path.is_file():
            if path.exists():
                raise SpecError(f"spec: '{source}' is not a regular file (a folder or device)")
            raise SpecError(f"spec: file '{source}' not found")
        try:
            data = load_file(path)
        except YamlError as err:
            raise SpecError(f"spec: {err}") from None
        if data is None:
            raise SpecError(f"spec: {path.name} is empty (no fields)")
        if not isinstance(data, dict):
            raise SpecError(f"spec: {path.name} must hold a mapping of fields")
        data.setdefault("name", path.stem)
        folder = path.resolve().parent
    if not isinstance(data, dict):
        raise SpecError(f"spec: must be a mapping of fields, got {type(data).__name__}")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as err:
        raise SpecError(_format_error(err)) from None
    _check(spec, folder, allow)
    return spec


def read_stored_spec(data: dict[str, Any]) -> SweepSpec:
    """A spec as stored in a results database, without re-resolving its base scenario."""
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as err:
        raise SpecError(f"stored spec: {_format_error(err)}") from None


def _check_model(spec: SweepSpec, allow: tuple[str, ...]) -> None:
    """Registered or allowed (checked before any import), then importable and callable."""
    from sim.batch.models import load_model

    try:
        target = model_target(spec.model, allow)
        load_model(target)
    except ModelError as err:
        raise SpecError(str(err)) from None
    spec._model_target = target


def _check(spec: SweepSpec, folder: Path | None, allow: tuple[str, ...] = ()) -> None:
    if spec.is_sim:
        spec._base_scenario = _resolve_base(spec, folder)
        for path, p in spec.parameters.items():
            _check_sim_parameter(spec, path, p)
    else:
        _check_model(spec, allow)
        if spec.base is not None or spec.overrides:
            field = "base" if spec.base is not None else "overrides"
            raise SpecError(
                f"{field}: only used with model '{SIM_MODEL}' (model is {spec.model!r})"
            )
        if spec.record.daily:
            raise SpecError(f"record.daily: only available with model '{SIM_MODEL}'")
        for p in spec.parameters.values():
            if p.integer is None:
                p.integer = False
    if spec.design.kind == "factorial":
        for path, p in spec.parameters.items():
            if p.is_range and p.num is None and p.step is None:
                raise SpecError(
                    f"parameters.{path}: a range in a factorial design needs num "
                    "(number of levels) or step"
                )
    if spec.record.daily_columns is not None:
        from sim.metrics import DAILY_COLUMNS

        for c in spec.record.daily_columns:
            if c not in DAILY_COLUMNS:
                raise SpecError(
                    f"record.daily_columns: unknown column {c!r} "
                    f"(allowed: {', '.join(DAILY_COLUMNS)})"
                )


def _resolve_base(spec: SweepSpec, folder: Path | None) -> Any:
    from sim.scenario import (
        ScenarioError,
        load_scenario,
        read_scenario_dict,
        resolve_scenario_path,
    )

    try:
        if isinstance(spec.base, dict):
            sc = load_scenario(spec.base)
        else:
            ref = spec.base or "baseline"
            sc = load_scenario(read_scenario_dict(resolve_scenario_path(ref, folder)))
    except ScenarioError as err:
        raise SpecError(f"base: {err}") from None
    try:
        return sc.with_overrides(dict(spec.overrides)) if spec.overrides else sc
    except ScenarioError as err:
        raise SpecError(f"overrides: {err}") from None


def _check_sim_parameter(spec: SweepSpec, path: str, p: ParamSpec) -> None:
    """The path exists, is a scalar, and its values (or range ends) are valid there."""
    from sim.scenario import ScenarioError

    base = spec._base_scenario
    data = base.to_dict()
    cur: Any = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        where = ".".join(parts[:i]) or "scenario"
        if isinstance(cur, dict):
            if part not in cur:
                allowed = ", ".join(sorted(cur)) or "none"
                raise SpecError(
                    f"parameters.{path}: unknown parameter path (no field {part!r} in {where}; "
                    f"allowed: {allowed})"
                )
            cur = cur[part]
        elif isinstance(cur, list):
            if not part.isdigit() or int(part) >= len(cur):
                raise SpecError(
                    f"parameters.{path}: unknown parameter path ({where} is a list; "
                    f"index 0..{len(cur) - 1} expected, got {part!r})"
                )
            cur = cur[int(part)]
        else:
            raise SpecError(f"parameters.{path}: unknown parameter path ({where} is a value)")
    if isinstance(cur, dict | list):
        kind = "section" if isinstance(cur, dict) else "list"
        raise SpecError(f"parameters.{path}: is a {kind}, not a single parameter")
    if p.integer is None:
        p.integer = _is_int_field(path, cur) if p.is_range else False
    probes = p.values if p.values is not None else [p.low, p.high]
    if p.is_range and p.integer:
        probes = [int(math.ceil(p.low - 1e-9)), int(math.floor(p.high + 1e-9))]  # type: ignore[arg-type]
        if probes[0] > probes[1]:
            raise SpecError(
                f"parameters.{path}: empty range: no whole number between {p.low:g} and {p.high:g}"
            )
    for v in probes:
        try:
            base.with_overrides({path: v})
        except ScenarioError as err:
            raise SpecError(f"parameters.{path}: value {v!r} is invalid ({err})") from None


def _is_int_field(path: str, current: Any) -> bool:
    """Whether a scenario field holds whole numbers (from its type, or its current value)."""
    if isinstance(current, bool):
        return False
    if isinstance(current, int):
        return True
    ann = _annotation_at(path)
    args = typing.get_args(ann) or (ann,)
    return int in args and float not in args and bool not in args


def _annotation_at(path: str) -> Any:
    from sim.scenario import Scenario

    cur: Any = Scenario
    ann: Any = None
    for part in path.split("."):
        if isinstance(cur, type) and issubclass(cur, BaseModel):
            field = cur.model_fields.get(part)
            if field is None:
                return None
            ann = field.annotation
        else:  # dict value or list item: step into the container's element type
            args = typing.get_args(cur)
            ann = args[-1] if args else None
        cur = _unwrap(ann)
    return ann


def _unwrap(ann: Any) -> Any:
    origin = typing.get_origin(ann)
    if origin in (dict, list):
        return ann
    for arg in typing.get_args(ann):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        if typing.get_origin(arg) in (dict, list):
            return arg
    return ann


def _format_error(err: ValidationError) -> str:
    """The first validation problem, as 'field.path: message (allowed …)'."""
    e = err.errors()[0]
    from sim.scenario import field_label

    loc = ".".join(field_label(p) for p in e["loc"] if not str(p).startswith("function-"))
    msg = e["msg"]
    if msg.startswith("Value error, "):  # our own validators: the message is complete
        msg = msg[len("Value error, ") :]
        sub = re.match(r"^([\w.]+): ", msg)
        if sub:  # 'samples: …' raised by the design model → 'design.samples: …'
            return f"{loc}.{msg}" if loc else msg
        return f"{loc or 'spec'}: {msg}"
    if e["type"] == "too_short" and loc == "parameters":
        return "parameters: at least one parameter is required (dotted path: values or range)"
    if e["type"] == "extra_forbidden":
        parent = _spec_model_at([p for p in e["loc"][:-1]])
        allowed = ", ".join(parent.model_fields) if parent else ""
        msg = "unknown field" + (f" (allowed: {allowed})" if allowed else "")
    elif e["type"] == "literal_error":
        msg = msg.replace("Input should be", "must be one of")
    elif e["type"] == "missing":
        msg = "required field is missing"
    got = e.get("input")
    if e["type"] not in ("extra_forbidden", "missing") and not isinstance(got, dict | list):
        msg += f" (got {got!r})"
    return f"{loc or 'spec'}: {msg}"


def _spec_model_at(loc: list[Any]) -> type[BaseModel] | None:
    cur: Any = SweepSpec
    for part in loc:
        if cur is SweepSpec and part == "parameters":
            cur = "params"
            continue
        if cur == "params":
            cur = ParamSpec
            continue
        field = cur.model_fields.get(str(part)) if isinstance(cur, type) else None
        if field is None:
            return None
        ann = field.annotation
        cur = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return cur if isinstance(cur, type) else None
