//! Genome and tying invariants over random architectures, tying presets and tiles.
//!
//! Each case draws a tile of 1–3 x 1–3, an input size the tile's rows divide, 1–3 hidden
//! layers whose sizes both tile sides divide (they are a hidden layer's rows and the one
//! before's columns), 1–4 outputs (the readout is never tied), one preset, an activation
//! and a head.

use baldwin::net::{
    Activation, Architecture, Head, LayerTying, Loss, Network, Targets, Tying, TyingPreset,
    Workspace,
};
use baldwin::rng;
use proptest::prelude::*;
use proptest::sample::select;
use rand::RngExt;

/// Modest, so the file runs in a few seconds under the test profile.
const CASES: u32 = 48;

#[derive(Debug, Clone)]
struct Shape {
    sizes: Vec<usize>,
    tile: (usize, usize),
    preset: TyingPreset,
    activation: Activation,
    head: Head,
}

impl Shape {
    fn network(&self) -> Network {
        self.network_with(self.activation, self.head)
    }

    fn network_with(&self, activation: Activation, head: Head) -> Network {
        let arch = Architecture::uniform(&self.sizes, activation, head).unwrap();
        let tying = Tying::preset(&arch, self.preset, self.tile).unwrap();
        Network::new(arch, tying).unwrap()
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn shapes() -> impl Strategy<Value = Shape> {
    (
        (1usize..=3, 1usize..=3),
        1usize..=3,
        prop::collection::vec(1usize..=3, 1..=3),
        1usize..=4,
        select(TyingPreset::ALL.to_vec()),
        select(Activation::ALL.to_vec()),
        select(vec![Head::Linear, Head::Softmax]),
    )
        .prop_map(
            |(tile, input_tiles, hidden_multiples, outputs, preset, activation, head)| {
                let both_sides = tile.0 * tile.1 / gcd(tile.0, tile.1);
                let mut sizes = vec![tile.0 * input_tiles];
                sizes.extend(hidden_multiples.iter().map(|m| m * both_sides));
                sizes.push(outputs);
                Shape {
                    sizes,
                    tile,
                    preset,
                    activation,
                    head,
                }
            },
        )
}

/// An initialised genome with biases moved off zero, so that they take part.
fn genome(net: &Network, seed: u64) -> Vec<f32> {
    let mut stream = rng::stream(&[seed, 1]);
    let mut genes = net.init(&mut stream).genes;
    for l in 0..net.architecture().layers() {
        for bias in &mut genes[net.bias_genes(l)] {
            *bias = stream.random_range(-0.5..0.5);
        }
    }
    genes
}

/// The untied network computing the same function: developed weights, the same biases.
fn dense_twin(net: &Network, genes: &[f32]) -> (Network, Vec<f32>) {
    let dense = Network::dense(net.architecture().clone());
    let mut dense_genes = Vec::with_capacity(dense.genome_len());
    for (l, weights) in net.develop(genes).unwrap().iter().enumerate() {
        dense_genes.extend_from_slice(weights);
        dense_genes.extend_from_slice(&genes[net.bias_genes(l)]);
    }
    (dense, dense_genes)
}

/// Tile `(i, j)` of a developed `[rows, cols]` matrix, row-major.
fn tile_of(weights: &[f32], cols: usize, lt: &LayerTying, i: usize, j: usize) -> Vec<f32> {
    (0..lt.tile_rows)
        .flat_map(|r| {
            let start = (i * lt.tile_rows + r) * cols + j * lt.tile_cols;
            weights[start..start + lt.tile_cols].to_vec()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn genome_len_is_the_sum_of_every_layers_gene_blocks_and_biases(shape in shapes()) {
        let net = shape.network();
        let arch = net.architecture();
        let expected: usize = (0..arch.layers())
            .map(|l| {
                let lt = net.tying().layer(l);
                lt.blocks * lt.tile_rows * lt.tile_cols + arch.layer_shape(l).1
            })
            .sum();
        prop_assert_eq!(net.genome_len(), expected);
        prop_assert_eq!(net.init(&mut rng::stream(&[0])).len(), expected);
    }

    #[test]
    fn each_preset_has_its_closed_form_block_count_and_the_readout_stays_dense(
        shape in shapes(),
    ) {
        let net = shape.network();
        let arch = net.architecture();
        for l in 0..arch.layers() {
            let lt = net.tying().layer(l);
            let (rows, cols) = arch.layer_shape(l);
            if arch.is_readout(l) {
                prop_assert!(lt.is_dense());
                prop_assert_eq!(lt.weight_genes(), rows * cols);
                continue;
            }
            let (gr, gc) = (rows / shape.tile.0, cols / shape.tile.1);
            prop_assert_eq!((lt.grid_rows, lt.grid_cols), (gr, gc));
            let blocks = match shape.preset {
                TyingPreset::None => gr * gc,
                TyingPreset::Translation => gr + gc - 1,
                TyingPreset::Mirror | TyingPreset::Antimirror => gr.div_ceil(2) * gc,
                TyingPreset::All => 1,
            };
            prop_assert_eq!(lt.blocks, blocks, "layer {}", l);
            prop_assert_eq!(lt.block_usage().iter().sum::<usize>(), gr * gc);
        }
    }

    #[test]
    fn an_untied_preset_has_exactly_the_dense_networks_genes(shape in shapes()) {
        let shape = Shape { preset: TyingPreset::None, ..shape };
        let net = shape.network();
        prop_assert_eq!(net.genome_len(), net.architecture().dense_parameter_count());
    }

    #[test]
    fn weight_and_bias_ranges_tile_the_genome_in_order_without_gaps_or_overlaps(
        shape in shapes(),
    ) {
        let net = shape.network();
        let arch = net.architecture();
        let mut next = 0;
        for l in 0..arch.layers() {
            let (weights, biases) = (net.weight_genes(l), net.bias_genes(l));
            prop_assert_eq!(weights.start, next, "layer {} weights", l);
            prop_assert_eq!(weights.len(), net.tying().layer(l).weight_genes());
            prop_assert_eq!(biases.start, weights.end, "layer {} biases", l);
            prop_assert_eq!(biases.len(), arch.layer_shape(l).1);
            next = biases.end;
        }
        prop_assert_eq!(next, net.genome_len());
    }

    #[test]
    fn developing_a_one_hot_gene_writes_it_once_per_tile_expressing_its_block(
        shape in shapes(),
        pick in any::<prop::sample::Index>(),
    ) {
        let net = shape.network();
        let arch = net.architecture();
        // A weight gene of a hidden layer (the readout is dense: one tile per block).
        let l = pick.index(arch.layers() - 1);
        let lt = net.tying().layer(l);
        let gene = net.weight_genes(l).start + pick.index(lt.weight_genes());
        let block = (gene - net.weight_genes(l).start) / lt.block_len();
        let mut genes = vec![0.0f32; net.genome_len()];
        genes[gene] = 1.0;
        let developed = net.develop(&genes).unwrap();
        // A negated tile (antimirror) writes it as −1.
        let negated = lt
            .tiles
            .iter()
            .filter(|t| t.block as usize == block && t.negated)
            .count();
        for (k, weights) in developed.iter().enumerate() {
            let ones = weights.iter().filter(|&&w| w.abs() == 1.0).count();
            let minus = weights.iter().filter(|&&w| w == -1.0).count();
            let zeros = weights.iter().filter(|&&w| w == 0.0).count();
            let want = if k == l { lt.block_usage()[block] } else { 0 };
            prop_assert_eq!(ones, want, "layer {}", k);
            prop_assert_eq!(minus, if k == l { negated } else { 0 }, "layer {}", k);
            prop_assert_eq!(ones + zeros, weights.len());
        }
    }

    #[test]
    fn folding_a_uniform_weight_gradient_scales_each_gene_by_the_tiles_expressing_its_block(
        shape in shapes(),
    ) {
        // Identity activations, all weights 1, zero biases, one all-ones input row: every
        // activation and every back-propagated delta of a hidden layer is constant across
        // its units, so that layer's weight gradient is a constant c (all ones, scaled).
        // Folded into the blocks, each gene must get c times its block's tile count. (A
        // linear head: through a softmax the deltas of a constant readout sum to zero.)
        // Antimirror expresses −1 beside 1, so its weights are not uniform; its signed
        // fold is checked in tests/gradients.rs against a sum of untied gradients.
        prop_assume!(shape.preset != TyingPreset::Antimirror);
        let net = shape.network_with(Activation::Identity, Head::Linear);
        let arch = net.architecture().clone();
        let mut genes = vec![0.0f32; net.genome_len()];
        for l in 0..arch.layers() {
            genes[net.weight_genes(l)].fill(1.0);
        }
        let input = vec![1.0f32; arch.inputs()];
        let targets = vec![0.0f32; arch.outputs()];
        let gradient = |net: &Network, genes: &[f32]| {
            let mut grad = vec![f32::NAN; net.genome_len()];
            net.loss_and_gradient(
                genes,
                &input,
                Targets::Values(&targets),
                Loss::Mse,
                &mut Workspace::new(),
                &mut grad,
            )
            .unwrap();
            grad
        };
        let tied_grad = gradient(&net, &genes);
        let (dense, dense_genes) = dense_twin(&net, &genes);
        let dense_grad = gradient(&dense, &dense_genes);
        for l in 0..arch.layers() - 1 {
            let upstream = &dense_grad[dense.weight_genes(l)];
            let c = upstream[0];
            prop_assert!(c.is_finite() && c != 0.0, "layer {}: c = {}", l, c);
            for &g in upstream {
                prop_assert!((g - c).abs() <= 1e-6 * c.abs(), "layer {}: {} vs {}", l, g, c);
            }
            let lt = net.tying().layer(l);
            let usage = lt.block_usage();
            for (i, &g) in tied_grad[net.weight_genes(l)].iter().enumerate() {
                let want = c * usage[i / lt.block_len()] as f32;
                prop_assert!(
                    (g - want).abs() <= 1e-5 * want.abs(),
                    "layer {} gene {}: {} vs {} tiles x {}", l, i, g, usage[i / lt.block_len()], c
                );
            }
        }
    }

    #[test]
    fn a_tied_forward_pass_equals_the_dense_forward_pass_on_the_developed_weights(
        shape in shapes(),
        seed in any::<u64>(),
        batch in 1usize..=7,
    ) {
        let net = shape.network();
        let genes = genome(&net, seed);
        let mut stream = rng::stream(&[seed, 2]);
        let input: Vec<f32> = (0..batch * net.architecture().inputs())
            .map(|_| stream.random_range(-1.0..1.0))
            .collect();
        let (dense, dense_genes) = dense_twin(&net, &genes);
        let mut ws = Workspace::new();
        let tied_z = net.forward(&genes, &input, batch, &mut ws).unwrap().to_vec();
        let dense_z = dense.forward(&dense_genes, &input, batch, &mut ws).unwrap();
        prop_assert_eq!(tied_z.len(), dense_z.len());
        for (i, (t, d)) in tied_z.iter().zip(dense_z).enumerate() {
            // The same kernels on the same weights: equal to the last bit.
            prop_assert!(t.to_bits() == d.to_bits(), "z[{}]: tied {} vs dense {}", i, t, d);
        }
    }

    #[test]
    fn translation_tying_repeats_a_developed_tile_along_each_diagonal(
        shape in shapes(),
        seed in any::<u64>(),
    ) {
        let net = Shape { preset: TyingPreset::Translation, ..shape }.network();
        let developed = net.develop(&genome(&net, seed)).unwrap();
        let arch = net.architecture();
        let hidden = &developed[..developed.len() - 1];
        for (l, weights) in hidden.iter().enumerate() {
            let (lt, cols) = (net.tying().layer(l), arch.layer_shape(l).1);
            for i in 1..lt.grid_rows {
                for j in 1..lt.grid_cols {
                    prop_assert_eq!(
                        tile_of(weights, cols, lt, i, j),
                        tile_of(weights, cols, lt, i - 1, j - 1)
                    );
                }
            }
        }
    }

    #[test]
    fn mirror_tying_with_an_even_tile_grid_makes_weights_symmetric_under_reversing_the_input(
        shape in shapes(),
        seed in any::<u64>(),
    ) {
        // Make every hidden layer's grid rows even: double the input and hidden sizes.
        let mut shape = Shape { preset: TyingPreset::Mirror, ..shape };
        let last = shape.sizes.len() - 1;
        shape.sizes[..last].iter_mut().for_each(|s| *s *= 2);
        let net = shape.network();
        let developed = net.develop(&genome(&net, seed)).unwrap();
        let arch = net.architecture();
        let hidden = &developed[..developed.len() - 1];
        for (l, weights) in hidden.iter().enumerate() {
            let (rows, cols) = arch.layer_shape(l);
            prop_assert_eq!(net.tying().layer(l).grid_rows % 2, 0);
            for r in 0..rows {
                let row = &weights[r * cols..(r + 1) * cols];
                let mirror = &weights[(rows - 1 - r) * cols..(rows - r) * cols];
                prop_assert_eq!(row, mirror, "layer {} row {}", l, r);
            }
        }
    }

    #[test]
    fn antimirror_tying_with_an_even_tile_grid_makes_weights_antisymmetric_under_reversing_the_input(
        shape in shapes(),
        seed in any::<u64>(),
    ) {
        let mut shape = Shape { preset: TyingPreset::Antimirror, ..shape };
        let last = shape.sizes.len() - 1;
        shape.sizes[..last].iter_mut().for_each(|s| *s *= 2);
        let net = shape.network();
        let developed = net.develop(&genome(&net, seed)).unwrap();
        let arch = net.architecture();
        let hidden = &developed[..developed.len() - 1];
        for (l, weights) in hidden.iter().enumerate() {
            let (rows, cols) = arch.layer_shape(l);
            prop_assert_eq!(net.tying().layer(l).grid_rows % 2, 0);
            for r in 0..rows {
                let row = &weights[r * cols..(r + 1) * cols];
                let mirror: Vec<f32> = weights[(rows - 1 - r) * cols..(rows - r) * cols]
                    .iter()
                    .map(|w| -w)
                    .collect();
                prop_assert_eq!(row, &mirror[..], "layer {} row {}", l, r);
            }
        }
    }

    #[test]
    fn init_is_deterministic_for_a_stream_and_differs_between_streams(
        shape in shapes(),
        seed in any::<u64>(),
    ) {
        let net = shape.network();
        let first = net.init(&mut rng::stream(&[seed]));
        let again = net.init(&mut rng::stream(&[seed]));
        let other = net.init(&mut rng::stream(&[seed ^ 1]));
        prop_assert_eq!(
            first.genes.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
            again.genes.iter().map(|g| g.to_bits()).collect::<Vec<_>>()
        );
        prop_assert_ne!(&first, &other);
    }

    #[test]
    fn init_leaves_biases_zero_and_keeps_glorot_weights_within_their_bound(
        shape in shapes(),
        seed in any::<u64>(),
    ) {
        let net = shape.network();
        let genes = net.init(&mut rng::stream(&[seed])).genes;
        let arch = net.architecture();
        for l in 0..arch.layers() {
            prop_assert!(genes[net.bias_genes(l)].iter().all(|&b| b == 0.0), "layer {}", l);
            let weights = &genes[net.weight_genes(l)];
            prop_assert!(weights.iter().all(|w| w.is_finite()));
            if arch.activation(l) != Activation::Relu {
                let (fan_in, fan_out) = arch.layer_shape(l);
                let bound = (6.0 / (fan_in + fan_out) as f32).sqrt();
                prop_assert!(
                    weights.iter().all(|w| w.abs() <= bound),
                    "layer {}: a weight beyond ±{}", l, bound
                );
            }
        }
    }
}
