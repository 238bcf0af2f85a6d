//! The cosine readout (Chen et al. 2019's "Baseline++"): its scores are scaled cosine
//! similarities, and its backprop through the normalisations and the body agrees with
//! finite differences for smooth activations and every tying preset.

use baldwin::net::{
    Activation, Architecture, CosineScratch, Head, Loss, Network, Readout, Targets, Tying,
    TyingPreset, Workspace,
};
use baldwin::rng;
use rand::RngExt;

const BATCH: usize = 5;

struct Case {
    net: Network,
    genome: Vec<f32>,
    input: Vec<f32>,
    classes: Vec<u32>,
}

impl Case {
    fn new(activation: Activation, preset: TyingPreset, seed: u64) -> Self {
        let arch = Architecture::uniform(&[8, 8, 4, 3], activation, Head::Softmax).unwrap();
        let tying = Tying::preset(&arch, preset, (2, 2)).unwrap();
        let net = Network::new(arch, tying).unwrap();
        let mut r = rng::stream(&[seed]);
        let mut genome = net.init(&mut r).genes;
        genome
            .iter_mut()
            .for_each(|g| *g += r.random_range(-0.3..0.3));
        let input = (0..BATCH * 8).map(|_| r.random_range(-1.0..1.0)).collect();
        let classes = (0..BATCH).map(|_| r.random_range(0..3u32)).collect();
        Self {
            net,
            genome,
            input,
            classes,
        }
    }

    fn loss_at(&self, readout: Readout, genome: &[f32]) -> f64 {
        let (mut ws, mut cosine) = (Workspace::new(), CosineScratch::default());
        let scores = readout
            .scores(&self.net, genome, &self.input, &mut ws, &mut cosine)
            .unwrap();
        Loss::CrossEntropy.value(Head::Softmax, scores, Targets::Classes(&self.classes), 3) as f64
    }

    fn gradient(&self, readout: Readout) -> (f32, Vec<f32>) {
        let (mut ws, mut cosine) = (Workspace::new(), CosineScratch::default());
        let mut grad = vec![f32::NAN; self.net.genome_len()];
        let value = readout
            .loss_and_gradient(
                &self.net,
                &self.genome,
                &self.input,
                Targets::Classes(&self.classes),
                Loss::CrossEntropy,
                &mut ws,
                &mut cosine,
                &mut grad,
            )
            .unwrap();
        (value, grad)
    }

    /// Worst violation of `|fd − g| ≤ ABS + REL·|fd|` over all genes, as a ratio to the
    /// bound (≤ 1 passes), with central differences of step 1e-2 (as tests/gradients.rs).
    fn worst_violation(&self, readout: Readout, grad: &[f32]) -> f64 {
        const H: f32 = 1e-2;
        const ABS: f64 = 3e-4;
        const REL: f64 = 2e-2;
        let mut probe = self.genome.clone();
        let mut worst: f64 = 0.0;
        for i in 0..probe.len() {
            let g0 = probe[i];
            probe[i] = g0 + H;
            let up = self.loss_at(readout, &probe);
            probe[i] = g0 - H;
            let down = self.loss_at(readout, &probe);
            probe[i] = g0;
            let fd = (up - down) / (2.0 * H as f64);
            worst = worst.max((fd - grad[i] as f64).abs() / (ABS + REL * fd.abs()));
        }
        worst
    }
}

#[test]
fn cosine_readout_gradient_matches_finite_differences_for_every_preset() {
    for activation in [Activation::Tanh, Activation::Sigmoid] {
        for preset in TyingPreset::ALL {
            for scale in [2.0, 10.0] {
                let case = Case::new(activation, preset, 7);
                let readout = Readout::Cosine { scale };
                let (value, grad) = case.gradient(readout);
                assert!((value as f64 - case.loss_at(readout, &case.genome)).abs() < 1e-6);
                let worst = case.worst_violation(readout, &grad);
                assert!(
                    worst <= 1.0,
                    "{} / {} / scale {scale}: gradient off by {worst:.2}x the tolerance",
                    activation.name(),
                    preset.name()
                );
            }
        }
    }
}

#[test]
fn the_cosine_finite_difference_check_rejects_a_slightly_wrong_gradient() {
    // Guard against a check that cannot fail: a gradient 10% too large must be caught,
    // and so must the affine readout's gradient offered for the cosine readout's loss.
    let case = Case::new(Activation::Tanh, TyingPreset::Translation, 3);
    let readout = Readout::Cosine { scale: 2.0 };
    let (_, grad) = case.gradient(readout);
    let too_large: Vec<f32> = grad.iter().map(|g| g * 1.1).collect();
    assert!(case.worst_violation(readout, &too_large) > 1.0);
    let (_, affine) = case.gradient(Readout::Affine);
    assert!(case.worst_violation(readout, &affine) > 1.0);
}

#[test]
fn cosine_scores_are_scaled_cosines_between_features_and_weight_columns() {
    // One layer: the features are the input itself, the class vectors the weight columns.
    let net =
        Network::dense(Architecture::uniform(&[3, 2], Activation::Tanh, Head::Softmax).unwrap());
    // W[3, 2] row-major: w_0 = (1, 0, 0), w_1 = (1, 1, 0); biases 5 and −5 are ignored.
    let genome = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 5.0, -5.0];
    let input = [2.0, 0.0, 0.0, 0.0, 3.0, 4.0];
    let (mut ws, mut cosine) = (Workspace::new(), CosineScratch::default());
    let scores = Readout::Cosine { scale: 10.0 }
        .scores(&net, &genome, &input, &mut ws, &mut cosine)
        .unwrap()
        .to_vec();
    let half_root2 = std::f32::consts::FRAC_1_SQRT_2;
    let want = [10.0, 10.0 * half_root2, 0.0, 10.0 * 0.6 * half_root2];
    for (got, want) in scores.iter().zip(want) {
        assert!((got - want).abs() < 1e-3, "{scores:?} against {want}");
    }
    // The bias genes get no gradient.
    let mut grad = vec![f32::NAN; net.genome_len()];
    Readout::Cosine { scale: 10.0 }
        .loss_and_gradient(
            &net,
            &genome,
            &input,
            Targets::Classes(&[0, 1]),
            Loss::CrossEntropy,
            &mut ws,
            &mut cosine,
            &mut grad,
        )
        .unwrap();
    assert_eq!(&grad[6..], &[0.0, 0.0]);
    assert!(grad[..6].iter().any(|&g| g.abs() > 1e-3));
}
