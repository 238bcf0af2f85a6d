//! The gradient of a large batch on every core, with the same bits for any thread count.
//!
//! A batch of at least [`PARALLEL_MIN_BATCH`] rows is cut into blocks of [`BLOCK_ROWS`]
//! rows (the last may be shorter); the boundaries depend on the batch size only, never on
//! the thread count. Each block's loss and gradient come from the single-threaded pass
//! (`passes`) on the block's own [`Workspace`] and are weighted by the block's share of
//! the rows (both losses are means over rows). The blocks run on the calling thread and
//! the pool's (`parallel::for_each`, which keeps the caller working and awake: a fork-join
//! from a program's main thread cost a fifth of the step); the calling thread then sums
//! them pairwise in a tree whose shape depends only on the number of blocks. Which thread
//! computes a block never changes a bit.
//!
//! The blocked sum is not the one-pass sum (the rows' contributions are added in another
//! order), so it agrees with the single-threaded path within rounding only; a given batch
//! size always takes the same path, so a run is still reproducible.

use super::{Loss, Network, Targets, Workspace};
use crate::parallel;

/// Rows per block: a 64-row block keeps a 64-64-10 network's activations (48 KiB) and
/// gradient (19 KiB) inside a core's L2 cache, and still gives two blocks at the threshold.
pub const BLOCK_ROWS: usize = 64;

/// The smallest batch that takes the blocked, parallel path; smaller batches run the
/// single-threaded pass unchanged (a block costs tens of microseconds at 64-64-10, a
/// task handed to another thread a few).
pub const PARALLEL_MIN_BATCH: usize = 2 * BLOCK_ROWS;

/// One block's scratch, kept across calls in the caller's [`Workspace`], so steady-state
/// calls allocate nothing.
#[derive(Debug, Default, Clone)]
pub(super) struct BlockPass {
    ws: Workspace,
    /// The block's gradient, weighted by its share of the batch; after the tree sum, the
    /// first block's holds the whole batch's.
    grad: Vec<f32>,
    /// The block's loss, weighted likewise.
    loss: f32,
}

impl Network {
    /// Loss and gradient of a batch of `batch ≥ PARALLEL_MIN_BATCH` rows through blocks
    /// of [`BLOCK_ROWS`] rows in parallel; `blocks` is the scratch kept across calls.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn loss_and_gradient_blocks(
        &self,
        genome: &[f32],
        input: &[f32],
        batch: usize,
        targets: Targets,
        loss: Loss,
        blocks: &mut Vec<BlockPass>,
        grad: &mut [f32],
    ) -> f32 {
        let count = batch.div_ceil(BLOCK_ROWS);
        if blocks.len() < count {
            blocks.resize_with(count, BlockPass::default);
        }
        let blocks = &mut blocks[..count];
        let job = BlockJob {
            net: self,
            genome,
            input,
            batch,
            targets,
            loss,
        };
        parallel::for_each(blocks.iter_mut().enumerate(), |(index, block)| {
            job.leaf(index, block)
        });
        sum_tree(blocks);
        grad.copy_from_slice(&blocks[0].grad);
        blocks[0].loss
    }
}

/// What every block shares.
struct BlockJob<'a> {
    net: &'a Network,
    genome: &'a [f32],
    input: &'a [f32],
    batch: usize,
    targets: Targets<'a>,
    loss: Loss,
}

impl BlockJob<'_> {
    /// Block `index`: its rows through the single-threaded pass, weighted by its share.
    fn leaf(&self, index: usize, block: &mut BlockPass) {
        let arch = self.net.architecture();
        let rows = index * BLOCK_ROWS..((index + 1) * BLOCK_ROWS).min(self.batch);
        let (inputs, outputs) = (arch.inputs(), arch.outputs());
        let share = rows.len() as f32 / self.batch as f32;
        block.grad.resize(self.net.genome_len(), 0.0);
        let value = self.net.loss_and_gradient_one_pass(
            self.genome,
            &self.input[rows.start * inputs..rows.end * inputs],
            rows.len(),
            self.targets.rows(rows, outputs),
            self.loss,
            &mut block.ws,
            &mut block.grad,
        );
        block.loss = share * value;
        block.grad.iter_mut().for_each(|g| *g *= share);
    }
}

/// Blocks summed pairwise into the first: the two halves' sums (split at the middle),
/// then the right half's added into the left's. The shape depends on the count only.
fn sum_tree(blocks: &mut [BlockPass]) {
    if blocks.len() < 2 {
        return;
    }
    let middle = blocks.len() / 2;
    let (left, right) = blocks.split_at_mut(middle);
    sum_tree(left);
    sum_tree(right);
    let (sum, part) = (&mut left[0], &right[0]);
    sum.loss += part.loss;
    sum.grad
        .iter_mut()
        .zip(&part.grad)
        .for_each(|(g, p)| *g += p);
}
