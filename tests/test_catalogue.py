"""Stochastic catalogues: Gutenberg-Richter rates and magnitudes against the closed form,
zone sampling, the track random walk, cable-fault rates, reproducibility, the file
format and the command."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.experiments.catalogue import build_catalogue, write_catalogue
from resilience_sim.experiments.catalogue.earthquakes import (
    gr_rate_at_least,
    points_in_ring,
    sample_in_disc,
    sample_in_polygon,
    sample_magnitudes,
    sample_zone_events,
)
from resilience_sim.experiments.catalogue.spec import SourceZone, TrackPerturbation
from resilience_sim.experiments.catalogue.tracks import autocorrelated_uniforms, perturb_track
from resilience_sim.experiments.event_set import load_event_set
from resilience_sim.geo import haversine_km
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TrackPoint

ROOT = Path(__file__).resolve().parents[1]
RITA = Path("/work/shared/data/hazard-events/ibtracs-v04-sample-2019-rita.csv")

TOPOLOGY = {
    "name": "star",
    "nodes": [
        {"id": "X", "kind": "exchange", "lat": -21.0, "lon": -175.0},
        {"id": "G", "kind": "gateway", "lat": -18.0, "lon": 178.0},
        {"id": "A", "kind": "cell_site", "population": 100, "lat": -21.1, "lon": -175.1},
        {"id": "B", "kind": "cell_site", "population": 100, "lat": -21.0, "lon": -175.2},
    ],
    "links": [
        {"id": "xg", "source": "X", "target": "G", "kind": "submarine_cable", "length_km": 800},
        {"id": "xa", "source": "X", "target": "A", "kind": "terrestrial_fiber"},
        {"id": "xb", "source": "X", "target": "B", "kind": "submarine_cable", "length_km": 200},
    ],
}


def write_base(folder: Path) -> None:
    (folder / "star.yaml").write_text(yaml.safe_dump(TOPOLOGY))
    base = {"name": "base", "topology": "star.yaml", "horizon_h": 10, "seed": 1, "hazards": []}
    (folder / "base.yaml").write_text(yaml.safe_dump(base))


def write_catalogue_file(folder: Path, **fields) -> Path:
    write_base(folder)
    document = {"name": "cat", "scenario": "base.yaml", "years": 50, "seed": 3, **fields}
    file = folder / "catalogue.yaml"
    file.write_text(yaml.safe_dump(document))
    return file


ZONE = {
    "name": "z",
    "centre": {"lat": -21.0, "lon": -175.0},
    "radius_km": 100,
    "rate_per_year": 2.0,
    "min_magnitude": 5.0,
    "max_magnitude": 8.0,
    "b_value": 1.0,
    "depth_km": 10,
}


def test_gutenberg_richter_counts_per_bin_match_closed_form():
    """With a = log10(rate at Mmin) + b Mmin, the truncated law's expected annual number in
    [m1, m2) is nu(m1) - nu(m2), nu(m) = 10^(a - b m) - 10^(a - b Mmax) rescaled by
    1 / (1 - 10^(-b (Mmax - Mmin))). 50,000 years at 2 a year: every 0.5-unit bin's count
    lies within 4 Poisson standard errors of it, and chi-square is below the 0.1 % point."""
    zone = SourceZone(**ZONE)
    years = 50_000
    events = sample_zone_events(zone, np.random.default_rng(12345), years)
    magnitudes = np.array([h["magnitude"] for _, h in events])
    # total count: Poisson(rate x years)
    assert abs(len(magnitudes) - 2.0 * years) < 4 * math.sqrt(2.0 * years)
    edges = np.arange(5.0, 8.01, 0.5)
    counts, _ = np.histogram(magnitudes, edges)
    a = math.log10(2.0) + 1.0 * 5.0
    tail = 10 ** (a - 1.0 * 8.0)
    nu = lambda m: (10 ** (a - 1.0 * m) - tail) / (1 - 10 ** (-1.0 * 3.0))  # noqa: E731
    expected = np.array([nu(lo) - nu(hi) for lo, hi in itertools.pairwise(edges)]) * years
    assert expected == pytest.approx(
        (
            gr_rate_at_least(edges[:-1], 2.0, 5.0, 8.0, 1.0)
            - gr_rate_at_least(edges[1:], 2.0, 5.0, 8.0, 1.0)
        )
        * years
    )
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(expected))
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert chi2 < 22.46  # chi-square, 6 degrees of freedom, 0.1 % point
    assert magnitudes.min() >= 5.0 and magnitudes.max() <= 8.0


def test_b_value_from_maximum_likelihood():
    """Aki's estimator b = log10(e) / (mean(M) - Mmin) holds for the untruncated law; with
    Mmax far above (Mmin + 6) truncation is negligible: 200,000 draws give b within 1 %."""
    m = sample_magnitudes(np.random.default_rng(7), 200_000, 4.0, 10.0, 1.2)
    b_hat = math.log10(math.e) / (m.mean() - 4.0)
    assert b_hat == pytest.approx(1.2, rel=0.01)


def test_disc_and_polygon_sampling_are_uniform_in_area():
    rng = np.random.default_rng(12345)
    lat, lon = sample_in_disc(rng, 40_000, -21.0, -175.0, 100.0)
    d = haversine_km(-21.0, -175.0, lat, lon)
    assert d.max() <= 100.0 + 1e-6
    inner = float(np.mean(d < 50.0))  # area share 1/4
    assert abs(inner - 0.25) < 4 * math.sqrt(0.25 * 0.75 / 40_000)
    ring = [(-22.0, -176.0), (-22.0, -174.0), (-20.0, -174.0), (-22.0, -176.0)]  # a triangle
    lat, lon = sample_in_polygon(rng, 20_000, ring)
    assert points_in_ring(lat, lon, np.asarray(ring)).all()
    # the triangle's half nearer its right angle (lon > -175) holds 3/4 of its area
    share = float(np.mean(lon > -175.0))
    assert abs(share - 0.75) < 4 * math.sqrt(0.75 * 0.25 / 20_000) + 0.005  # + sphere


TRACK = [
    TrackPoint(t_h=0, lat=-17.0, lon=-176.0, central_pressure_hpa=960, radius_max_wind_km=30),
    TrackPoint(t_h=6, lat=-18.0, lon=-175.8, central_pressure_hpa=955, radius_max_wind_km=30),
    TrackPoint(t_h=12, lat=-19.2, lon=-175.5, central_pressure_hpa=950, radius_max_wind_km=30),
    TrackPoint(t_h=24, lat=-21.0, lon=-175.0, central_pressure_hpa=965, radius_max_wind_km=35),
]


def test_zero_perturbation_gives_the_historical_track():
    none = TrackPerturbation(max_shift_ini_deg=0, max_dspeed_rel=0, max_ddirection_rad_per_h=0)
    copy = perturb_track(TRACK, none, np.random.default_rng(1))
    got = np.array([(q.lat, q.lon) for q in copy])
    assert got == pytest.approx(np.array([(q.lat, q.lon) for q in TRACK]), abs=2e-4)
    assert [q.central_pressure_hpa for q in copy] == [q.central_pressure_hpa for q in TRACK]


def test_perturbation_amplitudes_are_bounded():
    """Start within ± 0.75°; each segment's length within ± 30 % of the historical one."""
    p = TrackPerturbation()
    hist = haversine_km(
        [q.lat for q in TRACK[:-1]], [q.lon for q in TRACK[:-1]],
        [q.lat for q in TRACK[1:]], [q.lon for q in TRACK[1:]],
    )  # fmt: skip
    rng = np.random.default_rng(2)
    shifts = []
    for _ in range(200):
        copy = perturb_track(TRACK, p, rng)
        shifts.append((copy[0].lat - TRACK[0].lat, copy[0].lon - TRACK[0].lon))
        seg = haversine_km(
            [q.lat for q in copy[:-1]], [q.lon for q in copy[:-1]],
            [q.lat for q in copy[1:]], [q.lon for q in copy[1:]],
        )  # fmt: skip
        assert np.all(seg / hist >= 0.7 - 1e-3) and np.all(seg / hist <= 1.3 + 1e-3)
    shifts = np.array(shifts)
    assert np.abs(shifts).max() <= 0.75 + 1e-4
    assert np.abs(shifts).max() > 0.6  # uses the range
    assert abs(shifts[:, 0].mean()) < 4 * 0.75 / math.sqrt(3 * 200)


def test_autocorrelated_uniforms_have_the_requested_correlation():
    """Hourly series: uniform margins (mean 1/2, variance 1/12) and lag-1 correlation r."""
    t = np.arange(100_000, dtype=float)
    u = autocorrelated_uniforms(np.random.default_rng(3), t, 0.85)
    assert abs(u.mean() - 0.5) < 0.01  # the AR(1) inflates the mean's error ~ 3.5x
    assert u.var() == pytest.approx(1 / 12, rel=0.02)
    r = np.corrcoef(u[:-1], u[1:])[0, 1]
    assert abs(r - 0.85) < 0.01


def test_cable_fault_rate_per_1000_km(tmp_path):
    """0.5 faults per 1,000 km a year on 800 + 200 km for 2,000 years: Poisson(1,000)
    faults, shared 4:1 between the cables, each at a position within its length."""
    file = write_catalogue_file(
        tmp_path, years=2000, cable_faults=[{"faults_per_1000km_year": 0.5}]
    )
    catalogue = build_catalogue(file)
    n = len(catalogue.events)
    assert abs(n - 1000) < 4 * math.sqrt(1000)
    cables = [h["faults"][0]["cable"] for _, _, h in catalogue.events]
    share = cables.count("xg") / n
    assert abs(share - 0.8) < 4 * math.sqrt(0.8 * 0.2 / n)
    for _, _, h in catalogue.events:
        fault = h["faults"][0]
        assert 0 <= fault["at_km"] <= (800 if fault["cable"] == "xg" else 200)


def test_same_seed_same_file_and_sources_independent(tmp_path):
    file = write_catalogue_file(tmp_path, earthquakes=[ZONE])
    a = build_catalogue(file).events
    assert a == build_catalogue(file).events
    file = write_catalogue_file(tmp_path, earthquakes=[ZONE], cable_faults=[{}])
    b = build_catalogue(file).events
    quakes = [e for e in b if e[2]["type"] == "earthquake"]
    assert quakes == a  # adding a cable source leaves the earthquakes unchanged
    years = [y for y, _, _ in b]
    assert years == sorted(years)


def test_written_event_set_runs_and_counts_each_fault(tmp_path):
    """Every fault on xg (no crews) cuts all 200 users from the gateway to the 10 h
    horizon: 2,000 user-h per event; on xb only B's 100 users: 1,000 user-h. EAU over the
    set = sum of event losses / years, exactly."""
    from resilience_sim.experiments.event_set import run_event_set

    file = write_catalogue_file(tmp_path, years=40, cable_faults=[{"faults_per_1000km_year": 0.1}])
    out = write_catalogue(build_catalogue(file), tmp_path / "events.yaml")
    event_set = load_event_set(out)
    assert event_set.spec.catalogue_years == 40
    with pytest.warns(Warning):
        result = run_event_set(event_set, replications=1)
    per_event = [
        2000.0 if e.hazards[0]["faults"][0]["cable"] == "xg" else 1000.0
        for e in event_set.spec.events
    ]
    assert result.summary.unserved_user_h_international.tolist() == per_event
    assert result.expected_annual_user_h == pytest.approx(sum(per_event) / 40)


def test_ibtracs_track_file_source(tmp_path):
    if not RITA.is_file():
        pytest.skip(f"{RITA} not present")
    file = write_catalogue_file(
        tmp_path,
        years=20,
        tropical_cyclones=[
            {
                "name": "rita-like",
                "track_file": {"path": str(RITA), "sid": "2019326S08163", "radius_max_wind_km": 40},
                "rate_per_year": 0.5,
            }
        ],
    )
    catalogue = build_catalogue(file)
    assert catalogue.events
    first = catalogue.events[0][2]
    assert first["type"] == "tropical_cyclone" and len(first["track"]) >= 2
    out = write_catalogue(catalogue, tmp_path / "events.yaml")
    assert len(load_event_set(out).scenarios) == len(catalogue.events)


def test_bad_catalogue_input(tmp_path):
    bad = dict(ZONE, polygon=[[0, 0], [0, 1], [1, 1]])
    bad.pop("centre")
    bad.pop("radius_km")
    file = write_catalogue_file(tmp_path, earthquakes=[bad])
    with pytest.raises(InputError, match="polygon"):
        build_catalogue(file)
    file = write_catalogue_file(tmp_path, cable_faults=[{"links": ["nope"]}])
    with pytest.raises(InputError, match="nope"):
        build_catalogue(file)
    file = write_catalogue_file(tmp_path, earthquakes=[dict(ZONE, earthquake={"mechanism": "x"})])
    with pytest.raises(InputError) as caught:
        build_catalogue(file)
    assert caught.value.problems[0].field == "earthquakes[0].earthquake"
    assert "mechanism" in caught.value.problems[0].message


def test_catalogue_command(tmp_path):
    file = write_catalogue_file(tmp_path, cable_faults=[{"faults_per_1000km_year": 0.2}])
    out = tmp_path / "events.yaml"
    result = CliRunner().invoke(cli, ["catalogue", str(file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "events written" in result.output
    again = CliRunner().invoke(cli, ["catalogue", str(file), "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    bad = CliRunner().invoke(cli, ["catalogue", str(tmp_path / "missing.yaml"), "--out", str(out)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_shipped_catalogue_builds():
    catalogue = build_catalogue(ROOT / "scenarios/decisions/pacific_island_catalogue.yaml")
    kinds = {h["type"] for _, _, h in catalogue.events}
    assert kinds == {"earthquake", "tropical_cyclone", "cable_fault"}
