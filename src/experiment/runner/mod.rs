//! The one runner: every (arm, seed) of any [`Experiment`] in parallel, each finished run
//! written atomically so that a killed experiment resumes without redoing it, and the
//! report built from the rows in memory.
//!
//! Layout of a results folder: `config.toml` (the resolved experiment),
//! `runs/NN-arm-seedS.csv` (one per finished run), `genomes/<arm>-s<seed>.json` (the
//! final network of each run of a kind that [saves networks](Experiment::saves_networks),
//! written before its run file; see [`network_file`]), then
//! the aggregates the experiment's report writes (`runs.csv`, `summary.csv`,
//! `summary.md`, SVGs).
//!
//! Experiments grow: every run file carries a stamp — the fingerprint of what the run
//! computes ([`Experiment::run_identity`]: its arm's configuration and everything of the
//! file the run reads), its arm, seed, row count and a checksum — and a run whose stamp
//! still matches is reused, whatever else changed. More seeds, an added arm or an edited
//! description compute only the new runs; a killed experiment continues where it
//! stopped. A run whose arm is now configured differently is recomputed only with
//! [`RunOptions::force`]; otherwise the runner refuses, naming the keys that differ. It
//! deletes nothing, and a lock file guards the folder against a second writer.
//!
//! An unfinished run keeps its loop state in `runs/NN-arm-seedS.ckpt` ([`checkpoint`](
//! super::checkpoint)), stamped like its run file and deleted once that is written (on a
//! cluster, once the run is computed; a run whose population a group of ranks shares
//! does not checkpoint).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use thiserror::Error;

use super::checkpoint::Checkpoint;
pub use super::files::differences;
use super::files::{RunStamp, fingerprint, network_file, read_rows, rows_csv, slug, write_atomic};
use super::pipeline::{Experiment, Report, Row, RunContext};
use super::progress::{Observer, RunId, RunSummary};
use crate::net::NetError;

pub mod cluster;
mod lock;
#[cfg(feature = "mpi")]
pub mod mpi;
mod survey;

pub use cluster::{Alone, Cluster, run_on};
pub use lock::FolderLock;
pub use survey::{Survey, plan_of, survey};

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
    /// The folder holds finished runs of arms that are configured differently now.
    #[error(
        "{dir} holds {runs} finished run(s) of a different configuration ({differences}); \
         rerun with --force to recompute them, or choose another --out folder"
    )]
    Changed {
        /// The results folder.
        dir: PathBuf,
        /// Runs that would have to be recomputed.
        runs: usize,
        /// The keys that differ from the folder's `config.toml`, as `key: old → new`.
        differences: String,
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
    /// Stopped by the stop flag (Ctrl-C); finished runs are saved, unfinished ones
    /// checkpointed.
    #[error(
        "interrupted; finished runs are saved and unfinished runs checkpointed — run the \
         same command again to continue them where they stopped"
    )]
    Interrupted,
    /// Another process is writing the results folder.
    #[error(
        "{dir} is in use by another baldwin process (pid {pid}); wait for it to finish or \
         choose another --out folder"
    )]
    Locked {
        /// The results folder.
        dir: PathBuf,
        /// The process holding it.
        pid: u32,
    },
    /// A results file that cannot be used (empty, unreadable, of unknown arms).
    #[error("{path}: {reason}")]
    BadResults {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
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
    /// Recompute runs whose arm is configured differently from when they were run
    /// (their files are overwritten); without it such runs stop the experiment.
    pub force: bool,
    /// How often an unfinished run saves its checkpoint (it also saves when stopped);
    /// [`checkpoint::DEFAULT_PERIOD`](super::checkpoint::DEFAULT_PERIOD) by default.
    pub checkpoint_every: Duration,
}

impl RunOptions {
    /// Into `out`, without `force`, checkpointing every two minutes.
    pub fn new(out: PathBuf) -> Self {
        Self {
            out,
            force: false,
            checkpoint_every: super::checkpoint::DEFAULT_PERIOD,
        }
    }

    /// The checkpoint of run `job` of identity fingerprint `identity`.
    pub fn checkpoint(&self, arms: &[String], job: (usize, u64), identity: u64) -> Checkpoint {
        let (a, seed) = job;
        Checkpoint::of_run(&self.out, a, &arms[a], seed, identity, self)
    }
}

/// The file of run (`arm_index`, `seed`).
pub fn run_file(out: &Path, arm_index: usize, arm: &str, seed: u64) -> PathBuf {
    out.join("runs")
        .join(format!("{arm_index:02}-{}-seed{seed}.csv", slug(arm)))
}

/// One finished run as it is stored: its rows, its stamped run file, and, for a kind
/// that saves networks, its final network as JSON (`None`: it left none).
pub struct Finished<R> {
    /// The run (arm index, seed).
    pub job: (usize, u64),
    /// Its rows.
    pub rows: Vec<R>,
    /// The run file's bytes, stamp included.
    pub file: Vec<u8>,
    /// The saved network's JSON, when the run left one.
    pub network: Option<Vec<u8>>,
    /// Seconds the run took.
    pub wall_s: f64,
}

/// Compute run `job` of `experiment` under `context`, into what [`store`] writes.
pub fn compute<E: Experiment>(
    experiment: &E,
    shared: &E::Shared,
    identities: &[u64],
    job: (usize, u64),
    context: &RunContext,
) -> Result<Finished<E::Row>, RunError> {
    let (a, seed) = job;
    let started = Instant::now();
    let rows = experiment
        .run(shared, a, seed, context)?
        .ok_or(RunError::Interrupted)?;
    let network = context.take_network().map(|n| n.to_json().into_bytes());
    let csv = rows_csv(&rows).map_err(|source| RunError::Io {
        path: PathBuf::from("runs.csv"),
        source,
    })?;
    let stamp = RunStamp {
        config: identities[a],
        arm: a,
        seed,
        rows: rows.len(),
        checksum: fingerprint(&csv),
    };
    Ok(Finished {
        job,
        rows,
        file: stamp.file(&csv),
        network,
        wall_s: started.elapsed().as_secs_f64(),
    })
}

/// Write a finished run into `out` — its network first (a run file on disk vouches for
/// its network file), for a kind that saves networks — and tell the observer.
pub fn store<E: Experiment>(
    experiment: &E,
    out: &Path,
    arms: &[String],
    finished: &Finished<E::Row>,
    observer: &dyn Observer,
) -> Result<(), RunError> {
    let (a, seed) = finished.job;
    if experiment.saves_networks() {
        let path = network_file(out, arms, a, seed);
        match &finished.network {
            Some(json) => write_atomic(&path, json),
            None if path.exists() => std::fs::remove_file(&path),
            None => Ok(()),
        }
        .map_err(io_error(&path))?;
    }
    let path = run_file(out, a, &arms[a], seed);
    write_atomic(&path, &finished.file).map_err(io_error(&path))?;
    let last = finished.rows.last();
    observer.run_finished(
        &run_id(arms, finished.job),
        &RunSummary {
            units: last.map_or(0, |r| r.units()),
            metric: last.and_then(|r| r.metric()),
            diverged: last.is_some_and(|r| r.diverged()),
            wall_s: finished.wall_s,
        },
    );
    Ok(())
}

/// The progress name of run `job`.
pub fn run_id(arms: &[String], (arm_index, seed): (usize, u64)) -> RunId {
    RunId {
        arm_index,
        arm: arms[arm_index].clone(),
        seed,
    }
}

/// Every row, in arm then seed order, and the report written from them.
pub fn report<E: Experiment>(
    experiment: &E,
    mut survey: Survey<E::Row>,
    out: &Path,
) -> Result<(Vec<E::Row>, Report), RunError> {
    let rows: Vec<E::Row> = (survey.jobs.iter())
        .flat_map(|job| survey.done.remove(job).unwrap_or_default())
        .collect();
    let report = experiment.report(&rows, out)?;
    Ok((rows, report))
}

/// Run `experiment` into `options.out` in this process, its pending runs in parallel
/// (rayon), writing `resolved` as `config.toml`; returns every row, in arm then seed
/// order, and the report.
pub fn run<E: Experiment>(
    experiment: &E,
    resolved: &str,
    options: &RunOptions,
    observer: &dyn Observer,
    stop: &AtomicBool,
) -> Result<(Vec<E::Row>, Report), RunError> {
    let out = &options.out;
    let _lock = FolderLock::acquire(out)?;
    let mut survey = survey(experiment, resolved, options, observer)?;
    let shared = experiment.prepare();
    let (arms, identities) = (&survey.arms, &survey.identities);
    let finished: Vec<Result<Finished<E::Row>, RunError>> = (survey.pending.par_iter())
        .map(|&job| {
            let id = run_id(arms, job);
            observer.run_started(&id);
            let checkpoint = options.checkpoint(arms, job, identities[job.0]);
            let mut context = RunContext::new(stop, observer, id).with_checkpoint(checkpoint);
            let finished = compute(experiment, &shared, identities, job, &context)?;
            store(experiment, out, arms, &finished, observer)?;
            if let Some(checkpoint) = context.take_checkpoint() {
                checkpoint.remove().map_err(io_error(checkpoint.path()))?;
            }
            Ok(finished)
        })
        .collect();
    for finished in finished {
        let finished = finished?;
        survey.done.insert(finished.job, finished.rows);
    }
    report(experiment, survey, out)
}

/// Rebuild the report of a finished experiment from its `runs.csv`, which must hold rows
/// and only rows of the experiment's arms.
pub fn redraw<E: Experiment>(experiment: &E, dir: &Path) -> Result<Report, RunError> {
    let _lock = FolderLock::acquire(dir)?;
    let path = dir.join("runs.csv");
    let bad = |reason: String| RunError::BadResults {
        path: path.clone(),
        reason,
    };
    let rows: Vec<E::Row> = read_rows(&path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    if rows.is_empty() {
        return Err(bad("holds no runs".into()));
    }
    let arms = experiment.arm_names();
    if let Some(row) = rows.iter().find(|r| !arms.iter().any(|a| a == r.arm())) {
        return Err(bad(format!(
            "has rows of arm `{}`, which config.toml does not name (arms: {})",
            row.arm(),
            arms.join(", ")
        )));
    }
    experiment.report(&rows, dir)
}
