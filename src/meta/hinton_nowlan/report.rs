//! Results of a Hinton–Nowlan experiment on disk: every record, the IQM and bootstrap
//! interval over seeds per generation, a short Markdown summary and the allele-frequency
//! chart.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{GenerationRecord, HintonNowlanConfig};
use crate::atomic::write as write_atomic;
use crate::plot::{self, Band, ChartSpec, Series};
use crate::stats::{DEFAULT_CONFIDENCE, DEFAULT_REPS, Interval, iqm, stratified_bootstrap_ci};

/// Stojić (2017, ReScience), replicating Hinton & Nowlan: fractions of correct and
/// incorrect alleles at generation 50.
const STOJIC_GENERATION: usize = 50;
const STOJIC_CORRECT: f64 = 0.75;
const STOJIC_INCORRECT: f64 = 0.0;

/// The per-generation statistics, in the order of `summary.csv`'s column groups.
const STATISTICS: [&str; 4] = ["correct", "incorrect", "undecided", "mean_fitness"];

/// One arm at one generation, aggregated over seeds.
struct Summary {
    learning: bool,
    generation: usize,
    seeds: usize,
    /// IQM and 95% interval of each of [`STATISTICS`].
    statistics: [Interval; 4],
}

impl Summary {
    fn correct(&self) -> Interval {
        self.statistics[0]
    }
}

fn values(record: &GenerationRecord) -> [f64; 4] {
    [
        record.correct,
        record.incorrect,
        record.undecided,
        record.mean_fitness,
    ]
}

/// IQM over seeds with a stratified-bootstrap interval (one stratum: the seeds), per arm
/// and generation; the learning arm first, each arm by generation.
fn summarise(records: &[GenerationRecord]) -> Vec<Summary> {
    let mut groups: BTreeMap<(bool, usize), Vec<&GenerationRecord>> = BTreeMap::new();
    for record in records {
        groups
            .entry((!record.learning, record.generation))
            .or_default()
            .push(record);
    }
    groups
        .into_iter()
        .map(|((control, generation), group)| {
            let statistics = std::array::from_fn(|column| {
                let sample: Vec<f64> = group.iter().map(|r| values(r)[column]).collect();
                // A fixed bootstrap stream per cell, so the file is reproducible.
                let seed = crate::rng::derive_seed(&[
                    u64::from(control),
                    generation as u64,
                    column as u64,
                ]);
                stratified_bootstrap_ci(&[&sample], iqm, DEFAULT_REPS, DEFAULT_CONFIDENCE, seed)
            });
            Summary {
                learning: !control,
                generation,
                seeds: group.len(),
                statistics,
            }
        })
        .collect()
}

fn csv_bytes(writer: csv::Writer<Vec<u8>>) -> std::io::Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

fn runs_csv(records: &[GenerationRecord]) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer.serialize(record).map_err(std::io::Error::other)?;
    }
    csv_bytes(writer)
}

fn summary_csv(summaries: &[Summary]) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["learning".to_string(), "generation".into(), "seeds".into()];
    for name in STATISTICS {
        header.extend(["iqm", "ci_low", "ci_high"].map(|part| format!("{name}_{part}")));
    }
    writer
        .write_record(&header)
        .map_err(std::io::Error::other)?;
    for summary in summaries {
        let mut row = vec![
            summary.learning.to_string(),
            summary.generation.to_string(),
            summary.seeds.to_string(),
        ];
        for interval in summary.statistics {
            row.extend([interval.point, interval.low, interval.high].map(|v| v.to_string()));
        }
        writer.write_record(&row).map_err(std::io::Error::other)?;
    }
    csv_bytes(writer)
}

/// `0.752 [0.731, 0.770]`.
fn cell(interval: Interval) -> String {
    format!(
        "{:.3} [{:.3}, {:.3}]",
        interval.point, interval.low, interval.high
    )
}

/// Generations shown in the Markdown table: every tenth up to the last (coarser for
/// long runs, so about six rows), and the last.
fn table_generations(generations: usize) -> Vec<usize> {
    let step = 10 * generations.div_ceil(50).max(1);
    let mut shown: Vec<usize> = (0..=generations).step_by(step).collect();
    if shown.last() != Some(&generations) {
        shown.push(generations);
    }
    shown
}

fn summary_md(config: &HintonNowlanConfig, summaries: &[Summary]) -> String {
    let find = |learning: bool, generation: usize| {
        summaries
            .iter()
            .find(|s| s.learning == learning && s.generation == generation)
    };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Hinton & Nowlan 1987: learning guides evolution\n\n\
         {} loci, population {}, generations 0–{}, {} seeds per arm. Fractions of all \
         alleles in the population: IQM over seeds [95% stratified bootstrap CI].",
        config.loci, config.population, config.generations, config.seeds
    );
    let arms = [
        (
            true,
            format!("With learning ({} trials per lifetime)", config.trials),
        ),
        (
            false,
            "Without learning (one trial per lifetime)".to_string(),
        ),
    ];
    for (learning, title) in arms {
        if find(learning, 0).is_none() {
            continue;
        }
        let _ = writeln!(
            md,
            "\n## {title}\n\n\
             | generation | correct | incorrect | undecided | mean fitness |\n\
             |---:|---|---|---|---|"
        );
        for generation in table_generations(config.generations) {
            if let Some(s) = find(learning, generation) {
                let [correct, incorrect, undecided, fitness] = s.statistics.map(cell);
                let _ = writeln!(
                    md,
                    "| {generation} | {correct} | {incorrect} | {undecided} | {fitness} |"
                );
            }
        }
    }
    let _ = writeln!(md, "\n## Against the published replication\n");
    let at = config.generations.min(STOJIC_GENERATION);
    let caveat = if at < STOJIC_GENERATION {
        format!(" (this run stops at generation {at}, before theirs)")
    } else {
        String::new()
    };
    if let Some(s) = find(true, at) {
        let _ = writeln!(
            md,
            "With learning, at generation {at} the correct fraction is {} and the incorrect \
             fraction {}; Stojić (2017, ReScience) reports about {:.0}% correct and {:.0}% \
             incorrect at generation {STOJIC_GENERATION}{caveat}.",
            cell(s.correct()),
            cell(s.statistics[1]),
            100.0 * STOJIC_CORRECT,
            100.0 * STOJIC_INCORRECT,
        );
    }
    if let Some(s) = find(false, at) {
        let _ = writeln!(
            md,
            "\nWithout learning the correct fraction at generation {at} is {}: with fitness \
             flat everywhere but on the needle, selection has nothing to climb.",
            cell(s.correct())
        );
    }
    md
}

/// The chart's curves: the learning arm's three allele fractions and the control's
/// correct fraction, each an IQM line over its interval.
fn chart_series(summaries: &[Summary]) -> Vec<Series> {
    let curve = |name: &str, learning: bool, column: usize| Series {
        name: name.into(),
        points: summaries
            .iter()
            .filter(|s| s.learning == learning)
            .map(|s| {
                let interval = s.statistics[column];
                Band {
                    x: s.generation as f64,
                    center: interval.point,
                    low: interval.low,
                    high: interval.high,
                }
            })
            .collect(),
    };
    let mut series = Vec::new();
    if summaries.iter().any(|s| s.learning) {
        series.extend([
            curve("correct", true, 0),
            curve("incorrect", true, 1),
            curve("undecided", true, 2),
        ]);
    }
    if summaries.iter().any(|s| !s.learning) {
        series.push(curve("correct (no learning)", false, 0));
    }
    series
}

/// Write `runs.csv` (every record), `summary.csv` (per arm and generation: IQM and 95%
/// bootstrap interval over seeds of each allele fraction and of mean fitness),
/// `summary.md` and `allele_frequencies.svg` into `out_dir`, each atomically. Returns the
/// Markdown summary and the paths written.
pub fn write_results(
    config: &HintonNowlanConfig,
    records: &[GenerationRecord],
    out_dir: &Path,
) -> std::io::Result<(String, Vec<PathBuf>)> {
    let summaries = summarise(records);
    let markdown = summary_md(config, &summaries);
    let mut written = Vec::new();
    let files = [
        ("runs.csv", runs_csv(records)?),
        ("summary.csv", summary_csv(&summaries)?),
        ("summary.md", markdown.clone().into_bytes()),
    ];
    for (name, contents) in files {
        let path = out_dir.join(name);
        write_atomic(&path, &contents)?;
        written.push(path);
    }
    // line_chart renders in memory and renames into place: atomic as well.
    let path = out_dir.join("allele_frequencies.svg");
    plot::line_chart(
        &path,
        &ChartSpec {
            title: "Hinton & Nowlan 1987: learning guides evolution".into(),
            x_label: "generation".into(),
            y_label: "fraction of all alleles in the population".into(),
            log_x: false,
            y_range: Some((0.0, 1.0)),
            ..ChartSpec::default()
        },
        &chart_series(&summaries),
    )
    .map_err(std::io::Error::other)?;
    written.push(path);
    Ok((markdown, written))
}
