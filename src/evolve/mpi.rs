//! [`Group`] over an MPI communicator (the `mpi` feature, rsmpi over OpenMPI): the ranks
//! of a communicator share one run's population. MPI's default error handler ends the
//! job on a failed call, so a dead rank stops every rank rather than hanging one.

use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives};

use super::share::{Group, GroupError};

/// The ranks of an MPI communicator as a [`Group`].
pub struct MpiGroup {
    communicator: SimpleCommunicator,
}

impl MpiGroup {
    /// The group of `communicator`'s ranks.
    pub fn new(communicator: SimpleCommunicator) -> Self {
        Self { communicator }
    }

    /// The communicator.
    pub fn communicator(&self) -> &SimpleCommunicator {
        &self.communicator
    }
}

impl Group for MpiGroup {
    fn rank(&self) -> usize {
        self.communicator.rank() as usize
    }

    fn size(&self) -> usize {
        self.communicator.size() as usize
    }

    /// Two collectives: every rank's length, then the bytes themselves at the offsets
    /// those lengths give (`MPI_Allgatherv`).
    fn all_gather(&self, mine: &[u8]) -> Result<Vec<Vec<u8>>, GroupError> {
        let length = i32::try_from(mine.len())
            .map_err(|_| GroupError::Transport(format!("{} bytes in one message", mine.len())))?;
        let mut lengths = vec![0i32; self.size()];
        self.communicator.all_gather_into(&length, &mut lengths[..]);
        let offsets: Vec<i32> = lengths
            .iter()
            .scan(0i32, |next, &len| {
                let offset = *next;
                *next = next.saturating_add(len);
                Some(offset)
            })
            .collect();
        let total: usize = lengths.iter().map(|&l| l as usize).sum();
        let mut gathered = vec![0u8; total];
        {
            let mut partition = PartitionMut::new(&mut gathered[..], &lengths[..], &offsets[..]);
            self.communicator
                .all_gather_varcount_into(mine, &mut partition);
        }
        Ok(lengths
            .iter()
            .zip(&offsets)
            .map(|(&len, &offset)| gathered[offset as usize..(offset + len) as usize].to_vec())
            .collect())
    }
}
