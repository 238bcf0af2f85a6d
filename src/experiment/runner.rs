//! Runs every arm × seed of an experiment, in parallel, with progress bars, writing each
//! finished run atomically so that a killed experiment resumes without redoing it.
//!
//! Layout of a results folder:
//! `config.toml` (the resolved experiment), `runs/NN-arm-seedS.csv` (one per finished
//! run), then the aggregates written by [`super::report`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use thiserror::Error;

use super::config::Experiment;
use super::files::{read_records, records_csv, slug, write_atomic};
use super::run::{Outcome, Record, execute};
use crate::net::NetError;

#[derive(Debug, Error)]
pub enum RunError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{dir} holds results of a different configuration; \
         run without --resume to start over, or choose another --out folder"
    )]
    ConfigMismatch { dir: PathBuf },
    #[error("run {arm} seed {seed}: {source}")]
    Network {
        arm: String,
        seed: u64,
        source: NetError,
    },
    #[error("interrupted; finished runs are saved — rerun with --resume to continue")]
    Interrupted,
}

pub fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub out: PathBuf,
    pub resume: bool,
    /// Show progress bars (only drawn on a terminal; plain lines otherwise).
    pub progress: bool,
}

fn run_file(out: &Path, arm_index: usize, arm: &str, seed: u64) -> PathBuf {
    out.join("runs")
        .join(format!("{arm_index:02}-{}-seed{seed}.csv", slug(arm)))
}

/// Run the experiment into `options.out`; returns every record, in arm then seed order.
pub fn run(
    experiment: &Experiment,
    options: &RunOptions,
    stop: &AtomicBool,
) -> Result<Vec<Record>, RunError> {
    let out = &options.out;
    let config_path = out.join("config.toml");
    let config_text = experiment.to_toml();
    if options.resume && config_path.exists() {
        let previous = std::fs::read_to_string(&config_path).map_err(io_error(&config_path))?;
        if previous != config_text {
            return Err(RunError::ConfigMismatch { dir: out.clone() });
        }
    } else if !options.resume && out.join("runs").exists() {
        std::fs::remove_dir_all(out.join("runs")).map_err(io_error(out))?;
    }
    write_atomic(&config_path, config_text.as_bytes()).map_err(io_error(&config_path))?;

    let data = experiment.task.build();
    let mut jobs = Vec::new();
    for (arm_index, arm) in experiment.arms.iter().enumerate() {
        for seed in 0..experiment.seeds {
            jobs.push((
                arm_index,
                arm,
                seed,
                run_file(out, arm_index, &arm.name, seed),
            ));
        }
    }
    let pending: Vec<_> = jobs
        .iter()
        .filter(|(_, _, _, path)| !(options.resume && path.exists()))
        .collect();
    let interactive = options.progress && std::io::stderr().is_terminal();
    let bars = MultiProgress::with_draw_target(if interactive {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template(
        "{prefix:>22} [{bar:28}] {percent:>3}% {human_pos:>11} samples {per_sec:>14} ETA {eta}",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    if options.progress && !pending.is_empty() {
        let skipped = jobs.len() - pending.len();
        let note = if skipped > 0 {
            format!(" ({skipped} finished runs kept from before)")
        } else {
            String::new()
        };
        eprintln!(
            "{}: {} runs ({} arms x {} seeds), {} samples each{note}",
            experiment.name,
            pending.len(),
            experiment.arms.len(),
            experiment.seeds,
            experiment.budget.samples
        );
    }
    let log = Mutex::new(());
    let failures: Vec<RunError> = pending
        .par_iter()
        .filter_map(|(_, arm, seed, path)| {
            let bar = bars.add(ProgressBar::new(experiment.budget.samples));
            bar.set_style(style.clone());
            bar.set_prefix(format!("{} s{seed}", arm.name));
            let started = Instant::now();
            let outcome = execute(experiment, arm, *seed, &data, stop, |samples| {
                bar.set_position(samples.min(experiment.budget.samples))
            });
            bar.finish_and_clear();
            match outcome {
                Ok(Outcome::Finished(records)) => {
                    let written = records_csv(&records)
                        .and_then(|bytes| write_atomic(path, &bytes))
                        .map_err(io_error(path));
                    if options.progress && !interactive {
                        let _guard = log.lock();
                        let last = records.last();
                        eprintln!(
                            "  finished {:<20} seed {seed}: {} samples, test metric {:.4}{} in {:.1} s",
                            arm.name,
                            last.map_or(0, |r| r.samples),
                            last.map_or(f64::NAN, |r| r.test_metric),
                            if last.is_some_and(|r| r.status != "ok") { " (diverged)" } else { "" },
                            started.elapsed().as_secs_f64()
                        );
                    }
                    written.err()
                }
                Ok(Outcome::Interrupted) => Some(RunError::Interrupted),
                Err(source) => Some(RunError::Network {
                    arm: arm.name.clone(),
                    seed: *seed,
                    source,
                }),
            }
        })
        .collect();
    if let Some(first) = failures.into_iter().next() {
        return Err(first);
    }
    let mut records = Vec::new();
    for (_, _, _, path) in &jobs {
        records.extend(read_records(path).map_err(io_error(path))?);
    }
    Ok(records)
}
