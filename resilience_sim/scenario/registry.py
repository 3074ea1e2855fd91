"""The registry of hazard and threat types: one entry per scenario ``type`` (scenario layer).

Everything that lists hazard types reads this table: the scenario schema (its
discriminated union, :data:`resilience_sim.scenario.schema.HAZARD_TYPES`), the hazard
samplers and footprints (:data:`resilience_sim.hazards.registry.HAZARD_MODELS`, which
must cover exactly the ``family == "hazard"`` entries), the threat samplers
(:data:`resilience_sim.threats.THREAT_SAMPLERS`, the ``"threat"`` entries) and the
docs (``doc``: the page that documents the type, with a YAML example). The scenario
layer sits below hazards and threats, so the samplers register against these names
rather than this module importing them; both sides are checked against each other at
import time and in ``tests/test_hazard_registry.py``.

Adding a hazard: a spec module in ``scenario/hazard_specs/`` and an entry here; a
sampler module in ``hazards/`` and its line in ``hazards/registry.py``; a docs page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from resilience_sim.scenario.common import HazardBase
from resilience_sim.scenario.hazard_specs.asset_failure import AssetFailure
from resilience_sim.scenario.hazard_specs.cable_fault import CableFault
from resilience_sim.scenario.hazard_specs.earthquake import Earthquake
from resilience_sim.scenario.hazard_specs.flood import Flood
from resilience_sim.scenario.hazard_specs.geomagnetic_storm import GeomagneticStorm
from resilience_sim.scenario.hazard_specs.power_grid_outage import PowerGridOutage
from resilience_sim.scenario.hazard_specs.regional_outage import RegionalOutage
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TropicalCyclone
from resilience_sim.scenario.hazard_specs.volcanic_eruption import VolcanicEruption
from resilience_sim.scenario.threat_specs.bgp_hijack import BgpHijack
from resilience_sim.scenario.threat_specs.ddos import Ddos
from resilience_sim.scenario.threat_specs.malware import Malware
from resilience_sim.scenario.threat_specs.ransomware import Ransomware
from resilience_sim.scenario.threat_specs.sabotage import Sabotage
from resilience_sim.scenario.threat_specs.targeted_attack import TargetedAttack

Family = Literal["hazard", "threat"]


@dataclass(frozen=True)
class HazardEntry:
    """One scenario ``type``: its parameter model, family and documentation page."""

    spec: type[HazardBase]
    family: Family
    doc: str  # path from the repository root

    @property
    def name(self) -> str:
        """The scenario ``type`` tag, read from the model's ``type`` Literal."""
        return self.spec.model_fields["type"].annotation.__args__[0]


_ENTRIES = (
    HazardEntry(AssetFailure, "hazard", "docs/scenario-format.md"),
    HazardEntry(RegionalOutage, "hazard", "docs/scenario-format.md"),
    HazardEntry(TropicalCyclone, "hazard", "docs/hazards/tropical_cyclone.md"),
    HazardEntry(Flood, "hazard", "docs/hazards/flood.md"),
    HazardEntry(Earthquake, "hazard", "docs/hazards/earthquake.md"),
    HazardEntry(PowerGridOutage, "hazard", "docs/hazards/power_grid_outage.md"),
    HazardEntry(VolcanicEruption, "hazard", "docs/hazards/volcanic_eruption.md"),
    HazardEntry(CableFault, "hazard", "docs/hazards/cable_fault.md"),
    HazardEntry(GeomagneticStorm, "hazard", "docs/hazards/geomagnetic_storm.md"),
    HazardEntry(TargetedAttack, "threat", "docs/threats.md"),
    HazardEntry(Sabotage, "threat", "docs/threats.md"),
    HazardEntry(Ddos, "threat", "docs/threats.md"),
    HazardEntry(Malware, "threat", "docs/threats.md"),
    HazardEntry(Ransomware, "threat", "docs/threats.md"),
    HazardEntry(BgpHijack, "threat", "docs/threats.md"),
)

HAZARD_REGISTRY: dict[str, HazardEntry] = {entry.name: entry for entry in _ENTRIES}


def names_of(family: Family) -> frozenset[str]:
    """The registered ``type`` names of one family.

    Parameters
    ----------
    family : Family
        ``"hazard"`` or ``"threat"``.

    Returns
    -------
    frozenset[str]
        The names.
    """
    return frozenset(n for n, e in HAZARD_REGISTRY.items() if e.family == family)


def check_covers(family: Family, implemented: set[str] | frozenset[str], where: str) -> None:
    """Raise if ``implemented`` (the keys of a sampler table) is not exactly ``family``.

    Parameters
    ----------
    family : Family
        ``"hazard"`` or ``"threat"``.
    implemented : set[str] or frozenset[str]
        The names a table implements.
    where : str
        The table, named in the error.
    """
    registered = names_of(family)
    if set(implemented) != registered:
        missing = sorted(registered - set(implemented))
        extra = sorted(set(implemented) - registered)
        raise RuntimeError(
            f"{where} does not match the {family} registry: "
            f"missing {missing or 'none'}, not registered {extra or 'none'}"
        )


__all__ = ["HAZARD_REGISTRY", "HazardEntry", "check_covers", "names_of"]
