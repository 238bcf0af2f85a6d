//! `page`: a static HTML page per results folder (`DIR/index.html`) and an index across
//! folders — offline, no JavaScript, readable from `file://`.
//!
//! It owns the templates and the reading of a finished folder; it knows nothing about
//! how runs are computed. The summary table comes from the report's Markdown, the
//! figures and tables from the report's file list. Templates autoescape: names and
//! descriptions come from user files. The markup is also well-formed XML, so tests can
//! parse it.

mod markdown;

use std::path::{Path, PathBuf};

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, context};
use serde::Serialize;

use super::AnyExperiment;
use super::pipeline::Report;
use super::runner::RunError;
pub use markdown::Block;

const STYLE: &str = include_str!("style.css");
const EXPERIMENT: &str = include_str!("experiment.html");
const INDEX: &str = include_str!("index.html");

/// What to look for in each figure, by file name.
const CAPTIONS: [(&str, &str); 10] = [
    (
        "learning_curves.svg",
        "Test accuracy against examples evaluated: the further left a curve rises, the fewer examples the arm needs.",
    ),
    (
        "learning_curves_drawn.svg",
        "The same curves against examples drawn from the data: a batch shared by a population counts once.",
    ),
    (
        "learning_curves_wall.svg",
        "The same curves against wall-clock seconds: what the sample axis costs in time.",
    ),
    (
        "samples_to_target.svg",
        "Examples each arm needed to reach the target, per seed: lower is better; missing marks never reached it.",
    ),
    (
        "genes.svg",
        "Genes in the genome against training examples: how tying and untying change the size of what evolution searches.",
    ),
    (
        "tradeoff.svg",
        "Score on held-out tasks after adaptation against outer (slow) training examples: what slow learning buys fast learning.",
    ),
    (
        "adaptation.svg",
        "Score against inner gradient steps on the support set: how quickly each starting point adapts.",
    ),
    (
        "shots.svg",
        "Score after adaptation against shots K: how each method uses more support examples.",
    ),
    (
        "allele_frequencies.svg",
        "Frequencies of correct, incorrect and learnable alleles over generations: learning guides evolution (the Baldwin effect).",
    ),
    (
        "convergence.svg",
        "log10 of the best f − f* so far against evaluations: the sooner a curve falls to the target, the fewer evaluations it needs.",
    ),
];

/// The caption of a figure: what to look for in it.
pub fn caption(file_name: &str) -> &'static str {
    CAPTIONS
        .iter()
        .find(|(name, _)| *name == file_name)
        .map_or("A figure of this experiment.", |(_, caption)| caption)
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("experiment.html", EXPERIMENT)
        .expect("the experiment template parses");
    env.add_template("index.html", INDEX)
        .expect("the index template parses");
    env
}

#[derive(Serialize)]
struct Figure {
    file: String,
    caption: &'static str,
}

/// The file names of the report's files with extension `ext`, in a reading order:
/// figures named in [`CAPTIONS`] first, in its order, then the rest by name.
fn files_with(files: &[PathBuf], ext: &str) -> Vec<String> {
    let mut names: Vec<String> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == ext))
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort_by_key(|n| {
        let rank = CAPTIONS.iter().position(|(c, _)| c == n);
        (rank.unwrap_or(CAPTIONS.len()), n.clone())
    });
    names.dedup();
    names
}

/// Write `dir/index.html` for a finished experiment from its report; returns its path.
pub fn write_experiment_page(
    experiment: &AnyExperiment,
    report: &Report,
    dir: &Path,
) -> Result<PathBuf, RunError> {
    let figures: Vec<Figure> = files_with(&report.files, "svg")
        .into_iter()
        .map(|file| Figure {
            caption: caption(&file),
            file,
        })
        .collect();
    let tables = files_with(&report.files, "csv");
    // The page's header already shows the report's own `# name` and description.
    let blocks: Vec<Block> = markdown::blocks(&report.markdown)
        .into_iter()
        .filter(|b| match b {
            Block::Heading { text } => text != experiment.name(),
            Block::Paragraph { text } => text != experiment.description(),
            Block::Table { .. } => true,
        })
        .collect();
    let html = environment()
        .get_template("experiment.html")
        .and_then(|t| {
            t.render(context! {
                style => STYLE,
                name => experiment.name(),
                kind => experiment.kind(),
                description => experiment.description(),
                blocks => Serde(&blocks),
                figures => Serde(&figures),
                tables => Serde(&tables),
                config => experiment.resolved(),
            })
        })
        .expect("the experiment template renders");
    let path = dir.join("index.html");
    std::fs::write(&path, html).map_err(|source| RunError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[derive(Serialize)]
struct Entry {
    folder: String,
    name: String,
    kind: String,
    description: String,
    /// The header and first data row of the folder's first summary table.
    headline: Option<(Vec<String>, Vec<String>)>,
}

/// Write `dir/index.html` linking every results folder directly below `dir` (those with
/// a `config.toml`), with name, kind, description and the first row of its summary.
/// Returns the page's path and the folders listed.
pub fn write_index(dir: &Path) -> Result<(PathBuf, Vec<String>), RunError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Io { path, source }
    };
    let mut entries = Vec::new();
    for item in std::fs::read_dir(dir).map_err(io(dir))? {
        let folder = item.map_err(io(dir))?.path();
        let config = folder.join("config.toml");
        if !config.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&config).map_err(io(&config))?;
        // A folder whose config no longer parses is still listed, by its folder name.
        let experiment = super::parse_any(&config, &text).ok();
        let summary = std::fs::read_to_string(folder.join("summary.md")).unwrap_or_default();
        let folder_name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        entries.push(Entry {
            name: experiment
                .as_ref()
                .map_or(folder_name.clone(), |e| e.name().to_string()),
            kind: experiment.as_ref().map_or("?", |e| e.kind()).to_string(),
            description: experiment
                .as_ref()
                .map_or(String::new(), |e| e.description().to_string()),
            headline: markdown::first_row(&summary),
            folder: folder_name,
        });
    }
    entries.sort_by(|a, b| a.folder.cmp(&b.folder));
    let html = environment()
        .get_template("index.html")
        .and_then(|t| t.render(context! { style => STYLE, entries => Serde(&entries) }))
        .expect("the index template renders");
    let path = dir.join("index.html");
    std::fs::write(&path, html).map_err(io(&path))?;
    Ok((path, entries.into_iter().map(|e| e.folder).collect()))
}
