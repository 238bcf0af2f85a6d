//! Segmentation as an evolvability operator: mutations of a network's tying map, and
//! crossover that respects gene blocks.
//!
//! * **tie** points one tile at another existing gene block of its layer (possibly read
//!   mirrored). A block left without tiles is deleted: the genome shrinks.
//! * **untie** gives one tile of a shared block its own copy of that block — gene
//!   duplication: the genome grows by one block and the network computes exactly the
//!   same function until the copies diverge.
//! * **block-aligned crossover** builds a child from whole gene blocks (and whole bias
//!   vectors) of two parents with the same tying map.
//!
//! Every operator returns a valid network: its tying map passes `Tying::check` and its
//! genome has exactly `Network::genome_len` genes.

use rand::RngExt;

use crate::net::{LayerTying, Network, TileRef, Tying};
use crate::rng::Stream;

/// Layers the operators may change: hidden layers with at least two tiles.
fn mutable_layers(net: &Network) -> Vec<usize> {
    let arch = net.architecture();
    (0..arch.layers())
        .filter(|&l| !arch.is_readout(l) && net.tying().layer(l).tiles.len() >= 2)
        .collect()
}

/// Rebuild `net` and `genes` after layer `layer`'s tiles were re-pointed. `tiles` index
/// blocks of a provisional numbering whose block `b` copies old block `sources[b]`.
fn rebuild(
    net: &Network,
    genes: &[f32],
    layer: usize,
    tiles: Vec<TileRef>,
    sources: Vec<usize>,
) -> (Network, Vec<f32>) {
    let old = net.tying().layer(layer);
    let mut changed = LayerTying {
        tiles,
        blocks: sources.len(),
        ..old.clone()
    };
    let provisional_of_new = changed.compact();
    let block_len = old.block_len();
    let mut layers = net.tying().layers().to_vec();
    layers[layer] = changed;
    let tying = Tying::from_layers(net.architecture(), layers)
        .expect("operators only re-point tiles within a valid grid");
    let next = Network::new(net.architecture().clone(), tying).expect("checked above");
    let mut out = Vec::with_capacity(next.genome_len());
    for l in 0..net.architecture().layers() {
        if l == layer {
            let old_blocks = &genes[net.weight_genes(l)];
            for &p in &provisional_of_new {
                let src = sources[p] * block_len;
                out.extend_from_slice(&old_blocks[src..src + block_len]);
            }
        } else {
            out.extend_from_slice(&genes[net.weight_genes(l)]);
        }
        out.extend_from_slice(&genes[net.bias_genes(l)]);
    }
    debug_assert_eq!(out.len(), next.genome_len());
    (next, out)
}

/// Point one random tile at another existing block (mirrored with probability ½).
/// Returns `None` when no layer has two blocks to choose between.
pub fn tie(net: &Network, genes: &[f32], rng: &mut Stream) -> Option<(Network, Vec<f32>)> {
    let layers: Vec<usize> = mutable_layers(net)
        .into_iter()
        .filter(|&l| net.tying().layer(l).blocks >= 2)
        .collect();
    if layers.is_empty() {
        return None;
    }
    let layer = layers[rng.random_range(0..layers.len())];
    let lt = net.tying().layer(layer);
    let tile = rng.random_range(0..lt.tiles.len());
    let current = lt.tiles[tile].block as usize;
    // A uniformly random block other than the current one.
    let mut target = rng.random_range(0..lt.blocks - 1);
    if target >= current {
        target += 1;
    }
    let mut tiles = lt.tiles.clone();
    tiles[tile] = TileRef {
        block: target as u32,
        mirrored: rng.random_bool(0.5),
        negated: false,
    };
    Some(rebuild(net, genes, layer, tiles, (0..lt.blocks).collect()))
}

/// Give one random tile of a shared block its own copy of the block (gene duplication).
/// Returns `None` when no block is shared.
pub fn untie(net: &Network, genes: &[f32], rng: &mut Stream) -> Option<(Network, Vec<f32>)> {
    let candidates: Vec<(usize, usize)> = mutable_layers(net)
        .into_iter()
        .flat_map(|l| {
            let lt = net.tying().layer(l);
            let usage = lt.block_usage();
            (0..lt.tiles.len())
                .filter(move |&t| usage[lt.tiles[t].block as usize] > 1)
                .map(move |t| (l, t))
        })
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let (layer, tile) = candidates[rng.random_range(0..candidates.len())];
    let lt = net.tying().layer(layer);
    let mut sources: Vec<usize> = (0..lt.blocks).collect();
    sources.push(lt.tiles[tile].block as usize);
    let mut tiles = lt.tiles.clone();
    tiles[tile].block = lt.blocks as u32;
    Some(rebuild(net, genes, layer, tiles, sources))
}

/// Gene ranges that crossover must keep whole: every gene block and every bias vector.
pub fn blocks(net: &Network) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    for l in 0..net.architecture().layers() {
        let block_len = net.tying().layer(l).block_len();
        let weights = net.weight_genes(l);
        ranges.extend(
            (weights.start..weights.end)
                .step_by(block_len)
                .map(|s| s..s + block_len),
        );
        ranges.push(net.bias_genes(l));
    }
    ranges
}

/// Child of two parents with the same tying map: each block from either parent with
/// probability ½.
pub fn block_crossover(net: &Network, a: &[f32], b: &[f32], rng: &mut Stream) -> Vec<f32> {
    let mut child = a.to_vec();
    take_blocks(net, b, &mut child, rng);
    child
}

/// Block-aligned crossover in place: each block of `child` replaced by `donor`'s with
/// probability ½ (the same draws as [`block_crossover`]).
pub fn take_blocks(net: &Network, donor: &[f32], child: &mut [f32], rng: &mut Stream) {
    for range in blocks(net) {
        if rng.random_bool(0.5) {
            child[range.clone()].copy_from_slice(&donor[range]);
        }
    }
}
