//! The outer (slow) loops as configured: the `method` key of a few-shot arm and the keys
//! each method owns, with their defaults.

use serde::{Deserialize, Serialize};

use crate::evolve::StrategyConfig;
use crate::net::Readout;
use crate::options::NoKeys;

/// What a pre-trained network adapts in a lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finetune {
    /// Only the readout layer; the body is a fixed feature extractor (Chen et al. 2019,
    /// "Baseline").
    #[default]
    Head,
    /// Every layer (the pretrained baseline of Finn et al. 2017; Chen et al.'s fine-tuned
    /// variant).
    All,
}

/// The classifier head of pre-training and of the lifetime that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PretrainHead {
    /// The affine readout: logits `h·W + b` (Chen et al. 2019, "Baseline").
    #[default]
    Linear,
    /// The cosine readout: logits `scale · cos(h, w_c)` (Chen et al. 2019, "Baseline++");
    /// digits only.
    Cosine,
}

/// Pre-training, then a lifetime on the new task. On digits it is the "Baseline" of Chen
/// et al. 2019 ("A closer look at few-shot classification"): a classifier over the base
/// (training) classes with their true labels, whose readout is replaced by a new,
/// zero-initialised head over the task's classes that the lifetime fits on the support
/// set. On sine it is joint training on pooled tasks (the output keeps its meaning, so
/// the readout is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PretrainConfig {
    /// Adam step size.
    pub lr: f32,
    /// What the lifetime adapts: the readout alone, or every layer.
    pub finetune: Finetune,
    /// The classifier head, in pre-training and in the lifetime.
    pub head: PretrainHead,
    /// The cosine head's fixed logit scale: 2, the `scale_factor` of Chen et al.'s code
    /// (CloserLookFewShot, `backbone.py`, `distLinear`) for up to 200 classes (10 above).
    pub scale: f32,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        Self {
            lr: 0.001,
            finetune: Finetune::Head,
            head: PretrainHead::Linear,
            scale: 2.0,
        }
    }
}

impl PretrainConfig {
    /// The readout the configured head means.
    pub fn readout(&self) -> Readout {
        match self.head {
            PretrainHead::Linear => Readout::Affine,
            PretrainHead::Cosine => Readout::Cosine { scale: self.scale },
        }
    }
}

/// Which of the two sample axes an outer budget counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleAxis {
    /// Distinct examples drawn from the task distribution, each counted once when drawn
    /// however many members or inner steps use it (the data axis: how much did the
    /// learner have to see?).
    #[default]
    Drawn,
    /// Forward passes over examples: every member's and every inner step's pass counts
    /// (the compute axis).
    Evaluations,
}

/// How Reptile's ε changes over the outer budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anneal {
    /// Constant ε.
    #[default]
    None,
    /// ε decays linearly to 0 at the end of the outer budget (Nichol et al. 2018, as in
    /// their code: `ε·(1 − fraction done)`).
    Linear,
}

/// Reptile's outer step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReptileConfig {
    /// ε, the interpolation step towards the adapted weights.
    pub outer_lr: f32,
    /// Tasks per outer step; the step moves towards the mean of their adapted weights.
    pub meta_batch: usize,
    /// How ε changes over the outer budget.
    pub anneal: Anneal,
}

impl Default for ReptileConfig {
    fn default() -> Self {
        Self {
            outer_lr: 0.1,
            meta_batch: 1,
            anneal: Anneal::None,
        }
    }
}

/// MAML's outer step (first-order or exact): Adam on the meta-gradient averaged over a
/// meta-batch of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MamlConfig {
    /// Adam step size of the outer update.
    pub outer_lr: f32,
    /// Tasks per outer step; the update follows the mean of their meta-gradients.
    pub meta_batch: usize,
}

impl Default for MamlConfig {
    fn default() -> Self {
        Self {
            outer_lr: 0.001,
            meta_batch: 1,
        }
    }
}

/// First-order MAML's keys: the same as MAML's.
pub type FomamlConfig = MamlConfig;

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
        /// Pre-training (true base-class labels on digits), then a new head.
        Pretrain(PretrainConfig) = "pretrain",
        /// Reptile.
        Reptile(ReptileConfig) = "reptile",
        /// First-order MAML.
        Fomaml(FomamlConfig) = "fomaml",
        /// MAML with its exact second-order meta-gradient.
        Maml(MamlConfig) = "maml",
        /// Baldwinian (or Lamarckian) evolution.
        Evolution(EvolutionMethod) = "evolution",
    }
}
