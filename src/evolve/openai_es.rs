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
    asked: bool,
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
            asked: false,
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
}

impl Strategy for OpenAiEs {
    fn name(&self) -> &'static str {
        "openai_es"
    }

    fn ask(&mut self) -> &Population {
        let dim = self.mean.len();
        let (members, directions) = (self.config.population, self.directions());
        if self.population.len() != members || self.population.total_genes() != members * dim {
            self.population = Population::uniform(members, dim);
        }
        self.noise.draw(
            self.config.noise,
            self.seed,
            self.generation,
            directions,
            dim,
        );
        let sigma = self.config.sigma;
        let (mean, noise) = (&self.mean, &self.noise);
        let signs: &[f32] = if self.config.antithetic {
            &[1.0, -1.0]
        } else {
            &[1.0]
        };
        // Direction d fills members d·signs.len() .. (d + 1)·signs.len().
        self.population
            .matrix_mut()
            .par_chunks_mut((dim * signs.len()).max(1))
            .enumerate()
            .for_each(|(d, members)| {
                let eps = noise.row(d);
                for (row, &sign) in members.chunks_exact_mut(dim).zip(signs) {
                    for ((x, &m), &e) in row.iter_mut().zip(mean).zip(eps) {
                        *x = m + sign * sigma * e;
                    }
                }
            });
        self.asked = true;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        let report = begin_tell(self.asked, self.generation, fitness, &self.population)?;
        let dim = self.mean.len();
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
        self.asked = false;
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
