// Two runs compared: the verdicts, each metric's difference with its
// bootstrap interval drawn on its own scale, and the tasks that flipped.

const UNIT_FMT = {
  rate: { plain: fmt.pct, signed: (x) => sign(x) + (100 * Math.abs(x)).toFixed(1) + " pp", bare: (x) => sign(x) + (100 * Math.abs(x)).toFixed(1) },
  reward: { plain: (x) => fmt.num(x, 3), signed: (x) => sign(x) + Math.abs(x).toFixed(3) },
  tokens: { plain: (x) => fmt.tokens(x), signed: (x) => sign(x) + fmt.tokens(Math.abs(x)) },
  usd: { plain: fmt.usd, signed: (x) => sign(x) + "$" + Math.abs(x).toFixed(4) },
  seconds: { plain: (x) => x.toFixed(1) + " s", signed: (x) => sign(x) + Math.abs(x).toFixed(1) + " s", bare: (x) => sign(x) + Math.abs(x).toFixed(1) },
};
function sign(x) { return x < 0 ? "−" : "+"; }

function renderCompare(app, c) {
  const describe = (label, run) => el("div", { class: "card" },
    el("div", { class: "k" }, label), el("div", { class: "v mono", style: "font-size:14px" }, run.id),
    el("div", { class: "s" }, `agent ${run.agent} · model ${run.model} · ${run.suites.join(", ")}` + (run.filter ? ` (filter ${run.filter})` : "")));
  const significant = c.metrics.filter((m) => m.significant);
  app.replaceChildren(el("div", {},
    el("h1", {}, "Eval comparison"),
    el("div", { class: "meta" }, `${c.paired_tasks.length} tasks paired · paired bootstrap over tasks, ${c.bootstrap.resamples} resamples, 95% percentile intervals`),
    el("div", { class: "two" }, describe("A (baseline)", c.a), describe("B (candidate)", c.b)),
    el("h2", {}, "Verdict"),
    el("ul", { class: "verdicts panel" }, c.metrics.map((m) => el("li", { class: m.significant ? "sig" : null }, m.verdict))),
    el("h2", {}, "Differences, B − A"),
    el("div", { class: "charts" }, chart("Differences with 95% intervals", `${significant.length} of ${c.metrics.length} metrics differ significantly; each row on its own scale, the dashed line is no difference`,
      c.metrics.length, () => forest(c.metrics), null, true)),
    el("h3", {}, "Metrics"),
    el("table", { id: "metrics" },
      el("thead", {}, el("tr", {}, ["metric", "tasks", "A", "B", "B − A", "95% interval"].map((h, i) => el("th", { class: i ? "num" : null }, h)))),
      el("tbody", {}, c.metrics.map((m) => {
        const u = UNIT_FMT[m.unit];
        return el("tr", {},
          el("td", {}, m.metric), el("td", { class: "num" }, String(m.tasks)),
          el("td", { class: "num" }, u.plain(m.a)), el("td", { class: "num" }, u.plain(m.b)),
          el("td", { class: "num " + (m.significant ? (betterForB(m) ? "ok" : "bad") : "") }, u.signed(m.interval.delta)),
          el("td", { class: "num" }, `[${(u.bare || u.signed)(m.interval.low)}, ${(u.bare || u.signed)(m.interval.high)}]`));
      }))),
    el("h2", {}, "Tasks that flipped"),
    el("div", { class: "two" },
      taskList("pass → fail", c.pass_to_fail, "bad"),
      taskList("fail → pass", c.fail_to_pass, "ok")),
    c.only_in_a.length || c.only_in_b.length ? el("div", {},
      el("h2", {}, "Left out"),
      el("div", { class: "two" }, taskList("only in A", c.only_in_a, "na"), taskList("only in B", c.only_in_b, "na"))) : null));
  health("ok", { "data-view": "compare" });
}

function betterForB(m) { return (m.interval.delta > 0) === (m.better === "higher"); }

function taskList(title, tasks, cls) {
  return el("div", { class: "panel" }, el("h3", {}, title, " ", el("span", { class: "muted" }, `(${tasks.length})`)),
    tasks.length ? el("ul", {}, tasks.map((t) => el("li", { class: cls }, t))) : el("p", { class: "muted" }, "none"));
}

// One row per metric: its interval and point on a scale symmetric about 0.
function forest(metrics) {
  const width = 1120, left = 240, right = 160, rowH = 26, top = 6;
  const height = top + metrics.length * rowH + 6;
  const mid = left + (width - left - right) / 2, half = (width - left - right) / 2;
  const g = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  g.appendChild(svg("line", { class: "zero", x1: mid, x2: mid, y1: top, y2: height - 4 }));
  metrics.forEach((m, i) => {
    const y = top + i * rowH + rowH / 2;
    const reach = Math.max(Math.abs(m.interval.low), Math.abs(m.interval.high), Math.abs(m.interval.delta)) || 1;
    const sx = (v) => mid + (half * 0.95 * v) / reach;
    const u = UNIT_FMT[m.unit];
    g.appendChild(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end" }, m.metric));
    g.appendChild(svg("line", { class: m.significant ? "ci-sig" : "ci", x1: sx(m.interval.low), x2: sx(m.interval.high), y1: y, y2: y }));
    g.appendChild(svg("circle", { cx: sx(m.interval.delta), cy: y, r: 4.5, class: m.significant ? (betterForB(m) ? "dot-passed" : "dot-failed") : "dot-error" },
      svg("title", {}, m.verdict)));
    g.appendChild(svg("text", { x: width - right + 8, y: y + 4 }, u.signed(m.interval.delta)));
  });
  return g;
}

boot(renderCompare);
