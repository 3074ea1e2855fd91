"""Spatially correlated standard-normal residuals at sites (hazards layer).

Jayaram & Baker (2009), "Correlation model for spatially distributed ground-motion
intensities" (EESD 38(15)): the correlation of normalised residuals at two sites h km
apart is ``rho(h) = exp(-3 h / b)`` (their eq. 20). For PGA (period 0) the range is
``b = 8.5 km`` when the site conditions (Vs30) are not clustered (case 1, eq. 17:
``b = 8.5 + 17.2 T``) and ``b = 40.7 km`` when they are (case 2, eq. 18:
``b = 40.7 - 15.0 T``). We did not read the paper; the equations and numbers are
those of the OpenQuake hazardlib implementation ``JB2009CorrelationModel``
(gem/oq-engine, ``openquake/hazardlib/correlation.py``), which cites eqs. 17-20 and
page 1700 of the paper (confidence M).

Sampling: ``z = L e`` with ``L`` the Cholesky factor of the correlation matrix and
``e`` independent standard normals. Sites at the same coordinates share one value.
With more than ``MAX_EXACT_POINTS`` distinct points the sites are grouped into square
cells (local equirectangular km) of side ``cell_km``, starting at ``b / 20`` and
doubling until at most ``MAX_EXACT_POINTS`` cells are occupied; the field is sampled
exactly at the cells' mean positions and every site takes its cell's value. Sites in
one cell are then fully correlated where the model gives ``rho >= exp(-3 sqrt(2)
cell_km / b)`` (0.81 at ``b / 20``). Cost: the factor once per study, O(k^3) for k
points (k = 2,000: 32 MB and well under a second); each replication O(k^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km

JB09_PGA_RANGE_KM = {False: 8.5, True: 40.7}  # b for PGA: case 1 (eq. 17), case 2 (eq. 18)
MAX_EXACT_POINTS = 2000
_JITTER = 1e-10  # added to the diagonal so that the factorisation never fails on rounding


def jb09_correlation(distance_km: np.ndarray, range_km: float) -> np.ndarray:
    """Jayaram & Baker (2009) eq. 20: ``exp(-3 h / b)``.

    Parameters
    ----------
    distance_km : numpy.ndarray
        Separations, km.
    range_km : float
        Correlation range b, km.

    Returns
    -------
    numpy.ndarray
        Correlations, 0..1.

    Examples
    --------
    >>> float(jb09_correlation(np.array(8.5), 8.5)) == float(np.exp(-3.0))
    True
    """
    return np.exp(-3.0 * np.asarray(distance_km, dtype=float) / range_km)


@dataclass(frozen=True)
class CorrelatedField:
    """A sampler of the residual field: ``point_of_site`` (-1: unlocated, residual 0)
    indexes the rows of ``factor`` (Cholesky factor, ``(k, k)``)."""

    factor: np.ndarray
    point_of_site: np.ndarray
    cell_km: float  # 0 when every distinct point is sampled exactly

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """One realisation at every site, shape ``(n_sites,)``; draws k normals.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from.

        Returns
        -------
        numpy.ndarray
            ``(n_sites,)`` standard-normal values.
        """
        values = self.factor @ rng.standard_normal(len(self.factor))
        out = np.zeros(len(self.point_of_site))
        located = self.point_of_site >= 0
        out[located] = values[self.point_of_site[located]]
        return out


def _group(lat: np.ndarray, lon: np.ndarray, cell_km: float) -> tuple[np.ndarray, np.ndarray]:
    """(point index per site, k x 2 point positions): distinct coordinates when
    ``cell_km`` is 0, else cells of that size at their members' mean position."""
    if cell_km == 0:
        keys = np.column_stack([lat, lon])
    else:
        y = np.radians(lat) * EARTH_RADIUS_KM
        x = np.radians(lon) * EARTH_RADIUS_KM * np.cos(np.radians(np.mean(lat)))
        keys = np.column_stack([np.floor(y / cell_km), np.floor(x / cell_km)])
    _, point, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    point = point.ravel()
    position = np.zeros((len(counts), 2))
    np.add.at(position, point, np.column_stack([lat, lon]))
    return point, position / counts[:, None]


def correlated_field(
    lat: np.ndarray, lon: np.ndarray, range_km: float, max_points: int = MAX_EXACT_POINTS
) -> CorrelatedField:
    """Prepare the field at sites (degrees; NaN: unlocated) for ``rho(h) = exp(-3h/b)``.

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n_sites,)`` sites, decimal degrees.
    range_km : float
        Correlation range b, km.
    max_points : int, default MAX_EXACT_POINTS
        Most sites factorised exactly.

    Returns
    -------
    CorrelatedField
        The prepared field.
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    located = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    point_of_site = np.full(len(lat), -1, dtype=np.int64)
    if not len(located):
        return CorrelatedField(np.zeros((0, 0)), point_of_site, 0.0)
    cell_km = 0.0
    point, position = _group(lat[located], lon[located], cell_km)
    while len(position) > max_points:
        cell_km = range_km / 20.0 if cell_km == 0 else 2.0 * cell_km
        point, position = _group(lat[located], lon[located], cell_km)
    h = haversine_km(
        position[:, None, 0], position[:, None, 1], position[None, :, 0], position[None, :, 1]
    )
    corr = jb09_correlation(h, range_km) + _JITTER * np.eye(len(position))
    point_of_site[located] = point
    return CorrelatedField(np.linalg.cholesky(corr), point_of_site, cell_km)


__all__ = ["JB09_PGA_RANGE_KM", "MAX_EXACT_POINTS", "CorrelatedField", "correlated_field"]
