"""`python -m resilience_sim`: the same command line as `resilience-sim`."""

from resilience_sim.cli import main

main()
