//! The SVGs of `DIR/analysis/`: CKA heat maps, the polysemanticity distribution per arm,
//! weight and tying maps per run.

use std::path::{Path, PathBuf};

use super::load::Folder;
use super::report::arm_groups;
use super::{AnalysisError, LayerResults};
use crate::plot::{Band, ChartSpec, Group, HeatMap, Palette, Series, heat_map, line_chart};

/// Draw every figure into `out`; returns the files written.
pub(super) fn draw(
    out: &Path,
    folder: &Folder,
    layers: &[LayerResults],
) -> Result<Vec<PathBuf>, AnalysisError> {
    let runs = &folder.runs;
    let groups: Vec<Group> = arm_groups(folder)
        .into_iter()
        .map(|(name, start, end)| Group { name, start, end })
        .collect();
    let mut files = Vec::new();
    for layer in layers {
        for (kind, values) in [("linear", &layer.cka), ("RBF", &layer.cka_rbf)] {
            let file = match kind {
                "linear" => format!("cka-{}.svg", layer.name),
                _ => format!("cka-rbf-{}.svg", layer.name),
            };
            let path = out.join(file);
            heat_map(
                &path,
                &HeatMap {
                    title: format!(
                        "{kind} CKA of hidden layer {} between runs ({})",
                        layer.name, folder.experiment.name
                    ),
                    y_label: "runs, grouped by arm (seeds in order)".into(),
                    x_label: "runs, grouped by arm (seeds in order)".into(),
                    rows: runs.len(),
                    cols: runs.len(),
                    values,
                    palette: Palette::Sequential {
                        low: 0.0,
                        high: 1.0,
                    },
                    groups: &groups,
                },
            )?;
            files.push(path);
        }
        if let Some(classes) = layer.profiles.first().map(|_| classes(folder)) {
            let series: Vec<Series> = groups
                .iter()
                .map(|g| {
                    let counts: Vec<usize> = (g.start..g.end)
                        .flat_map(|r| layer.profiles[r].iter().map(|p| p.classes_above_half))
                        .collect();
                    let total = counts.len().max(1) as f64;
                    Series {
                        name: g.name.clone(),
                        points: (0..=classes)
                            .map(|k| {
                                let share = counts.iter().filter(|&&c| c == k).count() as f64;
                                let y = share / total;
                                Band {
                                    x: k as f64,
                                    center: y,
                                    low: y,
                                    high: y,
                                }
                            })
                            .collect(),
                    }
                })
                .collect();
            let path = out.join(format!("polysemanticity-{}.svg", layer.name));
            line_chart(
                &path,
                &ChartSpec {
                    title: format!(
                        "How many classes drive a unit of {} ({})",
                        layer.name, folder.experiment.name
                    ),
                    x_label: "classes above half the unit's largest class response".into(),
                    y_label: "fraction of the arm's units".into(),
                    ..ChartSpec::default()
                },
                &series,
            )?;
            files.push(path);
        }
    }
    for run in runs {
        let developed = run
            .network
            .develop(&run.params.genes)
            .map_err(|e| AnalysisError::BadInput(format!("{}: {e}", run.name)))?;
        let arch = run.network.architecture();
        for (l, weights) in developed.iter().enumerate() {
            let (rows, cols) = arch.layer_shape(l);
            let values: Vec<f64> = weights.iter().map(|&w| f64::from(w)).collect();
            let limit = values.iter().fold(0.0f64, |m, w| m.max(w.abs()));
            let path = out
                .join("weights")
                .join(format!("{}.w{}.svg", run.name, l + 1));
            heat_map(
                &path,
                &HeatMap {
                    title: format!("{}: weights of layer {} (blue < 0 < red)", run.name, l + 1),
                    y_label: format!("{rows} inputs (rows)"),
                    x_label: format!("{cols} units (columns)"),
                    rows,
                    cols,
                    values: &values,
                    palette: Palette::Diverging { limit },
                    groups: &[],
                },
            )?;
            files.push(path);
            // A tying map only where genes are shared: one block per tile is untied.
            let tying = run.network.tying().layer(l);
            let untied = tying.block_usage().iter().all(|&u| u == 1)
                && tying.tiles.iter().all(|t| !t.mirrored);
            if untied {
                continue;
            }
            // Each weight cell coloured by the block its tile expresses; mirrored paler.
            let block_of: Vec<f64> = (0..rows * cols)
                .map(|cell| {
                    let (i, j) = (cell / cols / tying.tile_rows, cell % cols / tying.tile_cols);
                    let tile = tying.tiles[i * tying.grid_cols + j];
                    match tile.mirrored {
                        false => f64::from(tile.block),
                        true => -1.0 - f64::from(tile.block),
                    }
                })
                .collect();
            let path = out
                .join("weights")
                .join(format!("{}.tying-w{}.svg", run.name, l + 1));
            heat_map(
                &path,
                &HeatMap {
                    title: format!(
                        "{}: tying map of layer {} ({} gene blocks; one colour per block, \
                         mirrored paler)",
                        run.name,
                        l + 1,
                        tying.blocks
                    ),
                    y_label: format!("{rows} inputs (rows)"),
                    x_label: format!("{cols} units (columns)"),
                    rows,
                    cols,
                    values: &block_of,
                    palette: Palette::Categorical,
                    groups: &[],
                },
            )?;
            files.push(path);
        }
    }
    Ok(files)
}

/// Classes of the probe set (0 for regression).
fn classes(folder: &Folder) -> usize {
    match &folder.probe.labels {
        crate::task::Labels::Classes { classes, .. } => *classes,
        crate::task::Labels::Values { .. } => 0,
    }
}
