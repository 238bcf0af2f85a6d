//! SNES, separable natural evolution strategies (Schaul, Glasmachers, Schmidhuber 2011,
//! Algorithm 1): a Gaussian with a mean and one standard deviation per gene, updated
//! along the natural gradient with NES utilities.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sampling::{GENE_CHUNK, NoiseRows, NoiseSource};
use super::{
    Candidate, EvolveError, FitnessShaping, Generation, Population, Strategy, begin_tell, require,
};

/// Hyper-parameters of SNES (the `strategy = "snes"` keys of an experiment file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SnesConfig {
    /// Members per generation; `None`: the paper's `4 + ⌊3 ln d⌋`.
    pub population: Option<usize>,
    /// Initial standard deviation of every gene.
    pub sigma: f32,
    /// Learning rate of the mean (paper: 1).
    pub lr_mean: f32,
    /// Learning rate of the log standard deviations; `None`: `(3 + ln d) / (5 √d)`.
    pub lr_sigma: Option<f32>,
    /// Where the noise comes from.
    pub noise: NoiseSource,
}

impl Default for SnesConfig {
    fn default() -> Self {
        Self {
            population: None,
            sigma: 0.1,
            lr_mean: 1.0,
            lr_sigma: None,
            noise: NoiseSource::Table,
        }
    }
}

/// SNES: a Gaussian with one standard deviation per gene, updated along the natural gradient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snes {
    config: SnesConfig,
    population_size: usize,
    lr_sigma: f32,
    seed: u64,
    generation: u64,
    mean: Vec<f32>,
    sigma: Vec<f32>,
    #[serde(skip)]
    noise: NoiseRows,
    #[serde(skip)]
    population: Population,
    #[serde(skip)]
    utilities: Vec<f32>,
    #[serde(skip)]
    asked: bool,
}

impl SnesConfig {
    /// The configuration with its automatic values filled in for a genome of `dim`
    /// genes: population `4 + ⌊3 ln d⌋` and `lr_sigma = (3 + ln d) / (5 √d)` (Schaul et
    /// al. 2011, Table 1).
    pub fn resolved(&self, dim: usize) -> Self {
        let d = dim.max(1) as f32;
        Self {
            population: Some(
                self.population
                    .unwrap_or(4 + (3.0 * d.ln()).floor() as usize),
            ),
            lr_sigma: Some(self.lr_sigma.unwrap_or((3.0 + d.ln()) / (5.0 * d.sqrt()))),
            ..self.clone()
        }
    }

    /// Check every option's range for a genome of `dim` genes.
    pub fn validate(&self, dim: usize) -> Result<(), EvolveError> {
        const S: &str = "snes";
        let resolved = self.resolved(dim);
        let population = resolved.population.unwrap_or(0);
        require(S, "population", population, population >= 2, "at least 2")?;
        require(S, "sigma", self.sigma, self.sigma > 0.0, "> 0")?;
        require(S, "lr_mean", self.lr_mean, self.lr_mean > 0.0, "> 0")?;
        let lr_sigma = resolved.lr_sigma.unwrap_or(0.0);
        require(S, "lr_sigma", lr_sigma, lr_sigma > 0.0, "> 0")?;
        self.noise.check(S, dim)
    }
}

impl Snes {
    /// SNES searching around `mean`.
    pub fn new(config: SnesConfig, mean: Vec<f32>, seed: u64) -> Result<Self, EvolveError> {
        config.validate(mean.len())?;
        let resolved = config.resolved(mean.len());
        let population_size = resolved.population.expect("resolved");
        let lr_sigma = resolved.lr_sigma.expect("resolved");
        let sigma = vec![config.sigma; mean.len()];
        Ok(Self {
            config,
            population_size,
            lr_sigma,
            seed,
            generation: 0,
            mean,
            sigma,
            noise: NoiseRows::default(),
            population: Population::default(),
            utilities: Vec::new(),
            asked: false,
        })
    }

    /// The current standard deviation of every gene.
    pub fn sigma(&self) -> &[f32] {
        &self.sigma
    }
}

impl Strategy for Snes {
    fn name(&self) -> &'static str {
        "snes"
    }

    fn ask(&mut self) -> &Population {
        let (n, dim) = (self.population_size, self.mean.len());
        if self.population.len() != n || self.population.total_genes() != n * dim {
            self.population = Population::uniform(n, dim);
        }
        self.noise
            .draw(self.config.noise, self.seed, self.generation, n, dim);
        let (mean, sigma, noise) = (&self.mean, &self.sigma, &self.noise);
        self.population
            .matrix_mut()
            .par_chunks_mut(dim.max(1))
            .enumerate()
            .for_each(|(k, row)| {
                for (((x, &m), &sd), &e) in row.iter_mut().zip(mean).zip(sigma).zip(noise.row(k)) {
                    *x = m + sd * e;
                }
            });
        self.asked = true;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        let report = begin_tell(self.asked, self.generation, fitness, &self.population)?;
        self.utilities.resize(fitness.len(), 0.0);
        FitnessShaping::NesUtilities.utilities(fitness, &mut self.utilities);
        // ∇μ = Σ uₖ sₖ,  ∇σ = Σ uₖ (sₖ² − 1)   (natural gradients in local coordinates),
        // then μ += η_μ σ ∇μ and σ *= exp(η_σ/2 ∇σ), gene chunk by gene chunk: each gene
        // sums the members in index order, so any thread count gives the same bits.
        let (lr_mean, half_lr_sigma) = (self.config.lr_mean, 0.5 * self.lr_sigma);
        let (utilities, noise) = (&self.utilities, &self.noise);
        self.mean
            .par_chunks_mut(GENE_CHUNK)
            .zip(self.sigma.par_chunks_mut(GENE_CHUNK))
            .enumerate()
            .for_each(|(c, (mean, sigma))| {
                let genes = c * GENE_CHUNK..c * GENE_CHUNK + mean.len();
                let mut grad_mean = [0.0f32; GENE_CHUNK];
                let mut grad_sigma = [0.0f32; GENE_CHUNK];
                for (k, &u) in utilities.iter().enumerate() {
                    let s = noise.row_part(k, genes.clone());
                    for ((gm, gs), &e) in grad_mean.iter_mut().zip(&mut grad_sigma).zip(s) {
                        *gm += u * e;
                        *gs += u * (e * e - 1.0);
                    }
                }
                for (((m, sd), gm), gs) in mean.iter_mut().zip(sigma).zip(grad_mean).zip(grad_sigma)
                {
                    *m += lr_mean * *sd * gm;
                    *sd *= (half_lr_sigma * gs).exp();
                }
            });
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
        let (n, d) = (self.population_size, self.mean.len());
        let noise = self.config.noise;
        format!(
            "snes: {:.1} MiB{}, ~{:.1} MFLOP per generation",
            ((n + 4) * d * 4 + noise.bytes(n, d)) as f64 / (1 << 20) as f64,
            noise.shared_note(),
            (6 * n * d) as f64 / 1e6
        )
    }
}
