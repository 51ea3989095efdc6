"""The symbiosim Streamlit dashboard (``make dashboard``), installed as ``sim.dashboard``.

Pages live in ``dashboard/views``; everything that can be tested without a browser
(cached runs, input checks, URL encoding, charts, the network picture, the stories)
lives in plain modules next to this file.
"""
