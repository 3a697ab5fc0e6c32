"use strict";
// Helpers shared by the report and the comparison page. Data reaches the
// page only through el()/svg() as text nodes and attributes, never as
// markup: the data comes from rollouts and is untrusted.

const SVGNS = "http://www.w3.org/2000/svg";

function fill(node, kids) {
  for (const kid of kids) {
    if (kid === null || kid === undefined || kid === false) continue;
    if (Array.isArray(kid)) fill(node, kid);
    else if (kid instanceof Node) node.appendChild(kid);
    else node.appendChild(document.createTextNode(String(kid)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "open" || key === "selected" || key === "checked") node[key] = Boolean(value);
    else node.setAttribute(key, String(value));
  }
  return node;
}

function el(tag, attrs, ...kids) {
  return fill(setAttrs(document.createElement(tag), attrs), kids);
}

function svg(tag, attrs, ...kids) {
  return fill(setAttrs(document.createElementNS(SVGNS, tag), attrs), kids);
}

const fmt = {
  pct: (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"),
  num: (x, d) => (x === null || x === undefined ? "–" : Number(x).toFixed(d === undefined ? 2 : d)),
  secs: (ms) => (ms === null || ms === undefined ? "–" : (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s"),
  tokens: (n) => (n === null || n === undefined ? "–" : n >= 10000 ? (n / 1000).toFixed(1) + "k" : String(Math.round(n))),
  usd: (x) => (x === null || x === undefined ? "–" : "$" + Number(x).toFixed(4)),
  short: (x) => {
    const a = Math.abs(x);
    if (a >= 1e6) return (x / 1e6).toFixed(1) + "M";
    if (a >= 1e4) return (x / 1e3).toFixed(0) + "k";
    if (a >= 100 || Number.isInteger(x)) return x.toFixed(0);
    return x.toPrecision(2);
  },
};

// A chart's frame: a caption, a subtitle, the SVG, and the number of data
// points it draws (data-points, which the page's health check counts).
function chart(title, sub, points, body, legend, wide) {
  return el("figure", { class: "chart" + (wide ? " wide" : ""), "data-points": points },
    el("figcaption", {}, title, el("div", { class: "sub" }, sub)),
    points > 0 ? body() : el("div", { class: "empty" }, "no data"),
    legend || null);
}

function legend(items) {
  return el("div", { class: "legend" }, items.map(([label, color]) => el("span", { style: "--c:" + color }, label)));
}

// Horizontal bars: rows of {label, bars: [{value (0..max), cls, text}]}.
function barChart(rows, max, wide) {
  const per = rows.length ? rows[0].bars.length : 1;
  const rowH = 8 + per * 11, left = 190, width = wide ? 1120 : 560, right = 96, top = 4;
  const height = top + rows.length * rowH + 18;
  const scale = (v) => ((width - left - right) * Math.max(0, Math.min(v, max))) / max;
  const g = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const x = left + scale(t * max);
    g.appendChild(svg("line", { class: "grid", x1: x, x2: x, y1: top, y2: height - 16 }));
    g.appendChild(svg("text", { x: x, y: height - 4, "text-anchor": "middle" }, fmt.short(t * max * (max === 1 ? 100 : 1)) + (max === 1 ? "%" : "")));
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const label = row.label.length > 30 ? row.label.slice(0, 29) + "…" : row.label;
    g.appendChild(svg("text", { x: left - 6, y: y + rowH / 2 + 3, "text-anchor": "end" }, svg("title", {}, row.label), label));
    row.bars.forEach((bar, j) => {
      const by = y + 4 + j * 11;
      if (bar.value === null || bar.value === undefined) {
        g.appendChild(svg("text", { x: left + 2, y: by + 8, class: "muted" }, "n/a"));
        return;
      }
      const w = Math.max(1, scale(bar.value));
      g.appendChild(svg("rect", { x: left, y: by, width: w, height: 9, rx: 2, class: bar.cls }, svg("title", {}, row.label + ": " + bar.text)));
      g.appendChild(svg("text", { x: left + w + 4, y: by + 8 }, bar.text));
    });
  });
  return g;
}

// The smallest 1, 2, 2.5 or 5 times a power of ten at or above x.
function niceMax(x) {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

// A scatter plot of {x, y, cls, title} with axes from 0.
function scatter(points, xLabel, yLabel, xFmt) {
  const width = 560, height = 260, left = 44, bottom = 34, top = 10, right = 16;
  const xMax = niceMax(Math.max(...points.map((p) => p.x), 0));
  const yMax = niceMax(Math.max(1, ...points.map((p) => p.y)));
  const sx = (x) => left + ((width - left - right) * x) / xMax;
  const sy = (y) => height - bottom - ((height - bottom - top) * y) / yMax;
  const g = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  for (let i = 0; i <= 4; i++) {
    const yv = (yMax * i) / 4, xv = (xMax * i) / 4;
    g.appendChild(svg("line", { class: "grid", x1: left, x2: width - right, y1: sy(yv), y2: sy(yv) }));
    g.appendChild(svg("text", { x: left - 6, y: sy(yv) + 4, "text-anchor": "end" }, fmt.num(yv, 2)));
    g.appendChild(svg("text", { x: sx(xv), y: height - bottom + 14, "text-anchor": "middle" }, xFmt(xv)));
  }
  g.appendChild(svg("line", { class: "axis", x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  g.appendChild(svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: height - bottom }));
  g.appendChild(svg("text", { x: (left + width - right) / 2, y: height - 4, "text-anchor": "middle" }, xLabel));
  g.appendChild(svg("text", { x: 12, y: (top + height - bottom) / 2, transform: `rotate(-90 12 ${(top + height - bottom) / 2})`, "text-anchor": "middle" }, yLabel));
  points.forEach((p, i) => {
    // A small fixed jitter keeps equal points (rewards of 0 or 1) apart.
    const jitter = ((i * 37) % 11 - 5) * 0.6;
    g.appendChild(svg("circle", { cx: sx(p.x), cy: sy(p.y) + jitter, r: 5, class: p.cls, "fill-opacity": 0.75 }, svg("title", {}, p.title)));
  });
  return g;
}

// A histogram of numbers into at most 12 equal bins.
function histogram(values, xFmt) {
  const width = 560, height = 200, left = 36, bottom = 30, top = 18, right = 16;
  const lo = Math.min(...values), hi = Math.max(...values);
  const bins = hi > lo ? Math.min(12, Math.max(3, Math.ceil(Math.sqrt(values.length)))) : 1;
  const size = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / size))] += 1;
  const cMax = Math.max(...counts);
  const bw = (width - left - right) / bins;
  const sy = (c) => ((height - bottom - top) * c) / cMax;
  const g = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  g.appendChild(svg("line", { class: "axis", x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  g.appendChild(svg("text", { x: left - 6, y: top + 8, "text-anchor": "end" }, String(cMax)));
  g.appendChild(svg("text", { x: left - 6, y: height - bottom, "text-anchor": "end" }, "0"));
  counts.forEach((c, i) => {
    const x = left + i * bw, h = sy(c);
    const from = lo + i * size, to = hi > lo ? from + size : hi;
    g.appendChild(svg("rect", { x: x + 1, y: height - bottom - h, width: Math.max(1, bw - 2), height: h, class: "bar-hist" },
      svg("title", {}, `${xFmt(from)} – ${xFmt(to)}: ${c}`)));
    if (c > 0) g.appendChild(svg("text", { x: x + bw / 2, y: height - bottom - h - 3, "text-anchor": "middle" }, String(c)));
  });
  const step = bins > 6 ? 2 : 1;
  for (let i = 0; i <= bins; i += step) {
    const anchor = i === 0 ? "start" : i === bins ? "end" : "middle";
    g.appendChild(svg("text", { x: left + i * bw, y: height - 12, "text-anchor": anchor }, xFmt(bins === 1 ? (i ? hi : lo) : lo + i * size)));
  }
  return g;
}

function card(key, value, sub) {
  return el("div", { class: "card" }, el("div", { class: "k" }, key), el("div", { class: "v" }, value), sub ? el("div", { class: "s" }, sub) : null);
}

// Lines of a unified diff or an apply_patch patch, coloured.
function diffView(text) {
  const pre = el("pre", { class: "diff" });
  for (const line of text.split("\n")) {
    let cls = null;
    if (/^(\+\+\+|---|diff |\*\*\* |index )/.test(line)) cls = "file";
    else if (line.startsWith("@@")) cls = "hunk";
    else if (line.startsWith("+")) cls = "add";
    else if (line.startsWith("-")) cls = "del";
    pre.appendChild(cls ? el("span", { class: cls }, line) : document.createTextNode(line + "\n"));
  }
  return pre;
}

// The page's health, for people and for the headless-browser test: how it
// rendered, how many charts and how many of them are empty, and the errors.
function health(state, extra) {
  const b = document.body;
  const charts = document.querySelectorAll("figure.chart");
  const empty = [...charts].filter((c) => c.getAttribute("data-points") === "0").length;
  b.setAttribute("data-rendered", state);
  b.setAttribute("data-charts", String(charts.length));
  b.setAttribute("data-empty-charts", String(empty));
  b.setAttribute("data-errors", String(window.jigErrors.length));
  b.setAttribute("data-error-text", window.jigErrors.join(" | "));
  for (const [k, v] of Object.entries(extra || {})) b.setAttribute(k, String(v));
}

// Reads the embedded data and draws it with render(data); any failure is
// recorded and shown rather than leaving a blank page.
function boot(render) {
  const app = document.getElementById("app");
  try {
    const data = JSON.parse(document.getElementById("data").textContent);
    render(app, data);
  } catch (e) {
    window.jigErrors.push(String(e && e.stack ? e.stack : e));
    app.replaceChildren(el("p", { class: "note" }, "The report could not be drawn: " + String(e)));
    health("error");
  }
}
