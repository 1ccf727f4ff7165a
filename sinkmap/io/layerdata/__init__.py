"""Layer data as the map draws it: vector and raster layers read, prepared in the display CRS and cached,
raster headers probed, file kinds and roles guessed. No Qt (the window and products share it)."""
