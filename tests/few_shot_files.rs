//! What a few-shot results folder keeps besides its curves: each run's learned
//! initialisation with the inner rates its lifetimes use, and samples-to-target after
//! both the training and the evaluation lifetime.

mod common;

use std::path::{Path, PathBuf};

use baldwin::meta::{DigitImages, Family, InnerLoop, InnerOptimizer, SineTasks, evaluate_init};
use baldwin::net::SavedNetwork;
use common::{baldwin, ok};

fn run_fixture(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-fsfiles-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    ok(&baldwin(&[
        "run",
        "tests/fixtures/few-shot-lifetimes.toml",
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]));
    dir
}

/// `(shots, inner_steps, test_loss)` of the last checkpoint of `arm` in runs.csv.
fn last_checkpoint(dir: &Path, arm: &str) -> Vec<(usize, usize, f64)> {
    let mut reader = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (a, outer, shots, steps, loss) = (
        col("arm"),
        col("outer_samples"),
        col("shots"),
        col("inner_steps"),
        col("test_loss"),
    );
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[a] == arm)
        .collect();
    let last = rows.last().unwrap()[outer].to_string();
    rows.iter()
        .filter(|r| r[outer] == last)
        .map(|r| {
            (
                r[shots].parse().unwrap(),
                r[steps].parse().unwrap(),
                r[loss].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_saved_initialisation_and_its_rates_reproduce_the_last_evaluation() {
    let dir = run_fixture("saved");
    let text = std::fs::read_to_string(dir.join("genomes/Baldwin-s0.json")).unwrap();
    let saved: SavedNetwork = serde_json::from_str(&text).unwrap();
    let lrs = saved
        .inner_lrs
        .clone()
        .expect("an evolved arm records its rates");
    assert_eq!(lrs.len(), 2, "one rate per weight layer");
    assert!(lrs.iter().all(|l| l.is_finite() && *l > 0.0), "{lrs:?}");
    let (net, genes) = saved.load().unwrap();
    let inner = InnerLoop {
        steps: 3,
        lr: 0.002,
        optimizer: InnerOptimizer::Sgd,
    };
    let points = evaluate_init(
        &net,
        &Family::Sine(SineTasks { query: 5 }),
        &DigitImages::default(),
        &genes.genes,
        Some(&lrs),
        &inner,
        &[2, 5],
        5,
    )
    .unwrap();
    let recorded = last_checkpoint(&dir, "Baldwin");
    assert_eq!(points.len(), recorded.len());
    for (p, &(shots, steps, loss)) in points.iter().zip(&recorded) {
        assert_eq!((p.shots, p.inner_steps), (shots, steps));
        assert!(
            (p.loss - loss).abs() <= 1e-9 * loss.abs().max(1.0),
            "K={shots} step {steps}: re-evaluated {} but runs.csv has {loss}",
            p.loss
        );
    }
    // Scratch's file is its random initialisation, which uses the arm's own rate.
    let scratch = std::fs::read_to_string(dir.join("genomes/Scratch-s0.json")).unwrap();
    let scratch: SavedNetwork = serde_json::from_str(&scratch).unwrap();
    assert_eq!(scratch.inner_lrs, None);
}

#[test]
fn samples_to_target_is_read_after_the_training_and_the_evaluation_lifetime() {
    let dir = run_fixture("targets");
    let mut reader = csv::Reader::from_path(dir.join("samples_to_target.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (arm, target, steps) = (col("arm"), col("target"), col("inner_steps"));
    let mut keys: Vec<(String, String, String)> = reader
        .records()
        .map(Result::unwrap)
        .map(|r| {
            (
                r[steps].to_string(),
                r[arm].to_string(),
                r[target].to_string(),
            )
        })
        .collect();
    keys.sort();
    let mut expected = Vec::new();
    for s in ["1", "3"] {
        for a in ["Baldwin", "Scratch"] {
            for t in ["2.0", "4.0"] {
                expected.push((s.to_string(), a.to_string(), t.to_string()));
            }
        }
    }
    assert_eq!(keys, expected);
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary.contains("| method | steps | target |"), "{summary}");
}
