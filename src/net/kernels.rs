//! Dense kernels: the three matrix products of a layer and the fused bias + activation.
//!
//! All matrices are row-major `f32`. Products go through `matrixmultiply::sgemm`, whose
//! stride arguments make transposes free; it runs single-threaded here because
//! parallelism lives one level up, across the population (see NOTES-dependencies.md).

use super::Activation;

/// `c[m, n] (+)= a[m, k] · b[k, n]`, with `a` and `b` given by (row, column) strides.
#[allow(clippy::too_many_arguments)]
#[inline]
fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_strides: (isize, isize),
    b: &[f32],
    b_strides: (isize, isize),
    c: &mut [f32],
    accumulate: bool,
) {
    debug_assert!(c.len() >= m * n);
    let beta = if accumulate { 1.0 } else { 0.0 };
    // SAFETY: the callers pass slices that hold `m*k`, `k*n` and `m*n` elements laid out
    // with the given strides (checked in debug builds below).
    debug_assert!(a.len() >= m * k && b.len() >= k * n);
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            a_strides.0,
            a_strides.1,
            b.as_ptr(),
            b_strides.0,
            b_strides.1,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// `out[batch, n] = x[batch, k] · w[k, n]`.
pub fn matmul(batch: usize, k: usize, n: usize, x: &[f32], w: &[f32], out: &mut [f32]) {
    sgemm(
        batch,
        k,
        n,
        x,
        (k as isize, 1),
        w,
        (n as isize, 1),
        out,
        false,
    );
}

/// `grad_w[k, n] = x[batch, k]ᵀ · delta[batch, n]`.
pub fn matmul_xt_delta(
    batch: usize,
    k: usize,
    n: usize,
    x: &[f32],
    delta: &[f32],
    grad_w: &mut [f32],
) {
    sgemm(
        k,
        batch,
        n,
        x,
        (1, k as isize),
        delta,
        (n as isize, 1),
        grad_w,
        false,
    );
}

/// `grad_x[batch, k] = delta[batch, n] · w[k, n]ᵀ`.
pub fn matmul_delta_wt(
    batch: usize,
    k: usize,
    n: usize,
    delta: &[f32],
    w: &[f32],
    grad_x: &mut [f32],
) {
    sgemm(
        batch,
        n,
        k,
        delta,
        (n as isize, 1),
        w,
        (1, n as isize),
        grad_x,
        false,
    );
}

/// `z[b, :] = f(z[b, :] + bias)` for every row, in place.
pub fn bias_activation(z: &mut [f32], bias: &[f32], activation: Activation) {
    let n = bias.len();
    for row in z.chunks_exact_mut(n) {
        match activation {
            // Spelled out per activation so each loop is a tight, vectorisable body.
            Activation::Identity => row.iter_mut().zip(bias).for_each(|(z, b)| *z += b),
            Activation::Relu => row
                .iter_mut()
                .zip(bias)
                .for_each(|(z, b)| *z = (*z + b).max(0.0)),
            Activation::Tanh => row
                .iter_mut()
                .zip(bias)
                .for_each(|(z, b)| *z = super::architecture::tanh(*z + b)),
            Activation::Sigmoid => row
                .iter_mut()
                .zip(bias)
                .for_each(|(z, b)| *z = Activation::Sigmoid.apply(*z + b)),
        }
    }
}

/// `delta *= f'(a)` elementwise, with the derivative written through the output `a`.
pub fn scale_by_derivative(delta: &mut [f32], activations: &[f32], activation: Activation) {
    if activation == Activation::Identity {
        return;
    }
    delta
        .iter_mut()
        .zip(activations)
        .for_each(|(d, &a)| *d *= activation.derivative_from_output(a));
}

/// `out[n] = Σ_b delta[b, n]`.
pub fn column_sums(delta: &[f32], out: &mut [f32]) {
    out.fill(0.0);
    for row in delta.chunks_exact(out.len()) {
        out.iter_mut().zip(row).for_each(|(o, d)| *o += d);
    }
}
