//! Aggregates of a few-shot experiment: `runs.csv`, `summary.csv` (IQM and 95% CI over
//! seeds per arm, outer samples, shots and inner steps), `summary.md`, and the plots
//! drawn by `plots.rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::FewShotExperiment;
use super::run::MetaRecord;
use crate::experiment::files::{markdown_heading, write_atomic, write_rows};
use crate::experiment::pipeline::Report;
use crate::experiment::runner::{RunError, io_error};
use crate::meta::{Finetune, Method, PretrainHead, SampleAxis};
use crate::plot;
use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_REPS};

/// One arm at one (outer samples, shots, inner steps), over seeds: a row of
/// `summary.csv`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MetaSummary {
    /// The arm.
    pub arm: String,
    /// Outer (slow) training examples consumed.
    pub outer_samples: u64,
    /// Shots per class of the evaluation tasks.
    pub shots: usize,
    /// Inner steps taken.
    pub inner_steps: usize,
    /// Support examples seen in the lifetime.
    pub lifetime_shots: usize,
    /// Runs.
    pub n: usize,
    /// Runs whose initialisation diverged (recorded at the point they stopped).
    pub diverged: usize,
    /// IQM of the test metric over runs.
    pub iqm: f64,
    /// Lower end of the 95% bootstrap interval.
    pub ci_low: f64,
    /// Upper end of the 95% bootstrap interval.
    pub ci_high: f64,
    /// IQM of the examples drawn from the task distribution by this checkpoint.
    pub examples_drawn: f64,
    /// IQM of the example evaluations (forward passes) by this checkpoint.
    pub example_evaluations: f64,
}

/// Write `runs.csv`, `summary.csv`, `summary.md` and the plots of `records` into `out`.
pub fn write(
    experiment: &FewShotExperiment,
    records: &[MetaRecord],
    out: &Path,
) -> Result<Report, RunError> {
    let mut files = Vec::new();
    let runs = out.join("runs.csv");
    write_rows(&runs, records).map_err(io_error(&runs))?;
    files.push(runs);

    let mut groups: BTreeMap<(usize, u64, usize, usize), Vec<&MetaRecord>> = BTreeMap::new();
    for r in records {
        let arm = experiment
            .arms
            .iter()
            .position(|a| a.name == r.arm)
            .unwrap_or(usize::MAX);
        groups
            .entry((arm, r.outer_samples, r.shots, r.inner_steps))
            .or_default()
            .push(r);
    }
    let summaries: Vec<MetaSummary> = groups
        .iter()
        .map(|(&(arm, outer, shots, steps), rows)| {
            let values: Vec<f64> = rows.iter().map(|r| r.test_metric).collect();
            let ci = stats::stratified_bootstrap_ci(
                &[&values],
                stats::iqm,
                DEFAULT_REPS,
                DEFAULT_CONFIDENCE,
                arm as u64,
            );
            MetaSummary {
                arm: rows[0].arm.clone(),
                outer_samples: outer,
                shots,
                inner_steps: steps,
                lifetime_shots: rows[0].lifetime_shots,
                n: rows.len(),
                diverged: rows.iter().filter(|r| r.status != "ok").count(),
                iqm: ci.point,
                ci_low: ci.low,
                ci_high: ci.high,
                examples_drawn: stats::iqm(
                    &rows
                        .iter()
                        .map(|r| r.examples_drawn as f64)
                        .collect::<Vec<_>>(),
                ),
                example_evaluations: stats::iqm(
                    &rows
                        .iter()
                        .map(|r| r.example_evaluations as f64)
                        .collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    let path = out.join("summary.csv");
    write_rows(&path, &summaries).map_err(io_error(&path))?;
    files.push(path);

    let to_target = super::targets::outer_to_target(experiment, records);
    if !to_target.is_empty() {
        let path = out.join("samples_to_target.csv");
        write_rows(&path, &to_target).map_err(io_error(&path))?;
        files.push(path);
    }
    let mut markdown = markdown(experiment, &summaries);
    markdown.push_str(&super::targets::markdown(experiment, &to_target));
    let path = out.join("summary.md");
    write_atomic(&path, markdown.as_bytes()).map_err(io_error(&path))?;
    files.push(path);
    files.extend(super::plots::plots(experiment, &summaries, out)?);
    Ok(Report { markdown, files })
}

pub(super) fn metric_label(experiment: &FewShotExperiment) -> (&'static str, bool) {
    if experiment.family.metric_is_accuracy() {
        ("query accuracy after adaptation", true)
    } else {
        ("query MSE after adaptation", false)
    }
}

/// The last outer checkpoint of each arm.
pub(super) fn finals<'a>(
    experiment: &FewShotExperiment,
    summaries: &'a [MetaSummary],
) -> Vec<Vec<&'a MetaSummary>> {
    experiment
        .arms
        .iter()
        .map(|arm| {
            let last = summaries
                .iter()
                .filter(|s| s.arm == arm.name)
                .map(|s| s.outer_samples)
                .max();
            summaries
                .iter()
                .filter(|s| s.arm == arm.name && Some(s.outer_samples) == last)
                .collect()
        })
        .collect()
}

fn method_name(method: &Method) -> String {
    match method {
        Method::Scratch(_) => "scratch".into(),
        Method::Pretrain(c) => format!(
            "pre-training{}, lifetime fits {}",
            match c.head {
                PretrainHead::Linear => "",
                PretrainHead::Cosine => " (cosine head)",
            },
            match c.finetune {
                Finetune::Head => "the readout",
                Finetune::All => "every layer",
            }
        ),
        Method::Reptile(_) => "Reptile".into(),
        Method::Fomaml(_) => "first-order MAML".into(),
        Method::Maml(_) => "MAML (second-order)".into(),
        Method::Evolution(e) => format!(
            "{} evolution ({}{})",
            if e.lamarckian {
                "Lamarckian"
            } else {
                "Baldwinian"
            },
            e.strategy.name(),
            if e.evolve_lr {
                ", evolved learning rates"
            } else {
                ""
            }
        ),
    }
}

fn markdown(experiment: &FewShotExperiment, summaries: &[MetaSummary]) -> String {
    let (label, _) = metric_label(experiment);
    let steps = experiment.evaluation.steps;
    let lr = match experiment.evaluation.lr {
        Some(lr) => format!("lr {lr}"),
        None => format!(
            "each arm's inner lr, [inner] lr {}",
            experiment.inner.lifetime.lr
        ),
    };
    let mut md = markdown_heading(&experiment.name, &experiment.description);
    let _ = writeln!(
        md,
        "{} seeds per method; each scored on {} fixed held-out tasks ({} query points each) \
         after {steps} inner steps ({:?}, {lr}). Outer samples: {}. {} over seeds [95% \
         stratified-bootstrap CI].\n",
        experiment.seeds,
        experiment.evaluation.tasks,
        experiment.evaluation.family(&experiment.family).query(),
        experiment.inner.lifetime.optimizer,
        match experiment.budget.axis {
            SampleAxis::Drawn => "examples drawn from the task distribution, each once",
            SampleAxis::Evaluations =>
                "example evaluations (forward passes, inner steps and members included)",
        },
        stats::aggregate_name(experiment.seeds as usize)
    );
    let shots = &experiment.evaluation.shots;
    let mut header = "| method | outer loop | examples drawn | example evaluations |".to_string();
    let mut rule = "|---|---|---|---|".to_string();
    for k in shots {
        let _ = write!(header, " {label}, K={k} |");
        rule.push_str("---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    for (arm, rows) in experiment.arms.iter().zip(finals(experiment, summaries)) {
        let (drawn, evaluations) = rows
            .first()
            .map_or((0.0, 0.0), |r| (r.examples_drawn, r.example_evaluations));
        let diverged: usize = summaries
            .iter()
            .filter(|s| s.arm == arm.name && s.shots == shots[0] && s.inner_steps == 0)
            .map(|s| s.diverged)
            .sum();
        let note = if diverged > 0 {
            format!(" ({diverged}/{} diverged)", experiment.seeds)
        } else {
            String::new()
        };
        let _ = write!(
            md,
            "| {}{note} | {} | {} | {} |",
            arm.name,
            method_name(&arm.method),
            plot::compact_number(drawn),
            plot::compact_number(evaluations)
        );
        for &k in shots {
            match rows.iter().find(|r| r.shots == k && r.inner_steps == steps) {
                Some(r) => {
                    let _ = write!(md, " {:.3} [{:.3}, {:.3}] |", r.iqm, r.ci_low, r.ci_high);
                }
                None => md.push_str(" — |"),
            }
        }
        md.push('\n');
    }
    md
}
