//! `net`: the one network representation that both engines optimise.
//!
//! A network is a body plan ([`Architecture`]: layer sizes, activations, output head), a
//! segmentation map ([`Tying`]: which gene block each weight tile expresses) and a genome
//! ([`Params`]: one flat `Vec<f32>`). [`Network`] joins the first two and knows the genome
//! layout; it develops a genome into weight matrices, runs batched forward and backward
//! passes, and (through [`PopulationEvaluator`]) evaluates a whole population in parallel,
//! small dense networks 16 members at a time in SIMD lanes ([`lanes`]).
//! Losses live here too because a forward pass is only useful with an objective.
//!
//! This module depends on nothing else in the crate except [`crate::rng`]; it must not
//! know about tasks, strategies or experiments.

mod architecture;
mod blocks;
mod cosine;
mod curvature;
mod error;
mod kernels;
pub mod lanes;
pub mod loss;
mod network;
mod passes;
mod population;
mod saved;
mod tying;

pub use architecture::{Activation, Architecture, Head};
pub use blocks::{BLOCK_ROWS, PARALLEL_MIN_BATCH};
pub use cosine::{CosineScratch, Readout};
pub use error::NetError;
pub use lanes::{LANES, Lane, LanePlan, LaneScratch, Shots};
pub use loss::{Loss, Targets};
pub use network::{Init, Initializer, Network, Params};
pub use passes::Workspace;
pub use population::PopulationEvaluator;
pub use saved::{SavedNetwork, SavedNetworkError};
pub use tying::{LayerTying, TileRef, Tying, TyingPreset};
