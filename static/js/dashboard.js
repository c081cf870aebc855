/* Charts of the committee dashboard, drawn with the ECharts copy the portal serves itself.
   The numbers come from the page (json_script "chart-data"); tables beside the charts hold the same. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var font = { fontFamily: "system-ui, 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif" };
  var charts = [];

  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box) { return; }
    // Canvas, and tooltips drawn inside it: ECharts' SVG renderer writes style="" attributes on its text and
    // its HTML tooltips carry style="" markup, both refused by the Content-Security-Policy (style-src 'self').
    var chart = echarts.init(box, null, { renderer: "canvas" });
    option.textStyle = font;
    option.tooltip.renderMode = "richText";
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.received, type: "bar", data: data.received, itemStyle: { color: "#b1201f" } },
      { name: data.labels.closed, type: "line", data: data.closed, itemStyle: { color: "#198754" } },
      { name: data.labels.enterprise, type: "line", data: data.enterprise, itemStyle: { color: "#d4a017" } }
    ]
  });

  draw("chart-categories", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 90, right: 24, top: 8, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.categories.map(function (c) { return c.name; }) },
    series: [{ type: "bar", data: data.categories.map(function (c) { return c.value; }), itemStyle: { color: "#b1201f" } }]
  });

  draw("chart-stages", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["40%", "70%"], data: data.stages, label: { formatter: "{b}: {c}" } }]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.querySelectorAll(".collapse").forEach(function (el) {
    el.addEventListener("shown.bs.collapse", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
