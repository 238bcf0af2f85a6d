//! OpenAI-ES (Salimans, Ho, Chen, Sidor, Sutskever 2017, Algorithm 1 with the §2.2
//! refinements): antithetic Gaussian perturbations of a mean, centred-rank shaping, and
//! an optimiser (Adam by default) stepping the mean along the search-gradient estimate.
//! Noise comes from the shared table by default, as in the paper (§2.1).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sampling::{NoiseRows, NoiseSource};
use super::{
    Candidate, EvolveError, FitnessShaping, Generation, Population, Strategy, begin_tell, require,
};
use crate::optim::{Adam, AnyOptimizer, Optimizer, Sgd};

mod members;
pub use members::Members;

/// Hyper-parameters of OpenAI-ES (the `strategy = "openai_es"` keys of an experiment file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiEsConfig {
    /// Members per generation; even when `antithetic`.
    pub population: usize,
    /// Standard deviation of the perturbations.
    pub sigma: f32,
    /// Step size of the mean optimiser.
    pub lr: f32,
    /// L2 weight decay on the mean (Salimans et al. used 0.005).
    pub weight_decay: f32,
    /// Mirrored pairs `mean ± σε` (variance reduction).
    pub antithetic: bool,
    /// How raw fitness becomes utilities.
    pub shaping: FitnessShaping,
    /// `true`: Adam on the mean (as in the paper); `false`: plain SGD.
    pub adam: bool,
    /// Where perturbations come from (the paper's shared noise table by default).
    pub noise: NoiseSource,
}

impl Default for OpenAiEsConfig {
    fn default() -> Self {
        Self {
            population: 128,
            sigma: 0.05,
            lr: 0.01,
            weight_decay: 0.0,
            antithetic: true,
            shaping: FitnessShaping::CentredRanks,
            adam: true,
            noise: NoiseSource::Table,
        }
    }
}

impl OpenAiEsConfig {
    /// Check every option's range, naming the first that is out of it.
    pub fn validate(&self) -> Result<(), EvolveError> {
        const S: &str = "openai_es";
        require(
            S,
            "population",
            self.population,
            self.population >= 2,
            "at least 2",
        )?;
        require(
            S,
            "population",
            self.population,
            !self.antithetic || self.population.is_multiple_of(2),
            "even with antithetic sampling",
        )?;
        require(
            S,
            "sigma",
            self.sigma,
            self.sigma > 0.0 && self.sigma.is_finite(),
            "> 0",
        )?;
        require(
            S,
            "lr",
            self.lr,
            self.lr > 0.0 && self.lr.is_finite(),
            "> 0",
        )?;
        require(
            S,
            "weight_decay",
            self.weight_decay,
            self.weight_decay >= 0.0,
            ">= 0",
        )
    }
}

/// OpenAI-ES (Salimans et al. 2017): antithetic Gaussian perturbations of a mean, a
/// search gradient from shaped fitness, and an optimiser step on the mean.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenAiEs {
    config: OpenAiEsConfig,
    seed: u64,
    generation: u64,
    mean: Vec<f32>,
    optimizer: AnyOptimizer,
    /// One row per independent perturbation (half the population when antithetic).
    /// Regenerated from the seed, so not worth checkpointing.
    #[serde(skip)]
    noise: NoiseRows,
    #[serde(skip)]
    population: Population,
    #[serde(skip)]
    utilities: Vec<f32>,
    /// Weight of each direction in the gradient estimate.
    #[serde(skip)]
    weights: Vec<f32>,
    #[serde(skip)]
    gradient: Vec<f32>,
    #[serde(skip)]
    asked: Asked,
}

/// What the last ask handed out, if the generation is not told yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Asked {
    #[default]
    No,
    /// [`Strategy::ask`]: the population written out.
    Population,
    /// [`OpenAiEs::ask_members`]: members rebuilt on demand.
    Members,
}

impl OpenAiEs {
    /// OpenAI-ES searching around `mean`.
    pub fn new(config: OpenAiEsConfig, mean: Vec<f32>, seed: u64) -> Result<Self, EvolveError> {
        config.validate()?;
        config.noise.check("openai_es", mean.len())?;
        let optimizer = if config.adam {
            AnyOptimizer::Adam(Adam::new(config.lr).with_weight_decay(config.weight_decay))
        } else {
            AnyOptimizer::Sgd(Sgd::new(config.lr).with_weight_decay(config.weight_decay))
        };
        Ok(Self {
            config,
            seed,
            generation: 0,
            mean,
            optimizer,
            noise: NoiseRows::default(),
            population: Population::default(),
            utilities: Vec::new(),
            weights: Vec::new(),
            gradient: Vec::new(),
            asked: Asked::No,
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &OpenAiEsConfig {
        &self.config
    }

    fn directions(&self) -> usize {
        if self.config.antithetic {
            self.config.population / 2
        } else {
            self.config.population
        }
    }

    /// Draw this generation's noise rows (offsets into the shared table, by default).
    fn draw_noise(&mut self) {
        let directions = self.directions();
        self.noise.draw(
            self.config.noise,
            self.seed,
            self.generation,
            directions,
            self.mean.len(),
        );
    }

    /// The members that `config`, `mean` and the drawn `noise` define (fields, not `&self`,
    /// so that `ask` can borrow them beside the population it writes).
    fn members<'a>(config: &OpenAiEsConfig, mean: &'a [f32], noise: &'a NoiseRows) -> Members<'a> {
        Members {
            mean,
            noise,
            sigma: config.sigma,
            antithetic: config.antithetic,
            first: 0,
            len: config.population,
        }
    }

    /// Ask for a generation without writing its population out: the same members as
    /// [`Strategy::ask`] (bit for bit), rebuilt from the mean and the noise rows when they
    /// are evaluated ([`Members::evaluate`]), so that a generation costs `O(genes)` memory
    /// per worker with the shared noise table. Tell the fitness with [`Strategy::tell`]
    /// as usual.
    pub fn ask_members(&mut self) -> Members<'_> {
        self.draw_noise();
        self.asked = Asked::Members;
        Self::members(&self.config, &self.mean, &self.noise)
    }
}

impl Strategy for OpenAiEs {
    fn name(&self) -> &'static str {
        "openai_es"
    }

    fn ask_with_members(&mut self) -> (&Population, Option<Members<'_>>) {
        self.ask();
        let members = Self::members(&self.config, &self.mean, &self.noise);
        (&self.population, Some(members))
    }

    fn ask(&mut self) -> &Population {
        let (len, dim) = (self.config.population, self.mean.len());
        if self.population.len() != len || self.population.total_genes() != len * dim {
            self.population = Population::uniform(len, dim);
        }
        self.draw_noise();
        // Written out by the code that rebuilds them for `ask_members`, so the two agree.
        let members = Self::members(&self.config, &self.mean, &self.noise);
        self.population
            .matrix_mut()
            .par_chunks_mut(dim.max(1))
            .enumerate()
            .for_each(|(i, row)| members.write(i, row));
        self.asked = Asked::Population;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        let dim = self.mean.len();
        let report = match self.asked {
            Asked::Members if fitness.len() != self.config.population => {
                return Err(EvolveError::FitnessLength {
                    expected: self.config.population,
                    got: fitness.len(),
                });
            }
            Asked::Members => {
                let lengths = std::iter::repeat_n(dim, fitness.len());
                Generation::summarize_lengths(self.generation, fitness, lengths)
            }
            asked => begin_tell(
                asked == Asked::Population,
                self.generation,
                fitness,
                &self.population,
            )?,
        };
        self.utilities.resize(fitness.len(), 0.0);
        self.config.shaping.utilities(fitness, &mut self.utilities);
        // ∇_mean E[f] ≈ −1/(nσ) Σᵢ uᵢ εᵢ (utilities are "higher is better", f is minimised);
        // an antithetic pair contributes (u₊ − u₋) ε.
        let scale = -1.0 / (self.config.population as f32 * self.config.sigma);
        let utilities = &self.utilities;
        self.weights.clear();
        self.weights.extend((0..self.directions()).map(|d| {
            scale
                * if self.config.antithetic {
                    utilities[2 * d] - utilities[2 * d + 1]
                } else {
                    utilities[d]
                }
        }));
        self.gradient.resize(dim, 0.0);
        self.noise.weighted_sum(&self.weights, &mut self.gradient);
        self.optimizer.step(&mut self.mean, &self.gradient);
        self.generation += 1;
        self.asked = Asked::No;
        Ok(report)
    }

    fn center(&self) -> Candidate<'_> {
        Candidate {
            genes: &self.mean,
            body: None,
        }
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn cost(&self) -> String {
        let (n, d) = (self.config.population, self.mean.len());
        let noise = self.config.noise;
        format!(
            "openai_es: {:.1} MiB of population and noise{}, ~{:.1} MFLOP per generation",
            ((n + 4) * d * 4 + noise.bytes(self.directions(), d)) as f64 / (1 << 20) as f64,
            noise.shared_note(),
            (3 * n * d) as f64 / 1e6
        )
    }
}
