//! Two runs compared task by task: for each metric (pass rate, mean
//! reward, each trait's rate, tokens, cost, agent time) the mean of the
//! per-task differences B − A with a paired bootstrap 95% interval
//! ([`bootstrap`]), a plain verdict, and the tasks that flipped.
//!
//! Pairing is by task name. A task in only one run is listed and left out;
//! a task is in a metric's pairs only when both runs have a value for it
//! (a trait that never applied, a cost never known, a task that never ran
//! give none). A task's value is the mean over its samples that ran (not
//! `needs_container`). A task *passes* in a run when more than half of its
//! samples that ran passed; the flips compare that. A difference is
//! *significant* when its interval excludes zero — a statement about these
//! tasks, not about tasks in general.

pub mod bootstrap;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::report::ran;
use crate::results::{Results, ResultsError, Run, SampleRow, SampleStatus};
use crate::traits::TraitName;
use bootstrap::{Bootstrap, Interval};

/// Two runs compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The baseline.
    pub a: Run,
    /// The candidate.
    pub b: Run,
    /// Tasks in both runs, by name.
    pub paired_tasks: Vec<String>,
    /// Tasks only the baseline has (left out).
    pub only_in_a: Vec<String>,
    /// Tasks only the candidate has (left out).
    pub only_in_b: Vec<String>,
    /// One entry per metric with pairs, in a fixed order.
    pub metrics: Vec<MetricDelta>,
    /// Tasks that passed in A and not in B.
    pub pass_to_fail: Vec<String>,
    /// Tasks that failed in A and passed in B.
    pub fail_to_pass: Vec<String>,
    /// How the intervals were drawn.
    pub bootstrap: Bootstrap,
}

/// Which direction of a metric is the better one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// More is better (pass rate, reward, trait rates).
    Higher,
    /// Less is better (tokens, cost, time).
    Lower,
}

/// How a metric's numbers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A rate in `0..=1`, shown in percent and differences in points.
    Rate,
    /// A reward.
    Reward,
    /// Tokens per sample.
    Tokens,
    /// US dollars per sample.
    Usd,
    /// Seconds per sample.
    Seconds,
}

/// One metric's difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricDelta {
    /// Its name for people (`pass rate`, `trait read_before_edit`).
    pub metric: String,
    /// How its numbers read.
    pub unit: Unit,
    /// Which way is better.
    pub better: Better,
    /// Tasks paired for it.
    pub tasks: usize,
    /// A's mean over those tasks.
    pub a: f64,
    /// B's mean over those tasks.
    pub b: f64,
    /// B − A, with its interval.
    pub interval: Interval,
    /// Whether the interval excludes zero.
    pub significant: bool,
    /// The verdict line.
    pub verdict: String,
}

/// Compares the runs `a` and `b` as stored in `results`.
pub fn build(results: &Results, a: &Run, b: &Run, bootstrap: Bootstrap) -> Result<Comparison, ResultsError> {
    let a_rows = results.samples(&a.id)?;
    let b_rows = results.samples(&b.id)?;
    Ok(compare(a, &a_rows, b, &b_rows, bootstrap))
}

type ByTask<'a> = BTreeMap<&'a str, Vec<&'a SampleRow>>;

/// Compares `a` (with its samples `a_rows`) and `b` (with `b_rows`).
pub fn compare(a: &Run, a_rows: &[SampleRow], b: &Run, b_rows: &[SampleRow], bootstrap: Bootstrap) -> Comparison {
    let by_a = by_task(a_rows);
    let by_b = by_task(b_rows);
    let paired: Vec<&str> = by_a.keys().filter(|task| by_b.contains_key(*task)).copied().collect();
    let only = |one: &ByTask, other: &ByTask| -> Vec<String> {
        one.keys()
            .filter(|task| !other.contains_key(*task))
            .map(|task| (*task).to_owned())
            .collect()
    };
    let metrics = metric_table(a_rows, b_rows)
        .into_iter()
        .filter_map(|metric| delta(&metric, &paired, &by_a, &by_b, bootstrap))
        .collect();
    let passes = |rows: &[&SampleRow]| pass_rate(rows).map(|rate| rate > 0.5);
    let flipped = |from: bool| -> Vec<String> {
        paired
            .iter()
            .filter(|task| passes(&by_a[**task]) == Some(from) && passes(&by_b[**task]) == Some(!from))
            .map(|task| (*task).to_owned())
            .collect()
    };
    Comparison {
        a: a.clone(),
        b: b.clone(),
        only_in_a: only(&by_a, &by_b),
        only_in_b: only(&by_b, &by_a),
        pass_to_fail: flipped(true),
        fail_to_pass: flipped(false),
        paired_tasks: paired.iter().map(|task| (*task).to_owned()).collect(),
        metrics,
        bootstrap,
    }
}

fn by_task(rows: &[SampleRow]) -> ByTask<'_> {
    let mut by: ByTask = BTreeMap::new();
    for row in rows {
        by.entry(&row.task).or_default().push(row);
    }
    by
}

/// A task's value of a metric from its samples; `None` when it has none.
type PerTask = Box<dyn Fn(&[&SampleRow]) -> Option<f64>>;

/// A metric: its name, unit, direction and per-task value.
struct Metric {
    name: String,
    unit: Unit,
    better: Better,
    value: PerTask,
}

fn metric_table(a_rows: &[SampleRow], b_rows: &[SampleRow]) -> Vec<Metric> {
    fn metric(
        name: &str,
        unit: Unit,
        better: Better,
        value: impl Fn(&[&SampleRow]) -> Option<f64> + 'static,
    ) -> Metric {
        Metric {
            name: name.to_owned(),
            unit,
            better,
            value: Box::new(value),
        }
    }
    let mut table = vec![
        metric("pass rate", Unit::Rate, Better::Higher, pass_rate),
        metric("mean reward", Unit::Reward, Better::Higher, |rows| {
            mean(rows.iter().filter_map(|row| row.reward.as_ref()?.primary()))
        }),
    ];
    let names: BTreeSet<(usize, String)> = a_rows
        .iter()
        .chain(b_rows)
        .flat_map(|row| &row.traits)
        .map(|t| {
            let order = TraitName::ALL.iter().position(|known| known.as_str() == t.name);
            (order.unwrap_or(TraitName::ALL.len()), t.name.clone())
        })
        .collect();
    for (_, name) in names {
        let wanted = name.clone();
        table.push(metric(
            &format!("trait {name}"),
            Unit::Rate,
            Better::Higher,
            move |rows| {
                let held = rows
                    .iter()
                    .filter(|row| ran(row))
                    .flat_map(|row| &row.traits)
                    .filter(|t| t.name == wanted && t.applicable)
                    .map(|t| if t.passed { 1.0 } else { 0.0 });
                mean(held)
            },
        ));
    }
    table.extend([
        metric("tokens", Unit::Tokens, Better::Lower, |rows| {
            mean(ran_rows(rows).map(|row| (row.usage.input_tokens + row.usage.output_tokens) as f64))
        }),
        metric("cost", Unit::Usd, Better::Lower, |rows| {
            mean(ran_rows(rows).filter_map(|row| row.cost_usd))
        }),
        metric("agent time", Unit::Seconds, Better::Lower, |rows| {
            mean(ran_rows(rows).map(|row| row.agent_ms as f64 / 1000.0))
        }),
    ]);
    table
}

fn ran_rows<'a>(rows: &'a [&'a SampleRow]) -> impl Iterator<Item = &'a SampleRow> {
    rows.iter().copied().filter(|row| ran(row))
}

fn pass_rate(rows: &[&SampleRow]) -> Option<f64> {
    mean(ran_rows(rows).map(|row| {
        if matches!(row.status, SampleStatus::Passed) {
            1.0
        } else {
            0.0
        }
    }))
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    crate::metrics::mean(&values)
}

fn delta(metric: &Metric, paired: &[&str], by_a: &ByTask, by_b: &ByTask, bootstrap: Bootstrap) -> Option<MetricDelta> {
    let pairs: Vec<(f64, f64)> = paired
        .iter()
        .filter_map(|task| Some(((metric.value)(&by_a[*task])?, (metric.value)(&by_b[*task])?)))
        .collect();
    let diffs: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let interval = bootstrap.interval(&diffs)?;
    let n = pairs.len() as f64;
    let significant = interval.significant();
    Some(MetricDelta {
        verdict: verdict(&metric.name, metric.unit, metric.better, &interval),
        metric: metric.name.clone(),
        unit: metric.unit,
        better: metric.better,
        tasks: pairs.len(),
        a: pairs.iter().map(|(a, _)| a).sum::<f64>() / n,
        b: pairs.iter().map(|(_, b)| b).sum::<f64>() / n,
        interval,
        significant,
    })
}

/// "B is better on pass rate: +12.5 pp [+4.2, +20.8]", or "no significant
/// difference in pass rate (+2.0 pp [-5.0, +9.0])".
pub fn verdict(metric: &str, unit: Unit, better: Better, interval: &Interval) -> String {
    let figures = figures(unit, interval);
    if !interval.significant() {
        return format!("no significant difference in {metric} ({figures})");
    }
    let b_better = (interval.delta > 0.0) == (better == Better::Higher);
    let word = if b_better { "better" } else { "worse" };
    format!("B is {word} on {metric}: {figures}")
}

/// A difference and its interval: `+12.5 pp [+4.2, +20.8]`.
pub fn figures(unit: Unit, interval: &Interval) -> String {
    format!(
        "{} [{}, {}]",
        signed(unit, interval.delta),
        bare(unit, interval.low),
        bare(unit, interval.high)
    )
}

/// A difference with its sign, without its unit's name: `+12.5`, `-0.250`,
/// `+1200`, `+$0.0123`, `-1.5`.
fn bare(unit: Unit, value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "+" };
    let size = value.abs();
    match unit {
        Unit::Rate => format!("{sign}{:.1}", size * 100.0),
        Unit::Reward => format!("{sign}{size:.3}"),
        Unit::Tokens => format!("{sign}{size:.0}"),
        Unit::Usd => format!("{sign}${size:.4}"),
        Unit::Seconds => format!("{sign}{size:.1}"),
    }
}

/// A difference with its sign and unit: `+12.5 pp`, `-0.250`, `+1200
/// tokens`, `+$0.0123`, `-1.5 s`.
pub fn signed(unit: Unit, value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "+" };
    let size = value.abs();
    match unit {
        Unit::Rate => format!("{sign}{:.1} pp", size * 100.0),
        Unit::Reward => format!("{sign}{size:.3}"),
        Unit::Tokens => format!("{sign}{size:.0} tokens"),
        Unit::Usd => format!("{sign}${size:.4}"),
        Unit::Seconds => format!("{sign}{size:.1} s"),
    }
}

/// A metric's value: `62.5%`, `0.750`, `1200 tokens`, `$0.0123`, `1.5 s`.
pub fn plain(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Rate => format!("{:.1}%", value * 100.0),
        Unit::Reward => format!("{value:.3}"),
        Unit::Tokens => format!("{value:.0} tokens"),
        Unit::Usd => format!("${value:.4}"),
        Unit::Seconds => format!("{value:.1} s"),
    }
}

/// The comparison as text for a terminal.
pub fn text(comparison: &Comparison) -> String {
    let describe = |run: &Run| format!("{} (agent {}, model {})", run.id, run.spec.agent, run.spec.model);
    let mut lines = vec![
        format!("A: {}", describe(&comparison.a)),
        format!("B: {}", describe(&comparison.b)),
        format!(
            "{} tasks paired; bootstrap over tasks, {} resamples, 95% intervals",
            comparison.paired_tasks.len(),
            comparison.bootstrap.resamples
        ),
    ];
    for (label, tasks) in [
        ("only in A", &comparison.only_in_a),
        ("only in B", &comparison.only_in_b),
    ] {
        if !tasks.is_empty() {
            lines.push(format!("{label} (left out): {}", tasks.join(", ")));
        }
    }
    if comparison.paired_tasks.is_empty() {
        lines.push("no task is in both runs, so there is nothing to compare".to_owned());
        return lines.join("\n") + "\n";
    }
    lines.push(String::new());
    lines.push(format!(
        "{:<34} {:>14} {:>14}  B − A [95% interval]",
        "metric", "A", "B"
    ));
    for m in &comparison.metrics {
        lines.push(format!(
            "{:<34} {:>14} {:>14}  {}{}",
            m.metric,
            plain(m.unit, m.a),
            plain(m.unit, m.b),
            figures(m.unit, &m.interval),
            if m.significant { "  *" } else { "" }
        ));
    }
    lines.push("(* the interval excludes zero)".to_owned());
    lines.push(String::new());
    for (label, tasks) in [
        ("pass → fail", &comparison.pass_to_fail),
        ("fail → pass", &comparison.fail_to_pass),
    ] {
        let list = if tasks.is_empty() {
            "none".to_owned()
        } else {
            tasks.join(", ")
        };
        lines.push(format!("{label}: {list}"));
    }
    lines.push(String::new());
    lines.extend(comparison.metrics.iter().map(|m| m.verdict.clone()));
    lines.join("\n") + "\n"
}

/// The comparison as a self-contained HTML page, drawn with the report's
/// styles and chart helpers.
pub fn html(comparison: &Comparison) -> Result<String, serde_json::Error> {
    let title = format!("jig eval compare {} {}", comparison.a.id, comparison.b.id);
    crate::report::html::page(crate::report::html::Page::Compare, &title, comparison)
}
