//! The experiment layer through the `baldwin` binary: bad files exit with code 2 and a
//! message naming the line; runs are deterministic across thread counts; a killed run
//! resumes to the same results; plots are well-formed SVG.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;

use common::{runs_without_wall_time, without_column};

const BIN: &str = env!("CARGO_BIN_EXE_baldwin");

fn baldwin(args: &[&str], threads: Option<usize>) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).env("NO_COLOR", "1");
    if let Some(t) = threads {
        command.env("RAYON_NUM_THREADS", t.to_string());
    }
    command.output().expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn every_bad_experiment_file_exits_with_code_2_and_names_the_line_and_key() {
    // (file, the position and key the message must name, another phrase it must contain)
    let corpus = [
        (
            "unknown_key",
            ":28:1: key `popuation`",
            "did you mean `population`?",
        ),
        (
            "typo_strategy",
            ":27:12: key `strategy`",
            "did you mean `openai_es`?",
        ),
        ("wrong_type", ":29:9: key `sigma`", "invalid type"),
        ("negative_lr", ":21:6: key `lr`", "must be > 0"),
        ("zero_sigma", ":29:9: key `sigma`", "must be > 0"),
        ("population_one", ":28:14: key `population`", "at least 2"),
        (
            "batch_larger_than_training_set",
            ":22:9: key `batch`",
            "training set size (16)",
        ),
        (
            "tile_does_not_divide",
            ":11:8: key `tile`",
            "does not divide",
        ),
        ("no_arms", ":13:1:", "no [[arm]]"),
        ("malformed", ":13:8:", "expected `]`"),
        (
            "unknown_task",
            ":6:8: key `kind`",
            "allowed: xor, parity, spirals, digits, sine, motif, mirror",
        ),
        ("duplicate_arm_names", ":25:8: key `name`", "unique"),
        (
            "key_for_another_learner",
            ":22:1: key `population`",
            "does not apply to `gradient`",
        ),
        ("target_out_of_range", ":16:10: key `target`", "[0, 1]"),
        ("zero_seeds", ":3:9: key `seeds`", "between 1 and 10000"),
    ];
    for (name, position, phrase) in corpus {
        let file = format!("tests/bad/{name}.toml");
        for command in ["validate", "run"] {
            let out = baldwin(
                &[command, &file, "--quiet"][..if command == "run" { 3 } else { 2 }],
                None,
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {file}: {stderr}");
            assert!(
                stderr.contains(&format!("{file}{position}")),
                "{command} {file}: expected `{position}` in:\n{stderr}"
            );
            assert!(
                stderr.contains(phrase),
                "{file}: expected `{phrase}` in:\n{stderr}"
            );
            assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        }
    }
}

#[test]
fn bad_flags_and_missing_files_exit_with_code_2() {
    assert_eq!(baldwin(&["run"], None).status.code(), Some(2));
    assert_eq!(baldwin(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(
        baldwin(&["run", "tests/fixtures/tiny.toml", "--seeds", "0"], None)
            .status
            .code(),
        Some(2)
    );
    let out = baldwin(&["validate", "no/such/file.toml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.toml"));
}

#[test]
fn list_prints_every_task_strategy_and_optimizer() {
    let out = baldwin(&["list"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for word in [
        "xor",
        "parity",
        "spirals",
        "digits",
        "sine",
        "motif",
        "mirror",
        "ga",
        "openai_es",
        "snes",
        "cma_es",
        "sep_cma_es",
        "sgd",
        "momentum",
        "adam",
        "tie_rate",
        "untie_rate",
    ] {
        assert!(
            text.contains(word),
            "`baldwin list` does not mention {word}"
        );
    }
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

/// Every experiment file the project ships or tests with.
fn shipped_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["experiments", "tests/fixtures"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_shipped_file_resolves_to_a_file_that_parses_back_and_resolves_to_itself() {
    for file in shipped_files() {
        let experiment = baldwin::experiment::load_any(&file).unwrap();
        let resolved = experiment.resolved();
        let again = baldwin::experiment::parse_any(Path::new("resolved.toml"), &resolved)
            .unwrap_or_else(|e| panic!("{}: {e}\n{resolved}", file.display()));
        assert_eq!(experiment, again, "{}", file.display());
        assert_eq!(again.resolved(), resolved, "{}", file.display());
        // Every default is written out: nothing is left to the parser.
        for key in ["seeds", "description"] {
            assert!(
                resolved.contains(&format!("{key} = ")),
                "{}: {key}",
                file.display()
            );
        }
    }
}

#[test]
fn the_resolved_file_runs_to_the_same_results_as_the_original() {
    for file in [
        "tests/fixtures/tiny.toml",
        "tests/fixtures/tiny-few-shot.toml",
    ] {
        let out = baldwin(&["validate", "--resolved", file], None);
        assert_eq!(out.status.code(), Some(0));
        let resolved_file = scratch("resolved-file").with_extension("toml");
        std::fs::write(&resolved_file, &out.stdout).unwrap();
        let (original, resolved) = (scratch("original-run"), scratch("resolved-run"));
        for (input, dir) in [
            (Path::new(file), &original),
            (resolved_file.as_path(), &resolved),
        ] {
            let run = baldwin(
                &[
                    "run",
                    input.to_str().unwrap(),
                    "--out",
                    dir.to_str().unwrap(),
                    "--quiet",
                ],
                None,
            );
            assert_eq!(
                run.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
        }
        assert_eq!(
            runs_without_wall_time(&original),
            runs_without_wall_time(&resolved),
            "{file}"
        );
        assert_eq!(
            std::fs::read_to_string(original.join("config.toml")).unwrap(),
            std::fs::read_to_string(resolved.join("config.toml")).unwrap()
        );
    }
}

#[test]
fn the_readme_shows_the_list_output_verbatim() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let list = baldwin(&["list"], None);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        readme.contains(text.trim_end()),
        "README.md's experiment file reference differs from `baldwin list`; paste its output"
    );
}

#[test]
fn a_file_using_every_documented_key_is_accepted() {
    let every_key = r#"
name = "every-key"
description = "uses every key of `baldwin list`"
seeds = 2
[task]
kind = "motif"
length = 16
motif = [1, 0, 1]
train = 64
test = 32
seed = 3
[network]
hidden = [8, 8]
activation = "relu"
tying = "translation"
tile = [4, 4]
[budget]
samples = 1000
checkpoints = 5
target = 0.8
[[arm]]
name = "sgd"
learner = "gradient"
optimizer = "momentum"
lr = 0.1
momentum = 0.8
weight_decay = 0.001
batch = 16
tying = "none"
tile = [2, 2]
[[arm]]
name = "es"
learner = "evolution"
strategy = "openai_es"
population = 8
sigma = 0.1
lr = 0.01
weight_decay = 0.001
antithetic = true
shaping = "z_score"
batch = 8
[[arm]]
name = "ga"
learner = "evolution"
strategy = "ga"
population = 8
elite = 1
selection = "tournament"
tournament = 3
truncation = 0.5
mutation_sigma = 0.05
self_adaptive = true
crossover = "blocks"
crossover_rate = 0.3
tie_rate = 0.1
untie_rate = 0.1
[[arm]]
name = "snes"
learner = "evolution"
strategy = "snes"
population = 8
sigma = 0.2
[[arm]]
name = "sep"
learner = "evolution"
strategy = "sep_cma_es"
population = 8
sigma = 0.2
"#;
    let Ok(baldwin::experiment::AnyExperiment::Compare(e)) =
        baldwin::experiment::parse_any(Path::new("every.toml"), every_key)
    else {
        panic!("a compare experiment")
    };
    assert_eq!(e.arms.len(), 5);
    let reference = baldwin::experiment::reference::reference();
    for key in [
        "bits",
        "points",
        "noise",
        "length",
        "motif",
        "train",
        "test",
        "seed",
        "hidden",
        "activation",
        "tying",
        "tile",
        "samples",
        "checkpoints",
        "target",
        "optimizer",
        "lr",
        "momentum",
        "weight_decay",
        "batch",
        "strategy",
        "population",
        "sigma",
        "antithetic",
        "shaping",
        "elite",
        "selection",
        "truncation",
        "tournament",
        "mutation_sigma",
        "self_adaptive",
        "crossover",
        "crossover_rate",
        "tie_rate",
        "untie_rate",
        "seeds",
        "description",
    ] {
        assert!(
            reference.contains(key),
            "`baldwin list` does not document `{key}`"
        );
    }
}

#[test]
fn an_experiment_name_cannot_leave_the_results_folder() {
    let files = [
        std::fs::read_to_string("experiments/quickstart.toml").unwrap(),
        std::fs::read_to_string("tests/fixtures/tiny-few-shot.toml").unwrap(),
        std::fs::read_to_string("experiments/hinton-nowlan.toml").unwrap(),
    ];
    for text in files {
        let original = text.lines().find(|l| l.starts_with("name =")).unwrap();
        let bad = text.replacen(original, "name = \"../escape\"", 1);
        let err = baldwin::experiment::parse_any(Path::new("x.toml"), &bad).unwrap_err();
        assert!(err.to_string().contains("key `name`"), "{err}");
    }
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
