"""In the Chinese interface Qt's own words are Chinese too: the OK / Cancel of the raster import
dialog, the Yes / No of the recovery question, file and colour dialogs (Qt ships qtbase_zh_CN.qm; it was
not loaded, so a Chinese user met English buttons in the middle of a Chinese window)."""

from __future__ import annotations

import numpy as np
import rasterio
from PySide6.QtWidgets import QDialogButtonBox
from rasterio.transform import from_origin


def test_standard_buttons_are_chinese_in_the_chinese_interface(app, qtbot, tmp_path):
    from sinkmap.gui.i18n import current_language
    from sinkmap.gui.raster_import_dialog import RasterImportDialog

    assert current_language() == "zh_CN"
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:4490",
                       transform=from_origin(112.0, 28.2, 0.01, 0.01)) as ds:
        ds.write(np.ones((4, 4), dtype=np.float32), 1)
    dialog = RasterImportDialog(path)
    qtbot.addWidget(dialog)
    box = dialog.findChild(QDialogButtonBox)
    texts = {box.button(b).text().replace("&", "") for b in (QDialogButtonBox.StandardButton.Ok,
                                                              QDialogButtonBox.StandardButton.Cancel)}
    assert not texts & {"OK", "Cancel"}, texts
    assert any("确定" in t for t in texts) and any("取消" in t for t in texts), texts
