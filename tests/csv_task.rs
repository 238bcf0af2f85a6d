//! A user's own data (`[task] kind = "csv"`): the example loads as documented, bad files
//! are refused naming file, row and column, the resolved config finds the same files from
//! anywhere, and finished runs are reused only while the files' contents are unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

use baldwin::experiment::{AnyExperiment, Experiment, load_any, parse_any};
use baldwin::task::{Labels, Metric, TaskSpec};

const BIN: &str = env!("CARGO_BIN_EXE_baldwin");
const EXAMPLE: &str = "experiments/csv-example.toml";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-csv-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An experiment in `dir` whose `[task]` is `task` (TOML lines), with one Adam arm.
fn experiment(dir: &Path, task: &str) -> PathBuf {
    let text = format!(
        "name = \"csv\"\nseeds = 1\n\n[task]\nkind = \"csv\"\n{task}\n\n[network]\nhidden = [4]\n\n\
         [budget]\nsamples = 400\ncheckpoints = 2\n\n[[arm]]\nname = \"Adam\"\n\
         learner = \"gradient\"\nbatch = 2\n"
    );
    let path = dir.join("experiment.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn compare(any: AnyExperiment) -> baldwin::experiment::CompareExperiment {
    match any {
        AnyExperiment::Compare(e) => e,
        other => panic!("expected a compare experiment, got {}", other.kind()),
    }
}

#[test]
fn the_example_loads_three_classes_and_standardizes_with_training_statistics() {
    let e = compare(load_any(Path::new(EXAMPLE)).unwrap());
    let data = e.task.build();
    assert_eq!((data.train.len(), data.test.len()), (150, 60));
    assert_eq!(data.train.features, 3);
    assert_eq!(e.task.metric(), Metric::Accuracy);
    let TaskSpec::Csv(csv) = &e.task else {
        panic!("the example is a CSV task")
    };
    // Classes are the label values, sorted as text.
    assert_eq!(csv.loaded().classes, ["flat", "long", "round"]);
    // The generator writes round, long, flat in turn.
    let Labels::Classes { labels, classes } = &data.train.labels else {
        panic!("classification")
    };
    assert_eq!(*classes, 3);
    assert_eq!(&labels[..3], [2, 1, 0]);
    // Standardised with the training rows: each training column has mean 0 and sd 1.
    for c in 0..3 {
        let column: Vec<f64> = (0..data.train.len())
            .map(|r| data.train.row(r)[c] as f64)
            .collect();
        let mean = column.iter().sum::<f64>() / column.len() as f64;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / column.len() as f64;
        assert!(mean.abs() < 1e-5, "column {c} mean {mean}");
        assert!(
            (var.sqrt() - 1.0).abs() < 1e-5,
            "column {c} sd {}",
            var.sqrt()
        );
    }
    // The test rows use the training statistics, so they are close to, not exactly, 0.
    let test_mean: f64 = (0..data.test.len())
        .map(|r| data.test.row(r)[0] as f64)
        .sum::<f64>()
        / data.test.len() as f64;
    assert!(
        test_mean.abs() > 1e-6 && test_mean.abs() < 0.5,
        "{test_mean}"
    );
}

#[test]
fn a_regression_task_takes_its_targets_and_every_other_column_as_features() {
    let dir = scratch("regression");
    std::fs::write(
        dir.join("train.csv"),
        "a,b,y,z\n1,2,3,4\n5,6,7,8\n9,10,11,12\n",
    )
    .unwrap();
    std::fs::write(dir.join("test.csv"), "z,y,b,a\n4,3,2,1\n").unwrap();
    let file = experiment(
        &dir,
        "train = \"train.csv\"\ntest = \"test.csv\"\ntarget = [\"y\", \"z\"]",
    );
    let e = compare(load_any(&file).unwrap());
    assert_eq!(e.task.metric(), Metric::Loss);
    let data = e.task.build();
    assert_eq!(data.train.features, 2);
    assert_eq!(data.train.outputs(), 2);
    // Columns are found by name: the test file's reversed order reads the same row.
    assert_eq!(data.test.row(0), [1.0, 2.0]);
    assert_eq!(
        data.test.labels,
        Labels::Values {
            values: vec![3.0, 4.0],
            width: 2
        }
    );
    // Unstandardised by default.
    assert_eq!(data.train.row(2), [9.0, 10.0]);
}

#[test]
fn bad_files_are_refused_naming_file_row_and_column() {
    let dir = scratch("bad");
    let good = "x,y,label\n1,2,a\n3,4,b\n";
    let cases: &[(&str, &str, &str, &str)] = &[
        // (train file, task keys, expected position, expected phrase)
        (
            "x,y,label\n1,2,a\n3,oops,b\n",
            "label = \"label\"",
            "train.csv:3:2: column `y`",
            "`oops` is not a finite number",
        ),
        (
            "x,y,label\n1,2,a\n3,4\n",
            "label = \"label\"",
            "train.csv:3",
            "has 2 fields; the header has 3",
        ),
        (
            "x,y,label\n1,nan,a\n3,4,b\n",
            "label = \"label\"",
            "train.csv:2:2: column `y`",
            "not a finite number",
        ),
        (
            good,
            "label = \"kind\"",
            "train.csv:1",
            "has no column `kind`",
        ),
        (
            "x,y,label\n",
            "label = \"label\"",
            "train.csv",
            "has no rows",
        ),
        (
            "x,y,label\n1,2,a\n3,4,a\n",
            "label = \"label\"\ntest = \"train.csv\"",
            "train.csv",
            "fewer than 2 distinct values",
        ),
        (
            good,
            "label = \"label\"\nfeatures = [\"x\", \"label\"]",
            "train.csv:1",
            "cannot be both a feature and a label",
        ),
        (
            good,
            "label = \"label\"\ntarget = [\"y\"]",
            "experiment.toml:",
            "not both",
        ),
        (good, "", "experiment.toml:", "key `label`"),
        (
            good,
            "label = \"label\"\ntest = \"missing.csv\"",
            "experiment.toml:",
            "cannot find",
        ),
        (
            good,
            "label = \"label\"\ntest = \"/dev/zero\"",
            "key `test`",
            "is not a regular file",
        ),
        (
            good,
            "label = \"label\"\ntest = \".\"",
            "key `test`",
            "is not a regular file",
        ),
    ];
    for (train, keys, position, phrase) in cases {
        std::fs::write(dir.join("train.csv"), train).unwrap();
        std::fs::write(dir.join("test.csv"), good).unwrap();
        let test_line = if keys.contains("test =") {
            ""
        } else {
            "test = \"test.csv\"\n"
        };
        let file = experiment(&dir, &format!("train = \"train.csv\"\n{test_line}{keys}"));
        let out = Command::new(BIN)
            .args(["validate", file.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{keys}: {stderr}");
        // Every error starts at the experiment file, then names the CSV position.
        assert!(
            stderr.starts_with(&format!("error: {}:", file.display())),
            "{stderr}"
        );
        assert!(
            stderr.contains(position),
            "expected `{position}` in:\n{stderr}"
        );
        assert!(stderr.contains(phrase), "expected `{phrase}` in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn the_resolved_config_names_absolute_paths_that_load_from_any_folder() {
    let e = load_any(Path::new(EXAMPLE)).unwrap();
    let resolved = e.resolved();
    let elsewhere = scratch("resolved").join("config.toml");
    let again = compare(parse_any(&elsewhere, &resolved).unwrap());
    assert_eq!(again.task.build(), compare(e).task.build());
}

#[test]
fn a_runs_identity_follows_the_files_contents_not_only_their_paths() {
    let dir = scratch("identity");
    let write = |value: &str| {
        std::fs::write(dir.join("train.csv"), format!("x,label\n1,a\n{value},b\n")).unwrap();
        std::fs::write(dir.join("test.csv"), "x,label\n1,a\n").unwrap();
    };
    let file = experiment(
        &dir,
        "train = \"train.csv\"\ntest = \"test.csv\"\nlabel = \"label\"",
    );
    let identity = || compare(load_any(&file).unwrap()).run_identity(0);
    write("2");
    let first = identity();
    assert_eq!(
        identity(),
        first,
        "the same contents give the same identity"
    );
    write("3");
    assert_ne!(identity(), first, "changed contents give another identity");
    write("2");
    assert_eq!(identity(), first);
}

#[test]
fn a_run_on_changed_data_is_not_reused() {
    let dir = scratch("reuse");
    let out = dir.join("results");
    let write = |value: &str| {
        std::fs::write(
            dir.join("train.csv"),
            format!("x,label\n1,a\n{value},b\n0,a\n5,b\n"),
        )
        .unwrap();
        std::fs::write(dir.join("test.csv"), "x,label\n1,a\n4,b\n").unwrap();
    };
    let file = experiment(
        &dir,
        "train = \"train.csv\"\ntest = \"test.csv\"\nlabel = \"label\"",
    );
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Command::new(BIN).args(&args).output().unwrap()
    };
    write("2");
    assert_eq!(run(&[]).status.code(), Some(0));
    // Unchanged data: the finished run is reused.
    assert_eq!(run(&["--resume"]).status.code(), Some(0));
    write("3");
    let refused = run(&["--resume"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "changed data was reused: {stderr}"
    );
    assert!(
        stderr.contains("data files it reads have changed"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_few_shot_experiment_refuses_csv_data_clearly() {
    let dir = scratch("few-shot");
    for table in ["[task]\nkind = \"csv\"", "[family]\nkind = \"csv\""] {
        let file = dir.join("few.toml");
        std::fs::write(
            &file,
            format!("kind = \"few_shot\"\nname = \"few\"\n\n{table}\ntrain = \"a.csv\"\n"),
        )
        .unwrap();
        let out = Command::new(BIN)
            .args(["validate", file.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("few.toml:"), "{stderr}");
        assert!(
            stderr.contains("a CSV data set is one fixed task"),
            "{stderr}"
        );
    }
}

#[test]
fn plot_redraws_a_csv_experiment_from_another_folder() {
    let dir = scratch("plot");
    let out = dir.join("results");
    let example = std::fs::canonicalize(EXAMPLE).unwrap();
    let run = Command::new(BIN)
        .args(["run", example.to_str().unwrap(), "--quiet", "--seeds", "1"])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // config.toml names the data by absolute path, so `plot` finds it from anywhere.
    let config = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(config.contains(&format!(
        "train = \"{}\"",
        std::fs::canonicalize("data/shapes-train.csv")
            .unwrap()
            .display()
    )));
    std::fs::remove_file(out.join("summary.md")).unwrap();
    let plot = Command::new(BIN)
        .current_dir(&dir)
        .args(["plot", "results"])
        .output()
        .unwrap();
    assert_eq!(
        plot.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plot.stderr)
    );
    assert!(out.join("summary.md").exists());
}
