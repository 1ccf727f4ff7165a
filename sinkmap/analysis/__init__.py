"""Computations: ledger, zonal engine, carbon, targets assessment (later: siting, pumped storage). No Qt."""
