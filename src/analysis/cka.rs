//! Centred kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019, "Similarity of
//! Neural Network Representations Revisited", ICML): how similar two representations of
//! the same `n` examples are, whatever their widths, invariant to orthogonal transforms
//! and isotropic scaling of either.
//!
//! With `K`, `L` the Gram matrices of the two representations and `H = I − 11ᵀ/n` the
//! centring matrix, `CKA = ⟨HKH, HLH⟩_F / (‖HKH‖_F ‖HLH‖_F)`. For the linear kernel
//! (`K = XXᵀ`) this is their eq. 3 computed in feature space,
//! `‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)` on column-centred `X`, `Y`. The RBF kernel is
//! `k(x, y) = exp(−‖x − y‖² / (2σ²))` with σ the median distance between distinct
//! examples (the median heuristic; Kornblith et al. use a fraction of it).
//!
//! A representation with no variation (every example the same, e.g. a dead layer) has
//! no alignment with anything: its CKA is NaN. Everything is computed in `f64`.

use nalgebra::DMatrix;

/// A representation ready for linear CKA: column-centred activations `[n, width]` and
/// `‖XᵀX‖_F`.
#[derive(Debug, Clone)]
pub struct Linear {
    centred: DMatrix<f64>,
    norm: f64,
}

impl Linear {
    /// The representation of `values`, `n` rows of `width` values each, row-major.
    pub fn new(values: &[f64], n: usize, width: usize) -> Self {
        let mut centred = DMatrix::from_row_slice(n, width, &values[..n * width]);
        for mut column in centred.column_iter_mut() {
            let mean = column.mean();
            column.add_scalar_mut(-mean);
        }
        let norm = (centred.transpose() * &centred).norm();
        Self { centred, norm }
    }
}

/// Linear CKA of two representations of the same examples (NaN if either has no
/// variation or they hold different numbers of examples).
pub fn linear_cka(a: &Linear, b: &Linear) -> f64 {
    if a.centred.nrows() != b.centred.nrows() || a.norm == 0.0 || b.norm == 0.0 {
        return f64::NAN;
    }
    let cross = (b.centred.transpose() * &a.centred).norm_squared();
    cross / (a.norm * b.norm)
}

/// A representation ready for RBF CKA: its centred kernel matrix `HKH` (`n × n`) and
/// `‖HKH‖_F`.
#[derive(Debug, Clone)]
pub struct Rbf {
    centred: DMatrix<f64>,
    norm: f64,
}

impl Rbf {
    /// The representation of `values`, `n` rows of `width` values each, row-major, with
    /// σ the median distance between distinct examples.
    pub fn new(values: &[f64], n: usize, width: usize) -> Self {
        let row = |i: usize| &values[i * width..(i + 1) * width];
        let mut squared = DMatrix::<f64>::zeros(n, n);
        let mut distances = Vec::with_capacity(n * n.saturating_sub(1) / 2);
        for i in 0..n {
            for j in 0..i {
                let d2: f64 = row(i)
                    .iter()
                    .zip(row(j))
                    .map(|(x, y)| (x - y) * (x - y))
                    .sum();
                squared[(i, j)] = d2;
                squared[(j, i)] = d2;
                distances.push(d2.sqrt());
            }
        }
        let sigma = median(&mut distances);
        if sigma.is_nan() || sigma <= 0.0 {
            return Self {
                centred: DMatrix::zeros(n, n),
                norm: 0.0,
            };
        }
        let kernel = squared.map(|d2| (-d2 / (2.0 * sigma * sigma)).exp());
        let centred = double_centre(kernel);
        let norm = centred.norm();
        Self { centred, norm }
    }
}

/// RBF CKA of two representations of the same examples (NaN if either has no variation
/// or they hold different numbers of examples).
pub fn rbf_cka(a: &Rbf, b: &Rbf) -> f64 {
    if a.centred.nrows() != b.centred.nrows() || a.norm == 0.0 || b.norm == 0.0 {
        return f64::NAN;
    }
    a.centred.dot(&b.centred) / (a.norm * b.norm)
}

/// `HKH`: subtract row and column means, add back the grand mean.
fn double_centre(mut kernel: DMatrix<f64>) -> DMatrix<f64> {
    let n = kernel.nrows();
    let row_means: Vec<f64> = kernel.row_iter().map(|r| r.mean()).collect();
    let col_means: Vec<f64> = kernel.column_iter().map(|c| c.mean()).collect();
    let grand = kernel.mean();
    for i in 0..n {
        for j in 0..n {
            kernel[(i, j)] += grand - row_means[i] - col_means[j];
        }
    }
    kernel
}

/// The median (mean of the middle two for an even count); NaN if empty or NaN present.
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn a_constant_representation_has_nan_cka() {
        let constant = [1.0; 8];
        let varied = [0.0, 1.0, 2.0, 3.0, 1.0, 0.0, 5.0, 2.0];
        let cka = linear_cka(&Linear::new(&constant, 4, 2), &Linear::new(&varied, 4, 2));
        assert!(cka.is_nan());
        assert!(rbf_cka(&Rbf::new(&constant, 4, 2), &Rbf::new(&varied, 4, 2)).is_nan());
    }
}
