//! `task`: data sets with a fixed train/test split.
//!
//! A [`Dataset`] is a row-major input matrix with class labels or target values. Tasks
//! are pure data: they know nothing of networks or learners, except that their labels
//! can be handed to a loss as [`Targets`](crate::net::Targets).

mod dataset;
mod digits;
mod synthetic;

pub use dataset::{Batch, Dataset, Labels, Split};
pub use digits::{DIGITS_IMAGES, digits};
pub use synthetic::{parity, xor};
