"""Machinery shared by the hazard samplers (hazards layer).

=================  ==============================================================
``assemble``       ``DamageBuilder``: the one way a sampler builds its ``Damage``
``cache``          per-study cache of a hazard's deterministic geometry
``durations``      repair and outage hours by inverse CDF of scenario distributions
``footprint``      which assets each hazard can take down (from the registry)
``fragility``      lognormal fragility curves and damage-state sampling
``graded``         intensity at sites -> damage state -> repair time
``routes``         link geometry: route pieces, polygons, distances
``route_faults``   located faults along routes (Poisson per piece)
``spatial_field``  spatially correlated residuals (Jayaram & Baker 2009)
=================  ==============================================================

A hazard module (``hazards/<type>.py``) holds only its physics and its sampler.
"""
