"""Domain types, CRS policy, feedback (progress + cancel) and errors. Pure: no Qt, no file I/O."""
