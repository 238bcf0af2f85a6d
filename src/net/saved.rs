//! A trained network as a file: body plan, tying map and genes in one JSON document
//! ([`SavedNetwork`]) that loads back into a [`Network`] and its [`Params`].
//!
//! The format (`"format": "baldwin-network-v1"`) spells out every field rather than
//! serialising `Network` itself, so that a file is readable without this crate and every
//! field is checked on the way in: a loaded file either gives a network whose genome
//! layout fits its genes, or an error — never a panic, whatever the file holds.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{
    Activation, Architecture, Head, LayerTying, NetError, Network, Params, Readout, Tying,
};

/// The `format` value of the current version.
pub const FORMAT: &str = "baldwin-network-v1";

/// One network and its genome, as saved under a results folder's `genomes/`.
///
/// ```json
/// { "format": "baldwin-network-v1",
///   "sizes": [64, 32, 10], "hidden_activations": ["tanh"], "head": "softmax",
///   "tying": [ { "tile_rows": 64, "tile_cols": 32, "grid_rows": 1, "grid_cols": 1,
///                "tiles": [ { "block": 0, "mirrored": false } ], "blocks": 1 }, ... ],
///   "genes": [ ... ] }
/// ```
///
/// `sizes`, `hidden_activations` and `head` are the [`Architecture`]; `tying` has one
/// [`LayerTying`] per weight layer; `genes` is the genome in the layout the module
/// `network` documents (layer by layer: gene blocks, each row-major, then biases; a dense
/// layer's blocks are its row-major `[fan_in, fan_out]` matrix). Genes are finite: JSON
/// has no NaN, so a diverged network is not saved.
///
/// An initialisation learned for few-shot adaptation also records `inner_lrs`: one
/// inner-loop learning rate per weight layer, the rates its evaluation lifetimes use
/// (evolved ones for an arm that evolves plasticity, 0 for a frozen body). The field is
/// absent for a network that is used as it is. `readout` is absent for the network's own
/// affine readout, and `{"Cosine": {"scale": s}}` for a cosine readout (Baseline++), whose
/// class vectors are the last layer's weight columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedNetwork {
    /// `"baldwin-network-v1"`, the current version.
    pub format: String,
    /// `[inputs, hidden..., outputs]`.
    pub sizes: Vec<usize>,
    /// One activation per hidden layer.
    pub hidden_activations: Vec<Activation>,
    /// The readout's head.
    pub head: Head,
    /// One tiling per weight layer.
    pub tying: Vec<LayerTying>,
    /// The genome.
    pub genes: Vec<f32>,
    /// Per-layer inner-loop learning rates of a learned initialisation, if it has its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_lrs: Option<Vec<f32>>,
    /// How the scores are read from the last layer (absent: its affine readout).
    #[serde(default, skip_serializing_if = "is_affine")]
    pub readout: Readout,
}

fn is_affine(readout: &Readout) -> bool {
    *readout == Readout::Affine
}

/// Why a saved network could not be loaded.
#[derive(Debug, Error)]
pub enum SavedNetworkError {
    /// The text is not JSON of the expected shape.
    #[error("not a saved network: {0}")]
    Json(#[from] serde_json::Error),
    /// Another format or version.
    #[error("format `{0}` is not `{FORMAT}`")]
    Format(String),
    /// The fields do not make a network, or the genes do not fit it.
    #[error("{0}")]
    Network(#[from] NetError),
    /// Sizes or tiles too large to describe a network in memory.
    #[error("layer {0}: sizes too large")]
    TooLarge(usize),
    /// A gene is NaN or infinite.
    #[error("gene {0} is not finite")]
    NotFinite(usize),
    /// `inner_lrs` does not have one rate per weight layer.
    #[error("inner_lrs has {got} rates, the network {expected} weight layers")]
    InnerRates {
        /// Weight layers of the network.
        expected: usize,
        /// Rates in the file.
        got: usize,
    },
}

impl SavedNetwork {
    /// The file form of `network` with genome `genes`; `None` if a gene is not finite
    /// (JSON cannot hold it) or `genes` do not fit the network.
    pub fn new(network: &Network, genes: &[f32]) -> Option<Self> {
        if genes.len() != network.genome_len() || !genes.iter().all(|g| g.is_finite()) {
            return None;
        }
        let arch = network.architecture();
        Some(Self {
            format: FORMAT.to_string(),
            sizes: arch.sizes().to_vec(),
            hidden_activations: (0..arch.layers() - 1).map(|l| arch.activation(l)).collect(),
            head: arch.head(),
            tying: network.tying().layers().to_vec(),
            genes: genes.to_vec(),
            inner_lrs: None,
            readout: Readout::Affine,
        })
    }

    /// The same file recording per-layer inner learning rates `lrs`; `None` if they are
    /// not one finite rate per weight layer.
    pub fn with_inner_lrs(mut self, lrs: &[f32]) -> Option<Self> {
        let layers = self.sizes.len().saturating_sub(1);
        if lrs.len() != layers || !lrs.iter().all(|l| l.is_finite()) {
            return None;
        }
        self.inner_lrs = Some(lrs.to_vec());
        Some(self)
    }

    /// The JSON text of the file.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("finite numbers and plain fields serialise")
    }

    /// Parse and check the JSON text of a file: the network and its genome.
    pub fn from_json(text: &str) -> Result<(Network, Params), SavedNetworkError> {
        let saved: SavedNetwork = serde_json::from_str(text)?;
        saved.load()
    }

    /// Check every field and build the network and its genome.
    pub fn load(self) -> Result<(Network, Params), SavedNetworkError> {
        if self.format != FORMAT {
            return Err(SavedNetworkError::Format(self.format));
        }
        let arch = Architecture::new(self.sizes, self.hidden_activations, self.head)?;
        let genes = genome_length(&arch, &self.tying)?;
        // Checked with overflow-free arithmetic above, so `Network::new` cannot overflow.
        let network = Network::new(arch.clone(), Tying::from_layers(&arch, self.tying)?)?;
        if genes != Some(self.genes.len()) {
            return Err(NetError::GenomeLength {
                expected: network.genome_len(),
                got: self.genes.len(),
            }
            .into());
        }
        if let Some(i) = self.genes.iter().position(|g| !g.is_finite()) {
            return Err(SavedNetworkError::NotFinite(i));
        }
        if let Some(lrs) = &self.inner_lrs
            && lrs.len() != network.architecture().layers()
        {
            return Err(SavedNetworkError::InnerRates {
                expected: network.architecture().layers(),
                got: lrs.len(),
            });
        }
        Ok((network, Params::new(self.genes)))
    }
}

/// The genome length `tying` implies for `arch`, computed without overflow; `Ok(None)`
/// when the tiling does not fit (the checks of [`Tying::from_layers`] then say why).
fn genome_length(
    arch: &Architecture,
    tying: &[LayerTying],
) -> Result<Option<usize>, SavedNetworkError> {
    let mut total = 0usize;
    for (l, lt) in tying.iter().enumerate().take(arch.layers()) {
        let too_large = || SavedNetworkError::TooLarge(l);
        let (rows, cols) = arch.layer_shape(l);
        rows.checked_mul(cols).ok_or_else(too_large)?;
        let covers = lt.tile_rows.checked_mul(lt.grid_rows) == Some(rows)
            && lt.tile_cols.checked_mul(lt.grid_cols) == Some(cols)
            && lt.grid_rows.checked_mul(lt.grid_cols) == Some(lt.tiles.len())
            && lt.blocks <= lt.tiles.len();
        if !covers {
            return Ok(None);
        }
        // blocks ≤ tiles, so blocks × block length ≤ rows × cols: no overflow.
        total = lt
            .weight_genes()
            .checked_add(cols)
            .and_then(|layer| total.checked_add(layer))
            .ok_or_else(too_large)?;
    }
    Ok(Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::TyingPreset;

    fn tied() -> (Network, Params) {
        let arch = Architecture::uniform(&[8, 4, 3], Activation::Tanh, Head::Softmax).unwrap();
        let tying = Tying::preset(&arch, TyingPreset::Mirror, (2, 2)).unwrap();
        let net = Network::new(arch, tying).unwrap();
        let genes = (0..net.genome_len())
            .map(|i| i as f32 * 0.37 - 1.1)
            .collect();
        (net, Params::new(genes))
    }

    #[test]
    fn a_saved_network_loads_back_to_the_same_network_and_genes() {
        let (net, params) = tied();
        let text = SavedNetwork::new(&net, &params.genes).unwrap().to_json();
        let (loaded, genes) = SavedNetwork::from_json(&text).unwrap();
        assert_eq!(loaded, net);
        assert_eq!(genes, params);
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        let (net, params) = tied();
        let good = SavedNetwork::new(&net, &params.genes).unwrap();
        let mut short = good.clone();
        short.genes.pop();
        assert!(matches!(
            short.load(),
            Err(SavedNetworkError::Network(NetError::GenomeLength { .. }))
        ));
        let mut huge = good.clone();
        huge.sizes = vec![usize::MAX, usize::MAX, 3];
        assert!(huge.load().is_err());
        let mut wrong_tiles = good.clone();
        wrong_tiles.tying[0].grid_rows = usize::MAX;
        assert!(wrong_tiles.load().is_err());
        let mut version = good;
        version.format = "baldwin-network-v0".into();
        assert!(matches!(version.load(), Err(SavedNetworkError::Format(_))));
        assert!(SavedNetwork::from_json("{}").is_err());
        assert!(SavedNetwork::from_json("[1, 2]").is_err());
        assert!(SavedNetwork::new(&net, &[f32::NAN; 3]).is_none());
    }

    #[test]
    fn inner_rates_are_saved_checked_and_optional() {
        let (net, params) = tied();
        let plain = SavedNetwork::new(&net, &params.genes).unwrap();
        assert!(!plain.to_json().contains("inner_lrs"));
        let mut rated = plain.clone().with_inner_lrs(&[0.01, 0.25]).unwrap();
        rated.readout = Readout::Cosine { scale: 2.0 };
        let text = rated.to_json();
        let back: SavedNetwork = serde_json::from_str(&text).unwrap();
        assert_eq!(back.inner_lrs, Some(vec![0.01, 0.25]));
        assert_eq!(back.readout, Readout::Cosine { scale: 2.0 });
        assert!(!plain.to_json().contains("readout"));
        assert_eq!(SavedNetwork::from_json(&text).unwrap().0, net);
        assert!(plain.clone().with_inner_lrs(&[0.01]).is_none());
        assert!(
            plain
                .clone()
                .with_inner_lrs(&[0.01, f32::INFINITY])
                .is_none()
        );
        let mut wrong = rated;
        wrong.inner_lrs = Some(vec![0.1; 3]);
        assert!(matches!(
            wrong.load(),
            Err(SavedNetworkError::InnerRates {
                expected: 2,
                got: 3
            })
        ));
    }
}
