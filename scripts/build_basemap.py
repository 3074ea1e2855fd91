#!/usr/bin/env python3
"""Rebuild the shipped base map (resilience_sim/reports/assets/ne_land_*.npz).

Not run by the tests or the reports: the .npz files are committed. Run it to
refresh them: ``.venv/bin/python scripts/build_basemap.py``. It fetches the npm
package world-atlas (a redistribution of Natural Earth 4.1.0 land polygons as
TopoJSON; data public domain, package ISC) with ``npm pack`` and decodes the
``land`` object of land-10m.json and land-50m.json into compact arrays:

  dxy            (n_points, 2) int32: quantized (lon, lat) as differences from the
                 previous point of the concatenation (first point: from (0, 0))
  ring_offsets   (n_rings + 1,) int64: ring k is points [ring_offsets[k], ring_offsets[k+1])
  polygon_rings  (n_polygons + 1,) int64: polygon p is rings [polygon_rings[p], ...[p+1])
  scale, translate  (2,) float64: degrees = quantized * scale + translate (TopoJSON transform)

Ring point order (and so winding) is kept as in the TopoJSON, which d3-geo and
plotly.js draw correctly. See docs/report.md for attribution.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "world-atlas@2.0.2"
ASSETS = Path(__file__).resolve().parent.parent / "resilience_sim" / "reports" / "assets"


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Quantized absolute coordinates of every arc (TopoJSON delta decoding)."""
    return [np.cumsum(np.asarray(arc, dtype=np.int64), axis=0) for arc in topology["arcs"]]


def ring_points(ring: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """Points of a ring made of arcs (negative index ~i means arc i reversed)."""
    parts = []
    for k, index in enumerate(ring):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts)


def convert(topology: dict) -> dict[str, np.ndarray]:
    arcs = decode_arcs(topology)
    (land,) = topology["objects"]["land"]["geometries"]
    polygons = land["arcs"] if land["type"] == "MultiPolygon" else [land["arcs"]]
    points, ring_offsets, polygon_rings = [], [0], [0]
    for polygon in polygons:
        for ring in polygon:
            pts = ring_points(ring, arcs)
            points.append(pts)
            ring_offsets.append(ring_offsets[-1] + len(pts))
        polygon_rings.append(polygon_rings[-1] + len(polygon))
    absolute = np.concatenate(points)
    dxy = np.diff(absolute, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {
        "dxy": dxy.astype(np.int32),
        "ring_offsets": np.asarray(ring_offsets, dtype=np.int64),
        "polygon_rings": np.asarray(polygon_rings, dtype=np.int64),
        "scale": np.asarray(topology["transform"]["scale"], dtype=float),
        "translate": np.asarray(topology["transform"]["translate"], dtype=float),
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True)
        (tgz,) = Path(tmp).glob("world-atlas-*.tgz")
        with tarfile.open(tgz) as archive:
            archive.extractall(tmp, filter="data")
        for scale in ("10m", "50m"):
            topology = json.loads((Path(tmp) / "package" / f"land-{scale}.json").read_text())
            arrays = convert(topology)
            target = ASSETS / f"ne_land_{scale}.npz"
            np.savez_compressed(target, **arrays)
            print(f"{target}: {len(arrays['dxy'])} points, {len(arrays['ring_offsets']) - 1} rings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
