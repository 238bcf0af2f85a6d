//! OpenAI-ES (Salimans, Ho, Chen, Sidor, Sutskever 2017, Algorithm 1 with the §2.2
//! refinements): antithetic Gaussian perturbations of a mean, centred-rank shaping, and
//! an optimiser (Adam by default) stepping the mean along the search-gradient estimate.

use serde::{Deserialize, Serialize};

use super::{
    Candidate, EvolveError, FitnessShaping, Generation, Population, Strategy, require, sampling,
};
use crate::optim::{Adam, AnyOptimizer, Optimizer, Sgd};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub shaping: FitnessShaping,
    /// `true`: Adam on the mean (as in the paper); `false`: plain SGD.
    pub adam: bool,
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
        }
    }
}

impl OpenAiEsConfig {
    fn validate(&self) -> Result<(), EvolveError> {
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenAiEs {
    config: OpenAiEsConfig,
    seed: u64,
    generation: u64,
    mean: Vec<f32>,
    optimizer: AnyOptimizer,
    /// `[directions, dim]`: one row per independent perturbation (half the population
    /// when antithetic). Regenerated from the seed, so not worth checkpointing.
    #[serde(skip)]
    noise: Vec<f32>,
    #[serde(skip)]
    population: Population,
    #[serde(skip)]
    utilities: Vec<f32>,
    #[serde(skip)]
    gradient: Vec<f32>,
    #[serde(skip)]
    asked: bool,
}

impl OpenAiEs {
    pub fn new(config: OpenAiEsConfig, mean: Vec<f32>, seed: u64) -> Result<Self, EvolveError> {
        config.validate()?;
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
            noise: Vec::new(),
            population: Population::default(),
            utilities: Vec::new(),
            gradient: Vec::new(),
            asked: false,
        })
    }

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
        self.noise.resize(directions * dim, 0.0);
        sampling::fill_population_normal(self.seed, self.generation, dim, &mut self.noise);
        let sigma = self.config.sigma;
        let (mean, noise) = (&self.mean, &self.noise);
        let signs: &[f32] = if self.config.antithetic {
            &[1.0, -1.0]
        } else {
            &[1.0]
        };
        let matrix = self.population.matrix_mut();
        for (d, eps) in noise.chunks_exact(dim.max(1)).enumerate() {
            for (s, &sign) in signs.iter().enumerate() {
                let row = &mut matrix[(d * signs.len() + s) * dim..][..dim];
                for ((x, &m), &e) in row.iter_mut().zip(mean).zip(eps) {
                    *x = m + sign * sigma * e;
                }
            }
        }
        self.asked = true;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        if !self.asked {
            return Err(EvolveError::TellBeforeAsk);
        }
        if fitness.len() != self.config.population {
            return Err(EvolveError::FitnessLength {
                expected: self.config.population,
                got: fitness.len(),
            });
        }
        let report = Generation::summarize(self.generation, fitness, &self.population);
        let dim = self.mean.len();
        self.utilities.resize(fitness.len(), 0.0);
        self.config.shaping.utilities(fitness, &mut self.utilities);
        // ∇_mean E[f] ≈ −1/(nσ) Σᵢ uᵢ εᵢ (utilities are "higher is better", f is minimised);
        // an antithetic pair contributes (u₊ − u₋) ε.
        self.gradient.clear();
        self.gradient.resize(dim, 0.0);
        let per = if self.config.antithetic { 2 } else { 1 };
        let scale = -1.0 / (self.config.population as f32 * self.config.sigma);
        for (d, eps) in self.noise.chunks_exact(dim.max(1)).enumerate() {
            let weight = if per == 2 {
                self.utilities[2 * d] - self.utilities[2 * d + 1]
            } else {
                self.utilities[d]
            } * scale;
            if weight != 0.0 {
                for (g, &e) in self.gradient.iter_mut().zip(eps) {
                    *g += weight * e;
                }
            }
        }
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
        format!(
            "openai_es: {:.1} MiB of noise and population, ~{:.1} MFLOP per generation",
            ((n + self.directions() + 4) * d * 4) as f64 / (1 << 20) as f64,
            (3 * n * d) as f64 / 1e6
        )
    }
}
