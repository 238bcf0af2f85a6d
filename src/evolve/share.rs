//! One evolution run's population spread over the members of a [`Group`] (threads here,
//! MPI ranks with the `mpi` feature).
//!
//! Every member runs the same strategy from the same seed, so every member asks the same
//! population. Each scores only its contiguous slice ([`part`]) and the members exchange
//! fitness values — a few bytes per member, never genomes — so every member tells the
//! same values and the strategies stay identical without ever being sent. Only under
//! Lamarckian write-back ([`Fitness::writes_back`](super::Fitness::writes_back)) do the
//! slices' rewritten genomes travel too. This module knows nothing of MPI or of
//! experiments: it owns the exchange and its encoding.

use std::ops::Range;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use thiserror::Error;

/// Why members of a group could not exchange their values.
#[derive(Debug, Error)]
pub enum GroupError {
    /// A member left the group (its thread ended or its process died).
    #[error("a member of the group left")]
    Left,
    /// A member sent bytes that do not decode to what every member sends.
    #[error("member {member} sent {bytes} bytes, which is not {expected}")]
    Malformed {
        /// The member's rank.
        member: usize,
        /// The bytes it sent.
        bytes: usize,
        /// What was expected, in words.
        expected: String,
    },
    /// The transport (MPI) failed.
    #[error("transport: {0}")]
    Transport(String),
    /// No value came from some member within the group's timeout (it hangs or died).
    #[error("no value from every member within {seconds} s; a member hangs or has died")]
    Timeout {
        /// The timeout.
        seconds: u64,
    },
}

/// Processes or threads that compute one run together. `rank` is this member's place
/// in `0..size`. No `Send` bound, so an MPI communicator fits.
pub trait Group {
    /// This member's rank, in `0..size()`.
    fn rank(&self) -> usize;
    /// Members in the group.
    fn size(&self) -> usize;
    /// Every member's `mine`, in rank order (this member's own included); blocks until
    /// every member has called it. Lengths may differ between members.
    fn all_gather(&self, mine: &[u8]) -> Result<Vec<Vec<u8>>, GroupError>;
}

/// Member `rank`'s contiguous share of `members` among `size`: the first `members %
/// size` ranks take one more, so shares differ by at most one and tile `0..members` in
/// rank order.
pub fn part(members: usize, rank: usize, size: usize) -> Range<usize> {
    let size = size.max(1);
    let (base, extra) = (members / size, members % size);
    let start = rank * base + rank.min(extra);
    let len = base + usize::from(rank < extra);
    start.min(members)..(start + len).min(members)
}

/// `values` as little-endian bytes.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Little-endian bytes of `member` back to values; `expected` values, or an error.
pub fn f32s(bytes: &[u8], member: usize, expected: usize) -> Result<Vec<f32>, GroupError> {
    if bytes.len() != 4 * expected {
        return Err(GroupError::Malformed {
            member,
            bytes: bytes.len(),
            expected: format!("{expected} f32 values"),
        });
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// The exchange shared by the members of a [`ThreadGroup`].
struct Exchange {
    barrier: Barrier,
    timeout: Duration,
    senders: Vec<Sender<(usize, Vec<u8>)>>,
}

/// A group of `size` members in one process, each used from its own thread: for tests
/// and for measuring the exchange without MPI. A member that waits longer than the
/// timeout (default 10 minutes) for the others' values — one of them panicked or hangs —
/// gets [`GroupError::Timeout`] instead of waiting forever.
pub struct ThreadGroup {
    rank: usize,
    exchange: Arc<Exchange>,
    inbox: Receiver<(usize, Vec<u8>)>,
}

impl ThreadGroup {
    /// The `size` members of a new group, in rank order; hand each to its own thread.
    pub fn new(size: usize) -> Vec<ThreadGroup> {
        Self::with_timeout(size, Duration::from_secs(600))
    }

    /// [`new`](Self::new), waiting at most `timeout` for the others' values.
    pub fn with_timeout(size: usize, timeout: Duration) -> Vec<ThreadGroup> {
        let (senders, inboxes): (Vec<_>, Vec<_>) = (0..size.max(1)).map(|_| channel()).unzip();
        let exchange = Arc::new(Exchange {
            barrier: Barrier::new(senders.len()),
            timeout,
            senders,
        });
        inboxes
            .into_iter()
            .enumerate()
            .map(|(rank, inbox)| ThreadGroup {
                rank,
                exchange: exchange.clone(),
                inbox,
            })
            .collect()
    }
}

impl Group for ThreadGroup {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.exchange.senders.len()
    }

    fn all_gather(&self, mine: &[u8]) -> Result<Vec<Vec<u8>>, GroupError> {
        for sender in &self.exchange.senders {
            sender
                .send((self.rank, mine.to_vec()))
                .map_err(|_| GroupError::Left)?;
        }
        let mut gathered = vec![Vec::new(); self.size()];
        for _ in 0..self.size() {
            let (rank, bytes) =
                self.inbox
                    .recv_timeout(self.exchange.timeout)
                    .map_err(|e| match e {
                        RecvTimeoutError::Timeout => GroupError::Timeout {
                            seconds: self.exchange.timeout.as_secs(),
                        },
                        RecvTimeoutError::Disconnected => GroupError::Left,
                    })?;
            gathered[rank] = bytes;
        }
        // No member may start the next exchange before every member has read this one.
        self.exchange.barrier.wait();
        Ok(gathered)
    }
}
