//! Runs through the `baldwin` binary: deterministic across thread counts; a killed run
//! resumes to the same results; a grown or changed experiment computes only what changed;
//! plots are well-formed SVG. (Experiment files themselves: tests/config_files.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_baldwin");

mod common;

use common::{baldwin_on as baldwin, runs_without_wall_time, without_column};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_same_seeds_give_the_same_runs_csv_for_one_and_two_threads() {
    let (one, two) = (scratch("threads1"), scratch("threads2"));
    for (dir, threads) in [(&one, 1), (&two, 2)] {
        let out = baldwin(
            &[
                "run",
                "tests/fixtures/tiny.toml",
                "--quiet",
                "--out",
                dir.to_str().unwrap(),
            ],
            Some(threads),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let a = runs_without_wall_time(&one);
    assert_eq!(a, runs_without_wall_time(&two));
    // 3 arms × 3 seeds, each with several checkpoints.
    assert!(a.lines().count() > 9 * 3, "{a}");
}

#[test]
fn a_killed_run_resumes_to_the_same_results_as_an_uninterrupted_run() {
    let (whole, killed) = (scratch("whole"), scratch("killed"));
    let file = "tests/fixtures/tiny.toml";
    let args = |dir: &Path| -> Vec<String> {
        [
            "run",
            file,
            "--quiet",
            "--seeds",
            "8",
            "--out",
            dir.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let out = Command::new(BIN).args(args(&whole)).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Start the same run, SIGKILL it once some but not all runs are saved.
    let mut child = Command::new(BIN)
        .args(args(&killed))
        .env("RAYON_NUM_THREADS", "1")
        .spawn()
        .unwrap();
    let runs = killed.join("runs");
    let started = Instant::now();
    let total = 3 * 8;
    let mut saved_at_kill = 0;
    while started.elapsed() < Duration::from_secs(120) {
        let saved = std::fs::read_dir(&runs)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .path()
                        .extension()
                        .is_some_and(|x| x == "csv")
                })
                .count()
            })
            .unwrap_or(0);
        if saved >= 1 {
            child.kill().unwrap();
            saved_at_kill = saved;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = child.wait().unwrap();
    assert!(saved_at_kill >= 1, "no run was saved within two minutes");
    assert!(
        saved_at_kill < total && !status.success(),
        "the run finished before it could be killed ({saved_at_kill} runs saved)"
    );
    assert!(
        !killed.join("runs.csv").exists(),
        "aggregates are written only at the end"
    );

    let mut resume = args(&killed);
    resume.push("--resume".into());
    let out = Command::new(BIN).args(&resume).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        runs_without_wall_time(&whole),
        runs_without_wall_time(&killed)
    );
    assert_eq!(
        without_column(&whole, "summary.csv", "wall_s_iqm"),
        without_column(&killed, "summary.csv", "wall_s_iqm")
    );
    assert_eq!(
        std::fs::read_to_string(whole.join("samples_to_target.csv")).unwrap(),
        std::fs::read_to_string(killed.join("samples_to_target.csv")).unwrap()
    );
}

/// The bytes of every run file of `dir`, by file name.
fn run_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

fn run_tiny(file: &Path, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    baldwin(&args, None)
}

#[test]
fn an_experiment_grows_more_seeds_an_added_arm_or_a_new_description_compute_only_new_runs() {
    let tiny = Path::new("tests/fixtures/tiny.toml");
    let dir = scratch("grow");
    assert!(run_tiny(tiny, &dir, &["--seeds", "1"]).status.success());
    let before = run_files(&dir);
    assert_eq!(before.len(), 3);

    // More seeds: the three finished runs are reused byte for byte, three are added.
    assert!(run_tiny(tiny, &dir, &["--seeds", "2"]).status.success());
    let after = run_files(&dir);
    assert_eq!(after.len(), 6);
    assert!(
        before
            .iter()
            .all(|(name, bytes)| after.get(name) == Some(bytes))
    );
    let fresh = scratch("grow-fresh");
    assert!(run_tiny(tiny, &fresh, &["--seeds", "2"]).status.success());
    assert_eq!(runs_without_wall_time(&dir), runs_without_wall_time(&fresh));

    // An added arm and an edited description: only the new arm's runs are computed.
    let text = std::fs::read_to_string(tiny).unwrap()
        + "\n[[arm]]\nname = \"SGD\"\nlearner = \"gradient\"\noptimizer = \"sgd\"\nbatch = 8\n";
    let text = text.replacen(
        "name = \"tiny\"",
        "name = \"tiny\"\ndescription = \"grown\"",
        1,
    );
    let grown = dir.with_extension("toml");
    std::fs::write(&grown, text).unwrap();
    assert!(run_tiny(&grown, &dir, &["--seeds", "2"]).status.success());
    let grown_files = run_files(&dir);
    assert_eq!(grown_files.len(), 8);
    assert!(
        after
            .iter()
            .all(|(name, bytes)| grown_files.get(name) == Some(bytes))
    );
}

#[test]
fn a_changed_arm_is_refused_naming_the_keys_that_differ_and_recomputed_with_force() {
    let tiny = Path::new("tests/fixtures/tiny.toml");
    let dir = scratch("changed");
    assert!(run_tiny(tiny, &dir, &["--seeds", "1"]).status.success());
    let before = run_files(&dir);
    let text = std::fs::read_to_string(tiny)
        .unwrap()
        .replacen("lr = 0.01", "lr = 0.02", 1);
    let changed = dir.with_extension("toml");
    std::fs::write(&changed, text).unwrap();
    let out = run_tiny(&changed, &dir, &["--seeds", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("arm[0].lr: 0.01 → 0.02"), "{message}");
    assert!(message.contains("--force"), "{message}");
    assert_eq!(run_files(&dir), before, "nothing was touched");
    // With --force only the changed arm's run is recomputed.
    assert!(
        run_tiny(&changed, &dir, &["--seeds", "1", "--force"])
            .status
            .success()
    );
    let after = run_files(&dir);
    let differ: Vec<&String> = after.keys().filter(|k| after[*k] != before[*k]).collect();
    assert_eq!(differ, vec!["00-adam-seed0.csv"]);
}

#[test]
fn results_include_well_formed_svgs_with_title_and_legend_and_redraw_from_csv() {
    let dir = scratch("plots");
    let out = baldwin(
        &[
            "run",
            "tests/fixtures/tiny.toml",
            "--quiet",
            "--seeds",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "--quiet prints nothing but errors");
    assert!(
        out.stderr.is_empty(),
        "--quiet prints nothing but errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(
        summary.contains("| Adam |") && summary.contains("| GA tied |"),
        "{summary}"
    );
    for (file, title) in [
        (
            "learning_curves.svg",
            "tiny: test accuracy against training examples",
        ),
        (
            "learning_curves_wall.svg",
            "tiny: test accuracy against wall-clock time",
        ),
        (
            "samples_to_target.svg",
            "tiny: training examples to reach test accuracy 0.9",
        ),
    ] {
        let svg = std::fs::read_to_string(dir.join(file)).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{file}: {e}"));
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        assert!(
            texts.iter().any(|t| t.contains(title)),
            "{file}: no title `{title}` in {texts:?}"
        );
        for arm in ["Adam", "ES", "GA tied"] {
            assert!(texts.contains(&arm), "{file}: no legend entry {arm}");
        }
    }
    for file in [
        "config.toml",
        "runs.csv",
        "summary.csv",
        "samples_to_target.csv",
        "summary.md",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
    // The resolved config is itself a valid experiment, and plot redraws from the CSV.
    std::fs::remove_file(dir.join("learning_curves.svg")).unwrap();
    let out = baldwin(&["plot", dir.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("learning_curves.svg").exists());
}

#[test]
fn an_evolution_arm_whose_strategy_stops_on_its_own_ends_early_and_says_why() {
    let file = scratch("stop").with_extension("toml");
    std::fs::write(
        &file,
        "name = \"stop\"\nseeds = 2\n[task]\nkind = \"xor\"\n[network]\nhidden = [4]\n\
         [budget]\nsamples = 2_000_000\ncheckpoints = 10\n[[arm]]\nname = \"CMA-ES\"\n\
         learner = \"evolution\"\nstrategy = \"cma_es\"\npopulation = 16\nsigma = 1.0\nbatch = 4\n",
    )
    .unwrap();
    let dir = scratch("stop-run");
    let out = baldwin(
        &[
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    for seed in ["0", "1"] {
        let last = runs
            .lines()
            .rfind(|l| l.split(',').nth(2) == Some(seed))
            .unwrap();
        assert!(last.contains(",stopped-by-"), "{last}");
        let samples: u64 = last.split(',').nth(3).unwrap().parse().unwrap();
        assert!(samples < 2_000_000, "stopped before the budget: {last}");
    }
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(
        summary.contains("2/2 stopped early by their strategy"),
        "{summary}"
    );
}
