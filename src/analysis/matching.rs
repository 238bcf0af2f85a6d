//! Unit matching: pair each hidden unit of one network with a unit of another so that
//! the summed |correlation| of their activations over the probe set is largest (the
//! assignment problem, solved exactly by the Hungarian algorithm — Kuhn 1955, Munkres
//! 1957 — as in Li et al. 2016, "Convergent Learning: Do different neural networks learn
//! the same representations?").
//!
//! Correlation is taken in absolute value: a tanh unit and its negation (incoming and
//! outgoing weights negated) compute the same function, so a sign flip is the same
//! feature. `pathfinding`'s `kuhn_munkres` works on integers, so |r| enters as
//! `round(|r| × 10⁶)`; the assignment is exact up to that resolution.

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;

/// Scale of |correlation| in the integer weights of the assignment.
pub const SCALE: f64 = 1e6;

/// A unit counts as matched when its partner's |correlation| exceeds this.
pub const CLOSE: f64 = 0.9;

/// Activations standardised per unit (zero mean, unit variance), `[n, width]`
/// row-major; a unit that never varies is all zeros (it correlates with nothing).
#[derive(Debug, Clone)]
pub struct Standardised {
    values: Vec<f64>,
    n: usize,
    width: usize,
}

impl Standardised {
    /// The standardised form of `values`, `n` rows of `width`.
    pub fn new(values: &[f64], n: usize, width: usize) -> Self {
        let mut out = values[..n * width].to_vec();
        for unit in 0..width {
            let column = || (0..n).map(|i| values[i * width + unit]);
            let mean = column().sum::<f64>() / n.max(1) as f64;
            let var = column().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n.max(1) as f64;
            let scale = if var > 0.0 { 1.0 / var.sqrt() } else { 0.0 };
            for i in 0..n {
                out[i * width + unit] = (values[i * width + unit] - mean) * scale;
            }
        }
        Self {
            values: out,
            n,
            width,
        }
    }

    /// Pearson correlation of unit `u` here with unit `v` of `other`.
    fn correlation(&self, u: usize, other: &Standardised, v: usize) -> f64 {
        (0..self.n)
            .map(|i| self.values[i * self.width + u] * other.values[i * other.width + v])
            .sum::<f64>()
            / self.n.max(1) as f64
    }
}

/// The best one-to-one matching of two layers' units.
#[derive(Debug, Clone, PartialEq)]
pub struct Matching {
    /// `partner[u]`: the unit of the wider (or second) layer matched to unit `u` of the
    /// narrower (or first) one.
    pub partner: Vec<usize>,
    /// |correlation| of each matched pair, in the order of `partner`.
    pub correlation: Vec<f64>,
}

impl Matching {
    /// Mean |correlation| over matched pairs (NaN with none).
    pub fn mean(&self) -> f64 {
        self.correlation.iter().sum::<f64>() / self.correlation.len() as f64
    }

    /// Fraction of matched pairs whose |correlation| exceeds [`CLOSE`] (NaN with none).
    pub fn fraction_close(&self) -> f64 {
        let close = self.correlation.iter().filter(|&&r| r > CLOSE).count();
        close as f64 / self.correlation.len() as f64
    }
}

/// Match the units of `a` and `b` (over the same examples) by the Hungarian algorithm on
/// |correlation|. Units of the narrower layer are matched; `a`'s when equally wide.
pub fn match_units(a: &Standardised, b: &Standardised) -> Matching {
    let (narrow, wide) = if a.width <= b.width { (a, b) } else { (b, a) };
    if narrow.width == 0 || a.n != b.n {
        return Matching {
            partner: Vec::new(),
            correlation: Vec::new(),
        };
    }
    let correlation: Vec<f64> = (0..narrow.width)
        .flat_map(|u| (0..wide.width).map(move |v| narrow.correlation(u, wide, v).abs()))
        .collect();
    let weights: Vec<i64> = correlation
        .iter()
        .map(|r| {
            if r.is_finite() {
                (r * SCALE).round() as i64
            } else {
                0
            }
        })
        .collect();
    let matrix =
        Matrix::from_vec(narrow.width, wide.width, weights).expect("rows × columns values");
    let (_, partner) = kuhn_munkres(&matrix);
    let matched = partner
        .iter()
        .enumerate()
        .map(|(u, &v)| correlation[u * wide.width + v])
        .collect();
    Matching {
        partner,
        correlation: matched,
    }
}
