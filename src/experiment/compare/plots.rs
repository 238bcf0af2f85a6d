//! The SVG charts of a compare experiment: learning curves against samples and against
//! wall time, samples-to-target, and genome size when segmentation changes it.

use std::path::{Path, PathBuf};

use super::CompareExperiment as Experiment;
use super::report::{CheckpointSummary, TargetSummary};
use crate::experiment::runner::RunError;
use crate::plot::{self, Band, ChartSpec, Guide, IntervalRow, Series};
use crate::task::Metric;

fn series(
    experiment: &Experiment,
    checkpoints: &[CheckpointSummary],
    x: impl Fn(&CheckpointSummary) -> f64,
    y: impl Fn(&CheckpointSummary) -> (f64, f64, f64),
) -> Vec<Series> {
    experiment
        .arms
        .iter()
        .map(|arm| Series {
            name: arm.name.clone(),
            points: checkpoints
                .iter()
                .filter(|c| c.arm == arm.name)
                .map(|c| {
                    let (center, low, high) = y(c);
                    Band {
                        x: x(c),
                        center,
                        low,
                        high,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The dashed vertical line at a run's sample budget.
pub(crate) fn budget_guide(samples: u64) -> Guide {
    Guide::Vertical {
        x: samples as f64,
        label: format!("budget {}", plot::compact_number(samples as f64)),
    }
}

/// The dashed horizontal line at a target value of the test metric.
fn target_guide(metric: Metric, target: f64) -> Guide {
    Guide::Horizontal {
        y: target,
        label: format!("target {} {target}", metric.label()),
    }
}

pub(super) fn plots(
    experiment: &Experiment,
    metric: Metric,
    checkpoints: &[CheckpointSummary],
    targets: &[TargetSummary],
    out: &Path,
) -> Result<Vec<PathBuf>, RunError> {
    let draw = |e: plot::PlotError| RunError::Io {
        path: out.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    let y_label = match metric {
        Metric::Accuracy => "test accuracy (fraction correct)",
        Metric::Loss => "test loss (mean squared error)",
    };
    let budget = budget_guide(experiment.budget.samples);
    let target: Vec<Guide> = experiment
        .budget
        .target
        .map(|y| target_guide(metric, y))
        .into_iter()
        .collect();
    // The budget is counted in examples evaluated: only that axis can mark it.
    let with_budget: Vec<Guide> = target.iter().cloned().chain([budget.clone()]).collect();
    let band = |c: &CheckpointSummary| (c.iqm, c.ci_low, c.ci_high);
    let mut files = Vec::new();
    let path = out.join("learning_curves.svg");
    plot::line_chart(
        &path,
        &ChartSpec {
            title: format!(
                "{}: {} against training examples",
                experiment.name,
                metric.label()
            ),
            x_label: "training examples evaluated (log scale)".into(),
            y_label: y_label.into(),
            log_x: true,
            guides: with_budget,
            ..ChartSpec::default()
        },
        &series(experiment, checkpoints, |c| c.samples as f64, band),
    )
    .map_err(draw)?;
    files.push(path);
    let path = out.join("learning_curves_drawn.svg");
    plot::line_chart(
        &path,
        &ChartSpec {
            title: format!(
                "{}: {} against training examples drawn",
                experiment.name,
                metric.label()
            ),
            x_label:
                "training examples drawn (log scale; a batch shared by a population counts once)"
                    .into(),
            y_label: y_label.into(),
            log_x: true,
            guides: target.clone(),
            ..ChartSpec::default()
        },
        &series(experiment, checkpoints, |c| c.drawn_iqm, band),
    )
    .map_err(draw)?;
    files.push(path);
    let path = out.join("learning_curves_wall.svg");
    plot::line_chart(
        &path,
        &ChartSpec {
            title: format!(
                "{}: {} against wall-clock time",
                experiment.name,
                metric.label()
            ),
            x_label: "seconds of training, each run timed from its own start (log scale)".into(),
            y_label: y_label.into(),
            log_x: true,
            guides: target.clone(),
            ..ChartSpec::default()
        },
        &series(experiment, checkpoints, |c| c.wall_s_iqm, band),
    )
    .map_err(draw)?;
    files.push(path);
    if let Some(target) = experiment.budget.target {
        let path = out.join("samples_to_target.svg");
        let rows: Vec<IntervalRow> = targets
            .iter()
            .map(|t| IntervalRow {
                name: t.arm.clone(),
                center: t.iqm,
                low: t.ci_low,
                high: t.ci_high,
                note: Some(format!("{}/{} reached", t.reached, t.n)),
            })
            .collect();
        plot::interval_chart(
            &path,
            &ChartSpec {
                title: format!(
                    "{}: training examples to reach {} {target}",
                    experiment.name,
                    metric.label()
                ),
                x_label: format!(
                    "training examples (log scale; {} over seeds, 95% CI)",
                    crate::stats::aggregate_name(experiment.seeds as usize)
                ),
                log_x: true,
                guides: vec![budget],
                ..ChartSpec::default()
            },
            &rows,
        )
        .map_err(draw)?;
        files.push(path);
    }
    let genes_vary = experiment.arms.iter().any(|arm| {
        let mut genes = checkpoints
            .iter()
            .filter(|c| c.arm == arm.name)
            .map(|c| c.genes_iqm);
        let first = genes.next();
        genes.any(|g| Some(g) != first)
    });
    if genes_vary {
        let path = out.join("genes.svg");
        plot::line_chart(
            &path,
            &ChartSpec {
                title: format!("{}: genome size against training examples", experiment.name),
                x_label: "training examples consumed (log scale)".into(),
                y_label: format!(
                    "genes in the current genome ({} over seeds)",
                    crate::stats::aggregate_name(experiment.seeds as usize)
                ),
                log_x: true,
                ..ChartSpec::default()
            },
            &series(
                experiment,
                checkpoints,
                |c| c.samples as f64,
                |c| (c.genes_iqm, c.genes_iqm, c.genes_iqm),
            ),
        )
        .map_err(draw)?;
        files.push(path);
    }
    Ok(files)
}
