// aep-exports report: sortable summary, filters, and figures drawn visible-first without freezing the page.
(function () {
  "use strict";
  var root = document.documentElement;

  // --- sortable summary table: click (or Enter on) a header; numbers sort as numbers.
  var table = document.getElementById("summary");
  function sortBy(th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.dataset.type === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].dataset.sort, y = b.cells[index].dataset.sort;
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  if (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.addEventListener("click", function () { sortBy(th); });
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sortBy(th); } });
    });
  }

  // --- filters: a label, health words, the last run's outcome; rows and sections follow.
  var form = document.getElementById("filters");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.export"));
  function matches(node, label, health, last) {
    var labels = JSON.parse(node.dataset.labels || "[]");
    return (!label || labels.indexOf(label) >= 0) && health.indexOf(node.dataset.health) >= 0 &&
      (!last || node.dataset.last === last);
  }
  function applyFilters() {
    var label = form.elements.label.value, last = form.elements.last.value;
    var health = Array.prototype.filter.call(form.querySelectorAll("input[name=health]"),
      function (box) { return box.checked; }).map(function (box) { return box.value; });
    var shown = 0;
    sections.forEach(function (node) {
      var keep = matches(node, label, health, last);
      node.classList.toggle("hidden", !keep);
      if (keep) { shown += 1; }
    });
    if (table) {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.classList.toggle("hidden", !matches(row, label, health, last));
      });
    }
    document.getElementById("shown").textContent = shown + " of " + sections.length + " exports";
    root.dataset.shown = String(shown);
  }
  if (form) { form.addEventListener("change", applyFilters); }

  // --- figures: those on screen first, the rest a few at a time so the page stays responsive.
  var queue = sections.slice();
  var drawn = 0;
  root.dataset.figures = String(queue.length);
  function draw(section) {
    if (section.dataset.drawn) { return; }
    section.dataset.drawn = "1";
    var spec = JSON.parse(section.querySelector("script.figure-spec").textContent);
    Plotly.newPlot(section.querySelector(".figure"), spec.data, spec.layout,
      { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] });
    drawn += 1;
    if (drawn === 1) { root.dataset.firstDrawnMs = String(Math.round(performance.now())); }
    if (drawn === queue.length) {
      root.dataset.renderedMs = String(Math.round(performance.now()));
      root.dataset.rendered = String(drawn);
    }
  }
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { draw(entry.target); observer.unobserve(entry.target); }
      });
    }, { rootMargin: "400px" });
    queue.forEach(function (section) { observer.observe(section); });
  }
  var next = 0;
  function drawSome() {
    var until = performance.now() + 40;
    while (next < queue.length && performance.now() < until) { draw(queue[next]); next += 1; }
    if (next < queue.length) { setTimeout(drawSome, 0); }
  }
  if (queue.length === 0) { root.dataset.rendered = "0"; }
  setTimeout(drawSome, 0);
})();
