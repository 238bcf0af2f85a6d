//! The optimiser of a gradient learner as configured: the `optimizer` key of an
//! experiment file and the keys each optimiser owns, with their defaults.

use serde::{Deserialize, Serialize};

use crate::optim::{Adam, AnyOptimizer, Momentum, Sgd};
use crate::options::Invalid;

/// Plain SGD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SgdConfig {
    /// Step size.
    pub lr: f32,
    /// L2 penalty added to the gradient.
    pub weight_decay: f32,
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self {
            lr: 0.05,
            weight_decay: 0.0,
        }
    }
}

/// Heavy-ball momentum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MomentumConfig {
    /// Step size.
    pub lr: f32,
    /// Heavy-ball coefficient.
    pub momentum: f32,
    /// L2 penalty added to the gradient.
    pub weight_decay: f32,
}

impl Default for MomentumConfig {
    fn default() -> Self {
        Self {
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 0.0,
        }
    }
}

/// Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamConfig {
    /// Step size.
    pub lr: f32,
    /// Decay of the first-moment estimate (paper: 0.9).
    pub beta1: f32,
    /// Decay of the second-moment estimate (paper: 0.999).
    pub beta2: f32,
    /// Added to √v̂ (paper: 1e-8).
    pub eps: f32,
    /// Decoupled weight decay (Loshchilov & Hutter 2019).
    pub weight_decay: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        let paper = Adam::new(0.001);
        Self {
            lr: paper.lr,
            beta1: paper.beta1,
            beta2: paper.beta2,
            eps: paper.eps,
            weight_decay: paper.weight_decay,
        }
    }
}

crate::tagged_enum! {
    /// A gradient learner's optimiser, chosen by the `optimizer` key (default `adam`).
    #[derive(Debug, Clone, PartialEq)]
    pub enum OptimizerConfig: "optimizer" {
        /// Plain SGD.
        Sgd(SgdConfig) = "sgd",
        /// Heavy-ball momentum.
        Momentum(MomentumConfig) = "momentum",
        /// Adam.
        Adam(AdamConfig) = "adam",
    }
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig::Adam(AdamConfig::default())
    }
}

impl OptimizerConfig {
    /// Check every key, naming the first bad one.
    pub fn validate(&self) -> Result<(), Invalid> {
        let (lr, weight_decay) = match self {
            OptimizerConfig::Sgd(c) => (c.lr, c.weight_decay),
            OptimizerConfig::Momentum(c) => {
                Invalid::unless(
                    (0.0..1.0).contains(&c.momentum),
                    "momentum",
                    "must be in [0, 1)",
                )?;
                (c.lr, c.weight_decay)
            }
            OptimizerConfig::Adam(c) => {
                for (key, beta) in [("beta1", c.beta1), ("beta2", c.beta2)] {
                    Invalid::unless((0.0..1.0).contains(&beta), key, "must be in [0, 1)")?;
                }
                Invalid::unless(c.eps > 0.0 && c.eps.is_finite(), "eps", "must be > 0")?;
                (c.lr, c.weight_decay)
            }
        };
        Invalid::unless(lr > 0.0 && lr.is_finite(), "lr", "must be > 0")?;
        Invalid::unless(
            weight_decay >= 0.0 && weight_decay.is_finite(),
            "weight_decay",
            "must be >= 0",
        )
    }

    /// A fresh optimiser with these settings.
    pub fn build(&self) -> AnyOptimizer {
        match self {
            OptimizerConfig::Sgd(c) => {
                AnyOptimizer::Sgd(Sgd::new(c.lr).with_weight_decay(c.weight_decay))
            }
            OptimizerConfig::Momentum(c) => AnyOptimizer::Momentum(
                Momentum::new(c.lr, c.momentum).with_weight_decay(c.weight_decay),
            ),
            OptimizerConfig::Adam(c) => {
                let mut adam = Adam::new(c.lr)
                    .with_betas(c.beta1, c.beta2)
                    .with_weight_decay(c.weight_decay);
                adam.eps = c.eps;
                AnyOptimizer::Adam(adam)
            }
        }
    }
}
