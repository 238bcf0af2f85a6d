//! Black-box experiments (`kind = "black_box"`): files are checked with positioned
//! errors, runs are deterministic and never exceed their budget, evaluations-to-target is
//! counted exactly, and CMA-ES matches pycma's evaluation counts on its own test functions.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use baldwin::evolve::{Driver, FnFitness, Strategy, functions};
use baldwin::experiment::black_box::{BlackBoxExperiment, Point, report};
use baldwin::experiment::runner::{self, RunOptions};
use baldwin::experiment::{AnyExperiment, ConfigError, Experiment, RunContext, RunId, Silent};

fn parse(text: &str) -> BlackBoxExperiment {
    match baldwin::experiment::parse_any(Path::new("bb.toml"), text) {
        Ok(AnyExperiment::BlackBox(e)) => e,
        other => panic!("not a valid black-box experiment: {other:?}"),
    }
}

/// A file on `function` with `evaluations` per run and the given arms.
fn file(function: &str, evaluations: u64, seeds: u64, arms: &str) -> String {
    format!(
        "kind = \"black_box\"\nname = \"bb\"\nseeds = {seeds}\n\n[function]\n{function}\n\n\
         [budget]\nevaluations = {evaluations}\n\n{arms}"
    )
}

const CMA: &str = "[[arm]]\nname = \"cma\"\nstrategy = \"cma_es\"\nsigma = 0.5\n";
const ACTIVE: &str =
    "[[arm]]\nname = \"active\"\nstrategy = \"cma_es\"\nsigma = 0.5\nactive = true\n";

/// Every run of arm `arm`, seeds `0..seeds`, without files.
fn runs(experiment: &BlackBoxExperiment, arm: usize) -> Vec<Vec<Point>> {
    let stop = AtomicBool::new(false);
    (0..experiment.seeds)
        .map(|seed| {
            let id = RunId {
                arm_index: arm,
                arm: experiment.arms[arm].name.clone(),
                seed,
            };
            let context = RunContext::new(&stop, &Silent, id);
            experiment.run(&(), arm, seed, &context).unwrap().unwrap()
        })
        .collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// Median evaluations to the target of arm `arm`; every run must reach it.
fn median_to_target(experiment: &BlackBoxExperiment, arm: usize) -> f64 {
    let counts: Vec<f64> = runs(experiment, arm)
        .iter()
        .map(|run| {
            run.last()
                .and_then(|p| p.evaluations_to_target)
                .expect("every run reaches the target") as f64
        })
        .collect();
    median(counts)
}

fn error_of(text: &str) -> ConfigError {
    baldwin::experiment::parse_any(Path::new("bb.toml"), text).expect_err("the file is bad")
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn black_box_files_parse_and_bad_keys_get_errors_at_their_line_and_key() {
    let good = file(
        "name = \"ellipsoid\"\ndim = 4",
        1000,
        2,
        &format!("{CMA}\n{ACTIVE}"),
    );
    let experiment = parse(&good);
    assert_eq!(experiment.function.dim(), 4);
    assert_eq!(experiment.function.x0(), vec![1.0; 4]);
    assert_eq!(experiment.budget.target, 1e-8);

    let typo = file("name = \"sphere\"\ndimm = 4", 1000, 2, CMA);
    let e = error_of(&typo);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (line_of(&typo, "dimm"), Some("dimm"))
    );
    assert_eq!(e.suggestion.as_deref(), Some("dim"));

    let unknown = file("name = \"spere\"", 1000, 2, CMA);
    let e = error_of(&unknown);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (line_of(&unknown, "spere"), Some("name"))
    );
    assert_eq!(e.suggestion.as_deref(), Some("sphere"));

    // A black-box arm has no learner: the strategy is the arm.
    let learner = file(
        "name = \"sphere\"",
        1000,
        2,
        "[[arm]]\nname = \"x\"\nstrategy = \"snes\"\nlearner = \"evolution\"\n",
    );
    let e = error_of(&learner);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (line_of(&learner, "learner"), Some("learner"))
    );
    assert!(e.message.contains("does not apply"), "{e}");

    let sep_active = file(
        "name = \"sphere\"",
        1000,
        2,
        "[[arm]]\nname = \"x\"\nstrategy = \"sep_cma_es\"\nactive = true\n",
    );
    let e = error_of(&sep_active);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (line_of(&sep_active, "active"), Some("active"))
    );
    assert!(e.message.contains("cma_es"), "{e}");

    // λ = 4 + ⌊3 ln 10⌋ = 10: a budget of 9 cannot pay for one generation.
    let small = file("name = \"sphere\"", 9, 2, CMA);
    let e = error_of(&small);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (line_of(&small, "evaluations"), Some("evaluations"))
    );
    assert!(e.message.contains("at least 10"), "{e}");

    let target =
        file("name = \"sphere\"", 1000, 2, CMA).replace("[budget]\n", "[budget]\ntarget = 0.0\n");
    let e = error_of(&target);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (line_of(&target, "target"), Some("target"))
    );

    let dim = file("name = \"rosenbrock\"\ndim = 0", 1000, 2, CMA);
    let e = error_of(&dim);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (line_of(&dim, "dim = 0"), Some("dim"))
    );

    let missing = "kind = \"black_box\"\nname = \"bb\"\n[budget]\nevaluations = 10\n";
    assert!(error_of(missing).message.contains("[function]"));
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-bb-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_black_box_run_gives_the_same_rows_on_one_and_two_threads() {
    let arms = format!(
        "{CMA}\n{ACTIVE}\n[[arm]]\nname = \"sep\"\nstrategy = \"sep_cma_es\"\n\n\
         [[arm]]\nname = \"snes\"\nstrategy = \"snes\"\n\n\
         [[arm]]\nname = \"oes\"\nstrategy = \"openai_es\"\npopulation = 16\n\n\
         [[arm]]\nname = \"ga\"\nstrategy = \"ga\"\npopulation = 16\n"
    );
    let experiment = parse(&file("name = \"rastrigin\"\ndim = 6", 2000, 3, &arms));
    let mut results = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let out = scratch(&format!("threads{threads}"));
        let options = RunOptions {
            force: true,
            ..RunOptions::new(out.clone())
        };
        let (rows, _) = pool
            .install(|| {
                runner::run(
                    &experiment,
                    "resolved",
                    &options,
                    &Silent,
                    &AtomicBool::new(false),
                )
            })
            .unwrap();
        let csv = std::fs::read_to_string(out.join("runs.csv")).unwrap();
        results.push((rows, csv));
    }
    assert_eq!(results[0], results[1]);
    // 6 arms × 3 seeds, each with several checkpoints.
    assert!(results[0].0.len() > 6 * 3 * 5);
}

#[test]
fn a_run_never_evaluates_more_than_its_budget() {
    // Populations 10 (CMA-ES, SNES, sep-CMA-ES at d = 10), 16 and 7: 997 is a multiple of
    // none of them.
    let arms = format!(
        "{CMA}\n[[arm]]\nname = \"sep\"\nstrategy = \"sep_cma_es\"\nsigma = 0.01\n\n\
         [[arm]]\nname = \"snes\"\nstrategy = \"snes\"\n\n\
         [[arm]]\nname = \"oes\"\nstrategy = \"openai_es\"\npopulation = 16\n\n\
         [[arm]]\nname = \"ga\"\nstrategy = \"ga\"\npopulation = 7\n"
    );
    let experiment = parse(&file("name = \"rosenbrock\"", 997, 2, &arms));
    for (a, arm) in experiment.arms.iter().enumerate() {
        let per_generation = arm.population();
        for run in runs(&experiment, a) {
            let last = run.last().unwrap();
            assert!(
                last.evaluations <= 997,
                "{}: {}",
                arm.name,
                last.evaluations
            );
            assert!(
                run.iter()
                    .all(|p| p.evaluations_to_target.is_none_or(|e| e <= 997))
            );
            // A run that did not stop on its own spends every whole generation that fits.
            if last.status == "ok" {
                assert_eq!(last.evaluations, 997 / per_generation * per_generation);
            }
            // Checkpoints are increasing and whole generations.
            assert!(run.windows(2).all(|w| w[0].evaluations < w[1].evaluations));
            assert!(run.iter().all(|p| p.evaluations % per_generation == 0));
        }
    }
}

#[test]
fn evaluations_to_target_is_the_index_of_the_first_evaluation_below_the_target() {
    // Hand-checked report: seed 0 first went below the target at its 37th evaluation,
    // seed 1 never did.
    let experiment = parse(&file("name = \"sphere\"\ndim = 2", 100, 2, CMA));
    let point = |seed, evaluations, to_target| Point {
        experiment: "bb".into(),
        function: "sphere".into(),
        arm: "cma".into(),
        seed,
        generation: evaluations / 10,
        evaluations,
        best_so_far: 1.0,
        f_center: 1.0,
        evaluations_to_target: to_target,
        status: "ok".into(),
    };
    let points = vec![
        point(0, 30, None),
        point(0, 40, Some(37)),
        point(1, 30, None),
        point(1, 40, None),
    ];
    let out = scratch("to-target");
    report::write(&experiment, &points, &out).unwrap();
    let csv = std::fs::read_to_string(out.join("evaluations_to_target.csv")).unwrap();
    assert_eq!(csv, "arm,seed,evaluations\ncma,0,37\ncma,1,\n");
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    // One of two runs censored: the IQM of {37, +∞} is +∞.
    assert!(md.contains("| cma | cma_es | not reached"), "{md}");
    assert!(md.contains("1/2"), "{md}");

    // In a real run, the count equals an independent scan of every evaluation of the
    // same strategy with the same seed.
    let experiment = parse(&file("name = \"sphere\"\ndim = 3", 3000, 3, CMA));
    for (seed, run) in runs(&experiment, 0).iter().enumerate() {
        let reported = run.last().unwrap().evaluations_to_target;
        let learner_seed = baldwin::rng::derive_seed(&[seed as u64, baldwin::rng::name_key("cma")]);
        let strategy = experiment.arms[0]
            .strategy
            .build(vec![1.0; 3], None, learner_seed)
            .unwrap();
        let mut driver = Driver::new(strategy, FnFitness::new(functions::sphere));
        let mut counted = 0u64;
        let mut first = None;
        while first.is_none() && counted < 3000 {
            driver.step().unwrap();
            for &f in driver.last_fitness() {
                counted += 1;
                if first.is_none() && (f as f64) < 1e-8 {
                    first = Some(counted);
                }
            }
        }
        assert!(first.is_some(), "seed {seed} reaches 1e-8 in 3-D");
        assert_eq!(reported, first, "seed {seed}");
        // It lies within the generation that first logged it.
        let logged = run
            .iter()
            .find(|p| p.evaluations_to_target.is_some())
            .unwrap();
        assert!(first.unwrap() <= logged.evaluations);
        assert!(driver.strategy().generation() > 0);
    }
}

// pycma 4.5.0, `python3 benches/peers/cma_reference.py` (21 seeds, 10-D, sigma0 = 0.5,
// x0 = 1, default λ = 10, evaluations until f < 1e-8 counted member by member):
// sphere median 1339 (CMA_active=False), ellipsoid (cma.ff.elli) median 5592
// (CMA_active=False) and 3922 (CMA_active=True).
const PYCMA_SPHERE: f64 = 1339.0;
const PYCMA_ELLIPSOID: f64 = 5592.0;
const PYCMA_ELLIPSOID_ACTIVE: f64 = 3922.0;

fn within(ours: f64, pycma: f64, tolerance: f64) -> bool {
    (ours - pycma).abs() <= tolerance * pycma
}

#[test]
fn cma_es_evaluations_to_1e_8_on_sphere_and_ellipsoid_are_within_25_percent_of_pycma() {
    let sphere = parse(&file(
        "name = \"sphere\"",
        10_000,
        11,
        &format!("{CMA}\n{ACTIVE}"),
    ));
    let ours = median_to_target(&sphere, 0);
    assert!(
        within(ours, PYCMA_SPHERE, 0.25),
        "sphere: {ours} vs pycma {PYCMA_SPHERE}"
    );
    let ellipsoid = parse(&file(
        "name = \"ellipsoid\"",
        30_000,
        11,
        &format!("{CMA}\n{ACTIVE}"),
    ));
    let ours = median_to_target(&ellipsoid, 0);
    assert!(
        within(ours, PYCMA_ELLIPSOID, 0.25),
        "ellipsoid: {ours} vs pycma {PYCMA_ELLIPSOID}"
    );
    let active = median_to_target(&ellipsoid, 1);
    assert!(
        within(active, PYCMA_ELLIPSOID_ACTIVE, 0.25),
        "active ellipsoid: {active} vs pycma {PYCMA_ELLIPSOID_ACTIVE}"
    );
}

#[test]
fn active_cma_es_needs_fewer_evaluations_than_plain_cma_es_on_the_ellipsoid() {
    let ellipsoid = parse(&file(
        "name = \"ellipsoid\"",
        30_000,
        7,
        &format!("{CMA}\n{ACTIVE}"),
    ));
    let plain = median_to_target(&ellipsoid, 0);
    let active = median_to_target(&ellipsoid, 1);
    // pycma's ratio is 3922 / 5592 = 0.70; ask for a clear gain, 15% at least.
    assert!(active < 0.85 * plain, "active {active} vs plain {plain}");
}
