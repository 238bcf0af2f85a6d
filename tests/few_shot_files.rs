//! Few-shot experiment files and folders: determinism and plots, the keys a file may set
//! (arm overrides, the evaluation protocol, the initialisation), and what a folder keeps
//! besides its curves — each run's learned initialisation with the inner rates its
//! lifetimes use, and samples-to-target after both the training and the evaluation
//! lifetime.

mod common;

use std::path::{Path, PathBuf};

use baldwin::meta::{DigitImages, Family, InnerLoop, InnerOptimizer, SineTasks, evaluate_init};
use baldwin::net::SavedNetwork;
use common::{baldwin, baldwin_threads, ok, runs_without_wall_time};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-fsfiles-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run_fixture(name: &str) -> PathBuf {
    let dir = scratch(name);
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

#[test]
fn a_few_shot_experiment_runs_deterministically_and_writes_its_plots() {
    let (one, two) = (scratch("fewshot1"), scratch("fewshot2"));
    for (dir, threads) in [(&one, 1), (&two, 2)] {
        let out = baldwin_threads(
            &[
                "run",
                "tests/fixtures/tiny-few-shot.toml",
                "--quiet",
                "--out",
                dir.to_str().unwrap(),
            ],
            threads,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(runs_without_wall_time(&one), runs_without_wall_time(&two));
    for file in [
        "tradeoff.svg",
        "adaptation.svg",
        "shots.svg",
        "summary.csv",
        "summary.md",
    ] {
        assert!(one.join(file).exists(), "{file} missing");
    }
    let runs = std::fs::read_to_string(one.join("runs.csv")).unwrap();
    let header = runs.lines().next().unwrap();
    for column in [
        "outer_samples",
        "shots",
        "inner_steps",
        "lifetime_shots",
        "test_metric",
    ] {
        assert!(header.contains(column), "runs.csv lacks {column}: {header}");
    }
    // Scratch has no outer loop: every row at 0 outer samples.
    assert!(
        runs.lines()
            .filter(|l| l.contains(",Scratch,"))
            .all(|l| l.split(',').nth(3) == Some("0"))
    );
    let out = baldwin(&["plot", one.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn few_shot_files_apply_arm_overrides_and_reject_bad_keys() {
    let text = std::fs::read_to_string("tests/fixtures/tiny-few-shot.toml").unwrap();
    let Ok(baldwin::experiment::AnyExperiment::FewShot(e)) =
        baldwin::experiment::parse_any(Path::new("f.toml"), &text)
    else {
        panic!("a few-shot experiment")
    };
    assert_eq!(
        e.arms[1].inner_lr, 0.005,
        "the arm's inner_lr overrides [inner]"
    );
    assert_eq!(e.arms[0].inner_lr, 0.002);
    let cases = [
        (
            text.replace("method = \"reptile\"", "method = \"reptil\""),
            "did you mean `reptile`?",
        ),
        (
            text.replace("evolve_lr = true", "evolve_lr = true\nlamarckian = true"),
            "lamarckian",
        ),
        (
            text.replace("outer_lr = 0.1", "outer_lr = 0.1\npopulation = 4"),
            "does not apply to `reptile`",
        ),
        (
            text.replace("kind = \"few_shot\"", "kind = \"few_shoot\""),
            "did you mean `few_shot`?",
        ),
        (
            text.replace("outer_lr = 0.1", "outer_lr = 0.1\nmeta_batch = 0"),
            "key `meta_batch`",
        ),
        (
            text.replace("outer_lr = 0.1", "outer_lr = 0.1\nanneal = \"cosine\""),
            "anneal",
        ),
        (
            text.replace(
                "method = \"reptile\"",
                "method = \"maml\"\ninner_optimizer = \"adam\"",
            ),
            "needs inner_optimizer = \"sgd\"",
        ),
        (
            text.replace(
                "kind = \"sine\"",
                "kind = \"digits\"\ntrain_classes = [0, 1]\ntest_classes = [1, 2]",
            ),
            "held out",
        ),
        (
            text.replace(
                "method = \"reptile\"",
                "method = \"pretrain\"\ninner_optimizer = \"adam\"",
            )
            .replace("outer_lr = 0.1", ""),
            "finetune = \"head\" needs inner_optimizer = \"sgd\"",
        ),
        (
            text.replace(
                "method = \"reptile\"",
                "method = \"pretrain\"\nhead = \"cosine\"",
            )
            .replace("outer_lr = 0.1", ""),
            "it needs a digits family",
        ),
        (
            text.replace(
                "method = \"reptile\"",
                "method = \"pretrain\"\nhead = \"cosine\"\nscale = 0.0",
            )
            .replace("outer_lr = 0.1", ""),
            "key `scale`",
        ),
        (
            text.replace("checkpoints = 4", "checkpoints = 4\naxis = \"both\""),
            "axis",
        ),
        (
            text.replace("checkpoints = 4", "checkpoints = 4\ntargets = [nan]"),
            "targets",
        ),
    ];
    for (bad, phrase) in cases {
        let err = baldwin::experiment::parse_any(Path::new("f.toml"), &bad).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("f.toml:") && message.contains(phrase),
            "{message}"
        );
    }
}

#[test]
fn the_evaluation_protocol_and_the_initialisation_are_file_keys() {
    let text = std::fs::read_to_string("tests/fixtures/tiny-few-shot.toml").unwrap();
    let parse = |text: &str| match baldwin::experiment::parse_any(Path::new("f.toml"), text) {
        Ok(baldwin::experiment::AnyExperiment::FewShot(e)) => e,
        other => panic!("a few-shot experiment: {:?}", other.err()),
    };
    // Defaults: each arm's inner lr, the family's query points, today's initialisation.
    let plain = parse(&text);
    assert_eq!(plain.evaluation.inner(&plain.arms[1]).lr, 0.005);
    assert_eq!(plain.evaluation.family(&plain.family).query(), 5);
    assert_eq!(plain.network.init, baldwin::net::Init::Auto);
    let given = parse(
        &text
            .replace("tasks = 5", "tasks = 5\nlr = 0.01\nquery = 100")
            .replace(
                "activation = \"relu\"",
                "activation = \"relu\"\ninit = \"normal\"\ninit_sigma = 0.02",
            ),
    );
    for arm in &given.arms {
        assert_eq!(given.evaluation.inner(arm).lr, 0.01);
    }
    assert_eq!(given.evaluation.family(&given.family).query(), 100);
    assert_eq!(
        given.family.query(),
        5,
        "outer training keeps its query points"
    );
    assert_eq!(given.network.init, baldwin::net::Init::Normal);
    assert_eq!(given.network.init_sigma, 0.02);
    for (bad, key) in [
        (text.replace("tasks = 5", "tasks = 5\nlr = 0"), "key `lr`"),
        (
            text.replace("tasks = 5", "tasks = 5\nquery = 0"),
            "key `query`",
        ),
        (
            text.replace(
                "activation = \"relu\"",
                "activation = \"relu\"\ninit_sigma = -1",
            ),
            "key `init_sigma`",
        ),
        (
            text.replace(
                "activation = \"relu\"",
                "activation = \"relu\"\ninit = \"xavier\"",
            ),
            "init",
        ),
    ] {
        let err = baldwin::experiment::parse_any(Path::new("f.toml"), &bad).unwrap_err();
        assert!(err.to_string().contains(key), "{err}");
    }
}
