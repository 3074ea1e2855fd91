"""Parameter models of the cyber and sabotage threats, one module per threat type.

Second stage of the pipeline (topology -> **scenario** -> threats): each model derives
from :class:`resilience_sim.scenario.common.HazardBase` and is listed in ``HAZARD_TYPES``
in :mod:`resilience_sim.scenario.schema`; :mod:`resilience_sim.threats` samples them.
Fields, units and the model behind each one: ``docs/threats.md``.
"""
