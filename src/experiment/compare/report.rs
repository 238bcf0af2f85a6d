//! Aggregates of a finished experiment: `runs.csv`, `summary.csv`,
//! `samples_to_target.csv`, `summary.md` and SVG plots, all from the run records (so
//! `baldwin plot DIR` can redraw them from `runs.csv` alone).
//!
//! Every aggregate over seeds is an IQM with a 95% stratified-bootstrap interval
//! (Agarwal et al. 2021); bootstrap streams are seeded from the arm's position so the
//! report is reproducible.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::CompareExperiment as Experiment;
use super::run::Record;
use crate::experiment::files::{markdown_heading, write_atomic, write_rows};
use crate::experiment::pipeline::Report;
use crate::experiment::runner::{RunError, io_error};
use crate::options::Tagged;
use crate::plot;
use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_REPS, Direction};
use crate::task::Metric;

/// One arm at one checkpoint, over seeds: a row of `summary.csv`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckpointSummary {
    /// The arm.
    pub arm: String,
    /// Training examples consumed.
    pub samples: u64,
    /// Runs at this checkpoint.
    pub n: usize,
    /// IQM of the test metric over runs.
    pub iqm: f64,
    /// Mean of the test metric over runs.
    pub mean: f64,
    /// Lower end of the 95% bootstrap interval of the IQM.
    pub ci_low: f64,
    /// Upper end of the 95% bootstrap interval of the IQM.
    pub ci_high: f64,
    /// IQM of the wall-clock seconds.
    pub wall_s_iqm: f64,
    /// IQM of the genome length.
    pub genes_iqm: f64,
    /// IQM of the examples drawn from the data by this checkpoint.
    pub drawn_iqm: f64,
}

/// Samples to reach the target, per arm: a row of `samples_to_target.csv`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetSummary {
    /// The arm.
    pub arm: String,
    /// The target test metric.
    pub target: f64,
    /// Runs.
    pub n: usize,
    /// Runs that reached the target.
    pub reached: usize,
    /// Runs that did not (counted as +∞).
    pub censored: usize,
    /// IQM of the samples to target over runs.
    pub iqm: f64,
    /// Lower end of the 95% bootstrap interval.
    pub ci_low: f64,
    /// Upper end of the 95% bootstrap interval.
    pub ci_high: f64,
    /// IQM of the examples drawn to target (the other sample axis).
    pub drawn_iqm: f64,
    /// Lower end of its 95% bootstrap interval.
    pub drawn_ci_low: f64,
    /// Upper end of its 95% bootstrap interval.
    pub drawn_ci_high: f64,
}

fn interval(values: &[f64], seed: u64) -> stats::Interval {
    stats::stratified_bootstrap_ci(
        &[values],
        stats::iqm,
        DEFAULT_REPS,
        DEFAULT_CONFIDENCE,
        seed,
    )
}

fn write_csv<T: serde::Serialize>(path: &Path, rows: &[T]) -> Result<(), RunError> {
    write_rows(path, rows).map_err(io_error(path))
}

/// Records of arm `name`, grouped by seed, in seed order.
fn runs_of<'a>(records: &'a [Record], name: &str) -> BTreeMap<u64, Vec<&'a Record>> {
    let mut by_seed: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.arm == name) {
        by_seed.entry(r.seed).or_default().push(r);
    }
    by_seed
}

/// Write every aggregate of `records` into `out`.
pub fn write(experiment: &Experiment, records: &[Record], out: &Path) -> Result<Report, RunError> {
    let metric = experiment.task.metric();
    std::fs::create_dir_all(out).map_err(io_error(out))?;
    let direction = if metric.higher_is_better() {
        Direction::HigherIsBetter
    } else {
        Direction::LowerIsBetter
    };
    let runs_path = out.join("runs.csv");
    write_csv(&runs_path, records)?;

    let mut checkpoints = Vec::new();
    let mut targets = Vec::new();
    let mut finals = Vec::new();
    for (a, arm) in experiment.arms.iter().enumerate() {
        let by_seed = runs_of(records, &arm.name);
        let mut at: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
        for r in by_seed.values().flatten() {
            at.entry(r.samples).or_default().push(r);
        }
        for (&samples, rows) in &at {
            let values: Vec<f64> = rows.iter().map(|r| r.test_metric).collect();
            let ci = interval(&values, a as u64);
            let walls: Vec<f64> = rows.iter().map(|r| r.wall_s).collect();
            let genes: Vec<f64> = rows.iter().map(|r| r.genes as f64).collect();
            let drawn: Vec<f64> = rows.iter().map(|r| r.examples_drawn as f64).collect();
            checkpoints.push(CheckpointSummary {
                arm: arm.name.clone(),
                samples,
                n: rows.len(),
                iqm: ci.point,
                mean: stats::mean(&values),
                ci_low: ci.low,
                ci_high: ci.high,
                wall_s_iqm: stats::iqm(&walls),
                genes_iqm: stats::iqm(&genes),
                drawn_iqm: stats::iqm(&drawn),
            });
        }
        let last: Vec<&Record> = by_seed
            .values()
            .filter_map(|rows| rows.last().copied())
            .collect();
        let final_values: Vec<f64> = last.iter().map(|r| r.test_metric).collect();
        let diverged = last.iter().filter(|r| r.status == "diverged").count();
        let stopped = last
            .iter()
            .filter(|r| r.status.starts_with("stopped"))
            .count();
        finals.push((
            interval(&final_values, a as u64),
            last.len(),
            (diverged, stopped),
            stats::iqm(&last.iter().map(|r| r.wall_s).collect::<Vec<_>>()),
        ));
        if let Some(target) = experiment.budget.target {
            let crossings = |axis: &dyn Fn(&Record) -> u64| -> Vec<Option<f64>> {
                by_seed
                    .values()
                    .map(|rows| {
                        let points: Vec<(f64, f64)> = rows
                            .iter()
                            .map(|r| (axis(r) as f64, r.test_metric))
                            .collect();
                        stats::interpolated_crossing(&points, target, direction)
                    })
                    .collect()
            };
            let to_target = |runs: &[Option<f64>]| {
                stats::samples_to_target(runs, DEFAULT_REPS, DEFAULT_CONFIDENCE, a as u64)
            };
            let s = to_target(&crossings(&|r| r.samples));
            let drawn = to_target(&crossings(&|r| r.examples_drawn));
            targets.push(TargetSummary {
                arm: arm.name.clone(),
                target,
                n: s.n,
                reached: s.reached,
                censored: s.censored,
                iqm: s.iqm,
                ci_low: s.low,
                ci_high: s.high,
                drawn_iqm: drawn.iqm,
                drawn_ci_low: drawn.low,
                drawn_ci_high: drawn.high,
            });
        }
    }
    let mut files = vec![runs_path];
    let summary_path = out.join("summary.csv");
    write_csv(&summary_path, &checkpoints)?;
    files.push(summary_path);
    if !targets.is_empty() {
        let path = out.join("samples_to_target.csv");
        write_csv(&path, &targets)?;
        files.push(path);
    }
    let markdown = markdown(experiment, metric, &finals, &targets);
    let md_path = out.join("summary.md");
    write_atomic(&md_path, markdown.as_bytes()).map_err(io_error(&md_path))?;
    files.push(md_path);
    files.extend(super::plots::plots(
        experiment,
        metric,
        &checkpoints,
        &targets,
        out,
    )?);
    Ok(Report { markdown, files })
}

fn number(x: f64) -> String {
    if x.is_infinite() {
        "not reached".into()
    } else if x.is_nan() {
        "—".into()
    } else {
        plot::compact_number(x)
    }
}

/// A point with its interval, saying so when the interval has no width (every run gave
/// the same value) or when nothing was reached.
fn cell(point: f64, low: f64, high: f64, format: impl Fn(f64) -> String) -> String {
    if point.is_infinite() && low.is_infinite() {
        "not reached".into()
    } else if low == high && low == point {
        format!("{} (all runs equal)", format(point))
    } else {
        format!("{} [{}, {}]", format(point), format(low), format(high))
    }
}

/// Ratio between consecutive checkpoints of a log-spaced schedule: the resolution of
/// samples-to-target before interpolation.
fn checkpoint_ratio(experiment: &Experiment) -> f64 {
    let count = experiment.budget.checkpoints.max(2) as f64;
    let smallest = experiment
        .arms
        .iter()
        .map(|a| a.examples_per_step())
        .min()
        .unwrap_or(1)
        .max(1) as f64;
    (experiment.budget.samples as f64 / smallest).powf(1.0 / (count - 1.0))
}

fn markdown(
    experiment: &Experiment,
    metric: Metric,
    finals: &[(stats::Interval, usize, (usize, usize), f64)],
    targets: &[TargetSummary],
) -> String {
    let mut md = markdown_heading(&experiment.name, &experiment.description);
    let aggregate = stats::aggregate_name(experiment.seeds as usize);
    let _ = writeln!(
        md,
        "Task `{}`, {} seeds per arm, budget {} training examples per run. \
         {} over seeds with 95% stratified-bootstrap CI.",
        experiment.task.label(),
        experiment.seeds,
        plot::compact_number(experiment.budget.samples as f64),
        if aggregate == "IQM" { "IQM" } else { "Mean" }
    );
    if experiment.budget.target.is_some() {
        let _ = writeln!(
            md,
            "Two sample axes: examples *evaluated* (forward passes: a population of P on a \
             shared batch of B evaluates P·B) and examples *drawn* from the data (that batch \
             counts B once). Examples to target are interpolated log-linearly between \
             checkpoints, which are about ×{:.2} apart; runs that never reach it count as not \
             reached (+∞).",
            checkpoint_ratio(experiment)
        );
    }
    if experiment.seeds < 5 {
        let _ = writeln!(
            md,
            "With {} seeds the intervals are wide and rest on few runs; 5 or more are \
             advised (Agarwal et al. 2021).",
            experiment.seeds
        );
    }
    md.push('\n');
    let target_header = match experiment.budget.target {
        Some(t) => format!(
            " examples evaluated to {} {t} ({aggregate} [95% CI]) | examples drawn to it | reached |",
            metric.label()
        ),
        None => String::new(),
    };
    let _ = writeln!(
        md,
        "| arm | learner | final {} ({aggregate} [95% CI]) |{target_header} wall s |",
        metric.label()
    );
    let sep = if targets.is_empty() {
        ""
    } else {
        "---|---|---|"
    };
    let _ = writeln!(md, "|---|---|---|{sep}---|");
    for (i, arm) in experiment.arms.iter().enumerate() {
        let learner = arm.learner_label();
        let (ci, n, (diverged, stopped), wall) = &finals[i];
        let mut notes = Vec::new();
        if *diverged > 0 {
            notes.push(format!("{diverged}/{n} diverged"));
        }
        if *stopped > 0 {
            notes.push(format!("{stopped}/{n} stopped early by their strategy"));
        }
        let diverged = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        let target = targets
            .get(i)
            .map(|t| {
                format!(
                    " {} | {} | {}/{} |",
                    cell(t.iqm, t.ci_low, t.ci_high, number),
                    cell(t.drawn_iqm, t.drawn_ci_low, t.drawn_ci_high, number),
                    t.reached,
                    t.n
                )
            })
            .unwrap_or_default();
        let final_cell = cell(ci.point, ci.low, ci.high, |x| format!("{x:.4}"));
        let _ = writeln!(
            md,
            "| {} | {learner} | {final_cell}{diverged} |{target} {wall:.1} |",
            arm.name
        );
    }
    md
}
