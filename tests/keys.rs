//! Keys people try: counts written as floats (`samples = 2e6`) are accepted when they are
//! whole numbers and refused in words, naming the key, when they are not; a key from
//! another tool (`popsize`) is answered with this arm's own key, from a list of the keys
//! that apply to that arm only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use baldwin::experiment::compare::LearnerConfig;
use baldwin::experiment::{AnyExperiment, parse_any};

const BIN: &str = env!("CARGO_BIN_EXE_baldwin");

/// A compare file with `budget` lines and one arm of `arm` lines.
fn compare(top: &str, budget: &str, arm: &str) -> String {
    format!(
        "name = \"keys\"\n{top}\n[task]\nkind = \"xor\"\n\n[network]\nhidden = [8]\n\n\
         [budget]\n{budget}\ncheckpoints = 4\n\n[[arm]]\nname = \"es\"\nlearner = \"evolution\"\n{arm}\n"
    )
}

fn write(name: &str, text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("baldwin-keys-{}-{name}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn validate(name: &str, text: &str, extra: &[&str]) -> Output {
    let path = write(name, text);
    let mut args = vec!["validate"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    Command::new(BIN).args(&args).output().unwrap()
}

#[test]
fn counts_written_as_whole_floats_are_accepted_and_resolve_to_integers() {
    let text = compare(
        "seeds = 1e1",
        "samples = 2e6",
        "strategy = \"openai_es\"\npopulation = 3.2e1\nbatch = 4.0",
    );
    let Ok(AnyExperiment::Compare(e)) = parse_any(Path::new("counts.toml"), &text) else {
        panic!("whole floats are counts")
    };
    assert_eq!(e.seeds, 10);
    assert_eq!(e.budget.samples, 2_000_000);
    let LearnerConfig::Evolution(es) = &e.arms[0].learner else {
        panic!("an evolution arm")
    };
    assert_eq!((es.strategy.population(), es.batch), (Some(32), 4));
    let out = validate("resolved", &text, &["--resolved"]);
    assert_eq!(out.status.code(), Some(0));
    let resolved = String::from_utf8_lossy(&out.stdout);
    for line in ["seeds = 10\n", "samples = 2000000\n", "population = 32\n"] {
        assert!(resolved.contains(line), "`{line}` in:\n{resolved}");
    }
    // Float keys are unchanged by it: `sigma = 1.0` is still the float 1.
    let with_sigma = compare(
        "",
        "samples = 1e4",
        "strategy = \"openai_es\"\npopulation = 8\nsigma = 1.0\nbatch = 4",
    );
    let out = validate("sigma", &with_sigma, &["--resolved"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("sigma = 1.0\n"));
}

#[test]
fn counts_of_every_kind_accept_whole_floats() {
    for file in [
        "experiments/sine-few-shot.toml",
        "experiments/hinton-nowlan.toml",
        "experiments/black-box-sphere.toml",
    ] {
        let original = std::fs::read_to_string(file).unwrap();
        // Every whole integer value `= N` (N of 2+ digits) written as `N.0`.
        let floated: String = original
            .lines()
            .map(|line| match line.split_once(" = ") {
                Some((key, value))
                    if value.trim().len() >= 2
                        && value.trim().chars().all(|c| c.is_ascii_digit() || c == '_') =>
                {
                    format!("{key} = {}.0", value.trim())
                }
                _ => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(floated, original, "{file}: nothing to rewrite");
        let a = parse_any(Path::new(file), &original).unwrap();
        let b = parse_any(Path::new(file), &floated)
            .unwrap_or_else(|e| panic!("{file} with float counts: {e}"));
        assert_eq!(a.resolved(), b.resolved(), "{file}");
    }
}

#[test]
fn counts_that_are_not_whole_numbers_in_range_are_refused_naming_the_key() {
    for (budget, arm, key, shown) in [
        ("samples = 2.5", "strategy = \"ga\"", "samples", "not `2.5`"),
        ("samples = -1", "strategy = \"ga\"", "samples", "not `-1`"),
        (
            "samples = 1000",
            "strategy = \"ga\"\npopulation = 1e30",
            "population",
            "not `1000000000000000000000000000000",
        ),
        (
            "samples = 1000",
            "strategy = \"ga\"\npopulation = 1e-3",
            "population",
            "not `0.001`",
        ),
    ] {
        let out = validate("refused", &compare("", budget, arm), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("key `{key}`")), "{stderr}");
        assert!(
            stderr.contains("must be a whole number from 0 to"),
            "{stderr}"
        );
        assert!(stderr.contains(shown), "`{shown}` in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// The `allowed:` line of an error, as a list.
fn allowed(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("allowed: "))
        .unwrap_or_else(|| panic!("no allowed list in {stderr}"))
        .split(", ")
        .map(str::to_string)
        .collect()
}

#[test]
fn popsize_in_an_openai_es_arm_suggests_population_from_that_arms_own_keys() {
    let text = compare(
        "",
        "samples = 10000",
        "strategy = \"openai_es\"\npopsize = 32",
    );
    let out = validate("popsize", &text, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("key `popsize`"), "{stderr}");
    assert!(stderr.contains("did you mean `population`?"), "{stderr}");
    let keys = allowed(&stderr);
    for own in ["population", "sigma", "lr", "antithetic", "batch", "tying"] {
        assert!(keys.iter().any(|k| k == own), "{own} missing: {keys:?}");
    }
    // Keys of other strategies, learners and experiment kinds are not offered.
    for other in [
        "elite",
        "tie_rate",
        "optimizer",
        "momentum",
        "inner_steps",
        "evolve_lr",
        "active",
    ] {
        assert!(
            !keys.iter().any(|k| k == other),
            "{other} offered: {keys:?}"
        );
    }
}

#[test]
fn other_tools_names_are_answered_with_the_arms_own_key() {
    for (arm, theirs, ours) in [
        ("strategy = \"ga\"\npop_size = 16", "pop_size", "population"),
        ("strategy = \"snes\"\nsigma0 = 0.1", "sigma0", "sigma"),
        ("strategy = \"ga\"\nbatch_size = 8", "batch_size", "batch"),
    ] {
        let out = validate("alias", &compare("", "samples = 10000", arm), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("key `{theirs}`")), "{stderr}");
        assert!(
            stderr.contains(&format!("did you mean `{ours}`?")),
            "{stderr}"
        );
    }
    let gradient = compare("", "samples = 10000", "strategy = \"ga\"").replace(
        "learner = \"evolution\"\nstrategy = \"ga\"",
        "learner = \"gradient\"\nlearning_rate = 0.1",
    );
    let out = validate("gradient", &gradient, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean `lr`?"), "{stderr}");
    assert!(
        !allowed(&stderr).iter().any(|k| k == "population"),
        "{stderr}"
    );
}
