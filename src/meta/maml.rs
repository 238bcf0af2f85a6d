//! The exact MAML meta-gradient (Finn, Abbeel, Levine 2017, eq. 1 differentiated through
//! the inner loop): backpropagation through K plain SGD steps on the support set.
//!
//! With θ₀ the initialisation and θₖ₊₁ = θₖ − α∇L_s(θₖ), the query loss after
//! adaptation L_q(θ_K) has gradient
//! `∇θ₀ = (I − αH_s(θ₀)) ⋯ (I − αH_s(θ_K−1)) ∇L_q(θ_K)`,
//! taken from the last step back: `g ← g − α H_s(θₖ) g` for k = K−1 … 0, each `H·g` a
//! Hessian-vector product ([`Network::hessian_vector_product`]). Dropping the Hessian
//! terms gives first-order MAML.

use super::family::FewShotTask;
use super::inner::{InnerLoop, Scratch, adapt};
use crate::net::{Loss, NetError, Network};

/// The exact meta-gradient of the post-adaptation query loss with respect to `init`,
/// written into `grad`, for an inner loop of `inner.steps` SGD steps at `inner.lr` on
/// the task's support set, scored on its query set (the optimiser key is not consulted: the formula is SGD's). Returns the
/// query loss after adaptation and the training examples consumed, counted as passes of
/// one example through the network: `steps × support` for the adaptation, `query` for
/// the query gradient, and `steps × support` again for the Hessian-vector products (each
/// re-runs the support set through a forward-over-reverse pass at θₖ).
pub fn maml_gradient(
    net: &Network,
    init: &[f32],
    task: &FewShotTask,
    loss: Loss,
    inner: &InnerLoop,
    scratch: &mut Scratch,
    grad: &mut [f32],
) -> Result<(f32, u64), NetError> {
    let (support, query) = (&task.support, &task.query);
    let sgd = InnerLoop {
        optimizer: super::InnerOptimizer::Sgd,
        ..inner.clone()
    };
    // θ₀ … θ_K: the trajectory the meta-gradient flows back through.
    let mut trajectory = vec![init.to_vec()];
    let mut adapted = init.to_vec();
    let mut examples = adapt(
        net,
        &mut adapted,
        support,
        loss,
        &sgd,
        None,
        scratch,
        |_, g| {
            trajectory.push(g.to_vec());
            Ok(())
        },
    )?;
    let value = net.loss_and_gradient(
        &adapted,
        &query.inputs,
        query.targets(),
        loss,
        &mut scratch.ws,
        grad,
    )?;
    examples += query.len() as u64;
    let mut curvature = vec![0.0f32; grad.len()];
    for theta in trajectory[..sgd.steps].iter().rev() {
        net.hessian_vector_product(
            theta,
            &support.inputs,
            support.targets(),
            loss,
            grad,
            &mut curvature,
        )?;
        grad.iter_mut()
            .zip(&curvature)
            .for_each(|(g, h)| *g -= sgd.lr * h);
        examples += support.len() as u64;
    }
    Ok((value, examples))
}
