"""Readers of published hazard-event files (scenario layer).

One module per format, each returning plain arrays or schema objects:

=================  ============================================================
``ibtracs``        IBTrACS v04 CSV best tracks -> ``list[TrackPoint]``
``shakemap``       USGS ShakeMap ``grid.xml`` (v3.5 and v4) -> :class:`ShakeMapGrid`
``raster``         GeoTIFF (or any GDAL raster) via rasterio -> :class:`HazardRaster`
``resolve``        the scenario loader's step that reads the files a scenario names
=================  ============================================================

They sit in the scenario layer, below the hazards, because the loader reads them
(a ``track_file`` becomes the hazard's ``track``; a ShakeMap's event header fills the
epicentre and magnitude; a bad file is refused at load time, ``FILE: field: message``,
before any replication). The samplers read the same files through the same readers,
whose results are cached per file (path, size, modification time), so a study reads
each file once per process.
"""
