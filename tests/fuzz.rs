//! A seeded mutation fuzzer over every shipped experiment file: values replaced with huge,
//! negative, non-finite or empty ones, lines dropped, duplicated or swapped, bytes
//! inserted. Every mutant must either validate or be refused with an error — never a
//! panic — and a sample of the accepted mutants must run (with a tiny budget) without a
//! panic either. The mutator is deterministic (seeded), so a failure reproduces.

// Config errors carry their position and suggestions; their size does not matter here.
#![allow(clippy::result_large_err)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use baldwin::experiment::{AnyExperiment, RunOptions, Silent, parse_any};
use baldwin::rng;
use rand::RngExt;

/// Values a number may become.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "1e18",
    "18446744073709551615",
    "9223372036854775808",
    "1_000_000_000_000",
    "nan",
    "inf",
    "-inf",
    "1e-300",
    "0.0",
    "2.5",
    "-0.5",
    "\"x\"",
    "[]",
    "true",
];

/// Values a string may become.
const STRINGS: &[&str] = &[
    "\"\"", "\"../x\"", "\"ga\"", "\"none\"", "\"sine\"", "1", "[1, 2]",
];

fn files() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in ["experiments", "tests/fixtures"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// One mutation of `text`, drawn from `stream`.
fn mutate(text: &str, stream: &mut rng::Stream) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let values: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(" = ") && !lines[i].trim_start().starts_with('#'))
        .collect();
    match stream.random_range(0..6) {
        0 | 1 if !values.is_empty() => {
            let i = values[stream.random_range(0..values.len())];
            let (key, value) = lines[i].split_once(" = ").unwrap();
            let pool = if value.trim_start().starts_with('"') {
                STRINGS
            } else {
                NUMBERS
            };
            lines[i] = format!("{key} = {}", pool[stream.random_range(0..pool.len())]);
        }
        2 if !lines.is_empty() => {
            lines.remove(stream.random_range(0..lines.len()));
        }
        3 if !lines.is_empty() => {
            let i = stream.random_range(0..lines.len());
            lines.insert(i, lines[i].clone());
        }
        4 if lines.len() > 1 => {
            let (a, b) = (
                stream.random_range(0..lines.len()),
                stream.random_range(0..lines.len()),
            );
            lines.swap(a, b);
        }
        _ => {
            let mut bytes = lines.join("\n").into_bytes();
            for _ in 0..stream.random_range(1..4) {
                let at = stream.random_range(0..=bytes.len());
                let byte = [b'[', b']', b'=', b'"', b'\n', b'{', b'0', b'x', 0x7f]
                    [stream.random_range(0..9)];
                bytes.insert(at, byte);
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    lines.join("\n") + "\n"
}

/// The experiment cut down to seconds: one seed, the smallest budget it accepts, few
/// evaluation points.
fn tiny(mut experiment: AnyExperiment) -> AnyExperiment {
    experiment.set_seeds(1);
    match &mut experiment {
        AnyExperiment::Compare(e) => {
            e.budget.samples = e
                .arms
                .iter()
                .map(|a| a.examples_per_step())
                .max()
                .unwrap_or(1);
            e.budget.checkpoints = 2;
        }
        AnyExperiment::FewShot(e) => {
            let (support, query) = e.task_rows();
            e.budget.outer_samples = e
                .arms
                .iter()
                .map(|a| a.examples_per_step(support, query))
                .max()
                .unwrap_or(1)
                .max(1);
            e.budget.checkpoints = 2;
            e.evaluation.tasks = 2;
        }
        AnyExperiment::BlackBox(e) => {
            e.budget.evaluations = e.arms.iter().map(|a| a.population()).max().unwrap_or(1);
            e.budget.checkpoints = 2;
        }
        AnyExperiment::HintonNowlan(e) => {
            e.hinton_nowlan.generations = e.hinton_nowlan.generations.min(2);
            e.hinton_nowlan.population = e.hinton_nowlan.population.min(200);
            e.hinton_nowlan.trials = e.hinton_nowlan.trials.min(100);
        }
    }
    experiment
}

#[test]
fn thousands_of_mutated_experiment_files_are_refused_or_run_without_a_panic() {
    let originals = files();
    let mut stream = rng::stream(&[0xF022]);
    let (mut accepted, mut refused) = (0, 0);
    let mut to_run: Vec<(String, AnyExperiment)> = Vec::new();
    for round in 0..6000 {
        let (path, text) = &originals[round % originals.len()];
        let mut mutant = text.clone();
        for _ in 0..stream.random_range(1..4) {
            mutant = mutate(&mutant, &mut stream);
        }
        let parsed = catch_unwind(AssertUnwindSafe(|| parse_any(path, &mutant)));
        match parsed {
            Err(_) => panic!(
                "parsing panicked on a mutant of {}:\n{mutant}",
                path.display()
            ),
            Ok(Ok(experiment)) => {
                accepted += 1;
                if to_run.len() < 40 && accepted % 11 == 0 {
                    to_run.push((mutant, experiment));
                }
            }
            Ok(Err(error)) => {
                refused += 1;
                let message = error.to_string();
                assert!(
                    message.starts_with(&path.display().to_string()),
                    "an error must name the file: {message}"
                );
            }
        }
    }
    // Both outcomes must occur, or the mutator is not exercising the parser.
    assert!(
        accepted > 300 && refused > 300,
        "{accepted} accepted, {refused} refused"
    );
    assert_eq!(to_run.len(), 40);

    let out = std::env::temp_dir().join(format!("baldwin-fuzz-{}", std::process::id()));
    let stop = AtomicBool::new(false);
    for (i, (mutant, experiment)) in to_run.into_iter().enumerate() {
        let options = RunOptions {
            force: true,
            ..RunOptions::new(out.join(i.to_string()))
        };
        let experiment = tiny(experiment);
        let ran = catch_unwind(AssertUnwindSafe(|| {
            experiment.run(&options, &Silent, &stop)
        }));
        assert!(ran.is_ok(), "running panicked on this mutant:\n{mutant}");
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(Path::new("experiments").exists());
}
