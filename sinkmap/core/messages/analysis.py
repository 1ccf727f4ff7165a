"""Message templates: analysis. See :mod:`sinkmap.core.messages` (codes are 'analysis.…' where possible)."""

from __future__ import annotations

from . import M

_GIVE_CRS_EN = ("give the CRS (EPSG:4490 for CGCS2000 lon/lat, EPSG:4545-4547 for 3° zones), e.g. with --crs "
                "or a .prj file")
_GIVE_CRS_ZH = "请指定坐标系（CGCS2000 经纬度为 EPSG:4490，3 度带投影为 EPSG:4545–4547），例如用 --crs 或 .prj 文件"

MESSAGES: dict[str, M] = {
    # -- both ledgers (sinkmap.analysis.ledger_core) --------------------------------------------------------
    "analysis.crs.missing": M("the layer has no CRS", "图层没有坐标系", _GIVE_CRS_EN, _GIVE_CRS_ZH),
    "analysis.crs.unusable": M("its CRS {crs} cannot be transformed ({detail})",
                               "坐标系 {crs} 无法转换（{detail}）", _GIVE_CRS_EN, _GIVE_CRS_ZH),
    "analysis.ledger.no_units": M("no units to compute the ledger for", "没有可计算台账的行政单元",
                                  "choose a province, city, county or zone file", "请选择省、市、区县或区域文件"),
    "analysis.ledger.units_unnamed": M("the units have no 'name' field", "行政单元没有“name”字段",
                                       "give each zone a name", "请为每个区域命名"),
    "analysis.ledger.rollup_partial.county": M(
        "{unit}: its {n} county unit(s) cover {cover} of it, so it is computed directly rather than summed",
        "{unit}：其 {n} 个区县只覆盖其面积的 {cover}，因此直接计算，而不由区县汇总"),
    "analysis.ledger.rollup_partial.city": M(
        "{unit}: its {n} city unit(s) cover {cover} of it, so it is computed directly rather than summed",
        "{unit}：其 {n} 个市州只覆盖其面积的 {cover}，因此直接计算，而不由市州汇总"),
    "analysis.ledger.no_raster": M("no raster to compute the ledger from", "没有可计算台账的栅格",
                                   "pass --landcover FILE and/or --stock-raster FILE",
                                   "请指定土地覆盖栅格（--landcover）和/或蓄积量栅格（--stock-raster）"),
    "analysis.ledger.bad_area_source": M("area_source must be 'geometry' or 'field', not {value!r}",
                                         "面积来源（area_source）应为 'geometry' 或 'field'，而不是 {value!r}"),
    # -- the vector ledger (sinkmap.analysis.ledger) -----------------------------------------------------
    "analysis.ledger.no_geometry": M("layer {label!r}: {n} features without geometry are skipped",
                                     "图层“{label}”：{n} 个没有几何的要素已跳过"),
    "analysis.ledger.repaired": M("layer {label!r}: {n} invalid geometries (self-intersections…) were repaired",
                                  "图层“{label}”：已修复 {n} 个无效几何（自相交等）"),
    "analysis.ledger.no_overlap": M(
        "layer {label} does not overlap {units}: its extent is {extent}, the units' is {units_extent}",
        "图层 {label} 与 {units} 不重叠：图层范围为 {extent}，行政单元范围为 {units_extent}",
        "check the CRS (GCJ-02? projected coordinates read as degrees? a missing .prj?) or the county chosen",
        "请检查坐标系（是否为 GCJ-02？投影坐标被当作经纬度？缺少 .prj 文件？）或所选区县"),
    "analysis.ledger.no_land_class": M("no land-class (地类) field found", "未找到地类字段",
                                       "map it with --field land_class=FIELD; the layer's fields are: {fields}",
                                       "请用 --field land_class=字段名 指定；该图层的字段有：{fields}"),
    "analysis.ledger.scheme_unsure": M(
        "layer {label!r}: only {share} of the values of {column} are codes of any known scheme "
        "(best: {scheme}) — choose the scheme or a custom scheme file",
        "图层“{label}”：字段 {column} 的值只有 {share} 是已知分类体系的编码（最接近：{scheme}）"
        "——请选择分类体系或自定义分类文件"),
    "analysis.ledger.unknown_land_class": M(
        "layer {label!r}: {n} features have {column} values the scheme {scheme} does not know ({codes}): counted "
        "as unclassified (not forest, no stock)",
        "图层“{label}”：{n} 个要素的 {column} 值不在分类体系 {scheme} 中（{codes}），计为未分类（不算森林，无蓄积）"),
    "analysis.ledger.canopy_percent": M("layer {label!r}: canopy field {column} has values above 1: read as percent",
                                        "图层“{label}”：郁闭度字段 {column} 有大于 1 的值，按百分数读取"),
    "analysis.ledger.no_area_field": M("area_source is 'field' but the layer has no area field",
                                       "面积来源设为字段，但该图层没有面积字段",
                                       "map it with --field area=FIELD or use the geometry area",
                                       "请用 --field area=字段名 指定，或改用几何面积"),
    "analysis.ledger.area_unit_unknown": M(
        "layer {label!r}: the unit of area field {column} is unknown: the geometry area is used",
        "图层“{label}”：面积字段 {column} 的单位未知，改用几何面积"),
    "analysis.ledger.area_missing": M("layer {label!r}: {n} features have no {column}: geometry area used",
                                      "图层“{label}”：{n} 个要素没有 {column} 值，改用几何面积"),
    "analysis.ledger.no_stock_field": M(
        "layer {label!r}: no stock field (per-hectare or per-subcompartment) found: 森林蓄积量, 活立木蓄积量 and "
        "carbon are left empty — map one with --field stock_per_ha=FIELD",
        "图层“{label}”：未找到蓄积量字段（每公顷或每小班），森林蓄积量、活立木蓄积量和碳储量留空"
        "——请用 --field stock_per_ha=字段名 指定"),
    "analysis.ledger.tree_no_stock": M("layer {label!r}: {n} 乔木林 features have no stock value: counted as 0",
                                       "图层“{label}”：{n} 个乔木林要素没有蓄积量，按 0 计"),
    "analysis.ledger.species_unknown": M(
        "layer {label!r}: {n} features with stock have a species the carbon table does not know ({species}): "
        "their carbon uses the default type {default} — add aliases to {table}",
        "图层“{label}”：{n} 个有蓄积的要素的树种不在碳计量参数表中（{species}），其碳储量按默认类型“{default}”计算"
        "——请在 {table} 中添加别名"),
    "analysis.ledger.no_species_field": M(
        "layer {label!r}: {n} features with stock have no species (优势树种) field: their carbon uses the default "
        "type {default} — map one with --field species=FIELD",
        "图层“{label}”：{n} 个有蓄积的要素没有优势树种字段，其碳储量按默认类型“{default}”计算"
        "——请用 --field species=字段名 指定"),
    "analysis.ledger.unknown_wetland_class": M(
        "layer {label!r}: {n} features have {column} values {scheme} does not know ({codes}): not counted as wetland",
        "图层“{label}”：{n} 个要素的 {column} 值不在 {scheme} 中（{codes}），不计为湿地"),
    "analysis.ledger.forest_not_reached": M("layer {label!r} does not reach {unit}: its forest values are left empty",
                                            "图层“{label}”未覆盖 {unit}：其森林指标留空"),
    "analysis.ledger.wetland_not_reached": M("layer {label!r} does not reach {unit}: its wetland values are left empty",
                                             "图层“{label}”未覆盖 {unit}：其湿地指标留空"),
    "analysis.ledger.no_protected": M("no protected-area layer: 湿地保护率 is left empty",
                                      "没有自然保护地图层：湿地保护率留空"),
    # -- carbon factors (sinkmap.analysis.carbon) ---------------------------------------------------------
    "analysis.carbon.table_missing": M("carbon factor table not found", "未找到碳计量参数表"),
    "analysis.carbon.table_invalid": M(
        "not a valid carbon factor table ({detail})", "不是有效的碳计量参数表（{detail}）",
        "each row of 'types' needs type, svd, bef, r, cf and source; see layers/carbon_factors.yaml",
        "“types”的每一行都需要 type、svd、bef、r、cf 和 source，参见 layers/carbon_factors.yaml"),
    "analysis.carbon.types_undefined": M(
        "carbon factor table refers to types it does not define: {types}", "碳计量参数表引用了未定义的类型：{types}",
        "every alias and the default_type must name a row of 'types'",
        "每个别名和 default_type 都必须对应“types”中的一行"),
    "analysis.carbon.species_defaulted": M(
        "{n} feature(s) have a species the carbon table does not know ({species}): they use the default type "
        "{default} — add aliases in {table}",
        "{n} 个要素的树种不在碳计量参数表中（{species}），按默认类型“{default}”计算——请在 {table} 中添加别名"),
    "analysis.carbon.species_defaulted_in": M(
        "{label}: {n} feature(s) have a species the carbon table does not know ({species}): they use the default "
        "type {default} — add aliases in {table}",
        "{label}：{n} 个要素的树种不在碳计量参数表中（{species}），按默认类型“{default}”计算——请在 {table} 中添加别名"),
    # -- field mapping (sinkmap.analysis.fieldmap) --------------------------------------------------------
    "analysis.fieldmap.table_invalid": M("not a valid field-name table ({detail})", "不是有效的字段名对照表（{detail}）",
                                         "see layers/fieldmap.yaml: kind → key → list of candidate names",
                                         "参见 layers/fieldmap.yaml：图层类型 → 键 → 候选字段名列表"),
    "analysis.fieldmap.bad_area_unit": M("area_unit must be one of {units}, not {value!r}",
                                         "面积单位（area_unit）应为 {units} 之一，而不是 {value!r}"),
    "analysis.fieldmap.unknown_key": M("unknown field key {key!r} for a {kind} layer", "{kind} 图层没有字段键 {key!r}",
                                       "use one of {keys} (or area_unit)", "请使用 {keys}（或 area_unit）之一"),
    "analysis.fieldmap.no_such_field": M("the layer has no field {field!r} (given for {key})",
                                         "图层没有字段 {field!r}（指定给 {key}）",
                                         "the layer's fields are: {available}", "该图层的字段有：{available}"),
    "analysis.fieldmap.area_unusable": M("layer {layer!r}, field {field!r}: no usable area values; the geometry "
                                         "area is used", "图层“{layer}”，字段“{field}”：没有可用的面积值，改用几何面积"),
    "analysis.fieldmap.area_unit_read": M(
        "layer {layer!r}, field {field!r}: values sum to {ratio} × the geometry area in ha, so they are read "
        "as {unit_name}",
        "图层“{layer}”，字段“{field}”：数值之和为几何面积（公顷）的 {ratio} 倍，按 {unit_name} 读取"),
    "analysis.fieldmap.area_unit_unknown": M(
        "layer {layer!r}, field {field!r}: values sum to {ratio} × the geometry area in ha, which fits "
        "neither 公顷 (1) nor 亩 (15): the geometry area is used — if the field is right, give its unit with "
        "--field area_unit=ha|mu (area_unit in the Python overrides)",
        "图层“{layer}”，字段“{field}”：数值之和为几何面积（公顷）的 {ratio} 倍，既不像公顷（1）也不像亩（15），"
        "改用几何面积——如字段无误，请用 --field area_unit=ha|mu 指定其单位"),
    "analysis.fieldmap.not_numbers": M(
        "{n} values of field {column} in layer {label} are not numbers ({examples})",
        "图层“{label}”：字段 {column} 有 {n} 个值不是数字（{examples}）",
        "replace them with numbers (or leave them empty for 'no value'), or map another field, e.g. "
        "--field stock_per_ha=FIELD",
        "请改为数字（无值则留空），或指定其他字段，例如 --field stock_per_ha=字段名"),
    "analysis.fieldmap.not_numbers_missing": M(
        "{n} values of field {column} in layer {label} are not numbers ({examples}): they are treated as missing",
        "图层“{label}”：字段 {column} 有 {n} 个值不是数字（{examples}），按缺失处理"),
    # -- the zonal engine (sinkmap.analysis.zonal) ---------------------------------------------------------
    "analysis.zonal.no_zones": M("no zones to summarise the raster over", "没有用于统计栅格的区域",
                                 "pass at least one polygon", "请至少提供一个多边形"),
    "analysis.zonal.not_polygons": M("zones must be polygons (found {kinds})", "区域必须是多边形（实际为 {kinds}）",
                                     "buffer lines/points or pick a polygon layer", "请对线或点做缓冲，或选择面图层"),
    "analysis.zonal.no_overlap": M(
        "the raster does not overlap any of the zones", "栅格与所有区域都不重叠",
        "zones span {zones} (EPSG:4490); raster bounds {bounds} in its own CRS — check the raster's CRS is right "
        "(a wrong CRS puts it elsewhere) and that it covers the area",
        "区域范围 {zones}（EPSG:4490），栅格范围 {bounds}（栅格自身坐标系）——请检查栅格坐标系是否正确"
        "（坐标系错误会使栅格落在别处），以及栅格是否覆盖该区域"),
    "analysis.zonal.outside_raster": M("{n} zone(s) lie entirely outside the raster: {zones}",
                                       "{n} 个区域完全在栅格范围之外：{zones}"),
    "analysis.zonal.landcover_dtype": M("a land-cover raster cannot be {dtype}", "土地覆盖栅格不能是 {dtype} 类型",
                                        "use an integer raster of class codes", "请使用以分类编码表示的整数栅格"),
    "analysis.zonal.unclassified": M(
        "{n} raster code(s) not in the scheme {scheme!r}, counted as unclassified — {codes} (check the --scheme "
        "matches the raster, or add the codes to a scheme file)",
        "{n} 个栅格编码不在分类体系“{scheme}”中，计为未分类——{codes}（请检查所选分类体系与栅格是否相符，或把这些编码加入分类文件）"),
    "analysis.zonal.refused_values": M(
        "raster {path}: {n:,} cell(s) inside the zones hold {what}; they were treated as nodata (left out of the "
        "sums). Check how the raster was made (a nodata value not declared in the file is a common cause) and "
        "set its nodata value, e.g. gdal_edit.py -a_nodata -9999 FILE",
        "栅格 {path}：区域内有 {n:,} 个像元为{what}，已按无数据处理（不计入合计）。请检查栅格的生成方式"
        "（常见原因是文件未声明无数据值），并设置无数据值，如 gdal_edit.py -a_nodata -9999 文件"),
    "analysis.zonal.refused_negative": M("negative or infinite values (a density cannot be below 0)",
                                         "负值或无穷大（密度不可能小于 0）"),
    "analysis.zonal.refused_inf": M("infinite values", "无穷大"),
    "analysis.zonal.nodata_everywhere": M(
        "{n} zone(s) are nodata everywhere in the raster: {zones} (their ratios are left empty)",
        "{n} 个区域在栅格中处处为无数据：{zones}（其比例留空）"),
    "analysis.zonal.beyond_raster": M("{n} zone(s) extend beyond the raster (part outside: {zones})",
                                      "{n} 个区域超出栅格范围（超出部分：{zones}）"),
    "analysis.zonal.too_many_values": M(
        "the land-cover raster holds more than 65535 distinct values in rows near {shape}",
        "土地覆盖栅格在 {shape} 附近的行中有超过 65535 个不同的值",
        "is it really a class raster? use zonal_sum for continuous data",
        "它真的是分类栅格吗？连续数据请用 zonal_sum"),
    "analysis.zonal.no_ellipsoid": M("the raster's geographic CRS has no ellipsoid", "栅格的地理坐标系没有椭球体",
                                     "assign a complete CRS such as EPSG:4490", "请指定完整的坐标系，如 EPSG:4490"),
    "analysis.zonal.bad_latitudes": M("the raster's latitudes go beyond ±90°: its CRS is probably not lon/lat",
                                      "栅格的纬度超出 ±90°，其坐标系可能不是经纬度",
                                      "assign the CRS the raster was made in", "请指定栅格制作时所用的坐标系"),
    "analysis.zonal.no_area_scale": M("cannot compute the area scale of the raster's projection ({detail})",
                                      "无法计算栅格投影的面积比例（{detail}）",
                                      "warp the raster to EPSG:4490 or an equal-area CRS",
                                      "请将栅格重投影到 EPSG:4490 或等积投影"),
    # -- Dask (sinkmap.analysis.zonal.dask_backend) ------------------------------------------------------
    "analysis.dask.not_installed": M("running on a Dask cluster needs dask.distributed",
                                     "在 Dask 集群上运行需要 dask.distributed",
                                     "pip install 'sinkmap[cluster]' (or 'dask[distributed]')",
                                     "请安装：pip install 'sinkmap[cluster]'（或 'dask[distributed]'）"),
    "analysis.dask.workers_and_scheduler": M("give either --workers or --scheduler, not both",
                                             "--workers 和 --scheduler 只能指定其一"),
    "analysis.dask.bad_address": M("--scheduler {scheduler!r} is not a Dask scheduler address",
                                   "--scheduler “{scheduler}”不是 Dask 调度器地址",
                                   "give it as tcp://HOST:PORT, e.g. tcp://192.168.1.20:8786 (the address "
                                   "'dask scheduler' prints when it starts)",
                                   "请写成 tcp://主机:端口，如 tcp://192.168.1.20:8786（即“dask scheduler”启动时显示的地址）"),
    "analysis.dask.unreachable": M("cannot reach the Dask scheduler at {scheduler} within {seconds} s ({detail})",
                                   "在 {seconds} 秒内无法连接 Dask 调度器 {scheduler}（{detail}）",
                                   "check the address (tcp://HOST:8786) and that 'dask scheduler' is running",
                                   "请检查地址（tcp://主机:8786）以及“dask scheduler”是否在运行"),
    "analysis.dask.bad_workers": M("--workers must be at least 1 (got {workers})", "--workers 至少为 1（实际为 {workers}）"),
    "analysis.dask.failed": M("the Dask run failed ({error}: {detail})", "Dask 运行失败（{error}：{detail}）",
                              "every worker must read the raster at the same path and have sinkmap installed",
                              "每个工作进程都须能以相同路径读取栅格，并已安装 sinkmap"),
    # -- siting: terrain, criteria, AHP, suitability, regions (sinkmap.analysis.siting) -------------------------
    "analysis.siting.not_2d": M("raster {what!r} must be a 2-D array (got shape {shape})",
                                "栅格“{what}”必须是二维数组（实际形状 {shape}）"),
    "analysis.siting.shape_mismatch": M("raster {what!r} has shape {shape}, the grid has {expected}",
                                        "栅格“{what}”的形状为 {shape}，而网格为 {expected}",
                                        "resample all rasters onto one grid first", "请先将所有栅格重采样到同一网格"),
    "analysis.siting.no_crs": M("the grid has no usable CRS ({detail})", "栅格没有可用的坐标系（{detail}）",
                                _GIVE_CRS_EN, _GIVE_CRS_ZH),
    "analysis.siting.rotated_grid": M("the grid is rotated or sheared (transform {transform})",
                                      "栅格有旋转或错切（仿射变换 {transform}）",
                                      "warp it to a north-up grid first", "请先重投影为正北朝上的栅格"),
    "analysis.siting.no_ellipsoid": M("the grid's geographic CRS has no ellipsoid", "栅格的地理坐标系没有椭球体",
                                      "assign a complete CRS such as EPSG:4490", "请指定完整的坐标系，如 EPSG:4490"),
    "analysis.siting.bad_latitudes": M("the grid's latitudes go beyond ±90°: its CRS is probably not lon/lat",
                                       "栅格的纬度超出 ±90°，其坐标系可能不是经纬度",
                                       "assign the CRS the raster was made in", "请指定栅格制作时所用的坐标系"),
    "analysis.siting.dem_too_small": M("the DEM is {shape}: slope needs at least 3 × 3 cells",
                                       "DEM 大小为 {shape}：计算坡度至少需要 3 × 3 个像元"),
    "analysis.siting.distance_needs_metric": M(
        "distances need a grid in a projected CRS with metre units (this grid is {crs})",
        "距离计算需要以米为单位的投影坐标系栅格（此栅格为 {crs}）",
        "warp the raster to an equal-area or metric CRS, e.g. CGCS2000 / 3-degree Gauss-Kruger (EPSG:4545-4547)",
        "请将栅格重投影到等积或以米为单位的坐标系，如 CGCS2000 3 度带高斯-克吕格投影（EPSG:4545–4547）"),
    "analysis.siting.bad_interval": M("criterion {name}: the lower value {lo} must be below the upper value {hi}",
                                      "准则 {name}：下限值 {lo} 必须小于上限值 {hi}"),
    "analysis.siting.bad_breaks": M("criterion {name}: the break values {values} must increase strictly",
                                    "准则 {name}：分段值 {values} 必须严格递增"),
    "analysis.siting.score_out_of_range": M("criterion {name}: score {score} is outside 0–1",
                                            "准则 {name}：得分 {score} 不在 0–1 之间"),
    "analysis.siting.ahp_not_square": M("the pairwise-comparison matrix must be square (got shape {shape})",
                                        "两两比较矩阵必须是方阵（实际形状 {shape}）"),
    "analysis.siting.ahp_names": M("{n_names} criterion name(s) for a {n} × {n} comparison matrix",
                                   "{n} × {n} 的比较矩阵给出了 {n_names} 个准则名称"),
    "analysis.siting.ahp_not_positive": M("comparison {row} vs {col} is {value}: every judgement must be a positive "
                                          "number", "{row} 与 {col} 的比较值为 {value}：每个判断值必须为正数",
                                          "use Saaty's scale 1/9 … 9", "请使用 Saaty 标度 1/9 … 9"),
    "analysis.siting.ahp_diagonal": M("comparison {row} vs itself is {value}, it must be 1",
                                      "{row} 与自身的比较值为 {value}，必须为 1"),
    "analysis.siting.ahp_not_reciprocal": M(
        "comparisons {row} vs {col} ({value}) and {col} vs {row} ({reverse}) are not reciprocal",
        "{row} 与 {col} 的比较值（{value}）和 {col} 与 {row} 的比较值（{reverse}）不互为倒数",
        "enter {col} vs {row} as 1/{value}", "请将 {col} 与 {row} 的比较值填为 1/{value}"),
    "analysis.siting.ahp_inconsistent": M(
        "the comparisons are inconsistent: consistency ratio {cr} is above 0.1 (the least consistent judgement is "
        "{row} vs {col} = {value}; the weights suggest about {implied})",
        "两两比较不一致：一致性比率 {cr} 大于 0.1（最不一致的判断是 {row} 与 {col} = {value}；权重所对应的值约为 {implied}）",
        "revise the judgements until the ratio is at most 0.1", "请修改判断值，直到一致性比率不大于 0.1"),
    "analysis.siting.ahp_no_ri": M("no random index for {n} criteria (Saaty's table stops at 10): the consistency "
                                   "ratio is not computed", "没有 {n} 个准则的随机一致性指标（Saaty 表只到 10）：未计算一致性比率",
                                   "group the criteria into a hierarchy of at most 10 per level",
                                   "请将准则分层，每层不超过 10 个"),
    "analysis.siting.weights_names": M("the weights name {names}, the criteria are {criteria}",
                                       "权重对应 {names}，而准则为 {criteria}"),
    "analysis.siting.weights_negative": M("weight of {name} is {value}: weights must not be negative",
                                          "{name} 的权重为 {value}：权重不能为负"),
    "analysis.siting.weights_sum": M("the weights sum to {total}, not 1", "权重之和为 {total}，而不是 1",
                                     "rescale them or derive them with AHP", "请重新调整权重，或用层次分析法（AHP）推导"),
    "analysis.siting.no_criteria": M("no criteria to combine", "没有可合并的准则"),
    "analysis.siting.bad_method": M("unknown combination method {method!r} (use 'sum' or 'product')",
                                    "未知的合并方法“{method}”（请用 'sum' 或 'product'）"),
    "analysis.siting.criterion_out_of_range": M(
        "criterion {name} has scores from {low} to {high}: scored criteria must lie within 0–1",
        "准则 {name} 的得分范围为 {low} 至 {high}：评分后的准则必须在 0–1 之间",
        "transform it with sinkmap.analysis.siting.criteria first", "请先用 sinkmap.analysis.siting.criteria 转换"),
    "analysis.siting.inclusion_out_of_range": M("the inclusion raster holds values from {low} to {high}, not 0–1",
                                                "纳入栅格的取值范围为 {low} 至 {high}，而不是 0–1"),
    "analysis.siting.bad_threshold": M("score threshold {value} is outside 0–1", "得分阈值 {value} 不在 0–1 之间"),
    "analysis.siting.bad_sizes": M("minimum region size {low} ha is above the maximum {high} ha",
                                   "最小区域面积 {low} 公顷大于最大面积 {high} 公顷"),
    "analysis.siting.bad_oversize": M("unknown handling {value!r} for oversized regions (use 'split' or 'drop')",
                                      "未知的超大区域处理方式“{value}”（请用 'split' 或 'drop'）"),
    "analysis.siting.unknown_technology": M("no power density for technology {technology!r} (known: {known})",
                                            "没有技术“{technology}”的功率密度（已知：{known}）",
                                            "give power_density in MW/km²", "请以 MW/km² 为单位给出 power_density"),
    "analysis.siting.bad_power_density": M("power density {value} MW/km² must be positive",
                                           "功率密度 {value} MW/km² 必须为正数"),
    "analysis.siting.goal_both": M("give a capacity goal or an area goal, not both",
                                   "容量目标和面积目标只能指定其一"),
    "analysis.siting.goal_not_met": M(
        "all candidate regions together reach {reached} of the goal {goal}",
        "全部候选区域合计仅达到目标 {goal} 中的 {reached}",
        "lower the score threshold or the minimum region size", "请降低得分阈值或最小区域面积"),
    "analysis.siting.no_regions": M("no cells score at least {threshold}", "没有得分不低于 {threshold} 的像元"),
    # -- siting: impact of sites (sinkmap.analysis.siting.impact) ----------------------------------------
    "analysis.siting.empty_site": M("site {n} has no geometry", "第 {n} 个场址没有几何图形",
                                    "draw the site again or remove it from the layer", "请重新绘制该场址或从图层中删除"),
    "analysis.siting.point_needs_tech": M("site {n} is a point: its footprint needs a technology",
                                          "第 {n} 个场址为点：需指定技术类型才能确定占地",
                                          "give --tech ({techs}) or draw the site as a polygon",
                                          "请指定 --tech（{techs}），或将场址绘制为面"),
    "analysis.siting.not_polygon_or_point": M("site {n} is a {geom_type}: a site is a polygon or a point",
                                              "第 {n} 个场址为 {geom_type}：场址须为面或点",
                                              "draw the site as a polygon or a point", "请将场址绘制为面或点"),
    "analysis.siting.status.met": M("met", "达标"),
    "analysis.siting.status.within_band": M("within the 左右 band", "在“左右”区间内"),
    "analysis.siting.status.short": M("short", "未达标"),
    "analysis.siting.status.no_target": M("no target", "无目标"),
    "analysis.siting.status.no_data": M("no data", "无数据"),
    "analysis.siting.status.city_total": M("city-wide total", "全市总量"),
    "analysis.siting.falls_short": M(
        "{unit} {year} {indicator} falls below {target} {target_unit} (short by {gap} {gap_unit}; "
        "{before} → {after}, was {status_before})",
        "{unit} {year} 年{indicator}降至 {target} {target_unit} 以下（差 {gap} {gap_unit}；{before} → {after}，"
        "原为{status_before}）"),
    "analysis.siting.status_change": M(
        "{unit} {year} {indicator} (target {target} {target_unit}): {status_before} → {status_after} "
        "({before} → {after})",
        "{unit} {year} 年{indicator}（目标 {target} {target_unit}）：{status_before} → {status_after}"
        "（{before} → {after}）"),
    # -- siting rules and exclusions (sinkmap.analysis.siting) ----------------------------------------------
    "analysis.siting.rules.unreadable": M("cannot read the siting rules ({detail})", "无法读取选址规则（{detail}）"),
    "analysis.siting.rules.bad_yaml": M("the siting rules are not valid YAML ({detail})", "选址规则不是有效的 YAML（{detail}）",
                                        "check indentation and quotes around codes like \"0101\"",
                                        "请检查缩进，以及“0101”之类代码两侧的引号"),
    "analysis.siting.rules.no_list": M("the siting rules file has no 'rules:' list", "选址规则文件没有“rules:”列表",
                                       "write the rules as a list under 'rules:'", "请在“rules:”下以列表写出规则"),
    "analysis.siting.rules.not_mapping": M("rule #{number} is not a mapping of fields", "第 {number} 条规则不是字段映射"),
    "analysis.siting.rules.missing": M("rule {rule}: '{key}' is missing (it takes {expected})",
                                       "规则 {rule}：缺少“{key}”（应为 {expected}）"),
    "analysis.siting.rules.bad_value": M("rule {rule}: '{key}' is {value}; it takes {expected}",
                                         "规则 {rule}：“{key}”为 {value}，应为 {expected}"),
    "analysis.siting.rules.unknown_key": M("rule {rule}: unknown field '{key}' (known: {known})",
                                           "规则 {rule}：未知字段“{key}”（可用：{known}）"),
    "analysis.siting.rules.duplicate": M("rule {rule} is given twice in the same file", "规则 {rule} 在同一文件中出现两次",
                                         "give each rule its own id; a user file replaces a bundled rule by id",
                                         "每条规则应有自己的 id；用户文件按 id 替换内置规则"),
    "analysis.siting.rules.too_many": M("{n} rules apply to {tech}; the bitmask holds at most {limit}",
                                        "适用于 {tech} 的规则有 {n} 条，位掩码最多容纳 {limit} 条",
                                        "switch rules off with 'enabled: false' in a user rules file",
                                        "请在用户规则文件中以“enabled: false”停用部分规则"),
    "analysis.siting.rules.none": M("no siting rule applies to {tech}", "没有适用于 {tech} 的选址规则"),
    "analysis.siting.rule.no_layer": M("rule {rule} ({document}) not applied: no {role} layer was given",
                                       "规则 {rule}（{document}）未执行：未提供“{role}”图层"),
    "analysis.siting.rule.no_field": M("rule {rule} ({document}) not applied: the {role} layer has no field '{column}' "
                                       "(fields: {fields})",
                                       "规则 {rule}（{document}）未执行：“{role}”图层没有字段“{column}”（现有字段：{fields}）",
                                       "map the field with a user rules file (same id, another 'field')",
                                       "可在用户规则文件中以相同 id 改写“field”"),
    "analysis.siting.rule.not_numeric": M("rule {rule}: field '{column}' of the {role} layer has values that are not "
                                          "numbers ({value}); they are taken as not matching",
                                          "规则 {rule}：“{role}”图层字段“{column}”含非数值（{value}），按不符合处理"),
    "analysis.siting.rule.raster_field": M("rule {rule}: the {role} layer is a raster; 'where' takes only 'values'",
                                           "规则 {rule}：“{role}”图层为栅格，“where”只能使用“values”"),
    "analysis.siting.empty": M("nothing is left of {unit} for {tech}: removed by {rules}",
                               "{unit} 已无可用于 {tech} 的区域：被 {rules} 排除"),
    "analysis.siting.grid.no_overlap": M("the DEM does not cover {unit}", "DEM 未覆盖 {unit}",
                                         "give a DEM that covers the unit, or a resolution instead",
                                         "请提供覆盖该单元的 DEM，或改为指定分辨率"),
    "analysis.siting.grid.too_large": M("the grid of {unit} would have {cells} cells (limit {limit})",
                                        "{unit} 的栅格将有 {cells} 个像元（上限 {limit}）",
                                        "use a coarser resolution or a smaller unit", "请使用较粗的分辨率或较小的单元"),
    "analysis.siting.grid.no_source": M("give a DEM or a resolution for the grid", "请为栅格指定 DEM 或分辨率"),
    "analysis.siting.bad_contiguity": M("contiguity must be rook or queen, not {value}",
                                        "连通方式应为 rook 或 queen，而不是 {value}"),
    # -- siting: the row-block engine (sinkmap.analysis.siting.stream) --------------------------------------------
    "analysis.siting.stream.no_room": M("not enough free space in {folder} for {path}: the {cells} cells need about "
                                        "{need} GiB, {free} GiB are free",
                                        "{folder} 剩余空间不足以写出 {path}：{cells} 个像元约需 {need} GiB，现有 {free} GiB",
                                        "free some space, write to another disk, or use a coarser resolution",
                                        "请释放空间、写到其他磁盘，或使用较粗的分辨率"),
    # -- siting: criteria curves from the weights file (sinkmap.analysis.siting.settings) -------------------
    "analysis.siting.criteria.unknown": M(
        "criteria: no criterion {name!r} for {tech} (its criteria: {known})",
        "criteria：{tech} 没有准则“{name}”（其准则为：{known}）",
        "use one of the names listed", "请使用所列名称之一"),
    "analysis.siting.criteria.unknown_key": M("unknown key {key!r} (known here: {known})",
                                              "未知的键“{key}”（此处可用：{known}）"),
    "analysis.siting.criteria.bad_value": M("{key} is {value}; it takes {expected}",
                                            "{key} 为 {value}；应为 {expected}"),
    "analysis.siting.criteria.wrong_transform": M(
        "{key}: a {kind} criterion does not take this transform (it takes: {allowed})",
        "{key}：{kind} 类准则不能使用此变换（可用：{allowed}）"),
    "analysis.siting.criteria.no_transform": M("criterion {name}: no transform to score it with",
                                               "准则 {name}：没有可用的评分变换"),
    # -- pumped-storage search (sinkmap.analysis.phes) -----------------------------------------------------
    "analysis.phes.dem_all_void": M("DEM {path}: every cell is nodata", "DEM {path}：全部像元均为无数据",
                                    "check the file and its nodata value", "请检查文件及其无数据值"),
    "analysis.phes.dem_too_small": M("DEM {path} is {rows} × {cols} cells with {area_ha} ha of data: smaller than one "
                                     "reservoir (a dam site needs a stream draining at least {need_ha} ha and room "
                                     "for a lake and its walls)",
                                     "DEM {path} 为 {rows} × {cols} 像元，有效面积 {area_ha} 公顷：容不下一座水库（坝址须在汇水"
                                     "面积不少于 {need_ha} 公顷的河道上，并有库盆和坝体的位置）",
                                     "give a DEM covering the valleys around the site (a 1° tile, or the county with a "
                                     "margin)", "请提供覆盖站址周围山谷的 DEM（1° 图幅，或区县及其外延）"),
    "analysis.phes.dem_too_large": M("DEM {path}: {rows} × {cols} = {cells} cells to search at once (at most {limit})",
                                     "DEM {path}：一次搜索 {rows} × {cols} = {cells} 个像元（上限 {limit}）",
                                     "search by county (--county) or by 1° tile", "请按区县（--county）或按 1° 图幅搜索"),
    "analysis.phes.dem_no_coverage": M("DEM {path} does not cover {unit}", "DEM {path} 未覆盖 {unit}",
                                       "give --dem FILE covering it", "请用 --dem 指定覆盖该范围的 DEM"),
    "analysis.phes.no_reservoirs": M("no reservoir: of {sites} dam sites none holds {volume} GL with water/rock above "
                                     "{water_rock} (the DEM may be flat, or its valleys too small)",
                                     "没有可用水库：{sites} 个坝址中没有库容达 {volume} GL 且水岩比大于 {water_rock} 的"
                                     "（DEM 可能平坦，或山谷太小）"),
    "analysis.phes.rank_without_forest": M("ranking by {rank} needs a forest layer: ranked by cost",
                                           "按 {rank} 排序需要森林小班图层：已按成本排序", "give --forest FILE",
                                           "请用 --forest 指定森林小班图层"),
    "analysis.phes.none_selected": M("{pairs} candidate pairs, but none kept: each overlapped a better pair, could not "
                                     "be modelled at the volume needed, or cost more than class E",
                                     "有 {pairs} 个候选组合，但无一保留：均与更优组合重叠、无法按所需库容建模，或成本高于 E 类"),
    "analysis.phes.no_head": M("no pair: the dam sites span only {head} m of height (a pair needs at least {min_head} m "
                               "of head)", "没有组合：坝址高差仅 {head} m（组合至少需要 {min_head} m 水头）"),
    "analysis.phes.energy_too_large": M("no pair can hold {energy} GWh: the largest reservoir holds {volume} GL; even at "
                                        "the largest head ({head} m) a pair of such reservoirs stores at most {most} GWh "
                                        "({need} GL would be needed at that head)",
                                        "没有组合能容纳 {energy} GWh：最大的水库库容 {volume} GL，即使按最大水头（{head} m）"
                                        "也只能储能 {most} GWh（该水头下需要 {need} GL）",
                                        "ask for less energy, or search a larger area",
                                        "请减少储能量，或扩大搜索范围"),
    "analysis.phes.no_pairs": M("no pair of the {reservoirs} reservoirs stores {energy} GWh for {hours} h ({power} MW); "
                                "candidates turned down by: {reasons}",
                                "{reservoirs} 座水库中没有能储能 {energy} GWh、时长 {hours} 小时（{power} MW）的组合；"
                                "候选被以下条件排除：{reasons}",
                                "'cost': dearer than class E ({limit} US$/kW at {hours} h); 'volume': reservoirs too "
                                "small for the energy; 'slope'/'pp_slope': too far apart for their head; "
                                "'water_rock': walls too big for the water they hold",
                                "“cost”：成本高于 E 类（{hours} 小时为 {limit} 美元/kW）；“volume”：水库容不下该储能量；"
                                "“slope”/“pp_slope”：相对水头距离太远；“water_rock”：坝体相对蓄水过大"),
    # -- zonal kernels compiled ahead (sinkmap.analysis.zonal.warmup; issue 15) -------------------------------
    "analysis.warmup.compiling": M(
        "compiling the zonal statistics kernels once (about 20 s, then cached on disk)…",
        "首次编译分区统计内核（约 20 秒，之后缓存在磁盘上）…"),
    "analysis.warmup.done": M("zonal statistics kernels ready", "分区统计内核已就绪"),
    # -- siting: per-site technology and capacity, scenarios (sinkmap.analysis.siting.impact, scenarios) ---------
    "analysis.siting.unknown_site_tech": M(
        "site {n}: unknown technology {tech!r} (known: {techs})", "第 {n} 个场址：未知的技术类型“{tech}”（可用：{techs}）",
        "set the site's tech field to one of {techs}, or leave it empty to use --tech",
        "请将该场址的 tech 字段设为 {techs} 之一，或留空以使用 --tech"),
    "analysis.siting.bad_capacity": M(
        "site {n}: capacity {value!r} MW is not a number above 0", "第 {n} 个场址：装机容量“{value}” MW 不是大于 0 的数",
        "correct the site's capacity_mw field or leave it empty for the technology's default",
        "请改正该场址的 capacity_mw 字段，或留空以使用该技术的默认容量"),
    "analysis.siting.scenario.status": M("{before} → {after}", "由{before}变为{after}"),
    "analysis.siting.scenario.not_touched": M("not touched", "未涉及"),
    "analysis.siting.scenario.no_changes": M("no target changes status", "无目标状态变化"),
    "analysis.siting.scenario.not_computed": M("not computed (no technology)", "未计算（未指定技术类型）"),
    "analysis.siting.scenario.no_rule": M("none", "无"),
    "analysis.siting.scenario.touched": M("touched: {names}", "涉及：{names}"),
    "analysis.siting.scenario.untouched": M("not touched", "未涉及"),
    "analysis.siting.scenario.no_layer": M("no layer", "无图层"),
    "analysis.siting.scenario.empty": M("scenario {name!r} has no site", "方案“{name}”没有场址",
                                        "add a site to it or leave it out", "请为其添加场址，或不参与比较"),
    "analysis.siting.scenario.duplicate_name": M(
        "two scenarios are named {name!r}", "有两个方案都名为“{name}”", "give each scenario its own name",
        "请为每个方案取不同的名称"),
    "analysis.siting.scenario.bad_name": M(
        "scenario name {name!r}: {why}", "方案名称“{name}”：{why}", "use a short name without control characters",
        "请使用不含控制字符的简短名称"),
    # -- pumped-storage search over tiles (sinkmap.analysis.phes.tiles) ---------------------------------------
    "analysis.phes.tile_edge": M(
        "{count} reservoirs reach the edge of their tile's border ({tiles} tiles): they were cut there and may "
        "differ from a search of the whole DEM at once",
        "{count} 座水库延伸到所在图幅边框的边缘（共 {tiles} 个图幅）：在该处被截断，可能与整幅 DEM 一次搜索的结果不同",
        "give a wider border with --tile-border CELLS", "请用 --tile-border 像元数 加宽图幅边框"),
    "analysis.phes.mosaic_too_large": M(
        "DEM {path}: {rows} × {cols} = {cells} cells to select pairs on (at most {limit} at once)",
        "DEM {path}：需在 {rows} × {cols} = {cells} 个像元上选取组合（一次最多 {limit} 个）",
        "search a smaller area (a city or county) or a coarser DEM",
        "请缩小搜索范围（按城市或区县），或使用较粗的 DEM"),
    "analysis.phes.raster_rule_not_masked": M(
        "rule {rule} ({document}) is on the land-cover raster: reported per reservoir in rules_hit, not applied as a "
        "mask by --apply-exclusions",
        "规则 {rule}（{document}）基于土地覆被栅格：仅在 rules_hit 中逐水库报告，--apply-exclusions 不将其作为掩膜",
        "give the classes as a vector layer to exclude them from the search",
        "如需在搜索中排除这些地类，请以矢量图层提供"),
    # -- every kernel compiled ahead (analysis.{siting,phes}.warmup, jobs._warmup; issue 15, appfast) ---------
    "analysis.warmup.siting": M(
        "compiling the siting kernels once (then cached on disk)…", "首次编译选址计算内核（之后缓存在磁盘上）…"),
    "analysis.warmup.phes": M(
        "compiling the pumped-storage search kernels once (then cached on disk)…",
        "首次编译抽水蓄能选址内核（之后缓存在磁盘上）…"),
    "analysis.warmup.all_done": M("all computing kernels ready (compiled once, cached on disk)",
                                  "全部计算内核已就绪（只编译一次，已缓存在磁盘上）"),
}
