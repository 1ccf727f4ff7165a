"""sinkmap: forest and wetland carbon-sink ledger and renewable siting for Hunan's carbon-peak plans.

Layout (dependencies flow one way, enforced by import-linter):
``gui | cli -> export | demo -> analysis -> io -> core``.
Only ``sinkmap.gui`` imports Qt.
"""

__version__ = "0.1.0"
