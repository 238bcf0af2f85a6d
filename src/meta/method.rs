//! The outer (slow) loops as configured: the `method` key of a few-shot arm and the keys
//! each method owns, with their defaults.

use serde::{Deserialize, Serialize};

use crate::evolve::StrategyConfig;
use crate::options::NoKeys;

/// Joint pre-training: Adam on each sampled task's examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PretrainConfig {
    /// Adam step size.
    pub lr: f32,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        Self { lr: 0.001 }
    }
}

/// Reptile's outer step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReptileConfig {
    /// ε, the interpolation step towards the adapted weights.
    pub outer_lr: f32,
}

impl Default for ReptileConfig {
    fn default() -> Self {
        Self { outer_lr: 0.1 }
    }
}

/// First-order MAML's outer step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FomamlConfig {
    /// Adam step size of the outer update.
    pub outer_lr: f32,
}

impl Default for FomamlConfig {
    fn default() -> Self {
        Self { outer_lr: 0.001 }
    }
}

fn one() -> usize {
    1
}

/// An evolutionary outer loop: the strategy's keys plus how lifetimes are lived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvolutionMethod {
    /// Tasks per generation, shared by all members (common random numbers).
    #[serde(default = "one")]
    pub tasks: usize,
    /// Append one log learning rate per layer to the genome (evolved plasticity).
    #[serde(default)]
    pub evolve_lr: bool,
    /// Write lifetime-adapted weights back into the genome (a GA only).
    #[serde(default)]
    pub lamarckian: bool,
    /// The strategy and its keys.
    #[serde(flatten)]
    pub strategy: StrategyConfig,
}

crate::tagged_enum! {
    /// An outer (slow) loop, chosen by the `method` key.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Method: "method" {
        /// No outer loop: a random initialisation.
        Scratch(NoKeys) = "scratch",
        /// Joint pre-training on pooled tasks.
        Pretrain(PretrainConfig) = "pretrain",
        /// Reptile.
        Reptile(ReptileConfig) = "reptile",
        /// First-order MAML.
        Fomaml(FomamlConfig) = "fomaml",
        /// Baldwinian (or Lamarckian) evolution.
        Evolution(EvolutionMethod) = "evolution",
    }
}
