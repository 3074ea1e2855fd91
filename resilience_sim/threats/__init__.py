"""Threats: cyberattacks and sabotage as samplers, like the hazards (threats layer).

Same level as :mod:`resilience_sim.hazards` (which it may use: ``Damage`` and the other
records in ``hazards.base``, the per-study cache); never imports the engine. Every threat
type has one sampler with the hazards' signature ``(spec, topology, arrays, rng, cause)``,
listed in :data:`THREAT_SAMPLERS` under its scenario ``type`` (the ``threat`` names of
:mod:`resilience_sim.scenario.registry`; checked at import). Models, units and
assumptions: ``docs/threats.md``.

======================  ===========================================================
``targeted_attack``     top-k nodes/links by a ranking, static or adaptive -> Damage
``sabotage``            named cuts, cable systems, a min-cut attacker -> Damage
``ddos``                attack traffic on target nodes' links -> CapacityLoss
``malware``             SIR worm over the management plane -> Damage or CapacityLoss
``ransomware``          operations centre down, crews impaired -> Damage, CrewImpairment
``bgp_hijack``          regions lose international service -> RouteHijack
======================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resilience_sim.scenario.registry import check_covers
from resilience_sim.threats.bgp_hijack import sample_bgp_hijack
from resilience_sim.threats.ddos import sample_ddos
from resilience_sim.threats.malware import sample_malware
from resilience_sim.threats.ransomware import sample_ransomware
from resilience_sim.threats.sabotage import sample_sabotage
from resilience_sim.threats.targeted import sample_targeted_attack

# (threat spec, topology, arrays, rng, cause) -> a record or a tuple of records
ThreatSampler = Callable[..., Any]

THREAT_SAMPLERS: dict[str, ThreatSampler] = {
    "targeted_attack": sample_targeted_attack,
    "sabotage": sample_sabotage,
    "ddos": sample_ddos,
    "malware": sample_malware,
    "ransomware": sample_ransomware,
    "bgp_hijack": sample_bgp_hijack,
}
check_covers("threat", set(THREAT_SAMPLERS), "resilience_sim.threats.THREAT_SAMPLERS")

__all__ = ["THREAT_SAMPLERS", "ThreatSampler"]
