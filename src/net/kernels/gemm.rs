//! The one matrix product behind every layer: `c[m, n] = a[m, k] · b[k, n]`, register-tiled.
//!
//! A tile of `MR x NR` outputs (6 rows x 16 columns: twelve 8-lane accumulators, the most
//! that AVX2's sixteen registers hold beside one row of `b` and one broadcast of `a`) is
//! summed over the whole of `k` in registers, passed once through the [`Epilogue`] (bias
//! and activation, for a forward layer) and stored. With AVX-512 a tile spans two panels
//! side by side, 6 x 32: twelve 16-lane accumulators of its thirty-two registers, each
//! read of `a` shared by twice the columns. `a` is read through its strides, so `xᵀ` costs
//! nothing; `b` is read in place when its rows are contiguous and `n` is a multiple of
//! `NR`, and otherwise first copied into zero-padded panels of `NR` columns (`k x NR`
//! copies against `m x k x NR` multiply-adds).
//!
//! Every output element is the same sum in the same order (bias, then `k = 0, 1, ...`)
//! wherever it falls in a tile, so a row's result depends neither on `m` nor on the tile:
//! the AVX-512 build gives the same bits as the AVX2 + FMA one. The functions here are
//! `#[inline(always)]` and generic over the [`Level`] so that the dispatcher in `mod.rs`
//! can compile them once per build.

use super::Level;
use crate::net::Activation;
use crate::net::architecture::tanh;

/// Columns of a panel of `b`, and of a tile: two 8-lane registers, or one 16-lane one.
const NR: usize = 16;
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
///
/// The tile is chosen per build: with AVX-512 (twice the registers, each twice as wide)
/// it spans two panels, 6 x 32. On a Zen 4 (under other jobs' load) that beat 12 x 16, two
/// stacked 6 x 16 halves, by 15% on the 64-64-10 network's training step at batch 32, and
/// tied at batch 256 and on the population forward pass.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn gemm<L: Level>(
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
        narrow::<L>(m, k, n, a, b, c, epilogue);
    } else {
        tiled::<L>(m, k, n, a, b, c, epilogue, panels);
    }
}

/// [`gemm`] in tiles of `MR` rows and one panel of columns, or two with AVX-512, for
/// `n >= NARROW`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tiled<L: Level>(
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    c: &mut [f32],
    epilogue: Epilogue,
    panels: &mut Vec<f32>,
) {
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
        let block = |col0: usize| Block {
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
        let mut col0 = 0;
        while col0 < n {
            let left = block(col0);
            if L::AVX512 && col0 + NR < n {
                tile_rows::<L, true>(rows, left, block(col0 + NR), c);
                col0 += 2 * NR;
            } else {
                tile_rows::<L, false>(rows, left, left, c);
                col0 += NR;
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
fn narrow<L: Level>(
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
                    *s = L::madd(a.at(row(r), t), w, *s);
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

/// Copy `b[k, n]` into `ceil(n / NR)` panels of `k x NR`, row-major, zero-padded. Every
/// element is written once (no zeroing of the whole buffer first), and a row of `b` with
/// contiguous columns is copied as a slice rather than element by element.
#[inline(always)]
fn pack(k: usize, n: usize, b: Strided, panels: &mut Vec<f32>) {
    let len = n.div_ceil(NR) * k * NR;
    panels.resize(len, 0.0);
    for (p, panel) in panels[..len].chunks_exact_mut(k * NR).enumerate() {
        let col0 = p * NR;
        let cols = (n - col0).min(NR);
        for (t, row) in panel.chunks_exact_mut(NR).enumerate() {
            let (values, padding) = row.split_at_mut(cols);
            if b.col_stride == 1 {
                let start = t * b.row_stride + col0;
                values.copy_from_slice(&b.data[start..start + cols]);
            } else {
                for (j, slot) in values.iter_mut().enumerate() {
                    *slot = b.at(t, col0 + j);
                }
            }
            padding.fill(0.0);
        }
    }
}

/// One tile's worth of arguments: rows `row0..` and columns `col0..col0 + cols`
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

/// [`tile`] for `rows <= MR`, a constant in each arm.
#[inline(always)]
fn tile_rows<L: Level, const PAIR: bool>(rows: usize, left: Block, right: Block, c: &mut [f32]) {
    match rows {
        6 => tile::<L, 6, PAIR>(left, right, c),
        5 => tile::<L, 5, PAIR>(left, right, c),
        4 => tile::<L, 4, PAIR>(left, right, c),
        3 => tile::<L, 3, PAIR>(left, right, c),
        2 => tile::<L, 2, PAIR>(left, right, c),
        _ => tile::<L, 1, PAIR>(left, right, c),
    }
}

/// Rows `row0..row0 + ROWS` of `c` in the columns of the `left` panel and, with `PAIR`,
/// of the `right` one too (which is otherwise ignored), each read of `a` shared by both.
/// The two panels' multiply-adds are separate loops of 6 x 16 at most, which LLVM unrolls
/// fully and so keeps every accumulator in a register; it did not unroll one 12 x 16 loop,
/// and vectorised that across rows with gathers and scatters instead (30 times slower).
#[inline(always)]
fn tile<L: Level, const ROWS: usize, const PAIR: bool>(left: Block, right: Block, c: &mut [f32]) {
    let mut acc_left = left.start::<ROWS>();
    let mut acc_right = right.start::<ROWS>();
    for t in 0..left.k {
        // SAFETY: `gemm` asserted that `a` holds `m x k` elements through its strides and
        // that `b` holds `k x n`. Here `row0 + ROWS <= m` and `t < k`, so every `a` index
        // is in bounds. A panel row starts at `t * b_row_stride` and spans `NR` elements:
        // packed panels are `k x NR` by construction; an in-place panel starts at column
        // `col0` with `col0 + NR <= n` and row stride `>= n` (checked for `in_place`), so
        // its last element is at most `(k - 1) * row_stride + n - 1` of `b`, which `holds`
        // checked.
        let (x, b_left, b_right) =
            unsafe { (left.a_column::<ROWS>(t), left.b_row(t), right.b_row(t)) };
        madd_rows::<L, ROWS>(&mut acc_left, x, &b_left);
        if PAIR {
            madd_rows::<L, ROWS>(&mut acc_right, x, &b_right);
        }
    }
    left.finish(acc_left, c);
    if PAIR {
        right.finish(acc_right, c);
    }
}

/// `acc[r] += x[r] · b_row`, one multiply-add per element.
#[inline(always)]
fn madd_rows<L: Level, const ROWS: usize>(
    acc: &mut [[f32; NR]; ROWS],
    x: [f32; ROWS],
    b_row: &[f32; NR],
) {
    // Every index into `acc` is a constant once the loops unroll, which lets the compiler
    // keep the accumulators in registers.
    for r in 0..ROWS {
        for j in 0..NR {
            acc[r][j] = L::madd(x[r], b_row[j], acc[r][j]);
        }
    }
}

impl Block<'_> {
    /// Accumulators for `ROWS` rows before the sum: the bias, or zeros.
    #[inline(always)]
    fn start<const ROWS: usize>(&self) -> [[f32; NR]; ROWS] {
        let mut row = [0.0f32; NR];
        if let Epilogue::BiasActivation(bias, _) = self.epilogue {
            row[..self.cols].copy_from_slice(&bias[self.col0..self.col0 + self.cols]);
        }
        [row; ROWS]
    }

    /// `a(row0 + r, t)` for `r < ROWS`.
    ///
    /// # Safety
    /// Each of those elements is inside `a.data` (see [`tile`]).
    #[inline(always)]
    unsafe fn a_column<const ROWS: usize>(&self, t: usize) -> [f32; ROWS] {
        let a = self.a;
        std::array::from_fn(|r| {
            let index = (self.row0 + r) * a.row_stride + t * a.col_stride;
            // SAFETY: in bounds, by this function's contract.
            unsafe { *a.data.get_unchecked(index) }
        })
    }

    /// Row `t` of the panel of `b`.
    ///
    /// # Safety
    /// `NR` elements from `t * b_row_stride` are inside `b_panel` (see [`tile`]).
    #[inline(always)]
    unsafe fn b_row(&self, t: usize) -> [f32; NR] {
        // SAFETY: in bounds, by this function's contract.
        unsafe { *(self.b_panel.as_ptr().add(t * self.b_row_stride) as *const [f32; NR]) }
    }

    /// Rows `row0..row0 + ROWS` of `c`: the finished sums `acc` through the epilogue.
    #[inline(always)]
    fn finish<const ROWS: usize>(&self, mut acc: [[f32; NR]; ROWS], c: &mut [f32]) {
        if let Epilogue::BiasActivation(_, activation) = self.epilogue {
            let values = acc.as_flattened_mut().iter_mut();
            // One loop per activation, so that each is a tight, vectorisable body.
            match activation {
                Activation::Identity => {}
                Activation::Relu => values.for_each(|z| *z = z.max(0.0)),
                Activation::Tanh => values.for_each(|z| *z = tanh(*z)),
                Activation::Sigmoid => values.for_each(|z| *z = Activation::Sigmoid.apply(*z)),
            }
        }
        for (r, row) in acc.iter().enumerate() {
            let start = (self.row0 + r) * self.n + self.col0;
            if self.cols == NR {
                // A copy of constant length: vector stores rather than a call to memcpy.
                c[start..start + NR].copy_from_slice(row);
            } else {
                c[start..start + self.cols].copy_from_slice(&row[..self.cols]);
            }
        }
    }
}
