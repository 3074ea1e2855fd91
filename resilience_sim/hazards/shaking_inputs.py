"""Ground shaking read from a ShakeMap grid or a PGA raster, at points (hazards layer).

Used by :mod:`resilience_sim.hazards.earthquake` when the scenario gives ``shakemap``
or ``raster``: the median PGA at a site is the grid's (bilinear between grid nodes, or
the raster's with its interpolation), and the residual spread is the grid's STDPGA
where it has one. Points outside the grid or raster (or at nodata) get no shaking:
a ShakeMap extends to where the shaking is negligible, and a raster that stops short
of an asset says nothing about it (docs/hazards/earthquake.md).
"""

from __future__ import annotations

import numpy as np

from resilience_sim.scenario.hazard_specs.earthquake import Earthquake
from resilience_sim.scenario.inputs.raster import RASTER_UNITS, sample_raster
from resilience_sim.scenario.inputs.shakemap import read_shakemap


def uses_observed_shaking(hazard: Earthquake) -> bool:
    """Whether the PGA comes from a file rather than from BJF97.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.

    Returns
    -------
    bool
        True for a shakemap or raster.
    """
    return hazard.shakemap is not None or hazard.raster is not None


def observed_pga_g(hazard: Earthquake, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Median PGA (g) at points from the shakemap or raster; 0 outside it.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        Points, decimal degrees.

    Returns
    -------
    numpy.ndarray
        Median PGA, g.
    """
    if hazard.shakemap is not None:
        pga = read_shakemap(hazard.shakemap).at("PGA", lat, lon)
    else:
        raster = hazard.raster
        pga = (
            sample_raster(raster.path, lat, lon, band=raster.band, method=raster.interpolation)
            * RASTER_UNITS["pga_g"][raster.units]
        )
    return np.maximum(np.nan_to_num(pga, nan=0.0), 0.0)


def observed_sigma_ln_pga(hazard: Earthquake, lat: np.ndarray, lon: np.ndarray):
    """STDPGA (standard deviation of ln PGA) at points, 0 outside the grid; None when the
    source has none (a raster, a grid without STDPGA) or ``pga_variability: median``.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        Points, decimal degrees.
    """
    if hazard.shakemap is None or hazard.pga_variability == "median":
        return None
    grid = read_shakemap(hazard.shakemap)
    if "STDPGA" not in grid.values:
        return None
    return np.nan_to_num(grid.at("STDPGA", lat, lon), nan=0.0)


__all__ = ["observed_pga_g", "observed_sigma_ln_pga", "uses_observed_shaking"]
