//! `StrategyConfig`: the `strategy` key of an experiment file — which built-in strategy,
//! with its own keys — and what a configuration can do before anything runs: resolve its
//! automatic values, check its ranges without allocating, build the strategy.

use super::{
    AnyStrategy, CmaEs, CmaEsConfig, Covariance, EvolveError, Ga, GaConfig, OpenAiEs,
    OpenAiEsConfig, Population, Snes, SnesConfig,
};

crate::tagged_enum! {
    /// Any built-in strategy's configuration, chosen by the `strategy` key.
    #[derive(Debug, Clone, PartialEq)]
    pub enum StrategyConfig: "strategy" {
        /// A genetic algorithm.
        Ga(GaConfig) = "ga",
        /// OpenAI-ES.
        OpenAiEs(OpenAiEsConfig) = "openai_es",
        /// Separable natural evolution strategies.
        Snes(SnesConfig) = "snes",
        /// CMA-ES with a full covariance matrix.
        CmaEs(CmaEsConfig) = "cma_es",
        /// CMA-ES with a diagonal covariance matrix.
        SepCmaEs(CmaEsConfig) = "sep_cma_es",
    }
}

impl StrategyConfig {
    /// The strategy's name as written in experiment files.
    pub fn name(&self) -> &'static str {
        crate::options::Tagged::label(self)
    }

    /// Members per generation (`None` where the strategy picks its own default; see
    /// [`resolved`](Self::resolved)).
    pub fn population(&self) -> Option<usize> {
        match self {
            StrategyConfig::Ga(c) => Some(c.population),
            StrategyConfig::OpenAiEs(c) => Some(c.population),
            StrategyConfig::Snes(c) => c.population,
            StrategyConfig::CmaEs(c) | StrategyConfig::SepCmaEs(c) => c.population,
        }
    }

    /// Every automatic value filled in for a genome of `dim` genes, so that the
    /// configuration reads as what runs.
    pub fn resolved(&self, dim: usize) -> Self {
        match self {
            StrategyConfig::Snes(c) => StrategyConfig::Snes(c.resolved(dim)),
            StrategyConfig::CmaEs(c) => StrategyConfig::CmaEs(c.resolved(dim)),
            StrategyConfig::SepCmaEs(c) => StrategyConfig::SepCmaEs(c.resolved(dim)),
            other => other.clone(),
        }
    }

    /// The CMA-ES configuration with the covariance its variant names.
    fn cma(&self) -> Option<CmaEsConfig> {
        match self {
            StrategyConfig::CmaEs(c) => Some(CmaEsConfig {
                covariance: Covariance::Full,
                ..c.clone()
            }),
            StrategyConfig::SepCmaEs(c) => Some(CmaEsConfig {
                covariance: Covariance::Separable,
                ..c.clone()
            }),
            _ => None,
        }
    }

    /// Check every option for a genome of `dim` genes, naming the first bad one. Nothing
    /// is allocated: a too-large full covariance is refused here.
    pub fn validate(&self, dim: usize) -> Result<(), EvolveError> {
        match self {
            StrategyConfig::Ga(c) => c.validate(),
            StrategyConfig::OpenAiEs(c) => c.validate(),
            StrategyConfig::Snes(c) => c.validate(dim),
            _ => self.cma().expect("a CMA-ES variant").validate(dim),
        }
    }

    /// A strategy searching around `x0`. A GA's first generation is `x0` plus
    /// `mutation_sigma` noise per member unless `initial` gives the members.
    pub fn build(
        &self,
        x0: Vec<f32>,
        initial: Option<Population>,
        seed: u64,
    ) -> Result<AnyStrategy, EvolveError> {
        Ok(match self {
            StrategyConfig::Ga(c) => AnyStrategy::Ga(match initial {
                Some(population) => Ga::new(c.clone(), population, seed)?,
                None => Ga::around(c.clone(), &x0, c.mutation_sigma, seed)?,
            }),
            StrategyConfig::OpenAiEs(c) => {
                AnyStrategy::OpenAiEs(OpenAiEs::new(c.clone(), x0, seed)?)
            }
            StrategyConfig::Snes(c) => AnyStrategy::Snes(Snes::new(c.clone(), x0, seed)?),
            _ => AnyStrategy::CmaEs(CmaEs::new(self.cma().expect("a CMA-ES variant"), x0, seed)?),
        })
    }
}
