//! `baldwin analyze` end to end on a tiny digits experiment: saved networks that load
//! back to the runs' own numbers, symmetric CKA with ones on the diagonal that numpy
//! reproduces, and clear refusals of folders it cannot analyse. The measures themselves
//! are checked against hand-computed cases in `tests/cka.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use baldwin::experiment::compare::Record;
use baldwin::experiment::files::read_rows;
use baldwin::learn::evaluate;
use baldwin::net::{Loss, SavedNetwork, Workspace};

const BIN: &str = env!("CARGO_BIN_EXE_baldwin");

fn baldwin(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-analysis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn run_names_are_file_safe_keep_case_and_never_collide() {
    use baldwin::experiment::files::run_name;
    let arms: Vec<String> = ["Adam", "SGD+momentum", "GA tied", "GA-tied", "../x", "?"]
        .map(String::from)
        .to_vec();
    let names: Vec<String> = (0..arms.len()).map(|a| run_name(&arms, a, 3)).collect();
    assert_eq!(
        names,
        [
            "Adam-s3",
            "SGD-momentum-s3",
            "arm2-s3",
            "arm3-s3",
            "x-s3",
            "arm5-s3"
        ]
    );
}

const TINY_DIGITS: &str = r#"
name = "tiny-digits"
seeds = 2

[task]
kind = "digits"

[network]
hidden = [8, 8]
tile = [4, 4]

[budget]
samples = 20_000
checkpoints = 4

[[arm]]
name = "Adam"
learner = "gradient"
lr = 0.01
batch = 16

[[arm]]
name = "GA tied"
learner = "evolution"
strategy = "ga"
tying = "translation"
population = 16
batch = 16
"#;

/// A tiny two-arm digits experiment, finished, in a fresh folder.
fn tiny_digits(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tiny-digits.toml");
    std::fs::write(&file, TINY_DIGITS).unwrap();
    let out = dir.join("results");
    let run = baldwin(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn saved_networks_load_back_to_the_runs_final_test_loss() {
    let out = tiny_digits("saved");
    let rows: Vec<Record> = read_rows(&out.join("runs.csv")).unwrap();
    let data = baldwin::task::digits();
    for (run, arm) in [
        ("Adam-s0", "Adam"),
        ("Adam-s1", "Adam"),
        ("GA-tied-s1", "GA tied"),
    ] {
        let text =
            std::fs::read_to_string(out.join("genomes").join(format!("{run}.json"))).unwrap();
        let (network, params) = SavedNetwork::from_json(&text).unwrap();
        let seed = if run.ends_with("s0") { 0 } else { 1 };
        let last = rows
            .iter()
            .rfind(|r| r.arm == arm && r.seed == seed)
            .unwrap();
        let test = evaluate(
            &network,
            &params,
            &data.test,
            Loss::CrossEntropy,
            &mut Workspace::new(),
        )
        .unwrap();
        assert!(
            (test.loss as f64 - last.test_loss).abs() < 1e-6,
            "{run}: {} vs {}",
            test.loss,
            last.test_loss
        );
        assert_eq!(params.len(), last.genes);
    }
}

#[test]
fn analyze_writes_symmetric_cka_with_unit_diagonal_activations_and_figures() {
    let out = tiny_digits("analyze");
    let result = baldwin(&["analyze", out.to_str().unwrap()]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let analysis = out.join("analysis");
    let runs = [
        "untrained-s0",
        "untrained-s1",
        "Adam-s0",
        "Adam-s1",
        "GA-tied-s0",
        "GA-tied-s1",
    ];
    let cka = csv_rows(&analysis.join("cka.csv"));
    assert_eq!(cka[0], ["layer", "run_a", "run_b", "cka", "cka_rbf"]);
    assert_eq!(cka.len(), 1 + 2 * runs.len() * runs.len());
    let value = |layer: &str, a: &str, b: &str, column: usize| -> f64 {
        let row = cka
            .iter()
            .find(|r| r[0] == layer && r[1] == a && r[2] == b)
            .unwrap();
        row[column].parse().unwrap()
    };
    for layer in ["h1", "h2"] {
        for a in runs {
            for column in [3, 4] {
                assert!(
                    (value(layer, a, a, column) - 1.0).abs() < 1e-9,
                    "{layer} {a}"
                );
                for b in runs {
                    let (ab, ba) = (value(layer, a, b, column), value(layer, b, a, column));
                    assert!((ab - ba).abs() < 1e-12, "{layer} {a} {b}");
                    assert!((-1e-9..=1.0 + 1e-9).contains(&ab), "{ab}");
                }
            }
        }
        for run in runs {
            let acts = csv_rows(
                &analysis
                    .join("activations")
                    .join(format!("{run}.{layer}.csv")),
            );
            assert_eq!(acts.len(), 1 + 449, "probe = the whole 449-image test set");
            assert!(acts.iter().all(|row| row.len() == 8));
            assert_eq!(acts[0][0], "u0");
        }
        let svg = std::fs::read_to_string(analysis.join(format!("cka-{layer}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let cells = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
        assert!(cells >= runs.len() * runs.len(), "{cells} rects");
        assert!(
            analysis
                .join(format!("polysemanticity-{layer}.svg"))
                .is_file()
        );
    }
    // Units: one row per run, layer and unit; tied hidden units share genes, dense not.
    let units = csv_rows(&analysis.join("units.csv"));
    assert_eq!(units.len(), 1 + runs.len() * 2 * 8);
    let sharing = |run: &str, shares: &str| units.iter().any(|r| r[0] == run && r[7] == shares);
    assert!(sharing("GA-tied-s0", "true") && !sharing("Adam-s0", "true"));
    let classes: Vec<usize> = units[1..].iter().map(|r| r[5].parse().unwrap()).collect();
    assert!(classes.iter().all(|&c| c <= 10));
    let matching = csv_rows(&analysis.join("matching.csv"));
    assert_eq!(matching.len(), 1 + 2 * runs.len() * (runs.len() - 1) / 2);
    assert!(
        analysis
            .join("weights")
            .join("GA-tied-s0.tying-w1.svg")
            .is_file()
    );
    assert!(analysis.join("weights").join("Adam-s1.w3.svg").is_file());
    assert!(
        !analysis
            .join("weights")
            .join("Adam-s1.tying-w1.svg")
            .exists()
    );
    let summary = std::fs::read_to_string(analysis.join("summary.md")).unwrap();
    assert!(summary.contains("| Adam | GA tied | 4 |"), "{summary}");
    // Deterministic: a second analysis writes the same numbers.
    let first = std::fs::read(analysis.join("summary.csv")).unwrap();
    assert!(
        baldwin(&["analyze", out.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(first, std::fs::read(analysis.join("summary.csv")).unwrap());
    numpy_agrees(&out);
}

/// `scripts/cka_check.py` recomputes linear CKA from the exported activations with
/// numpy; skipped where python3 or numpy is missing.
fn numpy_agrees(out: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cka_check.py");
    let Ok(check) = Command::new("python3").arg(&script).arg(out).output() else {
        eprintln!("python3 not found: numpy check skipped");
        return;
    };
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    eprintln!("{stdout}");
}

#[test]
fn analyze_names_runs_without_networks_and_force_recomputes_them() {
    let out = tiny_digits("missing");
    std::fs::remove_file(out.join("genomes").join("Adam-s1.json")).unwrap();
    let refused = baldwin(&["analyze", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("Adam-s1") && message.contains("--force"),
        "{message}"
    );
    assert!(!message.contains("Adam-s0"), "{message}");
    // A plain run reuses the finished run as it is; --force recomputes it.
    let config = out.join("config.toml");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            config.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        baldwin(&args)
    };
    assert!(run(&[]).status.success());
    assert!(!out.join("genomes").join("Adam-s1.json").exists());
    assert!(run(&["--force"]).status.success());
    assert!(out.join("genomes").join("Adam-s1.json").is_file());
    assert!(
        baldwin(&["analyze", out.to_str().unwrap()])
            .status
            .success()
    );
    // A damaged network file is named.
    std::fs::write(
        out.join("genomes").join("GA-tied-s0.json"),
        "{\"format\": 1}",
    )
    .unwrap();
    let damaged = baldwin(&["analyze", out.to_str().unwrap()]);
    assert_eq!(damaged.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&damaged.stderr).contains("GA-tied-s0.json"));
}

#[test]
fn analyze_refuses_what_is_not_a_finished_compare_folder_with_exit_code_2() {
    let missing = scratch("nothing-here");
    let result = baldwin(&["analyze", missing.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("not a results folder"));
    let empty = scratch("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let result = baldwin(&["analyze", empty.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("config.toml"));
    let hn = scratch("hinton");
    std::fs::create_dir_all(&hn).unwrap();
    std::fs::copy("experiments/hinton-nowlan.toml", hn.join("config.toml")).unwrap();
    let result = baldwin(&["analyze", hn.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("compare"));
}
