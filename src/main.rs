//! The `baldwin` command line. Exit codes: 0 success, 2 bad input (a bad experiment
//! file or flag), 1 a failure while running, 130 interrupted (Ctrl-C).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use baldwin::experiment::{
    self, AnyExperiment, ConfigError, RunError, fewshot, files, reference, report,
};
use clap::{Parser, Subcommand};

/// The default experiment, embedded so that `baldwin` with no arguments works anywhere.
const QUICKSTART: &str = include_str!("../experiments/quickstart.toml");

#[derive(Parser)]
#[command(
    name = "baldwin",
    version,
    about = "How many examples does evolution need, compared with gradient descent?",
    long_about = "Runs experiments described in TOML files: every arm (a learner) for every \
                  seed, charged for the training examples it consumes. Without a command, \
                  runs the embedded quickstart into results/quickstart/."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run experiment files and write CSV, Markdown and SVG results.
    Run {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Results folder (default: results/<name>; with several files, DIR/<name>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Override the number of seeds per arm.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        seeds: Option<u64>,
        /// Keep finished runs of an earlier, interrupted run of the same configuration.
        #[arg(long)]
        resume: bool,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
    },
    /// Check experiment files without running them.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Every experiment key: tasks, learners, strategies, optimisers, defaults.
    List,
    /// Redraw summaries and plots of a results folder from its runs.csv.
    Plot { dir: PathBuf },
}

enum Failure {
    BadInput(String),
    Running(String),
    Interrupted(String),
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::BadInput(e.to_string())
    }
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Interrupted => Failure::Interrupted(e.to_string()),
            RunError::ConfigMismatch { .. } => Failure::BadInput(e.to_string()),
            other => Failure::Running(other.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run_text(
            Path::new("experiments/quickstart.toml (embedded)"),
            QUICKSTART,
        ),
        Some(Command::Run {
            files,
            out,
            seeds,
            resume,
            quiet,
        }) => run_files(&files, out.as_deref(), seeds, resume, !quiet),
        Some(Command::Validate { files }) => validate(&files),
        Some(Command::List) => {
            print!("{}", reference::REFERENCE);
            Ok(())
        }
        Some(Command::Plot { dir }) => redraw(&dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Running(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted(message)) => {
            eprintln!("{message}");
            ExitCode::from(130)
        }
    }
}

fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let handler = stop.clone();
    // A second Ctrl-C while runs wind down is ignored; finished runs are already saved.
    let _ = ctrlc::set_handler(move || handler.store(true, Ordering::Relaxed));
    stop
}

fn run_text(path: &Path, text: &str) -> Result<(), Failure> {
    let experiment = experiment::parse_any(path, text)?;
    let out = PathBuf::from("results").join(experiment.name());
    execute(&experiment, text, &out, false, true)
}

fn run_files(
    paths: &[PathBuf],
    out: Option<&Path>,
    seeds: Option<u64>,
    resume: bool,
    progress: bool,
) -> Result<(), Failure> {
    // Validate every file before running any.
    let mut experiments = Vec::new();
    for path in paths {
        let mut e = experiment::load_any(path)?;
        if let Some(seeds) = seeds {
            e.set_seeds(seeds);
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        experiments.push((e, text));
    }
    for (e, text) in &experiments {
        let dir = match out {
            Some(dir) if paths.len() == 1 => dir.to_path_buf(),
            Some(dir) => dir.join(e.name()),
            None => PathBuf::from("results").join(e.name()),
        };
        execute(e, text, &dir, resume, progress)?;
    }
    Ok(())
}

fn execute(
    experiment: &AnyExperiment,
    text: &str,
    out: &Path,
    resume: bool,
    progress: bool,
) -> Result<(), Failure> {
    let stop = stop_flag();
    let (markdown, written) = experiment::execute(experiment, text, out, resume, progress, &stop)?;
    println!("{markdown}");
    println!("Results in {}:", out.display());
    for file in &written {
        println!("  {}", file.display());
    }
    Ok(())
}

fn validate(paths: &[PathBuf]) -> Result<(), Failure> {
    let mut bad = Vec::new();
    for path in paths {
        match experiment::load_any(path) {
            Ok(e) => println!("{}: ok ({})", path.display(), e.describe()),
            Err(err) => bad.push(err.to_string()),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Failure::BadInput(bad.join("\nerror: ")))
    }
}

fn redraw(dir: &Path) -> Result<(), Failure> {
    let config = dir.join("config.toml");
    let experiment = experiment::load_any(&config)?;
    let runs = dir.join("runs.csv");
    let bad = |e: std::io::Error| Failure::BadInput(format!("{}: {e}", runs.display()));
    let (markdown, written) = match &experiment {
        AnyExperiment::Compare(e) => {
            let records = files::read_records(&runs).map_err(bad)?;
            let report = report::write(e, &records, dir)?;
            (report.markdown, report.files)
        }
        AnyExperiment::FewShot(e) => {
            let records = fewshot::runner::read(&runs).map_err(bad)?;
            fewshot::report::write(e, &records, dir)?
        }
        AnyExperiment::HintonNowlan(_) => {
            return Err(Failure::BadInput(
                "hinton_nowlan results are redrawn by rerunning: it takes under a second".into(),
            ));
        }
    };
    println!("{markdown}");
    for file in &written {
        println!("  {}", file.display());
    }
    Ok(())
}
