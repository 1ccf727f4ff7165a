"""Pumped-storage hydro search on a DEM (see :mod:`sinkmap.analysis.phes.search`)."""
