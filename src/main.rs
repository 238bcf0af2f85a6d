//! The `baldwin` command line. Exit codes: 0 success, 2 bad input (a bad experiment
//! file or flag), 1 a failure while running, 130 interrupted (Ctrl-C), 143 terminated
//! (SIGTERM).
//!
//! The library reports progress through an [`Observer`]; this program draws the bars,
//! prints the summaries and decides what to delete.

mod bars;
mod launch;
mod signals;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use baldwin::experiment::{
    self, AnyExperiment, ConfigError, RunError, RunOptions, reference, steer,
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
        /// Continue an interrupted experiment. This is what `run` always does: finished
        /// runs whose arm is unchanged are reused; the flag is kept for scripts.
        #[arg(long)]
        resume: bool,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
        /// Recompute finished runs whose arm is now configured differently.
        #[arg(long)]
        force: bool,
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
    /// Redraw summaries and plots of a results folder from its runs.csv; with any of
    /// --metric, --x, --target, --arms, --png, --out, or several folders, draw one
    /// learning-curve figure of compare results instead.
    Plot {
        /// Results folders (or their runs.csv); with --index, one folder of results folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Write DIR/index.html linking every results folder directly below DIR.
        #[arg(long, conflicts_with_all = ["metric", "x", "target", "arms", "png", "out"])]
        index: bool,
        #[command(flatten)]
        steer: SteerArgs,
    },
    /// Compare the final networks of a finished compare experiment: CKA, unit matching,
    /// polysemanticity and weight maps, written to DIR/analysis/.
    Analyze {
        /// A results folder of a compare experiment.
        dir: PathBuf,
    },
}

/// The options of one steered figure (`baldwin plot DIR… --metric …`).
#[derive(clap::Args)]
struct SteerArgs {
    /// y axis: test (the task's test metric), train (training loss) or loss (test loss).
    #[arg(long, value_name = "METRIC", value_parser = str::parse::<steer::Metric>)]
    metric: Option<steer::Metric>,
    /// x axis: evaluations (examples evaluated, the budget's unit), drawn (examples drawn)
    /// or wall (seconds from each run's start).
    #[arg(long, value_name = "AXIS", value_parser = str::parse::<steer::XAxis>)]
    x: Option<steer::XAxis>,
    /// Draw this value as a line and report each arm's x at reaching it.
    #[arg(long, value_name = "V", allow_negative_numbers = true)]
    target: Option<f64>,
    /// Only these arms (comma-separated; `folder/arm` where names clash across folders).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    arms: Option<Vec<String>>,
    /// Also write a PNG of the figure (rasterised in-process, no system libraries).
    #[arg(long)]
    png: bool,
    /// The figure's path (default: plot_<metric>_<x>.svg in the first folder).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Few-shot folders: the evaluation's shots (default: the first logged).
    #[arg(long, value_name = "K")]
    shots: Option<usize>,
    /// Few-shot folders: inner steps of adaptation (default: the most logged).
    #[arg(long, value_name = "S")]
    steps: Option<usize>,
}

impl SteerArgs {
    /// Whether any option asks for a steered figure.
    fn given(&self) -> bool {
        self.metric.is_some()
            || self.x.is_some()
            || self.target.is_some()
            || self.arms.is_some()
            || self.png
            || self.out.is_some()
            || self.shots.is_some()
            || self.steps.is_some()
    }

    fn options(self) -> steer::SteerOptions {
        steer::SteerOptions {
            metric: self.metric.unwrap_or_default(),
            x: self.x.unwrap_or_default(),
            target: self.target,
            arms: self.arms,
            png: self.png,
            out: self.out,
            shots: self.shots,
            steps: self.steps,
        }
    }
}

enum Failure {
    BadInput(String),
    Running(String),
    /// Stopped by a signal; the exit code (130 for SIGINT, 143 for SIGTERM).
    Interrupted(u8),
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::BadInput(e.to_string())
    }
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Interrupted => Failure::Interrupted(130),
            RunError::Changed { .. } | RunError::Locked { .. } | RunError::BadResults { .. } => {
                Failure::BadInput(e.to_string())
            }
            other => Failure::Running(other.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let launch = launch::Launch::start();
    let cli = Cli::parse();
    let result = match cli.command {
        None => run_text(
            &launch,
            Path::new("experiments/quickstart.toml (embedded)"),
            QUICKSTART,
        ),
        Some(Command::Run {
            files,
            out,
            seeds,
            resume: _,
            quiet,
            force,
        }) => run_files(&launch, &files, out.as_deref(), seeds, force, !quiet),
        // Under mpirun every command but `run` is rank 0's alone.
        Some(_) if !launch.is_root() => Ok(()),
        Some(Command::Validate { files, resolved }) => validate(&files, resolved),
        Some(Command::List) => {
            print!("{}", reference::reference());
            Ok(())
        }
        Some(Command::Plot { dirs, index, steer }) => plot(&dirs, index, steer),
        Some(Command::Analyze { dir }) => analyze(&dir),
    };
    let (code, message) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::BadInput(message)) => (2, format!("error: {message}")),
        Err(Failure::Running(message)) => (1, format!("error: {message}")),
        Err(Failure::Interrupted(code)) => (code, RunError::Interrupted.to_string()),
    };
    launch.fail(code, &message)
}

fn run_text(launch: &launch::Launch, path: &Path, text: &str) -> Result<(), Failure> {
    let experiment = experiment::parse_any(path, text)?;
    let out = PathBuf::from("results").join(experiment.name());
    execute(launch, &experiment, &out, false, true)
}

fn run_files(
    launch: &launch::Launch,
    paths: &[PathBuf],
    out: Option<&Path>,
    seeds: Option<u64>,
    force: bool,
    progress: bool,
) -> Result<(), Failure> {
    // Validate every file, and where its results go, before running any.
    let mut experiments: Vec<(AnyExperiment, PathBuf)> = Vec::new();
    for path in paths {
        let mut e = experiment::load_any(path)?;
        if let Some(seeds) = seeds {
            e.set_seeds(seeds);
        }
        let dir = match out {
            Some(dir) if paths.len() == 1 => dir.to_path_buf(),
            Some(dir) => dir.join(e.name()),
            None => PathBuf::from("results").join(e.name()),
        };
        if let Some((other, _)) = experiments.iter().find(|(_, d)| *d == dir) {
            return Err(Failure::BadInput(format!(
                "{}: experiment `{}` would write into {}, as an earlier file's `{}` does; \
                 rename one of them",
                path.display(),
                e.name(),
                dir.display(),
                other.name()
            )));
        }
        experiments.push((e, dir));
    }
    for (e, dir) in &experiments {
        execute(launch, e, dir, force, progress)?;
    }
    Ok(())
}

fn execute(
    launch: &launch::Launch,
    experiment: &AnyExperiment,
    out: &Path,
    force: bool,
    progress: bool,
) -> Result<(), Failure> {
    if out.exists() && !out.is_dir() {
        return Err(Failure::BadInput(format!(
            "{} is a file, not a results folder; choose another --out",
            out.display()
        )));
    }
    let signals = signals::Signals::register();
    // Only rank 0 of an mpirun job draws bars and prints.
    let progress = progress && launch.is_root();
    let stop = &signals.stop;
    let options = RunOptions {
        force,
        ..RunOptions::new(out.to_path_buf())
    };
    let cluster = launch.cluster();
    let report = if progress {
        experiment.run_on(cluster, &options, &bars::Bars::new(), stop)
    } else {
        experiment.run_on(cluster, &options, &experiment::Silent, stop)
    };
    let report = match report {
        Err(RunError::Interrupted) => return Err(Failure::Interrupted(signals.exit_code())),
        Ok(None) => return Ok(()),
        Ok(Some(report)) => report,
        Err(other) => return Err(other.into()),
    };
    if progress {
        println!("{}", report.markdown);
        println!("Results in {}:", out.display());
        for file in &report.files {
            println!("  {}", file.display());
        }
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

impl From<steer::SteerError> for Failure {
    fn from(e: steer::SteerError) -> Self {
        match e {
            steer::SteerError::Failed(message) => Failure::Running(message),
            other => Failure::BadInput(other.to_string()),
        }
    }
}

fn plot(dirs: &[PathBuf], index: bool, options: SteerArgs) -> Result<(), Failure> {
    match dirs {
        [dir] if index => write_index(dir),
        _ if index => Err(Failure::BadInput(
            "--index takes one folder of results folders".into(),
        )),
        [dir] if !options.given() => redraw(dir),
        _ => {
            let steered = steer::draw(dirs, &options.options())?;
            if !steered.markdown.is_empty() {
                println!("{}", steered.markdown);
            }
            println!("{}", steered.svg.display());
            if let Some(png) = &steered.png {
                println!("{}", png.display());
                if steered.png_without_text {
                    eprintln!(
                        "warning: no font files found on this machine: {} has no text",
                        png.display()
                    );
                }
            }
            Ok(())
        }
    }
}

fn redraw(dir: &Path) -> Result<(), Failure> {
    // `baldwin plot DIR/runs.csv` means its folder.
    let dir = steer::results_folder(dir);
    let experiment = experiment::load_any(&dir.join("config.toml"))?;
    let report = experiment.redraw(dir)?;
    println!("{}", report.markdown);
    for file in &report.files {
        println!("  {}", file.display());
    }
    Ok(())
}

fn write_index(dir: &Path) -> Result<(), Failure> {
    let (page, folders) = experiment::page::write_index(dir)?;
    println!("{} lists {} results folders", page.display(), folders.len());
    Ok(())
}

fn analyze(dir: &Path) -> Result<(), Failure> {
    use baldwin::analysis::{self, AnalysisError};
    let analysis = analysis::analyze(dir).map_err(|e| match e {
        AnalysisError::BadInput(message) => Failure::BadInput(message),
        other => Failure::Running(other.to_string()),
    })?;
    println!("{}", analysis.markdown);
    println!(
        "{} files in {}",
        analysis.files.len(),
        dir.join("analysis").display()
    );
    Ok(())
}
