// One run's report: the overview (figures, charts, samples with filters)
// and, for #sample=TASK/INDEX[&rec=STEP.N], one sample's trajectory.

const STATUS_COLOR = { passed: "var(--pass)", failed: "var(--fail)", error: "var(--error)", needs_container: "var(--skip)" };

function sampleKey(s) { return s.task + "/" + s.sample_index; }
function sampleHref(s, rec) {
  return "#sample=" + encodeURIComponent(s.task) + "/" + s.sample_index + (rec ? "&rec=" + rec : "");
}
// The judge numbers records on across a sample's sessions (one per step);
// a link names the step and the record within it.
function citeRef(s, n) {
  let k = n;
  for (let i = 0; i < s.steps.length; i++) {
    const len = s.steps[i].records.length;
    if (k < len) return (i + 1) + "." + k;
    k -= len;
  }
  return "1." + n;
}
function tokensOf(s) { return s.usage.input_tokens + s.usage.output_tokens; }
function missed(s) { return s.traits.filter((t) => t.applicable && !t.passed).map((t) => t.name); }
function badge(status) { return el("span", { class: "badge " + status }, status.replace("_", " ")); }

function parseHash() {
  const out = {};
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    const at = part.indexOf("=");
    if (at > 0) out[part.slice(0, at)] = decodeURIComponent(part.slice(at + 1));
  }
  return out;
}

function renderReport(app, data) {
  const filters = { task: "", status: "", trait: "" };
  const route = () => {
    const h = parseHash();
    const sample = h.sample ? data.samples.find((s) => sampleKey(s) === h.sample) : null;
    if (sample) {
      const shown = app.getAttribute("data-sample");
      if (shown !== h.sample) {
        app.replaceChildren(sampleView(data, sample));
        app.setAttribute("data-sample", h.sample);
        window.scrollTo(0, 0);
      }
      if (h.rec) focusRecord(h.rec);
    } else {
      app.removeAttribute("data-sample");
      app.replaceChildren(overview(data, filters));
    }
    health("ok", { "data-view": sample ? "sample" : "overview" });
  };
  window.addEventListener("hashchange", route);
  route();
}

function overview(data, filters) {
  const sum = data.summary, run = sum.run, per = sum.per_sample;
  const passAtK = sum.pass_at_k.map((p) => `pass@${p.k} ${fmt.pct(p.value)}`).join(", ");
  return el("div", {},
    el("h1", {}, "Eval run ", el("span", { class: "mono" }, run.id)),
    el("div", { class: "meta" },
      `agent ${run.agent} · model ${run.model} · ${run.suites.join(", ")}` + (run.filter ? ` (filter ${run.filter})` : "") +
      ` · ${run.samples_per_task} sample(s) per task · started ${run.started_at}` + (run.finished_at ? ` · finished ${run.finished_at}` : " · unfinished") +
      ` · jig ${run.jig_version}`),
    el("div", { class: "cards" },
      card("pass rate", fmt.pct(sum.pass_rate), `${sum.passed} of ${sum.samples - sum.needs_container} ran`),
      card("mean reward", fmt.num(sum.mean_reward, 3), passAtK || null),
      card("samples", String(sum.samples), `${sum.failed} failed · ${sum.errors} errors · ${sum.needs_container} need a container`),
      card("tokens per sample", per ? fmt.tokens(per.input_tokens + per.output_tokens) : "–", per ? `${fmt.tokens(per.output_tokens)} out` : null),
      card("cost", fmt.usd(sum.cost_usd), per && per.cost_usd !== null ? fmt.usd(per.cost_usd) + " per sample" : "no price known"),
      card("agent time", per ? fmt.secs(per.agent_ms) : "–", per ? `verifier ${fmt.secs(per.verifier_ms)}` : null)),
    el("h2", {}, "Charts"),
    el("div", { class: "charts" }, costChart(data), traitChart(data), timeChart(data), tokenChart(data), taskChart(data)),
    judgeSummary(sum.judge),
    el("h2", {}, "Samples"),
    sampleTable(data, filters));
}

function judgeSummary(judge) {
  if (!judge || !(judge.graded + judge.ungraded)) return null;
  return el("div", {},
    el("h2", {}, "Judge ", el("span", { class: "muted" }, judge.judges.join(", "))),
    el("p", { class: "muted" }, `${judge.graded} graded, ${judge.ungraded} ungraded` + (judge.cost_usd !== null ? ` · ${fmt.usd(judge.cost_usd)}` : "")),
    el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "criterion"), el("th", { class: "num" }, "samples"), el("th", { class: "num" }, "mean"), el("th", { class: "num" }, "mean on 0–1"))),
      el("tbody", {}, judge.criteria.map((c) => el("tr", {}, el("td", {}, c.criterion), el("td", { class: "num" }, String(c.samples)),
        el("td", { class: "num" }, fmt.num(c.mean, 2)), el("td", { class: "num" }, fmt.num(c.mean_normalised, 2)))))));
}

function taskChart(data) {
  const rows = data.tasks.map((t) => ({
    label: t.task,
    bars: [
      { value: t.pass_rate, cls: "bar-rate", text: `${fmt.pct(t.pass_rate)} (${t.passed}/${t.ran})` },
      { value: t.mean_reward, cls: "bar-reward", text: fmt.num(t.mean_reward, 2) },
    ],
  }));
  return chart("Pass rate and mean reward per task", `${rows.length} tasks`, rows.length, () => barChart(rows, 1, true),
    legend([["pass rate", "var(--a)"], ["mean reward", "var(--b)"]]), true);
}

function costChart(data) {
  const scored = data.samples.filter((s) => s.reward !== null);
  const priced = scored.some((s) => s.cost_usd !== null);
  const points = scored.filter((s) => !priced || s.cost_usd !== null).map((s) => ({
    x: priced ? s.cost_usd : tokensOf(s),
    y: s.reward,
    cls: "dot-" + (s.status === "passed" ? "passed" : s.status === "failed" ? "failed" : "error"),
    title: `${sampleKey(s)}: reward ${s.reward}, ` + (priced ? fmt.usd(s.cost_usd) : tokensOf(s) + " tokens"),
  }));
  const sub = priced ? "each sample: cost (USD) against reward" : "each sample: tokens against reward (no price known)";
  return chart("Cost against score", sub, points.length,
    () => scatter(points, priced ? "cost (USD)" : "tokens (input + output)", "reward", priced ? (x) => "$" + fmt.short(x) : fmt.short),
    legend([["passed", "var(--pass)"], ["failed", "var(--fail)"], ["error", "var(--error)"]]));
}

function traitChart(data) {
  const rows = data.summary.trait_rates.filter((t) => t.applicable > 0).map((t) => ({
    label: t.name,
    bars: [{ value: t.pass_rate, cls: "bar-rate", text: `${fmt.pct(t.pass_rate)} (${t.passed}/${t.applicable})` }],
  }));
  return chart("Behaviour traits", "how often each trait held where it applied", rows.length, () => barChart(rows, 1));
}

function timeChart(data) {
  const values = data.samples.filter((s) => s.status !== "needs_container").map((s) => s.agent_ms / 1000);
  return chart("Agent time", "seconds per sample", values.length, () => histogram(values, (x) => fmt.short(x) + " s"));
}

function tokenChart(data) {
  const values = data.samples.filter((s) => s.status !== "needs_container").map(tokensOf);
  return chart("Tokens", "input + output tokens per sample", values.length, () => histogram(values, fmt.short));
}

function sampleTable(data, filters) {
  const traitNames = data.summary.trait_rates.map((t) => t.name);
  const select = (key, options) => el("select", {
    "aria-label": key,
    onchange: (e) => { filters[key] = e.target.value; draw(); },
  }, options.map(([value, label]) => el("option", { value, selected: filters[key] === value }, label)));
  const tbody = el("tbody");
  const count = el("span", { class: "muted" });
  const draw = () => {
    const rows = data.samples.filter((s) => {
      if (filters.task && s.task !== filters.task) return false;
      if (filters.status && s.status !== filters.status) return false;
      if (filters.trait) {
        const [want, name] = filters.trait.split(":");
        const t = s.traits.find((x) => x.name === name);
        if (!t || !t.applicable || t.passed !== (want === "held")) return false;
      }
      return true;
    });
    count.textContent = `${rows.length} of ${data.samples.length} samples`;
    tbody.replaceChildren(...rows.map((s) => el("tr", { class: "row", onclick: () => { location.hash = sampleHref(s).slice(1); } },
      el("td", {}, el("a", { href: sampleHref(s) }, s.task)),
      el("td", { class: "num" }, String(s.sample_index)),
      el("td", {}, badge(s.status), s.reason ? el("div", { class: "muted" }, s.reason) : null),
      el("td", { class: "num" }, fmt.num(s.reward, 2)),
      el("td", {}, missed(s).length ? el("span", { class: "bad" }, missed(s).join(", ")) : el("span", { class: "muted" }, s.traits.length ? "none missed" : "–")),
      el("td", { class: "num" }, fmt.tokens(tokensOf(s))),
      el("td", { class: "num" }, fmt.usd(s.cost_usd)),
      el("td", { class: "num" }, fmt.secs(s.agent_ms)))));
  };
  draw();
  return el("div", {},
    el("div", { class: "filters" },
      "task", select("task", [["", "all"], ...data.tasks.map((t) => [t.task, t.task])]),
      "status", select("status", [["", "all"], ...["passed", "failed", "error", "needs_container"].map((s) => [s, s.replace("_", " ")])]),
      "trait", select("trait", [["", "any"], ...traitNames.flatMap((n) => [["missed:" + n, n + " missed"], ["held:" + n, n + " held"]])]),
      count),
    el("table", { id: "samples" },
      el("thead", {}, el("tr", {}, ["task", "#", "status", "reward", "traits missed", "tokens", "cost", "agent time"].map((h, i) => el("th", { class: i === 1 || i === 3 || i >= 5 ? "num" : null }, h)))),
      tbody));
}

// Text with "record N" turned into links to that record of `step`.
function linkText(sample, text, step) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/record (\d+)/g)) {
    out.push(text.slice(last, m.index));
    out.push(el("a", { href: sampleHref(sample, step + "." + m[1]) }, m[0]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function sampleView(data, s) {
  const steps = s.steps.length;
  return el("div", { id: "trajectory", "data-sample": sampleKey(s) },
    el("p", {}, el("a", { href: "#", id: "back" }, "← run overview")),
    el("h1", {}, s.task, " ", el("span", { class: "muted" }, "#" + s.sample_index), " ", badge(s.status)),
    s.reason ? el("p", { class: "note" }, s.reason) : null,
    s.status === "needs_container" ? el("p", { class: "note" }, `needs a container: Dockerfile line ${s.line}: ${s.text}`) : null,
    el("div", { class: "cards" },
      card("reward", fmt.num(s.reward, 3), s.reward_named ? Object.entries(s.reward_named).map(([k, v]) => `${k} ${v}`).join(" · ") : null),
      card("tokens", fmt.tokens(tokensOf(s)), `${s.usage.input_tokens} in (${s.usage.cached_input_tokens} cached) · ${s.usage.output_tokens} out`),
      card("cost", fmt.usd(s.cost_usd)),
      card("agent time", fmt.secs(s.agent_ms), `verifier ${fmt.secs(s.verifier_ms)}`),
      card("steps", String(steps), steps ? `${s.steps.reduce((n, st) => n + st.records.length, 0)} records` : "no rollout")),
    judgeView(s),
    traitView(s),
    s.workspace_diff ? el("div", {}, el("h2", {}, "Workspace diff"), diffView(s.workspace_diff)) : null,
    el("h2", {}, "Trajectory"),
    steps ? trajectory(s) : el("p", { class: "muted" }, "No rollout was recorded for this sample."));
}

function judgeView(s) {
  const j = s.judgement;
  if (!j) return null;
  if (j.status !== "graded") {
    return el("div", { id: "judge" }, el("h2", {}, "Judge"), el("p", { class: "note" }, `${j.judge}: ungraded: ${j.reason}`));
  }
  return el("div", { id: "judge" },
    el("h2", {}, "Judge ", el("span", { class: "muted" }, j.judge)),
    el("div", { class: "two" },
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "criterion"), el("th", { class: "num" }, "score"))),
        el("tbody", {}, j.scores.map((c) => el("tr", {}, el("td", {}, c.criterion), el("td", { class: "num" }, `${c.score} of ${c.min}–${c.max}`))))),
      el("div", { class: "panel" },
        el("pre", { class: "rationale" }, linkText(s, j.rationale, 1)),
        j.cited.length ? el("p", {}, "cites: ", j.cited.map((n) => [el("a", { href: sampleHref(s, citeRef(s, n)), class: "cite" }, "#" + n), " "])) : null)));
}

function traitView(s) {
  if (!s.traits.length) return null;
  return el("div", { id: "traits" },
    el("h2", {}, "Behaviour traits"),
    el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "trait"), el("th", {}, "held"), el("th", { class: "num" }, "score"), el("th", {}, "evidence"))),
      el("tbody", {}, s.traits.map((t) => el("tr", {},
        el("td", {}, t.name),
        el("td", {}, !t.applicable ? el("span", { class: "na" }, "does not apply") : t.passed ? el("span", { class: "ok" }, "✓ held") : el("span", { class: "bad" }, "✗ missed")),
        el("td", { class: "num" }, fmt.num(t.score, 2)),
        el("td", {}, t.evidence.map((e) => {
          const m = /^step (\d+): /.exec(e.what);
          const step = m ? Number(m[1]) : 1;
          return el("div", {},
            e.record !== null ? [el("a", { href: sampleHref(s, step + "." + e.record), class: "evidence" }, (m ? `step ${step} ` : "") + "#" + e.record), " "] : null,
            linkText(s, e.what, step));
        })))))));
}

function trajectory(s) {
  const box = el("div", { id: "records" });
  const toggle = el("input", { type: "checkbox", onchange: (e) => box.classList.toggle("show-events", e.target.checked) });
  box.appendChild(el("div", { class: "toolbar" }, el("label", {}, toggle, " show every event (tool begin/end, token counts)")));
  s.steps.forEach((step, i) => {
    if (s.steps.length > 1) box.appendChild(el("h3", {}, `step ${i + 1}`));
    if (step.unreadable) box.appendChild(el("p", { class: "note" }, step.unreadable));
    const names = {};
    for (const r of step.records) {
      for (const it of r.items || (r.item ? [r.item] : [])) if (it.type === "tool_call") names[it.call_id] = it.name;
    }
    box.appendChild(el("div", { class: "records" }, step.records.map((r) => record(r, i + 1, names))));
  });
  return box;
}

function record(r, step, names) {
  const quiet = r.kind === "event" && r.detail === null;
  const cls = "rec " + r.kind + (quiet ? " quiet" : "");
  return el("div", { class: cls, id: `rec-${step}-${r.n}` }, el("div", { class: "n" }, "#" + r.n), el("div", { class: "body" }, recordBody(r, names)));
}

function recordBody(r, names) {
  switch (r.kind) {
    case "meta":
      return el("details", { class: "tool reasoning" },
        el("summary", {}, `session · model ${r.model}` + (r.dialect ? ` · ${r.dialect} dialect` : "") + " · system prompt"),
        el("div", { class: "inner" }, el("pre", {}, r.instructions)));
    case "response":
      return r.items.map((it) => itemView(it, names));
    case "item":
      return itemView(r.item, names);
    case "compaction":
      return el("div", { class: "note" }, `compaction ${r.id}: ${r.dropped} items dropped`);
    case "event":
      return [el("span", { class: "mono" }, r.event), r.detail ? " " + r.detail : null];
    default:
      return el("div", { class: "note" }, "unreadable line: ", el("code", {}, r.line || ""));
  }
}

function preview(text, max) {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? one.slice(0, max - 1) + "…" : one;
}

function callPreview(it) {
  if (it.patch !== null) {
    const files = [...it.patch.matchAll(/^\*\*\* (?:Add|Update|Delete) File: (.*)$/gm)].map((m) => m[1]);
    return files.join(", ");
  }
  try {
    const args = JSON.parse(it.arguments);
    if (Array.isArray(args.command)) return args.command.join(" ");
    if (typeof args.command === "string") return args.command;
    if (typeof args.cmd === "string") return args.cmd;
    if (typeof args.path === "string") return args.path;
  } catch (_) { /* raw arguments are shown as they are */ }
  return it.arguments;
}

function itemView(it, names) {
  switch (it.type) {
    case "message":
      return el("div", { class: "msg " + it.role }, el("div", { class: "who" }, it.role), el("pre", {}, it.text));
    case "reasoning":
      return el("details", { class: "tool reasoning" }, el("summary", {}, "reasoning: " + preview(it.text, 120)), el("div", { class: "inner" }, el("pre", {}, it.text)));
    case "tool_call":
      return el("details", { class: "tool call", "data-call": it.call_id },
        el("summary", {}, el("span", { class: "name" }, it.name), " ", preview(callPreview(it), 140)),
        el("div", { class: "inner" }, it.patch !== null ? diffView(it.patch) : el("pre", {}, it.arguments)));
    case "tool_output": {
      const lines = it.output.split("\n").length;
      return el("details", { class: "tool out " + it.status },
        el("summary", {}, "↳ output of ", el("span", { class: "name" }, names[it.call_id] || it.call_id), " · ", el("span", { class: "st" }, it.status), ` · ${lines} line${lines === 1 ? "" : "s"} · `, preview(it.output, 90)),
        el("div", { class: "inner" }, el("pre", {}, it.output)));
    }
    case "compaction":
      return el("div", { class: "msg system" }, el("div", { class: "who" }, "compaction summary"), el("pre", {}, it.summary));
    default:
      return null;
  }
}

function focusRecord(rec) {
  const [step, n] = rec.split(".");
  const node = document.getElementById(`rec-${step}-${n}`);
  if (!node) return;
  for (const old of document.querySelectorAll(".rec.target")) old.classList.remove("target", "flash");
  node.classList.add("target", "flash");
  for (const d of node.querySelectorAll("details")) d.open = true;
  node.scrollIntoView({ block: "center" });
}

boot(renderReport);
