//! Standard test functions with known minima, the oracles for strategy tests.
//! Each is minimised at `f = 0`; computed in f64 and returned as f32.

/// `Σ xᵢ²`, minimum at the origin.
pub fn sphere(x: &[f32]) -> f32 {
    x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() as f32
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minima_are_zero_where_the_literature_puts_them() {
        assert_eq!(sphere(&[0.0; 10]), 0.0);
        assert_eq!(rosenbrock(&[1.0; 10]), 0.0);
        assert!(rastrigin(&[0.0; 10]).abs() < 1e-9);
        assert_eq!(sphere(&[1.0, 2.0]), 5.0);
        // (x0, x1) = (0, 0): 100·0 + 1 = 1 per pair.
        assert_eq!(rosenbrock(&[0.0, 0.0, 0.0]), 2.0);
        assert!((rastrigin(&[1.0]) - 1.0).abs() < 1e-6);
    }
}
