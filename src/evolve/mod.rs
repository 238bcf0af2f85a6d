//! `evolve`: slow learning by evolution — GA, OpenAI-ES, SNES, CMA-ES (full and separable)
//! behind one ask/tell [`Strategy`] trait.
//!
//! Conventions: every strategy **minimises** fitness (a loss). Non-finite fitness (NaN,
//! ±inf) ranks last, is counted in the [`Generation`] report, and never enters a mean or
//! a covariance. Each strategy keeps its fixed hyper-parameters (`*Config`) apart from its
//! changing state, and serialises with serde so a run can be checkpointed.
//!
//! Shared pieces: [`shaping`] (ranks, fitness shaping), [`sampling`] (Gaussian noise
//! from a shared 64 MiB table or fresh draws, either way a pure function of (seed,
//! generation, individual), so results do not depend on the thread count), [`crate::optim`] for the optimiser that steps a search mean,
//! [`evaluate`] (parallel fitness through the population forward pass) and
//! [`segmentation`] (the tie/untie operators and block-aligned crossover on a network's
//! tying map). Depends on `net`, `optim` and `rng`; knows nothing of tasks or experiments.

mod cma_es;
mod config;
mod driver;
pub mod evaluate;
pub mod functions;
mod ga;
#[cfg(feature = "mpi")]
pub mod mpi;
mod openai_es;
mod population;
pub mod sampling;
pub mod segmentation;
pub mod shaping;
pub mod share;
mod snes;
mod termination;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::net::Network;

pub use cma_es::{CmaEs, CmaEsConfig, Covariance};
pub use config::StrategyConfig;
pub use driver::{Consumed, Driver, DriverError, Fitness, FnFitness, Totals};
pub use ga::{Crossover, Ga, GaConfig, Selection};
pub use openai_es::{Members, OpenAiEs, OpenAiEsConfig};
pub use population::Population;
pub use shaping::FitnessShaping;
pub use share::{Group, GroupError, ThreadGroup, part};
pub use snes::{Snes, SnesConfig};
pub use termination::TerminationReason;

/// Why a strategy could not be built or told.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EvolveError {
    /// An option is out of its range.
    #[error("{strategy}: {option} = {value} is invalid: {expected}")]
    InvalidOption {
        /// The strategy's name.
        strategy: &'static str,
        /// The option, as named in files.
        option: &'static str,
        /// The value given.
        value: String,
        /// What the option must be.
        expected: String,
    },
    /// A full covariance would not fit in the allowed memory.
    #[error(
        "full CMA-ES at {dim} genes needs a {dim}x{dim} covariance and its eigenvectors \
         ({mib:.0} MiB, about {gflop:.1} GFLOP per generation), over the limit of \
         {limit_mib:.0} MiB; use sep-CMA-ES (diagonal covariance) or SNES for large genomes"
    )]
    CovarianceTooLarge {
        /// Genes.
        dim: usize,
        /// Memory the model would need.
        mib: f64,
        /// Arithmetic per generation.
        gflop: f64,
        /// The limit (`max_covariance_mib`).
        limit_mib: f64,
    },
    /// `tell` got a number of fitness values other than the population's size.
    #[error("tell got {got} fitness values for a population of {expected}")]
    FitnessLength {
        /// Members asked for.
        expected: usize,
        /// Fitness values told.
        got: usize,
    },
    /// `tell` came before any `ask`.
    #[error("tell called before ask")]
    TellBeforeAsk,
    /// An initial population that cannot be evolved.
    #[error("the initial population is empty or its genomes differ in length")]
    BadInitialPopulation,
}

/// What one generation did: sample accounting and fitness statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// 0-based index of the generation just told.
    pub generation: u64,
    /// Fitness evaluations in this generation (the population size).
    pub evaluations: u64,
    /// Distinct examples drawn from the world for this generation. Strategies do not know
    /// it, so they leave it 0; the [`Driver`] fills it in from its [`Fitness`].
    pub examples_drawn: u64,
    /// Forward passes over examples in this generation (members × batch for a shared
    /// batch). Filled in by the [`Driver`], like `examples_drawn`.
    pub example_evaluations: u64,
    /// Best (lowest) finite fitness; NaN if none was finite.
    pub best: f32,
    /// Mean of the finite fitness values; NaN if none.
    pub mean: f32,
    /// Median of the finite fitness values; NaN if none.
    pub median: f32,
    /// How many fitness values were NaN or ±inf.
    pub non_finite: usize,
    /// Genes per individual: min, mean, max (they differ under segmentation).
    pub genes_min: usize,
    /// Mean genes per individual.
    pub genes_mean: f64,
    /// Most genes of any individual.
    pub genes_max: usize,
}

impl Generation {
    /// Statistics of one generation's fitness over the population that produced it.
    pub fn summarize(generation: u64, fitness: &[f32], population: &Population) -> Self {
        let lengths = (0..population.len()).map(|i| population.genome(i).len());
        Self::summarize_lengths(generation, fitness, lengths)
    }

    /// As [`Generation::summarize`], for members whose genome lengths `lengths` lists
    /// (one per fitness value) without a written-out population.
    pub(crate) fn summarize_lengths(
        generation: u64,
        fitness: &[f32],
        lengths: impl Iterator<Item = usize> + Clone,
    ) -> Self {
        let mut finite: Vec<f32> = fitness.iter().copied().filter(|f| f.is_finite()).collect();
        finite.sort_by(f32::total_cmp);
        let nan_if_empty = |v: f32| if finite.is_empty() { f32::NAN } else { v };
        let mean = finite.iter().map(|&f| f as f64).sum::<f64>() / finite.len().max(1) as f64;
        let median = match finite.len() {
            0 => f32::NAN,
            n if n % 2 == 1 => finite[n / 2],
            n => 0.5 * (finite[n / 2 - 1] + finite[n / 2]),
        };
        let members = lengths.clone().count();
        let total: usize = lengths.clone().sum();
        Self {
            generation,
            evaluations: fitness.len() as u64,
            examples_drawn: 0,
            example_evaluations: 0,
            best: nan_if_empty(finite.first().copied().unwrap_or(f32::NAN)),
            mean: nan_if_empty(mean as f32),
            median,
            non_finite: fitness.len() - finite.len(),
            genes_min: lengths.clone().min().unwrap_or(0),
            genes_mean: total as f64 / members.max(1) as f64,
            genes_max: lengths.max().unwrap_or(0),
        }
    }
}

/// A strategy's current answer: the distribution mean for an ES, the best individual of
/// the last generation for a GA; with its body when individuals carry their own tying.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The genome.
    pub genes: &'a [f32],
    /// Its network, where individuals carry their own tying; `None`: the shared one.
    pub body: Option<&'a Network>,
}

/// The ask/tell interface every strategy implements.
///
/// ```
/// use baldwin::evolve::{functions, OpenAiEs, OpenAiEsConfig, Strategy};
/// let config = OpenAiEsConfig { population: 32, sigma: 0.1, lr: 0.05, ..Default::default() };
/// let mut es = OpenAiEs::new(config, vec![1.0; 5], 7).unwrap();
/// let mut fitness = vec![0.0; 32];
/// for _ in 0..300 {
///     let population = es.ask();
///     for (i, f) in fitness.iter_mut().enumerate() {
///         *f = functions::sphere(population.genome(i));
///     }
///     es.tell(&fitness).unwrap();
/// }
/// assert!(functions::sphere(es.center().genes) < 1e-2);
/// ```
pub trait Strategy: Send {
    /// The strategy's name, as in experiment files.
    fn name(&self) -> &'static str;
    /// Sample (or breed) the population to evaluate next.
    fn ask(&mut self) -> &Population;
    /// [`ask`](Self::ask), and, for a strategy that samples its members as perturbations
    /// of a mean (OpenAI-ES), the same members described that way, so that a fitness can
    /// share work between them ([`Fitness::evaluate_members`]). `None` by default.
    fn ask_with_members(&mut self) -> (&Population, Option<Members<'_>>) {
        (self.ask(), None)
    }
    /// Update from the fitness of the population last asked for (lower is better).
    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError>;
    /// The current answer: the distribution mean of an ES, the best member of a GA.
    fn center(&self) -> Candidate<'_>;
    /// Generations told so far.
    fn generation(&self) -> u64;
    /// Memory held and arithmetic per generation, in words, for logs and up-front checks.
    fn cost(&self) -> String;
    /// The members last asked for, writable, for strategies that keep their members
    /// between generations (a GA): Lamarckian inheritance writes learned genes back here
    /// before `tell`. `None` (the default) for strategies that resample every generation.
    fn population_mut(&mut self) -> Option<&mut Population> {
        None
    }
    /// Why the strategy would stop on its own now, if it would (budgets are the caller's).
    fn stop(&self) -> Option<TerminationReason> {
        None
    }
    /// The strategy's whole state as text, for a checkpoint, if it can be saved; `None`
    /// (the default) means a run of it cannot resume mid-run and starts over instead.
    /// The crate's strategies save themselves through [`AnyStrategy`] as JSON.
    fn save_state(&self) -> Option<String> {
        None
    }
    /// Continue from a state [`save_state`](Self::save_state) gave; `false`, with the
    /// strategy unchanged, if `state` is not one of its own.
    fn restore_state(&mut self, _state: &str) -> bool {
        false
    }
}

/// Any strategy as one serialisable value, for checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "snake_case")]
pub enum AnyStrategy {
    /// A GA.
    Ga(Ga),
    /// OpenAI-ES.
    OpenAiEs(OpenAiEs),
    /// SNES.
    Snes(Snes),
    /// CMA-ES (full or separable).
    CmaEs(CmaEs),
}

impl AnyStrategy {
    fn inner(&self) -> &dyn Strategy {
        match self {
            AnyStrategy::Ga(s) => s,
            AnyStrategy::OpenAiEs(s) => s,
            AnyStrategy::Snes(s) => s,
            AnyStrategy::CmaEs(s) => s,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn Strategy {
        match self {
            AnyStrategy::Ga(s) => s,
            AnyStrategy::OpenAiEs(s) => s,
            AnyStrategy::Snes(s) => s,
            AnyStrategy::CmaEs(s) => s,
        }
    }
}

impl Strategy for AnyStrategy {
    fn name(&self) -> &'static str {
        self.inner().name()
    }
    fn ask(&mut self) -> &Population {
        self.inner_mut().ask()
    }
    fn ask_with_members(&mut self) -> (&Population, Option<Members<'_>>) {
        self.inner_mut().ask_with_members()
    }
    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        self.inner_mut().tell(fitness)
    }
    fn center(&self) -> Candidate<'_> {
        self.inner().center()
    }
    fn generation(&self) -> u64 {
        self.inner().generation()
    }
    fn cost(&self) -> String {
        self.inner().cost()
    }
    fn population_mut(&mut self) -> Option<&mut Population> {
        self.inner_mut().population_mut()
    }
    fn stop(&self) -> Option<TerminationReason> {
        self.inner().stop()
    }
    fn save_state(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }
    fn restore_state(&mut self, state: &str) -> bool {
        match serde_json::from_str::<AnyStrategy>(state) {
            Ok(restored) if restored.name() == self.name() => {
                *self = restored;
                true
            }
            _ => false,
        }
    }
}

impl<S: Strategy + ?Sized> Strategy for Box<S> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn ask(&mut self) -> &Population {
        (**self).ask()
    }
    fn ask_with_members(&mut self) -> (&Population, Option<Members<'_>>) {
        (**self).ask_with_members()
    }
    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        (**self).tell(fitness)
    }
    fn center(&self) -> Candidate<'_> {
        (**self).center()
    }
    fn generation(&self) -> u64 {
        (**self).generation()
    }
    fn cost(&self) -> String {
        (**self).cost()
    }
    fn population_mut(&mut self) -> Option<&mut Population> {
        (**self).population_mut()
    }
    fn stop(&self) -> Option<TerminationReason> {
        (**self).stop()
    }
    fn save_state(&self) -> Option<String> {
        (**self).save_state()
    }
    fn restore_state(&mut self, state: &str) -> bool {
        (**self).restore_state(state)
    }
}

/// What every `tell` begins with: the fitness must answer the population last asked for,
/// one value per member. Returns the generation's report.
pub(crate) fn begin_tell(
    asked: bool,
    generation: u64,
    fitness: &[f32],
    population: &Population,
) -> Result<Generation, EvolveError> {
    if !asked {
        return Err(EvolveError::TellBeforeAsk);
    }
    if fitness.len() != population.len() {
        return Err(EvolveError::FitnessLength {
            expected: population.len(),
            got: fitness.len(),
        });
    }
    Ok(Generation::summarize(generation, fitness, population))
}

/// Check `value` with `ok`, or name the option and what was expected.
pub(crate) fn require<T: std::fmt::Display>(
    strategy: &'static str,
    option: &'static str,
    value: T,
    ok: bool,
    expected: &str,
) -> Result<(), EvolveError> {
    if ok {
        Ok(())
    } else {
        Err(EvolveError::InvalidOption {
            strategy,
            option,
            value: value.to_string(),
            expected: expected.to_string(),
        })
    }
}
