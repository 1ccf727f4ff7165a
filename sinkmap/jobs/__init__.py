"""Jobs: whole user-level operations (QGIS-Processing style) shared by the CLI and the GUI: request in, report out."""
