"""``python -m sim.cli`` runs the ``symbiosim`` command line."""

from sim.cli import main

main()
