"""The shipped scenarios, installed as the package ``sim.scenarios``.

This file makes the folder a regular package so that ``importlib.resources`` finds the
YAML files both in a wheel (``sim/scenarios/``) and in an editable install (this folder);
``sim.scenario.SCENARIO_DIR`` is the one place that reads it.
"""
