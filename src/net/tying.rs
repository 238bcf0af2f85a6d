//! Segmentation: which gene block each weight tile expresses.
//!
//! A layer's weight matrix `[fan_in, fan_out]` is cut into a grid of tiles of
//! `tile_rows x tile_cols`. Each tile points at a gene block of the same shape; several
//! tiles may point at one block (weight tying — one gene expressed in several places of
//! the body, as a convolution repeats one filter). A tile may read its block mirrored
//! (rows reversed), so that a tile and its mirror image can share genes, and negated, so
//! that a tile can express the opposite of its block (an antisymmetric pair).
//!
//! The readout layer (the last weight layer) is never tied by a preset: it is one dense
//! tile, so that the output size need not be a multiple of the tile.

use serde::{Deserialize, Serialize};

use super::{Architecture, NetError};

/// One tile's pointer into its layer's gene blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TileRef {
    /// The gene block the tile expresses.
    pub block: u32,
    /// Read the block with its rows reversed (the tile's mirror image along the input axis).
    pub mirrored: bool,
    /// Express the block with every sign flipped (`w → −w`).
    #[serde(default)]
    pub negated: bool,
}

/// The tiling of one weight layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LayerTying {
    /// Rows of every tile.
    pub tile_rows: usize,
    /// Columns of every tile.
    pub tile_cols: usize,
    /// Tiles along the input axis.
    pub grid_rows: usize,
    /// Tiles along the output axis.
    pub grid_cols: usize,
    /// Row-major over the tile grid: tile `(i, j)` is `tiles[i * grid_cols + j]`.
    pub tiles: Vec<TileRef>,
    /// Number of distinct gene blocks; every block is used by at least one tile.
    pub blocks: usize,
}

impl LayerTying {
    /// Genes of one gene block (`tile_rows × tile_cols`).
    pub fn block_len(&self) -> usize {
        self.tile_rows * self.tile_cols
    }

    /// Weight genes of the layer: blocks × block length.
    pub fn weight_genes(&self) -> usize {
        self.blocks * self.block_len()
    }

    /// One dense tile covering the whole matrix: the layout is plain row-major.
    pub fn dense(rows: usize, cols: usize) -> Self {
        Self {
            tile_rows: rows,
            tile_cols: cols,
            grid_rows: 1,
            grid_cols: 1,
            tiles: vec![TileRef {
                block: 0,
                mirrored: false,
                negated: false,
            }],
            blocks: 1,
        }
    }

    /// Whether the genome layout of this layer is exactly the row-major weight matrix.
    pub fn is_dense(&self) -> bool {
        self.grid_rows == 1
            && self.grid_cols == 1
            && !self.tiles[0].mirrored
            && !self.tiles[0].negated
    }

    /// Number of tiles that express each block.
    pub fn block_usage(&self) -> Vec<usize> {
        let mut usage = vec![0; self.blocks];
        for t in &self.tiles {
            usage[t.block as usize] += 1;
        }
        usage
    }

    fn check(&self, layer: usize, rows: usize, cols: usize) -> Result<(), NetError> {
        let invalid = |reason: String| NetError::InvalidTying { layer, reason };
        if self.tile_rows == 0 || self.tile_cols == 0 {
            return Err(NetError::ZeroTile(self.tile_rows, self.tile_cols));
        }
        // Checked: a map read from a file may hold any numbers.
        let covers = self.tile_rows.checked_mul(self.grid_rows) == Some(rows)
            && self.tile_cols.checked_mul(self.grid_cols) == Some(cols);
        if !covers {
            return Err(invalid(format!(
                "a {}x{} grid of {}x{} tiles does not cover the {rows}x{cols} weight matrix",
                self.grid_rows, self.grid_cols, self.tile_rows, self.tile_cols
            )));
        }
        if self.grid_rows.checked_mul(self.grid_cols) != Some(self.tiles.len()) {
            return Err(invalid(format!(
                "{} tile pointers for a grid of {} tiles",
                self.tiles.len(),
                self.grid_rows.saturating_mul(self.grid_cols)
            )));
        }
        if self.blocks > self.tiles.len() {
            return Err(invalid(format!(
                "{} blocks for {} tiles: some block is not used",
                self.blocks,
                self.tiles.len()
            )));
        }
        if let Some(t) = self.tiles.iter().find(|t| t.block as usize >= self.blocks) {
            return Err(invalid(format!(
                "a tile points at block {} but the layer has {} blocks",
                t.block, self.blocks
            )));
        }
        if let Some(b) = self.block_usage().iter().position(|&u| u == 0) {
            return Err(invalid(format!("block {b} is not used by any tile")));
        }
        Ok(())
    }

    /// Renumber blocks in order of first use and drop unused ones, so that `check` holds
    /// after an operator re-pointed tiles. Returns, for each new block, the old block it
    /// came from (so the caller can carry the genes over).
    pub fn compact(&mut self) -> Vec<usize> {
        let mut new_of_old = vec![u32::MAX; self.blocks];
        let mut old_of_new = Vec::new();
        for t in &mut self.tiles {
            let old = t.block as usize;
            if new_of_old[old] == u32::MAX {
                new_of_old[old] = old_of_new.len() as u32;
                old_of_new.push(old);
            }
            t.block = new_of_old[old];
        }
        self.blocks = old_of_new.len();
        old_of_new
    }
}

/// Named tying maps for every weight layer but the readout: the input→hidden matrix and
/// each hidden→hidden one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TyingPreset {
    /// Every tile its own block: an ordinary dense layer.
    None,
    /// Block-Toeplitz: tiles on one diagonal `(i - j)` share a block — a 1-D convolution
    /// whose filter is a tile.
    Translation,
    /// Tile `(i, j)` and its mirror `(grid_rows - 1 - i, j)` share a block, the mirror
    /// reading it with reversed rows: weights symmetric under reversing the input.
    Mirror,
    /// As `Mirror`, but the mirror tile expresses the block negated: weights
    /// antisymmetric under reversing the input (`W[n−1−k, j] = −W[k, j]` for an even
    /// grid), so a unit sees the differences `x_k − x_{n−1−k}`.
    Antimirror,
    /// One block per layer.
    All,
}

impl TyingPreset {
    /// Every preset.
    pub const ALL: [TyingPreset; 5] = [
        TyingPreset::None,
        TyingPreset::Translation,
        TyingPreset::Mirror,
        TyingPreset::Antimirror,
        TyingPreset::All,
    ];

    /// The preset as written in files.
    pub fn name(self) -> &'static str {
        match self {
            TyingPreset::None => "none",
            TyingPreset::Translation => "translation",
            TyingPreset::Mirror => "mirror",
            TyingPreset::Antimirror => "antimirror",
            TyingPreset::All => "all",
        }
    }

    fn layer(self, rows: usize, cols: usize, tile: (usize, usize)) -> LayerTying {
        let (tr, tc) = tile;
        let (gr, gc) = (rows / tr, cols / tc);
        let plain = |block: usize| TileRef {
            block: block as u32,
            mirrored: false,
            negated: false,
        };
        let mut tiles = Vec::with_capacity(gr * gc);
        for i in 0..gr {
            for j in 0..gc {
                tiles.push(match self {
                    TyingPreset::None => plain(i * gc + j),
                    TyingPreset::Translation => plain(j + gr - 1 - i),
                    TyingPreset::All => plain(0),
                    TyingPreset::Mirror | TyingPreset::Antimirror => {
                        let mirror_i = gr - 1 - i;
                        let pair = i.min(mirror_i);
                        TileRef {
                            block: (pair * gc + j) as u32,
                            mirrored: i > mirror_i,
                            negated: i > mirror_i && self == TyingPreset::Antimirror,
                        }
                    }
                });
            }
        }
        let mut layer = LayerTying {
            tile_rows: tr,
            tile_cols: tc,
            grid_rows: gr,
            grid_cols: gc,
            tiles,
            blocks: gr * gc + gr + gc,
        };
        layer.compact();
        layer
    }
}

/// One [`LayerTying`] per weight layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tying {
    layers: Vec<LayerTying>,
}

impl Tying {
    /// Apply `preset` with tiles of `tile = (rows, cols)` to every weight layer but the
    /// readout (the input→hidden matrix included); the readout stays dense. Fails if the
    /// tile does not divide one of those matrices.
    pub fn preset(
        arch: &Architecture,
        preset: TyingPreset,
        tile: (usize, usize),
    ) -> Result<Self, NetError> {
        if tile.0 == 0 || tile.1 == 0 {
            return Err(NetError::ZeroTile(tile.0, tile.1));
        }
        let layers = (0..arch.layers())
            .map(|layer| {
                let (rows, cols) = arch.layer_shape(layer);
                if arch.is_readout(layer) {
                    return Ok(LayerTying::dense(rows, cols));
                }
                if rows % tile.0 != 0 || cols % tile.1 != 0 {
                    return Err(NetError::TileDoesNotDivide {
                        layer,
                        rows,
                        cols,
                        tile_rows: tile.0,
                        tile_cols: tile.1,
                    });
                }
                Ok(preset.layer(rows, cols, tile))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { layers })
    }

    /// Every layer one dense tile: the genome is the plain concatenation of row-major
    /// weight matrices and biases.
    pub fn dense(arch: &Architecture) -> Self {
        Self {
            layers: (0..arch.layers())
                .map(|l| {
                    let (r, c) = arch.layer_shape(l);
                    LayerTying::dense(r, c)
                })
                .collect(),
        }
    }

    /// Any map built in code (the evolution engine mutates them); checked against `arch`.
    pub fn from_layers(arch: &Architecture, layers: Vec<LayerTying>) -> Result<Self, NetError> {
        let tying = Self { layers };
        tying.check(arch)?;
        Ok(tying)
    }

    /// Check that the map fits `arch`: one layer map per weight layer, tiles that cover each
    /// matrix.
    pub fn check(&self, arch: &Architecture) -> Result<(), NetError> {
        if self.layers.len() != arch.layers() {
            return Err(NetError::TyingLayerCount {
                expected: arch.layers(),
                got: self.layers.len(),
            });
        }
        for (l, lt) in self.layers.iter().enumerate() {
            let (rows, cols) = arch.layer_shape(l);
            lt.check(l, rows, cols)?;
        }
        Ok(())
    }

    /// The layer maps, one per weight layer.
    pub fn layers(&self) -> &[LayerTying] {
        &self.layers
    }

    /// The map of weight layer `layer`.
    pub fn layer(&self, layer: usize) -> &LayerTying {
        &self.layers[layer]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Head};

    fn arch() -> Architecture {
        Architecture::uniform(&[8, 4, 2], Activation::Tanh, Head::Linear).unwrap()
    }

    #[test]
    fn presets_have_the_expected_block_counts() {
        let a = arch();
        let count = |p| Tying::preset(&a, p, (2, 2)).unwrap().layer(0).blocks;
        // 8x4 weights, 2x2 tiles: a 4x2 grid.
        assert_eq!(count(TyingPreset::None), 8);
        assert_eq!(count(TyingPreset::Translation), 4 + 2 - 1);
        assert_eq!(count(TyingPreset::Mirror), 4);
        assert_eq!(count(TyingPreset::All), 1);
        // The readout stays dense.
        let t = Tying::preset(&a, TyingPreset::All, (2, 2)).unwrap();
        assert!(t.layer(1).is_dense());
    }

    #[test]
    fn translation_ties_tiles_on_one_diagonal() {
        let t = Tying::preset(&arch(), TyingPreset::Translation, (2, 2)).unwrap();
        let l = t.layer(0);
        let at = |i: usize, j: usize| l.tiles[i * l.grid_cols + j].block;
        assert_eq!(at(0, 0), at(1, 1));
        assert_eq!(at(1, 0), at(2, 1));
        assert_ne!(at(0, 0), at(0, 1));
    }

    #[test]
    fn mirror_pairs_a_tile_with_its_mirror_image() {
        let t = Tying::preset(&arch(), TyingPreset::Mirror, (2, 2)).unwrap();
        let l = t.layer(0);
        let at = |i: usize, j: usize| l.tiles[i * l.grid_cols + j];
        assert_eq!(at(0, 1).block, at(3, 1).block);
        assert!(!at(0, 1).mirrored && at(3, 1).mirrored);
        assert_eq!(at(1, 0).block, at(2, 0).block);
        assert!(!at(0, 1).negated && !at(3, 1).negated);
    }

    #[test]
    fn antimirror_pairs_a_tile_with_its_negated_mirror_image() {
        let t = Tying::preset(&arch(), TyingPreset::Antimirror, (2, 2)).unwrap();
        let l = t.layer(0);
        let at = |i: usize, j: usize| l.tiles[i * l.grid_cols + j];
        assert_eq!(at(0, 1).block, at(3, 1).block);
        assert!(!at(0, 1).negated && at(3, 1).negated && at(3, 1).mirrored);
        assert_eq!(l.blocks, 4);
    }

    #[test]
    fn a_tile_that_does_not_divide_a_hidden_layer_is_an_error() {
        let err = Tying::preset(&arch(), TyingPreset::None, (3, 2)).unwrap_err();
        assert!(matches!(err, NetError::TileDoesNotDivide { layer: 0, .. }));
        assert!(err.to_string().contains("8x4"));
    }

    #[test]
    fn a_map_with_an_unused_block_is_rejected() {
        let a = arch();
        let mut layers = Tying::preset(&a, TyingPreset::None, (2, 2))
            .unwrap()
            .layers()
            .to_vec();
        layers[0].tiles[0].block = 1;
        let err = Tying::from_layers(&a, layers.clone()).unwrap_err();
        assert!(err.to_string().contains("block 0 is not used"));
        layers[0].compact();
        assert!(Tying::from_layers(&a, layers).is_ok());
    }
}
