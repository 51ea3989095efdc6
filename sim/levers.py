"""Levers: the scenario parameters a user is invited to move, with ranges, units and meaning.

One list for the dashboard's controls and the lever sensitivity test: the market's own
levers (population, network, platform) are declared here, each mechanism declares its own
in its module (``Mechanism.levers``), and :func:`sim.mechanisms.levers` returns them all in
display order.
A lever's ``moves`` names the behaviour it is meant to change; its ``help`` says what it
does (by default the schema's description of the field).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

LeverKind = Literal["int", "float", "bool", "choice"]

MARKET = "Population & horizon"
NETWORK = "Network"
PLATFORM = "Platform"
GROUP_BUYING = "Subsidy group buying (拼团)"
PARTNERS = "Partners (共生)"
LEADERS = "Leaders (团长)"
#: the order groups are shown in; a mechanism's own group comes after these, before Platform
GROUP_ORDER = (MARKET, NETWORK, GROUP_BUYING, PARTNERS, LEADERS, PLATFORM)


@dataclass(frozen=True)
class Lever:
    """One control, bound to a scenario field by its dotted ``path``.

    ``lo``/``hi``/``step``: the range offered (values outside it stay valid; the control
    widens to show them); ``unit``: "%" (a share shown in percent), "yuan", "days" or "";
    ``options``: the choices of a "choice" lever. ``responds``: the outputs it is meant to
    move and in which direction as it goes from ``lo`` to ``hi`` (or off to on) — daily
    columns (summed over the run), a share of two daily columns written ``"a/b"`` (the sum of
    ``a`` over the sum of ``b``: a lever that changes the market's size moves both) or KPI
    keys — in ``home``, the shipped scenario where it
    matters; ``tests/test_levers.py`` checks each one. A lever that moves money but no
    behaviour says so in ``moves``.
    """

    path: str
    label: str
    group: str
    kind: LeverKind
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    unit: str = ""
    options: tuple[str, ...] = ()
    moves: str = ""
    help: str = ""
    responds: tuple[tuple[str, int], ...] = ()
    home: str = ""

    @property
    def description(self) -> str:
        """The help text: the lever's own, else the schema's description of the field."""
        return self.help or field_description(self.path)


def field_description(path: str) -> str:
    """The scenario schema's description of a dotted path."""
    from sim.scenario import Scenario

    model: Any = Scenario
    desc = ""
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return desc
        info = fields[part]
        desc = info.description or ""
        ann = info.annotation
        model = ann if isinstance(ann, type) else None
    return desc


def market_levers() -> tuple[Lever, ...]:
    """The market's own levers (population, network, platform)."""
    from sim.network_kinds import NETWORK_KINDS

    return (
        Lever(
            "population.consumers",
            "Consumers",
            MARKET,
            "int",
            100,
            50_000,
            500,
            moves="the market's size: customers, orders",
            responds=(("customers", 1),),
            home="baseline",
        ),
        Lever(
            "days",
            "Days to simulate",
            MARKET,
            "int",
            30,
            3650,
            30,
            "days",
            moves="the horizon: what has happened by the end",
            responds=(("orders", 1),),
            home="baseline",
        ),
        Lever(
            "network.kind",
            "Network type",
            NETWORK,
            "choice",
            options=tuple(k.name for k in NETWORK_KINDS if k.name != "file"),
            moves="how word of mouth, invitations and groups travel (a structural choice: no "
            "single direction to expect)",
        ),
        Lever(
            "network.mean_degree",
            "Mean contacts per consumer",
            NETWORK,
            "float",
            1.0,
            50.0,
            1.0,
            moves="word of mouth, referrals, group formation: customers",
            responds=(("customers", 1),),
            home="baseline",
        ),
        Lever(
            "network.community_size",
            "Households per neighbourhood",
            NETWORK,
            "int",
            10,
            1000,
            10,
            moves="who shares a leader and a neighbourhood group (a structural choice: no single "
            "direction to expect)",
        ),
        Lever(
            "platform.commission_rate",
            "Platform commission (take rate)",
            PLATFORM,
            "float",
            0.0,
            0.3,
            0.01,
            "%",
            moves="platform profit (money only: consumers see prices, not the take rate)",
            responds=(("platform_profit", 1),),
            home="baseline",
        ),
        Lever(
            "platform.recommendation_accuracy",
            "Recommendation accuracy (AI)",
            PLATFORM,
            "float",
            0.0,
            1.0,
            0.05,
            "%",
            moves="experienced quality, satisfaction",
            responds=(("mean_satisfaction", 1),),
            home="baseline",
        ),
        Lever(
            "platform.ad_spend_per_day",
            "Ad spend per day",
            PLATFORM,
            "float",
            0.0,
            1000.0,
            10.0,
            "yuan",
            moves="awareness, acquisitions",
            responds=(("ad_spend", 1), ("customers", 1)),
            home="baseline",
        ),
    )
