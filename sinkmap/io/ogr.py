"""pyogrio, set up to read other people's vector files without writing anything beside them.

pyogrio's wheel carries its own GDAL (3.12 here). Opening a GeoPackage that has dataset-level metadata
(``gpkg_metadata`` for the whole file, as sinkmap's demo and many GDAL-written packages have) makes that
GDAL write ``FILE.gpkg.aux.xml`` beside it on close, even read-only — a file the user never asked for, in
their data folder (or a failed write on read-only media). Persistent auxiliary metadata is a raster
mechanism; this GDAL copy only reads vectors for sinkmap (rasterio has its own copy, where ``.aux.xml``
is still read), so it is switched off here, for pyogrio's GDAL only. Import pyogrio from this module.
"""

from __future__ import annotations

import pyogrio

pyogrio.set_gdal_config_options({"GDAL_PAM_ENABLED": "NO"})

__all__ = ["pyogrio"]
