//! Pre-training's base classifier (digits): the shaped network's body under a readout
//! over the base classes.

use super::Outer;
use crate::evolve::EvolveError;
use crate::net::{Architecture, LayerTying, Network, Tying};

/// The classifier that pre-training trains on digits: the body of the shaped network
/// under a readout over the base classes.
pub(super) struct BaseClassifier {
    pub(super) net: Network,
    pub(super) weights: Vec<f32>,
    /// The base classes, in the order of the readout's outputs.
    pub(super) classes: Vec<u32>,
}

impl Outer<'_> {
    /// The base-class classifier of pre-training on `classes`: this network's body (its
    /// initialisation) under a zero readout over the classes; and this network's own
    /// readout zeroed, the new head that a lifetime fits.
    pub(super) fn base_classifier(
        &mut self,
        classes: &[u32],
    ) -> Result<BaseClassifier, EvolveError> {
        let arch = self.net.architecture();
        let mut sizes = arch.sizes().to_vec();
        *sizes.last_mut().expect("a network has layers") = classes.len();
        let activations = (0..arch.layers() - 1).map(|l| arch.activation(l)).collect();
        // The body keeps its tying, so that its genes are the shaped network's own.
        let readout_rows = arch.layer_shape(arch.layers() - 1).0;
        let mut tiles = self.net.tying().layers().to_vec();
        *tiles.last_mut().expect("a network has layers") =
            LayerTying::dense(readout_rows, classes.len());
        let net = Architecture::new(sizes, activations, arch.head())
            .and_then(|base| {
                let tying = Tying::from_layers(&base, tiles)?;
                Network::new(base, tying)
            })
            .map_err(|e| EvolveError::InvalidOption {
                strategy: "pretrain",
                option: "train_classes",
                value: classes.len().to_string(),
                expected: e.to_string(),
            })?;
        let readout = arch.layers() - 1;
        let body = self.net.weight_genes(readout).start;
        let mut weights = vec![0.0; net.genome_len()];
        weights[..body].copy_from_slice(&self.weights[..body]);
        self.weights[body..].iter_mut().for_each(|w| *w = 0.0);
        Ok(BaseClassifier {
            net,
            weights,
            classes: classes.to_vec(),
        })
    }
}
