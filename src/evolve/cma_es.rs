//! CMA-ES following Hansen's tutorial (arXiv:1604.00772, Table 1 and Fig. 6), with a
//! full covariance matrix, and the separable variant sep-CMA-ES (Ros & Hansen 2008) whose
//! covariance is diagonal — O(d) memory and time, for networks with thousands of genes.
//!
//! Arithmetic is in f64; genomes are handed out as f32. The eigendecomposition of the
//! full covariance is refreshed only every `λ / ((c₁ + c_μ) d 10)` generations, as the
//! tutorial recommends, so its O(d³) cost is spread over generations.

use nalgebra::{DMatrix, SymmetricEigen};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Candidate, EvolveError, Generation, Population, Strategy, require, sampling, shaping};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    /// Full `d × d` covariance (moderate dimension).
    Full,
    /// Diagonal covariance, sep-CMA-ES.
    Separable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmaEsConfig {
    /// λ; `None`: the default `4 + ⌊3 ln d⌋`.
    pub population: Option<usize>,
    /// Initial step size σ₀.
    pub sigma: f64,
    pub covariance: Covariance,
    /// Refuse a full covariance (C, B and B·D, f64) larger than this.
    pub max_covariance_mib: f64,
}

impl Default for CmaEsConfig {
    fn default() -> Self {
        Self {
            population: None,
            sigma: 0.5,
            covariance: Covariance::Full,
            max_covariance_mib: 512.0,
        }
    }
}

/// Strategy constants of the tutorial's Table 1 (positive recombination weights only).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Constants {
    lambda: usize,
    mu: usize,
    weights: Vec<f64>,
    mu_eff: f64,
    c_sigma: f64,
    d_sigma: f64,
    c_c: f64,
    c_1: f64,
    c_mu: f64,
    /// E‖N(0, I)‖ ≈ √n (1 − 1/(4n) + 1/(21n²)).
    chi_n: f64,
}

impl Constants {
    fn new(n: usize, lambda: usize, covariance: Covariance) -> Self {
        let nf = n as f64;
        let mu = lambda / 2;
        let raw: Vec<f64> = (1..=mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln())
            .collect();
        let sum: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 5.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        let c_c = (4.0 + mu_eff / nf) / (nf + 4.0 + 2.0 * mu_eff / nf);
        let mut c_1 = 2.0 / ((nf + 1.3).powi(2) + mu_eff);
        let mut c_mu =
            (2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((nf + 2.0).powi(2) + mu_eff)).min(1.0 - c_1);
        if covariance == Covariance::Separable {
            // Ros & Hansen 2008: a diagonal model can learn (n + 2)/3 times faster.
            let speedup = (nf + 2.0) / 3.0;
            c_1 = (c_1 * speedup).min(1.0);
            c_mu = (c_mu * speedup).min(1.0 - c_1);
        }
        Self {
            lambda,
            mu,
            weights,
            mu_eff,
            c_sigma,
            d_sigma,
            c_c,
            c_1,
            c_mu,
            chi_n: nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CmaEs {
    config: CmaEsConfig,
    consts: Constants,
    seed: u64,
    generation: u64,
    mean: Vec<f64>,
    sigma: f64,
    p_sigma: Vec<f64>,
    p_c: Vec<f64>,
    /// Full: `C`, row-major `d × d`. Separable: the diagonal of `C`.
    c: Vec<f64>,
    /// Full only: eigenvectors `B` (columns) scaled by `D` = √eigenvalues: `BD = B·diag(D)`.
    bd: Vec<f64>,
    /// Full only: `B`.
    b: Vec<f64>,
    eigen_generation: u64,
    #[serde(skip)]
    z: Vec<f64>,
    #[serde(skip)]
    y: Vec<f64>,
    #[serde(skip)]
    mean_f32: Vec<f32>,
    #[serde(skip)]
    population: Population,
    #[serde(skip)]
    asked: bool,
}

impl CmaEs {
    pub fn new(config: CmaEsConfig, mean: Vec<f32>, seed: u64) -> Result<Self, EvolveError> {
        let name = match config.covariance {
            Covariance::Full => "cma_es",
            Covariance::Separable => "sep_cma_es",
        };
        let n = mean.len();
        require(name, "dimension", n, n >= 1, "at least 1 gene")?;
        let lambda = config
            .population
            .unwrap_or(4 + (3.0 * (n as f64).ln()).floor() as usize);
        require(name, "population", lambda, lambda >= 4, "at least 4")?;
        require(
            name,
            "sigma",
            config.sigma,
            config.sigma > 0.0 && config.sigma.is_finite(),
            "> 0",
        )?;
        if config.covariance == Covariance::Full {
            let mib = Self::full_bytes(n) / (1u64 << 20) as f64;
            if mib > config.max_covariance_mib {
                return Err(EvolveError::CovarianceTooLarge {
                    dim: n,
                    mib,
                    gflop: Self::full_flops(n, lambda) / 1e9,
                    limit_mib: config.max_covariance_mib,
                });
            }
        }
        let consts = Constants::new(n, lambda, config.covariance);
        let (c, bd, b) = match config.covariance {
            Covariance::Full => {
                let identity: Vec<f64> = (0..n * n)
                    .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
                    .collect();
                (identity.clone(), identity.clone(), identity)
            }
            Covariance::Separable => (vec![1.0; n], Vec::new(), Vec::new()),
        };
        Ok(Self {
            sigma: config.sigma,
            config,
            consts,
            seed,
            generation: 0,
            mean: mean.iter().map(|&m| m as f64).collect(),
            p_sigma: vec![0.0; n],
            p_c: vec![0.0; n],
            c,
            bd,
            b,
            eigen_generation: 0,
            z: Vec::new(),
            y: Vec::new(),
            mean_f32: mean,
            population: Population::default(),
            asked: false,
        })
    }

    /// Bytes of the full model: C, B and B·D in f64.
    fn full_bytes(n: usize) -> f64 {
        3.0 * (n * n * 8) as f64
    }

    /// Flops per generation of the full model: sampling `λ·2d²`, rank-μ `μ·2d²`, and the
    /// amortised eigendecomposition (≈ 9d³ every `λ/((c₁+c_μ)·d·10)` generations).
    fn full_flops(n: usize, lambda: usize) -> f64 {
        let consts = Constants::new(n, lambda, Covariance::Full);
        let nf = n as f64;
        let period = (lambda as f64 / ((consts.c_1 + consts.c_mu) * nf * 10.0)).max(1.0);
        2.0 * nf * nf * (lambda + lambda / 2) as f64 + 9.0 * nf.powi(3) / period
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    pub fn population_size(&self) -> usize {
        self.consts.lambda
    }

    fn dim(&self) -> usize {
        self.mean.len()
    }

    /// `out = M · v` for row-major `M` (`n × n`).
    fn mat_vec(m: &[f64], v: &[f64], out: &mut [f64]) {
        let n = v.len();
        for (o, row) in out.iter_mut().zip(m.chunks_exact(n)) {
            *o = row.iter().zip(v).map(|(a, b)| a * b).sum();
        }
    }

    fn update_eigensystem(&mut self) {
        let n = self.dim();
        let c = DMatrix::from_fn(n, n, |i, j| 0.5 * (self.c[i * n + j] + self.c[j * n + i]));
        let eigen = SymmetricEigen::new(c);
        let d: Vec<f64> = eigen
            .eigenvalues
            .iter()
            .map(|&e| e.max(1e-20).sqrt())
            .collect();
        for i in 0..n {
            for (j, d) in d.iter().enumerate() {
                let b = eigen.eigenvectors[(i, j)];
                self.b[i * n + j] = b;
                self.bd[i * n + j] = b * d;
            }
        }
        self.eigen_generation = self.generation;
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
        self.z.resize(lambda * n, 0.0);
        self.y.resize(lambda * n, 0.0);
        let (seed, generation) = (self.seed, self.generation);
        self.z.par_chunks_mut(n).enumerate().for_each(|(k, row)| {
            let mut rng = sampling::member_stream(seed, generation, k as u64);
            row.iter_mut()
                .for_each(|x| *x = StandardNormal.sample(&mut rng));
        });
        match self.config.covariance {
            Covariance::Full => {
                // y[λ, n] = z[λ, n] · (BD)ᵀ
                // SAFETY: z is λ×n, bd is n×n read transposed through its strides, y is λ×n.
                unsafe {
                    matrixmultiply::dgemm(
                        lambda,
                        n,
                        n,
                        1.0,
                        self.z.as_ptr(),
                        n as isize,
                        1,
                        self.bd.as_ptr(),
                        1,
                        n as isize,
                        0.0,
                        self.y.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
            }
            Covariance::Separable => {
                let sd: Vec<f64> = self.c.iter().map(|c| c.sqrt()).collect();
                for (y, z) in self.y.chunks_exact_mut(n).zip(self.z.chunks_exact(n)) {
                    for ((y, z), s) in y.iter_mut().zip(z).zip(&sd) {
                        *y = s * z;
                    }
                }
            }
        }
        let sigma = self.sigma;
        let matrix = self.population.matrix_mut();
        for (x, y) in matrix.chunks_exact_mut(n).zip(self.y.chunks_exact(n)) {
            for ((x, y), m) in x.iter_mut().zip(y).zip(&self.mean) {
                *x = (m + sigma * y) as f32;
            }
        }
        self.asked = true;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        if !self.asked {
            return Err(EvolveError::TellBeforeAsk);
        }
        let (lambda, n) = (self.consts.lambda, self.dim());
        if fitness.len() != lambda {
            return Err(EvolveError::FitnessLength {
                expected: lambda,
                got: fitness.len(),
            });
        }
        let report = Generation::summarize(self.generation, fitness, &self.population);
        self.asked = false;
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

        // y_w = Σ wᵢ yᵢ:λ,  z_w = Σ wᵢ zᵢ:λ
        let mut y_w = vec![0.0; n];
        let mut z_w = vec![0.0; n];
        for (&k, &w) in parents.iter().zip(&weights) {
            let (y, z) = (&self.y[k * n..(k + 1) * n], &self.z[k * n..(k + 1) * n]);
            for ((yw, zw), (&y, &z)) in y_w.iter_mut().zip(&mut z_w).zip(y.iter().zip(z)) {
                *yw += w * y;
                *zw += w * z;
            }
        }
        for (m, y) in self.mean.iter_mut().zip(&y_w) {
            *m += self.sigma * y;
        }
        // C^{-1/2} y_w = B z_w (full), z_w (separable)
        let mut whitened = vec![0.0; n];
        match self.config.covariance {
            Covariance::Full => Self::mat_vec(&self.b, &z_w, &mut whitened),
            Covariance::Separable => whitened.copy_from_slice(&z_w),
        }
        let ps_coef = (c_sigma * (2.0 - c_sigma) * mu_eff).sqrt();
        for (p, w) in self.p_sigma.iter_mut().zip(&whitened) {
            *p = (1.0 - c_sigma) * *p + ps_coef * w;
        }
        let ps_norm = self.p_sigma.iter().map(|p| p * p).sum::<f64>().sqrt();
        let decay = 1.0 - (1.0 - c_sigma).powi(2 * (self.generation as i32 + 1));
        let h_sigma = ps_norm / decay.sqrt() < (1.4 + 2.0 / (n as f64 + 1.0)) * chi_n;
        let pc_coef = if h_sigma {
            (c_c * (2.0 - c_c) * mu_eff).sqrt()
        } else {
            0.0
        };
        for (p, y) in self.p_c.iter_mut().zip(&y_w) {
            *p = (1.0 - c_c) * *p + pc_coef * y;
        }
        let delta = if h_sigma { 0.0 } else { c_c * (2.0 - c_c) };
        let keep = 1.0 + c_1 * delta - c_1 - c_mu;
        match self.config.covariance {
            Covariance::Full => {
                // C ← keep·C + c₁ p_c p_cᵀ + c_μ Σ wᵢ yᵢ yᵢᵀ
                let mut weighted = Vec::with_capacity(parents.len() * n);
                for (&k, &w) in parents.iter().zip(&weights) {
                    let s = w.sqrt();
                    weighted.extend(self.y[k * n..(k + 1) * n].iter().map(|y| s * y));
                }
                for i in 0..n {
                    for j in 0..n {
                        self.c[i * n + j] =
                            keep * self.c[i * n + j] + c_1 * self.p_c[i] * self.p_c[j];
                    }
                }
                let mu = parents.len();
                // C[n, n] += c_μ · Yᵀ[n, μ] · Y[μ, n]
                // SAFETY: `weighted` is μ×n row-major; C is n×n.
                unsafe {
                    matrixmultiply::dgemm(
                        n,
                        mu,
                        n,
                        c_mu,
                        weighted.as_ptr(),
                        1,
                        n as isize,
                        weighted.as_ptr(),
                        n as isize,
                        1,
                        1.0,
                        self.c.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
            }
            Covariance::Separable => {
                for j in 0..n {
                    let rank_mu: f64 = parents
                        .iter()
                        .zip(&weights)
                        .map(|(&k, &w)| w * self.y[k * n + j].powi(2))
                        .sum();
                    self.c[j] = keep * self.c[j] + c_1 * self.p_c[j].powi(2) + c_mu * rank_mu;
                }
            }
        }
        self.sigma *= ((c_sigma / d_sigma) * (ps_norm / chi_n - 1.0)).exp();
        self.generation += 1;
        if self.config.covariance == Covariance::Full {
            let period = lambda as f64 / ((c_1 + c_mu) * n as f64 * 10.0);
            if (self.generation - self.eigen_generation) as f64 >= period {
                self.update_eigensystem();
            }
        }
        for (m32, m) in self.mean_f32.iter_mut().zip(&self.mean) {
            *m32 = *m as f32;
        }
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

    fn cost(&self) -> String {
        let (n, lambda) = (self.dim(), self.consts.lambda);
        match self.config.covariance {
            Covariance::Full => format!(
                "cma_es: {:.1} MiB of covariance model, ~{:.1} MFLOP per generation",
                Self::full_bytes(n) / (1u64 << 20) as f64,
                Self::full_flops(n, lambda) / 1e6
            ),
            Covariance::Separable => format!(
                "sep_cma_es: {:.1} MiB, ~{:.1} MFLOP per generation",
                ((3 * lambda + 6) * n * 8) as f64 / (1u64 << 20) as f64,
                (6 * lambda * n) as f64 / 1e6
            ),
        }
    }
}
