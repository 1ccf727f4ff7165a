"""Message templates: export (field packages, web map, PDF report, workbook). See :mod:`sinkmap.core.messages`."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
    "export.missing_package": M("the package {package} is not installed (it comes with the export extra)",
                                "未安装 {package} 包（随 export 附加依赖安装）",
                                "install it: pip install 'sinkmap[{extra}]'", "请安装：pip install 'sinkmap[{extra}]'"),
    "export.asset_missing": M("a file of the web map's assets is missing: {path}", "网页地图的资源文件缺失：{path}",
                              "reinstall the export extra", "请重新安装 export 附加依赖"),
    "export.font_face_missing": M("the font file {path} has no face named {family}", "字体文件 {path} 中没有 {family} 字形",
                                  "reinstall noto-cjk-sans-otc", "请重新安装 noto-cjk-sans-otc"),
    "export.layer_outside": M("file {path}, layer {layer!r}: no feature in the area; left off the map",
                              "文件 {path}，图层 {layer!r}：该范围内没有要素，未加入地图"),
    "export.layer_not_vector": M("file {path}: not a vector layer; left off the map ({detail})",
                                 "文件 {path}：不是矢量图层，未加入地图（{detail}）"),
    "export.map_page_failed": M("could not write the report's map page: {detail}", "无法写出报告的地图页：{detail}",
                                "check the free disk space and try again", "请检查磁盘空间后重试"),
    "export.impact_bad": M("file {path}: not a site-impact report ({detail})", "文件 {path}：不是场址影响报告（{detail}）",
                           "give the .json written by: sinkmap site impact … --out FILE.json",
                           "请给出 sinkmap site impact … --out 文件.json 写出的 .json 文件"),
    "export.no_units": M("no unit to report on", "没有可报告的统计单元", "give --city or --county", "请给出 --city 或 --county"),
    # -- export.package (sinkmap.export.package, sinkmap.jobs.export_package) ------------------------------
    "export.package.layer_empty": M("layer {layer!r} has no data in the area: left out of the package",
                                    "图层“{layer}”在该区域内没有数据：未放入数据包"),
    "export.package.shp_non_gbk": M(
        "layer {layer!r}, field {field!r}: {n} value(s) hold characters GBK cannot encode ({chars}); the Shapefile "
        "writes them as &#x…; codes (the GeoPackage, KMZ and GPX keep them as they are)",
        "图层“{layer}”，字段“{field}”：{n} 个值含 GBK 无法编码的字符（{chars}）；Shapefile 中写为 &#x…; 编码"
        "（GeoPackage、KMZ、GPX 中保持原样）"),
    "export.package.shp_truncated": M(
        "layer {layer!r}, field {field!r}: {n} value(s) longer than {limit} bytes were cut in the Shapefile "
        "(the GeoPackage keeps them whole)",
        "图层“{layer}”，字段“{field}”：{n} 个值超过 {limit} 字节，Shapefile 中已截断（GeoPackage 中完整保留）"),
    "export.package.control_chars": M(
        "layer {layer!r}, field {field!r}: {n} value(s) hold control characters, which XML cannot carry; the KMZ "
        "and the QGIS project show them as \N{REPLACEMENT CHARACTER}",
        "图层“{layer}”，字段“{field}”：{n} 个值含控制字符，XML 无法容纳；KMZ 与 QGIS 项目中显示为 \N{REPLACEMENT CHARACTER}"),
    "export.package.zone_straddle": M(
        "{area} spans two 3° Gauss–Krüger zones ({shares}); the Shapefiles are in {crs}, which holds most of it",
        "{area} 跨两个 3° 高斯-克吕格投影带（{shares}）；Shapefile 采用面积较大者 {crs}"),
    "export.package.no_ledger": M(
        "no forest, wetland or protected-area layer among the layers: the package holds no ledger units",
        "图层中没有森林、湿地或自然保护地图层：数据包中不含碳汇台账单元",
        "add such a layer (--layer FILE) or leave the layers out to package the demo world",
        "请加入此类图层（--layer 文件），或不指定图层以打包演示数据"),
    "export.package.no_layers": M("nothing to package: no layer has data in {area}", "没有可打包的内容：{area} 内没有任何图层数据",
                                  "choose another area or other layers", "请换一个区域或其他图层"),
    "export.package.not_a_project": M("cannot read the project: {detail}", "无法读取项目：{detail}"),
    "export.package.demo_no_data": M(
        "{area}: the synthetic demo world (packed when no layer is given) has no data for {units}; it covers only "
        "{covered}",
        "{area}：合成演示数据（未给出图层时打包）不含 {units} 的数据，它只覆盖 {covered}",
        "give your own layers (--layer FILE …, or --project FILE.sinkmap), or choose an area in {covered}",
        "请给出自己的图层（--layer 文件…，或 --project 项目.sinkmap），或选择 {covered} 内的区域"),
    "export.package.zones_empty": M("the zones file holds no polygon", "片区文件中没有面要素",
                                    "give a file of polygons (zones)", "请给出面图层（片区）文件"),
    # -- export.html / export.report: rasters and site footprints (branch export-more) ------------------------
    "export.raster_no_crs": M(
        "the raster has no coordinate reference system, so it cannot be placed on the map",
        "该栅格没有坐标系，无法放到地图上",
        "write the raster with its CRS (sinkmap's siting GeoTIFFs carry EPSG:4490), or give --crs EPSG:4490 if "
        "that is what it is", "请为栅格写入坐标系（sinkmap 的选址 GeoTIFF 均为 EPSG:4490），或在确知时给出 --crs EPSG:4490"),
    "export.raster_gcj02": M(
        "a raster cannot be read as GCJ-02 (the --crs given for layers without one): only vector layers are "
        "converted from GCJ-02", "栅格不能按 GCJ-02 读取（为无坐标系图层给出的 --crs）：只有矢量图层可从 GCJ-02 转换",
        "give the raster with its own CRS (CGCS2000, EPSG:4490), or export the GCJ-02 layers separately",
        "请使用自带坐标系（CGCS2000，EPSG:4490）的栅格，或将 GCJ-02 图层另行导出"),
    "export.raster_unreadable": M("cannot read the raster ({detail})", "无法读取该栅格（{detail}）",
                                  "check that the file is a complete GeoTIFF", "请检查该文件是否为完整的 GeoTIFF"),
    "export.raster_outside": M("file {path}: the raster does not meet the area; left off the map",
                               "文件 {path}：栅格与该范围不相交，未加入地图"),
    "export.sites_not_on_map": M(
        "scenario {scenario}: no footprint on the map for {sites}; the table marks them —",
        "情景 {scenario}：地图上没有 {sites} 的占地范围，表中以“—”标注",
        "give the site layer as well (--layer SITES.gpkg, or the .gpkg written by site impact --out)",
        "请同时给出场址图层（--layer 场址.gpkg，或 site impact --out 写出的 .gpkg）"),
}
