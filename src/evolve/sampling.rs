//! Random draws for a population, one stream per (seed, generation, member), and the
//! shared noise table every strategy may read its Gaussian noise from.
//!
//! Member `i`'s noise depends on the triple only, so filling members in parallel, in any
//! order, on any number of threads, gives the same population bit for bit.
//!
//! # The noise table
//!
//! Drawing 256 × 4,810 standard normals per generation cost more than everything else a
//! strategy does. Following Salimans et al. 2017 (§2.1, "shared noise table"), the
//! [`noise_table`] holds [`NOISE_TABLE_LEN`] = 2²⁴ standard normals (f32, 64 MiB), drawn
//! once per process from the fixed streams `rng::stream(&[NOISE_TABLE_SEED, chunk])`, and a
//! member's noise is the contiguous slice of `dim` values at an offset drawn uniformly
//! from its (seed, generation, member) stream. The table is built lazily on first use
//! (about 0.1 s on two cores), shared by every strategy through a `OnceLock`, and never
//! serialised: a checkpoint or a remote worker regenerates it, and then any member's noise
//! from its three integers alone. Two members' slices overlap only if their offsets lie
//! within `dim` of each other, and even then they are shifted copies of an i.i.d.
//! sequence, hence uncorrelated. [`NoiseSource::Generated`] draws fresh normals from the
//! member's stream instead, for genomes longer than the table or for exact i.i.d. draws.

use std::ops::Range;
use std::sync::OnceLock;

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{EvolveError, require};
use crate::rng::{self, Stream};

/// Standard normals in the shared table: 2²⁴ f32, 64 MiB. Salimans et al. used 250 M
/// values across a cluster; 2²⁴ keeps a laptop's memory free while leaving 2²⁴ − d
/// distinct offsets, far more than the members a run ever draws from one region.
pub const NOISE_TABLE_LEN: usize = 1 << 24;

/// First key of the streams that fill the table (any fixed value; changing it changes
/// every run that uses the table).
pub const NOISE_TABLE_SEED: u64 = rng::Purpose::NoiseTable.key();

/// The table is filled in chunks of this many values, chunk `k` from
/// `rng::stream(&[NOISE_TABLE_SEED, k])`, so it is the same for any thread count.
const NOISE_TABLE_CHUNK: usize = 1 << 16;

/// Genes per parallel task when a strategy reduces over members gene-wise: 512 f32
/// (2 KiB) of accumulators stay in L1 while every member's slice streams past, and 4,810
/// genes still make ten tasks for the thread pool.
pub const GENE_CHUNK: usize = 512;

/// The shared table of standard normals, built on first call.
///
/// The first call often comes from inside a rayon job (a member's row, read in a parallel
/// `ask`). The table is therefore filled on plain scoped threads, not with rayon: a rayon
/// worker waiting on its own parallel fill would steal other jobs of its pool, one of
/// which may call this function again and block forever on the unfinished `OnceLock`.
/// Chunk `k` is drawn from its own stream whichever thread fills it, so the table is the
/// same for any thread count.
pub fn noise_table() -> &'static [f32] {
    static TABLE: OnceLock<Vec<f32>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![0.0; NOISE_TABLE_LEN];
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunks_per_thread = (NOISE_TABLE_LEN / NOISE_TABLE_CHUNK).div_ceil(threads);
        std::thread::scope(|scope| {
            for (t, part) in table
                .chunks_mut(chunks_per_thread * NOISE_TABLE_CHUNK)
                .enumerate()
            {
                scope.spawn(move || {
                    for (i, chunk) in part.chunks_mut(NOISE_TABLE_CHUNK).enumerate() {
                        let k = (t * chunks_per_thread + i) as u64;
                        fill_normal(&mut rng::stream(&[NOISE_TABLE_SEED, k]), chunk);
                    }
                });
            }
        });
        table
    })
}

/// Where a strategy's Gaussian noise comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseSource {
    /// A slice of the shared [`noise_table`] at an offset drawn from the member's stream.
    #[default]
    Table,
    /// Fresh standard normals drawn from the member's stream.
    Generated,
}

impl NoiseSource {
    /// Refuse the table for genomes longer than it.
    pub(crate) fn check(self, strategy: &'static str, dim: usize) -> Result<(), EvolveError> {
        require(
            strategy,
            "noise",
            format!("table for {dim} genes"),
            self == NoiseSource::Generated || dim <= NOISE_TABLE_LEN,
            &format!("at most {NOISE_TABLE_LEN} genes with the table; use \"generated\""),
        )
    }

    /// Bytes a strategy holds for `rows` rows of `dim` genes of noise (table rows are
    /// offsets into the shared table).
    pub fn bytes(self, rows: usize, dim: usize) -> usize {
        match self {
            NoiseSource::Table => rows * size_of::<usize>(),
            NoiseSource::Generated => rows * dim * size_of::<f32>(),
        }
    }

    /// For cost reports: what the strategy shares besides its own memory.
    pub fn shared_note(self) -> &'static str {
        match self {
            NoiseSource::Table => " (+ the shared 64 MiB noise table)",
            NoiseSource::Generated => "",
        }
    }

    /// `out += scale · ε` with `ε ~ N(0, I)` drawn through `rng`.
    pub fn add_scaled(self, rng: &mut Stream, scale: f32, out: &mut [f32]) {
        match self {
            // A genome grown past the table by gene duplication falls back to fresh draws
            // rather than failing mid-run.
            NoiseSource::Table if out.len() <= NOISE_TABLE_LEN => {
                let eps = table_slice(rng, out.len());
                out.iter_mut().zip(eps).for_each(|(x, &e)| *x += scale * e);
            }
            _ => out.iter_mut().for_each(|x| {
                *x += scale * Distribution::<f32>::sample(&StandardNormal, &mut *rng)
            }),
        }
    }
}

/// An offset drawn uniformly through `rng` at which `len` table values fit.
fn table_offset(rng: &mut Stream, len: usize) -> usize {
    rng.random_range(0..=NOISE_TABLE_LEN - len)
}

/// `len` consecutive table values at an offset drawn through `rng`.
fn table_slice(rng: &mut Stream, len: usize) -> &'static [f32] {
    let offset = table_offset(rng, len);
    &noise_table()[offset..offset + len]
}

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

/// One generation's standard-normal rows `ε₀ … ε_{n−1}` of `dim` genes, row `i` drawn
/// through member `i`'s stream. From the table a row is only an offset; generated rows
/// are stored.
#[derive(Debug, Clone, Default)]
pub struct NoiseRows {
    source: NoiseSource,
    dim: usize,
    offsets: Vec<usize>,
    generated: Vec<f32>,
}

impl NoiseRows {
    /// Draw `rows` rows of `dim` genes for generation `generation` of run `seed`.
    pub fn draw(
        &mut self,
        source: NoiseSource,
        seed: u64,
        generation: u64,
        rows: usize,
        dim: usize,
    ) {
        self.source = source;
        self.dim = dim;
        self.offsets.clear();
        match source {
            NoiseSource::Table => {
                self.offsets.extend(
                    (0..rows as u64)
                        .map(|i| table_offset(&mut member_stream(seed, generation, i), dim)),
                );
                self.generated = Vec::new();
            }
            NoiseSource::Generated => {
                self.offsets.extend((0..rows).map(|i| i * dim));
                self.generated.resize(rows * dim, 0.0);
                fill_population_normal(seed, generation, dim, &mut self.generated);
            }
        }
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        let range = self.offsets[i]..self.offsets[i] + self.dim;
        match self.source {
            NoiseSource::Table => &noise_table()[range],
            NoiseSource::Generated => &self.generated[range],
        }
    }

    /// Ask the cache for row `i` ahead of reading it. A table row lies at a random offset
    /// in 64 MiB, far past the last-level cache and on its own page, so reading rows one
    /// after another waits on memory for each; prefetching a few rows ahead overlaps those
    /// waits. Changes no value; a no-op off x86-64.
    pub fn prefetch_row(&self, i: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            const LINE: usize = 64 / size_of::<f32>();
            let row = self.row(i);
            // Every line the row touches, the last one included.
            for start in (0..row.len()).step_by(LINE).chain(row.len().checked_sub(1)) {
                // SAFETY: a prefetch is a hint that reads nothing into the program and
                // cannot fault; the pointer is inside `row` anyway.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(row[start..].as_ptr().cast()) };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
    }

    /// Genes `genes` of row `i`.
    pub fn row_part(&self, i: usize, genes: Range<usize>) -> &[f32] {
        &self.row(i)[genes]
    }

    /// Rows (members).
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// `out[j] = Σᵢ weights[i] · εᵢ[j]`, in parallel over chunks of genes; each gene sums
    /// the rows in index order, so the result does not depend on the thread count.
    pub fn weighted_sum(&self, weights: &[f32], out: &mut [f32]) {
        out.par_chunks_mut(GENE_CHUNK)
            .enumerate()
            .for_each(|(c, out)| {
                let genes = c * GENE_CHUNK..c * GENE_CHUNK + out.len();
                out.fill(0.0);
                for (i, &w) in weights.iter().enumerate() {
                    if w != 0.0 {
                        let eps = self.row_part(i, genes.clone());
                        out.iter_mut().zip(eps).for_each(|(o, &e)| *o += w * e);
                    }
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_chunk_is_its_own_stream_whichever_thread_filled_it() {
        let table = noise_table();
        let chunks = NOISE_TABLE_LEN / NOISE_TABLE_CHUNK;
        for k in [0, 1, chunks / 3, chunks / 2 + 1, chunks - 1] {
            let mut expected = vec![0.0; NOISE_TABLE_CHUNK];
            fill_normal(
                &mut rng::stream(&[NOISE_TABLE_SEED, k as u64]),
                &mut expected,
            );
            let got = &table[k * NOISE_TABLE_CHUNK..(k + 1) * NOISE_TABLE_CHUNK];
            assert!(got == expected.as_slice(), "chunk {k}");
        }
    }

    #[test]
    fn noise_table_has_mean_0_and_variance_1() {
        let table = noise_table();
        let n = table.len() as f64;
        let mean = table.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = table
            .iter()
            .map(|&x| (x as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        let kurtosis = table
            .iter()
            .map(|&x| (x as f64 - mean).powi(4))
            .sum::<f64>()
            / n
            / (var * var);
        // Standard errors at n = 2²⁴: mean 2.4e-4, variance 3.5e-4, kurtosis 1.2e-3;
        // the tolerances are about five of them.
        assert!(mean.abs() < 1.2e-3, "mean {mean}");
        assert!((var - 1.0).abs() < 2e-3, "variance {var}");
        assert!((kurtosis - 3.0).abs() < 6e-3, "kurtosis {kurtosis}");
    }

    #[test]
    fn noise_table_slices_of_neighbouring_offsets_are_uncorrelated() {
        let table = noise_table();
        let (a, b) = (&table[1000..101_000], &table[1001..101_001]);
        let dot: f64 = a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum();
        // Lag-1 correlation of 1e5 i.i.d. values: standard error 3.2e-3.
        assert!((dot / 1e5).abs() < 0.016, "lag-1 correlation {}", dot / 1e5);
    }

    #[test]
    fn table_rows_depend_only_on_seed_generation_and_member() {
        let mut a = NoiseRows::default();
        let mut b = NoiseRows::default();
        a.draw(NoiseSource::Table, 7, 3, 8, 100);
        b.draw(NoiseSource::Table, 7, 3, 4, 100);
        for i in 0..4 {
            assert_eq!(a.row(i), b.row(i));
        }
        assert_ne!(a.row(0), a.row(1));
        b.draw(NoiseSource::Table, 7, 4, 4, 100);
        assert_ne!(a.row(0), b.row(0), "a new generation draws new offsets");
        let mut rng = member_stream(7, 3, 2);
        let mut out = vec![0.0; 100];
        NoiseSource::Table.add_scaled(&mut rng, 1.0, &mut out);
        assert_eq!(out, a.row(2), "a member's row is its stream's first offset");
    }

    #[test]
    fn weighted_sum_matches_a_plain_loop_for_both_sources() {
        for source in [NoiseSource::Table, NoiseSource::Generated] {
            let mut rows = NoiseRows::default();
            rows.draw(source, 1, 2, 5, 1300);
            let weights = [0.5, -1.0, 0.0, 2.0, 0.25];
            let mut out = vec![0.0; 1300];
            rows.weighted_sum(&weights, &mut out);
            for j in [0, 511, 512, 1299] {
                let expected: f32 = weights
                    .iter()
                    .enumerate()
                    .fold(0.0, |acc, (i, &w)| acc + w * rows.row(i)[j]);
                assert_eq!(out[j], expected);
            }
        }
    }
}
