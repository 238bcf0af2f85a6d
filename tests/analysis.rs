//! `baldwin analyze`: CKA against hand-computed values and its invariances, Hungarian
//! matching against a known permutation, and a tiny digits experiment end to end — saved
//! networks that load back to the runs' own numbers, symmetric CKA with ones on the
//! diagonal, and clear refusals of folders it cannot analyse.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use baldwin::analysis::{Linear, Rbf, Standardised, linear_cka, match_units, rbf_cka};
use baldwin::experiment::compare::Record;
use baldwin::experiment::files::read_rows;
use baldwin::learn::evaluate;
use baldwin::net::{Loss, SavedNetwork, Workspace};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};

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

/// `n × width` standard normal values, row-major.
fn gaussian(n: usize, width: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n * width)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect()
}

fn linear(x: &[f64], n: usize, w: usize, y: &[f64], v: usize) -> f64 {
    linear_cka(&Linear::new(x, n, w), &Linear::new(y, n, v))
}

fn rbf(x: &[f64], n: usize, w: usize, y: &[f64], v: usize) -> f64 {
    rbf_cka(&Rbf::new(x, n, w), &Rbf::new(y, n, v))
}

#[test]
fn linear_cka_matches_hand_computed_values() {
    // One feature each: linear CKA is the squared correlation. x = 1, 2, 3 and
    // y = 1, 3, 2 correlate 0.5, so CKA = 0.25.
    let cka = linear(&[1.0, 2.0, 3.0], 3, 1, &[1.0, 3.0, 2.0], 1);
    assert!((cka - 0.25).abs() < 1e-12, "{cka}");
    // X = the four unit vectors ±e1, ±e2 (centred): XᵀX = 2I, ‖XᵀX‖ = 2√2. Y = its
    // first column: ‖YᵀY‖ = 2, YᵀX = (2, 0), ‖YᵀX‖² = 4. CKA = 4 / (2√2 · 2) = 1/√2.
    let x = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0];
    let y = [1.0, 0.0, -1.0, 0.0];
    let cka = linear(&x, 4, 2, &y, 1);
    assert!(
        (cka - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12,
        "{cka}"
    );
}

#[test]
fn linear_cka_is_one_on_itself_and_invariant_to_rotation_and_isotropic_scaling() {
    let (n, w) = (50, 6);
    let x = gaussian(n, w, 1);
    assert!((linear(&x, n, w, &x, w) - 1.0).abs() < 1e-12);
    // A random orthogonal Q (from a QR factorisation), a scale of 7.5, and a shift.
    let q = DMatrix::from_row_slice(w, w, &gaussian(w, w, 2)).qr().q();
    let xm = DMatrix::from_row_slice(n, w, &x);
    let moved = (&xm * &q * 7.5).add_scalar(3.0);
    let moved: Vec<f64> = (0..n)
        .flat_map(|i| (0..w).map(move |j| (i, j)))
        .map(|(i, j)| moved[(i, j)])
        .collect();
    let y = gaussian(n, 3, 3);
    let before = linear(&x, n, w, &y, 3);
    let after = linear(&moved, n, w, &y, 3);
    assert!((linear(&x, n, w, &moved, w) - 1.0).abs() < 1e-10);
    assert!((before - after).abs() < 1e-10, "{before} vs {after}");
    assert!(before > 0.0 && before < 0.5, "unrelated data: {before}");
    // Symmetric.
    assert!((before - linear(&y, n, 3, &x, w)).abs() < 1e-12);
}

#[test]
fn rbf_cka_is_one_on_itself_invariant_to_rotation_and_scale_and_sees_shared_structure() {
    let (n, w) = (60, 4);
    let x = gaussian(n, w, 4);
    assert!((rbf(&x, n, w, &x, w) - 1.0).abs() < 1e-10);
    let q = DMatrix::from_row_slice(w, w, &gaussian(w, w, 5)).qr().q();
    let rotated = DMatrix::from_row_slice(n, w, &x) * q * 0.2;
    let rotated: Vec<f64> = (0..n)
        .flat_map(|i| (0..w).map(move |j| (i, j)))
        .map(|(i, j)| rotated[(i, j)])
        .collect();
    // The median bandwidth scales with the data, distances are preserved by rotation.
    assert!((rbf(&x, n, w, &rotated, w) - 1.0).abs() < 1e-9);
    // x plus small noise is close to x; independent data is not.
    let noise = gaussian(n, w, 6);
    let noisy: Vec<f64> = x.iter().zip(&noise).map(|(a, b)| a + 0.1 * b).collect();
    let near = rbf(&x, n, w, &noisy, w);
    let far = rbf(&x, n, w, &gaussian(n, w, 7), w);
    assert!(near > 0.9 && near <= 1.0 + 1e-12, "{near}");
    assert!((0.0..0.3).contains(&far), "{far}");
}

#[test]
fn hungarian_matching_recovers_a_known_permutation_with_sign_flips() {
    let (n, w) = (200, 8);
    let a = gaussian(n, w, 8);
    let permutation = [3, 7, 0, 5, 1, 6, 2, 4];
    // Unit u of `a` becomes unit permutation[u] of `b`, negated for odd u, plus a little
    // noise: the matching must still find it.
    let noise = gaussian(n, w, 9);
    let mut b = vec![0.0; n * w];
    for i in 0..n {
        for (u, &v) in permutation.iter().enumerate() {
            let sign = if u % 2 == 1 { -1.0 } else { 1.0 };
            b[i * w + v] = sign * a[i * w + u] + 0.05 * noise[i * w + v];
        }
    }
    let matching = match_units(&Standardised::new(&a, n, w), &Standardised::new(&b, n, w));
    assert_eq!(matching.partner, permutation);
    assert!(matching.correlation.iter().all(|&r| r > 0.99));
    assert_eq!(matching.fraction_close(), 1.0);
    // Unrelated layers: few close matches.
    let other = gaussian(n, w, 10);
    let unrelated = match_units(
        &Standardised::new(&a, n, w),
        &Standardised::new(&other, n, w),
    );
    assert_eq!(unrelated.fraction_close(), 0.0);
    assert!(unrelated.mean() < 0.4, "{}", unrelated.mean());
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
