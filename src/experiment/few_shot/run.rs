//! One run of a few-shot experiment: an outer loop from seed `s`'s initialisation,
//! scored at log-spaced outer-sample checkpoints on the fixed evaluation tasks.

use serde::{Deserialize, Serialize};

use super::{FewShotExperiment, MetaArm};
use crate::experiment::pipeline::{Row, RunContext};
use crate::meta::{DigitImages, Outer, OuterState, Setting, evaluate_readout};
use crate::net::NetError;
use crate::rng::{self, Purpose};

/// One evaluation point of one run: a row of `runs.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaRecord {
    /// The experiment's name.
    pub experiment: String,
    /// The arm.
    pub arm: String,
    /// The run's seed.
    pub seed: u64,
    /// Slow learning: outer samples on the budget's axis (`[budget] axis`).
    pub outer_samples: u64,
    /// Outer steps (generations for evolution).
    pub outer_steps: u64,
    /// Fast learning: shots per class of the evaluation tasks.
    pub shots: usize,
    /// Inner steps taken.
    pub inner_steps: usize,
    /// Support examples seen in that lifetime.
    pub lifetime_shots: usize,
    /// Query loss, averaged over evaluation tasks.
    pub test_loss: f64,
    /// Query accuracy (digits) or query MSE (sine), averaged over evaluation tasks.
    pub test_metric: f64,
    /// Seconds since the run started.
    pub wall_s: f64,
    /// `ok`, or `diverged` (the initialisation went non-finite; the run stopped there).
    pub status: String,
    /// Examples the outer loop drew from the task distribution, each counted once.
    #[serde(default)]
    pub examples_drawn: u64,
    /// Forward passes over examples the outer loop made (members and inner steps
    /// included).
    #[serde(default)]
    pub example_evaluations: u64,
}

impl Row for MetaRecord {
    fn arm(&self) -> &str {
        &self.arm
    }
    fn seed(&self) -> u64 {
        self.seed
    }
    fn metric(&self) -> Option<f64> {
        Some(self.test_metric)
    }
    fn units(&self) -> u64 {
        self.outer_samples
    }
    fn diverged(&self) -> bool {
        self.status != "ok"
    }
}

/// A run's checkpoint: the outer loop, the rows so far, the schedule position, the cost
/// of one step and the seconds already spent.
#[derive(Serialize, Deserialize)]
struct Saved {
    outer: OuterState,
    records: Vec<MetaRecord>,
    target: usize,
    step_cost: u64,
    elapsed: std::time::Duration,
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

/// Run `arm` with `seed`; `None` if stopped.
pub fn execute(
    experiment: &FewShotExperiment,
    arm: &MetaArm,
    seed: u64,
    images: &DigitImages,
    context: &RunContext,
) -> Result<Option<Vec<MetaRecord>>, NetError> {
    let net = experiment.network()?;
    let initializer = experiment.network.initializer();
    let init = net
        .init_with(initializer, &mut rng::stream(&[seed, Purpose::Init.key()]))
        .genes;
    let family = &experiment.family;
    let setting = Setting {
        net: &net,
        family,
        images,
        shots: experiment.inner.shots,
        budget: experiment.budget.outer_samples,
        axis: experiment.budget.axis,
        init: initializer,
    };
    let mut outer = Outer::new(
        arm.method.clone(),
        setting,
        arm.inner(),
        init,
        rng::derive_seed(&[seed, rng::name_key(&arm.name)]),
    )
    .expect("validated");
    if let Some(group) = context.take_group() {
        outer.share(group);
    }
    let started = std::time::Instant::now();
    let mut records = Vec::new();
    let (mut first_target, mut step_cost, mut before) = (0, 0, std::time::Duration::ZERO);
    if let Some(saved) = context.resume::<Saved>()
        && outer.restore(saved.outer)
    {
        (records, first_target, step_cost, before) =
            (saved.records, saved.target, saved.step_cost, saved.elapsed);
    }
    let eval_inner = experiment.evaluation.inner(arm);
    let eval_family = experiment.evaluation.family(family);
    let budget = experiment.budget.outer_samples;
    // Every step of an outer loop costs what its first did (the same task shapes, the
    // same inner loop), so a step that would cross the budget is never taken.
    let mut diverged = false;
    let schedule = schedule(budget, experiment.budget.checkpoints);
    for (k, &target) in schedule.iter().enumerate().skip(first_target) {
        if target > 0 && !outer.learns() {
            break;
        }
        while outer.samples() < target && outer.samples() + step_cost <= budget {
            let save = || {
                outer.state().map(|state| Saved {
                    outer: state,
                    records: records.clone(),
                    target: k,
                    step_cost,
                    elapsed: before + started.elapsed(),
                })
            };
            if context.checkpoint(save) {
                return Ok(None);
            }
            let before = outer.samples();
            outer.step()?;
            step_cost = outer.samples() - before;
            context.progress(outer.samples());
            if !outer.healthy() {
                diverged = true;
                break;
            }
        }
        if records
            .last()
            .is_some_and(|r: &MetaRecord| r.outer_samples == outer.samples())
        {
            continue;
        }
        let (weights, _) = outer.init();
        let lrs = outer.lifetime_rates(eval_inner.lr);
        let points = evaluate_readout(
            &net,
            &eval_family,
            images,
            weights,
            lrs.as_deref(),
            (outer.readout(), &eval_inner),
            &experiment.evaluation.shots,
            experiment.evaluation.tasks,
        )?;
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
                wall_s: (before + started.elapsed()).as_secs_f64(),
                status: if diverged { "diverged" } else { "ok" }.into(),
                examples_drawn: outer.examples_drawn(),
                example_evaluations: outer.example_evaluations(),
            });
        }
        if diverged {
            break;
        }
    }
    // The learned initialisation and the rates its lifetimes use (a diverged one is
    // not kept: its genes are not finite).
    let (weights, _) = outer.init();
    let lrs = outer.lifetime_rates(eval_inner.lr);
    context.save_initialisation(&net, weights, lrs.as_deref(), outer.readout());
    Ok(Some(records))
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
