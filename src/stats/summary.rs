//! Point summaries of a sample: mean, median, interquartile mean, linear quantiles.

/// Arithmetic mean; NaN for an empty slice. Summed directly (no running-mean update
/// `m += (x − m)/k`, which would form `∞ − ∞`), so `mean(&[∞, ∞]) = ∞`.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Median: the 0.5 [`quantile`], so the average of the two middle values for even `n`.
pub fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// Interquartile mean with exactly scipy's `trim_mean(x, 0.25)` semantics (which rliable
/// uses): sort, cut `⌊0.25·n⌋` values from each end, average the rest. For `n < 4`
/// nothing is cut. NaN for an empty slice or any NaN value.
pub fn iqm(values: &[f64]) -> f64 {
    match sorted(values) {
        Some(sorted) => {
            // ⌊0.25·n⌋ computed exactly in integers.
            let cut = sorted.len() / 4;
            mean(&sorted[cut..sorted.len() - cut])
        }
        None => f64::NAN,
    }
}

/// The `q`-quantile (`q` in `[0, 1]`) with linear interpolation between order statistics
/// (numpy's default `np.quantile(x, q, method="linear")`): position `h = (n − 1)·q`,
/// value `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋])`. NaN for an empty slice, any NaN
/// value, or `q` outside `[0, 1]`.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    match sorted(values) {
        Some(sorted) => quantile_of_sorted(&sorted, q),
        None => f64::NAN,
    }
}

/// A sorted copy, or `None` when empty or holding a NaN (see the module doc).
pub(super) fn sorted(values: &[f64]) -> Option<Vec<f64>> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Some(sorted)
}

/// [`quantile`] of an already sorted, NaN-free, non-empty slice.
pub(super) fn quantile_of_sorted(sorted: &[f64], q: f64) -> f64 {
    if !(0.0..=1.0).contains(&q) {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let below = h.floor() as usize;
    let frac = h - below as f64;
    let a = sorted[below];
    if frac == 0.0 {
        // Also covers q = 1, where there is no `below + 1`.
        return a;
    }
    let b = sorted[below + 1];
    if a == b {
        return a;
    }
    if a.is_infinite() || b.is_infinite() {
        // The limit of the interpolation: finite→+∞ gives +∞, −∞→finite gives −∞.
        return (1.0 - frac) * a + frac * b;
    }
    // numpy's `_lerp`: from whichever end is nearer, for accuracy and monotonicity.
    let span = b - a;
    if frac < 0.5 {
        a + span * frac
    } else {
        b - span * (1.0 - frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    #[test]
    fn iqm_of_one_to_eight_cuts_two_from_each_end() {
        // n = 8, cut ⌊0.25·8⌋ = 2 each end → [3, 4, 5, 6], mean 18/4 = 4.5.
        let values: Vec<f64> = (1..=8).map(f64::from).collect();
        assert_eq!(iqm(&values), 4.5);
    }

    #[test]
    fn iqm_with_n_not_divisible_by_four_cuts_the_floor() {
        // n = 5, cut ⌊1.25⌋ = 1 each end: sorted [1, 2, 3, 4, 100] → [2, 3, 4], mean 3.
        assert_eq!(iqm(&[100.0, 3.0, 1.0, 4.0, 2.0]), 3.0);
        // n = 6, cut ⌊1.5⌋ = 1: [1..6] → [2, 3, 4, 5], mean 14/4 = 3.5.
        assert_eq!(iqm(&[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]), 3.5);
        // n = 7, cut ⌊1.75⌋ = 1: [0, 1, 2, 3, 4, 5, 70] → [1, 2, 3, 4, 5], mean 15/5 = 3.
        assert_eq!(iqm(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 70.0]), 3.0);
        // n = 3, cut ⌊0.75⌋ = 0: plain mean (1 + 2 + 9)/3 = 4.
        assert_eq!(iqm(&[9.0, 1.0, 2.0]), 4.0);
    }

    #[test]
    fn iqm_matches_scipy_trim_mean_on_zero_to_nineteen() {
        // scipy.stats.trim_mean(np.arange(20), 0.25) = 9.5: cut 5 each end → 5..=14,
        // mean (5 + 14)/2 = 9.5.
        let values: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(iqm(&values), 9.5);
    }

    #[test]
    fn empty_or_nan_input_gives_nan() {
        assert!(iqm(&[]).is_nan());
        assert!(mean(&[]).is_nan());
        assert!(median(&[]).is_nan());
        assert!(iqm(&[1.0, f64::NAN, 3.0, 4.0]).is_nan());
        assert!(median(&[1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn median_averages_the_two_middle_values_for_even_n() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        // sorted [1, 2, 3, 4]: (2 + 3)/2 = 2.5.
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn quantile_interpolates_linearly_like_numpy() {
        // sorted [1, 2, 4, 8], n − 1 = 3.
        let x = [8.0, 1.0, 4.0, 2.0];
        // q = 0.25: h = 0.75 → 1 + 0.75·(2 − 1) = 1.75.
        assert!((quantile(&x, 0.25) - 1.75).abs() < 1e-12);
        // q = 0.5: h = 1.5 → 2 + 0.5·(4 − 2) = 3.
        assert!((quantile(&x, 0.5) - 3.0).abs() < 1e-12);
        // q = 0.9: h = 2.7 → 4 + 0.7·(8 − 4) = 6.8 (np.percentile([1,2,4,8], 90) = 6.8).
        assert!((quantile(&x, 0.9) - 6.8).abs() < 1e-12);
        assert_eq!(quantile(&x, 0.0), 1.0);
        assert_eq!(quantile(&x, 1.0), 8.0);
        assert!(quantile(&x, 1.5).is_nan());
        assert!(quantile(&x, -0.1).is_nan());
    }

    #[test]
    fn infinities_never_produce_nan() {
        assert_eq!(mean(&[INF, INF]), INF);
        assert_eq!(iqm(&[1.0, INF, INF, INF]), INF);
        assert_eq!(median(&[5.0, INF]), INF);
        // sorted [1, 2, ∞]: q = 0.5 lands exactly on 2 (no 0·∞); q = 0.75 is between 2
        // and ∞ → ∞; q = 0.25 is between 1 and 2 → 1.5.
        let x = [INF, 1.0, 2.0];
        assert_eq!(quantile(&x, 0.5), 2.0);
        assert_eq!(quantile(&x, 0.75), INF);
        assert_eq!(quantile(&x, 0.25), 1.5);
        assert_eq!(quantile(&[INF, INF], 0.3), INF);
    }
}
