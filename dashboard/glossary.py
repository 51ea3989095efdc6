"""The words a strategist meets on the pages, in one list (the design brief's glossary).

The Start page shows it, docs/dashboard.md repeats it (a test keeps the two in step), and
KPI definitions are not repeated here: they come from the KPI registry (``sim.kpis``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    term: str
    reading: str  # pinyin or the expansion of an abbreviation
    meaning: str


GLOSSARY: tuple[Term, ...] = (
    Term(
        "拼团",
        "pīntuán, group buying",
        "A group of k buyers unlocks a lower price within a time window; if the group does "
        "not fill, it fails and nobody gets the price (Pinduoduo's model).",
    ),
    Term(
        "社区团购",
        "shèqū tuángòu, community group buying",
        "Neighbourhood group buying organised by a local leader, with one pick-up point "
        "(Meituan Youxuan, Duoduo Maicai).",
    ),
    Term(
        "团长",
        "tuánzhǎng, group leader",
        "Runs a neighbourhood group: collects orders, hands out goods, earns a commission; "
        "quits when that income stays below what they could earn elsewhere.",
    ),
    Term(
        "共生",
        "gòngshēng, symbiosis",
        "Consumers as co-builders and profit sharers, merchants as community operators, the "
        "platform as infrastructure and fair coordinator.",
    ),
    Term(
        "会员合伙人",
        "huìyuán héhuǒrén, member partner",
        "A customer who earns a share of what the friends they referred spend, and rewards "
        "for useful posts.",
    ),
    Term(
        "KOC",
        "key opinion consumer",
        "An ordinary customer whose recommendations friends trust (a small-scale KOL); in "
        "the model, leaders and active partners.",
    ),
    Term(
        "种草 / 拔草",
        "zhòngcǎo / bácǎo, seeding / weeding",
        "Content that plants the wish to buy (a review, a post) and the purchase it later "
        "triggers.",
    ),
    Term(
        "私域",
        "sīyù, private domain",
        "Channels a brand or platform owns (WeCom groups, mini-programs) that reach its own "
        "customers again cheaply, e.g. to win lapsed customers back.",
    ),
    Term(
        "GMV",
        "gross merchandise value",
        "What consumers paid over the run (before subsidies are counted as a cost).",
    ),
    Term(
        "CAC",
        "customer acquisition cost",
        "What the platform spends to win one new customer (ads, subsidies and rewards on "
        "first purchases).",
    ),
    Term(
        "LTV",
        "lifetime value",
        "What a customer brings the platform over the run, after the subsidies and rewards "
        "spent on them; LTV / CAC below 1 means customers cost more than they bring.",
    ),
)
