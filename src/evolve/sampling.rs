//! Random draws for a population, one stream per (seed, generation, member).
//!
//! Member `i`'s noise depends on the triple only, so filling members in parallel, in any
//! order, on any number of threads, gives the same population bit for bit.

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::rng::{self, Stream};

/// The stream for member `member` of generation `generation` of a run seeded `seed`.
pub fn member_stream(seed: u64, generation: u64, member: u64) -> Stream {
    rng::stream(&[seed, generation, member])
}

/// Fill `out` with independent standard normal draws.
pub fn fill_normal(rng: &mut Stream, out: &mut [f32]) {
    out.iter_mut()
        .for_each(|x| *x = StandardNormal.sample(&mut *rng));
}

/// Fill the `[members, dim]` matrix `noise` with standard normals, row `i` from member
/// `i`'s stream, in parallel.
pub fn fill_population_normal(seed: u64, generation: u64, dim: usize, noise: &mut [f32]) {
    if dim == 0 {
        return;
    }
    noise
        .par_chunks_mut(dim)
        .enumerate()
        .for_each(|(i, row)| fill_normal(&mut member_stream(seed, generation, i as u64), row));
}
