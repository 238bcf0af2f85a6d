//! The measures of `baldwin analyze` against known answers: linear CKA against
//! hand-computed values, CKA's invariances (orthogonal transforms, isotropic scaling),
//! RBF CKA's sanity, and Hungarian matching recovering a known permutation.

use baldwin::analysis::{Linear, Rbf, Standardised, linear_cka, match_units, rbf_cka};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};

/// `n × width` standard normal values, row-major.
fn gaussian(n: usize, width: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n * width)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect()
}

fn linear(x: &[f64], n: usize, w: usize, y: &[f64], v: usize) -> f64 {
    linear_cka(&Linear::new(x, n, w), &Linear::new(y, n, v))
}

fn rbf(x: &[f64], n: usize, w: usize, y: &[f64], v: usize) -> f64 {
    rbf_cka(&Rbf::new(x, n, w), &Rbf::new(y, n, v))
}

#[test]
fn linear_cka_matches_hand_computed_values() {
    // One feature each: linear CKA is the squared correlation. x = 1, 2, 3 and
    // y = 1, 3, 2 correlate 0.5, so CKA = 0.25.
    let cka = linear(&[1.0, 2.0, 3.0], 3, 1, &[1.0, 3.0, 2.0], 1);
    assert!((cka - 0.25).abs() < 1e-12, "{cka}");
    // X = the four unit vectors ±e1, ±e2 (centred): XᵀX = 2I, ‖XᵀX‖ = 2√2. Y = its
    // first column: ‖YᵀY‖ = 2, YᵀX = (2, 0), ‖YᵀX‖² = 4. CKA = 4 / (2√2 · 2) = 1/√2.
    let x = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0];
    let y = [1.0, 0.0, -1.0, 0.0];
    let cka = linear(&x, 4, 2, &y, 1);
    assert!(
        (cka - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12,
        "{cka}"
    );
}

#[test]
fn linear_cka_is_one_on_itself_and_invariant_to_rotation_and_isotropic_scaling() {
    let (n, w) = (50, 6);
    let x = gaussian(n, w, 1);
    assert!((linear(&x, n, w, &x, w) - 1.0).abs() < 1e-12);
    // A random orthogonal Q (from a QR factorisation), a scale of 7.5, and a shift.
    let q = DMatrix::from_row_slice(w, w, &gaussian(w, w, 2)).qr().q();
    let xm = DMatrix::from_row_slice(n, w, &x);
    let moved = (&xm * &q * 7.5).add_scalar(3.0);
    let moved: Vec<f64> = (0..n)
        .flat_map(|i| (0..w).map(move |j| (i, j)))
        .map(|(i, j)| moved[(i, j)])
        .collect();
    let y = gaussian(n, 3, 3);
    let before = linear(&x, n, w, &y, 3);
    let after = linear(&moved, n, w, &y, 3);
    assert!((linear(&x, n, w, &moved, w) - 1.0).abs() < 1e-10);
    assert!((before - after).abs() < 1e-10, "{before} vs {after}");
    assert!(before > 0.0 && before < 0.5, "unrelated data: {before}");
    // Symmetric.
    assert!((before - linear(&y, n, 3, &x, w)).abs() < 1e-12);
}

#[test]
fn rbf_cka_is_one_on_itself_invariant_to_rotation_and_scale_and_sees_shared_structure() {
    let (n, w) = (60, 4);
    let x = gaussian(n, w, 4);
    assert!((rbf(&x, n, w, &x, w) - 1.0).abs() < 1e-10);
    let q = DMatrix::from_row_slice(w, w, &gaussian(w, w, 5)).qr().q();
    let rotated = DMatrix::from_row_slice(n, w, &x) * q * 0.2;
    let rotated: Vec<f64> = (0..n)
        .flat_map(|i| (0..w).map(move |j| (i, j)))
        .map(|(i, j)| rotated[(i, j)])
        .collect();
    // The median bandwidth scales with the data, distances are preserved by rotation.
    assert!((rbf(&x, n, w, &rotated, w) - 1.0).abs() < 1e-9);
    // x plus small noise is close to x; independent data is not.
    let noise = gaussian(n, w, 6);
    let noisy: Vec<f64> = x.iter().zip(&noise).map(|(a, b)| a + 0.1 * b).collect();
    let near = rbf(&x, n, w, &noisy, w);
    let far = rbf(&x, n, w, &gaussian(n, w, 7), w);
    assert!(near > 0.9 && near <= 1.0 + 1e-12, "{near}");
    assert!((0.0..0.3).contains(&far), "{far}");
}

#[test]
fn hungarian_matching_recovers_a_known_permutation_with_sign_flips() {
    let (n, w) = (200, 8);
    let a = gaussian(n, w, 8);
    let permutation = [3, 7, 0, 5, 1, 6, 2, 4];
    // Unit u of `a` becomes unit permutation[u] of `b`, negated for odd u, plus a little
    // noise: the matching must still find it.
    let noise = gaussian(n, w, 9);
    let mut b = vec![0.0; n * w];
    for i in 0..n {
        for (u, &v) in permutation.iter().enumerate() {
            let sign = if u % 2 == 1 { -1.0 } else { 1.0 };
            b[i * w + v] = sign * a[i * w + u] + 0.05 * noise[i * w + v];
        }
    }
    let matching = match_units(&Standardised::new(&a, n, w), &Standardised::new(&b, n, w));
    assert_eq!(matching.partner, permutation);
    assert!(matching.correlation.iter().all(|&r| r > 0.99));
    assert_eq!(matching.fraction_close(), 1.0);
    // Unrelated layers: few close matches.
    let other = gaussian(n, w, 10);
    let unrelated = match_units(
        &Standardised::new(&a, n, w),
        &Standardised::new(&other, n, w),
    );
    assert_eq!(unrelated.fraction_close(), 0.0);
    assert!(unrelated.mean() < 0.4, "{}", unrelated.mean());
}
