"""Stochastic catalogues: earthquake source zones, perturbed cyclone tracks and cable-fault
rates -> an event-set file (docs/decisions.md)."""

from resilience_sim.experiments.catalogue.build import (
    Catalogue,
    build_catalogue,
    generate_catalogue,
    write_catalogue,
)
from resilience_sim.experiments.catalogue.spec import CatalogueSpec

__all__ = ["Catalogue", "CatalogueSpec", "build_catalogue", "generate_catalogue", "write_catalogue"]
