//! Few-shot experiments: outer (slow) loops against each other and against scratch,
//! measured by post-adaptation performance on held-out tasks.

pub mod config;
pub mod report;
pub mod runner;

pub use config::{Evaluation, FewShotExperiment, MetaArm};
pub use runner::{MetaRecord, run};
