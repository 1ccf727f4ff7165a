"""Sizes the zonal kernels and their callers share (kept apart from the numba module, so the callers and
the ahead-of-time compiled kernels need not import numba)."""

#: distinct unknown codes tracked per chunk; more are pooled into one "other" bin
MAX_UNKNOWN = 64
#: independent accumulator lanes: consecutive cells of a run go to different lanes, so adding to the
#: same (zone, class) bin does not wait on the previous add (a store-to-load chain per lane only)
LANES = 8
