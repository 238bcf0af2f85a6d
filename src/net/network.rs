//! A network (body plan + segmentation), its genome layout, initialisation, and
//! development: genes to weight matrices, and its adjoint, weight gradients folded back
//! into gene blocks. The passes over a batch that use them are in `passes`.
//!
//! Genome layout, layer after layer: the layer's gene blocks (`blocks x tile_rows x
//! tile_cols`, each block row-major) followed by its biases (`fan_out`). A dense layer
//! (one tile) is therefore stored as its plain row-major weight matrix.

use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use super::{Activation, Architecture, LayerTying, NetError, Tying};

/// A genome: one flat vector of genes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Params {
    /// The genes, in the network's genome layout.
    pub genes: Vec<f32>,
}

impl Params {
    /// A genome of `genes`.
    pub fn new(genes: Vec<f32>) -> Self {
        Self { genes }
    }

    /// Genes.
    pub fn len(&self) -> usize {
        self.genes.len()
    }

    /// Whether there are no genes.
    pub fn is_empty(&self) -> bool {
        self.genes.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct LayerLayout {
    weights: usize,
    biases: usize,
}

/// Architecture plus tying, with the genome layout they imply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Network {
    arch: Architecture,
    tying: Tying,
    layout: Vec<LayerLayout>,
    genome_len: usize,
}

impl Network {
    /// A network of `arch` whose weights are expressed through `tying`; checks that they fit.
    pub fn new(arch: Architecture, tying: Tying) -> Result<Self, NetError> {
        tying.check(&arch)?;
        let mut offset = 0;
        let layout = tying
            .layers()
            .iter()
            .enumerate()
            .map(|(l, lt)| {
                let weights = offset;
                let biases = weights + lt.weight_genes();
                offset = biases + arch.layer_shape(l).1;
                LayerLayout { weights, biases }
            })
            .collect();
        Ok(Self {
            arch,
            tying,
            layout,
            genome_len: offset,
        })
    }

    /// An untied network.
    pub fn dense(arch: Architecture) -> Self {
        let tying = Tying::dense(&arch);
        Self::new(arch, tying).expect("a dense tying always fits its architecture")
    }

    /// The body plan.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// The segmentation map.
    pub fn tying(&self) -> &Tying {
        &self.tying
    }

    /// Genes of a genome: gene blocks and biases of every layer.
    pub fn genome_len(&self) -> usize {
        self.genome_len
    }

    /// Range of layer `layer`'s weight genes in the genome.
    pub fn weight_genes(&self, layer: usize) -> std::ops::Range<usize> {
        self.layout[layer].weights..self.layout[layer].biases
    }

    /// Range of layer `layer`'s biases in the genome.
    pub fn bias_genes(&self, layer: usize) -> std::ops::Range<usize> {
        let start = self.layout[layer].biases;
        start..start + self.arch.layer_shape(layer).1
    }

    /// Seeded initialisation by [`Init::Auto`]: He normal (`N(0, 2/fan_in)`, He et al.
    /// 2015) for ReLU layers, Glorot uniform (`U(±√(6/(fan_in+fan_out)))`, Glorot & Bengio
    /// 2010) otherwise; zero biases. A shared gene block is drawn once, from its layer's
    /// distribution.
    pub fn init<R: Rng + ?Sized>(&self, rng: &mut R) -> Params {
        self.init_with(Initializer::default(), rng)
    }

    /// Seeded initialisation by `initializer` (see [`Init`]). Weights are drawn layer by
    /// layer, then that layer's biases where the scheme draws them; a shared gene block
    /// is drawn once, from its layer's distribution.
    pub fn init_with<R: Rng + ?Sized>(&self, initializer: Initializer, rng: &mut R) -> Params {
        let mut genes = vec![0.0f32; self.genome_len];
        for l in 0..self.arch.layers() {
            let (fan_in, fan_out) = self.arch.layer_shape(l);
            let scheme = match initializer.init {
                Init::Auto if self.arch.activation(l) == Activation::Relu => Init::He,
                Init::Auto => Init::Glorot,
                other => other,
            };
            let weights = self.weight_genes(l);
            let biases = self.bias_genes(l);
            match scheme {
                Init::He => fill_normal(&mut genes[weights], (2.0 / fan_in as f32).sqrt(), rng),
                Init::Normal => fill_normal(&mut genes[weights], initializer.sigma, rng),
                Init::Glorot => {
                    let a = (6.0 / (fan_in + fan_out) as f32).sqrt();
                    fill_uniform(&mut genes[weights], a, rng);
                }
                Init::PytorchUniform => {
                    // torch.nn.Linear.reset_parameters: kaiming_uniform_(a = √5) on the
                    // weights is U(±1/√fan_in); the biases are U(±1/√fan_in) too.
                    let a = 1.0 / (fan_in as f32).sqrt();
                    fill_uniform(&mut genes[weights], a, rng);
                    fill_uniform(&mut genes[biases], a, rng);
                }
                Init::Auto => unreachable!("resolved per layer above"),
            }
        }
        Params::new(genes)
    }

    /// Check a genome and a batch once, at the boundary.
    pub fn check_input(&self, genome: &[f32], input: &[f32], batch: usize) -> Result<(), NetError> {
        if genome.len() != self.genome_len {
            return Err(NetError::GenomeLength {
                expected: self.genome_len,
                got: genome.len(),
            });
        }
        if batch == 0 {
            return Err(NetError::EmptyBatch);
        }
        if input.len() != batch * self.arch.inputs() {
            return Err(NetError::InputShape {
                batch,
                features: self.arch.inputs(),
                got: input.len(),
            });
        }
        Ok(())
    }

    /// Development: write layer `layer`'s weight matrix `[fan_in, fan_out]` from the genome.
    pub fn develop_layer(&self, genome: &[f32], layer: usize, weights: &mut [f32]) {
        let lt = self.tying.layer(layer);
        let blocks = &genome[self.weight_genes(layer)];
        let cols = self.arch.layer_shape(layer).1;
        for_each_tile_row(lt, cols, |block_row, matrix_row, len, negated| {
            let (row, genes) = (
                &mut weights[matrix_row..matrix_row + len],
                &blocks[block_row..block_row + len],
            );
            if negated {
                row.iter_mut().zip(genes).for_each(|(w, g)| *w = -g);
            } else {
                row.copy_from_slice(genes);
            }
        });
    }

    /// Development of the whole genome into row-major weight matrices, one per layer.
    pub fn develop(&self, genome: &[f32]) -> Result<Vec<Vec<f32>>, NetError> {
        if genome.len() != self.genome_len {
            return Err(NetError::GenomeLength {
                expected: self.genome_len,
                got: genome.len(),
            });
        }
        Ok((0..self.arch.layers())
            .map(|l| {
                let (r, c) = self.arch.layer_shape(l);
                let mut w = vec![0.0; r * c];
                self.develop_layer(genome, l, &mut w);
                w
            })
            .collect())
    }

    /// Sum a weight-matrix gradient `[fan_in, fan_out]` into the layer's gene blocks: the
    /// adjoint of [`Network::develop_layer`], each block's gradient the sum over the tiles
    /// that express it.
    pub(super) fn fold_weight_gradient(
        &self,
        layer: usize,
        grad_weights: &[f32],
        grad_blocks: &mut [f32],
    ) {
        let lt = self.tying.layer(layer);
        let cols = self.arch.layer_shape(layer).1;
        grad_blocks.fill(0.0);
        // A negated tile's weights are −genes: its gradient enters its block negated.
        for_each_tile_row(lt, cols, |block_row, matrix_row, len, negated| {
            let (genes, weights) = (
                &mut grad_blocks[block_row..block_row + len],
                &grad_weights[matrix_row..matrix_row + len],
            );
            if negated {
                genes.iter_mut().zip(weights).for_each(|(g, w)| *g -= w);
            } else {
                genes.iter_mut().zip(weights).for_each(|(g, w)| *g += w);
            }
        });
    }
}

fn fill_normal<R: Rng + ?Sized>(genes: &mut [f32], sigma: f32, rng: &mut R) {
    let normal = Normal::new(0.0, sigma).expect("finite std");
    genes.iter_mut().for_each(|w| *w = normal.sample(rng));
}

fn fill_uniform<R: Rng + ?Sized>(genes: &mut [f32], bound: f32, rng: &mut R) {
    let uniform = Uniform::new_inclusive(-bound, bound).expect("finite bounds");
    genes.iter_mut().for_each(|w| *w = uniform.sample(rng));
}

/// How a network's first genome is drawn (the `init` key of a `[network]` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// He normal for ReLU layers, Glorot uniform for the others; zero biases.
    #[default]
    Auto,
    /// He normal `N(0, 2/fan_in)` (He et al. 2015) for every layer; zero biases.
    He,
    /// Glorot uniform `U(±√(6/(fan_in+fan_out)))` (Glorot & Bengio 2010); zero biases.
    Glorot,
    /// PyTorch's `nn.Linear` default: weights and biases `U(±1/√fan_in)`.
    PytorchUniform,
    /// `N(0, σ²)` weights (σ = [`Initializer::sigma`]), zero biases: Finn et al. 2017 use
    /// σ = 0.01.
    Normal,
}

/// An initialisation scheme and the standard deviation that [`Init::Normal`] uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Initializer {
    /// The scheme.
    pub init: Init,
    /// σ of [`Init::Normal`]; unused by the other schemes.
    pub sigma: f32,
}

impl Default for Initializer {
    fn default() -> Self {
        Self {
            init: Init::Auto,
            sigma: 0.01,
        }
    }
}

/// Visit every row of every tile: `f(offset of the row in the layer's blocks, offset of the
/// row in the weight matrix, row length, whether the tile is negated)`. Mirrored tiles read
/// their block's rows reversed.
fn for_each_tile_row(lt: &LayerTying, cols: usize, mut f: impl FnMut(usize, usize, usize, bool)) {
    let (tr, tc) = (lt.tile_rows, lt.tile_cols);
    for i in 0..lt.grid_rows {
        for j in 0..lt.grid_cols {
            let tile = lt.tiles[i * lt.grid_cols + j];
            let block = tile.block as usize * tr * tc;
            for r in 0..tr {
                let block_r = if tile.mirrored { tr - 1 - r } else { r };
                f(
                    block + block_r * tc,
                    (i * tr + r) * cols + j * tc,
                    tc,
                    tile.negated,
                );
            }
        }
    }
}
