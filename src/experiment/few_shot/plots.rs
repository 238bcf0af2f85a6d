//! The SVG charts of a few-shot experiment: the slow–fast trade-off (performance after
//! adaptation against outer samples) and the adaptation curve (against inner steps), one
//! panel per evaluated K, and performance against K. Points are marked (a few-shot curve
//! has few points), classification draws chance (1/ways), and y ranges fit the data.

use std::path::{Path, PathBuf};

use super::FewShotExperiment;
use super::report::{MetaSummary, finals, metric_label};
use crate::experiment::runner::RunError;
use crate::meta::{Family, Method};
use crate::plot::{self, Band, ChartSpec, Guide, Panel, Series};

/// Chance performance where it is known: 1/ways for N-way classification.
fn chance(experiment: &FewShotExperiment) -> Option<Guide> {
    match &experiment.family {
        Family::Digits(t) if t.ways > 0 => Some(Guide::Horizontal {
            y: 1.0 / t.ways as f64,
            label: format!("chance (1/{})", t.ways),
        }),
        _ => None,
    }
}

fn band(s: &MetaSummary, x: f64) -> Band {
    Band {
        x,
        center: s.iqm,
        low: s.ci_low,
        high: s.ci_high,
    }
}

pub(super) fn plots(
    experiment: &FewShotExperiment,
    summaries: &[MetaSummary],
    out: &Path,
) -> Result<Vec<PathBuf>, RunError> {
    let draw = |e: plot::PlotError| RunError::Io {
        path: out.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    let (label, _) = metric_label(experiment);
    let steps = experiment.evaluation.steps;
    let shots = &experiment.evaluation.shots;
    let chance: Vec<Guide> = chance(experiment).into_iter().collect();
    let budget = experiment.budget.outer_samples;
    let mut files = Vec::new();

    // Slow–fast trade-off. Scratch has no outer loop: drawn flat across the x range.
    let max_outer = summaries
        .iter()
        .map(|s| s.outer_samples)
        .max()
        .unwrap_or(1)
        .max(budget)
        .max(1) as f64;
    let min_outer = summaries
        .iter()
        .map(|s| s.outer_samples)
        .filter(|&o| o > 0)
        .min()
        .unwrap_or(1) as f64;
    let tradeoff_guides: Vec<Guide> = chance
        .iter()
        .cloned()
        .chain([Guide::Vertical {
            x: budget as f64,
            label: format!("outer budget {}", plot::compact_number(budget as f64)),
        }])
        .collect();
    let tradeoff = |k: usize| -> Vec<Series> {
        experiment
            .arms
            .iter()
            .map(|arm| {
                let rows: Vec<&MetaSummary> = summaries
                    .iter()
                    .filter(|s| s.arm == arm.name && s.shots == k && s.inner_steps == steps)
                    .collect();
                let points = if matches!(arm.method, Method::Scratch(_)) {
                    rows.first()
                        .map_or(Vec::new(), |r| vec![band(r, min_outer), band(r, max_outer)])
                } else {
                    rows.iter()
                        .filter(|r| r.outer_samples > 0)
                        .map(|r| band(r, r.outer_samples as f64))
                        .collect()
                };
                Series {
                    name: arm.name.clone(),
                    points,
                }
            })
            .collect()
    };
    let panels: Vec<Panel> = shots
        .iter()
        .map(|&k| Panel {
            spec: ChartSpec {
                title: format!("K = {k}"),
                x_label: "outer (slow) training examples (log scale)".into(),
                y_label: format!("{label} (held-out tasks)"),
                log_x: true,
                guides: tradeoff_guides.clone(),
                dots: true,
                ..ChartSpec::default()
            },
            series: tradeoff(k),
        })
        .collect();
    let path = out.join("tradeoff.svg");
    let title = format!(
        "{}: slow learning buys fast learning ({steps} inner steps)",
        experiment.name
    );
    plot::panel_chart(&path, &title, &panels).map_err(draw)?;
    files.push(path);

    let last = finals(experiment, summaries);
    let curve = |x: &dyn Fn(&MetaSummary) -> Option<f64>| -> Vec<Series> {
        experiment
            .arms
            .iter()
            .zip(&last)
            .map(|(arm, rows)| Series {
                name: arm.name.clone(),
                points: rows
                    .iter()
                    .filter_map(|r| x(r).map(|x| band(r, x)))
                    .collect(),
            })
            .collect()
    };
    let panels: Vec<Panel> = shots
        .iter()
        .map(|&k| Panel {
            spec: ChartSpec {
                title: format!("K = {k}"),
                x_label: "inner (fast) gradient steps on the support set".into(),
                y_label: label.into(),
                guides: chance.clone(),
                dots: true,
                ..ChartSpec::default()
            },
            series: curve(&|r| (r.shots == k).then_some(r.inner_steps as f64)),
        })
        .collect();
    let path = out.join("adaptation.svg");
    let title = format!(
        "{}: adaptation within one lifetime (final initialisation)",
        experiment.name
    );
    plot::panel_chart(&path, &title, &panels).map_err(draw)?;
    files.push(path);

    if shots.len() > 1 {
        let path = out.join("shots.svg");
        plot::line_chart(
            &path,
            &ChartSpec {
                title: format!(
                    "{}: performance against shots ({steps} inner steps)",
                    experiment.name
                ),
                x_label: "shots K (support examples per class; measured at the dots)".into(),
                y_label: label.into(),
                guides: chance,
                dots: true,
                ..ChartSpec::default()
            },
            &curve(&|r| (r.inner_steps == steps).then_some(r.shots as f64)),
        )
        .map_err(draw)?;
        files.push(path);
    }
    Ok(files)
}
