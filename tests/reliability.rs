//! Never crash, never silently wrong: oversized files are refused before anything is
//! allocated, budgets are hard ceilings, damaged or foreign run files are never mixed
//! into results, a results folder has one writer, and divergence is a recorded outcome.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::runs_without_wall_time;

const BIN: &str = env!("CARGO_BIN_EXE_baldwin");
const TINY: &str = "tests/fixtures/tiny.toml";
const TINY_FEW_SHOT: &str = "tests/fixtures/tiny-few-shot.toml";

/// Run the binary with a fixed memory limit of 4 GiB, so that refusals do not depend on
/// the machine.
fn baldwin(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BALDWIN_MEMORY_LIMIT", (4u64 << 30).to_string())
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-rel-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `file`'s text with `line` (a `key = value` line, matched by its start) replaced.
fn edited(file: &str, line_start: &str, replacement: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let mut found = false;
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            if !found && l.starts_with(line_start) {
                found = true;
                replacement.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(found, "{file} has no line starting with {line_start}");
    out.join("\n") + "\n"
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let path = scratch(name).with_extension("toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_in(file: &Path, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    baldwin(&args)
}

#[test]
fn oversized_files_are_refused_by_validate_with_the_key_and_the_estimate() {
    let cases = [
        (TINY, "hidden =", "hidden = [4294967296]", "key `hidden`"),
        (
            TINY,
            "hidden =",
            "hidden = [16, 1_000_000_000_000]",
            "key `hidden`",
        ),
        (
            TINY,
            "hidden =",
            "hidden = [1_000_000, 1_000_000]",
            "key `hidden`",
        ),
        (
            TINY,
            "seeds =",
            "seeds = 1_000_000_000_000_000_000",
            "key `seeds`",
        ),
        (
            TINY,
            "population = 16",
            "population = 9223372036854775808",
            "key `population`",
        ),
        (
            TINY,
            "population = 16",
            "population = 1_000_000_000_000",
            "key `population`",
        ),
        (
            TINY_FEW_SHOT,
            "query =",
            "query = 10_000_000_000_000",
            "key `query`",
        ),
        (
            TINY_FEW_SHOT,
            "hidden =",
            "hidden = [10_000_000_000]",
            "key `hidden`",
        ),
        (
            TINY_FEW_SHOT,
            "tasks = 5",
            "tasks = 10_000_000_000",
            "key `tasks`",
        ),
        (
            TINY_FEW_SHOT,
            "population = 4",
            "population = 1_000_000_000_000",
            "key `population`",
        ),
    ];
    for (file, start, line, key) in cases {
        let path = write_temp("huge", &edited(file, start, line));
        for command in ["validate", "run"] {
            let out = baldwin(
                &[command, path.to_str().unwrap(), "--quiet"]
                    [..if command == "run" { 3 } else { 2 }],
            );
            let message = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{line}: {message}");
            assert!(message.contains(key), "{line}: expected {key} in {message}");
            assert!(!message.contains("panicked"), "{line}: {message}");
        }
    }
    // Sampled tasks too large to build, and an absurd Hinton & Nowlan run.
    let spirals = "name = \"s\"\n[task]\nkind = \"spirals\"\npoints = 1_000_000_000_000\n\
                   [budget]\nsamples = 100\n[[arm]]\nname = \"a\"\nlearner = \"gradient\"\n";
    let sine = spirals.replace("kind = \"spirals\"\npoints", "kind = \"sine\"\ntrain");
    let hinton = "kind = \"hinton_nowlan\"\nname = \"h\"\n[hinton_nowlan]\nseeds = 1_000_000_000_000_000_000\n";
    for (text, key) in [
        (spirals, "points"),
        (sine.as_str(), "train"),
        (hinton, "seeds"),
    ] {
        let path = write_temp("huge-task", text);
        let out = baldwin(&["validate", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("key `{key}`")),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_budget_below_one_generation_is_refused_naming_the_minimum() {
    // The ES arm's generation is 16 members × 16 examples = 256 examples.
    let path = write_temp("small-budget", &edited(TINY, "samples =", "samples = 100"));
    let out = baldwin(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("must be at least 256"),
        "{}",
        stderr(&out)
    );
    let path = write_temp(
        "small-outer-budget",
        &edited(TINY_FEW_SHOT, "outer_samples =", "outer_samples = 5"),
    );
    let out = baldwin(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("key `outer_samples`"),
        "{}",
        stderr(&out)
    );
}

/// Largest value of `column` in `dir/runs.csv`.
fn max_of(dir: &Path, column: &str) -> u64 {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == column).unwrap();
    lines
        .map(|l| l.split(',').nth(at).unwrap().parse::<u64>().unwrap())
        .max()
        .unwrap()
}

#[test]
fn no_run_records_more_examples_than_its_budget() {
    // 40,000 is not a multiple of the ES generation (256): its last step stops short.
    let dir = scratch("ceiling");
    let out = run_in(Path::new(TINY), &dir, &["--seeds", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(max_of(&dir, "samples") <= 40_000);
    // The evolution arm's generation (4 members × 1 task × (2 × 5 + 5)) does not divide
    // 3,000 either.
    let dir = scratch("outer-ceiling");
    let out = run_in(Path::new(TINY_FEW_SHOT), &dir, &["--seeds", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(max_of(&dir, "outer_samples") <= 3_000);
}

#[test]
fn an_arm_name_too_long_for_a_file_name_is_refused_before_running() {
    let long = "x".repeat(300);
    let path = write_temp(
        "long-name",
        &edited(TINY, "name = \"Adam\"", &format!("name = \"{long}\"")),
    );
    let out = baldwin(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("key `name`"), "{}", stderr(&out));
}

fn run_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn resume_redoes_damaged_run_files_and_gives_the_uninterrupted_results() {
    let whole = scratch("whole");
    assert!(
        run_in(Path::new(TINY), &whole, &["--seeds", "2"])
            .status
            .success()
    );
    let expected = runs_without_wall_time(&whole);

    let damaged = scratch("damaged");
    assert!(
        run_in(Path::new(TINY), &damaged, &["--seeds", "2"])
            .status
            .success()
    );
    let files = run_files(&damaged);
    assert_eq!(files.len(), 6);
    let first = std::fs::read(&files[0]).unwrap();
    // Empty, header only, cut short, and another seed's file in its place.
    std::fs::write(&files[0], b"").unwrap();
    std::fs::write(
        &files[1],
        &first[..first.iter().position(|&b| b == b'\n').unwrap() + 1],
    )
    .unwrap();
    let third = std::fs::read(&files[2]).unwrap();
    std::fs::write(&files[2], &third[..third.len() - 20]).unwrap();
    std::fs::copy(&files[4], &files[5]).unwrap();
    let out = run_in(Path::new(TINY), &damaged, &["--seeds", "2", "--resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(runs_without_wall_time(&damaged), expected);
}

#[test]
fn resume_refuses_run_files_of_another_configuration_even_without_config_toml() {
    let dir = scratch("foreign");
    assert!(
        run_in(Path::new(TINY), &dir, &["--seeds", "1"])
            .status
            .success()
    );
    std::fs::remove_file(dir.join("config.toml")).unwrap();
    let changed = write_temp("changed-lr", &edited(TINY, "lr = 0.01", "lr = 0.02"));
    let out = run_in(&changed, &dir, &["--seeds", "1", "--resume"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("different configuration"),
        "{}",
        stderr(&out)
    );
    assert!(
        !dir.join("config.toml").exists(),
        "config.toml is written only after the check"
    );
}

#[test]
fn a_locked_results_folder_is_refused_at_once_and_a_stale_lock_is_taken_over() {
    let dir = scratch("locked");
    std::fs::create_dir_all(&dir).unwrap();
    // A live process (this test) holds the folder.
    std::fs::write(dir.join(".baldwin.lock"), std::process::id().to_string()).unwrap();
    let out = run_in(Path::new(TINY), &dir, &["--seeds", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("in use by another baldwin process"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("runs").exists(), "nothing was written");
    // A lock left by a process that is gone is taken over, and released at the end.
    std::fs::write(dir.join(".baldwin.lock"), "4294967294").unwrap();
    let out = run_in(Path::new(TINY), &dir, &["--seeds", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.join(".baldwin.lock").exists());
}

#[test]
fn another_configurations_results_are_replaced_only_with_force() {
    let dir = scratch("force");
    assert!(
        run_in(Path::new(TINY), &dir, &["--seeds", "1"])
            .status
            .success()
    );
    let other = write_temp("other", &edited(TINY, "lr = 0.01", "lr = 0.02"));
    let out = run_in(&other, &dir, &["--seeds", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    // Rerunning the same configuration needs nothing.
    assert!(
        run_in(Path::new(TINY), &dir, &["--seeds", "1"])
            .status
            .success()
    );
    let out = run_in(&other, &dir, &["--seeds", "1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn two_files_of_one_experiment_name_in_one_run_are_refused() {
    let dir = scratch("same-name");
    let copy = write_temp("copy", &std::fs::read_to_string(TINY).unwrap());
    let out = baldwin(&[
        "run",
        TINY,
        copy.to_str().unwrap(),
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("rename one of them"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.exists(), "nothing ran");
}

#[test]
fn out_pointing_at_a_file_is_a_clear_error() {
    let file = scratch("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let out = run_in(Path::new(TINY), &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a file"), "{}", stderr(&out));
}

#[test]
fn plot_refuses_empty_unreadable_or_foreign_runs_csv() {
    let dir = scratch("plot");
    assert!(
        run_in(Path::new(TINY), &dir, &["--seeds", "1"])
            .status
            .success()
    );
    let good = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let header = good.lines().next().unwrap().to_string();
    let foreign = good.replacen(",Adam,", ",Nobody,", 1);
    for (contents, phrase) in [
        (String::new(), "holds no runs"),
        (header.clone() + "\n", "holds no runs"),
        (
            String::from_utf8_lossy(&[0xff, 0x00, 0x17, 0x80]).into_owned(),
            "runs.csv",
        ),
        (foreign, "`Nobody`"),
    ] {
        std::fs::write(dir.join("runs.csv"), contents).unwrap();
        let out = baldwin(&["plot", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(phrase), "{phrase}: {}", stderr(&out));
    }
    // A path to runs.csv itself means its folder.
    std::fs::write(dir.join("runs.csv"), good).unwrap();
    let out = baldwin(&["plot", dir.join("runs.csv").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn invalid_utf8_and_deep_nesting_get_a_position() {
    let path = scratch("utf8").with_extension("toml");
    std::fs::write(&path, b"name = \"x\"\ndescription = \"\xff\xfe\"\n").unwrap();
    let out = baldwin(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":2:16:"), "{}", stderr(&out));
    let deep = format!(
        "name = \"x\"\nseeds = {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let path = write_temp("deep", &deep);
    let out = baldwin(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":2:"), "{}", stderr(&out));
}

#[test]
fn sigterm_stops_cleanly_with_exit_143_and_the_run_resumes() {
    let dir = scratch("sigterm");
    let path = write_temp("long", &edited(TINY, "samples =", "samples = 40_000_000"));
    let mut child = Command::new(BIN)
        .args([
            "run",
            path.to_str().unwrap(),
            "--quiet",
            "--seeds",
            "2",
            "--out",
        ])
        .arg(&dir)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert!(!dir.join(".baldwin.lock").exists(), "the lock is released");
    assert!(dir.join("config.toml").exists());
}

#[test]
fn a_diverging_outer_loop_is_recorded_as_diverged_and_the_other_arms_go_on() {
    // Reptile with an absurd inner learning rate blows up within a few steps.
    let path = write_temp(
        "diverging",
        &edited(TINY_FEW_SHOT, "inner_lr = 0.005", "inner_lr = 1e30"),
    );
    let dir = scratch("diverging-run");
    let out = run_in(&path, &dir, &["--seeds", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let runs = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    assert!(
        runs.lines()
            .any(|l| l.contains(",Reptile,") && l.contains(",diverged,")),
        "{runs}"
    );
    assert!(
        runs.lines()
            .any(|l| l.contains(",Baldwin,") && l.contains(",ok,"))
    );
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary.contains("Reptile (1/1 diverged)"), "{summary}");
}
