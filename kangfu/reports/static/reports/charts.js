/* Charts of the statistics pages. Data comes from the page's json_script element
   (#chart-data): the same shown values as the tables beside the charts, suppressed cells
   as gaps (null). No inline script, no eval: the page's CSP allows only our own files. */
(function () {
  "use strict";

  function init() {
    var source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    // Tooltips as rich text: HTML tooltips would need inline styles, which the CSP refuses.
    var base = {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 28 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", minInterval: 1 }
    };
    var nodeEl = document.getElementById("chart-node");
    if (nodeEl) {
      var names = data.names;
      var series = Object.keys(data.node).map(function (key) {
        return { name: names[key] || key, type: "line", data: data.node[key], connectNulls: false };
      });
      var chart = echarts.init(nodeEl, null, { renderer: "svg" });
      chart.setOption(Object.assign({}, base, { series: series }));
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var childEl = document.getElementById("chart-children");
    if (childEl && data.children.length) {
      var childSeries = data.children.map(function (child) {
        return { name: child.name, type: "bar", stack: "registered", data: child.data };
      });
      var childChart = echarts.init(childEl, null, { renderer: "svg" });
      childChart.setOption(Object.assign({}, base, { series: childSeries }));
      window.addEventListener("resize", function () { childChart.resize(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
