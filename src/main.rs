//! The `baldwin` command line. Exit codes: 0 success, 2 bad input (a bad experiment
//! file or flag), 1 a failure while running, 130 interrupted (Ctrl-C).
//!
//! The library reports progress through an [`Observer`]; this program draws the bars,
//! prints the summaries and decides what to delete.

mod bars;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use baldwin::experiment::{self, AnyExperiment, ConfigError, RunError, RunOptions, reference};
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
        /// Print each experiment fully resolved (every default written out) as TOML.
        #[arg(long)]
        resolved: bool,
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
        Some(Command::Validate { files, resolved }) => validate(&files, resolved),
        Some(Command::List) => {
            print!("{}", reference::reference());
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
    execute(&experiment, &out, false, true)
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
        experiments.push(e);
    }
    for e in &experiments {
        let dir = match out {
            Some(dir) if paths.len() == 1 => dir.to_path_buf(),
            Some(dir) => dir.join(e.name()),
            None => PathBuf::from("results").join(e.name()),
        };
        execute(e, &dir, resume, progress)?;
    }
    Ok(())
}

fn execute(
    experiment: &AnyExperiment,
    out: &Path,
    resume: bool,
    progress: bool,
) -> Result<(), Failure> {
    let runs = out.join("runs");
    if !resume && runs.exists() {
        // Without --resume every run is recomputed: earlier run files must not linger.
        std::fs::remove_dir_all(&runs)
            .map_err(|e| Failure::Running(format!("{}: {e}", runs.display())))?;
    }
    let stop = stop_flag();
    let options = RunOptions {
        out: out.to_path_buf(),
        resume,
    };
    let report = if progress {
        experiment.run(&options, &bars::Bars::new(), &stop)?
    } else {
        experiment.run(&options, &experiment::Silent, &stop)?
    };
    println!("{}", report.markdown);
    println!("Results in {}:", out.display());
    for file in &report.files {
        println!("  {}", file.display());
    }
    Ok(())
}

fn validate(paths: &[PathBuf], resolved: bool) -> Result<(), Failure> {
    let mut bad = Vec::new();
    for path in paths {
        match experiment::load_any(path) {
            Ok(e) if resolved => print!("{}", e.resolved()),
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
    let experiment = experiment::load_any(&dir.join("config.toml"))?;
    let report = experiment.redraw(dir)?;
    println!("{}", report.markdown);
    for file in &report.files {
        println!("  {}", file.display());
    }
    Ok(())
}
