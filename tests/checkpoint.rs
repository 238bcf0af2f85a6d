//! Mid-run checkpoints: a run stopped part-way (Ctrl-C) and run again continues from its
//! checkpoint — it does not start over — and ends with exactly the rows of an
//! uninterrupted run; a checkpoint of another identity, or a damaged one, is ignored and
//! the run recomputed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use baldwin::experiment::{AnyExperiment, Observer, RunId, RunOptions, Silent, load_any};

/// Sets the stop flag after `stop_after` progress events (0: never); remembers each run's
/// first and last progress units.
struct Stopper<'a> {
    stop: &'a AtomicBool,
    stop_after: usize,
    events: AtomicUsize,
    first: Mutex<HashMap<(usize, u64), u64>>,
    last: Mutex<HashMap<(usize, u64), u64>>,
}

impl<'a> Stopper<'a> {
    fn new(stop: &'a AtomicBool, stop_after: usize) -> Self {
        Self {
            stop,
            stop_after,
            events: AtomicUsize::new(0),
            first: Mutex::default(),
            last: Mutex::default(),
        }
    }
}

impl Observer for Stopper<'_> {
    fn run_progress(&self, run: &RunId, units: u64) {
        let key = (run.arm_index, run.seed);
        self.first.lock().unwrap().entry(key).or_insert(units);
        self.last.lock().unwrap().insert(key, units);
        if self.events.fetch_add(1, Ordering::SeqCst) + 1 == self.stop_after {
            self.stop.store(true, Ordering::SeqCst);
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-ckpt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// runs.csv without its wall-clock column (if it has one).
fn rows(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let wall = header.iter().position(|h| *h == "wall_s");
    text.lines()
        .map(|line| {
            let cells = line.split(',').enumerate();
            cells
                .filter(|(i, _)| Some(*i) != wall)
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn checkpoints_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("runs"))
        .map(|entries| {
            entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "ckpt"))
                .collect()
        })
        .unwrap_or_default()
}

/// What to do to the checkpoints between the interrupted run and its continuation.
#[derive(Clone, Copy, PartialEq)]
enum Tamper {
    Nothing,
    OtherIdentity,
    Truncate,
}

/// Run `experiment` uninterrupted, then interrupted after `stop_after` progress events and
/// run again (checkpoints tampered with as `tamper` says); the rows must agree. Returns,
/// per run resumed, (its last units before the stop, its first units after).
fn interrupted_and_resumed(
    experiment: &AnyExperiment,
    name: &str,
    stop_after: usize,
    tamper: Tamper,
) -> Vec<(u64, u64)> {
    let whole = scratch(&format!("{name}-whole"));
    let never = AtomicBool::new(false);
    experiment
        .run(&RunOptions::new(whole.clone()), &Silent, &never)
        .unwrap();

    let parts = scratch(&format!("{name}-parts"));
    let stop = AtomicBool::new(false);
    let first = Stopper::new(&stop, stop_after);
    let interrupted = experiment.run(&RunOptions::new(parts.clone()), &first, &stop);
    assert!(interrupted.is_err(), "{name}: the stop flag stops the runs");
    let saved = checkpoints_in(&parts);
    assert!(!saved.is_empty(), "{name}: stopped runs leave checkpoints");
    for path in &saved {
        let bytes = std::fs::read(path).unwrap();
        match tamper {
            Tamper::Nothing => {}
            Tamper::Truncate => std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap(),
            Tamper::OtherIdentity => {
                let text = String::from_utf8(bytes).unwrap();
                let at = text.find("config=").unwrap() + "config=".len();
                let flipped = if &text[at..at + 1] == "0" { "1" } else { "0" };
                let changed = format!("{}{flipped}{}", &text[..at], &text[at + 1..]);
                std::fs::write(path, changed).unwrap();
            }
        }
    }
    let stop = AtomicBool::new(false);
    let second = Stopper::new(&stop, 0);
    experiment
        .run(&RunOptions::new(parts.clone()), &second, &stop)
        .unwrap();
    assert_eq!(
        rows(&parts),
        rows(&whole),
        "{name}: rows differ after resuming"
    );
    assert!(
        checkpoints_in(&parts).is_empty(),
        "{name}: checkpoints are deleted"
    );
    let (before, after) = (
        first.last.into_inner().unwrap(),
        second.first.into_inner().unwrap(),
    );
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&parts);
    after
        .iter()
        .filter_map(|(run, &first_after)| Some((*before.get(run)?, first_after)))
        .collect()
}

/// Every resumed run continued after its last unit before the stop; at least one had
/// made progress.
fn assert_continued(name: &str, resumed: &[(u64, u64)]) {
    assert!(
        resumed.iter().any(|&(last, _)| last > 0),
        "{name}: {resumed:?}"
    );
    for &(last, first) in resumed {
        assert!(
            first > last,
            "{name}: resumed at {first} after stopping at {last}"
        );
    }
}

/// After a tampered checkpoint every run starts over: its first units after the stop are
/// not beyond where it had stopped (it recomputes from its first step).
fn assert_started_over(name: &str, resumed: &[(u64, u64)]) {
    assert!(
        resumed.iter().any(|&(last, _)| last > 0),
        "{name}: {resumed:?}"
    );
    for &(last, first) in resumed {
        assert!(
            first <= last,
            "{name}: resumed at {first} after stopping at {last}"
        );
    }
}

fn compare() -> AnyExperiment {
    let mut experiment = load_any(Path::new("experiments/xor.toml")).unwrap();
    experiment.set_seeds(1);
    let AnyExperiment::Compare(e) = &mut experiment else {
        panic!("xor is a compare experiment")
    };
    e.arms
        .retain(|a| ["Adam", "OpenAI-ES", "GA"].contains(&a.name.as_str()));
    e.budget.samples = 40_000;
    e.budget.checkpoints = 6;
    experiment
}

fn few_shot() -> AnyExperiment {
    let mut experiment = load_any(Path::new("experiments/sine-few-shot.toml")).unwrap();
    experiment.set_seeds(1);
    let AnyExperiment::FewShot(e) = &mut experiment else {
        panic!("sine-few-shot is a few-shot experiment")
    };
    let arms = ["Pre-training", "Reptile", "FOMAML", "Baldwin (OpenAI-ES)"];
    e.arms.retain(|a| arms.contains(&a.name.as_str()));
    e.budget.outer_samples = 30_000;
    e.budget.checkpoints = 4;
    e.evaluation.tasks = 3;
    experiment
}

fn black_box() -> AnyExperiment {
    let mut experiment = load_any(Path::new("experiments/black-box-sphere.toml")).unwrap();
    experiment.set_seeds(1);
    let AnyExperiment::BlackBox(e) = &mut experiment else {
        panic!("black-box-sphere is a black-box experiment")
    };
    e.budget.evaluations = 3_000;
    e.budget.checkpoints = 8;
    experiment
}

#[test]
fn a_compare_run_stopped_midway_resumes_from_its_checkpoint_to_the_same_rows() {
    let resumed = interrupted_and_resumed(&compare(), "compare", 40, Tamper::Nothing);
    assert_continued("compare", &resumed);
}

#[test]
fn a_few_shot_run_stopped_midway_resumes_from_its_checkpoint_to_the_same_rows() {
    let resumed = interrupted_and_resumed(&few_shot(), "few-shot", 30, Tamper::Nothing);
    assert_continued("few-shot", &resumed);
}

#[test]
fn a_black_box_run_stopped_midway_resumes_from_its_checkpoint_to_the_same_rows() {
    let resumed = interrupted_and_resumed(&black_box(), "black-box", 30, Tamper::Nothing);
    assert_continued("black-box", &resumed);
}

#[test]
fn a_checkpoint_of_another_identity_is_ignored_and_the_run_recomputed() {
    let resumed = interrupted_and_resumed(&compare(), "identity", 40, Tamper::OtherIdentity);
    assert_started_over("identity", &resumed);
}

#[test]
fn a_truncated_checkpoint_is_ignored_and_the_run_recomputed() {
    let resumed = interrupted_and_resumed(&black_box(), "truncated", 30, Tamper::Truncate);
    assert_started_over("truncated", &resumed);
}
