//! Hinton & Nowlan (1987): the lifetime sampler, fitness, the Baldwin effect itself,
//! determinism, configuration and results files.

use std::sync::atomic::AtomicBool;

use baldwin::meta::hinton_nowlan::{
    Allele, GenerationRecord, HintonNowlanConfig, Interrupted, fitness, run, trials_left,
    write_results,
};
use baldwin::rng::stream;
use baldwin::stats::iqm;

/// Exact E[n] for q undecided loci and T trials: the first success t is geometric with
/// p = 2^(−q) on {0, 1, ...} and n = T − t for t < T, else 0, so
/// E[n] = Σ_{t<T} (T − t)·p·(1 − p)^t = T − (1 − p)(1 − (1 − p)^T)/p.
fn expected_trials_left(undecided: u32, trials: usize) -> f64 {
    let p = 0.5f64.powi(undecided as i32);
    let trials = trials as f64;
    trials - (1.0 - p) * (1.0 - (1.0 - p).powf(trials)) / p
}

/// Mean and standard error of the mean.
fn mean_and_se(sample: &[f64]) -> (f64, f64) {
    let n = sample.len() as f64;
    let mean = sample.iter().sum::<f64>() / n;
    let variance = sample.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

#[test]
fn sampled_trials_left_match_the_exact_geometric_expectation() {
    let draws = 200_000;
    for undecided in [1u32, 2, 3, 10] {
        let mut rng = stream(&[undecided as u64]);
        let sample: Vec<f64> = (0..draws)
            .map(|_| trials_left(undecided as usize, 1000, &mut rng) as f64)
            .collect();
        let (mean, se) = mean_and_se(&sample);
        let exact = expected_trials_left(undecided, 1000);
        // q = 1, 2, 3: E[n] = 999, 997, 993 (1000 − (1 − p)/p, truncation negligible);
        // an off-by-one trial count would move the mean by 1, fifty standard errors.
        if undecided <= 3 {
            assert!(se < 0.02, "q = {undecided}: se {se}");
        }
        assert!(
            (mean - exact).abs() < 5.0 * se,
            "q = {undecided}: mean {mean}, exact {exact}, se {se}"
        );
    }
}

#[test]
fn sampled_lifetimes_fail_as_often_as_the_truncated_geometric_says() {
    // q = 10: P(no success in 1000 trials) = (1 − 2^−10)^1000 ≈ 0.377.
    let draws = 200_000;
    let mut rng = stream(&[10, 1]);
    let failures = (0..draws)
        .filter(|_| trials_left(10, 1000, &mut rng) == 0)
        .count() as f64;
    let exact = (1.0 - 0.5f64.powi(10)).powi(1000);
    let se = (exact * (1.0 - exact) / draws as f64).sqrt();
    let observed = failures / draws as f64;
    assert!(
        (observed - exact).abs() < 5.0 * se,
        "observed {observed}, exact {exact}"
    );
}

#[test]
fn a_genome_with_a_wrong_fixed_allele_has_fitness_one() {
    let mut genome = vec![Allele::Correct; 20];
    genome[7] = Allele::Incorrect;
    assert_eq!(fitness(&genome, 1000, &mut stream(&[1])), 1.0);
    genome[3] = Allele::Undecided;
    for i in 0..100 {
        assert_eq!(fitness(&genome, 1000, &mut stream(&[2, i])), 1.0);
    }
}

#[test]
fn an_all_correct_genome_has_fitness_twenty() {
    let genome = vec![Allele::Correct; 20];
    for i in 0..100 {
        assert_eq!(fitness(&genome, 1000, &mut stream(&[3, i])), 20.0);
    }
    // Without learning (one trial) it still needs no guess.
    assert_eq!(fitness(&genome, 1, &mut stream(&[4])), 20.0);
}

#[test]
fn an_all_undecided_genome_averages_one_plus_nineteen_expected_trials_left_per_thousand() {
    // 10 loci: E[n] ≈ 362.3; 20 loci (the paper's genome): E[n] ≈ 0.476, so fitness
    // averages ≈ 1.009 and only about one lifetime in a thousand succeeds.
    for (loci, draws) in [(10u32, 100_000), (20, 1_000_000)] {
        let genome = vec![Allele::Undecided; loci as usize];
        let mut rng = stream(&[5, loci as u64]);
        let sample: Vec<f64> = (0..draws)
            .map(|_| fitness(&genome, 1000, &mut rng))
            .collect();
        let (mean, se) = mean_and_se(&sample);
        let exact = 1.0 + 19.0 * expected_trials_left(loci, 1000) / 1000.0;
        assert!(
            (mean - exact).abs() < 5.0 * se,
            "{loci} loci: mean {mean}, exact {exact}, se {se}"
        );
    }
}

fn at_generation(
    records: &[GenerationRecord],
    learning: bool,
    generation: usize,
) -> Vec<&GenerationRecord> {
    records
        .iter()
        .filter(|r| r.learning == learning && r.generation == generation)
        .collect()
}

#[test]
fn learning_guides_evolution_to_the_needle_and_its_absence_does_not() {
    // The paper's settings (20 loci, 1,000 genomes, 1,000 trials, 50 generations), 3 seeds.
    let config = HintonNowlanConfig {
        seeds: 3,
        ..HintonNowlanConfig::default()
    };
    let records = run(&config, &AtomicBool::new(false)).unwrap();
    assert_eq!(records.len(), 2 * 3 * 51);
    let final_iqm = |learning: bool, field: fn(&GenerationRecord) -> f64| {
        let sample: Vec<f64> = at_generation(&records, learning, 50)
            .into_iter()
            .map(field)
            .collect();
        assert_eq!(sample.len(), 3);
        iqm(&sample)
    };
    let correct = final_iqm(true, |r| r.correct);
    let incorrect = final_iqm(true, |r| r.incorrect);
    let undecided = final_iqm(true, |r| r.undecided);
    assert!((0.55..=0.95).contains(&correct), "correct {correct}");
    assert!(incorrect < 0.05, "incorrect {incorrect}");
    // Learning is still in use: undecided alleles persist.
    assert!(undecided > 0.03, "undecided {undecided}");
    let control = final_iqm(false, |r| r.correct);
    assert!(control < 0.4, "correct without learning {control}");
}

#[test]
fn results_are_bit_identical_for_one_and_two_threads() {
    let config = HintonNowlanConfig {
        seeds: 2,
        generations: 30,
        ..HintonNowlanConfig::default()
    };
    let with_threads = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run(&config, &AtomicBool::new(false)).unwrap())
    };
    let bits = |records: &[GenerationRecord]| -> Vec<[u64; 4]> {
        records
            .iter()
            .map(|r| [r.correct, r.incorrect, r.undecided, r.mean_fitness].map(f64::to_bits))
            .collect()
    };
    let (one, two) = (with_threads(1), with_threads(2));
    assert_eq!(one, two);
    assert_eq!(bits(&one), bits(&two));
}

#[test]
fn a_raised_stop_flag_interrupts_the_run() {
    let result = run(&HintonNowlanConfig::default(), &AtomicBool::new(true));
    assert_eq!(result, Err(Interrupted));
}

#[test]
fn validation_names_the_offending_key() {
    assert_eq!(HintonNowlanConfig::default().validate(), Ok(()));
    let cases: [(&str, HintonNowlanConfig); 8] = [
        (
            "loci",
            HintonNowlanConfig {
                loci: 1,
                ..Default::default()
            },
        ),
        (
            "population",
            HintonNowlanConfig {
                population: 0,
                ..Default::default()
            },
        ),
        (
            "trials",
            HintonNowlanConfig {
                trials: 0,
                ..Default::default()
            },
        ),
        (
            "seeds",
            HintonNowlanConfig {
                seeds: 0,
                ..Default::default()
            },
        ),
        (
            "p_correct",
            HintonNowlanConfig {
                p_correct: f64::NAN,
                ..Default::default()
            },
        ),
        (
            "p_incorrect",
            HintonNowlanConfig {
                p_incorrect: -0.1,
                ..Default::default()
            },
        ),
        (
            "p_incorrect",
            HintonNowlanConfig {
                p_correct: 0.6,
                p_incorrect: 0.6,
                ..Default::default()
            },
        ),
        (
            "control",
            HintonNowlanConfig {
                learning: false,
                control: false,
                ..Default::default()
            },
        ),
    ];
    for (key, config) in cases {
        match config.validate() {
            Err((named, message)) => assert_eq!(named, key, "{message}"),
            Ok(()) => panic!("{config:?} passed validation"),
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    kind: String,
    name: String,
    #[allow(dead_code)]
    description: String,
    hinton_nowlan: HintonNowlanConfig,
}

#[test]
fn the_experiment_file_holds_every_key_at_the_paper_value() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/experiments/hinton-nowlan.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let file: ExperimentFile = toml::from_str(&text).unwrap();
    assert_eq!(file.kind, "hinton_nowlan");
    assert_eq!(file.name, "hinton-nowlan");
    assert_eq!(file.hinton_nowlan, HintonNowlanConfig::default());
    // Every key is written out, not left to its default.
    let table: toml::Table = toml::from_str(&text).unwrap();
    let written = table["hinton_nowlan"].as_table().unwrap().len();
    let fields = toml::Value::try_from(HintonNowlanConfig::default())
        .unwrap()
        .as_table()
        .unwrap()
        .len();
    assert_eq!(written, fields);
}

#[test]
fn an_unknown_key_is_rejected_by_name() {
    let error = toml::from_str::<HintonNowlanConfig>("loci = 20\nlocii = 3\n").unwrap_err();
    assert!(error.message().contains("locii"), "{error}");
}

#[test]
fn results_folder_holds_runs_summary_markdown_and_chart() {
    let config = HintonNowlanConfig {
        population: 200,
        generations: 12,
        seeds: 4,
        ..HintonNowlanConfig::default()
    };
    let records = run(&config, &AtomicBool::new(false)).unwrap();
    let dir = std::env::temp_dir().join(format!("baldwin-hn-{}", std::process::id()));
    let (_, written) = write_results(&config, &records, &dir).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "runs.csv",
            "summary.csv",
            "summary.md",
            "allele_frequencies.svg"
        ]
    );
    let runs = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + records.len());
    // One row per arm and generation, 3 + 4 × 3 columns.
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 1 + 2 * 13);
    assert!(summary.lines().all(|line| line.split(',').count() == 15));
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(md.contains("| 10 |") && md.contains("| 12 |") && md.contains("Stojić"));
    let svg = std::fs::read_to_string(dir.join("allele_frequencies.svg")).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = document
        .descendants()
        .filter_map(|node| node.text().map(str::trim))
        .collect();
    for label in ["correct", "incorrect", "undecided", "correct (no learning)"] {
        assert!(texts.contains(&label), "legend lacks {label}: {texts:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
