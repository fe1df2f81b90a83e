// report.html's script: draws the timeline charts from the JSON data block
// and makes the tables sortable and filterable. It never turns data into
// markup: chart options are parsed as JSON and table cells are only moved
// or hidden.
(function () {
  "use strict";

  // Charts: one echarts instance per chart, linked so that zooming or
  // hovering one does the same on the others.
  var data = document.getElementById("ff-charts");
  var specs = data ? JSON.parse(data.textContent) : null;
  var instances = [];
  (specs || []).forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) {
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(spec.option);
    chart.group = "timeline";
    instances.push(chart);
  });
  if (instances.length > 1) {
    echarts.connect("timeline");
  }
  window.addEventListener("resize", function () {
    instances.forEach(function (c) { c.resize(); });
  });

  // Tables: a click on a header sorts by that column (again: the other
  // way); a cell's data-v, when present, is its value for sorting.
  function cellValue(row, i, numeric) {
    var cell = row.cells[i];
    if (!cell) {
      return numeric ? -Infinity : "";
    }
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    if (numeric) {
      var n = parseFloat(v);
      return isNaN(n) ? -Infinity : n;
    }
    return v.trim().toLowerCase();
  }

  function sortBy(table, th) {
    var i = th.cellIndex;
    var numeric = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r, k) {
      return { row: r, key: cellValue(r, i, numeric), k: k };
    });
    rows.sort(function (a, b) {
      if (a.key < b.key) { return -dir; }
      if (a.key > b.key) { return dir; }
      return a.k - b.k;
    });
    rows.forEach(function (x) { body.appendChild(x.row); });
  }

  // Filters: rows whose text contains the typed words (all of them, any
  // case) and, for the accounts, whose classification is the chosen one.
  function applyFilter(table) {
    var text = document.querySelector('[data-filter="' + table.id + '"]');
    var cls = document.querySelector('[data-filter-class="' + table.id + '"]');
    var words = text ? text.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    var want = cls ? cls.value : "";
    var shown = 0;
    var rows = table.tBodies[0].rows;
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r];
      var hay = row.textContent.toLowerCase();
      var ok = (!want || row.getAttribute("data-class") === want) &&
        words.every(function (w) { return hay.indexOf(w) >= 0; });
      row.classList.toggle("hidden", !ok);
      if (ok) {
        shown++;
      }
    }
    var out = document.querySelector('[data-shown="' + table.id + '"]');
    if (out) {
      out.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute("title", "Sort");
      th.addEventListener("click", function () { sortBy(table, th); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-filter="' + table.id + '"], [data-filter-class="' + table.id + '"]'), function (input) {
      input.addEventListener("input", function () { applyFilter(table); });
      input.addEventListener("change", function () { applyFilter(table); });
    });
  });
})();
