//! Experiment files through the `baldwin` binary: bad files exit with code 2 and a
//! message naming the line and key; every shipped file resolves to itself and runs to the
//! same results resolved; every documented key is accepted; `baldwin list` is what the
//! README shows.

use std::path::{Path, PathBuf};

mod common;

use common::{baldwin_on as baldwin, runs_without_wall_time};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-config-{}-{name}", std::process::id()));
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
