"""Tropical-cyclone wind field: peak 3-second gust at sites from a storm track (hazards layer).

Used by :mod:`resilience_sim.hazards.tropical_cyclone`; deterministic (no random draw).
The model, every constant and its source are in ``docs/hazards/tropical_cyclone.md``:

1. the track is interpolated linearly in time (centre, Holland A and B, radius of
   maximum winds) every ``time_step_h``;
2. the gradient wind at distance r from the centre is Holland's (1980) profile
   ``V(r) = sqrt(A (Rm/r)^B exp(-(Rm/r)^B) + (r f / 2)^2) - r f / 2`` with
   ``A = B dp / rho`` (so the cyclostrophic maximum is ``sqrt(A / e)`` at r = Rm);
3. the surface (10 m, 1-minute) wind vector is ``K V(r)`` along the cyclonic tangent
   plus ``alpha`` times the storm's forward velocity rotated cyclonically by
   ``translation_rotation_deg`` (the asymmetry of a moving storm);
4. the 3-second gust is the gust factor times its magnitude.

Times are hours from scenario start; speeds m/s; distances km; pressures hPa.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resilience_sim.geo import EARTH_RADIUS_KM, unit_vectors
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TropicalCyclone

# Near-surface air density in the tropics, kg/m^3: ideal gas at 1000 hPa and 30 degC,
# 100000 / (287.05 * 303.15) = 1.149.
AIR_DENSITY_KGM3 = 1.15
EARTH_ROTATION_RAD_S = 7.2921e-5  # sidereal rotation rate of the Earth
HOLLAND_B_RANGE = (1.0, 2.5)  # range of B given by Holland (1980)
# Vickery, Skerlj & Twisdale (2000) regression B = 1.38 + 0.00184 dp[hPa] - 0.00309 Rm[km],
# as commonly quoted; the coefficients were not re-checked against the paper here, so
# they count as `assumed` (give holland_b on the track to override).
VICKERY_B = (1.38, 0.00184, -0.00309)
# Elements per (time x site) block: bounds memory to a few tens of MB per array set.
_BLOCK_ELEMENTS = 1_000_000


@dataclass(frozen=True)
class StormSeries:
    """The storm every ``time_step_h``; shapes ``(n_times,)``.

    ``a_m2s2`` is Holland's ``B dp / rho`` (m^2/s^2), ``b`` the profile shape,
    ``vt_east_ms``/``vt_north_ms`` the forward velocity of the centre.
    """

    t_h: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    a_m2s2: np.ndarray
    b: np.ndarray
    rmw_km: np.ndarray
    vt_east_ms: np.ndarray
    vt_north_ms: np.ndarray


@dataclass(frozen=True)
class PeakGust:
    """Per site, shape ``(n_sites,)``: peak 3-s gust (m/s), its time, and the first time
    the gust reached the site's threshold (NaN if never). Times are absolute hours."""

    gust_ms: np.ndarray
    t_peak_h: np.ndarray
    t_cross_h: np.ndarray


def coriolis_per_s(lat_deg: np.ndarray) -> np.ndarray:
    """Coriolis parameter magnitude ``|2 Omega sin(lat)|``, 1/s.

    Parameters
    ----------
    lat_deg : numpy.ndarray
        Latitudes, degrees.

    Returns
    -------
    numpy.ndarray
        Coriolis parameter, 1/s.
    """
    return np.abs(2.0 * EARTH_ROTATION_RAD_S * np.sin(np.radians(lat_deg)))


def holland_gradient_wind_ms(
    r_km: np.ndarray, rmw_km: np.ndarray, b: np.ndarray, a_m2s2: np.ndarray, f_per_s: np.ndarray
) -> np.ndarray:
    """Holland (1980) gradient wind speed (m/s) at ``r_km`` from the centre (broadcasts).

    Parameters
    ----------
    r_km : numpy.ndarray
        Distance from the centre, km.
    rmw_km : numpy.ndarray
        Radius of maximum winds, km.
    b : numpy.ndarray
        Holland B.
    a_m2s2 : numpy.ndarray
        Holland A, m^2/s^2.
    f_per_s : numpy.ndarray
        Coriolis parameter, 1/s.

    Returns
    -------
    numpy.ndarray
        Gradient wind, m/s.

    Examples
    --------
    >>> round(float(holland_gradient_wind_ms(30.0, 30.0, 1.5, np.e * 50.0**2, 0.0)), 6)
    50.0
    """
    r_m = np.maximum(np.asarray(r_km, dtype=float), 1e-3) * 1000.0
    x = np.minimum((np.asarray(rmw_km, dtype=float) * 1000.0 / r_m) ** b, 700.0)
    half_rf = 0.5 * r_m * np.asarray(f_per_s, dtype=float)
    return np.sqrt(a_m2s2 * x * np.exp(-x) + half_rf**2) - half_rf


def vickery_holland_b(dp_hpa: np.ndarray, rmw_km: np.ndarray) -> np.ndarray:
    """Holland B from the pressure deficit (hPa) and radius of maximum winds (km), clipped
    to Holland's range (see ``VICKERY_B`` for the provenance).

    Parameters
    ----------
    dp_hpa : numpy.ndarray
        Central pressure deficit, hPa.
    rmw_km : numpy.ndarray
        Radius of maximum winds, km.

    Returns
    -------
    numpy.ndarray
        Holland B.
    """
    c0, c_dp, c_rm = VICKERY_B
    return np.clip(c0 + c_dp * dp_hpa + c_rm * rmw_km, *HOLLAND_B_RANGE)


def _unwrap_lon(lon: np.ndarray) -> np.ndarray:
    return np.degrees(np.unwrap(np.radians(lon)))


def _segment_velocity_ms(t_h, lat, lon_unwrapped) -> tuple[np.ndarray, np.ndarray]:
    """Forward velocity (east, north), m/s, of each track segment (constant on it)."""
    dt_s = np.diff(t_h) * 3600.0
    mid_lat = np.radians(0.5 * (lat[1:] + lat[:-1]))
    east_km = EARTH_RADIUS_KM * np.radians(np.diff(lon_unwrapped)) * np.cos(mid_lat)
    north_km = EARTH_RADIUS_KM * np.radians(np.diff(lat))
    return east_km * 1000.0 / dt_s, north_km * 1000.0 / dt_s


def track_holland_parameters(hazard: TropicalCyclone) -> tuple[np.ndarray, np.ndarray]:
    """Holland ``A`` (m^2/s^2) and ``B`` at every track point.

    With ``max_wind_ms``: the symmetric surface maximum is the given wind minus the
    forward-motion share ``alpha * v_t`` (the point's mean adjacent-segment speed),
    divided by ``surface_wind_factor`` to gradient level, and ``A = e Vm^2``.
    B is ``holland_b`` if given; else from wind and pressure together
    (``B = rho e Vm^2 / dp``); else from the pressure deficit and Rm (Vickery et al.
    2000); else (wind only) from the same regression solved jointly with
    ``B dp = rho e Vm^2``. Without a wind, ``A = B dp / rho``. B is clipped to [1, 2.5].

    Parameters
    ----------
    hazard : TropicalCyclone
        The hazard's scenario entry.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(A (n_points,) m^2/s^2, B (n_points,))``.
    """
    track = hazard.track
    t = np.array([p.t_h for p in track])
    lat = np.array([p.lat for p in track])
    lon = _unwrap_lon(np.array([p.lon for p in track]))
    ve, vn = _segment_velocity_ms(t, lat, lon)
    speed = np.hypot(ve, vn)
    vt = np.empty(len(track))
    vt[0], vt[-1] = speed[0], speed[-1]
    vt[1:-1] = 0.5 * (speed[:-1] + speed[1:])

    rho = AIR_DENSITY_KGM3
    a_out = np.empty(len(track))
    b_out = np.empty(len(track))
    for i, p in enumerate(track):
        dp_hpa = (
            None
            if p.central_pressure_hpa is None
            else hazard.ambient_pressure_hpa - p.central_pressure_hpa
        )
        vm = None
        if p.max_wind_ms is not None:
            symmetric = max(p.max_wind_ms - hazard.translation_fraction * vt[i], 0.0)
            vm = symmetric / hazard.surface_wind_factor
        if p.holland_b is not None:
            b = p.holland_b
        elif vm is not None and dp_hpa is not None:
            b = rho * np.e * vm**2 / (dp_hpa * 100.0)
        elif dp_hpa is not None:
            b = float(vickery_holland_b(dp_hpa, p.radius_max_wind_km))
        else:
            c0, c_dp, c_rm = VICKERY_B
            a0 = c0 + c_rm * p.radius_max_wind_km
            c = rho * np.e * vm**2 / 100.0  # B * dp[hPa] must equal this
            dp_solved = (-a0 + np.sqrt(a0**2 + 4.0 * c_dp * c)) / (2.0 * c_dp)
            b = a0 + c_dp * dp_solved
        b = float(np.clip(b, *HOLLAND_B_RANGE))
        b_out[i] = b
        a_out[i] = np.e * vm**2 if vm is not None else b * dp_hpa * 100.0 / rho
    return a_out, b_out


def storm_series(hazard: TropicalCyclone) -> StormSeries:
    """Interpolate the track every ``time_step_h`` (at most), end points included.

    Parameters
    ----------
    hazard : TropicalCyclone
        The hazard's scenario entry.

    Returns
    -------
    StormSeries
        The interpolated track.
    """
    track = hazard.track
    t = np.array([p.t_h for p in track])
    lat = np.array([p.lat for p in track])
    lon = _unwrap_lon(np.array([p.lon for p in track]))
    rmw = np.array([p.radius_max_wind_km for p in track])
    a, b = track_holland_parameters(hazard)
    ve, vn = _segment_velocity_ms(t, lat, lon)
    n = int(np.ceil((t[-1] - t[0]) / hazard.time_step_h - 1e-9)) + 1
    ts = np.linspace(t[0], t[-1], n)
    seg = np.clip(np.searchsorted(t, ts, side="right") - 1, 0, len(t) - 2)
    lon_s = (np.interp(ts, t, lon) + 180.0) % 360.0 - 180.0
    return StormSeries(
        t_h=hazard.at_h + ts,
        lat=np.interp(ts, t, lat),
        lon=lon_s,
        a_m2s2=np.interp(ts, t, a),
        b=np.interp(ts, t, b),
        rmw_km=np.interp(ts, t, rmw),
        vt_east_ms=ve[seg],
        vt_north_ms=vn[seg],
    )


def _local_frame(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit east and north vectors at points, shapes ``(n, 3)``."""
    phi, lam = np.radians(lat), np.radians(lon)
    east = np.stack([-np.sin(lam), np.cos(lam), np.zeros_like(lam)], axis=-1)
    north = np.stack([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)], axis=-1)
    return east, north


def gust_history_ms(
    series: StormSeries, hazard: TropicalCyclone, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """3-second gust (m/s) at sites over time, shape ``(n_times, n_sites)``.

    Geometry by unit vectors: with the site's vector projected on the centre's local
    east and north axes (``xe``, ``xn``) and on the centre itself (``xc``), the
    great-circle distance is ``R atan2(hypot(xe, xn), xc)`` and ``(xe, xn)`` points
    along the initial bearing from the centre to the site -- three matrix products
    instead of trigonometry per site and time.

    Parameters
    ----------
    series : StormSeries
        The interpolated track.
    hazard : TropicalCyclone
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        ``(n_sites,)`` sites, decimal degrees.

    Returns
    -------
    numpy.ndarray
        ``(n_times, n_sites)`` gusts, m/s.
    """
    sites = unit_vectors(lat, lon).T
    east, north = _local_frame(series.lat, series.lon)
    xc = unit_vectors(series.lat, series.lon) @ sites
    xe, xn = east @ sites, north @ sites
    sin_c = np.hypot(xe, xn)
    r_km = EARTH_RADIUS_KM * np.arctan2(sin_c, xc)
    c = (slice(None), None)  # storm quantities along axis 0
    vg = holland_gradient_wind_ms(
        r_km, series.rmw_km[c], series.b[c], series.a_m2s2[c], coriolis_per_s(series.lat)[c]
    )
    hemi = np.where(series.lat >= 0.0, 1.0, -1.0)
    # Cyclonic tangent (counter-clockwise north, clockwise south): the radial unit
    # vector (xe, xn) / sin_c turned by +-90 degrees, scaled by the surface wind.
    scale = hazard.surface_wind_factor * hemi[c] * vg / np.where(sin_c > 0.0, sin_c, np.inf)
    rot = hemi * np.radians(hazard.translation_rotation_deg)
    alpha = hazard.translation_fraction
    bg_e = alpha * (series.vt_east_ms * np.cos(rot) - series.vt_north_ms * np.sin(rot))
    bg_n = alpha * (series.vt_east_ms * np.sin(rot) + series.vt_north_ms * np.cos(rot))
    return hazard.gust_factor * np.hypot(bg_e[c] - scale * xn, bg_n[c] + scale * xe)


def gust_upper_bound_ms(
    series: StormSeries, hazard: TropicalCyclone, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """An upper bound of the peak gust (m/s) at each site, cheap to compute.

    From the least distance r between the site and the storm centre at the time
    samples (where the gust is evaluated; one matrix product of unit vectors): the
    Holland wind never exceeds ``sqrt(A_max / e)``, and beyond ``Rm_max`` never
    ``sqrt(A_max (Rm_max / r)^B_min)`` (Coriolis only lowers it); add the full
    forward-speed share and apply the factors.

    Parameters
    ----------
    series : StormSeries
        The interpolated track.
    hazard : TropicalCyclone
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        ``(n_sites,)`` sites, decimal degrees.

    Returns
    -------
    numpy.ndarray
        ``(n_sites,)`` bound, m/s.
    """
    centres = unit_vectors(series.lat, series.lon)
    cos_min = np.clip((unit_vectors(lat, lon) @ centres.T).max(axis=1), -1.0, 1.0)
    r_km = np.maximum(EARTH_RADIUS_KM * np.arccos(cos_min), 1e-3)
    rmw, a_max, b_min = series.rmw_km.max(), series.a_m2s2.max(), series.b.min()
    shape = np.minimum(np.exp(-1.0), (rmw / r_km) ** b_min)
    vt_max = np.hypot(series.vt_east_ms, series.vt_north_ms).max()
    k, alpha = hazard.surface_wind_factor, hazard.translation_fraction
    return hazard.gust_factor * (k * np.sqrt(a_max * shape) + alpha * vt_max)


def peak_gust(
    hazard: TropicalCyclone,
    lat: np.ndarray,
    lon: np.ndarray,
    threshold_ms: np.ndarray,
    negligible_ms: np.ndarray | float = 0.0,
) -> PeakGust:
    """Peak 3-s gust at each site, when it occurs, and when the gust first reaches
    ``threshold_ms`` (per site). Unlocated sites (NaN) get gust 0 and NaN times.

    Sites are taken in blocks so memory stays bounded (``n_times x block``); in each,
    those whose :func:`gust_upper_bound_ms` is below ``negligible_ms`` (per site or one
    value) are skipped: gust 0, NaN times.

    Parameters
    ----------
    hazard : TropicalCyclone
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        ``(n_sites,)`` sites, decimal degrees.
    threshold_ms : numpy.ndarray
        ``(n_sites,)`` gust thresholds, m/s.
    negligible_ms : numpy.ndarray or float, default 0.0
        Gust below which a site is skipped, m/s (per site or one value).

    Returns
    -------
    PeakGust
        Peak gust, its time and the threshold time per site.
    """
    series = storm_series(hazard)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    n = len(lat)
    gust = np.zeros(n)
    t_peak = np.full(n, np.nan)
    t_cross = np.full(n, np.nan)
    negligible_ms = np.broadcast_to(np.asarray(negligible_ms, dtype=float), (n,))
    located = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
    block = max(1, _BLOCK_ELEMENTS // len(series.t_h))
    for start in range(0, len(located), block):
        idx = located[start : start + block]
        idx = idx[gust_upper_bound_ms(series, hazard, lat[idx], lon[idx]) >= negligible_ms[idx]]
        if len(idx) == 0:
            continue
        g = gust_history_ms(series, hazard, lat[idx], lon[idx])
        at_peak = np.argmax(g, axis=0)
        gust[idx] = g[at_peak, np.arange(len(idx))]
        t_peak[idx] = series.t_h[at_peak]
        over = g >= threshold_ms[idx][None, :]
        first = np.argmax(over, axis=0)
        t_cross[idx] = np.where(over.any(axis=0), series.t_h[first], np.nan)
    return PeakGust(gust, t_peak, t_cross)
