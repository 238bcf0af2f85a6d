//! One run: one arm of a compare experiment with one seed, from initialisation to the
//! sample budget, evaluated at log-spaced checkpoints.
//!
//! Seeds: the initial network of seed `s` comes from stream `[s, Init]`, the same for
//! every arm (a paired design: arms start from the same weights where their genomes
//! have the same shape); the learner's own randomness (mini-batch order, mutations)
//! comes from streams keyed by `[s, name_key(arm name)]`, so renaming or reordering other
//! arms never changes a run.

use serde::{Deserialize, Serialize};

use super::learner::{SavedLearner, State, start};

use super::{Arm, CompareExperiment, LearnerConfig};
use crate::experiment::pipeline::{Row, RunContext};
use crate::learn::evaluate as evaluate_params;
use crate::net::{NetError, Network, Params, Workspace};
use crate::rng::{self, Purpose};
use crate::task::{Metric, Split};

/// One logged point of one run: a row of `runs.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The experiment's name.
    pub experiment: String,
    /// The arm.
    pub arm: String,
    /// The run's seed.
    pub seed: u64,
    /// Training examples consumed so far (example evaluations).
    pub samples: u64,
    /// Fitness evaluations (evolution) or gradient steps (backprop) so far.
    pub evaluations: u64,
    /// Seconds this run has spent training since it started: the checkpoint evaluations
    /// (not charged) and the process's shared start-up (the noise table) are left out.
    pub wall_s: f64,
    /// Loss of the current network on the whole training set (not charged).
    pub train_loss: f64,
    /// Loss on the test set.
    pub test_loss: f64,
    /// Test accuracy, or test loss for regression tasks.
    pub test_metric: f64,
    /// Genome length of the current network.
    pub genes: usize,
    /// `ok`; `diverged` (non-finite loss or genes; the run stopped there); or
    /// `stopped-by-<rule>` (the strategy stopped on its own, e.g. CMA-ES's `tolx`, before
    /// the budget).
    pub status: String,
    /// Examples drawn from the training set so far: each draw counts once, however many
    /// members evaluate it (`samples` counts a shared batch once per member).
    #[serde(default)]
    pub examples_drawn: u64,
}

impl Row for Record {
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
        self.samples
    }
    fn diverged(&self) -> bool {
        self.status == "diverged"
    }
}

/// Sample counts at which to evaluate: `count` points evenly spaced on a log scale
/// between one step's samples and the last whole step within the budget, each rounded
/// to the nearest whole step, deduplicated. The last is never above the budget: a run
/// stops there, so budgets are hard ceilings.
pub fn checkpoints(budget: u64, count: usize, per_step: u64) -> Vec<u64> {
    let per_step = per_step.max(1);
    let last = (budget / per_step).max(1) * per_step;
    let first = per_step as f64;
    let ratio = last as f64 / first;
    let mut points: Vec<u64> = (0..count)
        .map(|k| {
            let x = first * ratio.powf(k as f64 / (count - 1).max(1) as f64);
            ((x / per_step as f64).round() as u64 * per_step).clamp(per_step, last)
        })
        .collect();
    points.dedup();
    points
}

/// A run's checkpoint: the learner, the rows so far, the next evaluation point and the
/// training time spent.
#[derive(Serialize, Deserialize)]
struct Saved {
    learner: SavedLearner,
    records: Vec<Record>,
    next: usize,
    training: std::time::Duration,
}

/// The genome every run of seed `seed` starts from (stream `[seed, Init]`).
pub fn initial_genome(net: &Network, seed: u64) -> Params {
    net.init(&mut rng::stream(&[seed, Purpose::Init.key()]))
}

/// Run `arm` with `seed` to the budget; `None` if stopped.
pub fn execute(
    experiment: &CompareExperiment,
    arm: &Arm,
    seed: u64,
    data: &Split,
    context: &RunContext,
) -> Result<Option<Vec<Record>>, NetError> {
    let net = experiment.network_for(arm, data);
    let (_, loss) = experiment.task.head_and_loss();
    let metric = experiment.task.metric();
    let per_step = match &arm.learner {
        LearnerConfig::Gradient(g) => g.batch,
        LearnerConfig::Evolution(e) => e.batch * e.strategy.population().unwrap_or(0),
    };
    let schedule = checkpoints(
        experiment.budget.samples,
        experiment.budget.checkpoints,
        per_step.max(1) as u64,
    );
    let fresh = || start(experiment, arm, &net, data, seed, None).expect("a fresh start fits");
    let (mut state, mut records, mut next, mut training) = match context.resume::<Saved>() {
        Some(saved) => match start(experiment, arm, &net, data, seed, Some(saved.learner)) {
            Some(state) => (state, saved.records, saved.next, saved.training),
            None => (fresh(), Vec::new(), 0, std::time::Duration::ZERO),
        },
        None => (fresh(), Vec::new(), 0, std::time::Duration::ZERO),
    };
    if let (State::Evolution(driver), Some(group)) = (&mut state, context.take_group()) {
        driver.share(group);
    }
    let mut ws = Workspace::new();
    if matches!(arm.learner, LearnerConfig::Evolution(_)) {
        // Built once per process, by whichever run asks first: not this run's cost.
        crate::evolve::sampling::noise_table();
    }
    while next < schedule.len() {
        let save = || Saved {
            learner: state.saved(),
            records: records.clone(),
            next,
            training,
        };
        if context.checkpoint(save) {
            return Ok(None);
        }
        let step = std::time::Instant::now();
        let healthy = state.advance(data)?;
        training += step.elapsed();
        let (samples, evaluations, examples_drawn) = state.consumed();
        context.progress(samples);
        let stopped = state.stopped_by();
        if samples < schedule[next] && healthy && stopped.is_none() {
            continue;
        }
        while next < schedule.len() && schedule[next] <= samples {
            next += 1;
        }
        let (current_net, genes) = state.current(&net);
        let params = Params::new(genes.to_vec());
        let train = evaluate_params(current_net, &params, &data.train, loss, &mut ws)?;
        let test = evaluate_params(current_net, &params, &data.test, loss, &mut ws)?;
        let diverged = !healthy || !train.loss.is_finite() || !test.loss.is_finite();
        let status = match (diverged, stopped) {
            (true, _) => "diverged".to_string(),
            (false, Some(reason)) => format!("stopped-by-{}", reason.key()),
            (false, None) => "ok".to_string(),
        };
        records.push(Record {
            experiment: experiment.name.clone(),
            arm: arm.name.clone(),
            seed,
            samples,
            evaluations,
            wall_s: training.as_secs_f64(),
            train_loss: train.loss as f64,
            test_loss: test.loss as f64,
            test_metric: match metric {
                Metric::Accuracy => test.accuracy as f64,
                Metric::Loss => test.loss as f64,
            },
            genes: genes.len(),
            status,
            examples_drawn,
        });
        if diverged || stopped.is_some() {
            break;
        }
    }
    // The network the last row evaluated, for `baldwin analyze`.
    let (final_net, genes) = state.current(&net);
    context.save_network(final_net, genes);
    Ok(Some(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_log_spaced_whole_steps_up_to_the_budget() {
        let c = checkpoints(1_000_000, 7, 100);
        assert_eq!(c.first(), Some(&100));
        assert_eq!(c.last(), Some(&1_000_000));
        assert!(c.iter().all(|s| s % 100 == 0));
        // 100 · 10^(k·4/6): 100, 464→500, 2154→2200, 10000, ...
        assert_eq!(&c[..4], &[100, 500, 2200, 10_000]);
        // Many checkpoints on few steps collapse to distinct whole steps.
        assert_eq!(checkpoints(300, 40, 100), vec![100, 200, 300]);
    }

    #[test]
    fn the_last_checkpoint_is_the_last_whole_step_within_the_budget() {
        // 20 M examples in generations of 128 × 64 = 8,192: 2,441 whole generations.
        let c = checkpoints(20_000_000, 40, 8192);
        assert_eq!(c.last(), Some(&(2441 * 8192)));
        assert!(c.iter().all(|&s| s <= 20_000_000 && s % 8192 == 0));
    }
}
