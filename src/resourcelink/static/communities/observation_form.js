// The "where" part of the observation form: the phone's location, a tap on
// the map, or an address. Works without tiles (the map is then blank but
// still takes taps) and without JavaScript (type the numbers or an address).
(function () {
  "use strict";
  var form = document.getElementById("obs-form");
  if (!form) return;
  var lat = form.querySelector("[name=latitude]");
  var lon = form.querySelector("[name=longitude]");
  var source = form.querySelector("[name=location_source]");
  var status = document.getElementById("geo-status");
  var data = function (id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; };
  var say = function (text) { status.textContent = text; };

  var map = null, marker = null;
  var hasPoint = function () { return lat.value !== "" && lon.value !== ""; };

  function showPoint(zoom) {
    if (!map) return;
    if (!hasPoint()) { if (marker) { map.removeLayer(marker); marker = null; } return; }
    var ll = [parseFloat(lat.value), parseFloat(lon.value)];
    if (isNaN(ll[0]) || isNaN(ll[1])) return;
    if (marker) marker.setLatLng(ll);
    else marker = L.circleMarker(ll, { radius: 10, weight: 3, color: "#0b6e4f", fillOpacity: 0.5 }).addTo(map);
    map.setView(ll, zoom || Math.max(map.getZoom(), 17));
  }

  function setPoint(la, lo, how) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    source.value = how;
    showPoint();
  }

  if (window.L && document.getElementById("map")) {
    var centre = data("map-centre") || [];
    var known = centre[0] != null && centre[1] != null;
    map = L.map("map", { tap: true }).setView(known ? centre : [35, 105], known ? 15 : 4);
    var tiles = data("tile-url");
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: data("tile-attribution") || "" }).addTo(map);
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, "map"); say(form.dataset.msgMap); });
    if (hasPoint()) showPoint(17);
  }

  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () { if (hasPoint()) { source.value = "map"; showPoint(); } });
  });

  document.getElementById("clear-point").addEventListener("click", function () {
    lat.value = ""; lon.value = ""; source.value = "address"; showPoint(); say("");
  });

  var button = document.getElementById("use-location");
  button.addEventListener("click", function () {
    if (!("geolocation" in navigator)) { say(form.dataset.msgUnavailable); return; }
    say(form.dataset.msgLocating);
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      button.disabled = false;
      setPoint(pos.coords.latitude, pos.coords.longitude, "gps");
      say(form.dataset.msgFound.replace("%(m)s", Math.round(pos.coords.accuracy)));
    }, function () {
      button.disabled = false;
      say(form.dataset.msgDenied);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  });
})();
