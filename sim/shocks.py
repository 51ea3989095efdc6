"""Shock kinds: scheduled events that change the market, one registry entry each.

Each kind says what it is (label, colour for figures, help text, what its ``magnitude``
means) and how it applies: ``on_start`` runs once on the shock's first day (it may change
agents: brands, leaders), ``while_active`` adds to the day's market :class:`Conditions`
for every day the shock lasts. The scenario schema, figures, CLI and dashboard read this
registry; the model calls :func:`apply_shocks` once a day.

A shock draws random numbers only from its own generator (``model.stream(shock_stream(...))``,
keyed by its kind and day, not its position in the list), so adding or removing a shock
never shifts the draws of anything else (common random numbers: a counterfactual run
without the shock is the same market until the shock's day, and a shock of magnitude 0 is
no shock at all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.registry import Registry

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel


@dataclass
class Conditions:
    """The market today, after the active shocks: what needs, prices and rivals look like."""

    need_factor: float = 1.0  # multiplies every consumer's daily need probability
    price_factor: float = 1.0  # multiplies every consumer's price sensitivity
    competitor: float = 0.0  # utility a rival adds to the outside option (damped by attachment)
    subsidy_withdrawn: float = 0.0  # share of platform subsidies withdrawn (subsidy_end)


@dataclass(frozen=True)
class ShockKind:
    name: str
    label: str
    colour: str  # hex colour of the shock's marker (matplotlib and Vega read it)
    help: str
    magnitude_help: str
    default_magnitude: float
    while_active: Callable[[Conditions, Any], None] | None = None
    on_start: Callable[[SocialCommerceModel, Any, int], None] | None = None
    example: dict[str, Any] = field(default_factory=dict)  # a typical shock of this kind


SHOCKS: Registry[ShockKind] = Registry("shock kind")


def _subsidy_end(c: Conditions, shock: Any) -> None:
    c.subsidy_withdrawn = min(1.0, c.subsidy_withdrawn + shock.magnitude)


def _competitor(c: Conditions, shock: Any) -> None:
    c.competitor += shock.magnitude


def _downturn(c: Conditions, shock: Any) -> None:
    c.need_factor -= shock.magnitude  # summed over overlapping downturns, floored at 0 below
    c.price_factor += shock.magnitude


def _scandal(model: SocialCommerceModel, shock: Any, index: int) -> None:
    q = model.brands.quality
    q[shock.brand] = max(0.05, q[shock.brand] - shock.magnitude)


def _exodus(model: SocialCommerceModel, shock: Any, index: int) -> None:
    model.leaders.exodus(model.day, shock.magnitude, model.stream(shock_stream(model, index)))


def shock_stream(model: SocialCommerceModel, index: int) -> str:
    """The stream name of shock ``index``: its kind, its day and how many shocks of that kind
    and day come before it (so removing another shock does not rename it)."""
    shocks = model.scenario.shocks
    s = shocks[index]
    twin = sum(1 for t in shocks[:index] if t.kind == s.kind and t.day == s.day)
    return f"shock:{s.kind}:{s.day}:{twin}"


SHOCKS.register(
    ShockKind(
        "subsidy_end",
        "Subsidy end",
        "#d62728",
        "Platform subsidies (the platform-funded share of group discounts and new-user "
        "coupons) stop, or shrink.",
        "share of the platform's subsidies withdrawn (1: all of them)",
        1.0,
        while_active=_subsidy_end,
        example={"kind": "subsidy_end", "day": 90},
    )
)
SHOCKS.register(
    ShockKind(
        "competitor_entry",
        "Competitor entry",
        "#9467bd",
        "A subsidised rival makes the outside option more attractive for a while; attached "
        "consumers feel its pull less.",
        "utility the rival adds to the outside option (1.0: a strong rival)",
        1.0,
        while_active=_competitor,
        example={"kind": "competitor_entry", "day": 200, "duration": 90, "magnitude": 1.0},
    )
)
SHOCKS.register(
    ShockKind(
        "downturn",
        "Economic downturn",
        "#8c564b",
        "Fewer purchase needs and more price sensitivity while it lasts.",
        "share of needs lost; price sensitivity rises by the same share",
        0.25,
        while_active=_downturn,
        example={"kind": "downturn", "day": 200, "duration": 120, "magnitude": 0.25},
    )
)
SHOCKS.register(
    ShockKind(
        "quality_scandal",
        "Quality scandal",
        "#ff7f0e",
        "One brand's quality drops at once (a safety or quality scandal).",
        "quality lost by the brand (on the 0-1 scale)",
        0.3,
        on_start=_scandal,
        example={"kind": "quality_scandal", "day": 200, "magnitude": 0.3, "brand": 0},
    )
)
SHOCKS.register(
    ShockKind(
        "leader_exodus",
        "Leader exodus",
        "#7f7f7f",
        "A share of the community group leaders (团长) quit at once.",
        "share of working leaders who quit",
        0.5,
        on_start=_exodus,
        example={"kind": "leader_exodus", "day": 200, "magnitude": 0.5},
    )
)


def apply_shocks(model: SocialCommerceModel, shocks: Sequence[Any], day: int) -> Conditions:
    """Run the start-of-shock effects due today (in scenario order) and return the market
    conditions of the shocks active today."""
    c = Conditions()
    for i, s in enumerate(shocks):
        kind = SHOCKS[s.kind]
        if s.day == day and kind.on_start is not None:
            kind.on_start(model, s, i)
    for s in shocks:
        kind = SHOCKS[s.kind]
        if kind.while_active is not None and s.active(day):
            kind.while_active(c, s)
    c.need_factor = max(0.0, c.need_factor)
    return c
