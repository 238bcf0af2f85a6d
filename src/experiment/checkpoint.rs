//! Mid-run checkpoints: the loop state of one unfinished run, saved beside its run file so
//! that a run stopped by Ctrl-C, SIGTERM or a kill continues where it was instead of
//! starting again.
//!
//! A checkpoint is `runs/NN-arm-seedS.ckpt`: the same [`RunStamp`] line as a run file —
//! the run's identity fingerprint, arm and seed, and a checksum of what follows — then the
//! state as JSON. Each experiment kind decides what its state is (a strategy, an
//! optimiser, the rows recorded so far, ...); this module only stores and checks it. A
//! checkpoint whose stamp names another identity, arm or seed, whose checksum fails (cut
//! short, damaged) or whose JSON is not the state asked for is ignored — the run starts
//! from its beginning and overwrites it — so states of different configurations are never
//! mixed. The runner deletes a run's checkpoint once the run file is written.
//!
//! Writing is atomic ([`write_atomic`]) and happens only at a unit boundary (between
//! generations or gradient steps), when the period has elapsed since the last save or when
//! the run is being stopped, so an interrupted run loses nothing.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::files::{RunStamp, fingerprint, slug, write_atomic};
use super::runner::RunOptions;

/// How often a run saves its checkpoint unless told otherwise: every two minutes of wall
/// time.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(120);

/// The checkpoint file of run (`arm_index`, `seed`): `runs/NN-arm-seedS.ckpt`, beside its
/// run file.
pub fn checkpoint_file(out: &Path, arm_index: usize, arm: &str, seed: u64) -> PathBuf {
    out.join("runs")
        .join(format!("{arm_index:02}-{}-seed{seed}.ckpt", slug(arm)))
}

/// Where one run keeps its checkpoint, which run it belongs to, and how often it is saved.
#[derive(Debug)]
pub struct Checkpoint {
    path: PathBuf,
    identity: u64,
    arm: usize,
    seed: u64,
    period: Duration,
    last_save: Mutex<Instant>,
}

impl Checkpoint {
    /// The checkpoint at `path` of run (`arm`, `seed`) whose identity fingerprint is
    /// `identity` (the one its run file is stamped with), saved every `period`.
    pub fn new(path: PathBuf, identity: u64, arm: usize, seed: u64, period: Duration) -> Self {
        Self {
            path,
            identity,
            arm,
            seed,
            period,
            last_save: Mutex::new(Instant::now()),
        }
    }

    /// The checkpoint of run (`arm_index`, `seed`) of the results folder `out`
    /// ([`checkpoint_file`]), of identity fingerprint `identity`, saved every
    /// [`RunOptions::checkpoint_every`].
    pub fn of_run(
        out: &Path,
        arm_index: usize,
        arm: &str,
        seed: u64,
        identity: u64,
        options: &RunOptions,
    ) -> Self {
        let path = checkpoint_file(out, arm_index, arm, seed);
        Self::new(path, identity, arm_index, seed, options.checkpoint_every)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state saved by this run, if the file exists, is intact, is stamped with this
    /// run's identity, arm and seed, and holds a `T`; `None` otherwise (never an error:
    /// the run then starts from its beginning).
    pub fn load<T: DeserializeOwned>(&self) -> Option<T> {
        let contents = std::fs::read(&self.path).ok()?;
        let (stamp, json) = RunStamp::check(&contents)?;
        let ours =
            stamp.config == self.identity && stamp.arm == self.arm && stamp.seed == self.seed;
        if !ours {
            return None;
        }
        serde_json::from_slice(json).ok()
    }

    /// Whether the period has elapsed since the last save (or since the run started).
    pub fn due(&self) -> bool {
        self.last_save
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
            >= self.period
    }

    /// Write `state` now, atomically, and restart the period.
    pub fn save<T: Serialize>(&self, state: &T) -> std::io::Result<()> {
        let json = serde_json::to_vec(state).map_err(std::io::Error::other)?;
        let stamp = RunStamp {
            config: self.identity,
            arm: self.arm,
            seed: self.seed,
            // Not rows: a checkpoint's length is that of its JSON.
            rows: json.len(),
            checksum: fingerprint(&json),
        };
        let written = write_atomic(&self.path, &stamp.file(&json));
        *self.last_save.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        written
    }

    /// Delete the file (the run is finished); a missing file is no error.
    pub fn remove(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("baldwin-ckpt-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("runs").join("00-a-seed0.ckpt")
    }

    #[test]
    fn a_saved_state_loads_back_only_for_its_own_run() {
        let path = temp("own");
        let period = Duration::from_secs(3600);
        let saved = Checkpoint::new(path.clone(), 7, 0, 3, period);
        saved.save(&(vec![1.5f32, -0.25], 42u64)).unwrap();
        assert_eq!(
            saved.load::<(Vec<f32>, u64)>(),
            Some((vec![1.5, -0.25], 42))
        );
        // Another identity, arm or seed, or another state type, finds nothing.
        for other in [
            Checkpoint::new(path.clone(), 8, 0, 3, period),
            Checkpoint::new(path.clone(), 7, 1, 3, period),
            Checkpoint::new(path.clone(), 7, 0, 4, period),
        ] {
            assert_eq!(other.load::<(Vec<f32>, u64)>(), None);
        }
        assert_eq!(saved.load::<String>(), None);
        // Cut short: ignored.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(saved.load::<(Vec<f32>, u64)>(), None);
        saved.remove().unwrap();
        assert!(!path.exists());
        saved.remove().unwrap();
        assert!(!saved.due());
        assert!(Checkpoint::new(path, 7, 0, 3, Duration::ZERO).due());
    }
}
