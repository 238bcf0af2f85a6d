//! Softmax cross-entropy against class labels, vectorised.
//!
//! The formulas are those of `net::loss` (a log-sum-exp shifted by the row maximum; the
//! gradient `(softmax − one-hot) / batch`), but `expf` runs as a polynomial over the whole
//! batch at once, and the batch's `ln`s are one `ln` of the product of the row sums: one
//! value at a time through libm, the readout of a classifier cost as much as its matrix
//! products. Rows with a non-finite maximum (a diverged network) follow `net::loss`.

/// `eˣ` for `x ≤ 0`, branch-free so that it vectorises: Cephes' `expf` (reduction by ln 2
/// split in two parts, a degree-5 polynomial on [−ln2/2, ln2/2], scaling by 2ⁿ through
/// the exponent bits). Relative error below 2e-7 (tested against f64). Inputs below −87
/// give e⁻⁸⁷ rather than a subnormal; NaN stays NaN.
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    const LOWEST: f32 = -87.0;
    const LN2_HI: f32 = 0.693_359_4; // 0.693359375 exactly: n·LN2_HI is exact
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer, without libm's `roundf`.
    const ROUND: f32 = 12_582_912.0;
    const P: [f32; 6] = [
        1.987_569_1e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ];
    // A comparison, not `max`, so that NaN passes through.
    let x = if x < LOWEST { LOWEST } else { x };
    let rounded = x * std::f32::consts::LOG2_E + ROUND;
    let n = rounded - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((P[0] * r + P[1]) * r + P[2]) * r + P[3]) * r + P[4]) * r + P[5];
    let e = p * r * r + r + 1.0;
    // `rounded` counts units of 1 in its mantissa, so its bits minus ROUND's are n, as an
    // integer (wrapping below zero); n ∈ [−126, 0] makes 2ⁿ = (n + 127) << 23 normal.
    let biased = rounded
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(127);
    e * f32::from_bits(biased << 23)
}

/// Mean softmax cross-entropy of `logits[batch, outputs]` against `classes[batch]`; with
/// `grad`, also writes `∂loss/∂logits` there. `scratch` holds `batch x (outputs + 1)`.
#[inline(always)]
pub fn cross_entropy(
    logits: &[f32],
    classes: &[u32],
    outputs: usize,
    scratch: &mut Vec<f32>,
    mut grad: Option<&mut [f32]>,
) -> f32 {
    let batch = logits.len() / outputs;
    scratch.resize(batch * (outputs + 1), 0.0);
    let (shifted, maxima) = scratch.split_at_mut(batch * outputs);
    // Σ_b (max_b − z[b, class_b]); the loss is this plus Σ_b ln Σ_o exp(z[b, o] − max_b).
    let mut total = 0.0f64;
    for (b, (row, max)) in logits
        .chunks_exact(outputs)
        .zip(maxima.iter_mut())
        .enumerate()
    {
        // A comparison, not `f32::max`, but the same result: NaNs are skipped.
        *max = row
            .iter()
            .fold(f32::NEG_INFINITY, |m, &z| if z > m { z } else { m });
        total += (*max - row[classes[b] as usize]) as f64;
        let shifted_row = &mut shifted[b * outputs..(b + 1) * outputs];
        shifted_row
            .iter_mut()
            .zip(row)
            .for_each(|(s, &z)| *s = z - *max);
    }
    shifted.iter_mut().for_each(|s| *s = exp_nonpositive(*s));
    // Π_b Σ_o exp(...) in f64, rescaled by powers of two as it grows (each factor is at
    // least 1, as the maximum contributes exp(0)), so that the batch needs one `ln`.
    const RESCALE: f64 = 1e150;
    let (mut product, mut rescales) = (1.0f64, 0i32);
    let scale = 1.0 / batch as f32;
    for (b, (exps, &max)) in shifted.chunks_exact(outputs).zip(maxima.iter()).enumerate() {
        let class = classes[b] as usize;
        if !max.is_finite() {
            // As `net::loss`: log-sum-exp is the maximum itself.
            if let Some(g) = grad.as_deref_mut() {
                let row = &logits[b * outputs..(b + 1) * outputs];
                for (o, g) in g[b * outputs..(b + 1) * outputs].iter_mut().enumerate() {
                    let target = if o == class { 1.0 } else { 0.0 };
                    *g = ((row[o] - max).exp() - target) * scale;
                }
            }
            continue;
        }
        let sum: f32 = exps.iter().sum();
        product *= sum as f64;
        if product > RESCALE {
            product /= RESCALE;
            rescales += 1;
        }
        if let Some(g) = grad.as_deref_mut() {
            let inverse = 1.0 / sum;
            let g_row = &mut g[b * outputs..(b + 1) * outputs];
            g_row
                .iter_mut()
                .zip(exps)
                .for_each(|(g, &e)| *g = e * inverse * scale);
            g_row[class] -= scale;
        }
    }
    let log_sums = product.ln() + rescales as f64 * RESCALE.ln();
    ((total + log_sums) / batch as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Head, Loss, Targets};

    #[test]
    fn exp_is_within_2e_7_relative_of_the_true_exp_on_its_domain() {
        let mut worst = 0.0f64;
        for i in 0..=870_000 {
            let x = -(i as f32) * 1e-4;
            let exact = (x as f64).exp();
            worst = worst.max((exp_nonpositive(x) as f64 - exact).abs() / exact);
        }
        assert!(worst < 2e-7, "worst relative error {worst}");
        assert!(exp_nonpositive(f32::NAN).is_nan());
        assert!(exp_nonpositive(f32::NEG_INFINITY) < 1e-37);
    }

    #[test]
    fn cross_entropy_and_its_gradient_match_the_reference_loss() {
        let (batch, outputs) = (37, 10);
        let logits: Vec<f32> = (0..batch * outputs)
            .map(|i| ((i * 7919 % 1013) as f32 / 50.0) - 10.0)
            .collect();
        let classes: Vec<u32> = (0..batch).map(|b| (b * 7 % outputs) as u32).collect();
        let targets = Targets::Classes(&classes);
        let mut want_grad = vec![0.0; batch * outputs];
        let want = Loss::CrossEntropy.value_and_grad(
            Head::Softmax,
            &logits,
            targets,
            outputs,
            &mut want_grad,
        );
        let mut grad = vec![f32::NAN; batch * outputs];
        let mut scratch = Vec::new();
        let got = cross_entropy(&logits, &classes, outputs, &mut scratch, Some(&mut grad));
        assert!((got - want).abs() < 1e-6 * want.abs(), "{got} vs {want}");
        for (g, w) in grad.iter().zip(&want_grad) {
            assert!((g - w).abs() < 1e-7, "{g} vs {w}");
        }
        let without_grad = cross_entropy(&logits, &classes, outputs, &mut scratch, None);
        assert_eq!(got.to_bits(), without_grad.to_bits());
    }

    #[test]
    fn cross_entropy_of_diverged_logits_is_not_finite() {
        let mut scratch = Vec::new();
        let nan = cross_entropy(&[f32::NAN, 0.0], &[0], 2, &mut scratch, None);
        assert!(nan.is_nan());
        let inf = cross_entropy(&[f32::INFINITY, 0.0], &[1], 2, &mut scratch, None);
        assert!(!inf.is_finite());
    }
}
