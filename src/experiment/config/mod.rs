//! The experiment file: TOML text → validated [`Experiment`].
//!
//! Parsing is strict (unknown keys are errors) and every error names the file, line,
//! column and key, with the allowed values and a "did you mean" for typos. Validation of
//! ranges and of cross-key constraints (a tile that must divide the hidden layers, a batch
//! no larger than the training set, keys that do not apply to an arm's learner) happens
//! here, once, before anything runs.

mod raw;
mod validate;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::{ConfigError, Source};
use crate::net::{Activation, Architecture, Head, Loss, Network, Tying, TyingPreset};
use crate::task::{self, Split, TaskKind};

pub use raw::{LearnerKind, MethodKind, OptimizerKind, StrategyKind};
pub(in crate::experiment) use raw::{RawArm, RawExperiment, RawNetwork};
pub(in crate::experiment) use validate::{Validator, value};

/// Tile of tied presets when the file names none.
pub const DEFAULT_TILE: [usize; 2] = [4, 4];

/// Which number says how well a network does, and which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Test accuracy, higher is better.
    Accuracy,
    /// Test loss (MSE), lower is better.
    Loss,
}

impl Metric {
    pub fn higher_is_better(self) -> bool {
        self == Metric::Accuracy
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Accuracy => "test accuracy",
            Metric::Loss => "test loss (MSE)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    pub kind: TaskKind,
    pub bits: usize,
    pub points: usize,
    pub noise: f32,
    pub length: usize,
    pub motif: Vec<u8>,
    pub train: usize,
    pub test: usize,
    pub seed: u64,
}

impl TaskSpec {
    /// Build the data (deterministic for the spec).
    pub fn build(&self) -> Split {
        match self.kind {
            TaskKind::Xor => task::xor(),
            TaskKind::Parity => task::parity(self.bits),
            TaskKind::Spirals => task::spirals(self.points, self.noise, self.seed),
            TaskKind::Digits => task::digits(),
            TaskKind::Sine => task::sine(self.train, self.test, self.seed),
            TaskKind::Motif => {
                task::motif(self.length, &self.motif, self.train, self.test, self.seed)
            }
            TaskKind::Mirror => task::mirror(self.length, self.train, self.test, self.seed),
        }
    }

    pub fn metric(&self) -> Metric {
        match self.kind {
            TaskKind::Sine => Metric::Loss,
            _ => Metric::Accuracy,
        }
    }

    /// Head and loss the task's labels call for: classes → softmax + cross-entropy;
    /// values → linear + MSE.
    pub fn head_and_loss(&self) -> (Head, Loss) {
        match self.kind {
            TaskKind::Xor | TaskKind::Parity | TaskKind::Sine => (Head::Linear, Loss::Mse),
            _ => (Head::Softmax, Loss::CrossEntropy),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub tying: TyingPreset,
    /// `None`: tied presets use 4x4 tiles, `none` uses one dense tile per layer.
    pub tile: Option<[usize; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub samples: u64,
    pub checkpoints: usize,
    pub target: Option<f64>,
}

/// An evolution arm's strategy and its configuration.
pub use crate::evolve::StrategyConfig as StrategySpec;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Learner {
    Gradient {
        optimizer: OptimizerKind,
        lr: f32,
        momentum: f32,
        weight_decay: f32,
        batch: usize,
    },
    Evolution {
        strategy: StrategySpec,
        batch: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    pub name: String,
    pub tying: TyingPreset,
    pub tile: Option<[usize; 2]>,
    pub learner: Learner,
}

impl Arm {
    /// Training examples one step (or generation) of this arm consumes.
    pub fn samples_per_step(&self) -> u64 {
        match &self.learner {
            Learner::Gradient { batch, .. } => *batch as u64,
            Learner::Evolution { strategy, batch } => {
                let population = match strategy {
                    StrategySpec::Ga(c) => c.population,
                    StrategySpec::OpenAiEs(c) => c.population,
                    StrategySpec::Snes(c) => c.population.unwrap_or(0),
                    StrategySpec::CmaEs(c) => c.population.unwrap_or(0),
                };
                (population * batch) as u64
            }
        }
    }
}

/// A validated experiment: everything needed to run it, nothing left to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    pub seeds: u64,
    pub task: TaskSpec,
    pub network: NetworkSpec,
    pub budget: Budget,
    pub arms: Vec<Arm>,
}

impl Experiment {
    /// The network an arm trains: task-sized input and output, the experiment's hidden
    /// layers, the arm's tying.
    pub fn network_for(&self, arm: &Arm, data: &Split) -> Network {
        build_network(&self.network, arm.tying, arm.tile, &self.task, data)
            .expect("validated when the experiment was loaded")
    }
}

pub(in crate::experiment) fn build_network(
    spec: &NetworkSpec,
    tying: TyingPreset,
    tile: Option<[usize; 2]>,
    task: &TaskSpec,
    data: &Split,
) -> Result<Network, crate::net::NetError> {
    let (head, _) = task.head_and_loss();
    let mut sizes = vec![data.train.features];
    sizes.extend_from_slice(&spec.hidden);
    sizes.push(data.train.outputs());
    let arch = Architecture::uniform(&sizes, spec.activation, head)?;
    let tying = match (tying, tile) {
        (TyingPreset::None, None) => Tying::dense(&arch),
        (_, tile) => {
            let [rows, cols] = tile.unwrap_or(DEFAULT_TILE);
            Tying::preset(&arch, tying, (rows, cols))?
        }
    };
    Network::new(arch, tying)
}

/// Read, parse and validate an experiment file.
pub fn load(path: &Path) -> Result<Experiment, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        key: None,
        message: format!("cannot read the file: {e}"),
        allowed: None,
        suggestion: None,
    })?;
    parse(path, &text)
}

/// Parse and validate experiment text; `path` is used in error messages only.
pub fn parse(path: &Path, text: &str) -> Result<Experiment, ConfigError> {
    let source = Source { file: path, text };
    let raw: RawExperiment = toml::from_str(text).map_err(|e| source.from_toml(&e))?;
    Validator { source: &source }.experiment(raw)
}
