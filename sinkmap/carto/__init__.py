"""Cartography without Qt: default styles, symbology, choropleth classes, colour ramps, viewport maths,
level of detail and the demo map. Used by the window (``sinkmap.gui``) and by products (``sinkmap.export``)."""
