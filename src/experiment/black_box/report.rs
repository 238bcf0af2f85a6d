//! Aggregates of a black-box experiment, from the run points alone (so `baldwin plot DIR`
//! redraws them from `runs.csv`): `runs.csv`, `summary.csv` (best `f − f*` per
//! checkpoint, IQM with a 95% stratified-bootstrap interval over seeds),
//! `evaluations_to_target.csv` (one row per run), `summary.md` and `convergence.svg`.
//!
//! A run that stopped early keeps its last value at later checkpoints: it will never
//! improve, and dropping it would bias the IQM towards the runs still going.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::BlackBoxExperiment as Experiment;
use super::run::Point;
use crate::experiment::compare::run::checkpoints;
use crate::experiment::files::{markdown_heading, write_atomic, write_rows};
use crate::experiment::pipeline::Report;
use crate::experiment::runner::{RunError, io_error};
use crate::options::Tagged;
use crate::plot::{self, Band, ChartSpec, Guide, Series};
use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_REPS};

/// One arm at one checkpoint, over seeds: a row of `summary.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointSummary {
    /// The arm.
    pub arm: String,
    /// Function evaluations.
    pub evaluations: u64,
    /// Runs.
    pub n: usize,
    /// IQM of the best `f − f*` so far.
    pub iqm: f64,
    /// Lower end of the 95% bootstrap interval of the IQM.
    pub ci_low: f64,
    /// Upper end of the 95% bootstrap interval of the IQM.
    pub ci_high: f64,
    /// IQM of `f − f*` at the strategies' centres.
    pub f_center_iqm: f64,
}

/// One run's evaluations to the target: a row of `evaluations_to_target.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunToTarget {
    /// The arm.
    pub arm: String,
    /// The run's seed.
    pub seed: u64,
    /// 1-based index of the first evaluation below the target; empty if never.
    pub evaluations: Option<u64>,
}

fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), RunError> {
    write_rows(path, rows).map_err(io_error(path))
}

/// Points of arm `name`, by seed, in seed order.
fn runs_of<'a>(points: &'a [Point], name: &str) -> BTreeMap<u64, Vec<&'a Point>> {
    let mut by_seed: BTreeMap<u64, Vec<&Point>> = BTreeMap::new();
    for p in points.iter().filter(|p| p.arm == name) {
        by_seed.entry(p.seed).or_default().push(p);
    }
    by_seed
}

/// The last point of `run` at or before `evaluations` (its first if none is).
fn at<'a>(run: &[&'a Point], evaluations: u64) -> &'a Point {
    run.iter()
        .rev()
        .find(|p| p.evaluations <= evaluations)
        .unwrap_or(&run[0])
}

/// Every run's evaluations to the target, in arm then seed order.
pub fn evaluations_to_target(experiment: &Experiment, points: &[Point]) -> Vec<RunToTarget> {
    experiment
        .arms
        .iter()
        .flat_map(|arm| {
            runs_of(points, &arm.name)
                .into_iter()
                .map(|(seed, run)| RunToTarget {
                    arm: arm.name.clone(),
                    seed,
                    evaluations: run.last().and_then(|p| p.evaluations_to_target),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Write every aggregate of `points` into `out`.
pub fn write(experiment: &Experiment, points: &[Point], out: &Path) -> Result<Report, RunError> {
    std::fs::create_dir_all(out).map_err(io_error(out))?;
    let runs_path = out.join("runs.csv");
    write_csv(&runs_path, points)?;
    let mut summary = Vec::new();
    for (a, arm) in experiment.arms.iter().enumerate() {
        let runs: Vec<Vec<&Point>> = runs_of(points, &arm.name)
            .into_values()
            .filter(|run| !run.is_empty())
            .collect();
        if runs.is_empty() {
            continue;
        }
        let schedule = checkpoints(
            experiment.budget.evaluations,
            experiment.budget.checkpoints,
            arm.population(),
        );
        let last = runs.iter().map(|r| r[r.len() - 1].evaluations).max();
        for evaluations in schedule.into_iter().filter(|&e| Some(e) <= last) {
            let best: Vec<f64> = runs
                .iter()
                .map(|r| at(r, evaluations).best_so_far)
                .collect();
            let centre: Vec<f64> = runs.iter().map(|r| at(r, evaluations).f_center).collect();
            let ci = stats::stratified_bootstrap_ci(
                &[&best],
                stats::iqm,
                DEFAULT_REPS,
                DEFAULT_CONFIDENCE,
                a as u64,
            );
            summary.push(CheckpointSummary {
                arm: arm.name.clone(),
                evaluations,
                n: runs.len(),
                iqm: ci.point,
                ci_low: ci.low,
                ci_high: ci.high,
                f_center_iqm: stats::iqm(&centre),
            });
        }
    }
    let summary_path = out.join("summary.csv");
    write_csv(&summary_path, &summary)?;
    let to_target = evaluations_to_target(experiment, points);
    let target_path = out.join("evaluations_to_target.csv");
    write_csv(&target_path, &to_target)?;
    let markdown = markdown(experiment, points, &to_target);
    let md_path = out.join("summary.md");
    write_atomic(&md_path, markdown.as_bytes()).map_err(io_error(&md_path))?;
    let plot_path = out.join("convergence.svg");
    convergence(experiment, &summary, &plot_path)?;
    Ok(Report {
        markdown,
        files: vec![runs_path, summary_path, target_path, md_path, plot_path],
    })
}

fn number(x: f64) -> String {
    if x.is_infinite() {
        "not reached".into()
    } else if x.is_nan() {
        "—".into()
    } else {
        format!("{x:.0}")
    }
}

/// The evaluations-to-target table: IQM [95% CI] per arm, censored runs as +∞.
fn markdown(experiment: &Experiment, points: &[Point], to_target: &[RunToTarget]) -> String {
    let mut md = markdown_heading(&experiment.name, &experiment.description);
    let dim = experiment.function.dim();
    let _ = writeln!(
        md,
        "`{}` in {dim}-D from x0 = {}, {} seeds per arm, at most {} evaluations per run. \
         Evaluations until f − f* < {:e}: IQM over seeds with 95% stratified-bootstrap CI \
         (runs that never get there count as +∞).\n",
        experiment.function.label(),
        experiment.function.x0().first().copied().unwrap_or(0.0),
        experiment.seeds,
        experiment.budget.evaluations,
        experiment.budget.target,
    );
    let _ = writeln!(
        md,
        "| arm | strategy | evaluations to target [95% CI] | reached | final best f − f* (IQM) | ended |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for (a, arm) in experiment.arms.iter().enumerate() {
        let runs: Vec<Option<f64>> = to_target
            .iter()
            .filter(|r| r.arm == arm.name)
            .map(|r| r.evaluations.map(|e| e as f64))
            .collect();
        let s = stats::samples_to_target(&runs, DEFAULT_REPS, DEFAULT_CONFIDENCE, a as u64);
        let lasts: Vec<&Point> = runs_of(points, &arm.name)
            .into_values()
            .filter_map(|run| run.last().copied())
            .collect();
        let finals: Vec<f64> = lasts.iter().map(|p| p.best_so_far).collect();
        let mut ended: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &lasts {
            *ended.entry(p.status.as_str()).or_default() += 1;
        }
        let ended = ended
            .iter()
            .map(|(status, count)| {
                let status = if *status == "ok" { "budget" } else { status };
                format!("{status} {count}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            md,
            "| {} | {} | {} [{}, {}] | {}/{} | {:.2e} | {ended} |",
            arm.name,
            arm.strategy.label(),
            number(s.iqm),
            number(s.low),
            number(s.high),
            s.reached,
            s.n,
            stats::iqm(&finals),
        );
    }
    md
}

/// Best `f − f*` against evaluations, both on log scales (the y axis as log₁₀ values).
fn convergence(
    experiment: &Experiment,
    summary: &[CheckpointSummary],
    path: &Path,
) -> Result<(), RunError> {
    let log = |v: f64| if v > 0.0 { v.log10() } else { f64::NAN };
    let series: Vec<Series> = experiment
        .arms
        .iter()
        .map(|arm| Series {
            name: arm.name.clone(),
            points: summary
                .iter()
                .filter(|c| c.arm == arm.name)
                .map(|c| Band {
                    x: c.evaluations as f64,
                    center: log(c.iqm),
                    low: log(c.ci_low),
                    high: log(c.ci_high),
                })
                .collect(),
        })
        .collect();
    // f32 fitness keeps shrinking towards underflow (1e-45) after convergence; the
    // interesting range ends a few decades below the target.
    let top = series
        .iter()
        .flat_map(|s| &s.points)
        .flat_map(|b| [b.center, b.high])
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let bottom = experiment.budget.target.log10().floor() - 6.0;
    let y_range = (top.is_finite() && top > bottom).then(|| (bottom, top.ceil() + 0.5));
    plot::line_chart(
        path,
        &ChartSpec {
            title: format!(
                "{}: best f − f* on {} ({}-D)",
                experiment.name,
                experiment.function.label(),
                experiment.function.dim()
            ),
            x_label: "function evaluations (log scale)".into(),
            y_label: "log10 of best f − f* so far (IQM over seeds, 95% CI)".into(),
            log_x: true,
            y_range,
            guides: vec![
                Guide::Horizontal {
                    y: experiment.budget.target.log10(),
                    label: format!(
                        "target f − f* < {}",
                        plot::compact_number(experiment.budget.target)
                    ),
                },
                Guide::Vertical {
                    x: experiment.budget.evaluations as f64,
                    label: format!(
                        "budget {}",
                        plot::compact_number(experiment.budget.evaluations as f64)
                    ),
                },
            ],
            ..ChartSpec::default()
        },
        &series,
    )
    .map_err(|e| RunError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })
}
