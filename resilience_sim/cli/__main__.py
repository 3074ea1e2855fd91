"""`python -m resilience_sim.cli`."""

from resilience_sim.cli import main

main()
