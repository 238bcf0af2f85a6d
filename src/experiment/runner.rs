//! The one runner: every (arm, seed) of any [`Experiment`] in parallel, each finished run
//! written atomically so that a killed experiment resumes without redoing it, and the
//! report built from the rows in memory.
//!
//! Layout of a results folder: `config.toml` (the resolved experiment, also the `--resume`
//! fingerprint), `runs/NN-arm-seedS.csv` (one per finished run), then the aggregates the
//! experiment's report writes (`runs.csv`, `summary.csv`, `summary.md`, SVGs).
//!
//! The runner deletes nothing: without `--resume` it recomputes every run and overwrites
//! its file; the program decides whether to clear a folder first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rayon::prelude::*;
use thiserror::Error;

use super::files::{read_rows, rows_csv, slug, write_atomic};
use super::pipeline::{Experiment, Report, Row, RunContext};
use super::progress::{Observer, Plan, RunId, RunSummary};
use crate::net::NetError;

/// Why an experiment could not run to its end.
#[derive(Debug, Error)]
pub enum RunError {
    /// A results file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// `--resume` found results of another configuration.
    #[error(
        "{dir} holds results of a different configuration; \
         run without --resume to start over, or choose another --out folder"
    )]
    ConfigMismatch {
        /// The results folder.
        dir: PathBuf,
    },
    /// A network computation failed (a shape error: a bug, not bad input).
    #[error("run {arm} seed {seed}: {source}")]
    Network {
        /// The run's arm.
        arm: String,
        /// The run's seed.
        seed: u64,
        /// What failed.
        source: NetError,
    },
    /// Stopped by the stop flag (Ctrl-C); finished runs are saved.
    #[error("interrupted; finished runs are saved — rerun with --resume to continue")]
    Interrupted,
}

/// A closure turning an I/O error about `path` into a [`RunError`].
pub fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where and how to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The results folder.
    pub out: PathBuf,
    /// Keep the finished runs of an earlier invocation of the same configuration.
    pub resume: bool,
}

/// The file of run (`arm_index`, `seed`).
pub fn run_file(out: &Path, arm_index: usize, arm: &str, seed: u64) -> PathBuf {
    out.join("runs")
        .join(format!("{arm_index:02}-{}-seed{seed}.csv", slug(arm)))
}

/// A run file kept by `--resume`: it must parse, hold at least one row, and every row
/// must belong to its (arm, seed). Anything else is run again.
fn finished_rows<R: Row>(path: &Path, arm: &str, seed: u64) -> Option<Vec<R>> {
    let rows: Vec<R> = read_rows(path).ok()?;
    let belongs = rows.iter().all(|r| r.arm() == arm && r.seed() == seed);
    (!rows.is_empty() && belongs).then_some(rows)
}

/// Run `experiment` into `options.out`, writing `resolved` as `config.toml`; returns
/// every row, in arm then seed order, and the report.
pub fn run<E: Experiment>(
    experiment: &E,
    resolved: &str,
    options: &RunOptions,
    observer: &dyn Observer,
    stop: &AtomicBool,
) -> Result<(Vec<E::Row>, Report), RunError> {
    let out = &options.out;
    let config_path = out.join("config.toml");
    if options.resume && config_path.exists() {
        let previous = std::fs::read_to_string(&config_path).map_err(io_error(&config_path))?;
        if previous != resolved {
            return Err(RunError::ConfigMismatch { dir: out.clone() });
        }
    }
    write_atomic(&config_path, resolved.as_bytes()).map_err(io_error(&config_path))?;

    let arms = experiment.arm_names();
    let jobs: Vec<(usize, u64)> = (0..arms.len())
        .flat_map(|a| (0..experiment.seeds()).map(move |s| (a, s)))
        .collect();
    let mut done: HashMap<(usize, u64), Vec<E::Row>> = HashMap::new();
    if options.resume {
        for &(a, seed) in &jobs {
            if let Some(rows) = finished_rows(&run_file(out, a, &arms[a], seed), &arms[a], seed) {
                done.insert((a, seed), rows);
            }
        }
    }
    let pending: Vec<(usize, u64)> = jobs
        .iter()
        .copied()
        .filter(|job| !done.contains_key(job))
        .collect();
    let (units_per_run, unit) = experiment.units_per_run();
    observer.plan(&Plan {
        experiment: experiment.name().to_string(),
        arms: arms.len(),
        seeds: experiment.seeds(),
        pending: pending.len(),
        kept: done.len(),
        units_per_run,
        unit,
    });
    let shared = experiment.prepare();
    type Finished<R> = Result<((usize, u64), Vec<R>), RunError>;
    let finished: Vec<Finished<E::Row>> = pending
        .par_iter()
        .map(|&(a, seed)| {
            let id = RunId {
                arm_index: a,
                arm: arms[a].clone(),
                seed,
            };
            observer.run_started(&id);
            let started = Instant::now();
            let context = RunContext::new(stop, observer, id.clone());
            let rows = experiment
                .run(&shared, a, seed, &context)?
                .ok_or(RunError::Interrupted)?;
            let path = run_file(out, a, &arms[a], seed);
            rows_csv(&rows)
                .and_then(|bytes| write_atomic(&path, &bytes))
                .map_err(io_error(&path))?;
            let last = rows.last();
            observer.run_finished(
                &id,
                &RunSummary {
                    units: last.map_or(0, |r| r.units()),
                    metric: last.and_then(|r| r.metric()),
                    diverged: last.is_some_and(|r| r.diverged()),
                    wall_s: started.elapsed().as_secs_f64(),
                },
            );
            Ok(((a, seed), rows))
        })
        .collect();
    for result in finished {
        let (job, rows) = result?;
        done.insert(job, rows);
    }
    let rows: Vec<E::Row> = jobs
        .iter()
        .flat_map(|job| done.remove(job).unwrap_or_default())
        .collect();
    let report = experiment.report(&rows, out)?;
    Ok((rows, report))
}

/// Rebuild the report of a finished experiment from its `runs.csv`.
pub fn redraw<E: Experiment>(experiment: &E, dir: &Path) -> Result<Report, RunError> {
    let path = dir.join("runs.csv");
    let rows: Vec<E::Row> = read_rows(&path).map_err(io_error(&path))?;
    experiment.report(&rows, dir)
}
