//! Hidden units one by one: how many classes drive each (polysemanticity) and whether
//! its incoming weights come from gene blocks expressed elsewhere too (pleiotropy).
//!
//! A unit's *class response* for class `c` is `|m_c − m|`: the distance of its mean
//! activation over the probe examples of class `c` from its mean over all of them.
//! Centring on the overall mean matters for tanh and sigmoid units, whose raw means are
//! far from zero even for a unit that ignores the class (a unit stuck near −1 would
//! otherwise respond "strongly" to every class). From the responses `r_c`:
//! - `classes_above_half`: the number of classes with `r_c > max_c r_c / 2`. 1 is a
//!   class-selective unit; many is a polysemantic one.
//! - `entropy_bits`: the entropy of `r_c / Σ r` in bits, between 0 (one class) and
//!   `log₂ C` (all classes alike).
//!
//! A unit whose responses are all zero (it never varies with the class) has 0 classes
//! above half and NaN entropy.

use crate::net::Network;

/// One hidden unit's polysemanticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitProfile {
    /// Classes whose response exceeds half the largest.
    pub classes_above_half: usize,
    /// Entropy of the normalised responses, in bits.
    pub entropy_bits: f64,
}

/// The profile of every unit of a layer's activations `[n, width]` (row-major) over
/// examples of `labels` (each `< classes`; others are ignored).
pub fn profiles(
    activations: &[f64],
    n: usize,
    width: usize,
    labels: &[u32],
    classes: usize,
) -> Vec<UnitProfile> {
    let mut counts = vec![0usize; classes];
    let mut sums = vec![0.0f64; classes * width];
    let mut total = vec![0.0f64; width];
    let mut used = 0usize;
    for (i, &label) in labels.iter().enumerate().take(n) {
        let c = label as usize;
        if c >= classes {
            continue;
        }
        counts[c] += 1;
        used += 1;
        for u in 0..width {
            let a = activations[i * width + u];
            sums[c * width + u] += a;
            total[u] += a;
        }
    }
    (0..width)
        .map(|u| {
            let mean = total[u] / used.max(1) as f64;
            let responses: Vec<f64> = (0..classes)
                .filter(|&c| counts[c] > 0)
                .map(|c| (sums[c * width + u] / counts[c] as f64 - mean).abs())
                .collect();
            profile(&responses)
        })
        .collect()
}

/// The profile of one unit's class responses.
pub fn profile(responses: &[f64]) -> UnitProfile {
    let largest = responses.iter().copied().fold(0.0, f64::max);
    let sum: f64 = responses.iter().sum();
    if largest.is_nan() || largest <= 0.0 {
        return UnitProfile {
            classes_above_half: 0,
            entropy_bits: f64::NAN,
        };
    }
    let entropy_bits = -responses
        .iter()
        .map(|r| r / sum)
        .filter(|&p| p > 0.0)
        .map(|p| p * p.log2())
        .sum::<f64>();
    UnitProfile {
        classes_above_half: responses.iter().filter(|&&r| r > largest / 2.0).count(),
        entropy_bits,
    }
}

/// Whether unit `unit` of weight layer `layer` (a column of its weight matrix) reads any
/// of its incoming weights from a gene block that some other tile also expresses: its
/// genes are pleiotropic. Never so in a dense layer.
pub fn shares_genes(network: &Network, layer: usize, unit: usize) -> bool {
    let tying = network.tying().layer(layer);
    let usage = tying.block_usage();
    let column = unit / tying.tile_cols;
    (0..tying.grid_rows)
        .any(|i| usage[tying.tiles[i * tying.grid_cols + column].block as usize] > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selective_unit_has_one_class_and_zero_entropy() {
        let p = profile(&[0.0, 0.8, 0.0]);
        assert_eq!(p.classes_above_half, 1);
        assert_eq!(p.entropy_bits, 0.0);
        let flat = profile(&[0.5; 4]);
        assert_eq!(flat.classes_above_half, 4);
        assert!((flat.entropy_bits - 2.0).abs() < 1e-12);
        assert!(profile(&[0.0, 0.0]).entropy_bits.is_nan());
    }

    #[test]
    fn class_responses_are_centred_on_the_overall_mean() {
        // Unit 0 fires for class 1 only; unit 1 is stuck at −1 (no class response).
        let acts = [0.0, -1.0, 1.0, -1.0, 0.0, -1.0, 1.0, -1.0];
        let p = profiles(&acts, 4, 2, &[0, 1, 0, 1], 2);
        // Class means of unit 0: 0 and 1, overall 0.5: responses 0.5 and 0.5 (of two
        // classes, firing for one is as informative as silence for the other).
        assert_eq!(p[0].classes_above_half, 2);
        assert_eq!(p[1].classes_above_half, 0);
        // Of ten classes, firing for one is selective: responses 0.9 and nine of 0.1.
        let labels: Vec<u32> = (0..10).collect();
        let acts: Vec<f64> = (0..10).map(|c| if c == 3 { 1.0 } else { 0.0 }).collect();
        let p = profiles(&acts, 10, 1, &labels, 10);
        assert_eq!(p[0].classes_above_half, 1);
    }
}
