//! The lane layout of the population forward: members in groups of [`LANES`], one per SIMD
//! lane ([`for_each_lane_group`]), and the losses computed lane by lane ([`mse_lanes`]).

use super::CHUNKS_PER_THREAD;
use crate::net::{Head, LANES, Lane, LanePlan, LaneScratch, Loss, Network, Targets};
use crate::parallel;

/// One chunk's scratch for the lane layout.
#[derive(Debug, Default)]
pub(super) struct LaneChunk {
    /// The lane group's genes, population-major.
    genes: Vec<Lane>,
    kernel: LaneScratch,
    /// One member's readout `z[batch, outputs]`, unpacked from the lanes.
    readout: Vec<f32>,
    loss_scratch: Vec<f32>,
}

/// The regression targets when every member's loss can be computed lane by lane
/// ([`mse_lanes`]): a linear head under mean squared error against values.
pub(super) fn mse_targets<'t>(
    net: &Network,
    targets: Targets<'t>,
    loss: Loss,
) -> Option<&'t [f32]> {
    match (loss, net.architecture().head(), targets) {
        (Loss::Mse, Head::Linear, Targets::Values(values)) => Some(values),
        _ => None,
    }
}

/// The plan that [`PopulationEvaluator::use_lanes`](super::PopulationEvaluator::use_lanes) just approved.
pub(super) fn plan_of(plan: &Option<(Network, Option<LanePlan>)>) -> &LanePlan {
    match plan {
        Some((_, Some(plan))) => plan,
        _ => unreachable!("use_lanes approved a dense plan"),
    }
}

/// `out[i] = score(z_i, loss scratch)` for every member `i` (genome `genome(i)`), with
/// `z_i[batch, outputs]` computed in lane groups of [`LANES`] consecutive members, over
/// contiguous chunks of whole groups in parallel. Group boundaries depend only on `i`, and
/// a lane's result only on its own genes, so neither the thread count nor the chunking
/// changes a result. The chunks run on the calling thread and the pool's
/// (`parallel::for_each`): a whole call is tens of microseconds (1,024 members of 2-16-1
/// at batch 4: 35 µs), where a wake-up of a sleeping caller is a fifth of it. The
/// row-major and perturbed paths, milliseconds long, stay on rayon's parallel iterators:
/// with the caller working beside the pool, the OpenAI-ES generation with the digits
/// fitness was 25% slower (three busy threads on two cores).
///
/// With `mse_values` (a linear head under mean squared error against `values[batch,
/// outputs]`), the losses are computed lane by lane instead ([`mse_lanes`]), without
/// unpacking a readout per member; `score` is then not called.
pub(super) fn for_each_lane_group<'g, G, S>(
    chunks: &mut Vec<LaneChunk>,
    plan: &LanePlan,
    genome: G,
    input: &[f32],
    out: &mut [f32],
    mse_values: Option<&[f32]>,
    score: S,
) where
    G: Fn(usize) -> &'g [f32] + Sync,
    S: Fn(&[f32], &mut Vec<f32>) -> f32 + Sync,
{
    let outputs = plan.layer_shape(plan.layers() - 1).1;
    let population = out.len();
    let groups = population.div_ceil(LANES);
    let chunk_count = (rayon::current_num_threads() * CHUNKS_PER_THREAD).clamp(1, groups);
    let chunk_len = groups.div_ceil(chunk_count) * LANES;
    let chunk_count = population.div_ceil(chunk_len);
    if chunks.len() < chunk_count {
        chunks.resize_with(chunk_count, LaneChunk::default);
    }
    parallel::for_each(
        out.chunks_mut(chunk_len).zip(chunks.iter_mut()).enumerate(),
        |(c, (out_chunk, chunk))| {
            let LaneChunk {
                genes,
                kernel,
                readout,
                loss_scratch,
            } = chunk;
            for (g, out_group) in out_chunk.chunks_mut(LANES).enumerate() {
                let first = c * chunk_len + g * LANES;
                let members: [&[f32]; LANES] =
                    std::array::from_fn(|m| genome(first + m.min(out_group.len() - 1)));
                plan.pack(&members[..out_group.len()], genes);
                let z = plan.forward_lanes(genes, input, kernel);
                if let Some(values) = mse_values {
                    mse_lanes(z, values, outputs, out_group);
                    continue;
                }
                for (m, slot) in out_group.iter_mut().enumerate() {
                    readout.clear();
                    readout.extend(z.iter().map(|lane| lane[m]));
                    *slot = score(readout, loss_scratch);
                }
            }
        },
    );
}

/// `Loss::Mse` of a linear head for every lane of `z[rows, outputs]` against
/// `values[rows, outputs]`, into `out` (one per member, up to [`LANES`]): the sums of
/// `net::loss` — each row's squared errors (in `f32`, widened) summed in `f64` in output
/// order, then the rows in order, divided by `rows · outputs` — lane by lane, so that
/// each equals [`Network::loss`] bit for bit.
fn mse_lanes(z: &[Lane], values: &[f32], outputs: usize, out: &mut [f32]) {
    let mut total = [0.0f64; LANES];
    let rows = z.len() / outputs;
    for (b, row_z) in z.chunks_exact(outputs).enumerate() {
        let mut row = [0.0f64; LANES];
        for (o, lane) in row_z.iter().enumerate() {
            let target = values[b * outputs + o];
            for (sum, &v) in row.iter_mut().zip(lane) {
                let err = v - target;
                *sum += (err * err) as f64;
            }
        }
        for (t, r) in total.iter_mut().zip(row) {
            *t += r;
        }
    }
    let count = (rows * outputs) as f64;
    for (slot, t) in out.iter_mut().zip(total) {
        *slot = (t / count) as f32;
    }
}
