//! The SVG charts of a compare experiment: learning curves against samples and against
//! wall time, samples-to-target, and genome size when segmentation changes it.

use std::path::{Path, PathBuf};

use super::CompareExperiment as Experiment;
use super::report::{CheckpointSummary, TargetSummary};
use crate::experiment::runner::RunError;
use crate::plot::{self, Band, ChartSpec, IntervalRow, LegendCorner, Series};
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
    let (y_label, y_range, legend) = match metric {
        Metric::Accuracy => (
            "test accuracy (fraction correct)",
            Some((0.0, 1.0)),
            LegendCorner::UpperLeft,
        ),
        Metric::Loss => (
            "test loss (mean squared error)",
            None,
            LegendCorner::UpperRight,
        ),
    };
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
            y_range,
            legend,
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
            y_range,
            legend,
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
            x_label: "wall-clock seconds per run (log scale)".into(),
            y_label: y_label.into(),
            log_x: true,
            y_range,
            legend,
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
                y_label: String::new(),
                log_x: true,
                y_range: None,
                legend: LegendCorner::UpperRight,
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
                y_range: None,
                legend: LegendCorner::UpperRight,
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
