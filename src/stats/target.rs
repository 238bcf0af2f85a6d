//! Samples to reach a target, with runs that never reach it kept as `+∞` (censored).

use super::bootstrap::stratified_bootstrap_ci;
use super::summary::iqm;

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Accuracy-like: the target is met when `metric >= target`.
    HigherIsBetter,
    /// Loss-like: the target is met when `metric <= target`.
    LowerIsBetter,
}

impl Direction {
    /// Whether `metric` meets `target` (inclusive). A NaN metric never does.
    pub fn meets(self, metric: f64, target: f64) -> bool {
        match self {
            Direction::HigherIsBetter => metric >= target,
            Direction::LowerIsBetter => metric <= target,
        }
    }
}

/// Samples used at the first checkpoint whose metric meets `target`, scanning `points`
/// (`(samples, metric)`) in the order given, which should be checkpoint order. `None`
/// means censored: the run never reached the target within its budget.
pub fn first_crossing(points: &[(f64, f64)], target: f64, direction: Direction) -> Option<f64> {
    points
        .iter()
        .find(|&&(_, metric)| direction.meets(metric, target))
        .map(|&(samples, _)| samples)
}

/// Samples at which the metric first met `target`, interpolated log-linearly in samples
/// between the last checkpoint that did not meet it and the first that did (linear in
/// the metric): checkpoints are log-spaced, so this removes most of their resolution
/// error. If the first checkpoint already meets the target, its samples are returned
/// (the crossing happened at or before it). `None`: never reached (censored).
pub fn interpolated_crossing(
    points: &[(f64, f64)],
    target: f64,
    direction: Direction,
) -> Option<f64> {
    let at = points
        .iter()
        .position(|&(_, metric)| direction.meets(metric, target))?;
    let (s1, m1) = points[at];
    if at == 0 {
        return Some(s1);
    }
    let (s0, m0) = points[at - 1];
    if !(s0 > 0.0 && s1 > s0 && m1.is_finite() && m0.is_finite() && m1 != m0) {
        return Some(s1);
    }
    let fraction = ((target - m0) / (m1 - m0)).clamp(0.0, 1.0);
    Some((s0.ln() + fraction * (s1.ln() - s0.ln())).exp())
}

/// What an aggregate over `n` runs is: the IQM cuts ⌊n/4⌋ runs from each end, so below
/// four runs it cuts nothing and is the plain mean — and is then called that.
pub fn aggregate_name(n: usize) -> &'static str {
    if n >= 4 { "IQM" } else { "mean" }
}

/// Samples-to-target over runs: the IQM with its bootstrap interval, censored runs
/// counted as `+∞` (see the module doc for why and how to read an infinite value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SamplesToTarget {
    /// Interquartile mean of samples-to-target; `+∞` when a censored run falls in the
    /// middle 50%; NaN when there are no runs.
    pub iqm: f64,
    /// Lower bound of the percentile-bootstrap interval of the IQM.
    pub low: f64,
    /// Upper bound; `+∞` when too many replicates have a censored run in their middle.
    pub high: f64,
    /// Runs that reached the target.
    pub reached: usize,
    /// Runs that did not (`None`).
    pub censored: usize,
    /// All runs: `reached + censored`.
    pub n: usize,
}

/// IQM of samples-to-target over `runs` (one entry per run, `None` = censored, as from
/// [`first_crossing`]) with a percentile-bootstrap interval of `reps` replicates at
/// `confidence`, seeded by `seed` (see [`stratified_bootstrap_ci`], one stratum).
///
/// Censored runs count as `+∞` in the order statistics, so the IQM and either bound may
/// be `+∞`; they are never NaN for non-negative sample counts. With no runs, `iqm`, `low`
/// and `high` are NaN.
pub fn samples_to_target(
    runs: &[Option<f64>],
    reps: usize,
    confidence: f64,
    seed: u64,
) -> SamplesToTarget {
    let samples: Vec<f64> = runs
        .iter()
        .map(|run| run.unwrap_or(f64::INFINITY))
        .collect();
    let interval = stratified_bootstrap_ci(&[&samples], iqm, reps, confidence, seed);
    let reached = runs.iter().filter(|run| run.is_some()).count();
    SamplesToTarget {
        iqm: interval.point,
        low: interval.low,
        high: interval.high,
        reached,
        censored: runs.len() - reached,
        n: runs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_is_log_linear_between_the_checkpoints_around_the_crossing() {
        // Accuracy 0.5 at 1,000 samples and 0.9 at 100,000: 0.7 is halfway, so the
        // crossing is at the geometric mean, 10,000.
        let points = [(1_000.0, 0.5), (100_000.0, 0.9)];
        let s = interpolated_crossing(&points, 0.7, Direction::HigherIsBetter).unwrap();
        assert!((s - 10_000.0).abs() < 1e-6, "{s}");
        // Met at the first checkpoint: that checkpoint; never met: censored.
        assert_eq!(
            interpolated_crossing(&points, 0.4, Direction::HigherIsBetter),
            Some(1_000.0)
        );
        assert_eq!(
            interpolated_crossing(&points, 0.95, Direction::HigherIsBetter),
            None
        );
        // Loss: 2.0 → 0.5, target 1.25 halfway.
        let loss = [(10.0, 2.0), (1_000.0, 0.5)];
        let s = interpolated_crossing(&loss, 1.25, Direction::LowerIsBetter).unwrap();
        assert!((s - 100.0).abs() < 1e-9, "{s}");
    }

    #[test]
    fn below_four_runs_the_aggregate_is_called_the_mean() {
        assert_eq!(aggregate_name(3), "mean");
        assert_eq!(aggregate_name(4), "IQM");
    }
    use crate::stats::{DEFAULT_CONFIDENCE, DEFAULT_REPS};

    const INF: f64 = f64::INFINITY;

    fn stt(runs: &[Option<f64>]) -> SamplesToTarget {
        samples_to_target(runs, DEFAULT_REPS, DEFAULT_CONFIDENCE, 17)
    }

    #[test]
    fn first_crossing_finds_the_first_checkpoint_meeting_the_target() {
        let accuracy = [
            (100.0, 0.5),
            (200.0, f64::NAN),
            (300.0, 0.95),
            (400.0, 0.99),
        ];
        let up = Direction::HigherIsBetter;
        assert_eq!(first_crossing(&accuracy, 0.9, up), Some(300.0));
        assert_eq!(
            first_crossing(&accuracy, 0.95, up),
            Some(300.0),
            "inclusive"
        );
        assert_eq!(first_crossing(&accuracy, 0.999, up), None, "censored");
        let loss = [(100.0, 1.0), (200.0, 0.3), (300.0, 0.1)];
        let down = Direction::LowerIsBetter;
        assert_eq!(first_crossing(&loss, 0.3, down), Some(200.0));
        assert_eq!(first_crossing(&loss, 0.01, down), None);
        assert_eq!(first_crossing(&[], 0.5, up), None);
    }

    #[test]
    fn no_censored_runs_give_a_finite_iqm_and_interval() {
        // sorted [100, 200, 300, 400], cut 1 each end → (200 + 300)/2 = 250.
        let result = stt(&[Some(400.0), Some(100.0), Some(300.0), Some(200.0)]);
        assert_eq!(result.iqm, 250.0);
        assert!(result.low.is_finite() && result.high.is_finite());
        assert!(result.low <= 250.0 && 250.0 <= result.high);
        assert_eq!((result.reached, result.censored, result.n), (4, 0, 4));
    }

    #[test]
    fn one_censored_run_in_the_tail_keeps_the_iqm_finite_but_not_the_upper_bound() {
        // sorted [100, 200, 300, ∞], cut 1 each end → (200 + 300)/2 = 250: the censored
        // run is trimmed. A replicate's IQM is ∞ when it draws ∞ at least twice of four,
        // P = 1 − (3/4)⁴ − 4·(1/4)(3/4)³ ≈ 0.26 > 0.025, so the upper bound is ∞.
        let result = stt(&[Some(100.0), Some(200.0), Some(300.0), None]);
        assert_eq!(result.iqm, 250.0);
        assert!(result.low.is_finite() && result.low <= 250.0);
        assert_eq!(result.high, INF);
        assert_eq!((result.reached, result.censored, result.n), (3, 1, 4));
    }

    #[test]
    fn mostly_censored_runs_give_an_infinite_iqm_not_nan() {
        // sorted [100, ∞, ∞, ∞] → middle [∞, ∞] → ∞. A replicate's IQM is finite (100)
        // only when it draws 100 at least three times of four, P = 4·(1/4)³(3/4) + (1/4)⁴
        // ≈ 0.051 > 0.025, so about 100 of 2,000 replicates are 100 and the 2.5%
        // quantile (position 49.975) is 100.
        let result = stt(&[Some(100.0), None, None, None]);
        assert_eq!(result.iqm, INF);
        assert_eq!(result.low, 100.0);
        assert_eq!(result.high, INF);
        assert_eq!((result.reached, result.censored, result.n), (1, 3, 4));
    }

    #[test]
    fn all_censored_runs_give_an_infinite_interval() {
        let result = stt(&[None; 5]);
        assert_eq!((result.iqm, result.low, result.high), (INF, INF, INF));
        assert_eq!((result.reached, result.censored, result.n), (0, 5, 5));
    }

    #[test]
    fn no_runs_give_nan_and_zero_counts() {
        let result = stt(&[]);
        assert!(result.iqm.is_nan() && result.low.is_nan() && result.high.is_nan());
        assert_eq!((result.reached, result.censored, result.n), (0, 0, 0));
    }
}
