/* recorrido report: draws the charts from the JSON embedded in the page with the inlined
   plotly.js; sets body[data-ready="1"] when done (the PNG/PDF export waits for it). */
(function () {
  "use strict";
  var body = document.body;
  // A3 landscape less the 9 mm margins of the print stylesheet, in CSS pixels.
  var PAGE_HEIGHT = (297 - 18) * 96 / 25.4;

  // Printing: scale the map so that the title and the map fill the first page.
  function fitPrint() {
    var map = document.querySelector(".map-section");
    var top = document.querySelector(".top");
    if (!map || !top) { return; }
    var room = PAGE_HEIGHT - top.getBoundingClientRect().height - 12;
    var zoom = 1;
    map.style.zoom = "";
    for (var i = 0; i < 5; i++) {
      var height = map.getBoundingClientRect().height;
      if (height <= room) { break; }
      zoom = zoom * room / height * 0.98;
      map.style.zoom = String(zoom);
    }
  }
  function unfitPrint() {
    var map = document.querySelector(".map-section");
    if (map) { map.style.zoom = ""; }
  }
  window.recorridoFitPrint = fitPrint;
  window.addEventListener("beforeprint", fitPrint);
  window.addEventListener("afterprint", unfitPrint);
  if (window.matchMedia) {
    var printing = window.matchMedia("print");
    if (printing.addEventListener) {
      printing.addEventListener("change", function (e) { if (e.matches) { fitPrint(); } });
    }
  }
  var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-figure]"));
  if (!window.Plotly || nodes.length === 0) {
    body.setAttribute("data-ready", "1");
    return;
  }
  var config = { displayModeBar: false, responsive: true, displaylogo: false };
  var drawn = nodes.map(function (node) {
    var source = document.getElementById(node.getAttribute("data-figure"));
    var figure = JSON.parse(source.textContent);
    // On a phone the journeys' long names would be cut at the left edge: they go inside the
    // plot, above the thin bars, where the whole width is theirs.
    if (node.getAttribute("data-figure") === "fig-paths" && window.innerWidth < 600) {
      figure.layout.yaxis = Object.assign({}, figure.layout.yaxis,
        { ticklabelposition: "inside top", automargin: false, tickfont: { size: 10.5 } });
      figure.layout.margin = Object.assign({}, figure.layout.margin, { l: 4 });
      figure.data[0] = Object.assign({}, figure.data[0], { width: 0.36, offset: -0.4 });
    }
    return window.Plotly.newPlot(node, figure.data, figure.layout, config);
  });
  Promise.all(drawn).then(
    function () { body.setAttribute("data-ready", "1"); },
    function (error) { body.setAttribute("data-ready", "error"); throw error; }
  );
  function resize() {
    nodes.forEach(function (node) { window.Plotly.Plots.resize(node); });
  }
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
