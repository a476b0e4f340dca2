/* Resource directory pages: "use my location" buttons, the point picker,
   the small map of one resource and the resource map.
   Markers never depend on the tiles: if the tile server is unreachable the
   points still show on the #map background colour. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  function tileLayer(el) {
    var url = el.dataset.tileUrl;
    if (!url) { return null; }
    return L.tileLayer(url, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 });
  }

  function setField(id, value) {
    var input = byId(id);
    if (!input) { return; }
    input.value = value.toFixed(6);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // "Use my location": fill two inputs from navigator.geolocation.
  function initGeolocate(button) {
    button.addEventListener("click", function () {
      var form = button.closest("form, fieldset") || document;
      var status = form.querySelector(".geo-status");
      function say(text) { if (status) { status.hidden = !text; status.textContent = text; } }
      if (!navigator.geolocation) { say(button.dataset.msgUnsupported || "Location is not available on this device."); return; }
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        button.disabled = false;
        say("");
        setField(button.dataset.latField, pos.coords.latitude);
        setField(button.dataset.lonField, pos.coords.longitude);
        // The point's fields may sit under a folded "More filters": show them.
        var field = document.getElementById(button.dataset.latField);
        var folded = field && field.closest("details");
        if (folded) { folded.open = true; }
      }, function (err) {
        button.disabled = false;
        say(err.message);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  function numberOrNull(value) {
    if (value === undefined || value === null || value === "") { return null; }
    var n = parseFloat(String(value).replace(",", "."));
    return isNaN(n) ? null : n;
  }

  // Click-on-map picker bound to the latitude/longitude inputs.
  function initPicker(el) {
    if (typeof L === "undefined") { return; }
    var latInput = byId(el.dataset.latField), lonInput = byId(el.dataset.lonField);
    if (!latInput || !lonInput) { return; }
    var lat = numberOrNull(latInput.value), lon = numberOrNull(lonInput.value);
    var centerLat = numberOrNull(el.dataset.centerLat), centerLon = numberOrNull(el.dataset.centerLon);
    var map = L.map(el);
    var tiles = tileLayer(el);
    if (tiles) { tiles.addTo(map); }
    var marker = null;
    function place(a, b) {
      if (marker) { marker.setLatLng([a, b]); } else { marker = L.circleMarker([a, b], { radius: 8, color: "#0b6e4f", fillOpacity: 0.8 }).addTo(map); }
    }
    if (lat !== null && lon !== null) { map.setView([lat, lon], 16); place(lat, lon); }
    else if (centerLat !== null && centerLon !== null) { map.setView([centerLat, centerLon], 14); }
    else { map.setView([35, 105], 4); }
    map.on("click", function (e) {
      place(e.latlng.lat, e.latlng.lng);
      setField(el.dataset.latField, e.latlng.lat);
      setField(el.dataset.lonField, e.latlng.lng);
    });
    function fromInputs() {
      var a = numberOrNull(latInput.value), b = numberOrNull(lonInput.value);
      if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) { place(a, b); map.panTo([a, b]); }
    }
    latInput.addEventListener("change", fromInputs);
    lonInput.addEventListener("change", fromInputs);
  }

  function initDetailMap(el) {
    if (typeof L === "undefined") { return; }
    var lat = numberOrNull(el.dataset.lat), lon = numberOrNull(el.dataset.lon);
    if (lat === null || lon === null) { return; }
    var map = L.map(el).setView([lat, lon], 16);
    var tiles = tileLayer(el);
    if (tiles) { tiles.addTo(map); }
    L.circleMarker([lat, lon], { radius: 9, color: el.dataset.colour, fillColor: el.dataset.colour, fillOpacity: 0.85 }).addTo(map);
  }

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  // The resource map: points fetched from the map data endpoint with the page's filters.
  function initResourceMap(el) {
    if (typeof L === "undefined") { return; }
    var status = byId("map-status");
    var map = L.map(el, { preferCanvas: true });
    var centerLat = numberOrNull(el.dataset.centerLat), centerLon = numberOrNull(el.dataset.centerLon);
    map.setView(centerLat !== null && centerLon !== null ? [centerLat, centerLon] : [35, 105], centerLat !== null ? 13 : 4);
    var tiles = tileLayer(el);
    if (tiles) { tiles.addTo(map); }
    var url = el.dataset.url + (el.dataset.query ? "?" + el.dataset.query : "");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var layer = L.featureGroup();
        var perKind = {};
        data.points.forEach(function (p) {
          var id = p[0], kind = p[3], name = p[4];
          var colour = (data.kinds[kind] || {}).colour || "#808080";
          perKind[kind] = (perKind[kind] || 0) + 1;
          var popup = document.createElement("a");
          popup.href = el.dataset.detailUrl.replace("/0/", "/" + id + "/");
          popup.textContent = name;
          L.circleMarker([p[1], p[2]], { radius: 6, weight: 1, color: "#1d2430", fillColor: colour, fillOpacity: 0.85 })
            .bindPopup(popup).addTo(layer);
        });
        layer.addTo(map);
        if (data.points.length) { map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 17, animate: false }); }
        el.dataset.state = "ready";  // the points are drawn where they will stay
        document.querySelectorAll(".legend .on-map").forEach(function (span) {
          span.textContent = format(el.dataset.msgOnMap, { n: perKind[span.dataset.kind] || 0 });
        });
        if (status) {
          if (!data.points.length) { status.textContent = el.dataset.msgNone; }
          else if (data.truncated) { status.textContent = format(el.dataset.msgTruncated, data); }
          else { status.textContent = format(el.dataset.msgCount, data); }
        }
      })
      .catch(function () { if (status) { status.textContent = el.dataset.msgError; } });
  }

  function init() {
    document.querySelectorAll("[data-geolocate]").forEach(initGeolocate);
    var picker = byId("picker-map");
    if (picker) { initPicker(picker); }
    var detail = byId("detail-map");
    if (detail) { initDetailMap(detail); }
    var map = byId("map");
    if (map && map.dataset.url) { initResourceMap(map); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
