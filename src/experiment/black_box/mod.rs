//! Black-box experiments (`kind = "black_box"`): evolution strategies on standard test
//! functions (sphere, ellipsoid, Rosenbrock, Rastrigin, Ackley), with no network and no
//! data, so the engine can be compared with pycma and evosax on their own ground.
//!
//! A run drives one strategy through [`crate::evolve::Driver`] and counts every function
//! evaluation against `[budget] evaluations`, a hard ceiling; it ends early when the
//! strategy stops on its own ([`crate::evolve::Strategy::stop`]) or diverges. The types
//! here are the file's tables (`parse.rs` reads them with positions); `run.rs` is one
//! run, `report.rs` the tables and the convergence plot.

pub(in crate::experiment) mod parse;
pub mod report;
pub mod run;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::pipeline::{Experiment, Report, RunContext};
use super::runner::RunError;
use crate::evolve::StrategyConfig;
use crate::evolve::functions::{self, Optimum};
use crate::options::Invalid;

pub use run::Point;

/// Most dimensions a test function may have.
pub const MAX_DIM: usize = 100_000;

fn ten() -> usize {
    10
}

/// `[function] name = "sphere"`: `Σ xᵢ²`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sphere {
    /// Dimension n.
    pub dim: usize,
    /// Every coordinate of the start mean.
    pub x0: f64,
}

impl Default for Sphere {
    fn default() -> Self {
        // pycma's doctests start the sphere and the ellipsoid at (1, …, 1).
        Self {
            dim: ten(),
            x0: 1.0,
        }
    }
}

/// `[function] name = "ellipsoid"`: pycma's `elli`, `Σ condition^(i/(n−1)) xᵢ²`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ellipsoid {
    /// Dimension n.
    pub dim: usize,
    /// Every coordinate of the start mean.
    pub x0: f64,
    /// Ratio of the largest to the smallest axis scale, squared (pycma: 1e6).
    pub condition: f64,
}

impl Default for Ellipsoid {
    fn default() -> Self {
        Self {
            dim: ten(),
            x0: 1.0,
            condition: functions::ELLIPSOID_CONDITION,
        }
    }
}

/// `[function] name = "rosenbrock"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rosenbrock {
    /// Dimension n.
    pub dim: usize,
    /// Every coordinate of the start mean.
    pub x0: f64,
}

impl Default for Rosenbrock {
    fn default() -> Self {
        // The usual start, the origin (pycma's `cma.ff.rosen` examples).
        Self {
            dim: ten(),
            x0: 0.0,
        }
    }
}

/// `[function] name = "rastrigin"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rastrigin {
    /// Dimension n.
    pub dim: usize,
    /// Every coordinate of the start mean.
    pub x0: f64,
}

impl Default for Rastrigin {
    fn default() -> Self {
        // Inside the usual domain [−5.12, 5.12], several local minima from the optimum.
        Self {
            dim: ten(),
            x0: 3.0,
        }
    }
}

/// `[function] name = "ackley"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ackley {
    /// Dimension n.
    pub dim: usize,
    /// Every coordinate of the start mean.
    pub x0: f64,
}

impl Default for Ackley {
    fn default() -> Self {
        Self {
            dim: ten(),
            x0: 3.0,
        }
    }
}

crate::tagged_enum! {
    /// The test function, chosen by the `[function]` table's `name`.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Function: "name" {
        /// `Σ xᵢ²`.
        Sphere(Sphere) = "sphere",
        /// pycma's `elli`.
        Ellipsoid(Ellipsoid) = "ellipsoid",
        /// Rosenbrock's banana valley.
        Rosenbrock(Rosenbrock) = "rosenbrock",
        /// Rastrigin's multimodal bowl.
        Rastrigin(Rastrigin) = "rastrigin",
        /// Ackley's funnel.
        Ackley(Ackley) = "ackley",
    }
}

impl Function {
    /// `(dim, x0)`.
    fn start(&self) -> (usize, f64) {
        match self {
            Function::Sphere(f) => (f.dim, f.x0),
            Function::Ellipsoid(f) => (f.dim, f.x0),
            Function::Rosenbrock(f) => (f.dim, f.x0),
            Function::Rastrigin(f) => (f.dim, f.x0),
            Function::Ackley(f) => (f.dim, f.x0),
        }
    }

    /// Dimension n: genes of every member.
    pub fn dim(&self) -> usize {
        self.start().0
    }

    /// The start mean, `x0` in every coordinate.
    pub fn x0(&self) -> Vec<f32> {
        let (dim, x0) = self.start();
        vec![x0 as f32; dim]
    }

    /// The function's minimum.
    pub fn optimum(&self) -> Optimum {
        match self {
            Function::Sphere(_) => functions::SPHERE_OPTIMUM,
            Function::Ellipsoid(_) => functions::ELLIPSOID_OPTIMUM,
            Function::Rosenbrock(_) => functions::ROSENBROCK_OPTIMUM,
            Function::Rastrigin(_) => functions::RASTRIGIN_OPTIMUM,
            Function::Ackley(_) => functions::ACKLEY_OPTIMUM,
        }
    }

    /// `f(x)`.
    pub fn evaluate(&self, x: &[f32]) -> f32 {
        match self {
            Function::Sphere(_) => functions::sphere(x),
            Function::Ellipsoid(f) => functions::ellipsoid_with(x, f.condition),
            Function::Rosenbrock(_) => functions::rosenbrock(x),
            Function::Rastrigin(_) => functions::rastrigin(x),
            Function::Ackley(_) => functions::ackley(x),
        }
    }

    /// Check the function's keys.
    pub fn validate(&self) -> Result<(), Invalid> {
        let (dim, x0) = self.start();
        Invalid::unless(
            (1..=MAX_DIM).contains(&dim),
            "dim",
            format!("must be between 1 and {MAX_DIM}"),
        )?;
        Invalid::unless(x0.is_finite(), "x0", "must be a finite number")?;
        if let Function::Ellipsoid(f) = self {
            Invalid::unless(
                f.condition.is_finite() && f.condition >= 1.0,
                "condition",
                "must be a finite number >= 1",
            )?;
        }
        Ok(())
    }
}

fn forty() -> usize {
    40
}

fn default_target() -> f64 {
    1e-8
}

/// The `[budget]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Function evaluations each run may spend: a run never evaluates more.
    pub evaluations: u64,
    /// `f − f*` below which a run counts as solved.
    #[serde(default = "default_target")]
    pub target: f64,
    /// Logged points, log-spaced in evaluations.
    #[serde(default = "forty")]
    pub checkpoints: usize,
}

/// One `[[arm]]`: a strategy and its keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    /// Unique label, used in plots and file names.
    pub name: String,
    /// The strategy and its keys.
    #[serde(flatten)]
    pub strategy: StrategyConfig,
}

impl Arm {
    /// Evaluations per generation.
    pub fn population(&self) -> u64 {
        self.strategy.population().unwrap_or(1) as u64
    }
}

/// A validated black-box experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlackBoxExperiment {
    /// Names the results folder.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Runs per arm, seeds `0..seeds`.
    pub seeds: u64,
    /// The test function.
    pub function: Function,
    /// The evaluation budget and target.
    pub budget: Budget,
    /// The strategies compared.
    #[serde(rename = "arm")]
    pub arms: Vec<Arm>,
}

impl Experiment for BlackBoxExperiment {
    type Row = Point;
    type Shared = ();

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
            function: &'a Function,
            budget: &'a Budget,
            arm: &'a Arm,
        }
        toml::to_string(&Identity {
            name: &self.name,
            function: &self.function,
            budget: &self.budget,
            arm: &self.arms[arm],
        })
        .expect("experiments serialise to TOML")
    }

    fn splits_population(&self, _arm: usize) -> bool {
        true
    }

    fn units_per_run(&self) -> (u64, &'static str) {
        (self.budget.evaluations, "evaluations")
    }

    fn prepare(&self) {}

    fn run(
        &self,
        _: &(),
        arm: usize,
        seed: u64,
        context: &RunContext,
    ) -> Result<Option<Vec<Point>>, RunError> {
        Ok(run::execute(self, &self.arms[arm], seed, context))
    }

    fn report(&self, rows: &[Point], out: &Path) -> Result<Report, RunError> {
        report::write(self, rows, out)
    }
}
