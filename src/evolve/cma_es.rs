//! CMA-ES following Hansen's tutorial (arXiv:1604.00772, Table 1 and Fig. 6), with a
//! full covariance matrix, and the separable variant sep-CMA-ES (Ros & Hansen 2008) whose
//! covariance is diagonal — O(d) memory and time, for networks with thousands of genes.
//!
//! Arithmetic is in f64; genomes are handed out as f32. The eigendecomposition of the
//! full covariance is refreshed only every `λ / ((c₁ + c_μ) d 10)` generations, as the
//! tutorial recommends, so its O(d³) cost is spread over generations.

use nalgebra::{DMatrix, SymmetricEigen};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sampling::{GENE_CHUNK, NoiseRows, NoiseSource};
use super::{
    Candidate, EvolveError, Generation, Population, Strategy, begin_tell, require, shaping,
};

/// The shape of the covariance matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    #[default]
    /// Full `d × d` covariance (moderate dimension).
    Full,
    /// Diagonal covariance, sep-CMA-ES.
    Separable,
}

impl Covariance {
    fn is_full(&self) -> bool {
        *self == Covariance::Full
    }
}

/// Hyper-parameters of CMA-ES (the `strategy = "cma_es"` and `"sep_cma_es"` keys of an
/// experiment file; the strategy's name picks the covariance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CmaEsConfig {
    /// λ; `None`: the default `4 + ⌊3 ln d⌋`.
    pub population: Option<usize>,
    /// Initial step size σ₀.
    pub sigma: f64,
    /// Full or diagonal covariance. In experiment files the strategy's name chooses it
    /// (`cma_es`, `sep_cma_es`); it is serialised only when separable, so that a
    /// checkpoint restores the right model.
    #[serde(skip_serializing_if = "Covariance::is_full")]
    pub covariance: Covariance,
    /// Refuse a full covariance (C, B and B·D, f64) larger than this.
    pub max_covariance_mib: f64,
    /// Where the noise comes from.
    pub noise: NoiseSource,
}

impl Default for CmaEsConfig {
    fn default() -> Self {
        Self {
            population: None,
            sigma: 0.1,
            covariance: Covariance::Full,
            max_covariance_mib: 512.0,
            noise: NoiseSource::Table,
        }
    }
}

impl CmaEsConfig {
    /// The strategy's name: `cma_es` or `sep_cma_es`.
    pub fn name(&self) -> &'static str {
        match self.covariance {
            Covariance::Full => "cma_es",
            Covariance::Separable => "sep_cma_es",
        }
    }

    /// The configuration with λ filled in for `dim` genes: `4 + ⌊3 ln d⌋` (Hansen's
    /// tutorial, Table 1) unless given.
    pub fn resolved(&self, dim: usize) -> Self {
        let default = 4 + (3.0 * (dim.max(1) as f64).ln()).floor() as usize;
        Self {
            population: Some(self.population.unwrap_or(default)),
            ..self.clone()
        }
    }

    /// Check every option for a genome of `dim` genes, without allocating the model.
    pub fn validate(&self, dim: usize) -> Result<(), EvolveError> {
        let name = self.name();
        require(name, "dimension", dim, dim >= 1, "at least 1 gene")?;
        let lambda = self.resolved(dim).population.unwrap_or(0);
        require(name, "population", lambda, lambda >= 4, "at least 4")?;
        self.noise.check(name, dim)?;
        require(
            name,
            "sigma",
            self.sigma,
            self.sigma > 0.0 && self.sigma.is_finite(),
            "> 0",
        )?;
        if self.covariance == Covariance::Full {
            let mib = CmaEs::full_bytes(dim) / (1u64 << 20) as f64;
            if mib > self.max_covariance_mib {
                return Err(EvolveError::CovarianceTooLarge {
                    dim,
                    mib,
                    gflop: CmaEs::full_flops(dim, lambda) / 1e9,
                    limit_mib: self.max_covariance_mib,
                });
            }
        }
        Ok(())
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
    /// `mean` as handed out. Serialised so that a restored run's centre is there before
    /// its first `tell`.
    #[serde(default)]
    mean_f32: Vec<f32>,
    #[serde(skip)]
    noise: NoiseRows,
    /// Full only: this generation's `z` and `y = BD·z`, `λ × d`.
    #[serde(skip)]
    z: Vec<f64>,
    #[serde(skip)]
    y: Vec<f64>,
    /// Boxed to keep [`super::AnyStrategy`]'s variants of similar size.
    #[serde(skip)]
    scratch: Box<Scratch>,
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
            mean_f32: mean,
            noise: NoiseRows::default(),
            z: Vec::new(),
            y: Vec::new(),
            scratch: Box::default(),
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

    /// Full: `z` (λ × n, f64) from the noise rows, `y = BD·z`, `x = m + σ y`.
    fn sample_full(&mut self) {
        let (lambda, n) = (self.consts.lambda, self.dim());
        self.z.resize(lambda * n, 0.0);
        self.y.resize(lambda * n, 0.0);
        for (k, z) in self.z.chunks_exact_mut(n).enumerate() {
            z.iter_mut()
                .zip(self.noise.row(k))
                .for_each(|(z, &e)| *z = e as f64);
        }
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
        let sigma = self.sigma;
        let matrix = self.population.matrix_mut();
        for (x, y) in matrix.chunks_exact_mut(n).zip(self.y.chunks_exact(n)) {
            for ((x, y), m) in x.iter_mut().zip(y).zip(&self.mean) {
                *x = (m + sigma * y) as f32;
            }
        }
    }

    /// Separable: `x = m + σ √C ⊙ z`, straight from the noise rows (neither `z` nor `y`
    /// is stored: `tell` rereads the parents' rows).
    fn sample_separable(&mut self) {
        let n = self.dim();
        let step = &mut self.scratch.step;
        step.clear();
        step.extend(self.c.iter().map(|c| self.sigma * c.sqrt()));
        let (mean, step, noise) = (&self.mean, &self.scratch.step, &self.noise);
        self.population
            .matrix_mut()
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(k, x)| {
                for (((x, &m), &s), &z) in x.iter_mut().zip(mean).zip(step).zip(noise.row(k)) {
                    *x = (m + s * z as f64) as f32;
                }
            });
    }

    /// Full: `y_w = Σ wᵢ yᵢ:λ`, `z_w = Σ wᵢ zᵢ:λ` and `C^{-1/2} y_w = B z_w`.
    fn recombine_full(&mut self, parents: &[usize], weights: &[f64]) {
        let n = self.dim();
        let Scratch {
            z_w, y_w, whitened, ..
        } = &mut *self.scratch;
        y_w.fill(0.0);
        z_w.fill(0.0);
        for (&k, &w) in parents.iter().zip(weights) {
            let (y, z) = (&self.y[k * n..(k + 1) * n], &self.z[k * n..(k + 1) * n]);
            for ((yw, zw), (&y, &z)) in y_w.iter_mut().zip(z_w.iter_mut()).zip(y.iter().zip(z)) {
                *yw += w * y;
                *zw += w * z;
            }
        }
        Self::mat_vec(&self.b, z_w, whitened);
    }

    /// Separable: `z_w = Σ wᵢ zᵢ:λ` and `Σ wᵢ zᵢ:λ²` gene-wise over the parents' noise
    /// rows, in parallel over gene chunks (each gene sums the parents in rank order, so
    /// the bits do not depend on the thread count); `y_w = √C ⊙ z_w`, `C^{-1/2} y_w = z_w`.
    fn recombine_separable(&mut self, parents: &[usize], weights: &[f64]) {
        let Scratch {
            z_w,
            y_w,
            whitened,
            zz_w,
            ..
        } = &mut *self.scratch;
        let noise = &self.noise;
        z_w.par_chunks_mut(GENE_CHUNK)
            .zip(zz_w.par_chunks_mut(GENE_CHUNK))
            .enumerate()
            .for_each(|(c, (z_w, zz_w))| {
                let genes = c * GENE_CHUNK..c * GENE_CHUNK + z_w.len();
                z_w.fill(0.0);
                zz_w.fill(0.0);
                for (&k, &w) in parents.iter().zip(weights) {
                    let z = noise.row_part(k, genes.clone());
                    for ((zw, zzw), &z) in z_w.iter_mut().zip(zz_w.iter_mut()).zip(z) {
                        let z = z as f64;
                        *zw += w * z;
                        *zzw += w * z * z;
                    }
                }
            });
        for ((y, z), c) in y_w.iter_mut().zip(z_w.iter()).zip(&self.c) {
            *y = c.sqrt() * z;
        }
        whitened.copy_from_slice(z_w);
    }

    /// Full: `C ← keep·C + c₁ p_c p_cᵀ + c_μ Σ wᵢ yᵢ yᵢᵀ`.
    fn adapt_full(&mut self, parents: &[usize], weights: &[f64], keep: f64) {
        let n = self.dim();
        let (c_1, c_mu) = (self.consts.c_1, self.consts.c_mu);
        let mut weighted = Vec::with_capacity(parents.len() * n);
        for (&k, &w) in parents.iter().zip(weights) {
            let s = w.sqrt();
            weighted.extend(self.y[k * n..(k + 1) * n].iter().map(|y| s * y));
        }
        for i in 0..n {
            for j in 0..n {
                self.c[i * n + j] = keep * self.c[i * n + j] + c_1 * self.p_c[i] * self.p_c[j];
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
}

/// Per-generation work vectors, kept between generations so that `tell` allocates
/// nothing of size `d`.
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// `z_w = Σ wᵢ zᵢ:λ`.
    z_w: Vec<f64>,
    /// `y_w = Σ wᵢ yᵢ:λ`, the mean's step.
    y_w: Vec<f64>,
    /// `C^{-1/2} y_w`, which drives the step-size path.
    whitened: Vec<f64>,
    /// Separable only: `Σ wᵢ zᵢ:λ²` gene-wise, the rank-μ update in whitened coordinates.
    zz_w: Vec<f64>,
    /// Separable only: `σ √C`, each gene's sampling step.
    step: Vec<f64>,
}

impl Scratch {
    fn resize(&mut self, n: usize) {
        for v in [
            &mut self.z_w,
            &mut self.y_w,
            &mut self.whitened,
            &mut self.zz_w,
        ] {
            v.resize(n, 0.0);
        }
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
        match self.config.covariance {
            Covariance::Full => self.sample_full(),
            Covariance::Separable => self.sample_separable(),
        }
        self.asked = true;
        &self.population
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<Generation, EvolveError> {
        let report = begin_tell(self.asked, self.generation, fitness, &self.population)?;
        let (lambda, n) = (self.consts.lambda, self.dim());
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

        self.scratch.resize(n);
        match self.config.covariance {
            Covariance::Full => self.recombine_full(&parents, &weights),
            Covariance::Separable => self.recombine_separable(&parents, &weights),
        }
        let Scratch { y_w, whitened, .. } = &*self.scratch;
        for (m, y) in self.mean.iter_mut().zip(y_w) {
            *m += self.sigma * y;
        }
        let ps_coef = (c_sigma * (2.0 - c_sigma) * mu_eff).sqrt();
        for (p, w) in self.p_sigma.iter_mut().zip(whitened) {
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
        for (p, y) in self.p_c.iter_mut().zip(y_w) {
            *p = (1.0 - c_c) * *p + pc_coef * y;
        }
        let delta = if h_sigma { 0.0 } else { c_c * (2.0 - c_c) };
        let keep = 1.0 + c_1 * delta - c_1 - c_mu;
        match self.config.covariance {
            Covariance::Full => self.adapt_full(&parents, &weights, keep),
            Covariance::Separable => {
                // C ← keep·C + c₁ p_c² + c_μ Σ wᵢ yᵢ²,  with Σ wᵢ yᵢ² = C ⊙ Σ wᵢ zᵢ²
                let Scratch { zz_w, .. } = &*self.scratch;
                for ((c, p), zz) in self.c.iter_mut().zip(&self.p_c).zip(zz_w) {
                    *c = keep * *c + c_1 * p * p + c_mu * *c * zz;
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
        self.mean_f32.clear();
        self.mean_f32.extend(self.mean.iter().map(|&m| m as f32));
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
