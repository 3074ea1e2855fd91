"""Hazard-event files: IBTrACS tracks, USGS ShakeMap grids, GeoTIFF rasters.

Real files from ``/work/shared/data/hazard-events/`` (skipped when absent) give the
known values of the first rows; small files written here give exact interpolation
answers; the ShakeMap residual field is checked against Jayaram & Baker (2009) and
STDPGA with tolerances from the standard error.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml
from click.testing import CliRunner
from conftest import scenario_on
from scipy.special import ndtr

import resilience_sim as rs
from resilience_sim.cli import cli
from resilience_sim.hazards.earthquake import (
    FACILITY,
    earthquake_intensity,
    sample_earthquake,
    shakemap_ln_residual,
)
from resilience_sim.hazards.flood import flood_intensity
from resilience_sim.hazards.kit.spatial_field import correlated_field, jb09_correlation
from resilience_sim.hazards.tropical_cyclone import sample_tropical_cyclone
from resilience_sim.scenario.inputs.ibtracs import KNOT_MS, NMI_KM, read_ibtracs_track
from resilience_sim.scenario.inputs.raster import sample_raster
from resilience_sim.scenario.inputs.shakemap import read_shakemap
from resilience_sim.topology import compile_topology

DATA = Path("/work/shared/data/hazard-events")
RITA = DATA / "ibtracs-v04-sample-2019-rita.csv"
GORKHA = DATA / "usgs-shakemap-us20002926-gorkha-2015-grid-excerpt.xml"
ATACAMA = DATA / "usgs-shakemap-us7000n05d-atacama-2024-grid-excerpt.xml"


def real(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


def problems_of(info) -> list[tuple[str, str, str]]:
    return [(p.file, p.field, p.message) for p in info.value.problems]


# --- IBTrACS -------------------------------------------------------------------------------
def test_rita_track_from_the_real_file_by_sid_and_by_name():
    """USA agency: 10 three-hourly fixes; 15 kt = 7.7167 m/s; 1008 hPa; the first two
    blank USA_RMW held at the first reported 70 nmi = 129.64 km."""
    path = real(RITA)
    by_sid = read_ibtracs_track(path, sid="2019326S08163")
    by_name = read_ibtracs_track(path, name="Rita", season=2020, agency="usa")
    assert by_sid == by_name
    assert [p.t_h for p in by_sid] == [3.0 * i for i in range(10)]
    first, last = by_sid[0], by_sid[-1]
    assert (first.lat, first.lon, first.central_pressure_hpa) == (-7.5, 163.0, 1008.0)
    assert first.max_wind_ms == pytest.approx(15 * 0.514444, rel=1e-5)
    assert (last.lat, last.lon, last.max_wind_ms) == (-8.5, 167.1, 23 * KNOT_MS)
    assert [p.radius_max_wind_km for p in by_sid] == [70 * NMI_KM] * 10


def test_rita_has_no_bom_fixes_and_an_unknown_sid_is_named():
    path = real(RITA)
    with pytest.raises(rs.InputError) as info:
        read_ibtracs_track(path, sid="2019326S08163", agency="BOM")
    ((file, field, message),) = problems_of(info)
    assert (file, field) == (str(path), "BOM_WIND") and "0 fix(es)" in message
    with pytest.raises(rs.InputError, match=r"ibtracs.*: SID: no storm with SID '1999'"):
        read_ibtracs_track(path, sid="1999")


HEADER = "SID,SEASON,NAME,ISO_TIME,LAT,LON,WMO_WIND,WMO_PRES,USA_LAT,USA_LON,USA_WIND,USA_PRES,"
HEADER += "USA_RMW,BOM_LAT,BOM_LON,BOM_WIND,BOM_PRES,BOM_RMW\n"
UNITS = " ,Year, , ,deg,deg,kts,mb,deg,deg,kts,mb,nmile,deg,deg,kts,mb,nmile\n"


def write_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "tracks.csv"
    path.write_text(HEADER + UNITS + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_blanks_units_ten_minute_winds_and_rmw_interpolation(tmp_path):
    """BOM (10-minute winds): 50 kt -> 50 * 0.514444 / 0.93 m/s. RMW 20 nmi at 0 h and
    40 nmi at 12 h -> 30 nmi at 6 h; a fix without a BOM position is skipped; 350 E is
    -10; the units row is skipped; another storm's rows are ignored."""
    path = write_csv(
        tmp_path,
        [
            "S1,2021,ANA,2021-01-01 00:00:00,-15,350, , ,-15,350,60,980,25,-15,350,50,985,20",
            "S1,2021,ANA,2021-01-01 03:00:00,-15.5,351, , ,-15.5,351,60,980,25, , , , , ",
            "S1,2021,ANA,2021-01-01 06:00:00,-16,352, , ,-16,352,60,980,25,-16,352,55, , ",
            "S1,2021,ANA,2021-01-01 12:00:00,-17,353, , ,-17,353,60,980,25,-17,353, ,975,40",
            "S2,2021,BOB,2021-01-01 12:00:00,-17,353, , ,-17,353,60,980,25,-17,353, ,975,40",
        ],
    )
    track = read_ibtracs_track(path, sid="S1", agency="BOM")
    assert [p.t_h for p in track] == [0.0, 6.0, 12.0]
    assert track[0].lon == -10.0 and track[2].lon == -7.0
    assert track[0].max_wind_ms == pytest.approx(50 * 1852 / 3600 / 0.93, rel=1e-12)
    assert track[1].central_pressure_hpa is None and track[2].max_wind_ms is None
    assert [p.radius_max_wind_km for p in track] == pytest.approx(
        [20 * NMI_KM, 30 * NMI_KM, 40 * NMI_KM], rel=1e-12
    )


def test_bad_csv_values_name_the_row_and_column(tmp_path):
    path = write_csv(
        tmp_path,
        [
            "S1,2021,ANA,2021-01-01 00:00:00,-15,150, , ,-15,150,60,980,25, , , , , ",
            "S1,2021,ANA,2021-01-01 06:00:00,-16,151, , ,-16,151,sixty,980,25, , , , , ",
            "S2,2021,ANA,2021-02-01 06:00:00,-16,151, , ,-16,151,60,980,25, , , , , ",
        ],
    )
    with pytest.raises(rs.InputError) as info:
        read_ibtracs_track(path, sid="S1")
    assert problems_of(info) == [(str(path), "rows[4].USA_WIND", "not a number: 'sixty'")]
    with pytest.raises(rs.InputError, match="matches several storms"):
        read_ibtracs_track(path, name="ana", season=2021)
    with pytest.raises(rs.InputError, match=r"BOM_RMW: .*give `radius_max_wind_km`"):
        read_ibtracs_track(write_csv(tmp_path, [
            "S1,2021,ANA,2021-01-01 00:00:00,-15,150,,,,,,,,-15,150,50,985, ",
            "S1,2021,ANA,2021-01-01 06:00:00,-16,151,,,,,,,,-16,151,50,985, ",
        ]), sid="S1", agency="BOM")  # fmt: skip


def scenario_file(tmp_path: Path, topology: dict, hazard: dict, **fields) -> Path:
    (tmp_path / "net.yaml").write_text(yaml.safe_dump(topology), encoding="utf-8")
    doc = {"name": "t", "topology": "net.yaml", "horizon_h": 500.0, "hazards": [hazard], **fields}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def relative(target: Path, start: Path) -> str:
    return os.path.relpath(target, start)


RITA_SITES = {
    "name": "islands",
    "nodes": [
        {"id": f"s{i}", "kind": "cell_site", "lat": -7.8, "lon": 163.5 + 0.5 * i} for i in range(4)
    ],
    "links": [],
}


def test_track_file_in_a_scenario_gives_the_same_damage_as_the_inline_track(tmp_path):
    """The loader reads the file (path relative to the scenario) into ``track``: the
    damage equals that of the same points written inline, draw for draw."""
    path = real(RITA)
    hazard = {"type": "tropical_cyclone", "at_h": 5.0}
    track_file = {"path": relative(path, tmp_path), "sid": "2019326S08163"}
    loaded = rs.load_scenario(
        scenario_file(tmp_path, RITA_SITES, {**hazard, "track_file": track_file})
    )
    from_file = loaded.spec.hazards[0]
    inline_track = [
        p.model_dump(exclude_none=True) for p in read_ibtracs_track(path, sid="2019326S08163")
    ]
    inline = scenario_on(loaded.topology, hazards=[{**hazard, "track": inline_track}]).spec.hazards[
        0
    ]
    assert from_file.track == inline.track and from_file.track_file.path == str(path)
    arrays = compile_topology(loaded.topology)
    a = sample_tropical_cyclone(from_file, loaded.topology, arrays, np.random.default_rng(3), "c")
    b = sample_tropical_cyclone(inline, loaded.topology, arrays, np.random.default_rng(3), "c")
    assert np.array_equal(a.asset_idx, b.asset_idx)
    assert np.array_equal(a.repair_h, b.repair_h)


# --- ShakeMap ------------------------------------------------------------------------------
def test_gorkha_v35_fields_units_and_values():
    """v3.5: PGA 0.44 pctg = 0.0044 g, PGV 2.21 cm/s, MMI 3.83, STDPGA 0.53 in the first
    cell (81.7314 E, 30.8735 N); halfway to the next cell the mean of 0.44 and 0.47 %g."""
    grid = read_shakemap(real(GORKHA))
    assert grid.shape == (318, 361) and grid.event["magnitude"] == "7.8"
    at = {name: grid.at(name, np.array([30.8735]), np.array([81.7314]))[0] for name in grid.values}
    assert at == pytest.approx({"PGA": 0.0044, "PGV": 2.21, "MMI": 3.83, "STDPGA": 0.53})
    half = grid.at("PGA", np.array([30.8735]), np.array([81.7314 + 0.016667 / 2]))[0]
    assert half == pytest.approx((0.0044 + 0.0047) / 2, rel=1e-9)
    assert np.isnan(grid.at("PGA", np.array([30.0]), np.array([84.0]))[0])  # not in the excerpt


def test_atacama_v4_other_order_other_units_no_stdpga():
    """v4.1: MMI first, PGA in %g, PGV in cm/s, no STDPGA."""
    grid = read_shakemap(real(ATACAMA))
    assert sorted(grid.values) == ["MMI", "PGA", "PGV"]
    lat, lon = np.array([-19.9833]), np.array([-71.2167])
    assert grid.at("PGA", lat, lon)[0] == pytest.approx(0.009238)
    assert (grid.at("MMI", lat, lon)[0], grid.at("PGV", lat, lon)[0]) == (3.5, 1.216)


def write_grid(path: Path, fields, rows, nlon=3, nlat=3, spacing=0.5, header_extra="") -> Path:
    """A grid.xml with corner (10 E, 1 N) north-west, ``fields`` as (name, units)."""
    decl = "".join(
        f'<grid_field index="{i}" name="{n}" units="{u}" />\n' for i, (n, u) in enumerate(fields, 1)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<shakemap_grid xmlns="http://earthquake.usgs.gov/eqcenter/shakemap" event_id="x">\n'
        '<event magnitude="6.5" depth="12.0" lat="0.5" lon="10.5" />\n'
        f'<grid_specification lon_min="10" lat_min="0" lon_max="11" lat_max="1" '
        f'nominal_lon_spacing="{spacing}" nominal_lat_spacing="{spacing}" '
        f'nlon="{nlon}" nlat="{nlat}" />\n{header_extra}{decl}<grid_data>\n'
        + "".join(" ".join(f"{v:g}" for v in row) + "\n" for row in rows)
        + "</grid_data>\n</shakemap_grid>\n",
        encoding="utf-8",
    )
    return path


def plane(lon, lat):
    return 10.0 + 4.0 * (lon - 10.0) + 6.0 * lat  # PGA in %g, linear: bilinear is exact


def plane_grid(path: Path, sigma: float = 0.6) -> Path:
    rows = [
        (sigma, plane(lon, lat), lon, lat) for lat in (1.0, 0.5, 0.0) for lon in (10.0, 10.5, 11.0)
    ]
    fields = [("STDPGA", "ln(pctg)"), ("PGA", "%g"), ("LON", "dd"), ("LAT", "dd")]
    return write_grid(path, fields, rows)


def test_bilinear_interpolation_is_exact_on_a_plane(tmp_path):
    grid = read_shakemap(plane_grid(tmp_path / "grid.xml"))
    lat = np.array([0.1, 0.73, 1.0, 0.0, 1.2])
    lon = np.array([10.2, 10.99, 11.0, 10.0, 10.5])
    got = grid.at("PGA", lat, lon)
    assert got[:4] == pytest.approx(plane(lon[:4], lat[:4]) / 100.0, rel=1e-12)
    assert np.isnan(got[4])  # north of the grid


@pytest.mark.parametrize(
    ("fields", "rows", "field", "message"),
    [
        ([("LON", "dd"), ("LAT", "dd")], [(10, 1)], "grid_field[PGA]", "not declared"),
        (
            [("LON", "dd"), ("LAT", "dd"), ("PGA", "furlongs")],
            [(10, 1, 1)],
            "grid_field[PGA].units",
            "unknown units 'furlongs'",
        ),
        (
            [("LON", "dd"), ("LAT", "dd"), ("PGA", "%g")],
            [(10, 1, 1), (10.5, 1)],
            "grid_data",
            "do not have 3 values each",
        ),
        (
            [("LON", "dd"), ("LAT", "dd"), ("PGA", "%g")],
            [(14, 1, 1)],
            "grid_data",
            "outside grid_specification",
        ),
    ],
)
def test_bad_grid_files_name_the_file_and_field(tmp_path, fields, rows, field, message):
    path = write_grid(tmp_path / "bad.xml", fields, rows)
    with pytest.raises(rs.InputError) as info:
        read_shakemap(path)
    ((file, got_field, got_message),) = problems_of(info)
    assert (file, got_field) == (str(path), field) and message in got_message


def sites(n: int, lat: float, lon: float, kind: str = "exchange") -> dict:
    nodes = [{"id": f"n{i}", "kind": kind, "lat": lat, "lon": lon} for i in range(n)]
    return {"name": "sites", "nodes": nodes, "links": []}


def test_shakemap_scenario_reads_the_header_and_the_grid(tmp_path):
    """Epicentre, depth and magnitude from <event>; median PGA at a node = the grid's."""
    plane_grid(tmp_path / "grid.xml")
    node = {"id": "a", "kind": "exchange", "lat": 0.3, "lon": 10.8}
    topology = {"name": "s", "nodes": [node], "links": []}
    hazard = {"type": "earthquake", "shakemap": "grid.xml", "pga_variability": "median"}
    scenario = rs.load_scenario(scenario_file(tmp_path, topology, hazard))
    quake = scenario.spec.hazards[0]
    assert (quake.magnitude, quake.depth_km, quake.epicentre.lat, quake.epicentre.lon) == (
        6.5, 12.0, 0.5, 10.5,
    )  # fmt: skip
    arrays = compile_topology(scenario.topology)
    pga = earthquake_intensity(quake, scenario.topology, arrays)
    assert pga[0] == pytest.approx(plane(10.8, 0.3) / 100.0, rel=1e-12)


def test_shakemap_failure_share_matches_the_fragility_with_stdpga(tmp_path):
    """Co-located exchanges at median PGA m and STDPGA s fail (moderate) with
    P = Phi(ln(m / 0.35) / sqrt(0.6^2 + s^2)) (FACILITY moderate: 0.35 g, beta 0.6).
    The residual is shared by co-located sites, so the share is checked over
    replications: SE = sqrt(P (1 - P) / R)."""
    s = 0.6
    plane_grid(tmp_path / "grid.xml", sigma=s)
    hazard = {"type": "earthquake", "shakemap": "grid.xml"}
    scenario = rs.load_scenario(scenario_file(tmp_path, sites(1, 0.5, 10.5), hazard))
    quake, topology = scenario.spec.hazards[0], scenario.topology
    arrays = compile_topology(topology)
    median = plane(10.5, 0.5) / 100.0
    curve = FACILITY.curves[1]
    p = float(ndtr(math.log(median / curve.median) / math.hypot(curve.beta, s)))
    rng = np.random.default_rng(11)
    reps = 4000
    failed = sum(len(sample_earthquake(quake, topology, arrays, rng, "q")) for _ in range(reps))
    assert abs(failed / reps - p) < 4 * math.sqrt(p * (1 - p) / reps)


def test_sampled_ln_pga_spread_is_the_grids_stdpga_at_each_site(tmp_path):
    """STDPGA 0.2, 0.5, 0.8 on the grid's three columns: sites at 10.0, 10.25 (bilinear:
    0.35) and 11.0 E, at least 28 km apart (correlation < 1e-4), get ln-PGA residuals
    with those standard deviations within 4 SE, SE = s / sqrt(2 n), and mean 0 within
    4 s / sqrt(n)."""
    rows = [
        (lon, lat, 10.0, {10.0: 0.2, 10.5: 0.5, 11.0: 0.8}[lon])
        for lat in (1.0, 0.5, 0.0)
        for lon in (10.0, 10.5, 11.0)
    ]
    fields = [("LON", "dd"), ("LAT", "dd"), ("PGA", "pctg"), ("STDPGA", "ln(pctg)")]
    write_grid(tmp_path / "g.xml", fields, rows)
    nodes = [
        {"id": f"n{i}", "kind": "exchange", "lat": 0.5, "lon": lon}
        for i, lon in enumerate((10.0, 10.25, 11.0))
    ]
    topology = {"name": "t", "nodes": nodes, "links": []}
    hazard = {"type": "earthquake", "shakemap": "g.xml"}
    scenario = rs.load_scenario(scenario_file(tmp_path, topology, hazard))
    quake, arrays = scenario.spec.hazards[0], compile_topology(scenario.topology)
    rng = np.random.default_rng(21)
    n = 4000
    r = np.array([shakemap_ln_residual(quake, scenario.topology, arrays, rng) for _ in range(n)])
    for got_mean, got_sd, s in zip(r.mean(axis=0), r.std(axis=0), (0.2, 0.35, 0.8), strict=True):
        assert abs(got_sd - s) < 4 * s / math.sqrt(2 * n)
        assert abs(got_mean) < 4 * s / math.sqrt(n)


def test_residual_field_correlation_and_marginal_match_jayaram_baker():
    """Four sites 0, 5, 10, 20 km apart on the equator, b = 8.5 km: the sample
    correlation of pairs is rho(h) = exp(-3 h / b) within 4 SE, SE = (1 - rho^2) /
    sqrt(n); the standard deviation is 1 within 4 SE, SE = 1 / sqrt(2 n)."""
    km = np.array([0.0, 5.0, 10.0, 20.0])
    lon = km / 111.19492664455873
    field = correlated_field(np.zeros(4), lon, 8.5)
    rng = np.random.default_rng(5)
    n = 6000
    z = np.array([field.sample(rng) for _ in range(n)])
    assert np.all(np.abs(z.std(axis=0) - 1.0) < 4 / math.sqrt(2 * n))
    corr = np.corrcoef(z.T)
    for i in range(4):
        for j in range(i + 1, 4):
            rho = float(jb09_correlation(km[j] - km[i], 8.5))
            assert abs(corr[i, j] - rho) < 4 * (1 - rho**2) / math.sqrt(n), (i, j)


def test_many_sites_are_grouped_into_cells_that_keep_far_pairs_correlated_as_modelled():
    """3,000 distinct points along 300 km exceed MAX_EXACT_POINTS = 2,000: cells of
    b / 20 = 2.035 km (case 2, b = 40.7) hold them. Two sites 40 km apart then correlate
    as exp(-3 * 40 / 40.7) within 4 SE (cell centres move them by < 2.1 km:
    |d rho| < 0.01, added to the tolerance)."""
    lon = np.linspace(0.0, 300.0 / 111.19492664455873, 3000)
    field = correlated_field(np.zeros(3000), lon, 40.7)
    assert field.cell_km == pytest.approx(40.7 / 20) and len(field.factor) <= 2000
    i, j = 0, int(np.argmin(np.abs(lon * 111.19492664455873 - 40.0)))
    rng = np.random.default_rng(9)
    n = 3000
    z = np.array([field.sample(rng)[[i, j]] for _ in range(n)])
    rho = math.exp(-3 * 40 / 40.7)
    assert abs(np.corrcoef(z.T)[0, 1] - rho) < 4 * (1 - rho**2) / math.sqrt(n) + 0.01


# --- rasters -------------------------------------------------------------------------------
def write_tiff(path: Path, values: np.ndarray, transform, crs: str, nodata=None) -> Path:
    with rasterio.open(
        path, "w", driver="GTiff", height=values.shape[0], width=values.shape[1], count=1,
        dtype="float64", crs=crs, transform=transform, nodata=nodata,
    ) as dst:  # fmt: skip
        dst.write(values, 1)
    return path


def lonlat_tiff(path: Path, nodata=None) -> Path:
    """4 x 4 pixels of 0.1 deg from (10 E, 1 N); value = 10 * row + col; pixel (1, 2)
    is nodata when given."""
    values = 10.0 * np.arange(4)[:, None] + np.arange(4)[None, :]
    if nodata is not None:
        values[1, 2] = nodata
    transform = rasterio.Affine(0.1, 0.0, 10.0, 0.0, -0.1, 1.0)
    return write_tiff(path, values, transform, "EPSG:4326", nodata)


def test_raster_nearest_and_bilinear_by_hand(tmp_path):
    """Centre of pixel (row 1, col 2) at (0.85 N, 10.25 E) -> 12; bilinear at
    (0.80 N, 10.30 E), between centres rows 1-2 and cols 2-3: 10 * 1.5 + 2.5 = 17.5."""
    path = lonlat_tiff(tmp_path / "r.tif")
    lat, lon = np.array([0.85, 0.80, 0.5]), np.array([10.25, 10.30, 10.0 - 0.01])
    nearest = sample_raster(path, lat, lon, method="nearest")
    assert nearest[:2] == pytest.approx([12.0, 23.0]) and np.isnan(nearest[2])
    assert sample_raster(path, lat[:2], lon[:2])[1] == pytest.approx(17.5, rel=1e-12)


def test_nodata_pixel_is_nan(tmp_path):
    path = lonlat_tiff(tmp_path / "r.tif", nodata=-9999.0)
    got = sample_raster(path, np.array([0.85, 0.85]), np.array([10.25, 10.15]), method="nearest")
    assert np.isnan(got[0]) and got[1] == 11.0


def test_projected_raster_is_sampled_at_reprojected_points(tmp_path):
    """Web Mercator (EPSG:3857) pixels of 1 km, value = x in km; at the equator x =
    6378.137 km * lon in radians, so a point at 0.05 E reads 5.5660 km (bilinear on a
    linear field is exact)."""
    width = 20
    values = np.tile(np.arange(width) + 0.5, (4, 1))  # centre of column c is at x = c + 0.5 km
    transform = rasterio.Affine(1000.0, 0.0, 0.0, 0.0, -1000.0, 2000.0)
    path = write_tiff(tmp_path / "m.tif", values, transform, "EPSG:3857")
    got = sample_raster(path, np.array([0.0]), np.array([0.05]))
    assert got[0] == pytest.approx(6378.137 * math.radians(0.05), rel=1e-9)


def test_flood_depth_raster_in_a_scenario(tmp_path):
    """Depth in cm from the raster (nearest): 12 cm at pixel (1, 2); the nodata pixel
    and a node outside the raster get no water."""
    lonlat_tiff(tmp_path / "depth.tif")
    topology = {
        "name": "t",
        "nodes": [
            {"id": "a", "kind": "exchange", "lat": 0.85, "lon": 10.25},
            {"id": "b", "kind": "exchange", "lat": 5.0, "lon": 10.25},
        ],
        "links": [],
    }
    raster = {"path": "depth.tif", "units": "cm", "interpolation": "nearest"}
    hazard = {"type": "flood", "source": "river", "raster": raster}
    scenario = rs.load_scenario(scenario_file(tmp_path, topology, hazard))
    arrays = compile_topology(scenario.topology)
    depth = flood_intensity(scenario.spec.hazards[0], scenario.topology, arrays)
    assert depth == pytest.approx([0.12, 0.0])


def test_bad_inputs_exit_2_with_file_and_field(tmp_path):
    """The CLI's validate prints FILE: field: message and exits 2: a grid with unknown
    PGA units, and a missing raster."""
    write_grid(tmp_path / "g.xml", [("LON", "dd"), ("LAT", "dd"), ("PGA", "pc")], [(10, 1, 1)])
    path = scenario_file(tmp_path, sites(1, 0.5, 10.5), {"type": "earthquake", "shakemap": "g.xml"})
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'g.xml'}: grid_field[PGA].units: unknown units 'pc'" in result.output
    hazard = {"type": "flood", "source": "river", "raster": {"path": "no.tif", "units": "m"}}
    path = scenario_file(tmp_path, sites(1, 0.5, 10.5), hazard)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}: hazards[0].raster.path: file 'no.tif' does not exist" in result.output


def test_real_v4_shakemap_in_a_scenario_warns_that_it_has_no_stdpga(tmp_path):
    """Atacama 2024 (v4.1): M 7.4 at 127.3 km from <event>; a node on the first cell feels
    0.9238 %g; without STDPGA the median is used, with a warning naming the field."""
    path = real(ATACAMA)
    topology = sites(1, -19.9833, -71.2167)
    hazard = {"type": "earthquake", "shakemap": relative(path, tmp_path)}
    with pytest.warns(rs.InputWarning, match=r"hazards\[0\]\.shakemap: the grid has no STDPGA"):
        scenario = rs.load_scenario(scenario_file(tmp_path, topology, hazard))
    quake = scenario.spec.hazards[0]
    assert (quake.magnitude, quake.depth_km) == (7.4, 127.3)
    arrays = compile_topology(scenario.topology)
    assert earthquake_intensity(quake, scenario.topology, arrays)[0] == pytest.approx(0.009238)


def test_pga_raster_in_percent_g(tmp_path):
    """The 4 x 4 raster in %g: pixel (1, 2) holds 12 %g = 0.12 g at its centre."""
    lonlat_tiff(tmp_path / "pga.tif")
    hazard = {
        "type": "earthquake",
        "raster": {"path": "pga.tif", "units": "%g"},
        "epicentre": {"lat": 0.85, "lon": 10.25},
        "depth_km": 10.0,
        "magnitude": 6.0,
        "pga_variability": "median",
    }
    scenario = rs.load_scenario(scenario_file(tmp_path, sites(2, 0.85, 10.25), hazard))
    arrays = compile_topology(scenario.topology)
    pga = earthquake_intensity(scenario.spec.hazards[0], scenario.topology, arrays)
    assert pga[:2] == pytest.approx([0.12, 0.12], rel=1e-12)
