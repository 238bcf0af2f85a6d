//! Axis ranges and tick positions: ranges fitted to the data (and to any guide line, such
//! as a budget) with a little padding, and ticks chosen here rather than by plotters so
//! that no two ticks carry the same label.

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::compact_number;

/// At most this many ticks on an axis.
const MAX_TICKS: usize = 9;

/// A linear range around `[min, max]` (`min ≤ max`, both finite), padded by `pad` of the
/// span on each side; an empty span is widened to 10% of the value (or ±0.5 around 0).
pub(super) fn fitted(min: f64, max: f64, pad: f64) -> (f64, f64) {
    let span = max - min;
    if span > 0.0 {
        (min - pad * span, max + pad * span)
    } else {
        let half = if min == 0.0 { 0.5 } else { min.abs() * 0.1 };
        (min - half, max + half)
    }
}

/// A log range around `[min, max]` (both > 0), padded by `pad` of the span in decades on
/// each side; an empty span becomes a factor of 10 around the value.
pub(super) fn fitted_log(min: f64, max: f64, pad: f64) -> (f64, f64) {
    let (low, high) = (min.log10(), max.log10());
    let span = high - low;
    if span > 0.0 {
        (10f64.powf(low - pad * span), 10f64.powf(high + pad * span))
    } else {
        (min / 10f64.sqrt(), max * 10f64.sqrt())
    }
}

/// Ticks of a linear axis over `[low, high]`: multiples of 1, 2 or 5 × 10ᵏ, as many as
/// fit [`MAX_TICKS`], each label distinct.
pub(super) fn linear(low: f64, high: f64) -> Vec<f64> {
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Vec::new();
    }
    let rough = (high - low) / (MAX_TICKS - 1) as f64;
    let decade = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|&step| (high - low) / step <= (MAX_TICKS - 1) as f64)
        .unwrap_or(10.0 * decade);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    let ticks = (first..=last).map(|i| {
        let tick = i as f64 * step;
        // Snap -0.0 and round-off such as 0.30000000000000004 to the step's grid.
        if tick.abs() < step * 1e-9 { 0.0 } else { tick }
    });
    distinct(ticks)
}

/// Ticks of a log axis over `[low, high]` (`0 < low < high`): every decade, thinned to
/// every second or third when there are many, or 1-2-5 within each decade when there are
/// few; each label distinct. A range inside one decade gets linear ticks.
pub(super) fn log(low: f64, high: f64) -> Vec<f64> {
    if !(low.is_finite() && high.is_finite() && 0.0 < low && low < high) {
        return Vec::new();
    }
    let (first, last) = (low.log10().floor() as i32, high.log10().ceil() as i32);
    let decades = (last - first) as usize;
    let inside = |t: &f64| *t >= low * (1.0 - 1e-9) && *t <= high * (1.0 + 1e-9);
    let with = |mantissas: &[f64], every: usize| -> Vec<f64> {
        (first..=last)
            .filter(|e| ((e - first) as usize).is_multiple_of(every))
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(inside)
            .collect()
    };
    // 1-2-5 where it fits, else every decade if that gives enough ticks to read the
    // axis, else 1-3, else thinned decades.
    let candidates = [
        (with(&[1.0, 2.0, 5.0], 1), 2),
        (with(&[1.0], 1), 4),
        (with(&[1.0, 3.0], 1), 2),
        (with(&[1.0], 1), 2),
        (with(&[1.0], 2), 2),
        (with(&[1.0], 3), 2),
        (with(&[1.0], decades.div_ceil(MAX_TICKS - 1).max(1)), 2),
    ];
    let ticks = candidates
        .into_iter()
        .find(|(ticks, fewest)| ticks.len() >= *fewest && ticks.len() <= MAX_TICKS)
        .map(|(ticks, _)| ticks);
    match ticks {
        Some(ticks) => distinct(ticks),
        None => linear(low, high).into_iter().filter(|t| *t > 0.0).collect(),
    }
}

/// The ticks in order, dropping any whose label repeats an earlier one.
fn distinct(ticks: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut labels: Vec<String> = Vec::new();
    let mut kept = Vec::new();
    for tick in ticks {
        let label = compact_number(tick);
        if !labels.contains(&label) {
            labels.push(label);
            kept.push(tick);
        }
    }
    kept
}

/// An axis (linear or log) whose ticks are given, labelled by [`compact_number`].
pub(super) struct Ticked<R> {
    axis: R,
    ticks: Vec<f64>,
}

impl<R: Ranged<ValueType = f64>> Ticked<R> {
    /// `axis` with ticks at `ticks` (see [`linear`] and [`log`]).
    pub(super) fn new(axis: impl Into<R>, ticks: Vec<f64>) -> Self {
        Ticked {
            axis: axis.into(),
            ticks,
        }
    }
}

impl<R: Ranged<ValueType = f64>> Ranged for Ticked<R> {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.axis.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold lines and labels only; no light mesh between them.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.axis.range()
    }

    fn axis_pixel_range(&self, limit: (i32, i32)) -> std::ops::Range<i32> {
        self.axis.axis_pixel_range(limit)
    }
}

impl<R: Ranged<ValueType = f64>> ValueFormatter<f64> for Ticked<R> {
    fn format(value: &f64) -> String {
        compact_number(*value)
    }

    fn format_ext(&self, value: &f64) -> String {
        compact_number(*value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[f64]) -> Vec<String> {
        ticks.iter().map(|t| compact_number(*t)).collect()
    }

    #[test]
    fn linear_ticks_are_round_and_inside() {
        assert_eq!(
            labels(&linear(0.81, 0.97)),
            [
                "0.82", "0.84", "0.86", "0.88", "0.9", "0.92", "0.94", "0.96"
            ]
        );
        assert_eq!(
            labels(&linear(-0.04, 1.04)),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
    }

    #[test]
    fn log_ticks_follow_the_range_not_whole_decades() {
        // A 2M budget: the axis ends near 2M, not at 10M.
        let ticks = log(80.0, 2.3e6);
        assert_eq!(labels(&ticks), ["100", "1k", "10k", "100k", "1M"]);
        assert_eq!(labels(&log(900.0, 2.2e4)), ["1k", "2k", "5k", "10k", "20k"]);
        assert_eq!(
            labels(&log(1e-3, 1e9)),
            ["0.001", "0.1", "10", "1k", "100k", "10M", "1G"]
        );
    }

    #[test]
    fn ticks_never_repeat_a_label() {
        for (low, high) in [(9.99e6, 1.001e7), (1.0, 1.0001), (123_456.0, 123_457.0)] {
            for ticks in [linear(low, high), log(low, high)] {
                let mut seen = labels(&ticks);
                let n = seen.len();
                seen.dedup();
                assert_eq!(seen.len(), n, "{low}..{high}: {seen:?}");
            }
        }
    }

    #[test]
    fn fitted_ranges_pad_the_data() {
        assert_eq!(fitted(0.0, 1.0, 0.05), (-0.05, 1.05));
        assert_eq!(fitted(2.0, 2.0, 0.05), (1.8, 2.2));
        let (low, high) = fitted_log(100.0, 1e6, 0.025);
        assert!((low.log10() - 1.9).abs() < 1e-12 && (high.log10() - 6.1).abs() < 1e-12);
    }
}
