//! Standard test functions with known minima, the oracles for strategy tests and the
//! objectives of `black_box` experiments. Computed in f64 and returned as f32; each has
//! an [`Optimum`]: its minimum value `f*` and the coordinate (the same in every
//! dimension) where it lies. A leaf: it knows nothing else of the crate.

/// Where a test function is minimal: `f(x*, …, x*) = f*`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Optimum {
    /// The minimum value `f*`.
    pub f: f64,
    /// Every coordinate of the minimiser.
    pub x: f64,
}

/// [`sphere`]'s minimum: 0 at the origin.
pub const SPHERE_OPTIMUM: Optimum = Optimum { f: 0.0, x: 0.0 };
/// [`ellipsoid`]'s minimum: 0 at the origin.
pub const ELLIPSOID_OPTIMUM: Optimum = Optimum { f: 0.0, x: 0.0 };
/// [`rosenbrock`]'s minimum: 0 at (1, …, 1).
pub const ROSENBROCK_OPTIMUM: Optimum = Optimum { f: 0.0, x: 1.0 };
/// [`rastrigin`]'s minimum: 0 at the origin.
pub const RASTRIGIN_OPTIMUM: Optimum = Optimum { f: 0.0, x: 0.0 };
/// [`ackley`]'s minimum: 0 at the origin.
pub const ACKLEY_OPTIMUM: Optimum = Optimum { f: 0.0, x: 0.0 };

/// Condition number of pycma's `elli` (`cma.ff.elli`), the default of [`ellipsoid`].
pub const ELLIPSOID_CONDITION: f64 = 1e6;

/// `Σ xᵢ²`, minimum at the origin.
pub fn sphere(x: &[f32]) -> f32 {
    x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() as f32
}

/// `Σ 10^(6 i/(n−1)) xᵢ²`: pycma's `elli` (axis scales spanning a condition number of
/// 10⁶), minimum at the origin. In one dimension, `x²`.
pub fn ellipsoid(x: &[f32]) -> f32 {
    ellipsoid_with(x, ELLIPSOID_CONDITION)
}

/// The ellipsoid `Σ condition^(i/(n−1)) xᵢ²` with any condition number.
pub fn ellipsoid_with(x: &[f32], condition: f64) -> f32 {
    let last = (x.len().max(2) - 1) as f64;
    x.iter()
        .enumerate()
        .map(|(i, &v)| condition.powf(i as f64 / last) * (v as f64).powi(2))
        .sum::<f64>() as f32
}

/// `Σ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²` (Rosenbrock 1960), minimum at (1, …, 1).
pub fn rosenbrock(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| {
            let (a, b) = (w[0] as f64, w[1] as f64);
            100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2)
        })
        .sum::<f64>() as f32
}

/// `10 n + Σ xᵢ² − 10 cos(2π xᵢ)` (Rastrigin 1974), minimum at the origin, with a local
/// minimum near every integer point.
pub fn rastrigin(x: &[f32]) -> f32 {
    let n = x.len() as f64;
    (10.0 * n
        + x.iter()
            .map(|&v| {
                let v = v as f64;
                v * v - 10.0 * (2.0 * std::f64::consts::PI * v).cos()
            })
            .sum::<f64>()) as f32
}

/// `−20 exp(−0.2 √(Σ xᵢ²/n)) − exp(Σ cos(2π xᵢ)/n) + 20 + e` (Ackley 1987, as in Bäck
/// 1996), minimum at the origin: a nearly flat outer region around a deep funnel.
pub fn ackley(x: &[f32]) -> f32 {
    let n = x.len().max(1) as f64;
    let squares = x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n;
    let cosines = x
        .iter()
        .map(|&v| (2.0 * std::f64::consts::PI * v as f64).cos())
        .sum::<f64>()
        / n;
    let e = std::f64::consts::E;
    (-20.0 * (-0.2 * squares.sqrt()).exp() - cosines.exp() + 20.0 + e) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minima_are_zero_where_the_literature_puts_them() {
        let at = |o: Optimum| vec![o.x as f32; 10];
        assert_eq!(sphere(&at(SPHERE_OPTIMUM)) as f64, SPHERE_OPTIMUM.f);
        assert_eq!(
            ellipsoid(&at(ELLIPSOID_OPTIMUM)) as f64,
            ELLIPSOID_OPTIMUM.f
        );
        assert_eq!(
            rosenbrock(&at(ROSENBROCK_OPTIMUM)) as f64,
            ROSENBROCK_OPTIMUM.f
        );
        assert!((rastrigin(&at(RASTRIGIN_OPTIMUM)) as f64 - RASTRIGIN_OPTIMUM.f).abs() < 1e-9);
        assert!((ackley(&at(ACKLEY_OPTIMUM)) as f64 - ACKLEY_OPTIMUM.f).abs() < 1e-6);
        assert_eq!(sphere(&[1.0, 2.0]), 5.0);
        // (x0, x1) = (0, 0): 100·0 + 1 = 1 per pair.
        assert_eq!(rosenbrock(&[0.0, 0.0, 0.0]), 2.0);
        assert!((rastrigin(&[1.0]) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_ellipsoid_matches_pycmas_elli() {
        // cma.ff.elli([1, 1, 1]) = 1 + 10³ + 10⁶.
        assert_eq!(ellipsoid(&[1.0, 1.0, 1.0]), 1_001_001.0);
        // cma.ff.elli([0, 0, 2]) = 4·10⁶; a single coordinate has scale 1.
        assert_eq!(ellipsoid(&[0.0, 0.0, 2.0]), 4e6);
        assert_eq!(ellipsoid(&[3.0]), 9.0);
        assert_eq!(ellipsoid_with(&[1.0, 1.0], 100.0), 101.0);
    }

    #[test]
    fn ackley_has_its_textbook_values() {
        // f(1, …, 1) = −20 e^(−0.2) − e + 20 + e = 20 (1 − e^(−0.2)) ≈ 3.6253849.
        let expected = 20.0 * (1.0 - (-0.2f64).exp());
        assert!((ackley(&[1.0; 5]) as f64 - expected).abs() < 1e-5);
        // Far from the origin it approaches 20 + e − e^(mean cos) from below.
        assert!(ackley(&[30.5; 3]) > 19.0);
    }
}
