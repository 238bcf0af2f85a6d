//! The body plan: layer sizes, one activation per hidden layer, and the output head.

use serde::{Deserialize, Serialize};

use super::NetError;

/// Nonlinearity applied after a hidden layer's affine map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// The hyperbolic tangent.
    Tanh,
    /// `max(0, z)`.
    Relu,
    /// `1 / (1 + e^(−z))`.
    Sigmoid,
    /// `z`: a linear layer.
    Identity,
}

impl Activation {
    /// Every activation.
    pub const ALL: [Activation; 4] = [
        Activation::Tanh,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Identity,
    ];

    /// The activation as written in files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Identity => "identity",
        }
    }

    /// The activation of one pre-activation value.
    #[inline]
    pub fn apply(self, z: f32) -> f32 {
        match self {
            Activation::Tanh => tanh(z),
            Activation::Relu => z.max(0.0),
            // σ(z) = (1 + tanh(z/2)) / 2
            Activation::Sigmoid => 0.5 + 0.5 * tanh(0.5 * z),
            Activation::Identity => z,
        }
    }

    /// Derivative written in terms of the activation's *output* `a = f(z)`, so the
    /// backward pass needs only the stored activations.
    #[inline]
    pub fn derivative_from_output(self, a: f32) -> f32 {
        match self {
            Activation::Tanh => 1.0 - a * a,
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Sigmoid => a * (1.0 - a),
            Activation::Identity => 1.0,
        }
    }
}

impl Activation {
    /// Second derivative `f''(z)` written in terms of the output `a = f(z)`, for the
    /// R-operator's backward sweep (`net::curvature`): tanh `−2a(1 − a²)`, sigmoid
    /// `a(1 − a)(1 − 2a)`, and 0 for the piecewise-linear ReLU and identity.
    #[inline]
    pub fn second_derivative_from_output(self, a: f32) -> f32 {
        match self {
            Activation::Tanh => -2.0 * a * (1.0 - a * a),
            Activation::Sigmoid => a * (1.0 - a) * (1.0 - 2.0 * a),
            Activation::Relu | Activation::Identity => 0.0,
        }
    }
}

/// `tanh` as a branch-free rational function that vectorises: the 13/6 minimax
/// approximation of Eigen's `generic_fast_tanh_float`, clamped at ±7.9053 where it
/// reaches ±1 in f32. Maximum absolute error 4e-7 over the real line (checked in tests
/// against `f64::tanh`); `f32::tanh` is a libm call that costs as much as a layer's matmul.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const A: [f32; 7] = [
        4.893_524_6e-3,
        6.372_619_3e-4,
        1.485_722_4e-5,
        5.122_297e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_5e-16,
    ];
    const B: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    // Horner's rule; plain `*`/`+` rather than `mul_add`, which is a libm call on
    // targets built without FMA.
    let p =
        ((((((A[6] * x2 + A[5]) * x2 + A[4]) * x2 + A[3]) * x2 + A[2]) * x2 + A[1]) * x2) + A[0];
    let q = ((B[3] * x2 + B[2]) * x2 + B[1]) * x2 + B[0];
    x * p / q
}

/// How the last layer's values are read. The last layer itself is always affine; the head
/// says what its outputs mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Head {
    /// Outputs are values (regression).
    Linear,
    /// Outputs are logits of a categorical distribution (classification).
    Softmax,
}

/// Layer sizes `[inputs, hidden..., outputs]`, an activation per hidden layer, and a head.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Architecture {
    sizes: Vec<usize>,
    hidden_activations: Vec<Activation>,
    head: Head,
}

impl Architecture {
    /// `sizes = [inputs, hidden..., outputs]`; `hidden_activations` has one entry per
    /// hidden layer.
    pub fn new(
        sizes: Vec<usize>,
        hidden_activations: Vec<Activation>,
        head: Head,
    ) -> Result<Self, NetError> {
        if sizes.len() < 2 {
            return Err(NetError::TooFewLayers(sizes.len()));
        }
        if let Some(layer) = sizes.iter().position(|&s| s == 0) {
            return Err(NetError::ZeroWidthLayer { layer });
        }
        if hidden_activations.len() != sizes.len() - 2 {
            return Err(NetError::ActivationCount {
                expected: sizes.len() - 2,
                got: hidden_activations.len(),
            });
        }
        Ok(Self {
            sizes,
            hidden_activations,
            head,
        })
    }

    /// Every hidden layer uses the same activation.
    pub fn uniform(sizes: &[usize], activation: Activation, head: Head) -> Result<Self, NetError> {
        let hidden = sizes.len().saturating_sub(2);
        Self::new(sizes.to_vec(), vec![activation; hidden], head)
    }

    /// `[inputs, hidden..., outputs]`.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Input features.
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }

    /// Outputs of the readout.
    pub fn outputs(&self) -> usize {
        *self.sizes.last().expect("validated: at least two layers")
    }

    /// Number of weight layers (affine maps).
    pub fn layers(&self) -> usize {
        self.sizes.len() - 1
    }

    /// `(fan_in, fan_out)` of weight layer `layer`.
    pub fn layer_shape(&self, layer: usize) -> (usize, usize) {
        (self.sizes[layer], self.sizes[layer + 1])
    }

    /// The nonlinearity after weight layer `layer`; the readout layer is affine.
    pub fn activation(&self, layer: usize) -> Activation {
        self.hidden_activations
            .get(layer)
            .copied()
            .unwrap_or(Activation::Identity)
    }

    /// The readout's head.
    pub fn head(&self) -> Head {
        self.head
    }

    /// Whether weight layer `layer` is the readout (the last).
    pub fn is_readout(&self, layer: usize) -> bool {
        layer + 1 == self.layers()
    }

    /// Weights plus biases of the untied network.
    pub fn dense_parameter_count(&self) -> usize {
        (0..self.layers())
            .map(|l| {
                let (i, o) = self.layer_shape(l);
                i * o + o
            })
            .sum()
    }

    /// "64-32-10" style name.
    pub fn label(&self) -> String {
        self.sizes
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_tanh_is_within_4e_7_of_the_true_tanh_everywhere() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4; // −20 … 20
            let err = (tanh(x) as f64 - (x as f64).tanh()).abs();
            worst = worst.max(err);
            assert!(tanh(x).abs() <= 1.0);
        }
        assert!(worst < 4e-7, "worst error {worst}");
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert!(tanh(f32::NAN).is_nan());
    }

    #[test]
    fn sigmoid_matches_its_definition() {
        for i in -100..=100 {
            let z = i as f32 * 0.1;
            let exact = 1.0 / (1.0 + (-(z as f64)).exp());
            assert!((Activation::Sigmoid.apply(z) as f64 - exact).abs() < 1e-6);
        }
    }
}
