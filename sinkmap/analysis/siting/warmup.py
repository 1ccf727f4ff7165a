"""Compile the siting numba kernels ahead (issue 15), like the zonal kernels.

:func:`warm_up` compiles the kernels the analysis layer owns on tiny arrays: the candidate regions' component
labelling (:func:`~sinkmap.analysis.siting.regions.find_regions`) and the distance transform
(:func:`~sinkmap.analysis.siting.criteria.distance`). The streamed suitability engine's kernels need a plan
built by the ``site.suitability`` job; :func:`sinkmap.jobs._warmup.warm_up_all` runs that job's engine on the
demo world's smallest county as well. Everything is cached on disk (``cache=True``); only public functions
are called, nothing here is a kernel.
"""

from __future__ import annotations

from ...core.feedback import Feedback

#: A projected grid (GK 114E metres) inside 湖南.
CRS = "EPSG:4547"


def warm_up(feedback: Feedback | None = None) -> None:
    """Compile (or load) the region and distance kernels on a 24 × 24 raster."""
    import numpy as np
    from affine import Affine

    from ...core.feedback import ensure
    from .criteria import distance
    from .regions import find_regions, label_components

    feedback = ensure(feedback)
    transform = Affine(100.0, 0.0, 500_000.0, 0.0, -100.0, 2_850_000.0)
    score = np.zeros((24, 24), np.float32)
    score[4:12, 4:12] = 0.9
    score[14:20, 10:22] = 0.7
    find_regions(score, transform, CRS, threshold=0.6, max_area_ha=20.0)
    label_components(score > 0.6, connectivity=4)
    feedback.check()
    distance(score > 0.8, transform, CRS)
