"""Issue 10, found by clicking through the app: filter as you type, the project lifecycle (save prompt,
clean quit, new project, clear selection, identify highlight), raster roles and ramps, import CRS offers."""

from __future__ import annotations

import pytest

from sinkmap.core.project import LayerSpec, Style


@pytest.fixture
def window(drawn_window, counties_gpkg):
    return drawn_window([LayerSpec(name="县界", path=str(counties_gpkg), layer="counties", role="boundary",
                                   style=Style())])


def test_attribute_filter_as_you_type_with_hint(app, qtbot, window):
    lid = window.registry.project.layers[0].id
    table = window.open_attribute_table(lid)
    assert table.filter.placeholderText()  # says what typing does
    table.filter.setText("乙")  # typed, no Enter (keyClicks cannot type CJK)
    qtbot.waitUntil(lambda: table.model.rowCount() == 1, timeout=3000)
    table.filter.clear()
    qtbot.waitUntil(lambda: table.model.rowCount() == 2, timeout=3000)
