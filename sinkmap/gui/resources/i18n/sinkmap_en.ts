<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- sinkmap interface: Chinese source strings (the default language) with English translations. -->
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>sinkmap</name>
    <message>
        <source>新建项目</source>
        <translation>New project</translation>
    </message>
    <message>
        <source>打开项目…</source>
        <translation>Open project…</translation>
    </message>
    <message>
        <source>保存项目</source>
        <translation>Save project</translation>
    </message>
    <message>
        <source>项目另存为…</source>
        <translation>Save project as…</translation>
    </message>
    <message>
        <source>添加矢量图层…</source>
        <translation>Add vector layer…</translation>
    </message>
    <message>
        <source>添加栅格图层…</source>
        <translation>Add raster layer…</translation>
    </message>
    <message>
        <source>导出地图图片…</source>
        <translation>Export map image…</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>全图</source>
        <translation>Full extent</translation>
    </message>
    <message>
        <source>放大</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <source>缩小</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <source>缩放到图层</source>
        <translation>Zoom to layer</translation>
    </message>
    <message>
        <source>缩放到选中要素</source>
        <translation>Zoom to selected features</translation>
    </message>
    <message>
        <source>清除选择</source>
        <translation>Clear selection</translation>
    </message>
    <message>
        <source>打开属性表</source>
        <translation>Open attribute table</translation>
    </message>
    <message>
        <source>移除图层</source>
        <translation>Remove layer</translation>
    </message>
    <message>
        <source>计算台账</source>
        <translation>Compute ledger</translation>
    </message>
    <message>
        <source>关于 sinkmap</source>
        <translation>About sinkmap</translation>
    </message>
    <message>
        <source>文件(&amp;F)</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>视图(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>面板</source>
        <translation>Panels</translation>
    </message>
    <message>
        <source>界面语言</source>
        <translation>Interface language</translation>
    </message>
    <message>
        <source>图层(&amp;L)</source>
        <translation>&amp;Layer</translation>
    </message>
    <message>
        <source>工具(&amp;T)</source>
        <translation>&amp;Tools</translation>
    </message>
    <message>
        <source>台账(&amp;D)</source>
        <translation>Le&amp;dger</translation>
    </message>
    <message>
        <source>帮助(&amp;H)</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>地图工具</source>
        <translation>Map tools</translation>
    </message>
    <message>
        <source>平移</source>
        <translation>Pan</translation>
    </message>
    <message>
        <source>框选放大</source>
        <translation>Zoom to box</translation>
    </message>
    <message>
        <source>识别要素</source>
        <translation>Identify features</translation>
    </message>
    <message>
        <source>选择要素</source>
        <translation>Select features</translation>
    </message>
    <message>
        <source>恢复项目</source>
        <translation>Recover project</translation>
    </message>
    <message>
        <source>上次 sinkmap 未正常退出。是否恢复自动保存的项目？
{0}</source>
        <translation>sinkmap did not exit cleanly last time. Recover the autosaved project?
{0}</translation>
    </message>
    <message>
        <source>未命名项目</source>
        <translation>Untitled project</translation>
    </message>
    <message>
        <source>准备演示数据</source>
        <translation>Preparing the demo data</translation>
    </message>
    <message>
        <source>计算台账后显示图表</source>
        <translation>Compute the ledger to see the chart</translation>
    </message>
    <message>
        <source>无数据</source>
        <translation>no data</translation>
    </message>
    <message>
        <source>目标 {0:g}</source>
        <translation>target {0:g}</translation>
    </message>
    <message>
        <source>专题图：{0}（{1}）</source>
        <translation>Choropleth: {0} ({1})</translation>
    </message>
    <message>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicator</translation>
    </message>
    <message>
        <source>现状</source>
        <translation>Current</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>差距</source>
        <translation>Gap</translation>
    </message>
    <message>
        <source>规划目标（原文措辞）</source>
        <translation>Plan target (as worded)</translation>
    </message>
    <message>
        <source>专题图</source>
        <translation>Choropleth</translation>
    </message>
    <message>
        <source>把所选指标显示为各区县分级设色图</source>
        <translation>Show the chosen indicator as a county choropleth on the map</translation>
    </message>
    <message>
        <source>尚未计算</source>
        <translation>Not computed yet</translation>
    </message>
    <message>
        <source>达标</source>
        <translation>met</translation>
    </message>
    <message>
        <source>在“左右”区间内</source>
        <translation>within the “about” band</translation>
    </message>
    <message>
        <source>未达标</source>
        <translation>short</translation>
    </message>
    <message>
        <source>规划无此目标</source>
        <translation>no target in the plan</translation>
    </message>
    <message>
        <source>全市总量目标（见全市行）</source>
        <translation>city-wide total (see the city row)</translation>
    </message>
    <message>
        <source>城市</source>
        <translation>City</translation>
    </message>
    <message>
        <source>目标年</source>
        <translation>Target year</translation>
    </message>
    <message>
        <source>图表指标</source>
        <translation>Chart indicator</translation>
    </message>
    <message>
        <source>正在计算 {0} {1} 年台账…</source>
        <translation>Computing the {1} ledger of {0}…</translation>
    </message>
    <message>
        <source>台账计算：{0} {1}</source>
        <translation>Ledger: {0} {1}</translation>
    </message>
    <message>
        <source>台账计算失败：{0}</source>
        <translation>Ledger failed: {0}</translation>
    </message>
    <message>
        <source>已达标</source>
        <translation>met</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>{0} 年台账：{1} 个单位</source>
        <translation>Ledger {0}: {1} units</translation>
    </message>
    <message>
        <source>口径</source>
        <translation>Basis</translation>
    </message>
    <message>
        <source>规划原文</source>
        <translation>Plan text</translation>
    </message>
    <message>
        <source>森林资源小班（演示）</source>
        <translation>Forest subcompartments (demo)</translation>
    </message>
    <message>
        <source>湿地（演示）</source>
        <translation>Wetlands (demo)</translation>
    </message>
    <message>
        <source>自然保护地（演示）</source>
        <translation>Protected areas (demo)</translation>
    </message>
    <message>
        <source>规划项目（演示）</source>
        <translation>Planned projects (demo)</translation>
    </message>
    <message>
        <source>土地覆盖·三调（演示）</source>
        <translation>Land cover, Sandiao (demo)</translation>
    </message>
    <message>
        <source>数字高程模型（演示）</source>
        <translation>Elevation model (demo)</translation>
    </message>
    <message>
        <source>生态保护红线（演示）</source>
        <translation>Ecological red line (demo)</translation>
    </message>
    <message>
        <source>永久基本农田（演示）</source>
        <translation>Permanent basic farmland (demo)</translation>
    </message>
    <message>
        <source>道路（演示）</source>
        <translation>Roads (demo)</translation>
    </message>
    <message>
        <source>变电站（演示）</source>
        <translation>Substations (demo)</translation>
    </message>
    <message>
        <source>{0}区县界</source>
        <translation>{0} counties</translation>
    </message>
    <message>
        <source>区县界（{0}）</source>
        <translation>Counties ({0})</translation>
    </message>
    <message>
        <source>字段</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>值</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>此处没有要素</source>
        <translation>No feature here</translation>
    </message>
    <message>
        <source>{0} 个</source>
        <translation>{0}</translation>
    </message>
    <message>
        <source>像元值</source>
        <translation>Pixel value</translation>
    </message>
    <message>
        <source>森林资源小班</source>
        <translation>Forest subcompartments</translation>
    </message>
    <message>
        <source>湿地</source>
        <translation>Wetlands</translation>
    </message>
    <message>
        <source>自然保护地</source>
        <translation>Protected areas</translation>
    </message>
    <message>
        <source>行政区界</source>
        <translation>Administrative boundaries</translation>
    </message>
    <message>
        <source>项目点</source>
        <translation>Project sites</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>图层</source>
        <translation>Layers</translation>
    </message>
    <message>
        <source>概况</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>字符编码</source>
        <translation>Encoding</translation>
    </message>
    <message>
        <source>坐标系</source>
        <translation>CRS</translation>
    </message>
    <message>
        <source>用途</source>
        <translation>Use</translation>
    </message>
    <message>
        <source>文件没有坐标系：请选择（如 EPSG:4490 经纬度，EPSG:4545–4547 高斯-克吕格 3° 带）</source>
        <translation>The file has no CRS: choose one (e.g. EPSG:4490 lon/lat, EPSG:4545–4547 Gauss–Krüger 3° zones)</translation>
    </message>
    <message>
        <source>经纬度数据：若来自高德、腾讯等网络地图（GCJ-02，偏移约 650 米），请选择 GCJ-02</source>
        <translation>Lon/lat data: if it comes from AMap, Tencent or another Chinese web map (GCJ-02, about 650 m off), choose GCJ-02</translation>
    </message>
    <message>
        <source>含义</source>
        <translation>Meaning</translation>
    </message>
    <message>
        <source>字段对应（森林资源小班）</source>
        <translation>Field mapping (forest subcompartments)</translation>
    </message>
    <message>
        <source>导入图层：{0}</source>
        <translation>Import layer: {0}</translation>
    </message>
    <message>
        <source>{0}，{1:,} 个要素，{2}</source>
        <translation>{0}, {1:,} features, {2}</translation>
    </message>
    <message>
        <source>属性预览（前 {0} 行）</source>
        <translation>Attribute preview (first {0} rows)</translation>
    </message>
    <message>
        <source>检测结果：{0}</source>
        <translation>Detected: {0}</translation>
    </message>
    <message>
        <source>预览失败：{0}</source>
        <translation>Preview failed: {0}</translation>
    </message>
    <message>
        <source>筛选（任意字段包含）…</source>
        <translation>Filter (any field contains)…</translation>
    </message>
    <message>
        <source>仅显示选中</source>
        <translation>Selected only</translation>
    </message>
    <message>
        <source>缩放到选中</source>
        <translation>Zoom to selection</translation>
    </message>
    <message>
        <source>{0:,} / {1:,} 行，选中 {2:,}</source>
        <translation>{0:,} / {1:,} rows, {2:,} selected</translation>
    </message>
    <message>
        <source>不透明度</source>
        <translation>Opacity</translation>
    </message>
    <message>
        <source>上移</source>
        <translation>Move up</translation>
    </message>
    <message>
        <source>下移</source>
        <translation>Move down</translation>
    </message>
    <message>
        <source>样式</source>
        <translation>Style</translation>
    </message>
    <message>
        <source>单一符号</source>
        <translation>Single symbol</translation>
    </message>
    <message>
        <source>分类（按字段）</source>
        <translation>Categorised (by field)</translation>
    </message>
    <message>
        <source>分级（按数值字段）</source>
        <translation>Graduated (numeric field)</translation>
    </message>
    <message>
        <source>标注</source>
        <translation>Labels</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>属性表</source>
        <translation>Attribute table</translation>
    </message>
    <message>
        <source>山体阴影（高程）</source>
        <translation>Hillshade (elevation)</translation>
    </message>
    <message>
        <source>（加载中…）</source>
        <translation>(loading…)</translation>
    </message>
    <message>
        <source>分类：{0}</source>
        <translation>Classes: {0}</translation>
    </message>
    <message>
        <source>色带：{0}</source>
        <translation>Colour ramp: {0}</translation>
    </message>
    <message>
        <source>sinkmap — 碳汇台账与新能源选址</source>
        <translation>sinkmap — carbon-sink ledger and renewable siting</translation>
    </message>
    <message>
        <source>打开项目</source>
        <translation>Open project</translation>
    </message>
    <message>
        <source>项目另存为</source>
        <translation>Save project as</translation>
    </message>
    <message>
        <source>添加矢量图层</source>
        <translation>Add vector layer</translation>
    </message>
    <message>
        <source>添加栅格图层</source>
        <translation>Add raster layer</translation>
    </message>
    <message>
        <source>界面语言将在重新启动后生效</source>
        <translation>The interface language changes after a restart</translation>
    </message>
    <message>
        <source>导出地图图片</source>
        <translation>Export map image</translation>
    </message>
    <message>
        <source>sinkmap：湖南碳达峰碳汇台账与新能源选址桌面工具。
演示数据为合成数据，非真实调查数据。</source>
        <translation>sinkmap: a desktop tool for Hunan's carbon-peak sink ledger and renewable siting.
The demo data is synthetic, not survey data.</translation>
    </message>
    <message>
        <source>碳汇台账</source>
        <translation>Sink ledger</translation>
    </message>
    <message>
        <source>识别结果</source>
        <translation>Identify</translation>
    </message>
    <message>
        <source>任务</source>
        <translation>Tasks</translation>
    </message>
    <message>
        <source>sinkmap</source>
        <translation>sinkmap</translation>
    </message>
    <message>
        <source>已保存 {0}</source>
        <translation>Saved {0}</translation>
    </message>
    <message>
        <source>图层尚未加载：请先显示它</source>
        <translation>The layer is not loaded yet: show it first</translation>
    </message>
    <message>
        <source>图层“{0}”无法加载：{1}</source>
        <translation>Layer “{0}” could not be loaded: {1}</translation>
    </message>
    <message>
        <source>CGCS2000 / Albers 等积（湖南）</source>
        <translation>CGCS2000 / Albers equal-area (Hunan)</translation>
    </message>
    <message>
        <source>经度 {0:.5f}°  纬度 {1:.5f}°</source>
        <translation>Lon {0:.5f}°  Lat {1:.5f}°</translation>
    </message>
    <message>
        <source>3°带 —</source>
        <translation>3° zone —</translation>
    </message>
    <message>
        <source>比例尺 1:{0:,.0f}</source>
        <translation>Scale 1:{0:,.0f}</translation>
    </message>
    <message>
        <source>3°带 {0}（中央经线 {1}°E，{2}）</source>
        <translation>3° zone {0} (CM {1}°E, {2})</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>正在取消…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>没有正在运行的任务</source>
        <translation>No task running</translation>
    </message>
    <message>
        <source>消息</source>
        <translation>Messages</translation>
    </message>
    <message>
        <source>{0}：已取消，未作任何更改</source>
        <translation>{0}: cancelled, nothing was changed</translation>
    </message>
    <message>
        <source>内存不足：数据太大，无法在本机处理。请缩小范围或使用集群。</source>
        <translation>Out of memory: the data is too large for this machine. Choose a smaller area or use a cluster.</translation>
    </message>
    <message>
        <source>内部错误：{0}（详情已写入日志）</source>
        <translation>Internal error: {0} (details in the log file)</translation>
    </message>
    <message>
        <source>未知错误</source>
        <translation>Unknown error</translation>
    </message>
    <message>
        <source>后台进程意外退出（可能是数据文件损坏）：{0}</source>
        <translation>The background process stopped unexpectedly (the data file may be damaged): {0}</translation>
    </message>
    <message>
        <source>分类</source>
        <translation>Categorised</translation>
    </message>
    <message>
        <source>分级</source>
        <translation>Graduated</translation>
    </message>
    <message>
        <source>山体阴影</source>
        <translation>Hillshade</translation>
    </message>
    <message>
        <source>色带</source>
        <translation>Colour ramp</translation>
    </message>
    <message>
        <source>执行分类</source>
        <translation>Classify</translation>
    </message>
    <message>
        <source>重设为数据范围（2%–98%）</source>
        <translation>Reset to the data range (2%–98%)</translation>
    </message>
    <message>
        <source>渲染方式</source>
        <translation>Renderer</translation>
    </message>
    <message>
        <source>分类标准</source>
        <translation>Classification scheme</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Classes</translation>
    </message>
    <message>
        <source>最小值</source>
        <translation>Minimum</translation>
    </message>
    <message>
        <source>最大值</source>
        <translation>Maximum</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>应用</source>
        <translation>Apply</translation>
    </message>
    <message>
        <source>符号</source>
        <translation>Symbology</translation>
    </message>
    <message>
        <source>图层数据尚未加载：可以修改样式，但不能按数据分类。</source>
        <translation>The layer's data is not loaded yet: the style can be edited, but not classified from the data.</translation>
    </message>
    <message>
        <source>图层属性 — {0}</source>
        <translation>Layer properties — {0}</translation>
    </message>
    <message>
        <source>数据统计：2% 分位 {0:.6g}，98% 分位 {1:.6g}</source>
        <translation>Data statistics: 2nd percentile {0:.6g}, 98th percentile {1:.6g}</translation>
    </message>
    <message>
        <source>双击更改颜色</source>
        <translation>Double-click to change the colour</translation>
    </message>
    <message>
        <source>无填充</source>
        <translation>No fill</translation>
    </message>
    <message>
        <source>无边线</source>
        <translation>No outline</translation>
    </message>
    <message>
        <source>填充颜色</source>
        <translation>Fill colour</translation>
    </message>
    <message>
        <source>边线颜色</source>
        <translation>Outline colour</translation>
    </message>
    <message>
        <source>边线宽度</source>
        <translation>Outline width</translation>
    </message>
    <message>
        <source>点大小</source>
        <translation>Point size</translation>
    </message>
    <message>
        <source>自动（地类字段用其分类标准）</source>
        <translation>Automatic (land-class fields use their scheme)</translation>
    </message>
    <message>
        <source>唯一值（不用分类标准）</source>
        <translation>Unique values (no scheme)</translation>
    </message>
    <message>
        <source>删除所选</source>
        <translation>Delete selected</translation>
    </message>
    <message>
        <source>全部删除</source>
        <translation>Delete all</translation>
    </message>
    <message>
        <source>分位数（等数量）</source>
        <translation>Quantile (equal count)</translation>
    </message>
    <message>
        <source>等间距</source>
        <translation>Equal interval</translation>
    </message>
    <message>
        <source>自然断点（Jenks）</source>
        <translation>Natural breaks (Jenks)</translation>
    </message>
    <message>
        <source>手动</source>
        <translation>Manual</translation>
    </message>
    <message>
        <source>数值字段</source>
        <translation>Numeric field</translation>
    </message>
    <message>
        <source>分级方法</source>
        <translation>Mode</translation>
    </message>
    <message>
        <source>级数</source>
        <translation>Classes</translation>
    </message>
    <message>
        <source>标注字段</source>
        <translation>Label field</translation>
    </message>
    <message>
        <source>字号</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>颜色</source>
        <translation>Colour</translation>
    </message>
    <message>
        <source>图例</source>
        <translation>Legend</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>下限</source>
        <translation>From</translation>
    </message>
    <message>
        <source>上限</source>
        <translation>To</translation>
    </message>
    <message>
        <source>该字段的值不在所选分类标准中，已按唯一值分类。</source>
        <translation>The field's values are not in the chosen scheme: classified by unique values.</translation>
    </message>
    <message>
        <source>{0} 个要素的值不在上表中，以灰色绘制。</source>
        <translation>{0} features have values not in the table; they are drawn grey.</translation>
    </message>
    <message>
        <source>选择颜色</source>
        <translation>Choose a colour</translation>
    </message>
    <message>
        <source>图层属性 / 样式…</source>
        <translation>Layer properties / style…</translation>
    </message>
    <message>
        <source>导入栅格：{0}</source>
        <translation>Import raster: {0}</translation>
    </message>
    <message>
        <source>土地覆盖</source>
        <translation>Land cover</translation>
    </message>
    <!-- the siting panel (sinkmap/gui/siting_panel.py, siting_widgets.py) -->
    <message>
        <source>新能源选址</source>
        <translation>Renewable siting</translation>
    </message>
    <message>
        <source>排除</source>
        <translation>exclude</translation>
    </message>
    <message>
        <source>强制纳入</source>
        <translation>force in</translation>
    </message>
    <message>
        <source>未核实</source>
        <translation>unverified</translation>
    </message>
    <message>
        <source>限制（权重 {0}）</source>
        <translation>limit (weight {0})</translation>
    </message>
    <message>
        <source>优先（权重 {0}）</source>
        <translation>prefer (weight {0})</translation>
    </message>
    <message>
        <source>本次未执行</source>
        <translation>not applied in this run</translation>
    </message>
    <message>
        <source>来源：{0}</source>
        <translation>Source: {0}</translation>
    </message>
    <message>
        <source>光伏</source>
        <translation>PV</translation>
    </message>
    <message>
        <source>风电</source>
        <translation>Wind</translation>
    </message>
    <message>
        <source>抽水蓄能</source>
        <translation>Pumped storage</translation>
    </message>
    <message>
        <source>坡度</source>
        <translation>Slope</translation>
    </message>
    <message>
        <source>坡向</source>
        <translation>Aspect</translation>
    </message>
    <message>
        <source>高程</source>
        <translation>Elevation</translation>
    </message>
    <message>
        <source>距变电站距离</source>
        <translation>Distance to substations</translation>
    </message>
    <message>
        <source>距道路距离</source>
        <translation>Distance to roads</translation>
    </message>
    <message>
        <source>资源（辐照或风速）</source>
        <translation>Resource (irradiance or wind speed)</translation>
    </message>
    <message>
        <source>层次分析法（两两比较）</source>
        <translation>AHP (pairwise comparisons)</translation>
    </message>
    <message>
        <source>在上三角填写“行准则比列准则重要多少”（1 同等，3 稍重要，5 明显重要，7 强烈重要，9 极端重要；反之填 1/3、1/5…）。下三角自动取倒数。</source>
        <translation>In the upper triangle, say how much more important the row's criterion is than the column's (1 equal, 3 moderately, 5 strongly, 7 very strongly, 9 extremely; the other way round 1/3, 1/5…). The lower triangle takes the reciprocals.</translation>
    </message>
    <message>
        <source>“{0}”对“{1}”的判断不是正数：请填 1–9 或 1/2–1/9</source>
        <translation>The judgement of “{0}” against “{1}” is not a positive number: give 1–9 or 1/2–1/9</translation>
    </message>
    <message>
        <source>权重：{0}</source>
        <translation>Weights: {0}</translation>
    </message>
    <message>
        <source>一致性比率 CR = {0}（RI = {1}）</source>
        <translation>Consistency ratio CR = {0} (RI = {1})</translation>
    </message>
    <message>
        <source>CR 大于 0.1：判断不够一致，建议修改</source>
        <translation>CR above 0.1: the judgements are not consistent enough; revise them</translation>
    </message>
    <message>
        <source>适宜性 {0:.1f}–{1:.1f}：{2:,.1f} 公顷（{3:,} 个像元）</source>
        <translation>Suitability {0:.1f}–{1:.1f}: {2:,.1f} ha ({3:,} cells)</translation>
    </message>
    <message>
        <source>规则（取消勾选即停用）</source>
        <translation>Rules (uncheck to switch off)</translation>
    </message>
    <message>
        <source>{0} 条规则，停用 {1} 条</source>
        <translation>{0} rules, {1} switched off</translation>
    </message>
    <message>
        <source>{0} 条规则</source>
        <translation>{0} rules</translation>
    </message>
    <message>
        <source>准则与权重</source>
        <translation>Criteria and weights</translation>
    </message>
    <message>
        <source>合计 {0:.3f}</source>
        <translation>Sum {0:.3f}</translation>
    </message>
    <message>
        <source>归一化</source>
        <translation>Normalise</translation>
    </message>
    <message>
        <source>按比例缩放权重，使其和为 1</source>
        <translation>Scale the weights so that they sum to 1</translation>
    </message>
    <message>
        <source>层次分析法…</source>
        <translation>AHP…</translation>
    </message>
    <message>
        <source>由两两比较矩阵推导权重（特征向量法，含一致性比率）</source>
        <translation>Derive the weights from pairwise comparisons (principal eigenvector, with the consistency ratio)</translation>
    </message>
    <message>
        <source>适宜性分布（公顷）</source>
        <translation>Suitability distribution (ha)</translation>
    </message>
    <message>
        <source>适宜性分布（公顷）：{0}</source>
        <translation>Suitability distribution (ha): {0}</translation>
    </message>
    <message>
        <source>（按归一化后的权重预览）</source>
        <translation>(preview with the weights rescaled to sum 1)</translation>
    </message>
    <message>
        <source>运行一次后，此处按当前权重实时显示适宜性分布</source>
        <translation>After a first run, the suitability distribution for the weights shown appears here and follows them live</translation>
    </message>
    <message>
        <source>准则已改变：请重新运行</source>
        <translation>The criteria changed: run again</translation>
    </message>
    <message>
        <source>权重全为 0</source>
        <translation>All weights are 0</translation>
    </message>
    <message>
        <source>排除 {0:,.0f} 公顷；适宜性 ≥ {1:.2f} 的 {2:,.0f} 公顷，约 {3:,.0f} MW</source>
        <translation>Excluded {0:,.0f} ha; suitability ≥ {1:.2f} on {2:,.0f} ha, about {3:,.0f} MW</translation>
    </message>
    <message>
        <source>；无数据 {0:,.0f} 公顷</source>
        <translation>; no data {0:,.0f} ha</translation>
    </message>
    <message>
        <source>候选区</source>
        <translation>Candidate regions</translation>
    </message>
    <message>
        <source>不设目标</source>
        <translation>no goal</translation>
    </message>
    <message>
        <source>不限</source>
        <translation>no limit</translation>
    </message>
    <message>
        <source>输入数据与其他参数</source>
        <translation>Input data and other parameters</translation>
    </message>
    <message>
        <source>全部留空时使用演示数据（合成，非真实调查数据）；指定任一图层后，只使用所指定的图层。</source>
        <translation>With nothing chosen the demo world is used (synthetic, not survey data); once any layer is chosen, only the chosen layers are used.</translation>
    </message>
    <message>
        <source>（缺省）</source>
        <translation>(default)</translation>
    </message>
    <message>
        <source>（全市）</source>
        <translation>(whole city)</translation>
    </message>
    <message>
        <source>自动：{0}</source>
        <translation>automatic: {0}</translation>
    </message>
    <message>
        <source>运行</source>
        <translation>Run</translation>
    </message>
    <message>
        <source>正在运行…</source>
        <translation>Running…</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>done</translation>
    </message>
    <message>
        <source>已取消，未作任何更改</source>
        <translation>Cancelled; nothing was changed</translation>
    </message>
    <message>
        <source>权重之和须为 1：请归一化</source>
        <translation>The weights must sum to 1: normalise them</translation>
    </message>
    <message>
        <source>排除区：{0} {1}</source>
        <translation>Exclusions: {0} {1}</translation>
    </message>
    <message>
        <source>适宜性：{0} {1}</source>
        <translation>Suitability: {0} {1}</translation>
    </message>
    <message>
        <source>候选区：{0} {1}</source>
        <translation>Candidate regions: {0} {1}</translation>
    </message>
    <message>
        <source>候选区 {0} 个，共 {1:,.1f} 公顷，{2:,.1f} MW</source>
        <translation>{0} candidate region(s), {1:,.1f} ha, {2:,.1f} MW</translation>
    </message>
    <message>
        <source>{0} {1}：单元 {2:,.0f} 公顷，规则排除后可用 {3:,.0f} 公顷</source>
        <translation>{0} {1}: unit {2:,.0f} ha, {3:,.0f} ha open after the rules</translation>
    </message>
    <message>
        <source>高程（DEM）</source>
        <translation>Elevation (DEM)</translation>
    </message>
    <message>
        <source>蓄积量密度（连续值）</source>
        <translation>Stock density (continuous)</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>大小</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>{0:,} × {1:,} 像元（共 {2:,} 个）</source>
        <translation>{0:,} × {1:,} pixels ({2:,} in all)</translation>
    </message>
    <message>
        <source>波段与数据类型</source>
        <translation>Bands and data type</translation>
    </message>
    <message>
        <source>{0} 个波段，{1}</source>
        <translation>{0} band(s), {1}</translation>
    </message>
    <message>
        <source>无数据值</source>
        <translation>No-data value</translation>
    </message>
    <message>
        <source>像元大小</source>
        <translation>Pixel size</translation>
    </message>
    <message>
        <source>约 {0:,.2f} × {1:,.2f} 米</source>
        <translation>about {0:,.2f} × {1:,.2f} m</translation>
    </message>
    <message>
        <source>未知（需要坐标系）</source>
        <translation>unknown (needs a CRS)</translation>
    </message>
    <message>
        <source>金字塔</source>
        <translation>Overviews</translation>
    </message>
    <message>
        <source>有</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>无：{0:,} 个像元，缩小显示会很慢，建议构建</source>
        <translation>none: {0:,} pixels, drawing zoomed out will be slow — building them is recommended</translation>
    </message>
    <message>
        <source>无（栅格不大，不需要）</source>
        <translation>none (not needed for a raster this small)</translation>
    </message>
    <message>
        <source>构建金字塔（外部 .ovr 文件，后台进行，可取消）</source>
        <translation>Build overviews (external .ovr file, in the background, can be cancelled)</translation>
    </message>
    <message>
        <source>分类方案</source>
        <translation>Classification scheme</translation>
    </message>
    <message>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>选择分类方案文件</source>
        <translation>Choose a classification scheme file</translation>
    </message>
    <message>
        <source>文件没有坐标系：请输入或选择一个（如 EPSG:4490 经纬度，EPSG:4545–4547 高斯-克吕格 3° 带），否则无法在地图上定位</source>
        <translation>The file has no coordinate reference system: type or choose one (e.g. EPSG:4490 lon/lat, EPSG:4545–4547 Gauss–Krüger 3° zones), otherwise it cannot be placed on the map</translation>
    </message>
    <message>
        <source>文件没有坐标系：请先选择坐标系（{0}）</source>
        <translation>The file has no coordinate reference system: choose one first ({0})</translation>
    </message>
    <message>
        <source>将使用 {0} 代替文件中的坐标系（{1}）</source>
        <translation>{0} will be used instead of the file's CRS ({1})</translation>
    </message>
    <message>
        <source>栅格不是整数类型：分类代码应为整数</source>
        <translation>The raster is not of an integer type: class codes must be integers</translation>
    </message>
    <message>
        <source>抽样 {0:,} 个像元，其中 {1:.1%} 的代码在方案中</source>
        <translation>{0:,} pixels sampled; the scheme knows the codes of {1:.1%}</translation>
    </message>
    <message>
        <source>方案中没有的代码（像元数）：{0}{1}——这些像元不显示，也不计入台账</source>
        <translation>Codes the scheme does not know (pixels): {0}{1} — these pixels are not drawn and not counted in the ledger</translation>
    </message>
    <message>
        <source> 等 {0} 个</source>
        <translation> and more ({0} in all)</translation>
    </message>
    <message>
        <source>构建金字塔…</source>
        <translation>Build overviews…</translation>
    </message>
    <message>
        <source>为当前栅格图层构建金字塔（外部 .ovr），缩小显示时更快</source>
        <translation>Build overviews (external .ovr) for the current raster layer: faster drawing when zoomed out</translation>
    </message>
    <message>
        <source>构建金字塔：{0}</source>
        <translation>Building overviews: {0}</translation>
    </message>
    <message>
        <source>请先选择一个栅格图层</source>
        <translation>Select a raster layer first</translation>
    </message>
    <message>
        <source>图层“{0}”已有金字塔</source>
        <translation>Layer “{0}” already has overviews</translation>
    </message>
    <message>
        <source>无法读取栅格“{0}”：{1}</source>
        <translation>Cannot read the raster “{0}”: {1}</translation>
    </message>
    <message>
        <source>山体阴影按高程以地形色带着色：最小值、最大值是色带两端的高程。</source>
        <translation>The hillshade is tinted by elevation with the terrain ramp: the minimum and maximum are the elevations at the ramp's ends.</translation>
    </message>
    <message>
        <source>单击缩放到该单位</source>
        <translation>Click to zoom to this unit</translation>
    </message>
    <message>
        <source>图层“{0}”的金字塔正在构建</source>
        <translation>The overviews of layer “{0}” are being built</translation>
    </message>
    <message>
        <source>任务(&amp;J)</source>
        <translation>&amp;Jobs</translation>
    </message>
    <message>
        <source>文件…</source>
        <translation>File…</translation>
    </message>
    <message>
        <source>（不使用）</source>
        <translation>(not used)</translation>
    </message>
    <message>
        <source>（默认）</source>
        <translation>(default)</translation>
    </message>
    <message>
        <source>高级参数</source>
        <translation>Advanced parameters</translation>
    </message>
    <message>
        <source>输入即筛选：任意字段包含的文字…</source>
        <translation>Type to filter: text in any field…</translation>
    </message>
    <message>
        <source>输入时自动筛选行（不区分大小写，匹配任意字段）</source>
        <translation>Rows are filtered as you type (case-insensitive, any field)</translation>
    </message>
    <message>
        <source>项目“{0}”有未保存的更改。是否保存？</source>
        <translation>The project “{0}” has unsaved changes. Save them?</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>不保存</source>
        <translation>Don't save</translation>
    </message>
    <message>
        <source>截图未保存：{0} 秒内没有图层加载完成</source>
        <translation>Screenshot not saved: no layer loaded within {0} s</translation>
    </message>
    <message>
        <source>绘制未在 {0} 秒内完成，截图只含已绘制的部分：{1}</source>
        <translation>Drawing did not finish within {0} s; the screenshot shows only what was drawn: {1}</translation>
    </message>
    <message>
        <source>图层“{0}”无法加载，未添加：{1}</source>
        <translation>The layer “{0}” cannot be loaded and was not added: {1}</translation>
    </message>
    <message>
        <source>GCJ-02（高德、腾讯等网络地图的偏移经纬度）</source>
        <translation>GCJ-02 (the shifted lon/lat of AMap, Tencent and other web maps)</translation>
    </message>
    <message>
        <source>CGCS2000 经纬度（EPSG:4490）</source>
        <translation>CGCS2000 longitude/latitude (EPSG:4490)</translation>
    </message>
    <message>
        <source>WGS 84 经纬度（GPS，EPSG:4326）</source>
        <translation>WGS 84 longitude/latitude (GPS, EPSG:4326)</translation>
    </message>
    <message>
        <source>CGCS2000 / 3° 高斯-克吕格 中央经线 {0}°E（{1}）</source>
        <translation>CGCS2000 / 3-degree Gauss–Krüger CM {0}E ({1})</translation>
    </message>
    <message>
        <source>CGCS2000 / 3° 高斯-克吕格 {0} 带（带号在横坐标前，中央经线 {1}°E，{2}）</source>
        <translation>CGCS2000 / 3-degree Gauss–Krüger zone {0} (zone number before the easting, CM {1}E, {2})</translation>
    </message>
    <message>
        <source>CGCS2000 / 6° 高斯-克吕格 {0} 带（带号在横坐标前，中央经线 {1}°E，{2}）</source>
        <translation>CGCS2000 / 6-degree Gauss–Krüger zone {0} (zone number before the easting, CM {1}E, {2})</translation>
    </message>
    <message>
        <source>文件没有坐标系：按坐标数值应为 {0}，已预选，请核对</source>
        <translation>The file has no CRS: its coordinates show {0}, chosen for you — please check</translation>
    </message>
    <message>
        <source>文件没有坐标系：坐标是不带带号的高斯-克吕格米制坐标，中央经线无法从数值判断；已预选 {0}，也可能是 {1}，请核对</source>
        <translation>The file has no CRS: its coordinates are Gauss–Krüger metres without a zone number, so the central meridian cannot be read from them; {0} is chosen, it may also be {1} — please check</translation>
    </message>
    <message>
        <source>首次启动：正在生成演示数据（合成数据，只需生成一次，约 1 分钟）…
区县界已显示，其余图层生成后自动出现。进度见“任务”面板。</source>
        <translation>First start: generating the demo world (synthetic data, built once, about a minute)…
County boundaries are shown; the other layers appear when ready. Progress is in the Tasks panel.</translation>
    </message>
    <message>
        <source>生成演示数据（仅首次启动）</source>
        <translation>Generating the demo world (first start only)</translation>
    </message>
    <message>
        <source>区间内</source>
        <translation>in band</translation>
    </message>
    <message>
        <source>无目标</source>
        <translation>no target</translation>
    </message>
    <message>
        <source>见全市行</source>
        <translation>city row</translation>
    </message>
    <message>
        <source>专题图：{0}（{1}，单位 {2}）</source>
        <translation>Map: {0} ({1}, in {2})</translation>
    </message>
    <message>
        <source>森林</source>
        <translation>Forest</translation>
    </message>
    <message>
        <source>保护地</source>
        <translation>Protected areas</translation>
    </message>
    <message>
        <source>蓄积密度</source>
        <translation>Stock density</translation>
    </message>
    <message>
        <source>演示数据</source>
        <translation>demo data</translation>
    </message>
    <message>
        <source>{0}：{1}</source>
        <translation>{0}: {1}</translation>
    </message>
    <message>
        <source>数据来源 — {0}</source>
        <translation>Inputs — {0}</translation>
    </message>
    <message>
        <source>可用（{0}）：没有规则排除此处</source>
        <translation>included ({0}): no rule excludes this cell</translation>
    </message>
    <message>
        <source>排除（{0}）</source>
        <translation>excluded ({0})</translation>
    </message>
    <message>
        <source>部分可用（{0}）</source>
        <translation>partly included ({0})</translation>
    </message>
    <message>
        <source>限制（权重 {0}）：{1}：{2}</source>
        <translation>limited (weight {0}) by {1}: {2}</translation>
    </message>
    <message>
        <source>限制（权重 {0}）：{1}</source>
        <translation>limited (weight {0}): {1}</translation>
    </message>
    <message>
        <source>优先：{0}：{1}</source>
        <translation>preferred by {0}: {1}</translation>
    </message>
    <message>
        <source>优先：{0}</source>
        <translation>preferred: {0}</translation>
    </message>
    <message>
        <source>排除：{0}：{1}</source>
        <translation>excluded by {0}: {1}</translation>
    </message>
    <message>
        <source>排除：{0}</source>
        <translation>excluded: {0}</translation>
    </message>
    <message>
        <source>未知规则</source>
        <translation>unknown rule (not in the file's rule table)</translation>
    </message>
    <message>
        <source>纳入度</source>
        <translation>Inclusion</translation>
    </message>
    <message>
        <source>命中规则</source>
        <translation>Rules hit</translation>
    </message>
    <message>
        <source>{0} 条</source>
        <translation>{0}</translation>
    </message>
    <message>
        <source>可用（{0}）</source>
        <translation>included ({0})</translation>
    </message>
    <!-- site inspector, impact card and scenarios (sinkmap/gui/site_inspector.py, impact_card.py, scenarios_view.py) -->
    <message>
        <source>场址影响</source>
        <translation>Site impact</translation>
    </message>
    <message>
        <source>选址方案</source>
        <translation>Siting scenarios</translation>
    </message>
    <message>
        <source>放置场址点</source>
        <translation>Place a site point</translation>
    </message>
    <message>
        <source>绘制场址面</source>
        <translation>Draw a site polygon</translation>
    </message>
    <message>
        <source>场址(&amp;S)</source>
        <translation>&amp;Sites</translation>
    </message>
    <message>
        <source>新场址</source>
        <translation>New site</translation>
    </message>
    <message>
        <source>正在计算…（首次在某区县计算时需读取并准备图层，约数秒）</source>
        <translation>Computing… (the first site in a county reads and prepares its layers: a few seconds)</translation>
    </message>
    <message>
        <source>单击地图放置一个场址点（按所选技术的占地），立即显示其碳汇影响</source>
        <translation>Click the map to place a site point (the chosen technology's footprint) and see its impact on the sink at once</translation>
    </message>
    <message>
        <source>单击添加顶点，双击或右键结束，立即显示该场址的碳汇影响</source>
        <translation>Click to add vertices, double-click or right-click to finish, and see the site's impact on the sink at once</translation>
    </message>
    <message>
        <source>建设前</source>
        <translation>Before</translation>
    </message>
    <message>
        <source>建设后</source>
        <translation>After</translation>
    </message>
    <message>
        <source>规划目标</source>
        <translation>Plan target</translation>
    </message>
    <message>
        <source>占地面积</source>
        <translation>Footprint</translation>
    </message>
    <message>
        <source>公顷</source>
        <translation>ha</translation>
    </message>
    <message>
        <source>占用森林面积</source>
        <translation>Forest cleared</translation>
    </message>
    <message>
        <source>损失森林蓄积</source>
        <translation>Forest stock lost</translation>
    </message>
    <message>
        <source>损失碳储量（CO₂）</source>
        <translation>Carbon lost (CO₂)</translation>
    </message>
    <message>
        <source>吨</source>
        <translation>t</translation>
    </message>
    <message>
        <source>占用湿地</source>
        <translation>Wetland affected</translation>
    </message>
    <message>
        <source>其中受保护湿地</source>
        <translation>of which protected</translation>
    </message>
    <message>
        <source>默认容量</source>
        <translation>default capacity</translation>
    </message>
    <message>
        <source>点场址的装机容量；0 表示该技术的默认容量（光伏 20 MW，抽水蓄能 1200 MW；风电每点一台）</source>
        <translation>Capacity of a point site; 0 means the technology's default (PV 20 MW, pumped storage 1200 MW; wind: one turbine per point)</translation>
    </message>
    <message>
        <source>放置点</source>
        <translation>Place point</translation>
    </message>
    <message>
        <source>绘制面</source>
        <translation>Draw polygon</translation>
    </message>
    <message>
        <source>单击添加顶点，双击或右键结束，Backspace 撤销一个顶点，Esc 取消</source>
        <translation>Click to add vertices; double-click or right-click to finish, Backspace removes the last vertex, Esc cancels</translation>
    </message>
    <message>
        <source>加入方案</source>
        <translation>Add to scenario</translation>
    </message>
    <message>
        <source>面（按绘制）</source>
        <translation>polygon (as drawn)</translation>
    </message>
    <message>
        <source>技术</source>
        <translation>Technology</translation>
    </message>
    <message>
        <source>在地图上放置点或绘制面，或用识别工具单击候选区，即可查看其碳汇影响。</source>
        <translation>Place a point or draw a polygon on the map, or click a candidate region with the identify tool, to see its impact on the sink.</translation>
    </message>
    <message>
        <source>涉及自然保护地</source>
        <translation>Protected areas touched</translation>
    </message>
    <message>
        <source>生态保护红线</source>
        <translation>Ecological red line</translation>
    </message>
    <message>
        <source>命中选址规则</source>
        <translation>Siting rules hit</translation>
    </message>
    <message>
        <source>未涉及</source>
        <translation>not touched</translation>
    </message>
    <message>
        <source>无红线图层</source>
        <translation>no red-line layer</translation>
    </message>
    <message>
        <source>未计算（需选址规则的图层）</source>
        <translation>not computed (needs the siting rules' layers)</translation>
    </message>
    <message>
        <source>没有目标因此改变达标状态。</source>
        <translation>No target changes status.</translation>
    </message>
    <message>
        <source>涉及：{0}</source>
        <translation>touched: {0}</translation>
    </message>
    <message>
        <source>用时 {0:.2f} 秒</source>
        <translation>{0:.2f} s</translation>
    </message>
    <message>
        <source>{0} → {1}</source>
        <translation>{0} → {1}</translation>
    </message>
    <message>
        <source>{0} 条提示</source>
        <translation>{0} notice(s)</translation>
    </message>
    <message>
        <source>新建方案</source>
        <translation>New scenario</translation>
    </message>
    <message>
        <source>重命名</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>删除方案</source>
        <translation>Delete scenario</translation>
    </message>
    <message>
        <source>移除场址</source>
        <translation>Remove site</translation>
    </message>
    <message>
        <source>比较全部方案</source>
        <translation>Compare all scenarios</translation>
    </message>
    <message>
        <source>重命名方案</source>
        <translation>Rename scenario</translation>
    </message>
    <message>
        <source>方案名称</source>
        <translation>Scenario name</translation>
    </message>
    <message>
        <source>比较选址方案</source>
        <translation>Compare siting scenarios</translation>
    </message>
    <message>
        <source>当前方案</source>
        <translation>Current scenario</translation>
    </message>
    <message>
        <source>场址</source>
        <translation>Site</translation>
    </message>
    <message>
        <source>装机容量（MW）</source>
        <translation>Capacity (MW)</translation>
    </message>
    <message>
        <source>方案{0}</source>
        <translation>Scenario {0}</translation>
    </message>
    <message>
        <source>已将“{0}”加入“{1}”</source>
        <translation>Added “{0}” to “{1}”</translation>
    </message>
    <message>
        <source>正在比较 {0} 个方案…</source>
        <translation>Comparing {0} scenarios…</translation>
    </message>
    <message>
        <source>已有名为“{0}”的方案</source>
        <translation>A scenario named “{0}” already exists</translation>
    </message>
    <message>
        <source>{0}（{1}）</source>
        <translation>{0} ({1})</translation>
    </message>
    <message>
        <source>场址{0}</source>
        <translation>Site {0}</translation>
    </message>
    <message>
        <source>{0}（{1} 个场址，{2} 年）</source>
        <translation>{0} ({1} site(s), {2})</translation>
    </message>
    <message>
        <source>限制</source>
        <translation>limited</translation>
    </message>
    <message>
        <source>优先</source>
        <translation>preferred</translation>
    </message>
    <message>
        <source>未计算（未指定技术类型）</source>
        <translation>not computed (no technology)</translation>
    </message>
    <message>
        <source>（面）</source>
        <translation> (polygon)</translation>
    </message>
    <message>
        <source>{0}（{1}）：{2} {3}（{4} 公顷）</source>
        <translation>{0} ({1}): {2} {3} ({4} ha)</translation>
    </message>
    <message>
        <source>森林小班</source>
        <translation>forest subcompartments</translation>
    </message>
    <message>
        <source>三调地类</source>
        <translation>land cover (三调)</translation>
    </message>
    <message>
        <source>永久基本农田</source>
        <translation>permanent basic farmland</translation>
    </message>
    <message>
        <source>基本草原</source>
        <translation>basic grassland</translation>
    </message>
    <message>
        <source>尚未导出网页地图</source>
        <translation>no web map exported yet</translation>
    </message>
    <message>
        <source>在系统浏览器中打开</source>
        <translation>Open in the system browser</translation>
    </message>
    <message>
        <source>本机的 Qt 不含 QtWebEngine，网页地图请在系统浏览器中查看：</source>
        <translation>This Qt has no QtWebEngine; view the web map in the system browser:</translation>
    </message>
    <message>
        <source>网页地图</source>
        <translation>Web map</translation>
    </message>
    <!-- field package dialog (sinkmap.gui.package_dialog) -->
    <message>
        <source>导出外业数据包…</source>
        <translation>Export field package…</translation>
    </message>
    <message>
        <source>地图上选中的 {0} 个面要素</source>
        <translation>{0} polygon(s) selected on the map</translation>
    </message>
    <message>
        <source>地图上没有选中的面要素（用“选择要素”工具选择）</source>
        <translation>No polygon selected on the map (select some with the Select features tool)</translation>
    </message>
    <message>
        <source>选中的面要素</source>
        <translation>Selected polygons</translation>
    </message>
    <message>
        <source>区县/片区</source>
        <translation>County or zone</translation>
    </message>
    <message>
        <source>片区文件</source>
        <translation>Zones file</translation>
    </message>
    <message>
        <source>区域</source>
        <translation>Area</translation>
    </message>
    <message>
        <source>输出</source>
        <translation>Output</translation>
    </message>
    <message>
        <source>另附 GCJ-02（火星坐标）KMZ，仅供要求 GCJ-02 的应用</source>
        <translation>Also a GCJ-02 (AMap) KMZ, only for apps that expect it</translation>
    </message>
    <message>
        <source>绘制区域</source>
        <translation>Draw an area</translation>
    </message>
    <message>
        <source>绘制的区域</source>
        <translation>Drawn area</translation>
    </message>
    <message>
        <source>地图上绘制的区域（{0} 个顶点）</source>
        <translation>The area drawn on the map ({0} corners)</translation>
    </message>
    <message>
        <source>地图上绘制的区域</source>
        <translation>The area drawn on the map</translation>
    </message>
    <message>
        <source>还没有绘制区域（用“绘制区域”工具：单击各顶点，双击结束）</source>
        <translation>No area drawn yet (Draw an area tool: click the corners, double-click to finish)</translation>
    </message>
    <message>
        <source>已绘制区域（{0} 个顶点），可在“导出外业数据包”中作为区域</source>
        <translation>Area drawn ({0} corners): use it as the area of a field package (Export field package)</translation>
    </message>
    <message>
        <source>CO₂
吨</source>
        <translation>CO₂
t</translation>
    </message>
    <message>
        <source>FOM
美元/kW</source>
        <translation>FOM
US$/kW</translation>
    </message>
    <message>
        <source>{0:,.0f} MW（{1:,.1f} 万kW）</source>
        <translation>{0:,.0f} MW ({1:,.1f} 万kW)</translation>
    </message>
    <message>
        <source>{0}（{1} 类，{2:g} GWh / {3:g} 小时）· {4}</source>
        <translation>{0} (class {1}, {2:g} GWh / {3:g} h) · {4}</translation>
    </message>
    <message>
        <source>{0}：{1:g} GWh / {2:g} 小时；坝址 {3:,}，水库 {4:,}，候选组合 {5:,}，不重叠组合 {6:,}</source>
        <translation>{0}: {1:g} GWh / {2:g} h; dam sites {3:,}, reservoirs {4:,}, candidate pairs {5:,}, non-overlapping pairs {6:,}</translation>
    </message>
    <message>
        <source>上水库</source>
        <translation>upper reservoir</translation>
    </message>
    <message>
        <source>上水库 + 下水库</source>
        <translation>upper + lower reservoir</translation>
    </message>
    <message>
        <source>上水库 {0} m，坝高 {1} m，{2} 公顷；下水库 {3} m，坝高 {4} m，{5} 公顷</source>
        <translation>upper reservoir {0} m, wall {1} m, {2} ha; lower reservoir {3} m, wall {4} m, {5} ha</translation>
    </message>
    <message>
        <source>上水库：{0} {1:g} GWh</source>
        <translation>Upper reservoirs: {0} {1:g} GWh</translation>
    </message>
    <message>
        <source>下水库</source>
        <translation>lower reservoir</translation>
    </message>
    <message>
        <source>下水库：{0} {1:g} GWh</source>
        <translation>Lower reservoirs: {0} {1:g} GWh</translation>
    </message>
    <message>
        <source>列出 {0} 个组合，按{1}排序</source>
        <translation>{0} pairs listed, ranked by {1}</translation>
    </message>
    <message>
        <source>区县</source>
        <translation>County</translation>
    </message>
    <message>
        <source>单击一行：缩放到该组合并显示其影响卡片；识别工具单击地图上的水库或连线亦可。</source>
        <translation>Click a row to zoom to the pair and show its impact card; or click a reservoir or line on the map with the identify tool.</translation>
    </message>
    <message>
        <source>单击各顶点，双击结束；上水库只在该区域内寻找</source>
        <translation>Click the corners, double-click to finish; upper reservoirs are searched inside the area only</translation>
    </message>
    <message>
        <source>参数</source>
        <translation>Set-up</translation>
    </message>
    <message>
        <source>在地图上绘制…</source>
        <translation>Draw on the map…</translation>
    </message>
    <message>
        <source>城市/区县</source>
        <translation>City / county</translation>
    </message>
    <message>
        <source>已绘制：约 {0:,.1f} 平方千米</source>
        <translation>Drawn: about {0:,.1f} km²</translation>
    </message>
    <message>
        <source>库容
GL</source>
        <translation>Volume
GL</translation>
    </message>
    <message>
        <source>成本与碳加权</source>
        <translation>Cost and carbon, weighted</translation>
    </message>
    <message>
        <source>成本（FOM）</source>
        <translation>Cost (FOM)</translation>
    </message>
    <message>
        <source>抽水蓄能组合 #{0}</source>
        <translation>Pumped-storage pair #{0}</translation>
    </message>
    <message>
        <source>抽水蓄能选址</source>
        <translation>Pumped-storage search</translation>
    </message>
    <message>
        <source>排名</source>
        <translation>Rank</translation>
    </message>
    <message>
        <source>搜索范围</source>
        <translation>Search area</translation>
    </message>
    <message>
        <source>最便宜的组合 #{0}（{1} 类，FOM {2:,.0f} 美元/kW）对目标的影响：</source>
        <translation>What the cheapest pair #{0} (class {1}, FOM {2:,.0f} US$/kW) costs the targets:</translation>
    </message>
    <message>
        <source>水头
m</source>
        <translation>Head
m</translation>
    </message>
    <message>
        <source>水头 {0} m，间距 {1} km，坡度 {2}</source>
        <translation>head {0} m, separation {1} km, slope {2}</translation>
    </message>
    <message>
        <source>水岩比 {0}；淹没湿地 {1} 公顷</source>
        <translation>water/rock {0}; wetland flooded {1} ha</translation>
    </message>
    <message>
        <source>没有找到组合</source>
        <translation>No pair found</translation>
    </message>
    <message>
        <source>淹没森林
公顷</source>
        <translation>Forest
flooded ha</translation>
    </message>
    <message>
        <source>碳（淹没森林的 CO₂）</source>
        <translation>Carbon (CO₂ of the forest flooded)</translation>
    </message>
    <message>
        <source>等级</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>组合连线：{0} {1:g} GWh</source>
        <translation>Pairs: {0} {1:g} GWh</translation>
    </message>
    <message>
        <source>组合（按排序）</source>
        <translation>Pairs (ranked)</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Results</translation>
    </message>
    <message>
        <source>范围</source>
        <translation>Area</translation>
    </message>
    <message>
        <source>装机功率</source>
        <translation>Power</translation>
    </message>
    <message>
        <source>规模</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>触及规则：{0}</source>
        <translation>rules hit: {0}</translation>
    </message>
    <message>
        <source>还没有绘制区域</source>
        <translation>No area drawn yet</translation>
    </message>
    <message>
        <source>进度 {0}%</source>
        <translation>Progress {0}%</translation>
    </message>
    <message>
        <source>首次编译计算内核（只需一次，之后缓存在磁盘上）</source>
        <translation>Compiling the computing kernels (once; then cached on disk)</translation>
    </message>
    <message>
        <source>检查计算内核缓存</source>
        <translation>Checking the computing kernels' cache</translation>
    </message>
<message>
        <source>首次启动：正在生成演示数据（合成数据，只需生成一次，约 1 分钟）…</source>
        <translation>First start: generating the demo world (synthetic data, built once, about a minute)…</translation>
    </message>
    <message>
        <source>区县界已显示，其余图层生成后自动出现。进度见“任务”面板。</source>
        <translation>County boundaries are shown; the other layers appear when ready. Progress is in the Tasks panel.</translation>
    </message>
    <message>
        <source>区县内规划抽水蓄能站周边</source>
        <translation>Around the plans' pumped-storage stations in the county</translation>
    </message>
    <message>
        <source>{0} 规划站址周边</source>
        <translation>Around the plans' stations in {0}</translation>
    </message>
    <message>
        <source>规划站址</source>
        <translation>Plan station</translation>
    </message>
    <message>
        <source>上水库：{0}</source>
        <translation>Upper reservoirs: {0}</translation>
    </message>
    <message>
        <source>下水库：{0}</source>
        <translation>Lower reservoirs: {0}</translation>
    </message>
    <message>
        <source>组合连线：{0}</source>
        <translation>Pair lines: {0}</translation>
    </message>
</context>
</TS>
