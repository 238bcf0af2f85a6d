//! Summary statistics and confidence intervals for comparing training methods over runs,
//! following Agarwal et al. 2021, "Deep RL at the edge of the statistical precipice"
//! (NeurIPS; the `rliable` library): the interquartile mean (IQM) as the aggregate, and
//! stratified percentile-bootstrap confidence intervals around it.
//!
//! This module owns plain numbers on `f64` slices. It knows nothing of networks, tasks or
//! experiments: a caller turns its runs into numbers (a final accuracy, the samples used
//! to reach a target) and asks for an aggregate and its interval.
//!
//! Where things live: [`mean`], [`median`], [`iqm`] and [`quantile`] are in `summary`;
//! [`stratified_bootstrap_ci`] is in `bootstrap`; samples-to-target with censoring
//! ([`first_crossing`], [`samples_to_target`]) is in `target`.
//!
//! # Semantics shared by every function here
//!
//! - **Quantiles** interpolate linearly between order statistics: the `q`-quantile of
//!   sorted `x[0..n]` sits at position `h = (n − 1)·q`, between `x[⌊h⌋]` and `x[⌊h⌋ + 1]`
//!   (Hyndman & Fan 1996, type 7; numpy's default `method="linear"`, which rliable's
//!   percentile intervals use).
//! - **NaN** anywhere in the input gives NaN: a NaN has no place in an ordering, and
//!   silently sorting it to one end would move every order statistic.
//! - **Empty input** gives NaN, never a panic.
//! - **Infinities** are ordinary order statistics. Arithmetic never forms `∞ − ∞`, so a
//!   sample of non-negative values with some `+∞` yields `+∞` or a finite number, never
//!   NaN (mean of `[∞, ∞]` is `∞`; interpolating between `5` and `∞` is `∞`).
//!
//! # Censoring (samples to target)
//!
//! A run that never reaches the target within its budget is *censored*: we only know it
//! would have needed more samples than it was given. [`samples_to_target`] counts it as
//! `+∞` and keeps it. Dropping censored runs would report the speed of the runs that
//! happened to succeed and bias every comparison towards methods that fail often but fast.
//! With `+∞` included, the IQM is finite only when the middle 50% of runs all reached the
//! target; an IQM of `+∞` reads "the typical run did not reach the target", and a CI bound
//! of `+∞` reads "we cannot rule out that the typical run would not have".

mod bootstrap;
mod summary;
mod target;

pub use bootstrap::{DEFAULT_CONFIDENCE, DEFAULT_REPS, Interval, stratified_bootstrap_ci};
pub use summary::{iqm, mean, median, quantile};
pub use target::{
    Direction, SamplesToTarget, aggregate_name, first_crossing, interpolated_crossing,
    samples_to_target,
};
