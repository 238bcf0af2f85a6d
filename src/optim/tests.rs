//! Optimisers against quadratics with known minima.

use super::*;

/// f(p) = ½ Σ aᵢ (pᵢ − cᵢ)², gradient aᵢ (pᵢ − cᵢ); minimum at c.
fn quadratic_gradient(p: &[f32], grad: &mut [f32]) {
    const A: [f32; 3] = [1.0, 10.0, 0.1];
    const C: [f32; 3] = [3.0, -2.0, 0.5];
    for i in 0..3 {
        grad[i] = A[i] * (p[i] - C[i]);
    }
}

fn minimise(opt: &mut dyn Optimizer, steps: usize) -> Vec<f32> {
    let mut p = vec![0.0f32; 3];
    let mut g = vec![0.0f32; 3];
    for _ in 0..steps {
        quadratic_gradient(&p, &mut g);
        opt.step(&mut p, &g);
    }
    p
}

fn assert_at_minimum(p: &[f32], tol: f32) {
    for (got, want) in p.iter().zip([3.0, -2.0, 0.5]) {
        assert!(
            (got - want).abs() < tol,
            "{p:?} not within {tol} of the minimum"
        );
    }
}

#[test]
fn adam_on_a_convex_quadratic_reaches_the_known_minimum() {
    let mut adam = Adam::new(0.05);
    let p = minimise(&mut adam, 3000);
    assert_at_minimum(&p, 1e-3);
}

#[test]
fn adam_first_step_moves_each_coordinate_by_lr() {
    // With bias correction, m̂/√v̂ = g/|g| on step one: every coordinate moves by lr.
    let mut adam = Adam::new(0.1);
    let mut p = vec![0.0f32; 3];
    adam.step(&mut p, &[5.0, -0.001, 2.0]);
    for (got, want) in p.iter().zip([-0.1, 0.1, -0.1]) {
        assert!((got - want).abs() < 1e-4, "{p:?}");
    }
}

#[test]
fn bias_correction_is_one_minus_powi_and_one_once_the_power_is_negligible() {
    for beta in [0.9f32, 0.99, 0.999, 0.5] {
        for t in [1u64, 2, 3, 7, 10, 100, 1000, 12_345, 1 << 20] {
            let want = 1.0 - beta.powi(t as i32);
            let got = bias_correction(beta, t);
            assert!(
                (got - want).abs() <= 1e-7,
                "β={beta} t={t}: {got} vs {want}"
            );
        }
        assert_eq!(bias_correction(beta, u64::MAX), 1.0);
    }
    assert_eq!(bias_correction(0.9, 1), 1.0 - 0.9f32);
}

#[test]
fn bias_correction_is_exactly_one_from_the_saturation_step_on() {
    for beta in [0.9f32, 0.99, 0.999, 0.5, 0.0, -0.9] {
        let from = saturation_step(beta);
        assert!(from < 1 << 20, "β={beta}: {from}");
        for t in [
            from,
            from + 1,
            from + 12_345,
            3 * from - 1,
            1 << 40,
            u64::MAX,
        ] {
            assert_eq!(
                bias_correction(beta, t).to_bits(),
                1.0f32.to_bits(),
                "β={beta} t={t}"
            );
        }
    }
    assert_eq!(saturation_step(1.0), u64::MAX);
    assert_eq!(saturation_step(f32::NAN), u64::MAX);
}

#[test]
fn sgd_and_momentum_on_a_convex_quadratic_reach_the_known_minimum() {
    assert_at_minimum(&minimise(&mut Sgd::new(0.15), 3000), 1e-3);
    assert_at_minimum(&minimise(&mut Momentum::new(0.02, 0.9), 3000), 1e-3);
}

#[test]
fn weight_decay_shrinks_the_minimum_towards_zero() {
    // With L2 decay λ the minimiser of ½a(p−c)² + ½λp² is a·c/(a+λ).
    let mut sgd = Sgd::new(0.05).with_weight_decay(1.0);
    let p = minimise(&mut sgd, 5000);
    let want = [3.0 * 1.0 / 2.0, -2.0 * 10.0 / 11.0, 0.5 * 0.1 / 1.1];
    for (got, want) in p.iter().zip(want) {
        assert!((got - want).abs() < 1e-3, "{p:?}");
    }
}
