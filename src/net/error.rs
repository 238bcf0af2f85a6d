use thiserror::Error;

/// Everything that can be wrong with a network, a genome or a batch. Each variant names
/// the problem precisely enough to fix it without reading the code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NetError {
    /// The processes computing one population together could not exchange their values
    /// (one of them left).
    #[error("the processes sharing this computation could not exchange values: {0}")]
    Exchange(String),
    /// An output slice not one value per member long.
    #[error("expected room for {expected} values, one per member, got {got}")]
    OutputLength {
        /// Members.
        expected: usize,
        /// Values the caller made room for.
        got: usize,
    },
    /// Fewer than two layer sizes (an input and an output).
    #[error("an architecture needs at least an input and an output layer, got {0} layer size(s)")]
    TooFewLayers(usize),
    /// A layer of width 0.
    #[error("layer {layer} has zero width; every layer needs at least one unit")]
    ZeroWidthLayer {
        /// The layer's index.
        layer: usize,
    },
    /// Not one activation per hidden layer.
    #[error("expected {expected} hidden activation(s) (one per hidden layer), got {got}")]
    ActivationCount {
        /// Hidden layers.
        expected: usize,
        /// Activations given.
        got: usize,
    },
    /// A tile whose sides do not divide a weight matrix.
    #[error(
        "tile {tile_rows}x{tile_cols} does not divide layer {layer}'s weight matrix \
         {rows}x{cols} (inputs x outputs); choose a tile whose sides divide both"
    )]
    TileDoesNotDivide {
        /// The weight layer.
        layer: usize,
        /// Its inputs.
        rows: usize,
        /// Its outputs.
        cols: usize,
        /// The tile's rows.
        tile_rows: usize,
        /// The tile's columns.
        tile_cols: usize,
    },
    /// A tile with a side of 0.
    #[error("tile shape must be positive, got {0}x{1}")]
    ZeroTile(usize, usize),
    /// A tying map for another number of layers.
    #[error("tying has {got} layer map(s) but the architecture has {expected} weight layer(s)")]
    TyingLayerCount {
        /// Weight layers of the architecture.
        expected: usize,
        /// Layer maps of the tying.
        got: usize,
    },
    /// A layer's tying map does not fit its matrix.
    #[error("layer {layer}'s tying map is invalid: {reason}")]
    InvalidTying {
        /// The weight layer.
        layer: usize,
        /// What is wrong.
        reason: String,
    },
    /// A genome of the wrong length for the network.
    #[error("genome has {got} genes but this network needs {expected}")]
    GenomeLength {
        /// Genes the network needs.
        expected: usize,
        /// Genes given.
        got: usize,
    },
    /// An input that is not a whole batch.
    #[error(
        "input has {got} values, which is not a whole batch of {batch} rows x {features} features"
    )]
    InputShape {
        /// Rows expected.
        batch: usize,
        /// Features per row.
        features: usize,
        /// Values given.
        got: usize,
    },
    /// A batch of no rows.
    #[error("batch size must be positive")]
    EmptyBatch,
    /// Targets that do not match the batch.
    #[error("targets do not match the batch: {0}")]
    TargetShape(String),
    /// A loss whose curvature the Hessian-vector product does not implement.
    #[error(
        "no Hessian-vector product for {loss} on a {head} head; use mse on a linear head or cross_entropy"
    )]
    NoCurvature {
        /// The loss, as named in files.
        loss: &'static str,
        /// The head.
        head: &'static str,
    },
}
