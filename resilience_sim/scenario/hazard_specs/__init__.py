"""Parameter models of the physical hazards, one module per hazard type.

Each model derives from :class:`resilience_sim.scenario.common.GradedHazardBase`
(or ``HazardBase``) and is registered in ``HAZARD_REGISTRY`` in
:mod:`resilience_sim.scenario.registry`.
"""
