"""Submodels (ODD "Details"): the vectorized building blocks the mechanisms and the model use.

Each module is a set of pure functions (or a small data structure) over numpy arrays —
logit choice, awareness hazards, group formation, experience and word of mouth, attachment,
partner payouts — tested directly in ``tests/test_submodels.py``. The policies a scenario
switches on live in :mod:`sim.mechanisms`.
"""
