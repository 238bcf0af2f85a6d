//! What a steered figure reads of each kind's `runs.csv`: one [`Sample`] per logged
//! point, whatever the kind, and what the kind's axes mean.
//!
//! - **compare**: every metric and axis (`samples` is the evaluations axis).
//! - **few_shot**: the outer loop's examples on both axes and its wall time; the y axis
//!   is the query metric after adaptation, at one (shots, inner steps) pair chosen with
//!   `--shots`/`--steps` (default: the first shots value and the most inner steps
//!   logged). There is no training-set loss.
//! - **black_box**: function evaluations only; the y axis (`--metric test`) is the best
//!   `f − f*` found so far. No examples, no wall time, no losses.

use std::collections::BTreeSet;

use super::{Metric, SteerError, SteerOptions, XAxis};
use crate::experiment::black_box::BlackBoxExperiment;
use crate::experiment::black_box::run::Point;
use crate::experiment::compare::CompareExperiment;
use crate::experiment::compare::run::Record;
use crate::experiment::few_shot::FewShotExperiment;
use crate::experiment::few_shot::run::MetaRecord;
use crate::meta::SampleAxis;
use crate::stats::Direction;
use crate::task;

/// One logged point of one run, on every axis its kind has.
#[derive(Debug, Clone)]
pub(super) struct Sample {
    pub arm: String,
    pub seed: u64,
    /// Where the point sits on the run's budget axis: points of different seeds at the
    /// same `at` are aggregated together.
    pub at: u64,
    pub drawn: Option<f64>,
    pub evaluations: f64,
    pub wall: Option<f64>,
    pub test: f64,
    pub train: Option<f64>,
    pub loss: Option<f64>,
}

impl Sample {
    /// The value on `axis`, if this kind records it.
    pub fn x(&self, axis: XAxis) -> Option<f64> {
        match axis {
            XAxis::Drawn => self.drawn,
            XAxis::Evaluations => Some(self.evaluations),
            XAxis::Wall => self.wall,
        }
    }

    /// The value of `metric`, if this kind records it.
    pub fn y(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Test => Some(self.test),
            Metric::Train => self.train,
            Metric::Loss => self.loss,
        }
    }
}

/// What the test metric of a folder is.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TestMetric {
    /// The axis label.
    pub label: String,
    /// Its short name, for the target line's label.
    pub short: String,
    /// Whether samples hold the metric's log10 (targets are given in its own units).
    pub log10: bool,
    pub direction: Direction,
}

/// One results folder's points and what its axes mean.
#[derive(Debug, Clone)]
pub(super) struct Source {
    /// The kind, as `config.toml` names it.
    pub kind: &'static str,
    /// The experiment's name.
    pub name: String,
    /// Its arms, in order.
    pub arms: Vec<String>,
    pub test: TestMetric,
    /// The budget and the axis it is counted on.
    pub budget: (XAxis, u64),
    /// A note on which points were taken (few-shot: the shots and inner steps).
    pub selection: Option<String>,
    pub samples: Vec<Sample>,
}

fn test_metric(metric: task::Metric) -> TestMetric {
    TestMetric {
        label: match metric {
            task::Metric::Accuracy => "test accuracy (fraction correct)".into(),
            task::Metric::Loss => "test loss (mean squared error)".into(),
        },
        short: metric.label().into(),
        log10: false,
        direction: if metric.higher_is_better() {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        },
    }
}

/// A compare folder: every axis and metric.
pub(super) fn compare(experiment: &CompareExperiment, records: Vec<Record>) -> Source {
    Source {
        kind: "compare",
        name: experiment.name.clone(),
        arms: experiment.arms.iter().map(|a| a.name.clone()).collect(),
        test: test_metric(experiment.task.metric()),
        budget: (XAxis::Evaluations, experiment.budget.samples),
        selection: None,
        samples: records
            .into_iter()
            .map(|r| Sample {
                at: r.samples,
                drawn: Some(r.examples_drawn as f64),
                evaluations: r.samples as f64,
                wall: Some(r.wall_s),
                test: r.test_metric,
                train: Some(r.train_loss),
                loss: Some(r.test_loss),
                arm: r.arm,
                seed: r.seed,
            })
            .collect(),
    }
}

/// A few-shot folder at the (shots, inner steps) the options choose.
pub(super) fn few_shot(
    experiment: &FewShotExperiment,
    records: Vec<MetaRecord>,
    options: &SteerOptions,
) -> Result<Source, SteerError> {
    let shots_logged: BTreeSet<usize> = records.iter().map(|r| r.shots).collect();
    let shots = match options.shots {
        Some(k) => k,
        None => *shots_logged.first().unwrap_or(&0),
    };
    let listed = |set: &BTreeSet<usize>| {
        set.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !shots_logged.contains(&shots) {
        return Err(SteerError::BadInput(format!(
            "--shots {shots}: {} logged no such evaluation; allowed: {}",
            experiment.name,
            listed(&shots_logged)
        )));
    }
    let steps_logged: BTreeSet<usize> = records
        .iter()
        .filter(|r| r.shots == shots)
        .map(|r| r.inner_steps)
        .collect();
    let steps = match options.steps {
        Some(s) => s,
        None => *steps_logged.last().unwrap_or(&0),
    };
    if !steps_logged.contains(&steps) {
        return Err(SteerError::BadInput(format!(
            "--steps {steps}: {} logged no evaluation after {steps} inner steps at {shots} \
             shots; allowed: {}",
            experiment.name,
            listed(&steps_logged)
        )));
    }
    let metric = if experiment.family.metric_is_accuracy() {
        task::Metric::Accuracy
    } else {
        task::Metric::Loss
    };
    let mut test = test_metric(metric);
    test.label = format!("query {}", test.label.trim_start_matches("test "));
    test.short = format!("query {}", test.short.trim_start_matches("test "));
    Ok(Source {
        kind: "few_shot",
        name: experiment.name.clone(),
        arms: experiment.arms.iter().map(|a| a.name.clone()).collect(),
        test,
        budget: (
            match experiment.budget.axis {
                SampleAxis::Drawn => XAxis::Drawn,
                SampleAxis::Evaluations => XAxis::Evaluations,
            },
            experiment.budget.outer_samples,
        ),
        selection: Some(format!("{shots} shots, {steps} inner steps")),
        samples: records
            .into_iter()
            .filter(|r| r.shots == shots && r.inner_steps == steps)
            .map(|r| Sample {
                at: r.outer_samples,
                drawn: Some(r.examples_drawn as f64),
                evaluations: r.example_evaluations as f64,
                wall: Some(r.wall_s),
                test: r.test_metric,
                train: None,
                loss: Some(r.test_loss),
                arm: r.arm,
                seed: r.seed,
            })
            .collect(),
    })
}

/// A black-box folder: log10 of the best `f − f*` against evaluations, exact zeros drawn
/// six decades below the target (as the folder's own convergence plot does).
pub(super) fn black_box(experiment: &BlackBoxExperiment, points: Vec<Point>) -> Source {
    let floor = experiment.budget.target.log10().floor() - 6.0;
    Source {
        kind: "black_box",
        name: experiment.name.clone(),
        arms: experiment.arms.iter().map(|a| a.name.clone()).collect(),
        test: TestMetric {
            label: "log10 of best f − f* so far".into(),
            short: "f − f*".into(),
            log10: true,
            direction: Direction::LowerIsBetter,
        },
        budget: (XAxis::Evaluations, experiment.budget.evaluations),
        selection: None,
        samples: points
            .into_iter()
            .map(|p| Sample {
                at: p.evaluations,
                drawn: None,
                evaluations: p.evaluations as f64,
                wall: None,
                test: if p.best_so_far > 0.0 {
                    p.best_so_far.log10().max(floor)
                } else {
                    floor
                },
                train: None,
                loss: None,
                arm: p.arm,
                seed: p.seed,
            })
            .collect(),
    }
}

/// Refuse an axis or metric that a folder's kind does not record, naming those it does.
pub(super) fn check(source: &Source, options: &SteerOptions) -> Result<(), SteerError> {
    let Some(first) = source.samples.first() else {
        return Err(SteerError::BadInput(format!(
            "{} holds no runs at the points asked for",
            source.name
        )));
    };
    if first.x(options.x).is_none() {
        let allowed: Vec<&str> = [XAxis::Drawn, XAxis::Evaluations, XAxis::Wall]
            .into_iter()
            .filter(|&x| first.x(x).is_some())
            .map(XAxis::name)
            .collect();
        return Err(SteerError::BadInput(format!(
            "--x {}: a {} experiment ({}) does not record it; allowed: {}",
            options.x.name(),
            source.kind,
            source.name,
            allowed.join(", ")
        )));
    }
    if first.y(options.metric).is_none() {
        let allowed: Vec<&str> = [Metric::Test, Metric::Train, Metric::Loss]
            .into_iter()
            .filter(|&m| first.y(m).is_some())
            .map(Metric::name)
            .collect();
        return Err(SteerError::BadInput(format!(
            "--metric {}: a {} experiment ({}) does not record it; allowed: {}",
            options.metric.name(),
            source.kind,
            source.name,
            allowed.join(", ")
        )));
    }
    Ok(())
}
