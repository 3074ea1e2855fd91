"""Tropical-cyclone catalogues: perturbed copies of a historical track by a random walk.

Experiments layer, catalogue step. The method is that of CLIMADA's
``climada.hazard.tc_tracks_synth.calc_perturbed_trajectories`` (read in the CLIMADA
source, commit 00057e3), with its default amplitudes:

* the starting point moves by ``U(-1, 1) * max_shift_ini`` degrees in latitude and in
  longitude;
* each segment ``i`` of the track keeps its great-circle length scaled by
  ``1 + max_dspeed_rel * (2 u_i - 1)`` (the translation speed) and its initial bearing
  turned by the cumulated sum of ``dt_i * max_ddirection * (2 v_i - 1)`` (radians per
  hour times the segment's hours), and is laid from the previous perturbed point;
* ``u`` and ``v`` are uniform series with a lag-1-hour autocorrelation, generated hourly
  and interpolated to the track's times.

Where we differ: CLIMADA builds the autocorrelated uniform series with a rotation
construction; we use a Gaussian AR(1) series mapped through the normal CDF (a Gaussian
copula), with the AR coefficient ``2 sin(pi r / 6)`` that gives the uniforms exactly the
correlation ``r`` (Pearson's correlation of the uniforms is Spearman's rho of the
normals, ``(6 / pi) arcsin(rho / 2)``). Intensity (pressure, wind, radius of maximum wind)
is copied from the historical track: CLIMADA's optional landfall decay and intensity
model are not reproduced. The issue names Kleppek et al. (2008) as the origin of the
random walk; we have not read that paper.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from resilience_sim.experiments.catalogue.spec import CycloneSource, TrackPerturbation
from resilience_sim.geo import destination_point, haversine_km, initial_bearing_deg
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TrackPoint


def autocorrelated_uniforms(
    rng: np.random.Generator, t_h: np.ndarray, autocorr: float
) -> np.ndarray:
    """Uniform(0, 1) values at times ``t_h`` (hours) with lag-1 h correlation ``autocorr``.

    An hourly Gaussian AR(1) with coefficient ``rho = 2 sin(pi r / 6)`` is mapped through
    the normal CDF and interpolated linearly to ``t_h``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream to draw from.
    t_h : numpy.ndarray
        Times, hours.
    autocorr : float
        Lag-1 h (rank) correlation, 0..1.

    Returns
    -------
    numpy.ndarray
        ``(len(t_h),)`` uniforms.
    """
    n_hours = math.ceil(float(t_h.max())) + 1 if len(t_h) else 1
    rho = 2.0 * math.sin(math.pi * autocorr / 6.0)
    z = rng.standard_normal(n_hours)
    scale = math.sqrt(1.0 - rho * rho)
    for k in range(1, n_hours):
        z[k] = rho * z[k - 1] + scale * z[k]
    return np.interp(t_h, np.arange(n_hours, dtype=float), ndtr(z))


def perturb_track(
    track: list[TrackPoint], p: TrackPerturbation, rng: np.random.Generator
) -> list[TrackPoint]:
    """One perturbed copy of ``track`` (same times and intensities; see the module).

    Parameters
    ----------
    track : list[TrackPoint]
        The base track.
    p : TrackPerturbation
        The perturbation parameters.
    rng : numpy.random.Generator
        The stream to draw from.

    Returns
    -------
    list[TrackPoint]
        The perturbed track.
    """
    t = np.array([q.t_h for q in track])
    lat = np.array([q.lat for q in track])
    lon = np.array([q.lon for q in track])
    shift = p.max_shift_ini_deg * (2.0 * rng.random(2) - 1.0)
    seg_t = t[:-1]
    dt_h = np.diff(t)
    u_dir = autocorrelated_uniforms(rng, seg_t, p.autocorr_ddirection)
    u_speed = autocorrelated_uniforms(rng, seg_t, p.autocorr_dspeed)
    turn_deg = np.cumsum(dt_h * np.degrees(p.max_ddirection_rad_per_h * (2.0 * u_dir - 1.0)))
    stretch = 1.0 + p.max_dspeed_rel * (2.0 * u_speed - 1.0)
    bearing = initial_bearing_deg(lat[:-1], lon[:-1], lat[1:], lon[1:])
    length_km = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    new_lat, new_lon = np.empty_like(lat), np.empty_like(lon)
    new_lat[0] = np.clip(lat[0] + shift[0], -89.0, 89.0)
    new_lon[0] = (lon[0] + shift[1] + 180.0) % 360.0 - 180.0
    for i in range(len(seg_t)):
        new_lat[i + 1], new_lon[i + 1] = destination_point(
            new_lat[i], new_lon[i], bearing[i] + turn_deg[i], stretch[i] * length_km[i]
        )
    return [
        q.model_copy(update={"lat": round(float(a), 4), "lon": round(float(b), 4)})
        for q, a, b in zip(track, new_lat, new_lon, strict=True)
    ]


def sample_cyclone_events(
    source: CycloneSource, track: list[TrackPoint], rng: np.random.Generator, years: int
) -> list[tuple[int, dict]]:
    """``(year, tropical_cyclone hazard fields)`` for every storm of the source: a Poisson
    count per year, each storm a fresh perturbed copy of ``track``.

    Parameters
    ----------
    source : CycloneSource
        The cyclone source.
    track : list[TrackPoint]
        Its base track.
    rng : numpy.random.Generator
        The source's stream.
    years : int
        Simulated years.

    Returns
    -------
    list[tuple[int, dict]]
        ``(year, hazard fields)`` per storm.
    """
    counts = rng.poisson(source.rate_per_year, size=years)
    events = []
    for year in np.repeat(np.arange(years), counts):
        copy = perturb_track(track, source.perturbation, rng)
        events.append(
            (
                int(year),
                {
                    "type": "tropical_cyclone",
                    "label": f"{source.name} (perturbed)",
                    **source.cyclone,
                    "track": [q.model_dump(mode="json", exclude_none=True) for q in copy],
                },
            )
        )
    return events
