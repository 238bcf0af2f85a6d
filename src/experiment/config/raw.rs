//! The experiment file as written: serde structs that keep every value's position
//! (`Spanned`) and reject unknown keys. Nothing here is validated yet.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::evolve::{Crossover, FitnessShaping};
use crate::net::{Activation, TyingPreset};
use crate::task::TaskKind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::experiment) struct RawExperiment {
    /// `compare` (or absent); other kinds are parsed elsewhere (see `kind.rs`).
    #[allow(dead_code)]
    pub(in crate::experiment) kind: Option<Spanned<String>>,
    pub(in crate::experiment) name: Spanned<String>,
    #[serde(default)]
    pub(in crate::experiment) description: String,
    pub(in crate::experiment) seeds: Option<Spanned<u64>>,
    pub(in crate::experiment) task: Spanned<RawTask>,
    #[serde(default)]
    pub(in crate::experiment) network: RawNetwork,
    pub(in crate::experiment) budget: Spanned<RawBudget>,
    #[serde(default, rename = "arm")]
    pub(in crate::experiment) arms: Vec<Spanned<RawArm>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::experiment) struct RawTask {
    pub(in crate::experiment) kind: Spanned<TaskKind>,
    pub(in crate::experiment) bits: Option<Spanned<usize>>,
    pub(in crate::experiment) points: Option<Spanned<usize>>,
    pub(in crate::experiment) noise: Option<Spanned<f32>>,
    pub(in crate::experiment) length: Option<Spanned<usize>>,
    pub(in crate::experiment) motif: Option<Spanned<Vec<u8>>>,
    pub(in crate::experiment) train: Option<Spanned<usize>>,
    pub(in crate::experiment) test: Option<Spanned<usize>>,
    pub(in crate::experiment) seed: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::experiment) struct RawNetwork {
    pub(in crate::experiment) hidden: Option<Spanned<Vec<usize>>>,
    pub(in crate::experiment) activation: Option<Activation>,
    pub(in crate::experiment) tying: Option<TyingPreset>,
    pub(in crate::experiment) tile: Option<Spanned<[usize; 2]>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::experiment) struct RawBudget {
    pub(in crate::experiment) samples: Spanned<u64>,
    pub(in crate::experiment) checkpoints: Option<Spanned<usize>>,
    pub(in crate::experiment) target: Option<Spanned<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearnerKind {
    Gradient,
    Evolution,
}

/// The outer loop of a few-shot arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    Scratch,
    Pretrain,
    Reptile,
    Fomaml,
    Evolution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Adam,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    Ga,
    #[serde(rename = "openai_es")]
    OpenAiEs,
    Snes,
    CmaEs,
    SepCmaEs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(in crate::experiment) enum SelectionKind {
    Truncation,
    Tournament,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::experiment) struct RawArm {
    pub(in crate::experiment) name: Spanned<String>,
    pub(in crate::experiment) learner: Option<Spanned<LearnerKind>>,
    // Few-shot (meta-learning) arms.
    pub(in crate::experiment) method: Option<Spanned<MethodKind>>,
    pub(in crate::experiment) outer_lr: Option<Spanned<f32>>,
    pub(in crate::experiment) tasks: Option<Spanned<usize>>,
    pub(in crate::experiment) evolve_lr: Option<Spanned<bool>>,
    pub(in crate::experiment) lamarckian: Option<Spanned<bool>>,
    pub(in crate::experiment) inner_steps: Option<Spanned<usize>>,
    pub(in crate::experiment) inner_lr: Option<Spanned<f32>>,
    pub(in crate::experiment) inner_optimizer: Option<Spanned<crate::meta::InnerOptimizer>>,
    // Gradient learners.
    pub(in crate::experiment) optimizer: Option<Spanned<OptimizerKind>>,
    pub(in crate::experiment) momentum: Option<Spanned<f32>>,
    // Shared.
    pub(in crate::experiment) lr: Option<Spanned<f32>>,
    pub(in crate::experiment) batch: Option<Spanned<usize>>,
    pub(in crate::experiment) weight_decay: Option<Spanned<f32>>,
    pub(in crate::experiment) tying: Option<TyingPreset>,
    pub(in crate::experiment) tile: Option<Spanned<[usize; 2]>>,
    // Evolution.
    pub(in crate::experiment) strategy: Option<Spanned<StrategyKind>>,
    pub(in crate::experiment) population: Option<Spanned<usize>>,
    pub(in crate::experiment) sigma: Option<Spanned<f32>>,
    pub(in crate::experiment) antithetic: Option<Spanned<bool>>,
    pub(in crate::experiment) shaping: Option<Spanned<FitnessShaping>>,
    pub(in crate::experiment) elite: Option<Spanned<usize>>,
    pub(in crate::experiment) mutation_sigma: Option<Spanned<f32>>,
    pub(in crate::experiment) self_adaptive: Option<Spanned<bool>>,
    pub(in crate::experiment) selection: Option<Spanned<SelectionKind>>,
    pub(in crate::experiment) truncation: Option<Spanned<f32>>,
    pub(in crate::experiment) tournament: Option<Spanned<usize>>,
    pub(in crate::experiment) crossover: Option<Spanned<Crossover>>,
    pub(in crate::experiment) crossover_rate: Option<Spanned<f32>>,
    pub(in crate::experiment) tie_rate: Option<Spanned<f32>>,
    pub(in crate::experiment) untie_rate: Option<Spanned<f32>>,
}
