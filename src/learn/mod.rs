//! `learn`: fast learning by gradient descent — losses, optimisers and a mini-batch
//! trainer that counts every training example it consumes.
//!
//! Depends on [`crate::net`] (forward, backward, losses), [`crate::optim`] and the data
//! types of [`crate::task`]; knows nothing of evolution or experiments.

mod optimizer;
mod trainer;

pub use crate::net::loss::accuracy;
pub use crate::net::{Loss, Targets};
pub use crate::optim::{Adam, Momentum, Optimizer, Sgd};
pub use optimizer::{AdamConfig, MomentumConfig, OptimizerConfig, SgdConfig};
pub use trainer::{Evaluation, Trainer, evaluate};
