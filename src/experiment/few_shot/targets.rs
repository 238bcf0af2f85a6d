//! Outer samples to reach each `[budget] targets` value, on both sample axes: examples
//! drawn from the task distribution and example evaluations (forward passes). The metric
//! is the query metric at the headline shots after the evaluation's inner steps, and also
//! after the training lifetime's (`[inner] steps`) when that is shorter: an
//! initialisation is shaped for the lifetime it is trained with, and a longer evaluation
//! lifetime asks something else of it (evolved learning rates in particular). Runs that
//! never reach a target are censored (`+∞`), never dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::FewShotExperiment;
use super::run::MetaRecord;
use crate::plot;
use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_REPS, Direction};

/// One arm and target: a row of `samples_to_target.csv`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OuterToTarget {
    /// The arm.
    pub arm: String,
    /// The target query metric.
    pub target: f64,
    /// Inner steps of the evaluation lifetime the metric is read after.
    pub inner_steps: usize,
    /// Runs.
    pub n: usize,
    /// Runs that reached the target.
    pub reached: usize,
    /// Runs that did not (counted as +∞).
    pub censored: usize,
    /// IQM of the examples drawn to reach the target.
    pub drawn_iqm: f64,
    /// Lower end of its 95% bootstrap interval.
    pub drawn_ci_low: f64,
    /// Upper end of its 95% bootstrap interval.
    pub drawn_ci_high: f64,
    /// IQM of the example evaluations to reach the target.
    pub evaluations_iqm: f64,
    /// Lower end of its 95% bootstrap interval.
    pub evaluations_ci_low: f64,
    /// Upper end of its 95% bootstrap interval.
    pub evaluations_ci_high: f64,
}

/// The inner steps after which targets are read: the evaluation's, and the training
/// lifetime's first when it is shorter.
fn target_steps(experiment: &FewShotExperiment) -> Vec<usize> {
    let (train, eval) = (experiment.inner.lifetime.steps, experiment.evaluation.steps);
    if train < eval {
        vec![train, eval]
    } else {
        vec![eval]
    }
}

/// Samples-to-target of every arm at every `[budget] targets` value, after the
/// evaluation's inner steps and, when it is shorter, the training lifetime's.
pub fn outer_to_target(
    experiment: &FewShotExperiment,
    records: &[MetaRecord],
) -> Vec<OuterToTarget> {
    let direction = if experiment.family.metric_is_accuracy() {
        Direction::HigherIsBetter
    } else {
        Direction::LowerIsBetter
    };
    let shots = experiment.headline_shots();
    let mut rows = Vec::new();
    for steps in target_steps(experiment) {
        rows.extend(at_steps(experiment, records, direction, shots, steps));
    }
    rows
}

/// Samples-to-target of every arm with the metric read after `steps` inner steps.
fn at_steps(
    experiment: &FewShotExperiment,
    records: &[MetaRecord],
    direction: Direction,
    shots: usize,
    steps: usize,
) -> Vec<OuterToTarget> {
    let mut rows = Vec::new();
    for (a, arm) in experiment.arms.iter().enumerate() {
        let mut by_seed: BTreeMap<u64, Vec<&MetaRecord>> = BTreeMap::new();
        for r in records
            .iter()
            .filter(|r| r.arm == arm.name && r.shots == shots && r.inner_steps == steps)
        {
            by_seed.entry(r.seed).or_default().push(r);
        }
        for points in by_seed.values_mut() {
            points.sort_by_key(|r| (r.example_evaluations, r.examples_drawn));
        }
        for &target in &experiment.budget.targets {
            let crossings = |axis: fn(&MetaRecord) -> u64| -> Vec<Option<f64>> {
                by_seed
                    .values()
                    .map(|runs| {
                        let points: Vec<(f64, f64)> = runs
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
            let drawn = to_target(&crossings(|r| r.examples_drawn));
            let evaluations = to_target(&crossings(|r| r.example_evaluations));
            rows.push(OuterToTarget {
                arm: arm.name.clone(),
                target,
                inner_steps: steps,
                n: drawn.n,
                reached: drawn.reached,
                censored: drawn.censored,
                drawn_iqm: drawn.iqm,
                drawn_ci_low: drawn.low,
                drawn_ci_high: drawn.high,
                evaluations_iqm: evaluations.iqm,
                evaluations_ci_low: evaluations.low,
                evaluations_ci_high: evaluations.high,
            });
        }
    }
    rows
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

fn cell(point: f64, low: f64, high: f64) -> String {
    if point.is_infinite() && low.is_infinite() {
        "not reached".into()
    } else {
        format!("{} [{}, {}]", number(point), number(low), number(high))
    }
}

/// The samples-to-target table of `summary.md` (empty without targets).
pub fn markdown(experiment: &FewShotExperiment, rows: &[OuterToTarget]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut md = format!(
        "\nOuter samples to reach each target (query metric at K={}, after the inner steps \
         of the `steps` column), on both axes: examples drawn from the task distribution \
         (each once) and example evaluations (forward passes, members and inner steps \
         included). {} [95% CI] over seeds; runs that never reached a target count as +∞ \
         (censored).\n\n\
         | method | steps | target | examples drawn to target | example evaluations to target | reached |\n\
         |---|---|---|---|---|---|\n",
        experiment.headline_shots(),
        stats::aggregate_name(experiment.seeds as usize),
    );
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {}/{} |",
            r.arm,
            r.inner_steps,
            r.target,
            cell(r.drawn_iqm, r.drawn_ci_low, r.drawn_ci_high),
            cell(
                r.evaluations_iqm,
                r.evaluations_ci_low,
                r.evaluations_ci_high
            ),
            r.reached,
            r.n
        );
    }
    md
}
