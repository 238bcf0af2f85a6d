//! The gradient of a batch of `PARALLEL_MIN_BATCH` rows or more runs in blocks on every
//! core: the same bits for 1, 2 and 3 threads and from outside any pool, and the same loss
//! and gradient as one pass within rounding (against finite differences and against
//! another blocking).

use baldwin::net::{
    Activation, Architecture, Head, Loss, Network, PARALLEL_MIN_BATCH, Targets, Tying, TyingPreset,
    Workspace,
};
use baldwin::rng;
use rand::RngExt;

/// Not a multiple of the block size: the last block is short.
const BATCH: usize = 200;
const _: () = assert!(
    BATCH >= PARALLEL_MIN_BATCH,
    "the batch must take the blocked path"
);

struct Case {
    net: Network,
    genome: Vec<f32>,
    input: Vec<f32>,
    classes: Vec<u32>,
    values: Vec<f32>,
}

impl Case {
    fn new(preset: TyingPreset, head: Head) -> Self {
        let arch = Architecture::uniform(&[8, 16, 4], Activation::Tanh, head).unwrap();
        let tying = Tying::preset(&arch, preset, (4, 4)).unwrap();
        let net = Network::new(arch, tying).unwrap();
        let mut r = rng::stream(&[3]);
        let mut genome = net.init(&mut r).genes;
        genome
            .iter_mut()
            .for_each(|g| *g += r.random_range(-0.3..0.3));
        let input = (0..BATCH * 8).map(|_| r.random_range(-1.0..1.0)).collect();
        let classes = (0..BATCH).map(|_| r.random_range(0..4u32)).collect();
        let values = (0..BATCH * 4).map(|_| r.random_range(-1.0..1.0)).collect();
        Self {
            net,
            genome,
            input,
            classes,
            values,
        }
    }

    fn targets(&self, loss: Loss, rows: std::ops::Range<usize>) -> Targets<'_> {
        match loss {
            Loss::CrossEntropy => Targets::Classes(&self.classes[rows]),
            Loss::Mse => Targets::Values(&self.values[rows.start * 4..rows.end * 4]),
        }
    }

    /// Loss and gradient of rows `rows`.
    fn gradient(&self, loss: Loss, rows: std::ops::Range<usize>) -> (f32, Vec<f32>) {
        let mut ws = Workspace::new();
        let mut grad = vec![0.0; self.net.genome_len()];
        let input = &self.input[rows.start * 8..rows.end * 8];
        let value = self
            .net
            .loss_and_gradient(
                &self.genome,
                input,
                self.targets(loss, rows),
                loss,
                &mut ws,
                &mut grad,
            )
            .unwrap();
        (value, grad)
    }

    /// The whole batch's loss by the forward pass alone (one pass, never blocked).
    fn loss_at(&self, genome: &[f32], loss: Loss) -> f64 {
        let mut ws = Workspace::new();
        let targets = self.targets(loss, 0..BATCH);
        self.net
            .loss(genome, &self.input, targets, loss, &mut ws)
            .unwrap() as f64
    }
}

fn cases() -> Vec<(Case, Loss)> {
    vec![
        (
            Case::new(TyingPreset::None, Head::Softmax),
            Loss::CrossEntropy,
        ),
        (Case::new(TyingPreset::None, Head::Linear), Loss::Mse),
        (
            Case::new(TyingPreset::Translation, Head::Softmax),
            Loss::CrossEntropy,
        ),
    ]
}

#[test]
fn blocked_gradient_is_bit_identical_for_1_2_and_3_threads() {
    for (case, loss) in cases() {
        let runs: Vec<(f32, Vec<f32>)> = [1, 2, 3]
            .iter()
            .map(|&threads| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| case.gradient(loss, 0..BATCH))
            })
            .collect();
        assert!(runs[0].1.iter().any(|g| *g != 0.0));
        for (threads, run) in [2, 3].iter().zip(&runs[1..]) {
            assert_eq!(
                run.0.to_bits(),
                runs[0].0.to_bits(),
                "{loss:?} loss, {threads}"
            );
            let bits = |g: &[f32]| g.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&run.1),
                bits(&runs[0].1),
                "{loss:?} gradient, {threads}"
            );
        }
    }
}

#[test]
fn blocked_gradient_from_outside_any_pool_has_the_bits_of_one_thread() {
    for (case, loss) in cases() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let (one_value, one_grad) = pool.install(|| case.gradient(loss, 0..BATCH));
        // The test's own thread is no rayon worker: the blocks go to the global pool.
        assert!(rayon::current_thread_index().is_none());
        let (value, grad) = case.gradient(loss, 0..BATCH);
        assert_eq!(value.to_bits(), one_value.to_bits(), "{loss:?} loss");
        let bits = |g: &[f32]| g.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&grad), bits(&one_grad), "{loss:?} gradient");
    }
}

#[test]
fn blocked_loss_and_gradient_agree_with_one_pass_halves() {
    for (case, loss) in cases() {
        let (value, grad) = case.gradient(loss, 0..BATCH);
        // Each half is under the threshold, so it runs in one pass.
        let half = BATCH / 2;
        assert!(half < PARALLEL_MIN_BATCH);
        let (first, g1) = case.gradient(loss, 0..half);
        let (second, g2) = case.gradient(loss, half..BATCH);
        let expected = 0.5 * (first as f64 + second as f64);
        assert!((value as f64 - expected).abs() <= 1e-6 * expected.abs().max(1.0));
        let one_pass = case.loss_at(&case.genome, loss);
        assert!((value as f64 - one_pass).abs() <= 1e-6 * one_pass.abs().max(1.0));
        for (j, (g, (a, b))) in grad.iter().zip(g1.iter().zip(&g2)).enumerate() {
            let expected = 0.5 * (a + b);
            assert!(
                (g - expected).abs() <= 1e-6 + 1e-5 * expected.abs(),
                "{loss:?} gene {j}: {g} vs {expected}"
            );
        }
    }
}

#[test]
fn blocked_gradient_matches_finite_differences() {
    const H: f32 = 1e-2;
    for (case, loss) in cases() {
        let (_, grad) = case.gradient(loss, 0..BATCH);
        let mut genome = case.genome.clone();
        for (j, &g) in grad.iter().enumerate() {
            let x = genome[j];
            genome[j] = x + H;
            let up = case.loss_at(&genome, loss);
            genome[j] = x - H;
            let down = case.loss_at(&genome, loss);
            genome[j] = x;
            let fd = (up - down) / (2.0 * H as f64);
            // O(h²) truncation plus f32 rounding of a loss near 1 over 2h (5e-6).
            assert!(
                (fd - g as f64).abs() <= 2e-4 + 1e-2 * fd.abs(),
                "{loss:?} gene {j}: backprop {g}, finite difference {fd}"
            );
        }
    }
}
