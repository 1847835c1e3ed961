/* recorrido web app: draws the Plotly figures embedded as JSON in the page (and in fragments
   htmx swaps in), and closes the side panel. No inline script anywhere: the CSP forbids it. */
(function () {
  "use strict";
  var config = { displayModeBar: false, responsive: true, displaylogo: false };
  function draw(root) {
    if (!window.Plotly) { return; }
    var nodes = (root || document).querySelectorAll(
      "[data-figure]:not([data-drawn]), [data-figure-json]:not([data-drawn])");
    Array.prototype.forEach.call(nodes, function (node) {
      // Fragments carry the figure in an attribute: htmx drops <script> elements it swaps in.
      var text = node.getAttribute("data-figure-json");
      if (text === null) {
        var source = document.getElementById(node.getAttribute("data-figure"));
        if (!source) { return; }
        text = source.textContent;
      }
      var figure = JSON.parse(text);
      node.setAttribute("data-drawn", "1");
      window.Plotly.newPlot(node, figure.data, figure.layout, config);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-panel]");
    if (close) {
      var panel = document.getElementById("panel");
      if (panel) { panel.innerHTML = ""; panel.hidden = true; }
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "panel") {
      event.target.hidden = false;
      var heading = event.target.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  });
})();
