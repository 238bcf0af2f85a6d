//! A compare run's learner: a trainer with its parameters (gradient arms) or an
//! evolution driver (evolution arms), built fresh or from a checkpoint, advanced one
//! step or generation at a time, and saved as a checkpoint keeps it.

use serde::{Deserialize, Serialize};

use super::fitness::BatchFitness;
use super::run::initial_genome;
use super::{Arm, CompareExperiment, LearnerConfig};
use crate::evolve::{
    AnyStrategy, Driver, DriverError, Ga, Strategy, StrategyConfig, TerminationReason, Totals,
};
use crate::learn::Trainer;
use crate::net::{NetError, Network, Params};
use crate::optim::AnyOptimizer;
use crate::rng::{self, Purpose};
use crate::task::{BatchSampler, Split};

/// A learner in progress.
pub(super) enum State<'n> {
    Gradient {
        trainer: Box<Trainer<'n, AnyOptimizer>>,
        params: Params,
    },
    Evolution(Box<Driver<AnyStrategy, BatchFitness<'n>>>),
}

/// A learner's state in a checkpoint. Mini-batch positions are not saved: they are
/// re-derived from the seed and the batches drawn (steps, generations).
#[derive(Serialize, Deserialize)]
pub(super) enum SavedLearner {
    Gradient {
        optimizer: AnyOptimizer,
        genes: Vec<f32>,
        samples_used: u64,
    },
    Evolution {
        strategy: Box<AnyStrategy>,
        totals: Totals,
    },
}

/// Build the learner of `arm` for `seed`, fresh or as `saved` left it (`None` if the
/// saved learner does not fit the arm: the run then starts over).
pub(super) fn start<'n>(
    experiment: &CompareExperiment,
    arm: &Arm,
    net: &'n Network,
    data: &'n Split,
    seed: u64,
    saved: Option<SavedLearner>,
) -> Option<State<'n>> {
    let key = rng::name_key(&arm.name);
    let init = initial_genome(net, seed);
    let learner_seed = rng::derive_seed(&[seed, key]);
    let (_, loss) = experiment.task.head_and_loss();
    match &arm.learner {
        LearnerConfig::Gradient(g) => {
            let mut trainer = Trainer::new(net, loss, g.optimizer.build(), g.batch, learner_seed)
                .expect("validated: batch ≥ 1");
            let params = match saved {
                None => init,
                Some(SavedLearner::Gradient {
                    optimizer,
                    genes,
                    samples_used,
                }) if genes.len() == init.genes.len() => {
                    trainer.restore(optimizer, samples_used);
                    Params::new(genes)
                }
                Some(_) => return None,
            };
            Some(State::Gradient {
                trainer: Box::new(trainer),
                params,
            })
        }
        LearnerConfig::Evolution(e) => {
            let strategy = match &e.strategy {
                // A GA's members each carry the network, so that segmentation
                // operators can change their tying.
                StrategyConfig::Ga(c) => AnyStrategy::Ga(
                    Ga::for_network(c.clone(), net, learner_seed).expect("validated"),
                ),
                other => other
                    .build(init.genes, None, learner_seed)
                    .expect("validated"),
            };
            let mut sampler = BatchSampler::new(
                data.train.len(),
                e.batch,
                rng::stream(&[seed, key, Purpose::Batches.key()]),
            );
            let (strategy, totals) = match saved {
                None => (strategy, Totals::default()),
                Some(SavedLearner::Evolution {
                    strategy: restored,
                    totals,
                }) if restored.name() == strategy.name() => {
                    // One batch per generation.
                    sampler.skip(totals.generations);
                    (*restored, totals)
                }
                Some(_) => return None,
            };
            let fitness = BatchFitness::new(net, &data.train, loss, sampler);
            Some(State::Evolution(Box::new(Driver::resume(
                strategy, fitness, totals,
            ))))
        }
    }
}

impl State<'_> {
    /// The learner as a checkpoint keeps it.
    pub(super) fn saved(&self) -> SavedLearner {
        match self {
            State::Gradient { trainer, params } => SavedLearner::Gradient {
                optimizer: trainer.optimizer().clone(),
                genes: params.genes.clone(),
                samples_used: trainer.samples_used(),
            },
            State::Evolution(driver) => SavedLearner::Evolution {
                strategy: Box::new(driver.strategy().clone()),
                totals: driver.totals(),
            },
        }
    }

    /// One gradient step or one generation. Returns false if the step diverged.
    pub(super) fn advance(&mut self, data: &Split) -> Result<bool, NetError> {
        match self {
            State::Gradient { trainer, params } => {
                let value = trainer.step(params, &data.train)?;
                Ok(value.is_finite())
            }
            State::Evolution(driver) => {
                driver.step().map_err(|e| match e {
                    DriverError::Fitness(e) => e,
                    DriverError::Strategy(e) => unreachable!("one value per member: {e}"),
                    DriverError::Group(e) => NetError::Exchange(e.to_string()),
                })?;
                Ok(driver
                    .strategy()
                    .center()
                    .genes
                    .iter()
                    .all(|g| g.is_finite()))
            }
        }
    }

    /// (example evaluations, evaluations, examples drawn) so far. A gradient step draws
    /// its batch and evaluates it once, so both sample axes agree there.
    pub(super) fn consumed(&self) -> (u64, u64, u64) {
        match self {
            State::Gradient { trainer, .. } => (
                trainer.samples_used(),
                trainer.steps(),
                trainer.samples_used(),
            ),
            State::Evolution(driver) => {
                let totals = driver.totals();
                (
                    totals.consumed.example_evaluations,
                    totals.evaluations,
                    totals.consumed.examples_drawn,
                )
            }
        }
    }

    /// Why the strategy stopped on its own (CMA-ES's convergence rules), if it did.
    pub(super) fn stopped_by(&self) -> Option<TerminationReason> {
        match self {
            State::Gradient { .. } => None,
            State::Evolution(driver) => driver.strategy().stop(),
        }
    }

    /// The network and genome that represent the learner now.
    pub(super) fn current<'a>(&'a self, net: &'a Network) -> (&'a Network, &'a [f32]) {
        match self {
            State::Gradient { params, .. } => (net, &params.genes),
            State::Evolution(driver) => {
                let c = driver.strategy().center();
                (c.body.unwrap_or(net), c.genes)
            }
        }
    }
}
