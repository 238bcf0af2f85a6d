//! Steered figures (`baldwin plot DIR… --metric … --x … --target … --arms … --png`): one
//! learning-curve figure drawn from the `runs.csv` of one or more results folders of one
//! kind (compare, few_shot or black_box), with the metric, the x axis, the arms and a
//! target chosen by the caller. `sources.rs` says what each kind records.
//!
//! This module reads finished results only (a folder's `config.toml` and `runs.csv`)
//! and writes one SVG (and optionally its PNG); it never touches a folder's own
//! reports. Options arrive already parsed ([`Metric`], [`XAxis`] and their `FromStr`
//! errors list the allowed values); a folder or arm that does not exist is a
//! [`SteerError::BadInput`] naming the ones that do.

mod figure;
mod sources;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use thiserror::Error;

use super::{AnyExperiment, ConfigError};
use sources::Source;

pub use figure::Steered;

/// What the y axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    /// The task's test metric: accuracy for classification, MSE for regression.
    #[default]
    Test,
    /// Loss on the whole training set.
    Train,
    /// Loss on the test set.
    Loss,
}

/// What the x axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XAxis {
    /// Training examples drawn from the data (a batch shared by a population counts once).
    Drawn,
    /// Training examples evaluated (forward passes): the budget's unit.
    #[default]
    Evaluations,
    /// Wall-clock seconds from the run's own start.
    Wall,
}

impl Metric {
    /// Every value, as written on the command line.
    pub const NAMES: [&'static str; 3] = ["test", "train", "loss"];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Test => "test",
            Metric::Train => "train",
            Metric::Loss => "loss",
        }
    }
}

impl XAxis {
    /// Every value, as written on the command line.
    pub const NAMES: [&'static str; 3] = ["drawn", "evaluations", "wall"];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            XAxis::Drawn => "drawn",
            XAxis::Evaluations => "evaluations",
            XAxis::Wall => "wall",
        }
    }
}

fn unknown(what: &str, given: &str, allowed: &[&str]) -> String {
    format!("unknown {what} `{given}`; allowed: {}", allowed.join(", "))
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        [Metric::Test, Metric::Train, Metric::Loss]
            .into_iter()
            .find(|m| m.name() == text)
            .ok_or_else(|| unknown("metric", text, &Metric::NAMES))
    }
}

impl FromStr for XAxis {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        [XAxis::Drawn, XAxis::Evaluations, XAxis::Wall]
            .into_iter()
            .find(|x| x.name() == text)
            .ok_or_else(|| unknown("x axis", text, &XAxis::NAMES))
    }
}

/// Everything a steered figure can be told.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SteerOptions {
    /// The y axis.
    pub metric: Metric,
    /// The x axis.
    pub x: XAxis,
    /// Draw this value as a horizontal line and report each arm's x at reaching it.
    pub target: Option<f64>,
    /// Only these arms (bare names, or `folder/arm` as the legend shows them).
    pub arms: Option<Vec<String>>,
    /// Also write a PNG beside the SVG.
    pub png: bool,
    /// The SVG's path (default: `plot_<metric>_<x>.svg` in the first folder). A path
    /// ending in `.png` asks for the PNG, with the SVG beside it.
    pub out: Option<PathBuf>,
    /// Few-shot folders: the evaluation's shots per class (default: the first logged).
    pub shots: Option<usize>,
    /// Few-shot folders: inner steps of adaptation (default: the most logged).
    pub steps: Option<usize>,
}

/// Why no figure was drawn.
#[derive(Debug, Error)]
pub enum SteerError {
    /// A folder, option or arm that does not fit: the caller's mistake.
    #[error("{0}")]
    BadInput(String),
    /// The folder's config.toml is not a valid experiment.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading results or writing the figure failed.
    #[error("{0}")]
    Failed(String),
}

/// One results folder, loaded.
struct Folder {
    /// How the legend names this folder when arm names clash.
    label: String,
    source: Source,
}

/// A results folder, given as the folder or as its `runs.csv` (or any file in it).
pub fn results_folder(path: &Path) -> &Path {
    if path.is_file() {
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    } else {
        path
    }
}

fn load(path: &Path, options: &SteerOptions) -> Result<Folder, SteerError> {
    let dir = results_folder(path);
    let config = dir.join("config.toml");
    if !config.is_file() {
        return Err(SteerError::BadInput(format!(
            "{} is not a results folder (it has no config.toml); give the folder that \
             `baldwin run` wrote, or its runs.csv",
            path.display()
        )));
    }
    let runs = dir.join("runs.csv");
    let read_failed =
        |e: std::io::Error| SteerError::Failed(format!("{}: cannot be read: {e}", runs.display()));
    let source = match super::load_any(&config)? {
        AnyExperiment::Compare(e) => {
            sources::compare(&e, super::files::read_rows(&runs).map_err(read_failed)?)
        }
        AnyExperiment::FewShot(e) => sources::few_shot(
            &e,
            super::files::read_rows(&runs).map_err(read_failed)?,
            options,
        )?,
        AnyExperiment::BlackBox(e) => {
            sources::black_box(&e, super::files::read_rows(&runs).map_err(read_failed)?)
        }
        other => {
            return Err(SteerError::BadInput(format!(
                "{} holds a `{}` experiment; steered plots (--metric, --x, --target, \
                 --arms, --png, --out, several folders) draw compare, few_shot and \
                 black_box experiments; run `baldwin plot {}` without options to redraw \
                 its figures",
                dir.display(),
                other.kind(),
                dir.display()
            )));
        }
    };
    if source.samples.is_empty() {
        return Err(SteerError::BadInput(format!(
            "{} holds no runs",
            runs.display()
        )));
    }
    sources::check(&source, options)?;
    let label = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    Ok(Folder { label, source })
}

/// Draw one steered figure of the compare results in `paths` (folders or their
/// `runs.csv`) and write it (see [`SteerOptions::out`]).
pub fn draw(paths: &[PathBuf], options: &SteerOptions) -> Result<Steered, SteerError> {
    if paths.is_empty() {
        return Err(SteerError::BadInput("no results folder given".into()));
    }
    if let Some(target) = options.target
        && !target.is_finite()
    {
        return Err(SteerError::BadInput(format!(
            "--target {target} must be a finite number"
        )));
    }
    let folders = paths
        .iter()
        .map(|p| load(p, options))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(other) = folders
        .iter()
        .find(|f| f.source.kind != folders[0].source.kind)
    {
        return Err(SteerError::BadInput(format!(
            "{} is a {} experiment but {} is a {} one; one figure draws folders of one kind",
            folders[0].label, folders[0].source.kind, other.label, other.source.kind
        )));
    }
    let mut folders = folders;
    let labels: std::collections::BTreeSet<&str> =
        folders.iter().map(|f| f.label.as_str()).collect();
    if labels.len() < folders.len() {
        // Two folders of the same name (a/q, b/q): name them by the path given.
        for (folder, path) in folders.iter_mut().zip(paths) {
            folder.label = results_folder(path).display().to_string();
        }
    }
    figure::draw(&folders, paths, options)
}
