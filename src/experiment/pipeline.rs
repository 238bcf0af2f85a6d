//! The one experiment pipeline: what an experiment kind must provide.
//!
//! An [`Experiment`] says only what is specific to it — its arms, the work of one run
//! (arm, seed), the rows that run produces and how rows become tables and plots. The
//! generic [`runner`](super::runner) owns everything else: scheduling (arm, seed) pairs
//! over rayon, progress events, atomic per-run files, `--resume`, and building the report
//! from the rows in memory. A new kind is one type implementing this trait.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::checkpoint::Checkpoint;
use super::progress::{Observer, RunId};
use super::runner::RunError;
use crate::evolve::Group;
use crate::net::{Network, Readout, SavedNetwork};

/// One row of `runs.csv`: a logged point of one run.
pub trait Row: Serialize + DeserializeOwned + Clone + Send + Sync {
    /// The arm the row belongs to.
    fn arm(&self) -> &str;
    /// The seed of the run the row belongs to.
    fn seed(&self) -> u64;
    /// The run's headline number at this row (for progress logs), if any.
    fn metric(&self) -> Option<f64> {
        None
    }
    /// Units of progress reached at this row (samples, generations).
    fn units(&self) -> u64;
    /// Whether the run diverged at this row.
    fn diverged(&self) -> bool {
        false
    }
}

/// What one run may consult while it works: the stop flag, the progress observer, its
/// [checkpoint](super::checkpoint) and the group of processes computing it together (on a
/// cluster); and where it leaves its final network for the runner to save.
///
/// A run loop that checkpoints asks [`resume`](Self::resume) for its saved state once,
/// before its first unit, and calls [`checkpoint`](Self::checkpoint) at every unit
/// boundary; restored, its state must continue exactly as the uninterrupted run would.
pub struct RunContext<'a> {
    stop: &'a AtomicBool,
    observer: &'a dyn Observer,
    run: RunId,
    network: Mutex<Option<SavedNetwork>>,
    checkpoint: Option<Checkpoint>,
    group: RefCell<Option<Box<dyn Group>>>,
}

impl<'a> RunContext<'a> {
    /// The context of run `run`.
    pub fn new(stop: &'a AtomicBool, observer: &'a dyn Observer, run: RunId) -> Self {
        Self {
            stop,
            observer,
            run,
            network: Mutex::new(None),
            checkpoint: None,
            group: RefCell::new(None),
        }
    }

    /// The same context, saving and resuming the run's state through `checkpoint`
    /// (without one, [`resume`](Self::resume) finds nothing and
    /// [`checkpoint`](Self::checkpoint) saves nothing).
    pub fn with_checkpoint(mut self, checkpoint: Checkpoint) -> Self {
        self.checkpoint = Some(checkpoint);
        self
    }

    /// The state this run saved before it was stopped, if its checkpoint is intact and of
    /// this run's identity (see [`Checkpoint::load`]).
    pub fn resume<T: DeserializeOwned>(&self) -> Option<T> {
        self.checkpoint.as_ref()?.load()
    }

    /// The checkpoint, taken away (the runner deletes it once the run file is written).
    pub fn take_checkpoint(&mut self) -> Option<Checkpoint> {
        self.checkpoint.take()
    }

    /// A unit boundary: save the state that `state` builds if the checkpoint period has
    /// elapsed or the run is being stopped, then say whether to stop (the run then
    /// returns `Ok(None)`). `state` is called only when a save is due. A checkpoint that
    /// cannot be written is skipped: the run goes on and, if stopped, starts over next
    /// time.
    pub fn checkpoint<T: Serialize>(&self, state: impl FnOnce() -> T) -> bool {
        let stopped = self.stopped();
        if let Some(checkpoint) = &self.checkpoint
            && (stopped || checkpoint.due())
        {
            let _ = checkpoint.save(&state());
        }
        stopped
    }

    /// This context, for a run that every member of `group` computes together: the
    /// run's evolution driver takes the group ([`RunContext::take_group`]) and scores
    /// only its member's part of each population.
    pub fn with_group(self, group: Box<dyn Group>) -> Self {
        *self.group.borrow_mut() = Some(group);
        self
    }

    /// The group sharing this run's population, once: an experiment whose arm
    /// [splits its population](Experiment::splits_population) hands it to its driver
    /// ([`Driver::share`](crate::evolve::Driver::share)). `None` when the run is alone.
    pub fn take_group(&self) -> Option<Box<dyn Group>> {
        self.group.borrow_mut().take()
    }

    /// Hand the run's final network to the runner, which writes it (see
    /// [`files::network_file`](super::files::network_file)) next to the run's file when
    /// the kind [saves networks](Experiment::saves_networks). A later call replaces an
    /// earlier one; a network with non-finite genes (a diverged run) is not kept.
    pub fn save_network(&self, network: &Network, genes: &[f32]) {
        let saved = SavedNetwork::new(network, genes);
        *self.network.lock().unwrap_or_else(|e| e.into_inner()) = saved;
    }

    /// As [`RunContext::save_network`], for a learned initialisation whose lifetimes use
    /// per-layer inner learning rates `lrs` (recorded as the file's `inner_lrs`) and read
    /// the scores through `readout`.
    pub fn save_initialisation(
        &self,
        network: &Network,
        genes: &[f32],
        lrs: Option<&[f32]>,
        readout: Readout,
    ) {
        let saved = SavedNetwork::new(network, genes)
            .and_then(|s| match lrs {
                Some(lrs) => s.with_inner_lrs(lrs),
                None => Some(s),
            })
            .map(|s| SavedNetwork { readout, ..s });
        *self.network.lock().unwrap_or_else(|e| e.into_inner()) = saved;
    }

    /// The network handed over by [`RunContext::save_network`], if any.
    pub fn take_network(&self) -> Option<SavedNetwork> {
        self.network
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Whether the run should stop now (Ctrl-C); it then returns `Ok(None)`.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The stop flag itself, for code that polls it directly.
    pub fn stop_flag(&self) -> &AtomicBool {
        self.stop
    }

    /// Report progress: `units` of the run's [`Experiment::units_per_run`] done.
    pub fn progress(&self, units: u64) {
        self.observer.run_progress(&self.run, units);
    }
}

/// The aggregates an experiment wrote.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The summary table, as Markdown (also saved as `summary.md`).
    pub markdown: String,
    /// Every file written.
    pub files: Vec<PathBuf>,
}

/// An experiment kind.
pub trait Experiment: Sync {
    /// One row of `runs.csv`.
    type Row: Row;
    /// What every run reads and nobody changes (a task's data), built once.
    type Shared: Sync;

    /// Names the results folder.
    fn name(&self) -> &str;
    /// The arms, in file order; a run is (arm index, seed).
    fn arm_names(&self) -> Vec<String>;
    /// Seeds per arm: runs are seeds `0..seeds`.
    fn seeds(&self) -> u64;
    /// What decides the results of a run of `arm`, as text: the arm's configuration and
    /// everything else of the file such a run reads — not the number of seeds, the other
    /// arms or the description. A finished run is reused while its fingerprint matches,
    /// so experiments can grow.
    fn run_identity(&self, arm: usize) -> String;
    /// Units of progress in one run and what they count ("samples", "generations").
    fn units_per_run(&self) -> (u64, &'static str);
    /// Build what every run shares.
    fn prepare(&self) -> Self::Shared;
    /// One run to its end: its rows, or `None` if `context` says stop.
    fn run(
        &self,
        shared: &Self::Shared,
        arm: usize,
        seed: u64,
        context: &RunContext,
    ) -> Result<Option<Vec<Self::Row>>, RunError>;
    /// Whether its runs hand their final network to the runner
    /// ([`RunContext::save_network`]). A finished run of such a kind whose network file is
    /// missing (a folder from before networks were saved) is reused as it is, and
    /// recomputed with [`RunOptions::force`](super::runner::RunOptions::force).
    fn saves_networks(&self) -> bool {
        false
    }
    /// Whether runs of `arm` evolve a population that the members of a group can share
    /// (they take [`RunContext::take_group`]); a run that does not is computed by its
    /// group's first member alone. False by default.
    fn splits_population(&self, _arm: usize) -> bool {
        false
    }
    /// Tables and plots of every run's rows, written into `out`.
    fn report(&self, rows: &[Self::Row], out: &Path) -> Result<Report, RunError>;
}
