// report.html's script: draws the charts from the JSON data block, makes the
// tables sortable (by the buttons in their headers) and filterable, opens an
// account's evidence panel, and filters the accounts to a campaign. It never
// turns data into markup: chart options are parsed as JSON, and table rows
// and panels are only moved, shown or hidden.
(function () {
  "use strict";

  var each = function (list, f) { Array.prototype.forEach.call(list, f); };

  // Charts: one echarts instance per chart. Those of the timeline are
  // linked, so that zooming or hovering one does the same on the others;
  // the wheel zooms only with Ctrl held, and otherwise scrolls the page.
  // echarts 5 stops the page from scrolling under any wheel over a chart
  // that zooms, whatever its dataZoom's zoomOnMouseWheel says (its roam
  // controller takes the wheel for all of them, then asks each dataZoom), so
  // a turn without Ctrl never reaches the chart.
  var passWheel = function (e) {
    if (!e.ctrlKey) {
      e.stopPropagation();
    }
  };
  var data = document.getElementById("ff-charts");
  var specs = data ? JSON.parse(data.textContent) : null;
  var instances = [];
  var timeline = [];
  (specs || []).forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) {
      return;
    }
    el.addEventListener("wheel", passWheel, { capture: true, passive: true });
    el.addEventListener("mousewheel", passWheel, { capture: true, passive: true });
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(spec.option);
    if (spec.group) {
      chart.group = spec.group;
      timeline.push(chart);
    }
    instances.push(chart);
  });
  if (timeline.length > 1) {
    echarts.connect("timeline");
  }
  window.addEventListener("resize", function () {
    instances.forEach(function (c) { c.resize(); });
  });
  var reset = document.getElementById("reset-zoom");
  if (reset) {
    reset.addEventListener("click", function () {
      if (timeline.length) { // the others follow: they are connected
        timeline[0].dispatchAction({ type: "dataZoom", start: 0, end: 100 });
      }
    });
  }

  // A table's rows, each with the evidence row that follows it, if any.
  function rowsOf(table) {
    var out = [];
    each(table.tBodies[0].rows, function (r) {
      if (r.classList.contains("evidence")) {
        if (out.length) {
          out[out.length - 1].panel = r;
        }
        return;
      }
      out.push({ row: r, panel: null });
    });
    return out;
  }

  // Sorting: the button in a header sorts by its column (again: the other
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
    each(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = rowsOf(table).map(function (x, k) {
      x.key = cellValue(x.row, i, numeric);
      x.k = k;
      return x;
    });
    rows.sort(function (a, b) {
      if (a.key < b.key) { return -dir; }
      if (a.key > b.key) { return dir; }
      return a.k - b.k;
    });
    rows.forEach(function (x) {
      body.appendChild(x.row);
      if (x.panel) {
        body.appendChild(x.panel);
      }
    });
  }

  // Filters: rows whose text contains the typed words (all of them, any
  // case) and whose columns hold the values chosen (data-class,
  // data-campaign, data-country: the first option of a select is "all").
  function applyFilter(table) {
    var text = document.querySelector('[data-filter="' + table.id + '"]');
    var words = text ? text.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    var cols = [];
    each(document.querySelectorAll('[data-col-filter="' + table.id + '"]'), function (s) {
      if (s.selectedIndex > 0) {
        cols.push({ attr: "data-" + s.getAttribute("data-col"), want: s.value });
      }
    });
    var rows = rowsOf(table);
    var shown = 0;
    rows.forEach(function (x) {
      var hay = x.row.textContent.toLowerCase();
      var ok = cols.every(function (c) { return x.row.getAttribute(c.attr) === c.want; }) &&
        words.every(function (w) { return hay.indexOf(w) >= 0; });
      x.row.classList.toggle("hidden", !ok);
      if (x.panel) {
        x.panel.classList.toggle("hidden", !ok);
      }
      if (ok) {
        shown++;
      }
    });
    var out = document.querySelector('[data-shown="' + table.id + '"]');
    if (out) {
      out.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
    }
  }

  // clearFilters shows every row of the table again.
  function clearFilters(table) {
    each(document.querySelectorAll('[data-filter="' + table.id + '"]'), function (i) { i.value = ""; });
    each(document.querySelectorAll('[data-col-filter="' + table.id + '"]'), function (s) { s.selectedIndex = 0; });
  }

  each(document.querySelectorAll("table.sortable"), function (table) {
    each(table.tHead.rows[0].cells, function (th) {
      var b = th.querySelector("button.sort");
      if (b) {
        b.addEventListener("click", function () { sortBy(table, th); });
      }
    });
    each(document.querySelectorAll('[data-filter="' + table.id + '"], [data-col-filter="' + table.id + '"]'), function (input) {
      input.addEventListener("input", function () { applyFilter(table); });
      input.addEventListener("change", function () { applyFilter(table); });
    });
  });

  // A campaign's "its accounts" shows the accounts of that campaign alone.
  var accounts = document.getElementById("account-table");
  each(document.querySelectorAll("a.show-accounts"), function (a) {
    a.addEventListener("click", function () {
      var sel = document.querySelector('[data-col-filter="account-table"][data-col="campaign"]');
      if (!accounts || !sel) {
        return;
      }
      var id = a.getAttribute("data-campaign");
      clearFilters(accounts);
      var found = false;
      each(sel.options, function (o, k) {
        if (k > 0 && o.value === id) {
          sel.selectedIndex = k;
          found = true;
        }
      });
      if (!found) { // none of its accounts is listed: an option that shows so
        var o = document.createElement("option");
        o.value = id;
        o.textContent = id;
        sel.appendChild(o);
        sel.selectedIndex = sel.options.length - 1;
      }
      applyFilter(accounts);
    });
  });

  // Evidence panels: the button on an account opens the row under it, as
  // does a link to the account (#account-<user id>).
  function setOpen(button, open) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (panel) {
      panel.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
  }
  each(document.querySelectorAll("button.open"), function (b) {
    b.addEventListener("click", function () { setOpen(b, b.getAttribute("aria-expanded") !== "true"); });
  });
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var row = id.indexOf("account-") === 0 ? document.getElementById(id) : null;
    var b = row && row.querySelector("button.open");
    if (!b) {
      return;
    }
    if (row.classList.contains("hidden")) {
      clearFilters(accounts);
      applyFilter(accounts);
    }
    setOpen(b, true);
    row.scrollIntoView();
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Copy: the command of a panel to the clipboard, or selected for Ctrl+C
  // where the page may not write to the clipboard.
  each(document.querySelectorAll("button.copy"), function (b) {
    b.addEventListener("click", function () {
      var code = b.parentNode.querySelector("code");
      var select = function () {
        var r = document.createRange();
        r.selectNodeContents(code);
        var s = window.getSelection();
        s.removeAllRanges();
        s.addRange(r);
        b.textContent = "Selected: Ctrl+C copies it";
      };
      if (!navigator.clipboard || !navigator.clipboard.writeText) {
        select();
        return;
      }
      navigator.clipboard.writeText(code.textContent).then(function () { b.textContent = "Copied"; }, select);
    });
  });
})();
