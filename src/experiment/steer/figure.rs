//! Aggregating the chosen columns of `runs.csv` over seeds and drawing the steered figure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::sources::{Sample, TestMetric};
use super::{Folder, Metric, SteerError, SteerOptions, XAxis};
use crate::experiment::compare::budget_guide;
use crate::plot::{self, Band, ChartSpec, Guide, Series};
use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_REPS, Direction};

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
    runs: Vec<&'a Sample>,
}

/// The arms of every folder in order, named bare unless a name recurs across folders
/// (then `folder/arm`), filtered by `--arms`.
fn arms<'a>(folders: &'a [Folder], wanted: Option<&[String]>) -> Result<Vec<Arm<'a>>, SteerError> {
    let all: Vec<(&Folder, &str)> = folders
        .iter()
        .flat_map(|f| f.source.arms.iter().map(move |a| (f, a.as_str())))
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
            runs: folder
                .source
                .samples
                .iter()
                .filter(|r| r.arm == arm)
                .collect(),
        })
        .collect())
}

/// The test metric all folders share (`--metric test` cannot mix accuracy and MSE).
fn shared_test_metric(folders: &[Folder]) -> Result<&TestMetric, SteerError> {
    let first = &folders[0].source.test;
    match folders.iter().find(|f| f.source.test != *first) {
        None => Ok(first),
        Some(other) => Err(SteerError::BadInput(format!(
            "{} measures {} but {} measures {}; one figure needs one y axis: use \
             --metric train or --metric loss",
            folders[0].label, first.label, other.label, other.source.test.label
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
        Metric::Test => (test_metric.label.as_str(), test_metric.direction),
        Metric::Train => (
            "training loss (whole training set)",
            Direction::LowerIsBetter,
        ),
        Metric::Loss => ("test loss", Direction::LowerIsBetter),
    };
    let kind = folders[0].source.kind;
    // A target is given in the metric's own units; the axis may show its log10.
    let log10 = options.metric == Metric::Test && test_metric.log10;
    let on_axis = |v: f64| if log10 { v.log10() } else { v };
    let x_label = match (options.x, kind) {
        (XAxis::Evaluations, "black_box") => "function evaluations (log scale)",
        (XAxis::Evaluations, "few_shot") => {
            "outer-loop examples evaluated (log scale; every member and inner step counts)"
        }
        (XAxis::Drawn, "few_shot") => {
            "outer-loop examples drawn from the task distribution (log scale)"
        }
        (XAxis::Evaluations, _) => "training examples evaluated (log scale)",
        (XAxis::Drawn, _) => {
            "training examples drawn (log scale; a batch shared by a population counts once)"
        }
        (XAxis::Wall, _) => "seconds of training, each run timed from its own start (log scale)",
    };
    let arms = arms(folders, options.arms.as_deref())?;
    // Every folder was checked to record this axis and metric (`sources::check`).
    let x = |r: &Sample| r.x(options.x).unwrap_or(f64::NAN);
    let y = |r: &Sample| r.y(options.metric).unwrap_or(f64::NAN);
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
            "| arm | {} to {} {} ({aggregate} [95% CI]) | reached |\n|---|---|---|",
            options.x.name(),
            test_metric.short,
            shown_target(target)
        );
    }
    for (index, arm) in arms.iter().enumerate() {
        let mut by_seed: BTreeMap<u64, Vec<&Sample>> = BTreeMap::new();
        let mut at: BTreeMap<u64, Vec<&Sample>> = BTreeMap::new();
        for &r in &arm.runs {
            by_seed.entry(r.seed).or_default().push(r);
            at.entry(r.at).or_default().push(r);
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
                    stats::interpolated_crossing(&curve, on_axis(target), direction)
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
        guides.push(Guide::Horizontal {
            y: on_axis(target),
            label: match options.metric {
                Metric::Test => format!("target {} {}", test_metric.short, shown_target(target)),
                _ => format!("target {}", shown_target(target)),
            },
        });
    }
    let mut budgets: Vec<u64> = folders
        .iter()
        .filter(|f| f.source.budget.0 == options.x)
        .map(|f| f.source.budget.1)
        .collect();
    budgets.sort_unstable();
    budgets.dedup();
    guides.extend(budgets.into_iter().map(budget_guide));
    let mut names: Vec<&str> = folders.iter().map(|f| f.source.name.as_str()).collect();
    names.dedup();
    let selection = folders[0]
        .source
        .selection
        .as_ref()
        .map(|s| format!(" at {s}"))
        .unwrap_or_default();
    let spec = ChartSpec {
        title: format!(
            "{}{selection}: {} against {} ({aggregate} over seeds, 95% CI)",
            names.join(" vs "),
            y_label.split(" (").next().unwrap_or(y_label),
            match options.x {
                XAxis::Evaluations if kind == "black_box" => "evaluations",
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

/// A target as the user would write it (`1e-8`, not `0.00000001`).
fn shown_target(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

fn failed(path: &Path, error: std::io::Error) -> SteerError {
    SteerError::Failed(format!("{}: {error}", path.display()))
}
