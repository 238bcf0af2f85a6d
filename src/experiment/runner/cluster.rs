//! The runner over the processes of a cluster (MPI ranks with the `mpi` feature).
//!
//! Rank 0 owns the results folder: it takes the lock, surveys what is kept and
//! broadcasts the runs still to compute. Every rank then knows the same list and takes
//! its share deterministically. With at least as many runs as ranks, run `i` goes to
//! rank `i mod size`, which computes its runs in parallel (rayon) and sends each to rank
//! 0 as it finishes: the run file (stamp included) and the saved network, framed. With
//! fewer runs than ranks, each run gets a group of consecutive ranks, and an evolution
//! run's population is shared by its group ([`RunContext::take_group`]); a run that
//! evolves nothing is computed by its group's first rank alone. Rank 0 writes every
//! file with the stamp the single-process runner writes, so a folder can be resumed by
//! either, and builds the report. Nothing here knows of MPI: [`Cluster`] is the seam.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{TryRecvError, channel};

use rayon::prelude::*;

use super::super::files::{RunStamp, rows_from};
use super::super::pipeline::{Experiment, Report, RunContext};
use super::super::progress::Observer;
use super::{
    Finished, FolderLock, RunError, RunOptions, Survey, plan_of, report, run, run_id, store, survey,
};
use crate::evolve::{Group, ThreadGroup};

/// The processes that run one experiment together.
pub trait Cluster {
    /// This process's rank, in `0..size()`; rank 0 owns the results folder.
    fn rank(&self) -> usize;
    /// Processes in the cluster.
    fn size(&self) -> usize;
    /// Rank 0's `bytes`, on every rank (what the other ranks pass is ignored).
    fn broadcast(&self, bytes: Vec<u8>) -> Vec<u8>;
    /// Send `bytes` to rank 0, from any other rank.
    fn send_to_root(&self, bytes: &[u8]);
    /// On rank 0: a message another rank sent, if one has arrived; does not block.
    fn try_receive(&self) -> Option<Vec<u8>>;
    /// The group of the ranks that pass the same `colour`, in rank order. Every rank
    /// calls it together.
    fn split(&self, colour: usize) -> Box<dyn Group>;
}

/// One process: the runner as it always ran, every run in parallel here.
#[derive(Debug, Clone, Copy, Default)]
pub struct Alone;

impl Cluster for Alone {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }

    fn broadcast(&self, bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }

    /// Never called: there is no other rank.
    fn send_to_root(&self, _bytes: &[u8]) {}

    fn try_receive(&self) -> Option<Vec<u8>> {
        None
    }

    fn split(&self, _colour: usize) -> Box<dyn Group> {
        Box::new(ThreadGroup::new(1).remove(0))
    }
}

/// What this rank computes of the pending runs (indices into them), and the group that
/// shares its run's population, if any.
struct Share {
    jobs: Vec<usize>,
    group: Option<Box<dyn Group>>,
}

/// The rank that reports pending run `job` of `pending` over `size` ranks.
fn reporter(job: usize, pending: usize, size: usize) -> usize {
    if pending >= size {
        job % size
    } else {
        // The first rank r with r·pending / size = job.
        (job * size).div_ceil(pending)
    }
}

/// Rank 0's outcome of [`run_on`]: every row, in arm then seed order, and the report;
/// `None` on every other rank.
pub type Outcome<R> = Result<Option<(Vec<R>, Report)>, RunError>;

/// Run `experiment` over `cluster` into `options.out` (see the module's description).
/// Rank 0 returns every row and the report; every other rank `None`. With one process
/// this is [`run`].
pub fn run_on<E: Experiment>(
    cluster: &dyn Cluster,
    experiment: &E,
    resolved: &str,
    options: &RunOptions,
    observer: &dyn Observer,
    stop: &AtomicBool,
) -> Outcome<E::Row> {
    let (rank, size) = (cluster.rank(), cluster.size());
    if size == 1 {
        return run(experiment, resolved, options, observer, stop).map(Some);
    }
    let out = &options.out;
    let mut kept = None;
    let mut failure = None;
    if rank == 0 {
        match FolderLock::acquire(out).and_then(|lock| {
            survey(experiment, resolved, options, observer).map(|survey| (lock, survey))
        }) {
            Ok(held) => kept = Some(held),
            Err(e) => failure = Some(e),
        }
    }
    let message = kept
        .as_ref()
        .map_or_else(Vec::new, |(_, s)| encode_jobs(&s.pending));
    let message = cluster.broadcast(message);
    if let Some(e) = failure {
        return Err(e);
    }
    // An empty message: rank 0 could not survey the folder and reports why.
    let Some(pending) = decode_jobs(&message) else {
        return Ok(None);
    };
    let plan = plan_of(experiment);
    let share = if pending.len() >= size {
        Share {
            jobs: (rank..pending.len()).step_by(size).collect(),
            group: None,
        }
    } else if pending.is_empty() {
        Share {
            jobs: Vec::new(),
            group: None,
        }
    } else {
        let job = rank * pending.len() / size;
        let group = cluster.split(job);
        let first = group.rank() == 0;
        let shares = experiment.splits_population(pending[job].0) && group.size() > 1;
        Share {
            jobs: if first || shares {
                vec![job]
            } else {
                Vec::new()
            },
            group: shares.then_some(group),
        }
    };
    let shared = experiment.prepare();
    let computing = Computing {
        experiment,
        shared: &shared,
        plan: &plan,
        pending: &pending,
        observer,
        stop,
        options,
    };
    let reports = |job: usize| reporter(job, pending.len(), size) == rank;
    let mut root = kept.map(|(lock, survey)| Root {
        _lock: lock,
        survey,
        expected: (0..pending.len()).filter(|&j| !reports(j)).count(),
    });
    // Rank 0 stores a run; any other rank sends it to rank 0.
    let keep = |root: &mut Option<Root<E::Row>>, finished: Finished<E::Row>| match root {
        Some(root) => root.store(experiment, options, finished, observer),
        None => {
            cluster.send_to_root(&encode_finished(&pending, &finished));
            Ok(())
        }
    };
    if let Some(group) = share.group {
        // MPI is called from this thread only: the run is computed here.
        let finished = computing.one(share.jobs[0], Some(group))?;
        if reports(share.jobs[0]) {
            keep(&mut root, finished)?;
        }
    } else {
        std::thread::scope(|scope| -> Result<(), RunError> {
            let (sender, finished) = channel();
            let computing = &computing;
            let jobs = &share.jobs;
            scope.spawn(move || {
                jobs.par_iter().for_each_with(sender, |sender, &job| {
                    let _ = sender.send(computing.one(job, None));
                });
            });
            // This thread stores (or sends) each run as it finishes; rank 0 meanwhile
            // stores what the other ranks send.
            loop {
                let idle = match finished.try_recv() {
                    Ok(result) => {
                        let finished =
                            result.inspect_err(|_| stop.store(true, Ordering::Relaxed))?;
                        keep(&mut root, finished)?;
                        false
                    }
                    Err(TryRecvError::Empty) => true,
                    Err(TryRecvError::Disconnected) => return Ok(()),
                };
                let received = match &mut root {
                    Some(root) => root.receive(cluster, experiment, &pending, options, observer)?,
                    None => false,
                };
                if idle && !received {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            }
        })?;
    }
    let Some(mut root) = root else {
        return Ok(None);
    };
    while root.expected > 0 {
        if !root.receive(cluster, experiment, &pending, options, observer)? {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
    report(experiment, root.survey, out).map(Some)
}

/// Rank 0's side: the folder it holds, what it keeps of it, and how many runs the other
/// ranks have still to send.
struct Root<R> {
    _lock: FolderLock,
    survey: Survey<R>,
    expected: usize,
}

impl<R: super::super::pipeline::Row> Root<R> {
    /// Write a finished run and keep its rows.
    fn store<E: Experiment<Row = R>>(
        &mut self,
        experiment: &E,
        options: &RunOptions,
        finished: Finished<R>,
        observer: &dyn Observer,
    ) -> Result<(), RunError> {
        store(
            experiment,
            &options.out,
            &self.survey.arms,
            &finished,
            observer,
        )?;
        self.survey.done.insert(finished.job, finished.rows);
        Ok(())
    }

    /// Store a run another rank sent, if one has arrived; whether one had.
    fn receive<E: Experiment<Row = R>>(
        &mut self,
        cluster: &dyn Cluster,
        experiment: &E,
        pending: &[(usize, u64)],
        options: &RunOptions,
        observer: &dyn Observer,
    ) -> Result<bool, RunError> {
        let Some(message) = cluster.try_receive() else {
            return Ok(false);
        };
        let finished = decode_finished::<R>(pending, &message)?;
        observer.run_started(&run_id(&self.survey.arms, finished.job));
        self.store(experiment, options, finished, observer)?;
        self.expected = self.expected.saturating_sub(1);
        Ok(true)
    }
}

/// What computing one run needs, on any rank.
struct Computing<'a, E: Experiment> {
    experiment: &'a E,
    shared: &'a E::Shared,
    plan: &'a Survey<E::Row>,
    pending: &'a [(usize, u64)],
    observer: &'a dyn Observer,
    stop: &'a AtomicBool,
    options: &'a RunOptions,
}

impl<E: Experiment> Computing<'_, E> {
    /// Pending run `job`, its population shared by `group` if given.
    fn one(&self, job: usize, group: Option<Box<dyn Group>>) -> Result<Finished<E::Row>, RunError> {
        let id = run_id(&self.plan.arms, self.pending[job]);
        self.observer.run_started(&id);
        let mut context = RunContext::new(self.stop, self.observer, id);
        // A run shared by a group does not checkpoint: its members could stop at
        // different generations, and their files need not be on one file system.
        match group {
            Some(group) => context = context.with_group(group),
            None => {
                let run = self.pending[job];
                let identity = self.plan.identities[run.0];
                let checkpoint = self.options.checkpoint(&self.plan.arms, run, identity);
                context = context.with_checkpoint(checkpoint);
            }
        }
        let finished = super::compute(
            self.experiment,
            self.shared,
            &self.plan.identities,
            self.pending[job],
            &context,
        )?;
        if let Some(checkpoint) = context.take_checkpoint() {
            checkpoint
                .remove()
                .map_err(super::io_error(checkpoint.path()))?;
        }
        Ok(finished)
    }
}

/// The pending runs as `[1][arm u64][seed u64]…`, little-endian; the leading 1 tells
/// them from the empty message of a failed survey.
fn encode_jobs(pending: &[(usize, u64)]) -> Vec<u8> {
    let mut bytes = vec![1];
    for &(arm, seed) in pending {
        bytes.extend((arm as u64).to_le_bytes());
        bytes.extend(seed.to_le_bytes());
    }
    bytes
}

fn decode_jobs(bytes: &[u8]) -> Option<Vec<(usize, u64)>> {
    let (&1, pairs) = bytes.split_first()? else {
        return None;
    };
    Some(
        pairs
            .chunks_exact(16)
            .map(|c| (u64_at(c, 0) as usize, u64_at(c, 8)))
            .collect(),
    )
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// A finished run as `[pending index u64][wall_s f64][file length u64][file]` then,
/// if it left a network, its JSON.
fn encode_finished<R>(pending: &[(usize, u64)], finished: &Finished<R>) -> Vec<u8> {
    let index = pending.iter().position(|&j| j == finished.job).unwrap_or(0);
    let mut bytes = (index as u64).to_le_bytes().to_vec();
    bytes.extend(finished.wall_s.to_le_bytes());
    bytes.extend((finished.file.len() as u64).to_le_bytes());
    bytes.extend(&finished.file);
    if let Some(json) = &finished.network {
        bytes.extend(json);
    }
    bytes
}

fn decode_finished<R: super::super::pipeline::Row>(
    pending: &[(usize, u64)],
    bytes: &[u8],
) -> Result<Finished<R>, RunError> {
    let bad = |reason: &str| RunError::BadResults {
        path: "a run sent by another rank".into(),
        reason: reason.into(),
    };
    if bytes.len() < 24 {
        return Err(bad("shorter than its header"));
    }
    let job = *(pending.get(u64_at(bytes, 0) as usize)).ok_or_else(|| bad("not a pending run"))?;
    let wall_s = f64::from_bits(u64_at(bytes, 8));
    let length = u64_at(bytes, 16) as usize;
    let (file, network) = bytes[24..]
        .split_at_checked(length)
        .ok_or_else(|| bad("shorter than its run file"))?;
    let (_, csv) = RunStamp::check(file).ok_or_else(|| bad("its stamp does not match"))?;
    let rows = rows_from(csv).map_err(|e| bad(&e.to_string()))?;
    Ok(Finished {
        job,
        rows,
        file: file.to_vec(),
        network: (!network.is_empty()).then(|| network.to_vec()),
        wall_s,
    })
}
