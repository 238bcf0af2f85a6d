//! `experiment`: experiments from TOML files — configuration, runner, results.
//!
//! This is the only module that wires the others together: it turns a validated
//! [`Experiment`] into runs (arm × seed) of `learn` or `evolve` learners on a `task`,
//! charges every training example, and writes the results.

// Config errors carry their position and suggestions; they are built once, on a cold
// path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod error;
pub mod fewshot;
pub mod files;
mod kind;
pub mod reference;
pub mod report;
mod resolved;
pub mod run;
pub mod runner;

pub use config::{Arm, Budget, Experiment, Learner, Metric, load, parse};
pub use error::ConfigError;
pub use kind::{AnyExperiment, HintonNowlanExperiment, KINDS, execute, load_any, parse_any};
pub use run::Record;
pub use runner::{RunError, RunOptions, run};
