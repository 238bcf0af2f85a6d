//! Bad shapes get a typed error that names the problem, never a panic.

use baldwin::net::{
    Activation, Architecture, Head, Loss, NetError, Network, Targets, Tying, TyingPreset, Workspace,
};

fn small() -> Network {
    Network::dense(Architecture::uniform(&[3, 4, 2], Activation::Tanh, Head::Softmax).unwrap())
}

#[test]
fn a_zero_width_layer_is_rejected() {
    let err = Architecture::uniform(&[3, 0, 2], Activation::Tanh, Head::Linear).unwrap_err();
    assert_eq!(err, NetError::ZeroWidthLayer { layer: 1 });
    assert!(err.to_string().contains("layer 1 has zero width"));
}

#[test]
fn too_few_layers_and_wrong_activation_counts_are_rejected() {
    assert_eq!(
        Architecture::uniform(&[3], Activation::Tanh, Head::Linear).unwrap_err(),
        NetError::TooFewLayers(1)
    );
    let err = Architecture::new(vec![3, 4, 2], vec![], Head::Linear).unwrap_err();
    assert!(matches!(
        err,
        NetError::ActivationCount {
            expected: 1,
            got: 0
        }
    ));
}

#[test]
fn a_tile_that_does_not_divide_a_layer_is_rejected() {
    let arch = Architecture::uniform(&[6, 4, 2], Activation::Tanh, Head::Linear).unwrap();
    let err = Tying::preset(&arch, TyingPreset::Translation, (4, 4)).unwrap_err();
    assert!(err.to_string().contains("does not divide layer 0"), "{err}");
    assert!(matches!(
        Tying::preset(&arch, TyingPreset::None, (0, 2)).unwrap_err(),
        NetError::ZeroTile(0, 2)
    ));
}

#[test]
fn a_genome_of_the_wrong_length_is_rejected() {
    let net = small();
    let err = net
        .forward(&[0.0; 5], &[0.0; 3], 1, &mut Workspace::new())
        .unwrap_err();
    assert_eq!(
        err,
        NetError::GenomeLength {
            expected: net.genome_len(),
            got: 5
        }
    );
}

#[test]
fn mismatched_batch_shapes_are_rejected() {
    let net = small();
    let genome = vec![0.0; net.genome_len()];
    let mut ws = Workspace::new();
    let err = net.forward(&genome, &[0.0; 7], 2, &mut ws).unwrap_err();
    assert!(matches!(err, NetError::InputShape { got: 7, .. }));
    assert_eq!(
        net.forward(&genome, &[], 0, &mut ws).unwrap_err(),
        NetError::EmptyBatch
    );
    let err = net
        .loss(
            &genome,
            &[0.0; 6],
            Targets::Classes(&[0]),
            Loss::CrossEntropy,
            &mut ws,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("1 class labels for a batch of 2"),
        "{err}"
    );
    let err = net
        .loss(
            &genome,
            &[0.0; 3],
            Targets::Classes(&[5]),
            Loss::CrossEntropy,
            &mut ws,
        )
        .unwrap_err();
    assert!(err.to_string().contains("class label 5"), "{err}");
    let mut grad = vec![0.0; 3];
    let err = net
        .loss_and_gradient(
            &genome,
            &[0.0; 3],
            Targets::Values(&[0.0, 1.0]),
            Loss::Mse,
            &mut ws,
            &mut grad,
        )
        .unwrap_err();
    assert!(matches!(err, NetError::GenomeLength { got: 3, .. }));
}
