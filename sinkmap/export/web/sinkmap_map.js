/* sinkmap offline web map runtime (MIT, part of sinkmap).
 *
 * Draws compact vector layers written by sinkmap.export.webmap on canvas tiles (an L.GridLayer):
 * coordinates are quantised integers, delta- and varint-encoded per level of detail; each zoom band has
 * its own level simplified to half a pixel of its most detailed zoom. Attribute values are only ever put
 * in the page as text (textContent / createTextNode), never as markup.
 */
(function () {
  "use strict";

  // -- decoding ---------------------------------------------------------------------------------------
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", SYM = new Int8Array(128);
  for (var a = 0; a < 64; a++) SYM[ALPHABET.charCodeAt(a)] = a;
  var POW32 = [];
  for (var p = 0; p < 12; p++) POW32.push(Math.pow(2, 5 * p));
  // the integers of a varint string, into a typed array of ``count`` values (or a plain array, unsized)
  function decodeInts(str, count) {
    var out = count !== undefined ? new Float64Array(count) : [], i = 0, k = 0, n = str.length;
    while (i < n) {
      var r = 0, s = 0, b;
      do {
        b = SYM[str.charCodeAt(i++)];
        r += (b & 31) * POW32[s++];
      } while (b >= 32);
      out[k++] = r % 2 === 1 ? -(r + 1) / 2 : r / 2;
    }
    return out;
  }

  var R2D = 180 / Math.PI;
  function worldX(lon) { return (lon + 180) / 360 * 256; }
  function worldY(lat) {
    var s = Math.sin(lat / R2D);
    s = Math.max(Math.min(s, 0.9999), -0.9999);
    return (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256;
  }

  // one level of detail: world-pixel coordinates (zoom 0), rings per feature, bounding boxes, grid index
  function decodeLevel(spec, n, kind) {
    var nv = spec.n, d = decodeInts(spec.c, 2 * nv), q = spec.q, ox = spec.o[0], oy = spec.o[1];
    var xy = d, x = 0, y = 0, i;  // decoded in place: deltas → world pixels
    for (i = 0; i < nv; i++) {
      x += d[2 * i]; y += d[2 * i + 1];
      xy[2 * i] = worldX((ox + x) * q);
      xy[2 * i + 1] = worldY((oy + y) * q);
    }
    var ringLen, ringsOf;
    if (kind === "point") {
      ringLen = new Int32Array(n).fill(1);
      ringsOf = new Int32Array(n).fill(1);
    } else {
      ringLen = Int32Array.from(decodeInts(spec.r, spec.nr));
      ringsOf = Int32Array.from(decodeInts(spec.f, n));
    }
    var ringStart = new Int32Array(ringLen.length + 1), featRing = new Int32Array(n + 1);
    for (i = 0; i < ringLen.length; i++) ringStart[i + 1] = ringStart[i] + ringLen[i];
    for (i = 0; i < n; i++) featRing[i + 1] = featRing[i] + ringsOf[i];
    var bbox = new Float64Array(4 * n);
    for (var f = 0; f < n; f++) {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (var r = featRing[f]; r < featRing[f + 1]; r++) {
        for (var v = ringStart[r]; v < ringStart[r + 1]; v++) {
          var px = xy[2 * v], py = xy[2 * v + 1];
          if (px < x0) x0 = px; if (px > x1) x1 = px; if (py < y0) y0 = py; if (py > y1) y1 = py;
        }
      }
      bbox[4 * f] = x0; bbox[4 * f + 1] = y0; bbox[4 * f + 2] = x1; bbox[4 * f + 3] = y1;
    }
    var lvl = {zoom: spec.z, xy: xy, ringStart: ringStart, featRing: featRing, bbox: bbox, n: n};
    buildIndex(lvl);
    return lvl;
  }

  function buildIndex(lvl) {
    var n = lvl.n, b = lvl.bbox, gx0 = Infinity, gy0 = Infinity, gx1 = -Infinity, gy1 = -Infinity, f;
    for (f = 0; f < n; f++) {
      if (!(b[4 * f] <= b[4 * f + 2])) continue;
      gx0 = Math.min(gx0, b[4 * f]); gy0 = Math.min(gy0, b[4 * f + 1]);
      gx1 = Math.max(gx1, b[4 * f + 2]); gy1 = Math.max(gy1, b[4 * f + 3]);
    }
    if (!(gx0 <= gx1)) { gx0 = gy0 = 0; gx1 = gy1 = 1; }
    var side = Math.max(1, Math.min(512, Math.ceil(Math.sqrt(n / 2))));
    var cw = Math.max((gx1 - gx0) / side, 1e-12), ch = Math.max((gy1 - gy0) / side, 1e-12);
    var counts = new Int32Array(side * side + 1), span = new Int32Array(4 * n), cx, cy;
    for (f = 0; f < n; f++) {
      if (!(b[4 * f] <= b[4 * f + 2])) { span[4 * f] = 1; span[4 * f + 1] = 0; continue; }
      span[4 * f] = Math.max(0, Math.min(side - 1, Math.floor((b[4 * f] - gx0) / cw)));
      span[4 * f + 1] = Math.max(0, Math.min(side - 1, Math.floor((b[4 * f + 2] - gx0) / cw)));
      span[4 * f + 2] = Math.max(0, Math.min(side - 1, Math.floor((b[4 * f + 1] - gy0) / ch)));
      span[4 * f + 3] = Math.max(0, Math.min(side - 1, Math.floor((b[4 * f + 3] - gy0) / ch)));
      for (cy = span[4 * f + 2]; cy <= span[4 * f + 3]; cy++)
        for (cx = span[4 * f]; cx <= span[4 * f + 1]; cx++) counts[cy * side + cx + 1]++;
    }
    for (var c = 0; c < side * side; c++) counts[c + 1] += counts[c];
    var fill = counts.slice(0, side * side), items = new Int32Array(counts[side * side]);
    for (f = 0; f < n; f++) {
      for (cy = span[4 * f + 2]; cy <= span[4 * f + 3]; cy++)
        for (cx = span[4 * f]; cx <= span[4 * f + 1]; cx++) items[fill[cy * side + cx]++] = f;
    }
    lvl.grid = {x0: gx0, y0: gy0, cw: cw, ch: ch, side: side, start: counts, items: items};
    lvl.stamp = new Int32Array(n);
    lvl.query = 0;
  }

  // features whose box meets [x0, x1] × [y0, y1] (world pixels), each once
  function query(lvl, x0, y0, x1, y1) {
    var g = lvl.grid, out = [], b = lvl.bbox, id = ++lvl.query;
    var cx0 = Math.max(0, Math.floor((x0 - g.x0) / g.cw)), cx1 = Math.min(g.side - 1, Math.floor((x1 - g.x0) / g.cw));
    var cy0 = Math.max(0, Math.floor((y0 - g.y0) / g.ch)), cy1 = Math.min(g.side - 1, Math.floor((y1 - g.y0) / g.ch));
    for (var cy = cy0; cy <= cy1; cy++) {
      for (var cx = cx0; cx <= cx1; cx++) {
        var c = cy * g.side + cx;
        for (var k = g.start[c]; k < g.start[c + 1]; k++) {
          var f = g.items[k];
          if (lvl.stamp[f] === id) continue;
          lvl.stamp[f] = id;
          if (b[4 * f + 2] >= x0 && b[4 * f] <= x1 && b[4 * f + 3] >= y0 && b[4 * f + 1] <= y1) out.push(f);
        }
      }
    }
    out.sort(function (a, b2) { return a - b2; });
    return out;
  }

  // one ring or line into the current path; a ring is closed with a line back to its start (closePath on a
  // path of thousands of subpaths is slow in Chromium)
  var BATCH = 400;
  function ring(ctx, xy, v0, v1, scale, ox, oy, closed) {
    var x0 = xy[2 * v0] * scale - ox, y0 = xy[2 * v0 + 1] * scale - oy;
    ctx.moveTo(x0, y0);
    for (var v = v0 + 1; v < v1; v++) ctx.lineTo(xy[2 * v] * scale - ox, xy[2 * v + 1] * scale - oy);
    if (closed) ctx.lineTo(x0, y0);
  }

  // -- text-only DOM helpers -------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // -- the layer ---------------------------------------------------------------------------------------
  var VectorLayer = L.GridLayer.extend({
    initialize: function (data, options) {
      L.setOptions(this, options);
      this.data = data;
      this.n = data.n;
      this.levels = new Array(data.levels.length);
      this.drawn = new Uint8Array(data.n);
      this.nDrawn = 0;
      this.cls = data.style.cls ? Int32Array.from(decodeInts(data.style.cls, data.n)) : null;
      this._decoded = {};
    },

    level: function (zoom) {
      var specs = this.data.levels, k = specs.length - 1;
      for (var i = 0; i < specs.length; i++) if (specs[i].z >= zoom) { k = i; break; }
      if (!this.levels[k]) this.levels[k] = decodeLevel(specs[k], this.n, this.data.kind);
      return this.levels[k];
    },

    fillOf: function (f) {
      var s = this.data.style;
      if (!this.cls) return s.fills[0];
      var c = this.cls[f];
      return c >= 0 && c < s.fills.length ? s.fills[c] : s.other;
    },

    createTile: function (coords) {
      var size = this.getTileSize(), tile = document.createElement("canvas");
      var ratio = window.devicePixelRatio || 1;
      tile.width = size.x * ratio; tile.height = size.y * ratio;
      var ctx = tile.getContext("2d");
      ctx.scale(ratio, ratio);
      this.drawTile(ctx, coords, size);
      return tile;
    },

    drawTile: function (ctx, coords, size) {
      var z = coords.z, scale = Math.pow(2, z), lvl = this.level(z), s = this.data.style;
      var ox = coords.x * size.x, oy = coords.y * size.y, pad = (s.weight || 1) + (s.radius || 0) + 1;
      var feats = query(lvl, (ox - pad) / scale, (oy - pad) / scale, (ox + size.x + pad) / scale,
                        (oy + size.y + pad) / scale);
      var kind = this.data.kind, xy = lvl.xy, rs = lvl.ringStart, fr = lvl.featRing, b = lvl.bbox;
      var i, f, r, v, k, groups = {}, order = [], outlined = [];
      ctx.lineJoin = "round"; ctx.lineCap = "round";
      for (i = 0; i < feats.length; i++) {  // one path per fill colour: a few fills per tile, not one per feature
        f = feats[i];
        if (!this.drawn[f]) { this.drawn[f] = 1; this.nDrawn++; }
        k = this.cls ? this.cls[f] : 0;
        if (!groups[k]) { groups[k] = []; order.push(k); }
        groups[k].push(f);
      }
      for (var g = 0; g < order.length; g++) {
        var members = groups[order[g]], fill = this.fillOf(members[0]), inPath = 0;
        ctx.beginPath();
        var dots = [];
        for (i = 0; i < members.length; i++) {
          f = members[i];
          if (kind === "point") {
            var px = xy[2 * rs[fr[f]]] * scale - ox, py = xy[2 * rs[fr[f]] + 1] * scale - oy;
            ctx.moveTo(px + s.radius, py); ctx.arc(px, py, s.radius, 0, 2 * Math.PI);
            continue;
          }
          var w = (b[4 * f + 2] - b[4 * f]) * scale, h = (b[4 * f + 3] - b[4 * f + 1]) * scale;
          if (w < 1.5 && h < 1.5) { dots.push(f); continue; }  // a dot: every feature shows at every zoom
          for (r = fr[f]; r < fr[f + 1]; r++) ring(ctx, xy, rs[r], rs[r + 1], scale, ox, oy, kind === "polygon");
          if (w > 4 || h > 4 || kind === "line") outlined.push(f);
          if (++inPath >= BATCH && kind === "polygon" && s.fillOpacity > 0) {  // long paths get slow to build
            ctx.globalAlpha = s.fillOpacity; ctx.fillStyle = fill; ctx.fill("nonzero");
            ctx.beginPath(); inPath = 0;
          }
        }
        if (kind === "line") {
          ctx.globalAlpha = s.opacity; ctx.lineWidth = s.weight; ctx.strokeStyle = this.cls ? fill : s.stroke; ctx.stroke();
        } else if (kind === "point") {
          ctx.globalAlpha = s.fillOpacity; ctx.fillStyle = fill; ctx.fill();
          ctx.globalAlpha = 1; ctx.lineWidth = s.weight; ctx.strokeStyle = s.stroke; ctx.stroke();
        } else if (s.fillOpacity > 0) {
          ctx.globalAlpha = s.fillOpacity; ctx.fillStyle = fill; ctx.fill("nonzero");  // holes wind the other way
        }
        if (dots.length) {
          ctx.globalAlpha = kind === "polygon" ? Math.max(s.fillOpacity, 0.6) : 1;
          ctx.fillStyle = kind === "polygon" ? fill : s.stroke;
          for (i = 0; i < dots.length; i++) {
            f = dots[i];
            ctx.fillRect(Math.floor((b[4 * f] + b[4 * f + 2]) / 2 * scale - ox),
                         Math.floor((b[4 * f + 1] + b[4 * f + 3]) / 2 * scale - oy), 1, 1);
          }
        }
      }
      if (kind === "polygon" && s.weight > 0 && outlined.length) {
        ctx.globalAlpha = s.opacity; ctx.lineWidth = s.weight; ctx.strokeStyle = s.stroke;
        ctx.beginPath();
        for (i = 0; i < outlined.length; i++) {
          f = outlined[i];
          for (r = fr[f]; r < fr[f + 1]; r++) ring(ctx, xy, rs[r], rs[r + 1], scale, ox, oy, true);
          if ((i + 1) % BATCH === 0) { ctx.stroke(); ctx.beginPath(); }
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    },

    // features under a map point (latlng), top first: polygons containing it, lines and points near it
    hits: function (latlng, tolPx) {
      var map = this._map, z = map.getZoom(), scale = Math.pow(2, z), lvl = this.level(Math.round(z));
      var wx = worldX(latlng.lng), wy = worldY(latlng.lat), t = (tolPx + (this.data.style.radius || 0)) / scale;
      var cand = query(lvl, wx - t, wy - t, wx + t, wy + t), out = [], kind = this.data.kind;
      var xy = lvl.xy, rs = lvl.ringStart, fr = lvl.featRing;
      for (var i = cand.length - 1; i >= 0; i--) {
        var f = cand[i];
        if (kind === "point") { out.push(f); continue; }
        if (kind === "polygon") {
          var inside = false;
          for (var r = fr[f]; r < fr[f + 1]; r++) {
            for (var v = rs[r], u = rs[r + 1] - 1; v < rs[r + 1]; u = v++) {
              var xi = xy[2 * v], yi = xy[2 * v + 1], xj = xy[2 * u], yj = xy[2 * u + 1];
              if ((yi > wy) !== (yj > wy) && wx < (xj - xi) * (wy - yi) / (yj - yi) + xi) inside = !inside;
            }
          }
          if (inside) out.push(f);
          continue;
        }
        for (var r2 = fr[f]; r2 < fr[f + 1]; r2++) {  // lines: within the tolerance of a segment
          var hit = false;
          for (var v2 = rs[r2] + 1; v2 < rs[r2 + 1] && !hit; v2++) {
            var ax = xy[2 * v2 - 2], ay = xy[2 * v2 - 1], bx = xy[2 * v2], by = xy[2 * v2 + 1];
            var dx = bx - ax, dy = by - ay, L2 = dx * dx + dy * dy;
            var tt = L2 > 0 ? Math.max(0, Math.min(1, ((wx - ax) * dx + (wy - ay) * dy) / L2)) : 0;
            var ex = ax + tt * dx - wx, ey = ay + tt * dy - wy;
            hit = ex * ex + ey * ey <= t * t;
          }
          if (hit) { out.push(f); break; }
        }
      }
      return out;
    },

    title: function (f) {
      var p = this.data.props, k = p.title;
      return k === null || k === undefined ? "#" + (f + 1) : this.value(k, f);
    },

    value: function (k, f) {
      var col = this.data.props.cols[k];
      if (col.dict) { var j = col.idx[f]; return j < 0 ? "" : col.dict[j]; }
      var v = col.values[f];
      return v === null || v === undefined ? "" : v;
    },

    popupSection: function (f) {
      var box = el("div", "sm-section");
      box.appendChild(el("div", "sm-layer", this.data.name));
      box.appendChild(el("div", "sm-title", this.title(f)));
      var rich = this.data.rich;
      if (rich && rich[f]) {
        var r = rich[f];
        if (r.note) box.appendChild(el("div", "sm-note", r.note));
        if (r.table) {
          var t = el("table", "sm-ledger"), head = el("tr");
          r.table.head.forEach(function (h) { head.appendChild(el("th", null, h)); });
          t.appendChild(head);
          r.table.rows.forEach(function (row, ri) {
            var tr = el("tr");
            row.forEach(function (cell, j) {
              var st = r.table.status && j === r.table.statusCol ? r.table.status[ri] : null;
              tr.appendChild(el("td", st ? "sm-st-" + st : null, cell));
            });
            t.appendChild(tr);
          });
          box.appendChild(t);
        }
        (r.quotes || []).forEach(function (q) {
          var qb = el("blockquote", "sm-quote");
          qb.appendChild(el("div", "sm-quote-text", q.text));
          qb.appendChild(el("div", "sm-quote-src", q.source));
          box.appendChild(qb);
        });
      }
      var p = this.data.props;
      if (p.cols.length) {
        var tbl = el("table", "sm-props");
        for (var k = 0; k < p.cols.length; k++) {
          if (k === p.title && !(rich && rich[f])) continue;
          var tr = el("tr");
          tr.appendChild(el("th", null, p.cols[k].label));
          tr.appendChild(el("td", null, this.value(k, f)));
          tbl.appendChild(tr);
        }
        box.appendChild(tbl);
      }
      return box;
    },

    drawnCount: function () { return this.nDrawn; }
  });

  // -- rasters: one PNG (Web Mercator, coloured at export) as an image overlay -------------------------
  var RasterLayer = L.ImageOverlay.extend({
    initialize: function (data, options) {
      this.data = data;
      this.n = 1;
      this.loaded = false;
      L.ImageOverlay.prototype.initialize.call(this, data.url, data.bounds, L.extend(
        {opacity: data.style.opacity, interactive: false, className: "sm-raster", alt: ""}, options));
      this.on("load", function () { this.loaded = true; }, this);
    },
    isLoading: function () { return !this.loaded; },
    hits: function () { return []; },
    drawnCount: function () { return this.loaded && this._image && this._image.naturalWidth > 0 ? 1 : 0; }
  });

  // -- controls -----------------------------------------------------------------------------------
  function legendControl(spec, layers) {
    var ctl = L.control({position: "bottomright"});
    ctl.onAdd = function () {
      var div = el("div", "sm-legend leaflet-control");
      div.appendChild(el("div", "sm-legend-title", spec.legend));
      layers.forEach(function (layer) {
        var lg = layer.data.legend;
        if (!lg) return;
        var sec = el("div", "sm-legend-layer");
        sec.appendChild(el("div", "sm-legend-name", lg.title));
        lg.rows.forEach(function (row) {
          var r = el("div", "sm-legend-row"), sw = el("span", "sm-swatch sm-swatch-" + layer.data.kind);
          sw.style.background = row[0];
          sw.style.borderColor = layer.data.style.stroke;
          if (row.length > 2 && row[2] === 0) { sw.style.background = "transparent"; sw.className += " sm-swatch-clear"; }
          r.appendChild(sw); r.appendChild(el("span", null, row[1]));
          sec.appendChild(r);
        });
        layer._legendNode = sec;
        if (!layer._map) sec.style.display = "none";
        div.appendChild(sec);
      });
      (spec.notes || []).forEach(function (t) { div.appendChild(el("div", "sm-legend-note", t)); });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return ctl;
  }

  function titleControl(spec) {
    var ctl = L.control({position: "topleft"});
    ctl.onAdd = function () {
      var div = el("div", "sm-titlebox leaflet-control");
      div.appendChild(el("div", "sm-maptitle", spec.title));
      if (spec.subtitle) div.appendChild(el("div", "sm-subtitle", spec.subtitle));
      if (spec.synthetic) div.appendChild(el("div", "sm-synthetic", spec.synthetic));
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return ctl;
  }

  function northArrow() {
    var ctl = L.control({position: "topright"});
    ctl.onAdd = function () {
      var div = el("div", "sm-north leaflet-control");
      div.appendChild(el("div", "sm-north-arrow", "▲"));
      div.appendChild(el("div", "sm-north-n", "N"));
      return div;
    };
    return ctl;
  }

  // -- the page ------------------------------------------------------------------------------------
  function setup(map, spec, layerVars) {
    var layers = layerVars;
    var api = {map: map, layers: layers, ready: false, spec: spec};
    window.SINKMAP = api;
    titleControl(spec).addTo(map);
    northArrow().addTo(map);
    legendControl(spec, layers).addTo(map);
    map.on("overlayadd overlayremove", function (e) {
      if (e.layer && e.layer._legendNode) e.layer._legendNode.style.display = e.type === "overlayadd" ? "" : "none";
    });

    var tooltip = L.tooltip({direction: "top", offset: [0, -6], opacity: 0.95});
    var pending = null;
    map.on("mousemove", function (e) {
      if (pending) return;
      pending = L.Util.requestAnimFrame(function () {
        pending = null;
        for (var i = layers.length - 1; i >= 0; i--) {
          var layer = layers[i];
          if (!layer._map || !layer.data.tooltip) continue;
          var h = layer.hits(e.latlng, 4);
          if (h.length) {
            var node = el("div", "sm-tip");
            node.appendChild(el("b", null, layer.title(h[0])));
            if (layer.data.rich && layer.data.rich[h[0]] && layer.data.rich[h[0]].tip)
              node.appendChild(el("div", null, layer.data.rich[h[0]].tip));
            tooltip.setLatLng(e.latlng).setContent(node);
            if (!map.hasLayer(tooltip)) tooltip.addTo(map);
            return;
          }
        }
        if (map.hasLayer(tooltip)) map.removeLayer(tooltip);
      });
    });
    map.on("mouseout", function () { if (map.hasLayer(tooltip)) map.removeLayer(tooltip); });

    api.popupAt = function (latlng) {
      var box = el("div", "sm-popup"), any = false;
      for (var i = layers.length - 1; i >= 0; i--) {
        var layer = layers[i];
        if (!layer._map) continue;
        var hits = layer.hits(latlng, 5).slice(0, 3);
        hits.forEach(function (f) { box.appendChild(layer.popupSection(f)); any = true; });
      }
      if (!any) return null;
      return L.popup({maxWidth: 460, maxHeight: 420}).setLatLng(latlng).setContent(box).openOn(map);
    };
    map.on("click", function (e) { api.popupAt(e.latlng); });

    // for checks: open the popup and the tooltip of feature f of layer k
    api.openFeature = function (k, f) {
      var layer = layers[k], lvl = layer.level(Math.round(map.getZoom())), b = lvl.bbox;
      var cx = (b[4 * f] + b[4 * f + 2]) / 2, cy = (b[4 * f + 1] + b[4 * f + 3]) / 2;
      var ll = map.unproject([cx, cy], 0);
      var box = el("div", "sm-popup");
      box.appendChild(layer.popupSection(f));
      var node = el("div", "sm-tip");
      node.appendChild(el("b", null, layer.title(f)));
      tooltip.setLatLng(ll).setContent(node);
      if (!map.hasLayer(tooltip)) tooltip.addTo(map);
      return L.popup({maxWidth: 460, maxHeight: 420}).setLatLng(ll).setContent(box).openOn(map);
    };

    if (spec.bounds) map.fitBounds(spec.bounds, {animate: false});
    var loading = layers.filter(function (l) { return l._map && l.isLoading(); });
    var waiting = loading.length;
    function done() { if (--waiting <= 0) api.ready = true; }
    if (!waiting) api.ready = true;
    loading.forEach(function (l) { l.once("load", done); });
    return api;
  }

  window.sinkmapWeb = {
    layer: function (data, options) { return new VectorLayer(data, options); },
    raster: function (data, options) { return new RasterLayer(data, options); },
    setup: setup,
    decodeInts: decodeInts
  };
})();
