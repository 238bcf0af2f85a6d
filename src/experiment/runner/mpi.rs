//! [`Cluster`] over MPI (the `mpi` feature): the ranks of a communicator, usually the
//! world of an `mpirun` job. Runs travel to rank 0 as point-to-point messages of one
//! tag; groups are the communicator split by colour.

use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::topology::{Color, SimpleCommunicator};
use mpi::traits::{Communicator, Root};

use super::cluster::Cluster;
use crate::evolve::Group;
use crate::evolve::mpi::MpiGroup;

/// The tag of a finished run sent to rank 0.
const RUN_TAG: i32 = 14;

/// The ranks of an MPI communicator as a [`Cluster`].
pub struct MpiCluster {
    world: SimpleCommunicator,
}

impl MpiCluster {
    /// The cluster of `world`'s ranks.
    pub fn new(world: SimpleCommunicator) -> Self {
        Self { world }
    }
}

impl Cluster for MpiCluster {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn broadcast(&self, mut bytes: Vec<u8>) -> Vec<u8> {
        let root = self.world.process_at_rank(0);
        let mut length = bytes.len() as u64;
        root.broadcast_into(&mut length);
        bytes.resize(length as usize, 0);
        root.broadcast_into(&mut bytes[..]);
        bytes
    }

    fn send_to_root(&self, bytes: &[u8]) {
        self.world.process_at_rank(0).send_with_tag(bytes, RUN_TAG);
    }

    fn try_receive(&self) -> Option<Vec<u8>> {
        let probed = self
            .world
            .any_process()
            .immediate_matched_probe_with_tag(RUN_TAG)?;
        Some(probed.matched_receive_vec().0)
    }

    fn split(&self, colour: usize) -> Box<dyn Group> {
        let colour = Color::with_value(i32::try_from(colour).unwrap_or(i32::MAX));
        let communicator = self
            .world
            .split_by_color(colour)
            .expect("a defined colour always gives a communicator");
        Box::new(MpiGroup::new(communicator))
    }
}
