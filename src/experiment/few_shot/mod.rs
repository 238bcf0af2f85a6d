//! Few-shot experiments (`kind = "few_shot"`): outer (slow) loops against each other and
//! against scratch, measured by post-adaptation performance on held-out tasks.
//!
//! The types here are the file's tables, each with its defaults in one declaration.

mod arm;
pub(in crate::experiment) mod parse;
mod plots;
pub mod report;
pub mod run;
pub mod targets;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::pipeline::{Experiment, Report, RunContext};
use super::runner::RunError;
use crate::meta::{DigitImages, Family, InnerLoop, InnerOptimizer, Method, SampleAxis};
use crate::net::{Activation, Architecture, Init, Initializer, NetError, Network};

pub use run::MetaRecord;

/// The `[network]` table of a few-shot experiment (dense; inputs and outputs from the
/// family).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LayersSpec {
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Activation of every hidden layer.
    pub activation: Activation,
    /// How the first genome is drawn.
    pub init: Init,
    /// σ of `init = "normal"`.
    pub init_sigma: f32,
}

impl Default for LayersSpec {
    fn default() -> Self {
        Self {
            hidden: vec![32],
            activation: Activation::Tanh,
            init: Init::Auto,
            init_sigma: 0.01,
        }
    }
}

impl LayersSpec {
    /// The initialisation scheme of this table.
    pub fn initializer(&self) -> Initializer {
        Initializer {
            init: self.init,
            sigma: self.init_sigma,
        }
    }
}

/// The `[inner]` table: the lifetime (fast) learner during outer training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InnerSpec {
    /// K support examples (per class) of each training task.
    pub shots: usize,
    /// The inner loop's steps, rate and optimiser.
    #[serde(flatten)]
    pub lifetime: InnerLoop,
}

/// How an initialisation is scored: adapt on `tasks` fixed held-out tasks with each
/// number of `shots`, for `steps` inner steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// K of the held-out evaluation tasks (default: the training shots).
    pub shots: Vec<usize>,
    /// Inner steps at evaluation (the adaptation curve).
    #[serde(default = "ten")]
    pub steps: usize,
    /// Fixed evaluation tasks, the same for every method and seed.
    #[serde(default = "hundred")]
    pub tasks: usize,
    /// Inner learning rate at evaluation (default: each arm's inner lr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f32>,
    /// Query points (per class for digits) scoring each evaluation task (default: the
    /// family's `query`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<usize>,
}

impl Evaluation {
    /// The inner loop that scores `arm`'s initialisations: `steps` steps of the arm's
    /// optimiser, at the evaluation lr if one is given.
    pub fn inner(&self, arm: &MetaArm) -> InnerLoop {
        InnerLoop {
            steps: self.steps,
            lr: self.lr.unwrap_or(arm.inner_lr),
            optimizer: arm.inner_optimizer,
        }
    }

    /// The family whose held-out tasks score initialisations: `family` with the
    /// evaluation's query points.
    pub fn family(&self, family: &Family) -> Family {
        family.with_query(self.query.unwrap_or(family.query()))
    }
}

fn ten() -> usize {
    10
}

fn hundred() -> usize {
    100
}

fn twelve() -> usize {
    12
}

/// The `[budget]` table of a few-shot experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OuterBudget {
    /// Outer samples each outer loop may use, counted on `axis`.
    pub outer_samples: u64,
    /// What `outer_samples` counts: examples drawn from the task distribution (the
    /// default) or example evaluations (forward passes, inner steps and members included).
    #[serde(default)]
    pub axis: SampleAxis,
    /// Query-metric targets (MSE or accuracy at the headline shots after the evaluation's
    /// steps) for the samples-to-target table, on both axes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<f64>,
    /// Evaluation points: 0, then log-spaced up to the budget.
    #[serde(default = "twelve")]
    pub checkpoints: usize,
}

/// One `[[arm]]`: an outer loop and its lifetime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaArm {
    /// Unique label.
    pub name: String,
    /// Inner steps of this arm's lifetimes (default: `[inner] steps`).
    pub inner_steps: usize,
    /// Inner learning rate (default: `[inner] lr`).
    pub inner_lr: f32,
    /// Inner optimiser (default: `[inner] optimizer`).
    pub inner_optimizer: InnerOptimizer,
    /// The outer loop and its keys.
    #[serde(flatten)]
    pub method: Method,
}

impl MetaArm {
    /// Training examples one outer step consumes on tasks of `support` and `query` rows:
    /// used to refuse a budget below one step before anything runs (the loops
    /// themselves charge what they consume; a test checks the two agree).
    pub fn examples_per_step(&self, support: usize, query: usize) -> u64 {
        let (support, query) = (support as u64, query as u64);
        let lifetime = (self.inner_steps as u64).saturating_mul(support);
        match &self.method {
            Method::Scratch(_) => 0,
            Method::Pretrain(_) => support + query,
            Method::Reptile(c) => (c.meta_batch as u64).saturating_mul(lifetime),
            Method::Fomaml(c) => (c.meta_batch as u64).saturating_mul(lifetime + query),
            // The Hessian-vector products re-run the support once per inner step.
            Method::Maml(c) => (c.meta_batch as u64)
                .saturating_mul(lifetime.saturating_mul(2).saturating_add(query)),
            Method::Evolution(e) => (e.strategy.population().unwrap_or(1) as u64)
                .saturating_mul(e.tasks as u64)
                .saturating_mul(lifetime + query),
        }
    }

    /// Examples one outer step draws from the task distribution (each once, however
    /// many members or inner steps use it); see [`MetaArm::examples_per_step`].
    pub fn examples_drawn_per_step(&self, support: usize, query: usize) -> u64 {
        let (support, query) = (support as u64, query as u64);
        match &self.method {
            Method::Scratch(_) => 0,
            Method::Pretrain(_) => support + query,
            // Reptile adapts on the support and never looks at the query points.
            Method::Reptile(c) => (c.meta_batch as u64).saturating_mul(support),
            Method::Fomaml(c) | Method::Maml(c) => {
                (c.meta_batch as u64).saturating_mul(support + query)
            }
            Method::Evolution(e) => (e.tasks as u64).saturating_mul(support + query),
        }
    }

    /// Examples one outer step charges to a budget on `axis`.
    pub fn per_step(&self, axis: SampleAxis, support: usize, query: usize) -> u64 {
        match axis {
            SampleAxis::Drawn => self.examples_drawn_per_step(support, query),
            SampleAxis::Evaluations => self.examples_per_step(support, query),
        }
    }

    /// This arm's lifetime learner during outer training.
    pub fn inner(&self) -> InnerLoop {
        InnerLoop {
            steps: self.inner_steps,
            lr: self.inner_lr,
            optimizer: self.inner_optimizer,
        }
    }
}

/// A validated few-shot experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FewShotExperiment {
    /// Names the results folder.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Runs per method, seeds `0..seeds`.
    pub seeds: u64,
    /// The task family.
    pub family: Family,
    /// The network.
    pub network: LayersSpec,
    /// The lifetime during outer training.
    pub inner: InnerSpec,
    /// How initialisations are scored.
    pub evaluation: Evaluation,
    /// The outer-sample budget.
    pub budget: OuterBudget,
    /// The outer loops compared.
    #[serde(rename = "arm")]
    pub arms: Vec<MetaArm>,
}

impl FewShotExperiment {
    /// The network every method shapes.
    pub fn network(&self) -> Result<Network, NetError> {
        let (head, _) = self.family.head_and_loss();
        let mut sizes = vec![self.family.inputs()];
        sizes.extend_from_slice(&self.network.hidden);
        sizes.push(self.family.outputs());
        Ok(Network::dense(Architecture::uniform(
            &sizes,
            self.network.activation,
            head,
        )?))
    }

    /// `(support, query)` rows of one training task: shots and query points, per class for
    /// digits.
    pub fn task_rows(&self) -> (usize, usize) {
        match &self.family {
            Family::Sine(t) => (self.inner.shots, t.query),
            Family::Digits(t) => (
                self.inner.shots.saturating_mul(t.ways),
                t.query.saturating_mul(t.ways),
            ),
        }
    }

    /// The largest `(support, query)` rows of one evaluation task.
    pub fn evaluation_rows(&self) -> (usize, usize) {
        let shots = self.evaluation.shots.iter().copied().max().unwrap_or(0);
        let query = self.evaluation.query.unwrap_or(self.family.query());
        match &self.family {
            Family::Sine(_) => (shots, query),
            Family::Digits(t) => (shots.saturating_mul(t.ways), query.saturating_mul(t.ways)),
        }
    }

    /// The shots at which the slow–fast trade-off is reported: the training shots if
    /// they are evaluated, else the first evaluated number.
    pub fn headline_shots(&self) -> usize {
        if self.evaluation.shots.contains(&self.inner.shots) {
            self.inner.shots
        } else {
            self.evaluation.shots[0]
        }
    }
}

impl Experiment for FewShotExperiment {
    type Row = MetaRecord;
    type Shared = DigitImages;

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
            name: &'a str,
            family: &'a Family,
            network: &'a LayersSpec,
            inner: &'a InnerSpec,
            evaluation: &'a Evaluation,
            budget: &'a OuterBudget,
            arm: &'a MetaArm,
        }
        toml::to_string(&Identity {
            name: &self.name,
            family: &self.family,
            network: &self.network,
            inner: &self.inner,
            evaluation: &self.evaluation,
            budget: &self.budget,
            arm: &self.arms[arm],
        })
        .expect("experiments serialise to TOML")
    }

    fn splits_population(&self, arm: usize) -> bool {
        matches!(self.arms[arm].method, Method::Evolution(_))
    }

    fn saves_networks(&self) -> bool {
        true
    }

    fn units_per_run(&self) -> (u64, &'static str) {
        (self.budget.outer_samples, "outer samples")
    }

    fn prepare(&self) -> DigitImages {
        match self.family {
            Family::Digits(_) => DigitImages::load(),
            Family::Sine(_) => DigitImages::default(),
        }
    }

    fn run(
        &self,
        images: &DigitImages,
        arm: usize,
        seed: u64,
        context: &RunContext,
    ) -> Result<Option<Vec<MetaRecord>>, RunError> {
        let arm = &self.arms[arm];
        run::execute(self, arm, seed, images, context).map_err(|source| RunError::Network {
            arm: arm.name.clone(),
            seed,
            source,
        })
    }

    fn report(&self, rows: &[MetaRecord], out: &Path) -> Result<Report, RunError> {
        report::write(self, rows, out)
    }
}
