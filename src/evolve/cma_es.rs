//! CMA-ES following Hansen's tutorial (arXiv:1604.00772, Table 1 and Fig. 6), with a
//! full covariance matrix, and the separable variant sep-CMA-ES (Ros & Hansen 2008) whose
//! covariance is diagonal — O(d) memory and time, for networks with thousands of genes.
//!
//! Arithmetic is in f64; genomes are handed out as f32. This file owns the step-size
//! control and evolution paths every variant shares, and the [`Strategy`] impl. The
//! parts: [`config`] (the options and their checks), [`constants`] (Table 1's weights and learning rates), [`full`] (the
//! d × d covariance on nalgebra, its eigensystem refreshed every
//! `max(1, 1 / ((c₁ + c_μ) d 10))` generations as in the tutorial's §B.2), [`eigen`]
//! (that eigendecomposition, by faer), [`separable`]
//! (the diagonal covariance) and [`stopping`] (which of pycma's termination rules hold).

mod config;
mod constants;
mod eigen;
mod full;
mod separable;
mod stopping;

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub use self::config::{CmaEsConfig, Covariance};
use self::constants::Constants;
use self::full::FullCovariance;
use self::separable::DiagonalCovariance;
use super::sampling::NoiseRows;
use super::termination::FitnessHistory;
use super::{
    Candidate, EvolveError, Generation, Population, Strategy, TerminationReason, begin_tell,
    shaping,
};

/// The covariance model, as the configuration's [`Covariance`] chose it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Model {
    Full(FullCovariance),
    Separable(DiagonalCovariance),
}

/// What recombination hands the path updates, kept between generations so that `tell`
/// allocates nothing of size d.
#[derive(Debug, Clone, Default)]
struct Step {
    /// `y_w = Σ wᵢ yᵢ:λ`, the mean's step.
    y_w: DVector<f64>,
    /// `C^{-1/2} y_w`, which drives the step-size path.
    whitened: DVector<f64>,
}

/// CMA-ES (Hansen's tutorial) with a full or a diagonal (sep-CMA-ES) covariance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CmaEs {
    config: CmaEsConfig,
    consts: Constants,
    seed: u64,
    generation: u64,
    mean: DVector<f64>,
    sigma: f64,
    p_sigma: DVector<f64>,
    p_c: DVector<f64>,
    /// Boxed to keep [`super::AnyStrategy`]'s variants of similar size.
    model: Box<Model>,
    /// Recent generations' fitness, for the `TolFun` rule.
    history: FitnessHistory,
    /// `mean` as handed out. Serialised so that a restored run's centre is there before
    /// its first `tell`.
    #[serde(default)]
    mean_f32: Vec<f32>,
    #[serde(skip)]
    noise: NoiseRows,
    /// Boxed, like `model`, to keep [`super::AnyStrategy`]'s variants of similar size.
    #[serde(skip)]
    step: Box<Step>,
    #[serde(skip)]
    population: Population,
    #[serde(skip)]
    asked: bool,
}

impl CmaEs {
    /// CMA-ES searching around `mean`.
    pub fn new(config: CmaEsConfig, mean: Vec<f32>, seed: u64) -> Result<Self, EvolveError> {
        let n = mean.len();
        config.validate(n)?;
        let lambda = config.resolved(n).population.expect("resolved");
        let model = match config.covariance {
            Covariance::Full => Box::new(Model::Full(FullCovariance::identity(n))),
            Covariance::Separable => Box::new(Model::Separable(DiagonalCovariance::identity(n))),
        };
        Ok(Self {
            sigma: config.sigma,
            consts: Constants::new(n, lambda, config.covariance, config.active),
            config,
            seed,
            generation: 0,
            mean: DVector::from_iterator(n, mean.iter().map(|&m| m as f64)),
            p_sigma: DVector::zeros(n),
            p_c: DVector::zeros(n),
            model,
            history: FitnessHistory::new(n, lambda),
            mean_f32: mean,
            noise: NoiseRows::default(),
            step: Box::default(),
            population: Population::default(),
            asked: false,
        })
    }

    /// Flops per generation of the full model: sampling `λ·2d²`, rank-μ `μ·2d²`, and the
    /// amortised eigendecomposition (≈ 9d³ every `max(1, 1/((c₁+c_μ)·d·10))` generations).
    fn full_flops(n: usize, lambda: usize) -> f64 {
        let period = Constants::new(n, lambda, Covariance::Full, false)
            .eigen_period(n)
            .max(1.0);
        let nf = n as f64;
        2.0 * nf * nf * (lambda + lambda / 2) as f64 + 9.0 * nf.powi(3) / period
    }

    /// The current global step size σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// λ, members per generation.
    pub fn population_size(&self) -> usize {
        self.consts.lambda
    }

    fn dim(&self) -> usize {
        self.mean.len()
    }
}

impl Strategy for CmaEs {
    fn name(&self) -> &'static str {
        match self.config.covariance {
            Covariance::Full => "cma_es",
            Covariance::Separable => "sep_cma_es",
        }
    }

    fn ask(&mut self) -> &Population {
        let (lambda, n) = (self.consts.lambda, self.dim());
        if self.population.len() != lambda || self.population.total_genes() != lambda * n {
            self.population = Population::uniform(lambda, n);
        }
        self.noise
            .draw(self.config.noise, self.seed, self.generation, lambda, n);
        let genes = self.population.matrix_mut();
        match &mut *self.model {
            Model::Full(model) => model.sample(&self.mean, self.sigma, &self.noise, genes),
            Model::Separable(model) => model.sample(&self.mean, self.sigma, &self.noise, genes),
        }
        self.asked = true;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        let report = begin_tell(self.asked, self.generation, fitness, &self.population)?;
        let n = self.dim();
        self.asked = false;
        self.history.record(fitness);
        // Parents: the best μ with finite fitness; weights renormalised if fewer are finite.
        let parents: Vec<usize> = shaping::ranking(fitness)
            .into_iter()
            .take(self.consts.mu)
            .filter(|&k| fitness[k].is_finite())
            .collect();
        if parents.is_empty() {
            self.generation += 1;
            return Ok(report);
        }
        let weight_sum: f64 = self.consts.weights[..parents.len()].iter().sum();
        let weights: Vec<f64> = self.consts.weights[..parents.len()]
            .iter()
            .map(|w| w / weight_sum)
            .collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let Constants {
            c_sigma,
            d_sigma,
            c_c,
            c_1,
            c_mu,
            chi_n,
            ..
        } = self.consts;

        if self.step.y_w.len() != n {
            *self.step = Step {
                y_w: DVector::zeros(n),
                whitened: DVector::zeros(n),
            };
        }
        match &mut *self.model {
            Model::Full(model) => model.recombine(&parents, &weights, &mut self.step),
            Model::Separable(model) => {
                model.recombine(&self.noise, &parents, &weights, &mut self.step)
            }
        }
        let Step { y_w, whitened } = &*self.step;
        // m ← m + σ y_w
        self.mean.axpy(self.sigma, y_w, 1.0);
        // p_σ ← (1 − c_σ) p_σ + √(c_σ (2 − c_σ) μ_eff) C^{-1/2} y_w
        let ps_coef = (c_sigma * (2.0 - c_sigma) * mu_eff).sqrt();
        self.p_sigma.axpy(ps_coef, whitened, 1.0 - c_sigma);
        let ps_norm = self.p_sigma.norm();
        let decay = 1.0 - (1.0 - c_sigma).powi(2 * (self.generation as i32 + 1));
        let h_sigma = ps_norm / decay.sqrt() < (1.4 + 2.0 / (n as f64 + 1.0)) * chi_n;
        let pc_coef = if h_sigma {
            (c_c * (2.0 - c_c) * mu_eff).sqrt()
        } else {
            0.0
        };
        // p_c ← (1 − c_c) p_c + h_σ √(c_c (2 − c_c) μ_eff) y_w
        self.p_c.axpy(pc_coef, y_w, 1.0 - c_c);
        let delta = if h_sigma { 0.0 } else { c_c * (2.0 - c_c) };
        // Active CMA-ES: the worst λ − μ members with finite fitness, with their weights;
        // C decays by c_μ Σ wⱼ over every weight used (tutorial eq. 47).
        let negatives: Vec<(usize, f64)> = if self.consts.active() {
            shaping::ranking(fitness)
                .into_iter()
                .skip(self.consts.mu)
                .zip(&self.consts.negative_weights)
                .filter(|&(k, _)| fitness[k].is_finite())
                .map(|(k, &w)| (k, w))
                .collect()
        } else {
            Vec::new()
        };
        let keep = if negatives.is_empty() {
            1.0 + c_1 * delta - c_1 - c_mu
        } else {
            let weight_sum = 1.0 + negatives.iter().map(|(_, w)| w).sum::<f64>();
            1.0 + c_1 * delta - c_1 - c_mu * weight_sum
        };
        match &mut *self.model {
            Model::Full(model) => {
                model.adapt(&self.p_c, &parents, &weights, keep, (c_1, c_mu));
                model.adapt_negative(&negatives, c_mu);
            }
            Model::Separable(model) => model.adapt(&self.p_c, keep, (c_1, c_mu)),
        }
        self.sigma *= ((c_sigma / d_sigma) * (ps_norm / chi_n - 1.0)).exp();
        self.generation += 1;
        if let Model::Full(model) = &mut *self.model {
            model.refresh_eigensystem(self.generation, self.consts.eigen_period(n));
        }
        self.mean_f32.clear();
        self.mean_f32
            .extend(self.mean.as_slice().iter().map(|&m| m as f32));
        Ok(report)
    }

    fn center(&self) -> Candidate<'_> {
        Candidate {
            genes: &self.mean_f32,
            body: None,
        }
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn stop(&self) -> Option<TerminationReason> {
        self.termination()
    }

    fn cost(&self) -> String {
        let (n, lambda) = (self.dim(), self.consts.lambda);
        match self.config.covariance {
            Covariance::Full => format!(
                "cma_es: {:.1} MiB of covariance model, ~{:.1} MFLOP per generation",
                FullCovariance::bytes(n) / (1u64 << 20) as f64,
                Self::full_flops(n, lambda) / 1e6
            ),
            Covariance::Separable => format!(
                "sep_cma_es: {:.1} MiB{}, ~{:.1} MFLOP per generation",
                // population (f32), noise, and ten f64 vectors of state and scratch
                (lambda * n * 4 + self.config.noise.bytes(lambda, n) + 10 * n * 8) as f64
                    / (1u64 << 20) as f64,
                self.config.noise.shared_note(),
                (6 * lambda * n) as f64 / 1e6
            ),
        }
    }
}
