//! Stratified percentile-bootstrap confidence intervals (rliable's default interval).

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::summary::{quantile_of_sorted, sorted};

/// Bootstrap replicates per interval when the caller has no reason to choose. rliable
/// uses 2,000 for performance profiles and defaults to 50,000 in `get_interval_estimates`;
/// 2,000 keeps a 95% bound's Monte-Carlo error small beside the spread over runs while
/// costing milliseconds. Pass more for final figures if you like.
pub const DEFAULT_REPS: usize = 2_000;

/// Two-sided confidence level of the default interval.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// A point estimate with a confidence interval around it. All three are NaN when there
/// was no data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The statistic on the original data.
    pub point: f64,
    /// The `(1 − c)/2` quantile of the bootstrap replicates.
    pub low: f64,
    /// The `(1 + c)/2` quantile of the bootstrap replicates.
    pub high: f64,
}

impl Interval {
    /// The interval of no data.
    pub const NAN: Interval = Interval {
        point: f64::NAN,
        low: f64::NAN,
        high: f64::NAN,
    };
}

/// Percentile-bootstrap confidence interval of `statistic` over runs grouped in `strata`
/// (e.g. one stratum per task), as in rliable's `StratifiedBootstrap`.
///
/// Each of the `reps` replicates resamples every stratum with replacement, independently
/// and keeping its size, concatenates the strata in the order given, and applies
/// `statistic`. `low` and `high` are the `(1 − confidence)/2` and `(1 + confidence)/2`
/// quantiles of the replicates, interpolated linearly (numpy's default; see the module
/// doc). `point` is `statistic` on the original data, concatenated likewise.
///
/// Deterministic for a given `seed`: one Xoshiro256++ stream seeded with
/// `seed_from_u64(seed)` draws, replicate by replicate and stratum by stratum, uniform
/// indices into the stratum.
///
/// Never panics: with no data at all every field is NaN (and `statistic` is not called);
/// empty strata contribute nothing; a single-run stratum is the same in every replicate,
/// so if all strata hold one run the interval collapses to the point. With `reps = 0`, a
/// NaN-returning statistic, or `confidence` outside `[0, 1]`, the bounds are NaN.
pub fn stratified_bootstrap_ci(
    strata: &[&[f64]],
    statistic: impl Fn(&[f64]) -> f64,
    reps: usize,
    confidence: f64,
    seed: u64,
) -> Interval {
    let runs: usize = strata.iter().map(|stratum| stratum.len()).sum();
    if runs == 0 {
        return Interval::NAN;
    }
    let original: Vec<f64> = strata.concat();
    let point = statistic(&original);

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut resample = Vec::with_capacity(runs);
    let replicates: Vec<f64> = (0..reps)
        .map(|_| {
            resample.clear();
            for stratum in strata.iter().filter(|stratum| !stratum.is_empty()) {
                resample.extend(
                    (0..stratum.len()).map(|_| stratum[rng.random_range(0..stratum.len())]),
                );
            }
            statistic(&resample)
        })
        .collect();

    let Some(replicates) = sorted(&replicates) else {
        return Interval {
            point,
            low: f64::NAN,
            high: f64::NAN,
        };
    };
    let tail = (1.0 - confidence) / 2.0;
    Interval {
        point,
        low: quantile_of_sorted(&replicates, tail),
        high: quantile_of_sorted(&replicates, 1.0 - tail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{iqm, mean};

    /// A fixed, spread-out sample of `n` values: 0, 1, ..., 9, 0, 1, ...
    fn digits(n: usize) -> Vec<f64> {
        (0..n).map(|i| (i % 10) as f64).collect()
    }

    #[test]
    fn interval_contains_the_point_and_repeats_for_a_seed() {
        // Squares 1, 4, ..., 400: spread out, so replicate IQMs rarely tie.
        let runs: Vec<f64> = (1..=20).map(|i| f64::from(i * i)).collect();
        let first = stratified_bootstrap_ci(&[&runs], iqm, DEFAULT_REPS, DEFAULT_CONFIDENCE, 3);
        let again = stratified_bootstrap_ci(&[&runs], iqm, DEFAULT_REPS, DEFAULT_CONFIDENCE, 3);
        let other = stratified_bootstrap_ci(&[&runs], iqm, DEFAULT_REPS, DEFAULT_CONFIDENCE, 4);
        assert_eq!(first, again);
        assert_ne!((first.low, first.high), (other.low, other.high));
        // Cut 5 each end → squares of 6..=15: (Σ_{1..15} i² − Σ_{1..5} i²)/10
        // = (1240 − 55)/10 = 118.5.
        assert_eq!(first.point, 118.5);
        assert!(
            first.low < first.point && first.point < first.high,
            "{first:?}"
        );
    }

    #[test]
    fn interval_narrows_with_more_runs() {
        let width = |n: usize| {
            let runs = digits(n);
            let ci = stratified_bootstrap_ci(&[&runs], mean, DEFAULT_REPS, 0.95, 11);
            ci.high - ci.low
        };
        // The standard error of a mean shrinks as 1/√n: 100× the runs, ~10× narrower.
        let (small, large) = (width(10), width(1000));
        assert!(
            large < small / 5.0,
            "width with 10 runs {small}, with 1000 {large}"
        );
        assert!(
            large > small / 20.0,
            "width with 10 runs {small}, with 1000 {large}"
        );
    }

    #[test]
    fn equal_values_give_a_zero_width_interval() {
        let runs = [0.25; 7];
        let ci = stratified_bootstrap_ci(&[&runs], iqm, 500, 0.95, 1);
        assert_eq!(
            ci,
            Interval {
                point: 0.25,
                low: 0.25,
                high: 0.25
            }
        );
    }

    #[test]
    fn single_run_strata_collapse_to_the_point() {
        let (a, b) = ([2.0], [6.0]);
        let ci = stratified_bootstrap_ci(&[&a, &b], mean, 500, 0.95, 1);
        assert_eq!(
            ci,
            Interval {
                point: 4.0,
                low: 4.0,
                high: 4.0
            }
        );
    }

    #[test]
    fn strata_are_resampled_independently_keeping_their_sizes() {
        // Every replicate holds five 0s and five 10s, so its mean is exactly 5. An
        // unstratified bootstrap of the same ten values would spread roughly 5 ± 3.
        let (zeros, tens) = ([0.0; 5], [10.0; 5]);
        let ci = stratified_bootstrap_ci(&[&zeros, &[], &tens], mean, 1000, 0.95, 9);
        assert_eq!(
            ci,
            Interval {
                point: 5.0,
                low: 5.0,
                high: 5.0
            }
        );
    }

    #[test]
    fn bounds_are_linear_quantiles_of_the_replicates() {
        // Two runs {0, 1}, mean statistic: each replicate is 0, 0.5 or 1 with
        // probabilities 1/4, 1/2, 1/4. With confidence 0 both bounds are the median of the
        // replicates, 0.5; with confidence 1 they are the extremes, 0 and 1.
        let runs = [0.0, 1.0];
        let middle = stratified_bootstrap_ci(&[&runs], mean, 1001, 0.0, 5);
        assert_eq!((middle.low, middle.high), (0.5, 0.5));
        let full = stratified_bootstrap_ci(&[&runs], mean, 1001, 1.0, 5);
        assert_eq!((full.low, full.high), (0.0, 1.0));
    }

    #[test]
    fn no_data_gives_nan_without_calling_the_statistic() {
        let ci = stratified_bootstrap_ci(&[], |_| panic!("called"), 100, 0.95, 0);
        assert!(ci.point.is_nan() && ci.low.is_nan() && ci.high.is_nan());
        let ci = stratified_bootstrap_ci(&[&[], &[]], |_| panic!("called"), 100, 0.95, 0);
        assert!(ci.point.is_nan() && ci.low.is_nan() && ci.high.is_nan());
    }

    #[test]
    fn zero_reps_or_bad_confidence_give_nan_bounds() {
        let runs = [1.0, 2.0, 3.0];
        let ci = stratified_bootstrap_ci(&[&runs], mean, 0, 0.95, 0);
        assert_eq!(ci.point, 2.0);
        assert!(ci.low.is_nan() && ci.high.is_nan());
        let ci = stratified_bootstrap_ci(&[&runs], mean, 100, 1.5, 0);
        assert!(ci.low.is_nan() && ci.high.is_nan());
    }
}
