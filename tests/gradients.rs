//! Backprop against finite differences, for every activation, both losses and every
//! tying preset; and tied gradients against sums of untied ones.

use baldwin::net::{
    Activation, Architecture, Head, Loss, Network, Targets, Tying, TyingPreset, Workspace,
};
use baldwin::rng;
use rand::RngExt;

const BATCH: usize = 5;

struct Case {
    net: Network,
    genome: Vec<f32>,
    input: Vec<f32>,
    classes: Vec<u32>,
    values: Vec<f32>,
}

impl Case {
    fn new(activation: Activation, head: Head, preset: TyingPreset, seed: u64) -> Self {
        let arch = Architecture::uniform(&[8, 8, 4, 3], activation, head).unwrap();
        let tying = Tying::preset(&arch, preset, (2, 2)).unwrap();
        let net = Network::new(arch, tying).unwrap();
        let mut r = rng::stream(&[seed]);
        let mut genome = net.init(&mut r).genes;
        // Non-zero biases, so bias gradients are exercised away from the symmetric point.
        genome
            .iter_mut()
            .for_each(|g| *g += r.random_range(-0.3..0.3));
        let input = (0..BATCH * 8).map(|_| r.random_range(-1.0..1.0)).collect();
        let classes = (0..BATCH).map(|_| r.random_range(0..3u32)).collect();
        let values = (0..BATCH * 3).map(|_| r.random_range(-1.0..1.0)).collect();
        Self {
            net,
            genome,
            input,
            classes,
            values,
        }
    }

    fn targets(&self, loss: Loss) -> Targets<'_> {
        match loss {
            Loss::CrossEntropy => Targets::Classes(&self.classes),
            Loss::Mse => Targets::Values(&self.values),
        }
    }

    fn loss_at(&self, genome: &[f32], loss: Loss) -> f64 {
        let mut ws = Workspace::new();
        self.net
            .loss(genome, &self.input, self.targets(loss), loss, &mut ws)
            .unwrap() as f64
    }

    fn gradient(&self, loss: Loss) -> Vec<f32> {
        let mut ws = Workspace::new();
        let mut grad = vec![0.0; self.net.genome_len()];
        self.net
            .loss_and_gradient(
                &self.genome,
                &self.input,
                self.targets(loss),
                loss,
                &mut ws,
                &mut grad,
            )
            .unwrap();
        grad
    }

    /// Worst violation of `|fd − g| ≤ ABS + REL·|fd|` over all genes, as a ratio to the
    /// bound (≤ 1 passes). Central differences with step h have O(h²) truncation error;
    /// f32 rounding of a loss near 1 contributes about 1e-7/h.
    ///
    /// ReLU is not differentiable at 0: a probe that crosses a kink measures nothing, so
    /// for ReLU a gene whose forward and backward one-sided differences disagree is
    /// skipped, and at most 5% of genes may be skipped.
    fn worst_violation(&self, loss: Loss, grad: &[f32], kinks: bool) -> f64 {
        let h: f32 = if kinks { 1e-3 } else { 1e-2 };
        const ABS: f64 = 3e-4;
        const REL: f64 = 2e-2;
        let mut worst: f64 = 0.0;
        let mut skipped = 0;
        let mut probe = self.genome.clone();
        let at_genome = self.loss_at(&probe, loss);
        for i in 0..probe.len() {
            let g0 = probe[i];
            probe[i] = g0 + h;
            let up = self.loss_at(&probe, loss);
            probe[i] = g0 - h;
            let down = self.loss_at(&probe, loss);
            probe[i] = g0;
            let fd = (up - down) / (2.0 * h as f64);
            let one_sided_gap = ((up - at_genome) - (at_genome - down)).abs() / h as f64;
            if kinks && one_sided_gap > ABS + REL * fd.abs() {
                skipped += 1;
                continue;
            }
            let err = (fd - grad[i] as f64).abs();
            worst = worst.max(err / (ABS + REL * fd.abs()));
        }
        assert!(
            skipped * 20 <= probe.len(),
            "{skipped} of {} genes sat on a ReLU kink",
            probe.len()
        );
        worst
    }
}

fn check(activation: Activation, head: Head, loss: Loss) {
    for preset in TyingPreset::ALL {
        let case = Case::new(activation, head, preset, 11);
        let grad = case.gradient(loss);
        let worst = case.worst_violation(loss, &grad, activation == Activation::Relu);
        assert!(
            worst <= 1.0,
            "{} / {head:?} / {} / {}: gradient off by {worst:.2}x the tolerance",
            activation.name(),
            loss.name(),
            preset.name()
        );
    }
}

#[test]
fn gradient_matches_finite_differences_for_every_activation_and_preset_with_mse() {
    for activation in Activation::ALL {
        check(activation, Head::Linear, Loss::Mse);
    }
}

#[test]
fn gradient_matches_finite_differences_for_every_activation_and_preset_with_cross_entropy() {
    for activation in Activation::ALL {
        check(activation, Head::Softmax, Loss::CrossEntropy);
    }
}

#[test]
fn gradient_matches_finite_differences_for_mse_through_a_softmax_head() {
    check(Activation::Tanh, Head::Softmax, Loss::Mse);
}

#[test]
fn the_finite_difference_check_rejects_a_slightly_wrong_gradient() {
    // Guard against a check that cannot fail: a gradient 10% too large must be caught.
    let case = Case::new(Activation::Tanh, Head::Softmax, TyingPreset::Translation, 3);
    let grad: Vec<f32> = case
        .gradient(Loss::CrossEntropy)
        .iter()
        .map(|g| g * 1.1)
        .collect();
    assert!(case.worst_violation(Loss::CrossEntropy, &grad, false) > 1.0);
}

#[test]
fn tied_gradient_equals_the_sum_of_untied_gradients_of_the_tiles_sharing_a_block() {
    for preset in [
        TyingPreset::Translation,
        TyingPreset::Mirror,
        TyingPreset::Antimirror,
        TyingPreset::All,
    ] {
        let tied = Case::new(Activation::Tanh, Head::Softmax, preset, 5);
        let tied_grad = tied.gradient(Loss::CrossEntropy);

        // The same function as an untied network: developed weights, same biases.
        let arch = tied.net.architecture().clone();
        let dense = Network::dense(arch.clone());
        let developed = tied.net.develop(&tied.genome).unwrap();
        let mut dense_genome = Vec::new();
        for (l, w) in developed.iter().enumerate() {
            dense_genome.extend_from_slice(w);
            dense_genome.extend_from_slice(&tied.genome[tied.net.bias_genes(l)]);
        }
        let mut ws = Workspace::new();
        let mut dense_grad = vec![0.0; dense.genome_len()];
        dense
            .loss_and_gradient(
                &dense_genome,
                &tied.input,
                Targets::Classes(&tied.classes),
                Loss::CrossEntropy,
                &mut ws,
                &mut dense_grad,
            )
            .unwrap();

        // Sum each weight's untied gradient into the gene its tile expresses there.
        let mut expected = vec![0.0f32; tied.net.genome_len()];
        for l in 0..arch.layers() {
            let (rows, cols) = arch.layer_shape(l);
            let lt = tied.net.tying().layer(l);
            let dense_w = dense.weight_genes(l).start;
            for r in 0..rows {
                for c in 0..cols {
                    let tile = lt.tiles[(r / lt.tile_rows) * lt.grid_cols + c / lt.tile_cols];
                    let within = r % lt.tile_rows;
                    let block_row = if tile.mirrored {
                        lt.tile_rows - 1 - within
                    } else {
                        within
                    };
                    let gene = tied.net.weight_genes(l).start
                        + tile.block as usize * lt.block_len()
                        + block_row * lt.tile_cols
                        + c % lt.tile_cols;
                    let sign = if tile.negated { -1.0 } else { 1.0 };
                    expected[gene] += sign * dense_grad[dense_w + r * cols + c];
                }
            }
            let (tb, db) = (tied.net.bias_genes(l), dense.bias_genes(l));
            expected[tb].copy_from_slice(&dense_grad[db]);
        }
        for (i, (e, g)) in expected.iter().zip(&tied_grad).enumerate() {
            assert!(
                (e - g).abs() <= 1e-5 + 1e-4 * e.abs(),
                "{}: gene {i}: tied {g} vs summed untied {e}",
                preset.name()
            );
        }
    }
}
