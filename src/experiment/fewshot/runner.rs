//! Runs every arm × seed of a few-shot experiment in parallel; each finished run is
//! written atomically, so a killed experiment resumes without redoing it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::config::{FewShotExperiment, MetaArm};
use crate::experiment::files::{slug, write_atomic};
use crate::experiment::runner::{RunError, io_error};
use crate::meta::{DigitImages, Family, Outer, evaluate_init};
use crate::rng;

/// One evaluation point of one run: a row of `runs.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaRecord {
    pub experiment: String,
    pub arm: String,
    pub seed: u64,
    /// Slow learning: training examples the outer loop consumed (inner steps included).
    pub outer_samples: u64,
    pub outer_steps: u64,
    /// Fast learning: shots per class of the evaluation tasks, inner steps taken, and
    /// support examples seen in that lifetime.
    pub shots: usize,
    pub inner_steps: usize,
    pub lifetime_shots: usize,
    pub test_loss: f64,
    /// Query accuracy (digits) or query MSE (sine), averaged over evaluation tasks.
    pub test_metric: f64,
    pub wall_s: f64,
}

/// Outer-sample counts at which to evaluate: 0, then `count − 1` points log-spaced from
/// a thousandth of the budget to the budget.
fn schedule(budget: u64, count: usize) -> Vec<u64> {
    let first = (budget as f64 / 1000.0).max(1.0);
    let mut points = vec![0];
    for k in 0..count - 1 {
        let x = first * (budget as f64 / first).powf(k as f64 / (count - 2).max(1) as f64);
        points.push(x.round() as u64);
    }
    points.dedup();
    points
}

fn execute(
    experiment: &FewShotExperiment,
    arm: &MetaArm,
    seed: u64,
    images: &DigitImages,
    stop: &AtomicBool,
) -> Result<Option<Vec<MetaRecord>>, RunError> {
    let net = experiment.network().expect("validated");
    let init = net.init(&mut rng::stream(&[seed, 0x1417])).genes;
    let family: &Family = &experiment.family;
    let key = arm.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    });
    let mut outer = Outer::new(
        arm.method.clone(),
        &net,
        family,
        images,
        experiment.shots,
        arm.inner.clone(),
        init,
        rng::derive_seed(&[seed, key]),
    )
    .expect("validated");
    let network_error = |e| RunError::Network {
        arm: arm.name.clone(),
        seed,
        source: e,
    };
    let started = Instant::now();
    let mut records = Vec::new();
    let eval_inner = crate::meta::InnerLoop {
        steps: experiment.evaluation.steps,
        ..arm.inner.clone()
    };
    for target in schedule(experiment.outer_samples, experiment.checkpoints) {
        if target > 0 && !outer.learns() {
            break;
        }
        while outer.samples() < target {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            outer.step().map_err(network_error)?;
        }
        if records
            .last()
            .is_some_and(|r: &MetaRecord| r.outer_samples == outer.samples())
        {
            continue;
        }
        let (weights, lrs) = outer.init();
        let points = evaluate_init(
            &net,
            family,
            images,
            weights,
            lrs,
            &eval_inner,
            &experiment.evaluation.shots,
            experiment.evaluation.tasks,
        )
        .map_err(network_error)?;
        for p in points {
            records.push(MetaRecord {
                experiment: experiment.name.clone(),
                arm: arm.name.clone(),
                seed,
                outer_samples: outer.samples(),
                outer_steps: outer.steps(),
                shots: p.shots,
                inner_steps: p.inner_steps,
                lifetime_shots: p.lifetime_shots,
                test_loss: p.loss,
                test_metric: p.metric,
                wall_s: started.elapsed().as_secs_f64(),
            });
        }
    }
    Ok(Some(records))
}

fn run_file(out: &Path, index: usize, arm: &str, seed: u64) -> PathBuf {
    out.join("runs")
        .join(format!("{index:02}-{}-seed{seed}.csv", slug(arm)))
}

fn to_csv(records: &[MetaRecord]) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for r in records {
        writer.serialize(r).map_err(std::io::Error::other)?;
    }
    writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

pub fn read(path: &Path) -> std::io::Result<Vec<MetaRecord>> {
    let mut reader = csv::Reader::from_path(path).map_err(std::io::Error::other)?;
    reader
        .deserialize()
        .collect::<Result<Vec<MetaRecord>, _>>()
        .map_err(std::io::Error::other)
}

/// Run the experiment into `out` (see the compare runner for the folder layout).
pub fn run(
    experiment: &FewShotExperiment,
    out: &Path,
    resume: bool,
    progress: bool,
    stop: &AtomicBool,
) -> Result<Vec<MetaRecord>, RunError> {
    let fingerprint_path = out.join("experiment.json");
    let fingerprint = serde_json::to_string_pretty(experiment).expect("serialisable");
    if resume && fingerprint_path.exists() {
        let previous =
            std::fs::read_to_string(&fingerprint_path).map_err(io_error(&fingerprint_path))?;
        if previous != fingerprint {
            return Err(RunError::ConfigMismatch {
                dir: out.to_path_buf(),
            });
        }
    } else if !resume && out.join("runs").exists() {
        std::fs::remove_dir_all(out.join("runs")).map_err(io_error(out))?;
    }
    write_atomic(&fingerprint_path, fingerprint.as_bytes()).map_err(io_error(&fingerprint_path))?;
    let images = if matches!(experiment.family, Family::Digits { .. }) {
        DigitImages::load()
    } else {
        DigitImages::default()
    };
    let jobs: Vec<(usize, &MetaArm, u64, PathBuf)> = experiment
        .arms
        .iter()
        .enumerate()
        .flat_map(|(i, arm)| (0..experiment.seeds).map(move |s| (i, arm, s)))
        .map(|(i, arm, s)| (i, arm, s, run_file(out, i, &arm.name, s)))
        .collect();
    let pending: Vec<_> = jobs.iter().filter(|j| !(resume && j.3.exists())).collect();
    if progress {
        eprintln!(
            "{}: {} runs ({} arms x {} seeds), {} outer samples each",
            experiment.name,
            pending.len(),
            experiment.arms.len(),
            experiment.seeds,
            experiment.outer_samples
        );
    }
    let failures: Vec<RunError> = pending
        .par_iter()
        .filter_map(|(_, arm, seed, path)| {
            let started = Instant::now();
            match execute(experiment, arm, *seed, &images, stop) {
                Ok(Some(records)) => {
                    let written = to_csv(&records)
                        .and_then(|bytes| write_atomic(path, &bytes))
                        .map_err(io_error(path));
                    if progress {
                        eprintln!(
                            "  finished {:<24} seed {seed}: {} outer samples in {:.1} s",
                            arm.name,
                            records.last().map_or(0, |r| r.outer_samples),
                            started.elapsed().as_secs_f64()
                        );
                    }
                    written.err()
                }
                Ok(None) => Some(RunError::Interrupted),
                Err(e) => Some(e),
            }
        })
        .collect();
    if let Some(first) = failures.into_iter().next() {
        return Err(first);
    }
    let mut records = Vec::new();
    for (_, _, _, path) in &jobs {
        records.extend(read(path).map_err(io_error(path))?);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_starts_at_zero_and_ends_at_the_budget() {
        let s = schedule(1_000_000, 5);
        assert_eq!(s, vec![0, 1000, 10_000, 100_000, 1_000_000]);
    }
}
