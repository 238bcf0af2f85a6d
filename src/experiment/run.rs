//! One run: one arm of an experiment with one seed, from initialisation to the sample
//! budget, evaluated at log-spaced checkpoints.
//!
//! Seeds: the initial network of seed `s` comes from stream `[s, INIT]`, the same for
//! every arm (a paired design: arms start from the same weights where their genomes
//! have the same shape); the learner's own randomness (mini-batch order, mutations)
//! comes from streams keyed by `[s, hash(arm name)]`, so renaming or reordering other
//! arms never changes a run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::config::{Arm, Experiment, Learner, OptimizerKind, StrategySpec};
use crate::evolve::{AnyStrategy, Ga, Strategy, evaluate};
use crate::learn::{Trainer, evaluate as evaluate_params};
use crate::net::{Loss, NetError, Network, Params, PopulationEvaluator, Workspace};
use crate::optim::{Adam, AnyOptimizer, Momentum, Sgd};
use crate::rng;
use crate::task::{Batch, BatchSampler, Split};

const INIT: u64 = 0x1417;
const BATCHES: u64 = 0xBA7C;

/// One logged point of one run: a row of `runs.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub experiment: String,
    pub arm: String,
    pub seed: u64,
    /// Training examples consumed so far.
    pub samples: u64,
    /// Fitness evaluations (evolution) or gradient steps (backprop) so far.
    pub evaluations: u64,
    pub wall_s: f64,
    /// Loss of the current network on the whole training set (not charged).
    pub train_loss: f64,
    pub test_loss: f64,
    /// Test accuracy, or test loss for regression tasks.
    pub test_metric: f64,
    /// Genome length of the current network.
    pub genes: usize,
    /// `ok`, or `diverged` (non-finite loss or genes; the run stopped there).
    pub status: String,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    Finished(Vec<Record>),
    Interrupted,
}

/// Sample counts at which to evaluate: `count` points evenly spaced on a log scale
/// between one step's samples and the budget, rounded up to whole steps, deduplicated.
pub fn checkpoints(budget: u64, count: usize, per_step: u64) -> Vec<u64> {
    let per_step = per_step.max(1);
    let first = per_step.min(budget) as f64;
    let ratio = budget as f64 / first;
    let mut points: Vec<u64> = (0..count)
        .map(|k| {
            let x = first * ratio.powf(k as f64 / (count - 1).max(1) as f64);
            (x / per_step as f64).ceil() as u64 * per_step
        })
        .collect();
    points.dedup();
    points
}

/// FNV-1a of the arm name: a stable key for the arm's random streams.
fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

enum State<'n> {
    Gradient {
        trainer: Box<Trainer<'n, AnyOptimizer>>,
        params: Params,
    },
    Evolution(Box<Evolution>),
}

/// An evolution strategy with its fitness machinery and sample accounting.
struct Evolution {
    strategy: AnyStrategy,
    evaluator: PopulationEvaluator,
    sampler: BatchSampler,
    batch: Batch,
    fitness: Vec<f32>,
    samples: u64,
    evaluations: u64,
}

/// Build the learner of `arm` for `seed`.
fn start<'n>(arm: &Arm, net: &'n Network, loss: Loss, seed: u64, train_rows: usize) -> State<'n> {
    let key = name_key(&arm.name);
    let init = net.init(&mut rng::stream(&[seed, INIT]));
    let learner_seed = rng::derive_seed(&[seed, key]);
    match &arm.learner {
        Learner::Gradient {
            optimizer,
            lr,
            momentum,
            weight_decay,
            batch,
        } => {
            let optimizer = match optimizer {
                OptimizerKind::Sgd => {
                    AnyOptimizer::Sgd(Sgd::new(*lr).with_weight_decay(*weight_decay))
                }
                OptimizerKind::Momentum => AnyOptimizer::Momentum(
                    Momentum::new(*lr, *momentum).with_weight_decay(*weight_decay),
                ),
                OptimizerKind::Adam => {
                    AnyOptimizer::Adam(Adam::new(*lr).with_weight_decay(*weight_decay))
                }
            };
            let trainer = Trainer::new(net, loss, optimizer, *batch, learner_seed)
                .expect("validated: batch ≥ 1");
            State::Gradient {
                trainer: Box::new(trainer),
                params: init,
            }
        }
        Learner::Evolution { strategy, batch } => {
            let x0 = init.genes;
            let strategy = match strategy {
                // A GA's members each carry the network, so that segmentation
                // operators can change their tying.
                StrategySpec::Ga(c) => AnyStrategy::Ga(
                    Ga::for_network(c.clone(), net, learner_seed).expect("validated"),
                ),
                other => other.build(x0, None, learner_seed).expect("validated"),
            };
            State::Evolution(Box::new(Evolution {
                strategy,
                evaluator: PopulationEvaluator::new(),
                sampler: BatchSampler::new(train_rows, *batch, rng::stream(&[seed, key, BATCHES])),
                batch: Batch::default(),
                fitness: Vec::new(),
                samples: 0,
                evaluations: 0,
            }))
        }
    }
}

impl State<'_> {
    /// One gradient step or one generation. Returns false if the step diverged.
    fn advance(&mut self, net: &Network, data: &Split, loss: Loss) -> Result<bool, NetError> {
        match self {
            State::Gradient { trainer, params } => {
                let value = trainer.step(params, &data.train)?;
                Ok(value.is_finite())
            }
            State::Evolution(evolution) => {
                let Evolution {
                    strategy,
                    evaluator,
                    sampler,
                    batch,
                    fitness,
                    samples,
                    evaluations,
                } = evolution.as_mut();
                data.train.gather(sampler.next_batch(), batch);
                let rows = batch.rows;
                let head = net.architecture().head();
                let outputs = net.architecture().outputs();
                let targets = batch.targets();
                let report = evaluate::generation_on_batch(
                    strategy,
                    net,
                    evaluator,
                    &batch.inputs,
                    rows,
                    |z| loss.value(head, z, targets, outputs),
                    fitness,
                )?;
                *samples += report.samples;
                *evaluations += report.evaluations;
                Ok(strategy.center().genes.iter().all(|g| g.is_finite()))
            }
        }
    }

    fn samples(&self) -> u64 {
        match self {
            State::Gradient { trainer, .. } => trainer.samples_used(),
            State::Evolution(e) => e.samples,
        }
    }

    fn evaluations(&self) -> u64 {
        match self {
            State::Gradient { trainer, .. } => trainer.steps(),
            State::Evolution(e) => e.evaluations,
        }
    }

    /// The network and genome that represent the learner now.
    fn current<'a>(&'a self, net: &'a Network) -> (&'a Network, &'a [f32]) {
        match self {
            State::Gradient { params, .. } => (net, &params.genes),
            State::Evolution(e) => {
                let c = e.strategy.center();
                (c.body.unwrap_or(net), c.genes)
            }
        }
    }
}

/// Run arm `arm` with `seed` to the budget. `on_progress(samples)` is called after every
/// step; `stop` is polled after every step.
pub fn execute(
    experiment: &Experiment,
    arm: &Arm,
    seed: u64,
    data: &Split,
    stop: &AtomicBool,
    mut on_progress: impl FnMut(u64),
) -> Result<Outcome, NetError> {
    let net = experiment.network_for(arm, data);
    let (_, loss) = experiment.task.head_and_loss();
    let metric = experiment.task.metric();
    let schedule = checkpoints(
        experiment.budget.samples,
        experiment.budget.checkpoints,
        arm.samples_per_step().max(1),
    );
    let mut state = start(arm, &net, loss, seed, data.train.len());
    let mut ws = Workspace::new();
    let started = Instant::now();
    let mut records = Vec::new();
    let mut next = 0;
    while next < schedule.len() {
        if stop.load(Ordering::Relaxed) {
            return Ok(Outcome::Interrupted);
        }
        let healthy = state.advance(&net, data, loss)?;
        let samples = state.samples();
        on_progress(samples);
        if samples < schedule[next] && healthy {
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
        records.push(Record {
            experiment: experiment.name.clone(),
            arm: arm.name.clone(),
            seed,
            samples,
            evaluations: state.evaluations(),
            wall_s: started.elapsed().as_secs_f64(),
            train_loss: train.loss as f64,
            test_loss: test.loss as f64,
            test_metric: match metric {
                super::Metric::Accuracy => test.accuracy as f64,
                super::Metric::Loss => test.loss as f64,
            },
            genes: genes.len(),
            status: if diverged { "diverged" } else { "ok" }.into(),
        });
        if diverged {
            break;
        }
    }
    Ok(Outcome::Finished(records))
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
}
