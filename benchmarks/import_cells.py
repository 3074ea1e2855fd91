"""Benchmark of issue 15: `topology import-cells` on a synthetic 100k-cell OpenCelliD export.

    .venv/bin/python benchmarks/import_cells.py [--cells 100000] [--repeats 3] [--keep DIR]

Writes a CSV in the standard OpenCelliD columns (``radio,mcc,net,area,cell,unit,lon,lat,
range,samples,changeable,created,updated,averageSignal``): ``--cells`` rows, 90 % with
MCC 440 on a Japan-sized box (31-41 N, 130-142 E), three sectors per mast 0-30 m apart,
five operator codes, ranges 500-5,000 m, and 10 % other MCCs the reader must skip.
Then runs the command as a user does, in a fresh process each time (interpreter start
and imports included), ``--repeats`` times:

    resilience-sim topology import-cells FILE --mcc 440 --population-total 10000000 \
        --out net.parquet

and, once, with an areas CSV of 1,000 point areas (``--population``, voronoi).
Prints the median (min-max) wall seconds and the peak RSS of the process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEADER = (
    "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal"
)


def write_cells(path: Path, n_cells: int, seed: int = 1) -> None:
    """The synthetic export (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    n_masts = -(-n_cells // 3)
    mast_lat = rng.uniform(31.0, 41.0, n_masts)
    mast_lon = rng.uniform(130.0, 142.0, n_masts)
    mast = np.repeat(np.arange(n_masts), 3)[:n_cells]
    jitter = rng.uniform(-0.00015, 0.00015, (n_cells, 2))  # about +-17 m
    lat, lon = mast_lat[mast] + jitter[:, 0], mast_lon[mast] + jitter[:, 1]
    mcc = np.where(rng.random(n_cells) < 0.9, 440, rng.choice([262, 208, 310], n_cells))
    net = rng.choice([10, 11, 20, 51, 53], n_cells)
    radio = rng.choice(np.array(["LTE", "UMTS", "GSM", "NR"]), n_cells)
    rng_m = rng.integers(500, 5000, n_cells)
    with path.open("w") as f:
        f.write(HEADER + "\n")
        for i in range(n_cells):
            f.write(
                f"{radio[i]},{mcc[i]},{net[i]},{i % 6000},{i},0,{lon[i]:.6f},{lat[i]:.6f},"
                f"{rng_m[i]},10,1,1600000000,1660000000,0\n"
            )


def write_areas(path: Path, n_areas: int, seed: int = 2) -> None:
    rng = np.random.default_rng(seed)
    with path.open("w") as f:
        f.write("name,population,lat,lon\n")
        for i in range(n_areas):
            lat, lon = rng.uniform(31.0, 41.0), rng.uniform(130.0, 142.0)
            f.write(f"area-{i},{int(rng.integers(1000, 200000))},{lat:.5f},{lon:.5f}\n")


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the files in")
    opts = parser.parse_args()
    folder = opts.keep or Path(tempfile.mkdtemp(prefix="import-cells-"))
    folder.mkdir(parents=True, exist_ok=True)
    cells, areas, out = folder / "cells.csv", folder / "areas.csv", folder / "net.parquet"
    write_cells(cells, opts.cells)
    write_areas(areas, 1000)
    size_mb = cells.stat().st_size / 1e6
    command = [sys.executable, "-m", "resilience_sim.cli", "topology", "import-cells", str(cells)]
    command += ["--mcc", "440"]
    walls = []
    peak = 0.0
    for _ in range(opts.repeats):
        wall, peak = timed([*command, "--population-total", "10000000", "--out", str(out)])
        walls.append(wall)
    area_wall, _ = timed([*command, "--population", str(areas), "--out", str(out)])
    import_s = statistics.median(walls)
    print(f"{opts.cells:,} cells ({size_mb:.1f} MB CSV):")
    print(
        f"  import-cells --population-total: {import_s:.2f} s median "
        f"({min(walls):.2f}-{max(walls):.2f}), peak RSS {peak:.0f} MB"
    )
    print(f"  import-cells --population areas.csv (1,000 areas): {area_wall:.2f} s")


if __name__ == "__main__":
    main()
