//! `baldwin plot` as a user steers it: a folder or its runs.csv, several folders on one
//! figure, `--arms`, `--metric`, `--x`, `--target`, `--png`, and bad options refused with
//! exit code 2 and the allowed values.
//!
//! The results folders are written by hand (the fixture's config and a synthetic
//! runs.csv), so these tests take milliseconds and know exactly what the curves are.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
mod common;
use common::{baldwin, ok, svg_texts};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-plot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A results folder of tests/fixtures/tiny.toml (arms Adam, ES, GA tied; budget 40k;
/// target 0.9) whose arm `a` reaches accuracy 1 − 0.9·exp(−samples/scale).
fn results(dir: &Path, scales: [f64; 3]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy("tests/fixtures/tiny.toml", dir.join("config.toml")).unwrap();
    let mut csv = String::from(
        "experiment,arm,seed,samples,evaluations,wall_s,train_loss,test_loss,test_metric,\
         genes,status,examples_drawn\n",
    );
    for (arm, scale) in ["Adam", "ES", "GA tied"].iter().zip(scales) {
        for seed in 0..3u64 {
            for samples in [100u64, 400, 1_600, 6_400, 25_600, 40_000] {
                let s = samples as f64 * (1.0 + 0.1 * seed as f64);
                let accuracy = 1.0 - 0.9 * (-s / scale).exp();
                let _ = writeln!(
                    csv,
                    "tiny,{arm},{seed},{samples},{},{},{},{},{accuracy},40,ok,{}",
                    samples / 8,
                    samples as f64 * 1e-5,
                    1.0 - accuracy,
                    1.1 - accuracy,
                    samples / 4,
                );
            }
        }
    }
    std::fs::write(dir.join("runs.csv"), &csv).unwrap();
    csv
}

#[test]
fn plot_accepts_the_runs_csv_path_and_redraws_its_folder() {
    let dir = scratch("csv-path");
    results(&dir, [2e3, 2e4, 2e5]);
    ok(&baldwin(&["plot", dir.join("runs.csv").to_str().unwrap()]));
    assert!(dir.join("learning_curves.svg").exists());
    let svg = dir.join("samples_to_target.svg");
    assert!(
        svg_texts(&svg).iter().any(|t| t == "budget 40k"),
        "no budget marker"
    );
}

#[test]
fn a_target_draws_its_line_and_reports_examples_to_reach_it() {
    let dir = scratch("target");
    results(&dir, [2e3, 2e4, 2e5]);
    let csv = dir.join("runs.csv");
    let stdout = ok(&baldwin(&[
        "plot",
        csv.to_str().unwrap(),
        "--target",
        "0.8",
    ]));
    // Adam: 1 − 0.9·exp(−s/2000) = 0.8 at s = 2000·ln 9 ≈ 4.4k (seed 0; the others sooner).
    assert!(stdout.contains("| Adam |"), "{stdout}");
    assert!(stdout.contains("| GA tied | not reached"), "{stdout}");
    let figure = dir.join("plot_test_evaluations.svg");
    let texts = svg_texts(&figure);
    for expected in ["target test accuracy 0.8", "budget 40k", "1k", "10k"] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not in {texts:?}"
        );
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("GA tied (target at not reached"))
    );
}

#[test]
fn several_folders_share_one_figure_with_clashing_arms_named_by_folder() {
    let root = scratch("several");
    let (a, b) = (root.join("fast"), root.join("slow"));
    results(&a, [2e3, 2e4, 2e5]);
    results(&b, [4e3, 4e4, 4e5]);
    let figure = root.join("both.svg");
    ok(&baldwin(&[
        "plot",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--metric",
        "train",
        "--x",
        "drawn",
        "--out",
        figure.to_str().unwrap(),
    ]));
    let texts = svg_texts(&figure);
    for arm in ["fast/Adam", "slow/Adam", "fast/GA tied", "slow/ES"] {
        assert!(texts.iter().any(|t| t == arm), "{arm:?} not in {texts:?}");
    }
    assert!(texts.iter().any(|t| t.starts_with("training loss")));
    // The budget is counted in examples evaluated: no marker on the drawn axis.
    assert!(!texts.iter().any(|t| t.starts_with("budget")), "{texts:?}");
}

#[test]
fn arms_filter_the_figure_and_png_writes_a_picture() {
    let dir = scratch("arms");
    results(&dir, [2e3, 2e4, 2e5]);
    let figure = dir.join("picked.png");
    let stdout = ok(&baldwin(&[
        "plot",
        dir.to_str().unwrap(),
        "--arms",
        "Adam,GA tied",
        "--x",
        "wall",
        "--out",
        figure.to_str().unwrap(),
    ]));
    assert!(stdout.contains("picked.png"), "{stdout}");
    let texts = svg_texts(&dir.join("picked.svg"));
    assert!(texts.iter().any(|t| t == "Adam") && texts.iter().any(|t| t == "GA tied"));
    assert!(
        !texts.iter().any(|t| t == "ES"),
        "ES was not asked for: {texts:?}"
    );
    let png = std::fs::read(&figure).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn bad_options_exit_2_and_list_the_allowed_values() {
    let dir = scratch("bad");
    results(&dir, [2e3, 2e4, 2e5]);
    let dir = dir.to_str().unwrap();
    let other = scratch("not-results");
    for (args, phrases) in [
        (
            vec!["plot", dir, "--metric", "accuracy"],
            vec!["unknown metric `accuracy`", "test, train, loss"],
        ),
        (
            vec!["plot", dir, "--x", "samples"],
            vec!["unknown x axis `samples`", "drawn, evaluations, wall"],
        ),
        (
            vec!["plot", dir, "--arms", "Adam,SGD"],
            vec!["unknown arm `SGD`", "Adam, ES, GA tied"],
        ),
        (vec!["plot", dir, "--target", "inf"], vec!["finite"]),
        (
            vec!["plot", dir, other.to_str().unwrap()],
            vec!["not a results folder"],
        ),
    ] {
        let out = baldwin(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for phrase in phrases {
            assert!(
                stderr.contains(phrase),
                "{args:?}: {phrase:?} not in {stderr}"
            );
        }
    }
}
