//! The one matrix product behind every layer: `c[m, n] = a[m, k] · b[k, n]`, register-tiled.
//!
//! A tile of `MR x NR` outputs (6 rows x 16 columns: twelve 8-lane accumulators, the most
//! that AVX2's sixteen registers hold beside one row of `b` and one broadcast of `a`) is
//! summed over the whole of `k` in registers, passed once through the [`Epilogue`] (bias
//! and activation, for a forward layer) and stored. `a` is read through its strides, so
//! `xᵀ` costs nothing; `b` is read in place when its rows are contiguous and `n` is a
//! multiple of `NR`, and otherwise first copied into zero-padded panels of `NR` columns
//! (`k x NR` copies against `m x k x NR` multiply-adds).
//!
//! Every output element is the same sum in the same order (bias, then `k = 0, 1, ...`)
//! wherever it falls in a tile, so a row's result does not depend on `m` or on the tiling.
//! The functions here are `#[inline(always)]` and generic over `FMA` so that the
//! dispatcher in `mod.rs` can compile them twice: with AVX2 + FMA, and for the baseline.

use super::madd;
use crate::net::Activation;
use crate::net::architecture::tanh;

/// Columns of a tile: two 8-lane registers.
pub const NR: usize = 16;
/// Rows of a tile.
const MR: usize = 6;
/// Products with fewer columns than this skip the tiles (see [`narrow`]).
const NARROW: usize = 4;

/// A read-only matrix whose element `(r, c)` is `data[r * row_stride + c * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub struct Strided<'a> {
    pub data: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Strided<'a> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            row_stride: 1,
            col_stride: cols,
        }
    }

    /// Whether a `rows x cols` matrix read through these strides stays inside `data`.
    fn holds(&self, rows: usize, cols: usize) -> bool {
        rows == 0
            || cols == 0
            || (rows - 1) * self.row_stride + (cols - 1) * self.col_stride < self.data.len()
    }

    #[inline(always)]
    fn at(&self, r: usize, c: usize) -> f32 {
        self.data[r * self.row_stride + c * self.col_stride]
    }
}

/// What happens to a finished tile before it is stored.
#[derive(Debug, Clone, Copy)]
pub enum Epilogue<'a> {
    /// `c = a · b`
    Store,
    /// `c = f(a · b + bias)`, `bias[n]` added to every row.
    BiasActivation(&'a [f32], Activation),
}

/// `c[m, n] = epilogue(a[m, k] · b[k, n])`, `c` row-major. `panels` is scratch space for
/// packing `b`, kept by the caller so that steady-state calls do not allocate.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn gemm<const FMA: bool>(
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    c: &mut [f32],
    epilogue: Epilogue,
    panels: &mut Vec<f32>,
) {
    // The bounds that the unchecked reads in `tile` rely on.
    assert!(a.holds(m, k) && b.holds(k, n) && c.len() >= m * n);
    if let Epilogue::BiasActivation(bias, _) = epilogue {
        assert!(bias.len() >= n);
    }
    if m == 0 || n == 0 {
        return;
    }
    if n < NARROW {
        narrow::<FMA>(m, k, n, a, b, c, epilogue);
        return;
    }
    let in_place = b.col_stride == 1 && b.row_stride >= n && n.is_multiple_of(NR);
    let (b_data, b_row_stride, panel_stride) = if in_place {
        (b.data, b.row_stride, NR)
    } else {
        pack(k, n, b, panels);
        (&panels[..], NR, k * NR)
    };
    let mut row0 = 0;
    while row0 < m {
        let rows = (m - row0).min(MR);
        for col0 in (0..n).step_by(NR) {
            let block = Block {
                k,
                a,
                row0,
                b_panel: &b_data[col0 / NR * panel_stride..],
                b_row_stride,
                col0,
                cols: (n - col0).min(NR),
                n,
                epilogue,
            };
            match rows {
                6 => tile::<6, FMA>(block, c),
                5 => tile::<5, FMA>(block, c),
                4 => tile::<4, FMA>(block, c),
                3 => tile::<3, FMA>(block, c),
                2 => tile::<2, FMA>(block, c),
                _ => tile::<1, FMA>(block, c),
            }
        }
        row0 += rows;
    }
}

/// A product with a few columns (a regression readout): a running sum per output, four
/// rows side by side, instead of 16-wide tiles that would be mostly padding. Each output is
/// the same sum, in the same order, as in [`tile`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn narrow<const FMA: bool>(
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    c: &mut [f32],
    epilogue: Epilogue,
) {
    const ROWS: usize = 4;
    for row0 in (0..m).step_by(ROWS) {
        let rows = (m - row0).min(ROWS);
        // Rows past the end repeat the last one and are not stored.
        let row = |r: usize| (row0 + r).min(m - 1);
        for j in 0..n {
            let start = match epilogue {
                Epilogue::Store => 0.0,
                Epilogue::BiasActivation(bias, _) => bias[j],
            };
            let mut acc = [start; ROWS];
            for t in 0..k {
                let w = b.at(t, j);
                for (r, s) in acc.iter_mut().enumerate() {
                    *s = madd::<FMA>(a.at(row(r), t), w, *s);
                }
            }
            if let Epilogue::BiasActivation(_, activation) = epilogue {
                acc.iter_mut().for_each(|z| *z = activation.apply(*z));
            }
            for (r, &value) in acc[..rows].iter().enumerate() {
                c[(row0 + r) * n + j] = value;
            }
        }
    }
}

/// Copy `b[k, n]` into `ceil(n / NR)` panels of `k x NR`, row-major, zero-padded.
#[inline(always)]
fn pack(k: usize, n: usize, b: Strided, panels: &mut Vec<f32>) {
    let count = n.div_ceil(NR);
    panels.clear();
    panels.resize(count * k * NR, 0.0);
    for (p, panel) in panels.chunks_exact_mut(k * NR).enumerate() {
        let col0 = p * NR;
        let cols = (n - col0).min(NR);
        for (t, row) in panel.chunks_exact_mut(NR).enumerate() {
            for (j, slot) in row[..cols].iter_mut().enumerate() {
                *slot = b.at(t, col0 + j);
            }
        }
    }
}

/// One tile's worth of arguments: rows `row0..row0 + ROWS` and columns `col0..col0 + cols`
/// of `c`, with `b_panel` the `k x NR` panel of `b` for those columns.
#[derive(Clone, Copy)]
struct Block<'a> {
    k: usize,
    a: Strided<'a>,
    row0: usize,
    b_panel: &'a [f32],
    b_row_stride: usize,
    col0: usize,
    cols: usize,
    n: usize,
    epilogue: Epilogue<'a>,
}

#[inline(always)]
fn tile<const ROWS: usize, const FMA: bool>(blk: Block, c: &mut [f32]) {
    // Every index into `acc` below is a constant once the loops unroll, which lets the
    // compiler keep the whole tile in registers; only copies of it are sliced.
    let mut acc = [[0.0f32; NR]; ROWS];
    if let Epilogue::BiasActivation(bias, _) = blk.epilogue {
        let mut row = [0.0f32; NR];
        row[..blk.cols].copy_from_slice(&bias[blk.col0..blk.col0 + blk.cols]);
        acc = [row; ROWS];
    }
    let a = blk.a;
    for t in 0..blk.k {
        // SAFETY: `gemm` asserted that `a` holds `m x k` elements through its strides and
        // that `b` holds `k x n`. Here `row0 + ROWS <= m` and `t < k`, so every `a` index is
        // in bounds. A panel row starts at `t * b_row_stride` and spans `NR` elements:
        // packed panels are `k x NR` by construction; an in-place panel starts at column
        // `col0` with `col0 + NR <= n` and row stride `>= n` (checked for `in_place`), so
        // its last element is at most `(k - 1) * row_stride + n - 1` of `b`, which `holds`
        // checked.
        let (b_row, x) = unsafe {
            let b_row = *(blk.b_panel.as_ptr().add(t * blk.b_row_stride) as *const [f32; NR]);
            let x: [f32; ROWS] = std::array::from_fn(|r| {
                *a.data
                    .get_unchecked((blk.row0 + r) * a.row_stride + t * a.col_stride)
            });
            (b_row, x)
        };
        for r in 0..ROWS {
            for j in 0..NR {
                acc[r][j] = madd::<FMA>(x[r], b_row[j], acc[r][j]);
            }
        }
    }
    let mut tile = acc;
    if let Epilogue::BiasActivation(_, activation) = blk.epilogue {
        let values = tile.as_flattened_mut().iter_mut();
        // One loop per activation, so that each is a tight, vectorisable body.
        match activation {
            Activation::Identity => {}
            Activation::Relu => values.for_each(|z| *z = z.max(0.0)),
            Activation::Tanh => values.for_each(|z| *z = tanh(*z)),
            Activation::Sigmoid => values.for_each(|z| *z = Activation::Sigmoid.apply(*z)),
        }
    }
    for (r, row) in tile.iter().enumerate() {
        let start = (blk.row0 + r) * blk.n + blk.col0;
        if blk.cols == NR {
            // A copy of constant length: two vector stores rather than a call to memcpy.
            c[start..start + NR].copy_from_slice(row);
        } else {
            c[start..start + blk.cols].copy_from_slice(&row[..blk.cols]);
        }
    }
}
