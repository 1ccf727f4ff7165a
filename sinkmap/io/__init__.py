"""Reading and writing: vectors, rasters, encodings, CRS detection, GCJ-02 edges, the layers/ catalogue."""
