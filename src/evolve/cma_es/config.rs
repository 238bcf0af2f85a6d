//! The options of CMA-ES and sep-CMA-ES (the covariance's shape, step size, population,
//! stopping tolerances) and their checks.

use serde::{Deserialize, Serialize};

use super::CmaEs;
use super::full::FullCovariance;
#[cfg(doc)]
use crate::evolve::TerminationReason;
use crate::evolve::sampling::NoiseSource;
use crate::evolve::{EvolveError, require};

/// The shape of the covariance matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    /// Full `d × d` covariance (moderate dimension).
    #[default]
    Full,
    /// Diagonal covariance, sep-CMA-ES.
    Separable,
}

impl Covariance {
    pub(super) fn is_full(&self) -> bool {
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
    /// Stop ([`TerminationReason::TolFun`]) once the best fitness of each of the last
    /// `10 + ⌈30 d/λ⌉` generations and every fitness of the current one lie within a range
    /// below this. pycma's `tolfun`, default 1e-11 (`cma/options_parameters.py`).
    #[serde(default = "default_tolfun")]
    pub tolfun: f64,
    /// Stop ([`TerminationReason::TolX`]) once `σ √Cᵢᵢ` and `σ |p_c,ᵢ|` are below this in
    /// every coordinate. pycma's `tolx`, default 1e-11.
    #[serde(default = "default_tolx")]
    pub tolx: f64,
    /// Stop ([`TerminationReason::ConditionNumber`]) once the condition number of `C`
    /// exceeds this. pycma's `tolconditioncov`, default 1e14.
    #[serde(default = "default_tol_condition")]
    pub tol_condition: f64,
    /// Active CMA-ES (pycma's `CMA_active`, its default there): the worst λ − μ members
    /// enter the rank-μ update with negative weights (Hansen's tutorial, Table 1 and
    /// eq. 53). Full covariance only.
    pub active: bool,
}

fn default_tolfun() -> f64 {
    1e-11
}

fn default_tolx() -> f64 {
    1e-11
}

fn default_tol_condition() -> f64 {
    1e14
}

impl Default for CmaEsConfig {
    fn default() -> Self {
        Self {
            population: None,
            sigma: 0.1,
            covariance: Covariance::Full,
            max_covariance_mib: 512.0,
            noise: NoiseSource::Table,
            tolfun: default_tolfun(),
            tolx: default_tolx(),
            tol_condition: default_tol_condition(),
            active: false,
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
        for (option, value, least) in [
            ("tolfun", self.tolfun, 0.0),
            ("tolx", self.tolx, 0.0),
            ("tol_condition", self.tol_condition, 1.0),
        ] {
            let expected = format!(">= {least}");
            require(name, option, value, value >= least, &expected)?;
        }
        require(
            name,
            "active",
            self.active,
            !self.active || self.covariance.is_full(),
            "false: the active update needs a full covariance (use cma_es)",
        )?;
        if self.covariance == Covariance::Full {
            let mib = FullCovariance::bytes(dim) / (1u64 << 20) as f64;
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
