//! Compare experiments (`kind = "compare"`, the default): learners — gradient descent
//! with an optimiser, or evolution with a strategy — train the same network on one task,
//! each charged for the training examples it consumes.
//!
//! The types here are the file's tables: each derives serde with its defaults, so the
//! parser (`parse.rs`), the resolved `config.toml` and `baldwin list` read one
//! declaration.

mod data;
mod fitness;
mod learner;
pub(in crate::experiment) mod parse;
mod plots;
pub mod report;
pub mod run;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::pipeline::{Experiment, Report, RunContext};
use super::runner::RunError;
use crate::evolve::StrategyConfig;
use crate::learn::OptimizerConfig;
use crate::net::{Activation, Architecture, NetError, Network, Tying, TyingPreset};
use crate::task::{Split, TaskSpec};

pub use fitness::BatchFitness;
pub(crate) use plots::budget_guide;
pub use run::Record;

/// Tile of tied presets when the file names none.
pub const DEFAULT_TILE: [usize; 2] = [4, 4];

/// The `[network]` table: hidden layers and the default tying of every arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    /// Hidden layer sizes; inputs and outputs come from the task.
    pub hidden: Vec<usize>,
    /// Activation of every hidden layer.
    pub activation: Activation,
    /// Weight tying of the hidden layers (segmentation).
    pub tying: TyingPreset,
    /// Tile shape `[rows, cols]`; `None`: 4x4 for tied presets, one dense tile untied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tile: Option<[usize; 2]>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            hidden: vec![32],
            activation: Activation::Tanh,
            tying: TyingPreset::None,
            tile: None,
        }
    }
}

fn forty() -> usize {
    40
}

/// The `[budget]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Training examples each run may consume.
    pub samples: u64,
    /// Evaluation points, log-spaced in samples.
    #[serde(default = "forty")]
    pub checkpoints: usize,
    /// Test metric that counts as solved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

/// A gradient learner: mini-batches and an optimiser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradientLearner {
    /// Examples per step.
    pub batch: usize,
    /// The optimiser and its keys.
    #[serde(flatten)]
    pub optimizer: OptimizerConfig,
}

/// An evolution learner: a strategy whose members are scored on a shared mini-batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvolutionLearner {
    /// Examples per member per generation (the same batch for every member).
    pub batch: usize,
    /// The strategy and its keys.
    #[serde(flatten)]
    pub strategy: StrategyConfig,
}

crate::tagged_enum! {
    /// How an arm learns, chosen by its `learner` key.
    #[derive(Debug, Clone, PartialEq)]
    pub enum LearnerConfig: "learner" {
        /// Backprop with an optimiser.
        Gradient(GradientLearner) = "gradient",
        /// An evolution strategy.
        Evolution(EvolutionLearner) = "evolution",
    }
}

/// One `[[arm]]`: a learner and the tying of its network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    /// Unique label, used in plots and file names.
    pub name: String,
    /// Weight tying of the hidden layers.
    pub tying: TyingPreset,
    /// Tile shape, if not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile: Option<[usize; 2]>,
    /// The learner and its keys.
    #[serde(flatten)]
    pub learner: LearnerConfig,
}

impl Arm {
    /// Examples per step (gradient) or per member per generation (evolution).
    pub fn batch(&self) -> usize {
        match &self.learner {
            LearnerConfig::Gradient(g) => g.batch,
            LearnerConfig::Evolution(e) => e.batch,
        }
    }

    /// Training examples one step (gradient) or generation (evolution) consumes: the
    /// schedule's unit and the smallest budget the arm can run on.
    pub fn examples_per_step(&self) -> u64 {
        match &self.learner {
            LearnerConfig::Gradient(g) => g.batch as u64,
            LearnerConfig::Evolution(e) => {
                (e.batch as u64).saturating_mul(e.strategy.population().unwrap_or(1) as u64)
            }
        }
    }

    /// What the arm runs, for tables: "gradient (adam)", "evolution (ga)".
    pub fn learner_label(&self) -> String {
        use crate::options::Tagged;
        match &self.learner {
            LearnerConfig::Gradient(g) => format!("gradient ({})", g.optimizer.label()),
            LearnerConfig::Evolution(e) => format!("evolution ({})", e.strategy.label()),
        }
    }
}

/// A validated compare experiment: everything needed to run it, nothing left to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareExperiment {
    /// Names the results folder.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Runs per arm, seeds `0..seeds`.
    pub seeds: u64,
    /// The task.
    pub task: TaskSpec,
    /// The network.
    pub network: NetworkSpec,
    /// The sample budget of each run.
    pub budget: Budget,
    /// The learners compared.
    #[serde(rename = "arm")]
    pub arms: Vec<Arm>,
}

impl CompareExperiment {
    /// The network an arm trains: task-sized input and output, the experiment's hidden
    /// layers, the arm's tying.
    pub fn network_for(&self, arm: &Arm, data: &Split) -> Network {
        build_network(&self.network, arm.tying, arm.tile, &self.task, data)
            .expect("validated when the experiment was loaded")
    }
}

/// The network of `spec` with `tying` and `tile`, sized for `task`'s data.
pub fn build_network(
    spec: &NetworkSpec,
    tying: TyingPreset,
    tile: Option<[usize; 2]>,
    task: &TaskSpec,
    data: &Split,
) -> Result<Network, NetError> {
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

impl Experiment for CompareExperiment {
    type Row = Record;
    type Shared = Split;

    fn name(&self) -> &str {
        &self.name
    }

    fn arm_names(&self) -> Vec<String> {
        self.arms.iter().map(|a| a.name.clone()).collect()
    }

    fn seeds(&self) -> u64 {
        self.seeds
    }

    fn run_identity(&self, arm: usize) -> String {
        #[derive(Serialize)]
        struct Identity<'a> {
            /// A CSV task's contents (absent for every other task, so that their
            /// identities are what they were before CSV tasks existed).
            #[serde(skip_serializing_if = "Option::is_none")]
            data: Option<&'a str>,
            name: &'a str,
            task: &'a TaskSpec,
            network: &'a NetworkSpec,
            budget: &'a Budget,
            arm: &'a Arm,
        }
        let data = match &self.task {
            TaskSpec::Csv(t) => t.data.as_deref().map(|d| d.digest.as_str()),
            _ => None,
        };
        toml::to_string(&Identity {
            data,
            name: &self.name,
            task: &self.task,
            network: &self.network,
            budget: &self.budget,
            arm: &self.arms[arm],
        })
        .expect("experiments serialise to TOML")
    }

    fn units_per_run(&self) -> (u64, &'static str) {
        (self.budget.samples, "samples")
    }

    fn prepare(&self) -> Split {
        self.task.build()
    }

    fn run(
        &self,
        data: &Split,
        arm: usize,
        seed: u64,
        context: &RunContext,
    ) -> Result<Option<Vec<Record>>, RunError> {
        let arm = &self.arms[arm];
        run::execute(self, arm, seed, data, context).map_err(|source| RunError::Network {
            arm: arm.name.clone(),
            seed,
            source,
        })
    }

    fn saves_networks(&self) -> bool {
        true
    }

    fn splits_population(&self, arm: usize) -> bool {
        matches!(self.arms[arm].learner, LearnerConfig::Evolution(_))
    }

    fn report(&self, rows: &[Record], out: &Path) -> Result<Report, RunError> {
        report::write(self, rows, out)
    }
}
