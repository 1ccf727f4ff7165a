"""Field packages: one zip for QGIS/QField, 奥维, Google Earth and handheld GPS, offline (issue 13).

:func:`~sinkmap.export.package.build.build_package` writes it from a
:class:`~sinkmap.export.package.model.PackageSpec`; the job ``export.package``
(:mod:`sinkmap.jobs.export_package`) makes that spec from the CLI's or the app's parameters.
"""

from .build import PackageResult, build_package
from .model import Area, PackageSpec, PackedLayer, Provenance, SourceLayer

__all__ = ["Area", "PackageResult", "PackageSpec", "PackedLayer", "Provenance", "SourceLayer", "build_package"]
