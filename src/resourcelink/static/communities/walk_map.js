// Small map of a walk's observations; each point links to its row below.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var data = function (id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; };
  var points = data("obs-points") || [];
  if (!points.length) return;
  var map = L.map(el);
  var tiles = data("tile-url");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: data("tile-attribution") || "" }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 8, weight: 2, color: "#0b6e4f", fillOpacity: 0.6 }).addTo(map);
    var a = document.createElement("a");
    a.href = "#obs-" + p.id;
    a.textContent = p.title;
    m.bindPopup(a);
    bounds.push([p.lat, p.lon]);
  });
  map.fitBounds(bounds, { maxZoom: 17, padding: [20, 20] });
})();
