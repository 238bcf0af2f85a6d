//! `experiment`: experiments from TOML files — configuration, one runner, results.
//!
//! This is the only module that wires the others together. An experiment kind
//! ([`compare`], [`few_shot`], [`hinton_nowlan`], [`black_box`]) implements [`Experiment`]: its tables,
//! the work of one run and its report. The generic [`runner`] runs every (arm, seed) of
//! any kind; [`config`] turns a file into an [`AnyExperiment`] with positioned errors;
//! [`progress`] carries events to whoever shows them (the library prints nothing);
//! [`checkpoint`] saves an unfinished run's loop state so that it resumes mid-run.

// Config errors carry their position and suggestions; they are built once, on a cold
// path, so their size does not matter.
#![allow(clippy::result_large_err)]

mod any;
pub mod black_box;
pub mod checkpoint;
pub mod compare;
pub mod config;
pub mod error;
pub mod few_shot;
pub mod files;
pub mod hinton_nowlan;
pub mod page;
pub mod pipeline;
pub mod progress;
pub mod reference;
pub mod resources;
pub mod runner;
pub mod steer;

pub use any::AnyExperiment;
pub use black_box::BlackBoxExperiment;
pub use compare::CompareExperiment;
pub use config::{load_any, parse_any};
pub use error::ConfigError;
pub use few_shot::FewShotExperiment;
pub use hinton_nowlan::HintonNowlanExperiment;
pub use pipeline::{Experiment, Report, Row, RunContext};
pub use progress::{Observer, Plan, RunId, RunSummary, Silent};
pub use runner::{RunError, RunOptions};
