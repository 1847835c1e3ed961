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
  // The report's download (PNG and PDF are drawn by Chromium on the server: seconds): fetched
  // here so the page says it is being prepared, then that it is done or why it failed, instead
  // of a link that seems to do nothing. Without script the link downloads as before.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-export]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    var box = link.closest("[data-busy]");
    var status = document.getElementById("export-status");
    if (!box || !status || !window.fetch) { return; }
    event.preventDefault();
    if (box.getAttribute("aria-busy") === "true") { return; }
    box.setAttribute("aria-busy", "true");
    status.textContent = box.getAttribute("data-busy");
    fetch(link.href, { credentials: "same-origin" }).then(function (answer) {
      if (!answer.ok) {
        return answer.text().then(function (text) {
          var page = new DOMParser().parseFromString(text, "text/html");
          var problem = page.querySelector("[role=alert]");
          throw new Error(problem ? problem.textContent : String(answer.status));
        });
      }
      var named = /filename="([^"]+)"/.exec(answer.headers.get("Content-Disposition") || "");
      return answer.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var save = document.createElement("a");
        save.href = url;
        save.download = named ? named[1] : "report";
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        status.textContent = box.getAttribute("data-done");
      });
    }).catch(function (error) {
      status.textContent = box.getAttribute("data-failed") + " " + error.message;
    }).then(function () { box.removeAttribute("aria-busy"); });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "panel") {
      event.target.hidden = false;
      var heading = event.target.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  });
})();
