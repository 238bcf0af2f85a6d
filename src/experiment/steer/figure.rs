//! Aggregating the chosen columns of `runs.csv` over seeds and drawing the steered figure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Folder, Metric, SteerError, SteerOptions, XAxis};
use crate::experiment::compare::run::Record;
use crate::experiment::compare::{budget_guide, target_guide};
use crate::plot::{self, Band, ChartSpec, Guide, Series};
use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_REPS, Direction};
use crate::task;

/// What [`super::draw`] wrote and found.
#[derive(Debug, Clone, PartialEq)]
pub struct Steered {
    /// The SVG.
    pub svg: PathBuf,
    /// The PNG, when asked for.
    pub png: Option<PathBuf>,
    /// Whether the PNG was rasterised without any font (its text is missing).
    pub png_without_text: bool,
    /// With a target: a Markdown table of each arm's x at reaching it.
    pub markdown: String,
}

/// One curve to draw: its legend name and its runs.
struct Arm<'a> {
    name: String,
    runs: Vec<&'a Record>,
}

/// The arms of every folder in order, named bare unless a name recurs across folders
/// (then `folder/arm`), filtered by `--arms`.
fn arms<'a>(folders: &'a [Folder], wanted: Option<&[String]>) -> Result<Vec<Arm<'a>>, SteerError> {
    let all: Vec<(&Folder, &str)> = folders
        .iter()
        .flat_map(|f| f.experiment.arms.iter().map(move |a| (f, a.name.as_str())))
        .collect();
    let clashes = |name: &str| all.iter().filter(|(_, n)| *n == name).count() > 1;
    let named: Vec<(String, &Folder, &str)> = all
        .iter()
        .map(|&(folder, arm)| {
            let shown = if clashes(arm) {
                format!("{}/{arm}", folder.label)
            } else {
                arm.to_string()
            };
            (shown, folder, arm)
        })
        .collect();
    if let Some(wanted) = wanted {
        for name in wanted {
            if !named
                .iter()
                .any(|(shown, _, arm)| shown == name || arm == name)
            {
                let allowed: Vec<&str> = named.iter().map(|(s, _, _)| s.as_str()).collect();
                return Err(SteerError::BadInput(format!(
                    "unknown arm `{name}` in --arms; allowed: {}",
                    allowed.join(", ")
                )));
            }
        }
    }
    Ok(named
        .into_iter()
        .filter(|(shown, _, arm)| wanted.is_none_or(|w| w.iter().any(|n| n == shown || n == arm)))
        .map(|(name, folder, arm)| Arm {
            name,
            runs: folder.records.iter().filter(|r| r.arm == arm).collect(),
        })
        .collect())
}

fn y_of(metric: Metric) -> fn(&Record) -> f64 {
    match metric {
        Metric::Test => |r| r.test_metric,
        Metric::Train => |r| r.train_loss,
        Metric::Loss => |r| r.test_loss,
    }
}

fn x_of(axis: XAxis) -> fn(&Record) -> f64 {
    match axis {
        XAxis::Drawn => |r| r.examples_drawn as f64,
        XAxis::Evaluations => |r| r.samples as f64,
        XAxis::Wall => |r| r.wall_s,
    }
}

/// The test metric all folders share (`--metric test` cannot mix accuracy and MSE).
fn shared_test_metric(folders: &[Folder]) -> Result<task::Metric, SteerError> {
    let first = folders[0].experiment.task.metric();
    match folders.iter().find(|f| f.experiment.task.metric() != first) {
        None => Ok(first),
        Some(other) => Err(SteerError::BadInput(format!(
            "{} measures {} but {} measures {}; one figure needs one y axis: use \
             --metric train or --metric loss",
            folders[0].label,
            first.label(),
            other.label,
            other.experiment.task.metric().label()
        ))),
    }
}

/// Where the SVG and PNG go.
fn outputs(paths: &[PathBuf], options: &SteerOptions) -> (PathBuf, Option<PathBuf>) {
    let svg = options.out.clone().unwrap_or_else(|| {
        let dir = super::results_folder(&paths[0]);
        dir.join(format!(
            "plot_{}_{}.svg",
            options.metric.name(),
            options.x.name()
        ))
    });
    let wants_png = svg
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let png = (options.png || wants_png).then(|| svg.with_extension("png"));
    (svg.with_extension("svg"), png)
}

pub(super) fn draw(
    folders: &[Folder],
    paths: &[PathBuf],
    options: &SteerOptions,
) -> Result<Steered, SteerError> {
    let test_metric = shared_test_metric(folders)?;
    let (y_label, direction) = match options.metric {
        Metric::Test if test_metric.higher_is_better() => (
            "test accuracy (fraction correct)",
            Direction::HigherIsBetter,
        ),
        Metric::Test => ("test loss (mean squared error)", Direction::LowerIsBetter),
        Metric::Train => (
            "training loss (whole training set)",
            Direction::LowerIsBetter,
        ),
        Metric::Loss => ("test loss", Direction::LowerIsBetter),
    };
    let x_label = match options.x {
        XAxis::Evaluations => "training examples evaluated (log scale)",
        XAxis::Drawn => {
            "training examples drawn (log scale; a batch shared by a population counts once)"
        }
        XAxis::Wall => "seconds of training, each run timed from its own start (log scale)",
    };
    let arms = arms(folders, options.arms.as_deref())?;
    let (x, y) = (x_of(options.x), y_of(options.metric));
    let seeds = arms
        .iter()
        .map(|a| {
            a.runs
                .iter()
                .map(|r| r.seed)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        })
        .min()
        .unwrap_or(0);
    let aggregate = stats::aggregate_name(seeds);

    let mut series = Vec::new();
    let mut table = String::new();
    if let Some(target) = options.target {
        let _ = writeln!(
            table,
            "| arm | {} to {y_label} {target} ({aggregate} [95% CI]) | reached |\n|---|---|---|",
            options.x.name()
        );
    }
    for (index, arm) in arms.iter().enumerate() {
        let mut by_seed: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
        let mut at: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
        for &r in &arm.runs {
            by_seed.entry(r.seed).or_default().push(r);
            at.entry(r.samples).or_default().push(r);
        }
        let points = at
            .values()
            .map(|rows| {
                let values: Vec<f64> = rows.iter().map(|r| y(r)).collect();
                let xs: Vec<f64> = rows.iter().map(|r| x(r)).collect();
                let ci = stats::stratified_bootstrap_ci(
                    &[&values],
                    stats::iqm,
                    DEFAULT_REPS,
                    DEFAULT_CONFIDENCE,
                    index as u64,
                );
                Band {
                    x: stats::iqm(&xs),
                    center: ci.point,
                    low: ci.low,
                    high: ci.high,
                }
            })
            .collect();
        let mut name = arm.name.clone();
        if let Some(target) = options.target {
            let crossings: Vec<Option<f64>> = by_seed
                .values()
                .map(|rows| {
                    let curve: Vec<(f64, f64)> = rows.iter().map(|r| (x(r), y(r))).collect();
                    stats::interpolated_crossing(&curve, target, direction)
                })
                .collect();
            let s = stats::samples_to_target(
                &crossings,
                DEFAULT_REPS,
                DEFAULT_CONFIDENCE,
                index as u64,
            );
            let shown = |v: f64| {
                if v.is_infinite() {
                    "not reached".to_string()
                } else {
                    plot::compact_number(v)
                }
            };
            let _ = writeln!(
                table,
                "| {} | {} [{}, {}] | {}/{} |",
                arm.name,
                shown(s.iqm),
                shown(s.low),
                shown(s.high),
                s.reached,
                s.n
            );
            let _ = write!(name, " (target at {}, {}/{})", shown(s.iqm), s.reached, s.n);
        }
        series.push(Series { name, points });
    }

    let mut guides: Vec<Guide> = Vec::new();
    if let Some(target) = options.target {
        guides.push(match options.metric {
            Metric::Test => target_guide(test_metric, target),
            _ => Guide::Horizontal {
                y: target,
                label: format!("target {target}"),
            },
        });
    }
    if options.x == XAxis::Evaluations {
        let mut budgets: Vec<u64> = folders
            .iter()
            .map(|f| f.experiment.budget.samples)
            .collect();
        budgets.sort_unstable();
        budgets.dedup();
        guides.extend(budgets.into_iter().map(budget_guide));
    }
    let names: Vec<&str> = folders.iter().map(|f| f.experiment.name.as_str()).collect();
    let spec = ChartSpec {
        title: format!(
            "{}: {} against {} ({aggregate} over seeds, 95% CI)",
            names.join(" vs "),
            y_label.split(" (").next().unwrap_or(y_label),
            match options.x {
                XAxis::Evaluations => "examples evaluated",
                XAxis::Drawn => "examples drawn",
                XAxis::Wall => "wall-clock time",
            }
        ),
        x_label: x_label.into(),
        y_label: y_label.into(),
        log_x: true,
        guides,
        ..ChartSpec::default()
    };
    let (svg, png) = outputs(paths, options);
    if let Some(parent) = svg.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| failed(parent, e))?;
    }
    plot::line_chart(&svg, &spec, &series).map_err(|e| SteerError::Failed(e.to_string()))?;
    let mut png_without_text = false;
    if let Some(png) = &png {
        let raster = plot::svg_to_png(&svg, png).map_err(|e| SteerError::Failed(e.to_string()))?;
        png_without_text = !raster.text;
    }
    Ok(Steered {
        svg,
        png,
        png_without_text,
        markdown: table,
    })
}

fn failed(path: &Path, error: std::io::Error) -> SteerError {
    SteerError::Failed(format!("{}: {error}", path.display()))
}
