use thiserror::Error;

/// Everything that can be wrong with a network, a genome or a batch. Each variant names
/// the problem precisely enough to fix it without reading the code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NetError {
    #[error("an architecture needs at least an input and an output layer, got {0} layer size(s)")]
    TooFewLayers(usize),
    #[error("layer {layer} has zero width; every layer needs at least one unit")]
    ZeroWidthLayer { layer: usize },
    #[error("expected {expected} hidden activation(s) (one per hidden layer), got {got}")]
    ActivationCount { expected: usize, got: usize },
    #[error(
        "tile {tile_rows}x{tile_cols} does not divide layer {layer}'s weight matrix \
         {rows}x{cols} (inputs x outputs); choose a tile whose sides divide both"
    )]
    TileDoesNotDivide {
        layer: usize,
        rows: usize,
        cols: usize,
        tile_rows: usize,
        tile_cols: usize,
    },
    #[error("tile shape must be positive, got {0}x{1}")]
    ZeroTile(usize, usize),
    #[error("tying has {got} layer map(s) but the architecture has {expected} weight layer(s)")]
    TyingLayerCount { expected: usize, got: usize },
    #[error("layer {layer}'s tying map is invalid: {reason}")]
    InvalidTying { layer: usize, reason: String },
    #[error("genome has {got} genes but this network needs {expected}")]
    GenomeLength { expected: usize, got: usize },
    #[error(
        "input has {got} values, which is not a whole batch of {batch} rows x {features} features"
    )]
    InputShape {
        batch: usize,
        features: usize,
        got: usize,
    },
    #[error("batch size must be positive")]
    EmptyBatch,
    #[error("targets do not match the batch: {0}")]
    TargetShape(String),
}
