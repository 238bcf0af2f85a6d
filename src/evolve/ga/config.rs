//! The GA's hyper-parameters (the `strategy = "ga"` keys of an experiment file) and
//! their range checks.

use serde::{Deserialize, Serialize};

use super::super::sampling::NoiseSource;
use super::super::{EvolveError, require};

/// How parents are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Parents drawn uniformly from the best `truncation` fraction of the population.
    Truncation,
    /// The best of `tournament` members drawn uniformly.
    Tournament,
}

/// How a child combines two parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Crossover {
    /// No crossover: a child is a mutated copy of one parent.
    None,
    /// Each gene from either parent.
    Uniform,
    /// Whole gene blocks (and bias vectors) from either parent.
    Blocks,
}

/// Hyper-parameters of the GA (the `strategy = "ga"` keys of an experiment file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GaConfig {
    /// Members per generation.
    pub population: usize,
    /// Best members copied unchanged into the next generation.
    pub elite: usize,
    /// How parents are chosen.
    pub selection: Selection,
    /// Truncation selection: the fraction of the population that may parent.
    pub truncation: f32,
    /// Tournament selection: members per tournament.
    pub tournament: usize,
    /// Standard deviation of the Gaussian mutation (initial value when self-adaptive).
    pub mutation_sigma: f32,
    /// Each member carries its own step size, mutated log-normally before its genes.
    pub self_adaptive: bool,
    /// How a child combines two parents.
    pub crossover: Crossover,
    /// Probability that a child is bred by crossover rather than copied from one parent.
    pub crossover_rate: f32,
    /// Probability per child of a tie mutation (members with a network only).
    pub tie_rate: f32,
    /// Probability per child of an untie (gene duplication) mutation.
    pub untie_rate: f32,
    /// Where mutation noise comes from.
    pub noise: NoiseSource,
}

impl Default for GaConfig {
    fn default() -> Self {
        Self {
            population: 128,
            elite: 1,
            selection: Selection::Truncation,
            truncation: 0.2,
            tournament: 4,
            mutation_sigma: 0.02,
            self_adaptive: false,
            crossover: Crossover::None,
            crossover_rate: 0.5,
            tie_rate: 0.0,
            untie_rate: 0.0,
            noise: NoiseSource::Table,
        }
    }
}

impl GaConfig {
    /// Check every option's range, naming the first that is out of it.
    pub fn validate(&self) -> Result<(), EvolveError> {
        const S: &str = "ga";
        require(
            S,
            "population",
            self.population,
            self.population >= 2,
            "at least 2",
        )?;
        require(
            S,
            "elite",
            self.elite,
            self.elite < self.population,
            "below population",
        )?;
        let fraction = self.truncation;
        require(
            S,
            "truncation",
            fraction,
            fraction > 0.0 && fraction <= 1.0,
            "in (0, 1]",
        )?;
        require(
            S,
            "tournament",
            self.tournament,
            self.tournament >= 1,
            "at least 1",
        )?;
        require(
            S,
            "mutation_sigma",
            self.mutation_sigma,
            self.mutation_sigma > 0.0 && self.mutation_sigma.is_finite(),
            "> 0",
        )?;
        for (name, rate) in [
            ("crossover_rate", self.crossover_rate),
            ("tie_rate", self.tie_rate),
            ("untie_rate", self.untie_rate),
        ] {
            require(S, name, rate, (0.0..=1.0).contains(&rate), "in [0, 1]")?;
        }
        Ok(())
    }
}
