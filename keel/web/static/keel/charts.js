/* Keel charts: declarative Chart.js without inline scripts.
 *
 * A template renders the chart's configuration with Django's json_script filter and a
 * canvas that names it:
 *
 *   {{ chart|json_script:"orders-chart" }}
 *   <div class="chart"><canvas data-chart="orders-chart" aria-label="Orders per day" role="img"></canvas></div>
 *
 * The configuration is plain Chart.js JSON ({"type", "data", "options"}); no functions,
 * so nothing in it can execute. Charts render without animation (dashboards and
 * screenshots show the final state at once) and are re-drawn after htmx swaps.
 */
(function () {
  "use strict";
  var palette = ["#0f5c8c", "#e07a1f", "#1d7a46", "#8e44ad", "#b42318", "#5b6673", "#2a9d8f", "#c99a00"];

  function render(canvas) {
    if (canvas.dataset.chartReady === "1" || typeof Chart === "undefined") { return; }
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var config = JSON.parse(source.textContent);
    config.options = config.options || {};
    config.options.animation = false;
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    (config.data.datasets || []).forEach(function (dataset, index) {
      var colour = palette[index % palette.length];
      if (dataset.borderColor === undefined) { dataset.borderColor = colour; }
      if (dataset.backgroundColor === undefined) { dataset.backgroundColor = config.type === "bar" ? colour : colour + "22"; }
      if (dataset.pointRadius === undefined && config.type === "line") { dataset.pointRadius = 0; }
    });
    canvas.dataset.chartReady = "1";
    new Chart(canvas, config);
  }

  function renderAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(render);
  }

  if (typeof Chart !== "undefined") {
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.color = "#5b6673";
    Chart.defaults.borderColor = "#dde3ea";
  }
  document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { renderAll(event.target); });
}());
