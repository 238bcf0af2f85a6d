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
//! super::checkpoint)), stamped like its run file and deleted once that is written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use thiserror::Error;

use super::checkpoint::Checkpoint;
pub use super::files::differences;
use super::files::{
    RunStamp, fingerprint, network_file, read_rows, rows_csv, rows_from, slug, write_atomic,
    write_network,
};
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
}

/// The file of run (`arm_index`, `seed`).
pub fn run_file(out: &Path, arm_index: usize, arm: &str, seed: u64) -> PathBuf {
    out.join("runs")
        .join(format!("{arm_index:02}-{}-seed{seed}.csv", slug(arm)))
}

/// What a run file in the folder means for its run.
enum Kept<R> {
    /// Intact, and of this arm's current configuration: its rows are reused.
    Rows(Vec<R>),
    /// Absent, cut short, damaged or mislabelled: the run is done (again).
    Redo,
    /// Intact, but of another configuration of the arm.
    Changed,
}

/// A run file is reused only if it carries a stamp (see [`RunStamp`]) whose checksum
/// matches its rows, names the run's current identity fingerprint, arm and seed, and
/// holds exactly the rows it announces, each of its own arm and seed.
fn kept<R: Row>(path: &Path, identity: u64, arm_index: usize, arm: &str, seed: u64) -> Kept<R> {
    let Ok(contents) = std::fs::read(path) else {
        return Kept::Redo;
    };
    let Some((stamp, csv)) = RunStamp::check(&contents) else {
        return Kept::Redo;
    };
    let Ok(rows) = rows_from::<R>(csv) else {
        return Kept::Redo;
    };
    let belongs = rows.iter().all(|r| r.arm() == arm && r.seed() == seed);
    let intact = stamp.arm == arm_index && stamp.seed == seed && stamp.rows == rows.len();
    if !(belongs && intact && !rows.is_empty()) {
        Kept::Redo
    } else if stamp.config != identity {
        Kept::Changed
    } else {
        Kept::Rows(rows)
    }
}

/// A results folder held by this process: `.baldwin.lock` holds its pid and is removed
/// when the guard is dropped. A lock whose process no longer runs is taken over.
pub struct FolderLock {
    path: PathBuf,
}

impl FolderLock {
    /// Take the lock of `dir`, creating the folder; refuse if another live process holds it.
    pub fn acquire(dir: &Path) -> Result<Self, RunError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let path = dir.join(".baldwin.lock");
        let me = std::process::id();
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    use std::io::Write;
                    file.write_all(me.to_string().as_bytes())
                        .map_err(io_error(&path))?;
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if pid != me && process_alive(pid) => {
                            return Err(RunError::Locked {
                                dir: dir.to_path_buf(),
                                pid,
                            });
                        }
                        // Stale (its process is gone) or unreadable: take it over.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(io_error(&path)(e)),
            }
        }
        Err(RunError::Locked {
            dir: dir.to_path_buf(),
            pid: 0,
        })
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether process `pid` still runs (Linux: `/proc/<pid>`; elsewhere assumed alive).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
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
    let _lock = FolderLock::acquire(out)?;
    let arms = experiment.arm_names();
    let identities: Vec<u64> = (0..arms.len())
        .map(|a| fingerprint(experiment.run_identity(a).as_bytes()))
        .collect();
    let jobs: Vec<(usize, u64)> = (0..arms.len())
        .flat_map(|a| (0..experiment.seeds()).map(move |s| (a, s)))
        .collect();
    let mut done: HashMap<(usize, u64), Vec<E::Row>> = HashMap::new();
    let mut changed = 0;
    for &(a, seed) in &jobs {
        let path = run_file(out, a, &arms[a], seed);
        match kept(&path, identities[a], a, &arms[a], seed) {
            Kept::Rows(rows) => {
                // A run from before networks were saved: recomputed only when forced.
                let lacks_network = experiment.saves_networks()
                    && !rows.last().is_some_and(|r: &E::Row| r.diverged())
                    && !network_file(out, &arms, a, seed).exists();
                if !(lacks_network && options.force) {
                    done.insert((a, seed), rows);
                }
            }
            Kept::Changed => changed += 1,
            Kept::Redo => {}
        }
    }
    let config_path = out.join("config.toml");
    if changed > 0 && !options.force {
        let previous = std::fs::read_to_string(&config_path).unwrap_or_default();
        let differences = differences(&previous, resolved);
        return Err(RunError::Changed {
            dir: out.clone(),
            runs: changed,
            differences: match (previous.is_empty(), differences.is_empty()) {
                (true, _) => "its config.toml is gone".into(),
                (false, true) => {
                    "its run files do not match its config.toml, or the data files it reads \
                     have changed"
                        .into()
                }
                (false, false) => differences.join("; "),
            },
        });
    }
    // Written only once the folder is known to hold nothing that would be mixed in.
    write_atomic(&config_path, resolved.as_bytes()).map_err(io_error(&config_path))?;
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
            let checkpoint = Checkpoint::of_run(out, a, &arms[a], seed, identities[a], options);
            let mut context = RunContext::new(stop, observer, id.clone());
            context = context.with_checkpoint(checkpoint);
            let rows = experiment
                .run(&shared, a, seed, &context)?
                .ok_or(RunError::Interrupted)?;
            // The network first: a run file on disk vouches for its network file.
            if experiment.saves_networks() {
                let network = network_file(out, &arms, a, seed);
                write_network(&network, context.take_network()).map_err(io_error(&network))?;
            }
            let path = run_file(out, a, &arms[a], seed);
            rows_csv(&rows)
                .and_then(|csv| {
                    let stamp = RunStamp {
                        config: identities[a],
                        arm: a,
                        seed,
                        rows: rows.len(),
                        checksum: fingerprint(&csv),
                    };
                    write_atomic(&path, &stamp.file(&csv))
                })
                .map_err(io_error(&path))?;
            if let Some(checkpoint) = context.take_checkpoint() {
                checkpoint.remove().map_err(io_error(checkpoint.path()))?;
            }
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
